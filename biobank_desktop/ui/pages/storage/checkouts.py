"""A tube's check-out history: every time it left its freezer, who took it, why, and how long it was out; the
question at check-in whether the tube stayed frozen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.services.storage import CheckoutInfo
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import label


def minutes_text(minutes: int) -> str:
    """'45 min', '2 h 05 min', '3 d 4 h'."""
    tr = QCoreApplication.translate
    if minutes < 60:
        return tr("CheckoutHistoryDialog", "{m} min").format(m=minutes)
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return tr("CheckoutHistoryDialog", "{h} h {m:02d} min").format(h=hours, m=rest)
    days, hours = divmod(hours, 24)
    return tr("CheckoutHistoryDialog", "{d} d {h} h").format(d=days, h=hours)


class CheckoutHistoryDialog(QDialog):
    """The tube's check-outs, newest first, with the total time out of the freezer (a tube still out counts as
    out, without a total for that one)."""

    def __init__(self, sample_code: str, checkouts: list[CheckoutInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkoutHistoryDialog")
        self.setWindowTitle(self.tr("Check-out history of {code}").format(code=sample_code))
        layout = QVBoxLayout(self)
        total = sum(c.minutes_out or 0 for c in checkouts)
        still_out = any(c.back_at is None for c in checkouts)
        if not checkouts:
            summary = self.tr("{code} was never checked out of its freezer.").format(code=sample_code)
        else:
            summary = self.tr("{code}: {n} check-out(s), {total} out of the freezer in all{still}.").format(
                code=sample_code, n=len(checkouts), total=minutes_text(total),
                still=self.tr(" — checked out now") if still_out else "")
        self.summary = label(summary, wrap=True)
        self.summary.setObjectName("checkoutSummary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(len(checkouts), 6)
        self.table.setObjectName("checkoutTable")
        self.table.setHorizontalHeaderLabels([self.tr("Out at"), self.tr("By"), self.tr("Reason"), self.tr("Back at"),
                                              self.tr("Time out"), self.tr("From")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, c in enumerate(checkouts):
            values = [c.out_at.strftime("%Y-%m-%d %H:%M"), c.out_by, c.reason,
                      c.back_at.strftime("%Y-%m-%d %H:%M") if c.back_at else self.tr("still out"),
                      minutes_text(c.minutes_out) if c.minutes_out is not None else "—", f"{c.box_code} {c.position}"]
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 320)


def show_checkout_history(parent: QWidget, session: UiSession, sample_code: str,
                          on_error: Callable[[BaseException], None],
                          opened: Callable[[CheckoutHistoryDialog], None] | None = None) -> None:
    """Read the tube's check-outs on the worker, then open the dialog (without blocking)."""
    storage = session.services.storage

    def show(checkouts: list[CheckoutInfo]) -> None:
        dialog = CheckoutHistoryDialog(sample_code, checkouts, parent)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        if opened is not None:
            opened(dialog)

    session.runner.call(lambda: storage.checkouts(sample_code), on_result=show, on_error=on_error, owner=parent)


def ask_kept_frozen(parent: QWidget, code: str, on_answer: Callable[[bool], None]) -> QMessageBox:
    """Before checking a tube back into frozen storage: did it thaw while out? ``on_answer(kept_frozen)`` runs
    when the technician says (Cancel: nothing). Thawed — one more freeze–thaw cycle — is the default."""
    tr = QCoreApplication.translate
    box = QMessageBox(QMessageBox.Icon.Question, tr("CheckIn", "Check in {code}").format(code=code),
                      tr("CheckIn", "Did {code} stay frozen while it was out?").format(code=code),
                      QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText(tr("CheckIn", "Kept on dry ice or a cold block, it never thawed: no freeze–thaw cycle "
                                         "is counted. Otherwise one more cycle is counted."))
    thawed = box.addButton(tr("CheckIn", "It thawed: count a cycle"), QMessageBox.ButtonRole.AcceptRole)
    kept = box.addButton(tr("CheckIn", "Kept frozen (dry ice / cold block)"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(thawed)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.buttonClicked.connect(lambda clicked: on_answer(clicked is kept) if clicked in (thawed, kept) else None)
    box.finished.connect(box.deleteLater)
    box.open()
    return box
