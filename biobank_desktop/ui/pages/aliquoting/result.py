"""What an aliquoting made: the children in placement order (the order their labels were queued in), per box, and
the box map with the new tubes selected; print their labels, open the box, void the aliquoting."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.services.aliquoting import AliquotOutcome, ChildInfo
from biobank_desktop.core.services.storage import BoxMap, CellInfo
from biobank_desktop.ui.formatting import DASH, tr, tr_n, volume
from biobank_desktop.ui.navigation import PrintSummary
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ROW_HEIGHT
from biobank_desktop.ui.widgets.box_map import BoxMapWidget
from biobank_desktop.ui.widgets.common import button, label

CHILD_COLUMNS = ("Child", "Volume", "Position", "Type")


def children_of(outcome: AliquotOutcome) -> list[ChildInfo]:
    """Every child of the outcome, in placement order (the order their labels were queued in)."""
    return list(outcome.children)


def boxes_of(children: list[ChildInfo]) -> list[tuple[str, int]]:
    """(box, how many children went there), in placement order."""
    counts: dict[str, int] = {}
    for child in children:
        if child.box_code:
            counts[child.box_code] = counts.get(child.box_code, 0) + 1
    return list(counts.items())


def id_table(name: str, headers: list[str], *, stretch: int | None = None) -> QTableWidget:
    """A read-only table whose rows name samples: whole rows selected, columns fitted to their contents
    (``stretch``: the one that takes the rest, else the last), text cut from the left — an ID loses its
    start, never its check character."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    table.setTextElideMode(Qt.TextElideMode.ElideLeft)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def child_table(name: str) -> QTableWidget:
    table = id_table(name, [tr("AliquotResult", c) for c in CHILD_COLUMNS])
    table.setAlternatingRowColors(True)
    return table


def fill_children(table: QTableWidget, children: list[ChildInfo]) -> None:
    table.setRowCount(len(children))
    for row, child in enumerate(children):
        where = f"{child.box_code} {child.position or ''}".strip() if child.box_code else DASH
        for col, text in enumerate((child.sample_code, volume(child.volume_ul), where, child.sample_type)):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, child.sample_code)
            table.setItem(row, col, item)


class ResultView(QWidget):
    """See the module docstring. ``void_requested(batch_id)``, ``next_requested()``."""

    void_requested = Signal(int)
    next_requested = Signal()

    def __init__(self, session: UiSession, show_message: Callable[[str, str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.show_message = show_message
        self.outcome: AliquotOutcome | None = None
        self.box: BoxMap | None = None
        self._box_token = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.heading = label("", "value", wrap=True, selectable=True)
        self.heading.setObjectName("resultHeading")
        self.heading.setStyleSheet("QLabel#resultHeading { color: #17703a; background: #e3f4e8; padding: 8px 12px; "
                                   "border-radius: 6px; font-size: 12pt; }")
        layout.addWidget(self.heading)
        row = QHBoxLayout()
        row.setSpacing(12)
        left = QVBoxLayout()
        self.table = child_table("childrenTable")
        self.table.itemDoubleClicked.connect(self._open_child)
        self.table.currentCellChanged.connect(lambda r, _c, _pr, _pc: self._child_chosen(r))
        left.addWidget(self.table, 1)
        self.boxes = label("", "fieldname", wrap=True)
        self.boxes.setObjectName("resultBoxes")
        left.addWidget(self.boxes)
        row.addLayout(left, 4)
        right = QVBoxLayout()
        self.box_choice = QComboBox()
        self.box_choice.setObjectName("resultBoxChoice")
        self.box_choice.currentIndexChanged.connect(lambda _i: self._load_box(self.box_choice.currentData()))
        self.map = BoxMapWidget()
        self.map.setMinimumSize(260, 260)
        self.map.cell_activated.connect(self._open_cell)
        right.addWidget(self.box_choice)
        right.addWidget(self.map, 1)
        row.addLayout(right, 2)
        layout.addLayout(row, 1)
        buttons = QHBoxLayout()
        self.print_button = button(self.tr("Print labels"), primary=True, on_click=self.print_labels)
        self.print_button.setObjectName("printChildLabels")
        self.open_box_button = button(self.tr("Open the box"), on_click=self._open_box)
        self.void_button = button(self.tr("Void this aliquoting…"), danger=True,
                                  on_click=self._void)
        self.void_button.setObjectName("voidButton")
        self.next_button = button(self.tr("Next parent"), on_click=self.next_requested.emit)
        for widget in (self.print_button, self.open_box_button, self.void_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)

    def show_outcome(self, outcome: AliquotOutcome, heading: str) -> None:
        self.outcome = outcome
        children = children_of(outcome)
        self.heading.setText(heading)
        fill_children(self.table, children)
        boxes = boxes_of(children)
        self.boxes.setText("  ·  ".join(tr_n("AliquotResult", "{box}: %n new tube(s)", n).format(box=box)
                                        for box, n in boxes) or self.tr("Not placed in a box."))
        self.box_choice.blockSignals(True)
        self.box_choice.clear()
        for box, n in boxes:
            self.box_choice.addItem(tr_n("AliquotResult", "Box {box} (%n new)", n).format(box=box), box)
        self.box_choice.blockSignals(False)
        self.box_choice.setVisible(len(boxes) > 1)
        self.map.setVisible(bool(boxes))
        self.open_box_button.setEnabled(bool(boxes))
        self.print_button.setEnabled(bool(outcome.label_jobs))
        self.print_button.setToolTip(self.tr("The labels were queued in placement order; print them now")
                                     if outcome.label_jobs else self.tr("No label was queued"))
        self.void_button.setEnabled(True)
        self._load_box(boxes[0][0] if boxes else None)

    def _child_chosen(self, row: int) -> None:
        item = self.table.item(row, 2)
        code = item.text().split(" ")[0] if item is not None else None
        if code and code != DASH and self.box_choice.currentData() != code:
            self.box_choice.setCurrentIndex(max(0, self.box_choice.findData(code)))

    def _load_box(self, code: str | None) -> None:
        self._box_token += 1
        token = self._box_token
        if not code:
            self.map.set_box(None)
            return
        storage = self.session.services.storage

        def shown(box: BoxMap) -> None:
            if token == self._box_token:
                self.box = box
                self.map.set_box(box)
                new = {c.sample_code for c in children_of(self.outcome)} if self.outcome else set()
                self.map.select((c.row, c.col) for c in box.cells if c.sample_code in new)

        self.session.runner.call(lambda: storage.box_map(code), on_result=shown,
                                 on_error=lambda exc: self.show_message(str(exc), "error"), owner=self)

    def selected_on_map(self) -> set[str]:
        """The sample codes the map shows selected (the new children of the box shown)."""
        if self.box is None:
            return set()
        cells = {(c.row, c.col): c.sample_code for c in self.box.cells}
        return {code for at in self.map.selected if (code := cells.get(at))}

    def print_labels(self) -> None:
        if self.outcome is None or not self.outcome.label_jobs:
            return
        self.print_button.setEnabled(False)

        def done(outcome: PrintSummary) -> None:
            self.print_button.setEnabled(True)
            self.show_message(outcome.summary(), "error" if outcome.error is not None else
                              "ok" if outcome.complete else "info")

        def failed(exc: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.show_message(str(exc), "error")

        self.session.navigate.print_label_jobs(self.outcome.label_jobs, on_done=done, on_error=failed)

    def _open_box(self) -> None:
        code = self.box_choice.currentData()
        if code:
            self.session.navigate.open_box(str(code))

    def _open_child(self, item: QTableWidgetItem) -> None:
        code = item.data(Qt.ItemDataRole.UserRole)
        if code:
            self.session.navigate.open_sample(str(code))

    def _open_cell(self, cell: CellInfo) -> None:
        if cell.sample_code:
            self.session.navigate.open_sample(cell.sample_code)

    def _void(self) -> None:
        if self.outcome is not None:
            self.void_requested.emit(self.outcome.batch_id)

    def voided(self, batch_id: int) -> bool:
        """Batch ``batch_id`` was voided: if it is the one shown, say so, disable Void and Print (its label jobs
        were cancelled) and show the box without its children. True when it was the one shown."""
        if self.outcome is None or self.outcome.batch_id != batch_id:
            return False
        self.heading.setText(self.tr("VOIDED — batch {id}: its children left their positions, the parents have "
                                     "their volume back.").format(id=batch_id))
        self.heading.setStyleSheet("QLabel#resultHeading { color: #a4161a; background: #fde7e7; padding: 8px 12px; "
                                   "border-radius: 6px; font-size: 12pt; }")
        for widget in (self.void_button, self.print_button):
            widget.setEnabled(False)
        self.print_button.setToolTip(self.tr("The batch is void: its labels were cancelled"))
        self._load_box(self.box_choice.currentData())
        return True
