"""The aliquoting batches of the day (who, when, which protocol, parents and children), and the void of one done
by mistake: its author the same day, or a supervisor, with a reason; the dialog says what will happen first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.services.aliquoting import BatchInfo, VoidOutcome
from biobank_desktop.core.services.changes import Result
from biobank_desktop.ui.formatting import local_time, tr_n, volume
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.pages.aliquoting.result import id_table
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, label

COLUMNS = ("When", "By", "From", "Protocol", "Parents", "Children", "Status")


def void_consequences(batch: BatchInfo) -> str:
    """What voiding ``batch`` does, in the technician's words (shown before the reason is asked): each parent gets
    back exactly what the void writes, the service's :attr:`BatchInfo.returned` (drawn plus dead volume)."""
    returned = batch.returned
    back = "; ".join(f"{code} +{volume(ul)}" for code, ul in returned[:6])
    if len(returned) > 6:
        back += " …"
    lines = [
        tr_n("AliquotVoid", "%n child tube(s) leave their positions and are marked void (never deleted).",
             len(batch.items) or batch.children),
        tr_n("AliquotVoid", "The volume drawn (and the dead volume) returns to %n parent(s): {back}.",
             len(returned) or batch.parents).format(back=back or "—"),
        tr_n("AliquotVoid", "Labels not printed yet are cancelled; printed ones must be taken off the tubes.", 1),
    ]
    return "\n".join(f"• {line}" for line in lines)


class BatchesView(QWidget):
    batch_voided = Signal(int)  # after the void was written (the results showing it are refreshed)
    """See the module docstring."""

    def __init__(self, page: WritingPage, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = session
        self.batches: list[BatchInfo] = []
        self.last_dialog: QDialog | None = None
        self.localize: Callable[[str], str] = str  # the page's: volumes in its decimal separator
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.heading = label(self.tr("Today's aliquoting batches"), "value")
        self.earlier = QCheckBox(self.tr("Show earlier days too"))
        self.earlier.toggled.connect(lambda _on: self.reload())
        top.addWidget(self.heading, 1)
        top.addWidget(self.earlier)
        layout.addLayout(top)
        self.table = id_table("batchesTable", [self.tr(c) for c in COLUMNS], stretch=2)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._update)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.void_button = button(self.tr("Void this batch…"), danger=True, on_click=self.void_selected)
        self.void_button.setObjectName("voidBatchButton")
        self.reload_button = button(self.tr("Reload"), on_click=self.reload)
        buttons.addWidget(self.void_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reload_button)
        layout.addLayout(buttons)
        self._update()

    def reload(self) -> None:
        aliquoting = self.session.services.aliquoting
        day = None if self.earlier.isChecked() else dt.datetime.now().astimezone().date().isoformat()

        def shown(batches: list[BatchInfo]) -> None:
            self.batches = batches
            self.table.setRowCount(len(batches))
            for row, b in enumerate(batches):
                status = self.tr("Voided") if b.status == "voided" else self.tr("Done")
                for col, text in enumerate((local_time(b.created_at), b.created_by, b.source, b.protocol or "—",
                                            str(b.parents), str(b.children), status)):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, b.id)
                    self.table.setItem(row, col, item)
            self._update()

        self.session.runner.call(lambda: aliquoting.batches(day=day), on_result=shown, on_error=self.page.show_error,
                                 owner=self)

    def selected(self) -> BatchInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.batches[rows[0].row()] if rows and rows[0].row() < len(self.batches) else None

    def _update(self) -> None:
        chosen = self.selected()
        self.void_button.setEnabled(chosen is not None and chosen.status != "voided")

    def void_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.ask_void(chosen.id)

    def ask_void(self, batch_id: int) -> None:
        """Read the batch (its items), then ask why, saying what will happen."""
        aliquoting = self.session.services.aliquoting
        self.session.runner.call(lambda: aliquoting.batch(batch_id), on_result=self._ask,
                                 on_error=self.page.show_error, owner=self)

    def _ask(self, batch: BatchInfo) -> None:
        when = local_time(batch.created_at)
        dialog = ReasonDialog(
            self.tr("Void aliquoting batch {id}").format(id=batch.id),
            self.tr("Batch {id} by {who} at {when} ({source}). Voiding it:").format(
                id=batch.id, who=batch.created_by, when=when, source=batch.source)
            + "\n" + self.localize(void_consequences(batch))
            + "\n" + self.tr("Only its author, the same day, or a supervisor may void it."),
            ok_text=self.tr("Void the batch"),
            suggestions=[self.tr("Wrong parent scanned"), self.tr("Wrong protocol"), self.tr("Wrong volume"),
                         self.tr("Wrong box")], parent=self)
        dialog.setObjectName("voidDialog")
        self.last_dialog = dialog
        aliquoting, actor = self.session.services.aliquoting, self.session.actor

        def accepted() -> None:
            reason = dialog.reason_text()
            run_write(self.page, lambda: aliquoting.void(actor, batch.id, reason), on_done=voided)

        def voided(result: Result[VoidOutcome]) -> None:
            self.reload()
            self.batch_voided.emit(batch.id)
            done = result.value
            text = self.tr("Batch {id} is void: its children left their positions, the parents have their volume "
                           "back.").format(id=batch.id)
            if done.maybe_printed:
                text += " " + self.tr("{n} cancelled label(s) had failed and may have printed anyway: find and "
                                      "destroy the labels of {codes}.").format(n=len(done.maybe_printed),
                                                                              codes=", ".join(done.maybe_printed))
            self.page.banner.show_message(text, "warn" if done.maybe_printed else "ok")

        ask(self, dialog, accepted)
