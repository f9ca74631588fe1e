"""What the technician does on a board besides scanning: correct a tube, decide a waiting one, register a tube
with no barcode, print the accepted tubes' labels, store them, record the arrival, close the shipment.

Every write is one reception-service call on the worker. A tube's decision goes through the board's scan session
(:meth:`ReceptionBoard.run_in_session`, so the session's pending tube stays true) and a correction straight to the
service (:meth:`ReceptionBoard.run_decision`); both are queued behind the scans so the answers come in the order
the technician acted. The rest go through :func:`run_write` (banner message, ``Changes`` announced).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.flows.reception import Feedback, ReceptionSession
from biobank_desktop.core.services.changes import Changes
from biobank_desktop.core.services.dto import StudyInfo
from biobank_desktop.core.services.reception import BoardTube, ShipmentDetails, StoreResult
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.ui.models.reception_words import (
    DRY_ICE_LEFT,
    QUARANTINE_REASONS,
    REJECT_REASONS,
    TRANSPORT_TEMPERATURES,
    shown,
    shown_table,
)
from biobank_desktop.ui.navigation import PrintSummary
from biobank_desktop.ui.operations.writes import run_write
from biobank_desktop.ui.pages.reception.board import ReceptionBoard
from biobank_desktop.ui.pages.reception.dialogs import ArrivalDialog, RegisterTubeDialog
from biobank_desktop.ui.widgets.common import ReasonDialog, ask

if TYPE_CHECKING:
    from biobank_desktop.ui.pages.reception.page import ReceptionPage


def new_sample(values: dict[str, Any], barcode: str | None) -> NewSample:
    """What a :class:`RegisterTubeDialog` collected, as the sample service takes it."""
    return NewSample(str(values["study"]), str(values["sample_type"]), participant=str(values["pseudonym"]),
                     volume_ul=values["volume_ul"], collected_at=values["collected_at"],
                     external_barcodes=(barcode,) if barcode else (), notes=str(values["comment"]))


class BoardActions:
    """The board's writes for ``page`` (see the module docstring). ``last_dialog``: the dialog opened last."""

    def __init__(self, page: ReceptionPage, board: ReceptionBoard) -> None:
        self.page = page
        self.board = board
        self.session = page.session
        self.last_dialog: QDialog | None = None
        self.studies: list[StudyInfo] = []
        self.sample_types = sprec.fluid_sample_types() + sprec.solid_sample_types()
        panel = board.tube_panel
        panel.condition_chosen.connect(self.set_condition)
        panel.details_saved.connect(self.save_details)
        panel.decided.connect(self.decide)

    def tr(self, text: str) -> str:  # lupdate files this class's tr("…") literals under its own name
        return QCoreApplication.translate("BoardActions", text)

    def load_studies(self) -> None:
        reference = self.session.services.reference

        def keep(studies: list[StudyInfo]) -> None:
            self.studies = studies

        self.session.runner.call(reference.studies, on_result=keep, on_error=self.page.show_error, owner=self.page)

    @property
    def code(self) -> str:
        return self.board.code or ""

    # -- one tube ------------------------------------------------------------------------------------------------

    def set_condition(self, tube: BoardTube, condition: str) -> None:
        self._correct(tube, self.tr("Saving the condition of {code}…"), condition=condition)

    def save_details(self, tube: BoardTube, comment: str, volume: Decimal | None) -> None:
        self._correct(tube, self.tr("Saving {code}…"), comment=comment, volume_ul=volume)

    def _correct(self, tube: BoardTube, busy: str, **fields: Any) -> None:
        """Correct ``tube``'s receipt: by its barcode, or by the receipt's id when it has none."""
        service, actor, code, barcode, receipt = (self.session.services.reception, self.session.actor, self.code,
                                                  tube.barcode, tube.receipt_id)
        if barcode is None and receipt is None:
            self.board.tube_panel.show_problem(self.tr("This tube has not been scanned yet: scan it first."))
            return
        key = {"barcode": barcode} if barcode is not None else {"receipt_id": receipt}
        self.board.run_decision(lambda: service.update_tube(actor, code, **key, **fields),
                                busy.format(code=barcode or tube.sample_code or self.tr("the tube")))
        self.board.focus_scan()

    def decide(self, tube: BoardTube, decision: str) -> QDialog | None:
        """Accept (register), quarantine or reject the waiting ``tube``: the form, then the write."""
        barcode = tube.barcode or ""
        if decision == "reject":
            return self._ask_reason(
                self.tr("Reject {code}").format(code=barcode),
                self.tr("The tube is not accessioned; it stays on the discrepancy report with your reason."),
                self.tr("Reject"), REJECT_REASONS,
                lambda reason: self._decision(lambda flow: flow.reject(reason, barcode=barcode), barcode))
        unlisted = tube.stop is None
        if decision == "accept" or (decision == "quarantine" and unlisted):
            dialog = RegisterTubeDialog(barcode, self.studies, self.sample_types, self.page)
            if decision == "quarantine":
                dialog.ok_button.setText(self.tr("Next: the reason"))
            self.last_dialog = dialog

            def registered() -> None:
                sample = new_sample(dialog.values(), None)
                if decision == "accept":
                    self._decision(lambda flow: flow.accept(sample, barcode=barcode), barcode)
                else:
                    self._ask_quarantine(barcode, sample)

            ask(self.page, dialog, registered)
            return dialog
        return self._ask_quarantine(barcode, None)

    def _ask_quarantine(self, barcode: str, sample: NewSample | None) -> QDialog:
        return self._ask_reason(
            self.tr("Quarantine {code}").format(code=barcode),
            self.tr("The tube becomes a sample in quarantine: kept, not released for use until the question is "
                    "settled. Why?"), self.tr("Quarantine"), QUARANTINE_REASONS,
            lambda reason: self._decision(lambda flow: flow.quarantine(reason, sample, barcode=barcode), barcode))

    def _ask_reason(self, title: str, prompt: str, ok: str, suggestions: tuple[str, ...],
                    then: Callable[[str], None]) -> QDialog:
        dialog = ReasonDialog(title, prompt, ok_text=ok, suggestions=[shown(s) for s in suggestions])
        self.last_dialog = dialog
        ask(self.page, dialog, lambda: then(dialog.reason_text()))
        return dialog

    def _decision(self, call: Callable[[ReceptionSession], Feedback], barcode: str) -> None:
        """One decision, through the board's scan session (the one place that knows which tube waits)."""
        self.board.run_in_session(call, self.tr("Saving the decision for {code}…").format(code=barcode))
        self.board.focus_scan()

    def register_unlabelled(self) -> QDialog | None:
        """A tube with no (readable) barcode: registered from what the technician knows; its label prints."""
        if not self.code:
            return None
        dialog = RegisterTubeDialog(None, self.studies, self.sample_types, self.page)
        self.last_dialog = dialog
        service, actor, code = self.session.services.reception, self.session.actor, self.code

        def registered() -> None:
            sample = new_sample(dialog.values(), None)
            reason = dialog.quarantine_reason()

            def done(result: Any) -> None:
                if result.value.label_jobs:
                    self.print_jobs(list(result.value.label_jobs))

            comment = str(dialog.values()["comment"])  # on the receipt (the report) too, not only the sample's notes
            self.board.run_decision(lambda: service.register_unlabelled(actor, code, sample, comment=comment,
                                                                        label=True, quarantine_reason=reason),
                                    self.tr("Registering the tube with no barcode…"), after=done)

        ask(self.page, dialog, registered)
        return dialog

    # -- the accepted tubes --------------------------------------------------------------------------------------

    def print_labels(self) -> None:
        service, actor, code = self.session.services.reception, self.session.actor, self.code

        def queued(job_ids: list[int]) -> None:
            if not job_ids:
                self.page.banner.show_message(self.tr("Every accepted tube already has its label queued or printed. "
                                                      "Reprints are made on the Labels page."), "info")
                return
            self.print_jobs(job_ids)

        run_write(self.page, lambda: service.label_accepted(actor, code), on_done=lambda r: queued(r.value))

    def print_jobs(self, job_ids: list[int]) -> None:
        """Print the queued ``job_ids`` now, or say where they wait when this workstation has no printer."""
        if not self.session.services.labelling.printers():
            self.page.banner.show_message(self.tr(
                "The labels are queued ({n} print job(s)) but this workstation has no label printer: add one in "
                "Settings → Printers, then print them from Labels → Print queue.").format(n=len(job_ids)), "warn")
            self.board.reload()
            return
        self.session.navigate.print_label_jobs(job_ids, on_done=self._printed)

    def _printed(self, outcome: PrintSummary) -> None:
        self.page.banner.show_message(outcome.summary(), "ok" if outcome.complete else "warn")
        self.board.reload()

    def store(self) -> None:
        service, actor, code = self.session.services.reception, self.session.actor, self.code
        run_write(self.page, lambda: service.store_accepted(actor, code), on_done=lambda r: self.stored(r.value),
                  title=self.tr("Finding space and placing the accepted tubes"))

    def stored(self, result: StoreResult) -> None:
        self.page.show_stored(result)
        self.board.reload()

    # -- the shipment ----------------------------------------------------------------------------------------------

    def record_arrival(self) -> QDialog | None:
        board = self.board.board
        if board is None:
            return None
        info = board.shipment
        arrival = info.arrival
        current: dict[str, object] = {
            "received_at": arrival.received_at, "transport_temperature": arrival.transport_temperature,
            "dry_ice_left": arrival.dry_ice_left, "temperature_c": arrival.temperature_c,
            "packaging": arrival.packaging, "notes": info.details.notes or ""}
        dialog = ArrivalDialog(shown_table(TRANSPORT_TEMPERATURES), shown_table(DRY_ICE_LEFT), current, self.page)
        self.last_dialog = dialog
        service, actor, code = self.session.services.reception, self.session.actor, info.code

        def save() -> None:
            conditions, notes = dialog.conditions(), dialog.notes_text()

            def work() -> Changes:
                changes = service.record_arrival(actor, code, conditions).changes
                if notes != (info.details.notes or ""):
                    changes = changes | service.update_details(actor, code, ShipmentDetails(notes=notes)).changes
                return changes

            run_write(self.page, work, on_done=lambda _c: self.board.reload(),
                      done_message=self.tr("Arrival conditions saved."))

        ask(self.page, dialog, save)
        return dialog

