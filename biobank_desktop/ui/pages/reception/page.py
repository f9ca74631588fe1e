"""Reception (issue 11): the shipments from partner sites, and the board on which one is received tube by tube.

Two views in one page: the shipment list (:mod:`.shipments`) and the reception board (:mod:`.board`), with the
shipment's header actions (arrival conditions, files, discrepancy report, close) above it and the accepted
tubes' actions (labels, storage) below. Scans: the board's own field, and the main window's while this page
shows (:meth:`ReceptionPage.handle_scan`): on the board a scan is a tube; on the list a shipment's code or
tracking number opens it. The page refreshes when a :class:`Changes` touches shipments or samples: this
window's writes and, through the main window's poll, other workstations'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QMenu, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.services.changes import SAMPLE, SHIPMENT, Changes
from biobank_desktop.core.services.dto import SiteInfo
from biobank_desktop.core.services.reception import Board, ShipmentDetails, ShipmentInfo, StoreResult
from biobank_desktop.core.services.reception.matching import looks_like_shipment_code
from biobank_desktop.ui.formatting import local_time
from biobank_desktop.ui.models.reception_words import (
    CLOSE_REASONS,
    DRY_ICE_LEFT,
    PACKAGING,
    STATUS_LABELS,
    TRANSPORT_TEMPERATURES,
    shown,
    shown_of,
)
from biobank_desktop.ui.operations.writes import changes_of, run_write
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.reception.actions import BoardActions
from biobank_desktop.ui.pages.reception.attachments import AttachmentsDialog, choose_target
from biobank_desktop.ui.pages.reception.board import ReceptionBoard
from biobank_desktop.ui.pages.reception.dialogs import NewShipmentDialog
from biobank_desktop.ui.pages.reception.shipments import ShipmentList
from biobank_desktop.ui.pages.reception.unlabelled import receive_unlabelled
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, label
from biobank_desktop.ui.widgets.elided_label import ElidedLabel

AnswerFn = Callable[[str, str], None]


class ReceptionPage(Page):
    title = "Reception"

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.title_label.setText(self.tr("Reception"))
        self.subtitle_label.setWordWrap(True)
        self.header.itemAt(0).layout().addWidget(self.subtitle_label)  # type: ignore[union-attr]
        self.last_dialog: QWidget | None = None
        may = session.can(Permission.RECORD_SAMPLES)

        # -- header: the board's shipment actions -----------------------------------------------------------
        self.back_button = button(self.tr("◀ Shipments"), on_click=self.show_list)
        self.back_button.setObjectName("backToShipments")
        self.arrival_button = button(self.tr("Arrival…"), on_click=self.record_arrival)
        self.arrival_button.setObjectName("arrivalButton")
        self.files_button = button(self.tr("Files…"), on_click=self.show_files)
        self.files_button.setObjectName("filesButton")
        self.report_button = button(self.tr("Report ▾"))
        self.report_button.setObjectName("reportButton")
        report_menu = QMenu(self)
        report_menu.addAction(self.tr("Discrepancy report as PDF (to print and file)…"),
                              lambda: self.save_report("pdf"))
        report_menu.addAction(self.tr("Discrepancy report as Excel (for the clinic)…"),
                              lambda: self.save_report("xlsx"))
        self.report_button.setMenu(report_menu)
        self.close_button = button(self.tr("Close shipment…"), on_click=self.close_shipment)
        self.close_button.setObjectName("closeShipment")
        self.header_buttons = (self.back_button, self.arrival_button, self.files_button, self.report_button,
                               self.close_button)
        for widget in self.header_buttons:
            self.header.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)
        for widget in (self.arrival_button, self.close_button):
            widget.setEnabled(may)

        # -- the two views ------------------------------------------------------------------------------------
        self.shipments = ShipmentList(self)
        self.shipments.opened.connect(self.open_shipment)
        self.shipments.new_button.clicked.connect(self.new_shipment)
        self.shipments.manifest_button.clicked.connect(self.from_manifest)
        self.board = ReceptionBoard(self)
        self.board_actions = BoardActions(self, self.board)
        board_view = QWidget()
        board_layout = QVBoxLayout(board_view)
        board_layout.setContentsMargins(0, 0, 0, 0)
        board_layout.setSpacing(8)
        self.summary = ElidedLabel()
        self.summary.setObjectName("shipmentSummaryLine")
        self.summary.setProperty("role", "subtitle")
        board_layout.addWidget(self.summary)
        board_layout.addWidget(self.board, 1)
        bottom = QHBoxLayout()
        self.unlabelled_button = button(self.tr("No-barcode tube…"), on_click=self.receive_unlabelled)
        self.unlabelled_button.setObjectName("unlabelledTube")
        self.labels_button = button(self.tr("Print labels"), on_click=self.board_actions.print_labels)
        self.labels_button.setToolTip(self.tr("Print the labels of the accepted tubes that have none yet, in the "
                                              "order they were scanned"))
        self.labels_button.setObjectName("printAccepted")
        self.store_button = button(self.tr("Store accepted"), primary=True, on_click=self.board_actions.store)
        self.store_button.setObjectName("storeAccepted")
        for widget in (self.unlabelled_button, self.labels_button, self.store_button):
            widget.setEnabled(may)
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.stored_row = QHBoxLayout()
        self.stored_row.setSpacing(4)
        bottom.addWidget(self.unlabelled_button)
        bottom.addWidget(self.labels_button)
        bottom.addWidget(self.store_button)
        bottom.addSpacing(8)
        # The counters wrap rather than push the window wider; the stored boxes' links get their own row
        # (under the buttons, only once something was stored), so nothing is cut at 1280 pixels.
        self.board.stats.setWordWrap(True)
        bottom.addWidget(self.board.stats, 1)
        board_layout.addLayout(bottom)
        board_layout.addLayout(self.stored_row)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.shipments)
        self.stack.addWidget(board_view)
        self.board_view = board_view
        self.body.addWidget(self.stack, 1)
        self.board.loaded.connect(self._board_loaded)
        self.board.shipment_scanned.connect(self.open_shipment)
        self.board.answered.connect(lambda _answer: self._show_counts())
        session.events.settings_changed.connect(lambda: self.board.set_sound(session.settings.scan_sound))
        self._started = False
        self.show_list()

    # -- the two views -----------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if not self._started:
            self._started = True
            self.shipments.load_sites(self.shipments.reload)
            self.board_actions.load_studies()
        if self.stack.currentWidget() is self.board_view:
            self.board.focus_scan()
        else:
            self.session.navigate.focus_scan()

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.shipments)
        for widget in self.header_buttons:
            widget.hide()
        self.subtitle_label.show()
        self.title_label.setText(self.tr("Reception"))
        self.subtitle_label.setText(self.tr("Shipments from partner sites: open one and scan its tubes. A scan of a "
                                            "shipment code or tracking number opens it."))
        if self._started:
            self.shipments.reload()

    def open_shipment(self, code: str) -> None:
        """Show the board of shipment ``code`` (the list's choice, a scan, or ``session.navigate.open_shipment``)."""
        self.banner.clear()
        self._clear_stored()
        self.stack.setCurrentWidget(self.board_view)
        for widget in self.header_buttons:
            widget.show()
        self.subtitle_label.hide()
        self.title_label.setText(code)
        self.summary.set_full_text(self.tr("Reading the shipment…"))
        if not self._started:
            self.page_shown()
        self.board.open(code)

    def _board_loaded(self) -> None:
        board = self.board.board
        if board is not None:
            self._show_header(board)

    def _show_header(self, board: Board) -> None:
        info = board.shipment
        self.title_label.setText(self.tr("{code} · {partner}").format(code=info.code, partner=info.partner))
        self.title_label.setToolTip(info.partner_name)
        self.summary.set_full_text(shipment_summary(info, self.tr))
        self.files_button.setText(self.tr("Files ({n})…").format(n=info.attachments) if info.attachments
                                  else self.tr("Files…"))
        closed = info.status == "closed"
        may = self.session.can(Permission.RECORD_SAMPLES)
        for widget in (self.close_button, self.unlabelled_button):
            widget.setEnabled(may and not closed)
        self._show_counts()

    def _show_counts(self) -> None:
        counts = self.board.counts
        self.labels_button.setText(self.tr("Print labels ({n})").format(
            n=max(counts.accepted + counts.quarantined - counts.labelled, 0)))
        self.store_button.setText(self.tr("Store accepted ({n})").format(n=max(counts.accepted - counts.stored, 0)))

    # -- scans -----------------------------------------------------------------------------------------------------

    def handle_scan(self, text: str, on_answer: AnswerFn | None = None) -> None:
        """A scan from the main window's field while this page shows."""
        if self.stack.currentWidget() is self.board_view and not looks_like_shipment_code(text):
            if on_answer:
                on_answer("", "")
            self.board.handle_scan(text)
            self.board.focus_scan()
            return
        code = self.shipments.find_code(text)
        if code is not None:
            if on_answer:
                on_answer("ok", self.tr("✔ Shipment {code}").format(code=code))
            self.open_shipment(code)
            return
        service = self.session.services.reception

        def found(info: ShipmentInfo) -> None:
            if on_answer:
                on_answer("ok", self.tr("✔ Shipment {code}").format(code=info.code))
            self.open_shipment(info.code)

        def unknown(exc: BaseException) -> None:
            message = self.tr("{code} is not a shipment. Open a shipment, then scan its tubes.").format(
                code=text.strip())
            if on_answer:
                on_answer("error", f"✖ {message}")
            else:
                self.banner.show_message(message, "error")

        self.session.runner.call(lambda: service.shipment(text.strip()), on_result=found, on_error=unknown,
                                 owner=self)

    # -- shipments -------------------------------------------------------------------------------------------------

    def new_shipment(self) -> None:
        def with_sites(sites: list[SiteInfo]) -> None:
            dialog = NewShipmentDialog(sites, self)
            self.last_dialog = dialog
            service, actor = self.session.services.reception, self.session.actor

            def create() -> None:
                values = dialog.values()
                details = ShipmentDetails(sender=str(values["sender"]) or None,
                                          courier=str(values["courier"]) or None,
                                          tracking_number=str(values["tracking"]) or None,
                                          shipped_at=values["shipped_at"])  # type: ignore[arg-type]
                run_write(self, lambda: service.create_shipment(actor, str(values["partner"]), details),
                          on_done=lambda r: self.open_shipment(r.value.code))

            ask(self, dialog, create)

        self.session.runner.call(self.session.services.reference.sites, on_result=with_sites,
                                 on_error=self.show_error, owner=self)

    def from_manifest(self) -> None:
        self.session.navigate.import_manifest(self.shipments.partner.currentData())

    def receive_unlabelled(self) -> QDialog | None:
        """A tube with no readable barcode: its manifest line (received as that tube), or a new tube."""
        dialog = receive_unlabelled(self)
        self.last_dialog = dialog if dialog is not None else self.last_dialog
        return dialog

    def record_arrival(self) -> None:
        self.last_dialog = self.board_actions.record_arrival()

    def show_files(self) -> AttachmentsDialog | None:
        code = self.board.code
        if code is None:
            return None
        dialog = AttachmentsDialog(self, code, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(lambda _r: self.board.reload())
        dialog.finished.connect(dialog.deleteLater)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def close_shipment(self) -> QDialog | None:
        board = self.board.board
        if board is None:
            return None
        counts, code = self.board.counts, board.shipment.code
        service, actor = self.session.services.reception, self.session.actor

        def close(reason: str | None) -> None:
            run_write(self, lambda: service.close(actor, code, reason), on_done=lambda _r: self.board.reload(),
                      done_message=self.tr("Shipment {code} closed. The discrepancy report is under Report.").format(
                          code=code))

        if counts.missing or counts.pending:
            dialog: QDialog = ReasonDialog(
                self.tr("Close {code}").format(code=code),
                self.tr("{missing} tube(s) were not received and {waiting} wait for a decision. They stay so and are "
                        "listed on the discrepancy report. Why close now?").format(missing=counts.missing,
                                                                                   waiting=counts.pending),
                ok_text=self.tr("Close shipment"), suggestions=[shown(s) for s in CLOSE_REASONS])
            ask(self, dialog, lambda: close(dialog.reason_text()))  # type: ignore[attr-defined]
        else:
            dialog = QMessageBox(QMessageBox.Icon.Question, self.tr("Close {code}").format(code=code),
                                 self.tr("Every listed tube was received. Close the shipment?"),
                                 QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
            dialog.setObjectName("closeConfirm")
            ask(self, dialog, lambda: close(None))
        self.last_dialog = dialog
        return dialog

    def save_report(self, kind: str) -> None:
        code = self.board.code
        if code is None:
            return
        today = dt.datetime.now().astimezone().date()
        filters = self.tr("PDF document (*.pdf)") if kind == "pdf" else self.tr("Excel workbook (*.xlsx)")
        target = choose_target(self, self.tr("Save the discrepancy report"),
                               f"discrepancies-{code}-{today:%Y%m%d}.{kind}")
        if target is None:
            return
        if target.suffix.lower() != f".{kind}":
            target = target.with_suffix(f".{kind}")
        self.write_report(target, filters)

    def write_report(self, target: Path, _filters: str = "") -> None:
        """Write the report to ``target`` (.pdf or .xlsx) on the worker, with progress and Cancel."""
        service, actor, code = self.session.services.reception, self.session.actor, self.board.code or ""

        def work(progress: ProgressFn, cancelled: CancelledFn) -> object:
            progress(-1.0, self.tr("Writing {name}…").format(name=target.name))
            return service.write_report(actor, code, target)

        def done(result: object) -> None:
            self.banner.show_message(self.tr("Discrepancy report saved to {path}.").format(path=target), "ok")
            changes = changes_of(result)
            if changes:
                self.session.events.changed.emit(changes)

        self.banner.clear()
        self.session.runner.start(work, title=self.tr("Writing the discrepancy report"), on_result=done,
                                  on_error=self.show_error, owner=self, discard_if_cancelled=False,
                                  on_cancel=lambda: self.banner.show_message(self.tr("Report cancelled."), "info"))

    # -- stored tubes ------------------------------------------------------------------------------------------------

    def show_stored(self, result: StoreResult) -> None:
        """Say where the accepted tubes went, with a link to each box's map."""
        self._clear_stored()
        boxes: dict[str, list[str]] = {}
        for placed in result.placed:
            boxes.setdefault(placed.box_code, []).append(placed.position)
        if not result.placed:
            text = self.tr("Nothing to store: every accepted tube has its place.")
            if result.problems:
                text = " ".join(result.problems)
            self.banner.show_message(text, "warn" if result.problems else "info")
            return
        where = "; ".join(f"{box} {positions[0]}–{positions[-1]}" if len(positions) > 1 else f"{box} {positions[0]}"
                          for box, positions in boxes.items())
        message = self.tr("{n} tube(s) stored: {where}.").format(n=len(result.placed), where=where)
        if result.left:
            message += " " + self.tr("Not stored: {codes}. {why}").format(codes=", ".join(result.left),
                                                                          why=" ".join(result.problems))
        self.banner.show_message(message, "warn" if result.left else "ok")
        self.stored_row.addWidget(label(self.tr("Show on the map:"), "fieldname"))
        for box in list(boxes)[:4]:
            link = button(box, link=True, on_click=self._box_opener(box))
            link.setObjectName("storedBoxLink")
            self.stored_row.addWidget(link)
        self.stored_row.addStretch(1)

    def _box_opener(self, box: str) -> Callable[[], None]:
        return lambda: self.session.navigate.open_box(box)

    def _clear_stored(self) -> None:
        while self.stored_row.count():
            item = self.stored_row.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]

    # -- refresh -----------------------------------------------------------------------------------------------------

    def data_changed(self, changes: Changes) -> None:
        if not changes.touches(SHIPMENT, SAMPLE):
            return
        if self.stack.currentWidget() is self.board_view:
            self.board.data_changed(changes)
        elif self._started:
            self.shipments.reload()


def shipment_summary(info: ShipmentInfo, tr: Callable[[str], str]) -> str:
    """One line, the most useful first: 'Centre Hospitalier … · partly received · frozen on dry ice, dry ice left,
    -72 °C, packaging intact · received 2026-12-01 14:02 (tom) · DHL 1Z… · manifest x.xlsx'."""
    arrival = info.arrival
    dry_ice = arrival.dry_ice_left if arrival.dry_ice_left not in (None, "na") else None
    seen = [shown_of(TRANSPORT_TEMPERATURES, arrival.transport_temperature), shown_of(DRY_ICE_LEFT, dry_ice),
            f"{arrival.temperature_c} °C" if arrival.temperature_c is not None else "",
            shown_of(PACKAGING, arrival.packaging)]
    parts = [info.partner_name, shown_of(STATUS_LABELS, info.status),
             ", ".join(s for s in seen if s) or tr("arrival conditions not recorded yet (Arrival…)")]
    if info.status == "closed":
        parts.append(tr("closed {when} by {who}").format(when=local_time(info.closed_at), who=info.closed_by or "—"))
    if arrival.received_at is not None:
        parts.append(tr("received {when} ({who})").format(when=local_time(arrival.received_at),
                                                          who=arrival.received_by or "—"))
    details = info.details
    courier = " ".join(p for p in (details.courier, details.tracking_number) if p)
    if courier:
        parts.append(courier)
    parts.append(tr("manifest {file}").format(file=info.manifest_file) if info.has_manifest
                 else tr("no manifest"))
    return " · ".join(parts)
