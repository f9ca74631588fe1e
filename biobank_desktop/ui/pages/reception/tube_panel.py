"""The board's "last tube" panel: what the last scan became, its condition keys, comment and corrected volume,
and, while it waits, the decision (accept, quarantine, reject).

Everything works from the keyboard while the scan field keeps the focus: **Alt + a letter** sets the last
tube's condition (Alt+O OK, Alt+H haemolysed …, shown on each key), Alt+A / Alt+Q / Alt+R decide a waiting
tube; the comment and volume fields save on Enter and hand the focus back to the scan field. The panel only
collects; the board writes.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.services.reception import BoardTube
from biobank_desktop.ui.models.reception import condition_text, tube_state_text
from biobank_desktop.ui.models.reception_words import CONDITIONS, SHORT_NAMES, shown
from biobank_desktop.ui.pages.reception.dialogs import parse_volume_text, volume_problem
from biobank_desktop.ui.widgets.common import button, label

#: The key (with Alt) of each condition: the first letter where it is free.
CONDITION_KEYS: dict[str, str] = {
    "OK": "O", "HAEMOLYSED": "H", "LIPAEMIC": "L", "ICTERIC": "I", "CLOTTED": "C", "LEAKING": "K", "BROKEN": "B",
    "THAWED": "T", "LOW_VOLUME": "V", "UNLABELLED": "U", "WRONG_TUBE": "W",
}
DECISION_KEYS = {"accept": "A", "quarantine": "Q", "reject": "R"}

STYLE = """
QFrame#lastTube { background: #ffffff; border: 1px solid #b7c0cc; border-radius: 8px; }
QPushButton#conditionKey { min-height: 34px; padding: 2px 4px; text-align: left; font-weight: 600; font-size: 10pt; }
QPushButton#conditionKey:checked { background: #0b5cad; color: #ffffff; border-color: #084a8c; }
QPushButton#conditionKey[bad="true"]:checked { background: #8a5300; border-color: #5c3700; }
QPushButton#acceptTube, QPushButton#quarantineTube, QPushButton#rejectTube { padding: 4px 8px; }
"""


class TubePanel(QFrame):
    """See the module docstring. Signals carry the tube they are about (the one shown)."""

    condition_chosen = Signal(object, str)  # BoardTube, condition code
    details_saved = Signal(object, str, object)  # BoardTube, comment, volume (Decimal | None)
    decided = Signal(object, str)  # BoardTube, "accept" | "quarantine" | "reject"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lastTube")
        self.setStyleSheet(STYLE)
        self.tube: BoardTube | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        self.heading = label(self.tr("Last tube: none scanned yet"), "value", wrap=True)
        self.heading.setObjectName("lastTubeHeading")
        layout.addWidget(self.heading)

        self.keys_caption = label(self.tr("Condition (Alt + letter), OK unless told:"), "fieldname")
        layout.addWidget(self.keys_caption)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.condition_group = QButtonGroup(self)
        self.condition_group.setExclusive(True)
        self.condition_buttons: dict[str, QPushButton] = {}
        for i, (code, text) in enumerate(CONDITIONS.items()):
            key = CONDITION_KEYS[code]
            word = shown(SHORT_NAMES.get(code, text)).capitalize() if code != "OK" else "OK"
            key_button = QPushButton(f"{key} {word}")
            key_button.setObjectName("conditionKey")
            key_button.setProperty("bad", code != "OK")
            key_button.setCheckable(True)
            key_button.setAutoDefault(False)
            key_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the focus stays in the scan field
            key_button.setToolTip(self.tr("Alt+{key}: the last tube is {what}").format(key=key, what=shown(text)))
            key_button.clicked.connect(lambda _=False, c=code: self.choose_condition(c))
            self.condition_group.addButton(key_button)
            self.condition_buttons[code] = key_button
            grid.addWidget(key_button, i // 4, i % 4)
        layout.addLayout(grid)

        details = QHBoxLayout()
        details.setSpacing(6)
        self.comment = QLineEdit()
        self.comment.setObjectName("tubeComment")
        self.comment.setPlaceholderText(self.tr("Comment (Enter saves)"))
        self.volume = QLineEdit()
        self.volume.setObjectName("tubeVolume")
        self.volume.setPlaceholderText(self.tr("Volume"))
        self.volume.setToolTip(self.tr("The tube's volume: 450, 450 µl or 1,5 mL (Enter saves)"))
        self.volume.setMaximumWidth(120)
        for edit in (self.comment, self.volume):
            edit.returnPressed.connect(self.save_details)
        details.addWidget(self.comment, 1)
        details.addWidget(self.volume)
        layout.addLayout(details)

        decisions = QHBoxLayout()
        decisions.setSpacing(6)
        self.accept_button = button(self.tr("A  Accept…"), primary=True,
                                    on_click=lambda: self.decide("accept"))
        self.accept_button.setObjectName("acceptTube")
        self.quarantine_button = button(self.tr("Q  Quarantine…"), on_click=lambda: self.decide("quarantine"))
        self.quarantine_button.setObjectName("quarantineTube")
        self.reject_button = button(self.tr("R  Reject…"), danger=True, on_click=lambda: self.decide("reject"))
        self.reject_button.setObjectName("rejectTube")
        self.accept_button.setToolTip(self.tr("Alt+A: register the tube with what you know"))
        self.quarantine_button.setToolTip(self.tr("Alt+Q: accept it into quarantine, with a reason"))
        self.reject_button.setToolTip(self.tr("Alt+R: reject it, with a reason (it stays on the report)"))
        for widget in (self.accept_button, self.quarantine_button, self.reject_button):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            decisions.addWidget(widget)
        self.decision_row = QWidget()
        self.decision_row.setLayout(decisions)
        decisions.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.decision_row)
        self.problem = label("", wrap=True)
        self.problem.setObjectName("tubeProblem")
        self.problem.setStyleSheet("color: #a4161a; font-weight: 600;")
        self.problem.hide()
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.show_tube(None)

    def install_shortcuts(self, scope: QWidget) -> None:
        """Alt + letter anywhere in ``scope`` (the board): the condition keys and the decisions."""
        for code, key in CONDITION_KEYS.items():
            shortcut = QShortcut(QKeySequence(f"Alt+{key}"), scope, lambda c=code: self.choose_condition(c))
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for decision, key in DECISION_KEYS.items():
            shortcut = QShortcut(QKeySequence(f"Alt+{key}"), scope, lambda d=decision: self.decide(d))
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- showing -----------------------------------------------------------------------------------------------

    def show_tube(self, tube: BoardTube | None) -> None:
        """Show what ``tube`` (the last scanned, None: none) stands as now."""
        self.tube = tube
        self.problem.hide()
        received = tube is not None and tube.receipt_id is not None and tube.decision != "rejected"
        for widget in (*self.condition_buttons.values(), self.comment, self.volume):
            widget.setEnabled(received)
        if tube is None:
            self.heading.setText(self.tr("Last tube: none scanned yet"))
            self.decision_row.hide()
            self._check(None)
            self.comment.clear()
            self.volume.clear()
            return
        code = tube.barcode or self.tr("(no barcode)")
        became = f" → {tube.sample_code}" if tube.sample_code else ""
        self.heading.setText(self.tr("Last tube: {code}{became} · {state}").format(
            code=code, became=became, state=tube_state_text(tube)))
        self._check(tube.condition if tube.receipt_id is not None else None)
        self.comment.setText(tube.comment)
        self.volume.setText("" if tube.volume_ul is None else f"{tube.volume_ul.normalize():f}")
        waiting = tube.decision == "pending"
        self.decision_row.setVisible(waiting)
        self.accept_button.setVisible(waiting and tube.stop is None)
        self.setToolTip(self.tr("Condition: {c}").format(c=condition_text(tube.condition)))

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _check(self, code: str | None) -> None:
        self.condition_group.setExclusive(False)
        for key, widget in self.condition_buttons.items():
            widget.setChecked(key == code)
        self.condition_group.setExclusive(True)

    # -- the technician's keys -------------------------------------------------------------------------------

    def choose_condition(self, code: str) -> None:
        tube = self.tube
        if tube is None or not self.condition_buttons[code].isEnabled():
            self._check(tube.condition if tube is not None and tube.receipt_id is not None else None)
            return
        self._check(code)
        if code != (tube.condition or "OK"):
            self.condition_chosen.emit(tube, code)

    def save_details(self) -> None:
        tube = self.tube
        if tube is None or not self.comment.isEnabled():
            return
        problem = volume_problem(self.volume.text())
        if problem:
            self.show_problem(problem)
            return
        volume: Decimal | None = parse_volume_text(self.volume.text())
        self.show_problem("")
        self.details_saved.emit(tube, self.comment.text().strip(), volume)

    def decide(self, decision: str) -> None:
        tube = self.tube
        if tube is None or tube.decision != "pending":
            return
        if decision == "accept" and tube.stop is not None:
            return
        self.decided.emit(tube, decision)
