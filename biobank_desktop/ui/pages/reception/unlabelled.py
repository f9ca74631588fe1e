"""A tube with no readable barcode: which manifest line is it?

The technician reads the participant and the sample type on the tube (or the form with it) and picks the line
among the still-missing ones (type a few letters of the pseudonym to narrow the list). The tube is then received
as that expected tube (:meth:`ReceptionService.receive_listed`) and gets its label; it is not reported both missing
and extra. "None of these" registers it as a new tube, as before (:meth:`BoardActions.register_unlabelled`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QWidget

from biobank_desktop.core.services.reception import BoardTube
from biobank_desktop.ui.formatting import volume
from biobank_desktop.ui.pages.reception.dialogs import FormDialog
from biobank_desktop.ui.widgets.common import ask

if TYPE_CHECKING:
    from biobank_desktop.ui.pages.reception.page import ReceptionPage

NEW_TUBE = -1  # the list's "none of these" entry


class ManifestLineDialog(FormDialog):
    """Choose the manifest line (among ``missing``) a tube without barcode is, or "a new tube"."""

    def __init__(self, missing: Sequence[BoardTube], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("A tube with no readable barcode"),
                         self.tr("Is it one of the tubes the manifest lists and that were not received yet? Choose "
                                 "its line by participant and sample type: it is received as that tube and gets "
                                 "its label."), self.tr("This is the manifest line"), parent)
        self.setObjectName("manifestLineDialog")
        self.filter = QLineEdit()
        self.filter.setObjectName("manifestLineFilter")
        self.filter.setPlaceholderText(self.tr("Type the pseudonym or sample type to narrow the list"))
        self.filter.textChanged.connect(self._narrow)
        self.lines = QListWidget()
        self.lines.setObjectName("manifestLines")
        self.lines.setMinimumHeight(220)
        new = QListWidgetItem(self.tr("None of these: a new tube, not on the manifest (register it)…"))
        new.setData(Qt.ItemDataRole.UserRole, NEW_TUBE)
        self.lines.addItem(new)
        for tube in missing:
            row = self.tr("row {n}").format(n=tube.source_row) if tube.source_row else ""
            text = " · ".join(p for p in (tube.pseudonym or "?", tube.sample_type or "?", tube.study or "",
                                          volume(tube.volume_ul) if tube.volume_ul is not None else "", row,
                                          self.tr("barcode {code}").format(code=tube.barcode)) if p)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, tube.expected_tube_id)
            self.lines.addItem(item)
        self.lines.currentRowChanged.connect(lambda _row: self.update_state())
        self.lines.itemDoubleClicked.connect(lambda _item: self._confirm())
        self.comment = QLineEdit()
        self.comment.setObjectName("manifestLineComment")
        self.comment.setPlaceholderText(self.tr("e.g. label torn off (kept with the receipt, on the report)"))
        self.form.addRow(self.tr("Find"), self.filter)
        self.form.addRow(self.tr("Manifest line"), self.lines)
        self.form.addRow(self.tr("Comment"), self.comment)
        self.finish()
        self.lines.setCurrentRow(1 if missing else 0)

    def chosen(self) -> int | None:
        """The chosen line's expected-tube id; :data:`NEW_TUBE` for a new tube; None: nothing chosen."""
        item = self.lines.currentItem()
        if item is None or item.isHidden():
            return None
        return int(item.data(Qt.ItemDataRole.UserRole))

    def problem(self) -> str:
        if self.chosen() is None:
            return self.tr("Choose the tube's line (or a new tube).")
        return ""

    def update_state(self) -> None:
        super().update_state()
        if hasattr(self, "lines"):
            self.ok_button.setText(self.tr("Register a new tube…") if self.chosen() == NEW_TUBE
                                   else self.tr("This is the manifest line"))

    def _narrow(self, text: str) -> None:
        words = text.strip().lower().split()
        first_shown = None
        for i in range(1, self.lines.count()):
            item = self.lines.item(i)
            hidden = not all(w in item.text().lower() for w in words)
            item.setHidden(hidden)
            if not hidden and first_shown is None:
                first_shown = i
        self.lines.setCurrentRow(first_shown if first_shown is not None else 0)


def receive_unlabelled(page: ReceptionPage) -> QDialog | None:
    """The No-barcode button: choose the manifest line (or a new tube), then receive it on the board's queue."""
    board = page.board
    actions = page.board_actions
    missing = [t for t in (board.board.tubes if board.board is not None else ()) if t.state == "missing"]
    if board.code is None:
        return None
    if not missing:
        return actions.register_unlabelled()
    dialog = ManifestLineDialog(missing, page)
    page.last_dialog = dialog
    service, actor, code = page.session.services.reception, page.session.actor, board.code

    def chosen() -> None:
        line, comment = dialog.chosen(), dialog.comment.text().strip()
        if line == NEW_TUBE or line is None:
            page.last_dialog = actions.register_unlabelled()
            return

        def done(result: Any) -> None:
            if result.value.label_jobs:
                actions.print_jobs(list(result.value.label_jobs))

        board.run_decision(lambda: service.receive_listed(actor, code, line, comment=comment),
                           page.tr("Receiving the tube as its manifest line…"), after=done)
        board.focus_scan()

    ask(page, dialog, chosen)
    return dialog
