"""The print queue of this workstation: scan a tube to print its label, print, retry, reprint, resolve.

The scan field is the fastest path at the bench: scan + Enter queues that sample's label (source
"manual") and prints it at once on the printer the print rules choose. Jobs are listed newest first
with what the printer said; a job's labels are listed in placement order with their state. Labels
the printer may or may not have printed (the connection dropped right after them) are never sent
again silently: someone looks at the printer, then says "They printed" or "Print them again".
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.label_printing import UNFINISHED_JOB_STATUSES
from biobank_desktop.core.services.labelling import JobInfo
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.formatting import local_time, tr_n
from biobank_desktop.ui.operations.printing import (
    JOB_STATUS_TEXT,
    LabelPrinter,
    PrintOutcome,
    printer_message,
)
from biobank_desktop.ui.operations.writes import run_write
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.labels.models import JobItemModel, JobTableModel
from biobank_desktop.ui.theme import ERROR, ERROR_SOFT, WARN, WARN_SOFT
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, label, shown_if, table_view
from biobank_desktop.ui.widgets.scan_field import ScanField


def _table(name: str) -> QTableView:
    return table_view(name, single_selection=False)


class QueueTab(QWidget):
    """See the module docstring. ``page`` shows messages in its banner; ``printer`` prints."""

    def __init__(self, page: Page, printer: LabelPrinter) -> None:
        super().__init__()
        self.page = page
        self.session = page.session
        self.printer = printer
        self.job: JobInfo | None = None  # the selected job, with its labels
        self._generation = 0
        self._printers: list[PrinterConfig] = []
        can_reprint = self.session.can(Permission.REPRINT_LABELS)

        # -- the scan field and the printer ------------------------------------------------------------
        self.scan = ScanField(self.tr("Scan a tube to print its label"), sound=self.session.settings.scan_sound,
                              banner=page.banner)
        self.scan.setObjectName("labelScan")
        self.printer_choice = QComboBox()
        self.printer_choice.setObjectName("printerChoice")
        self.printer_choice.setMinimumWidth(230)
        # grows with the printers' names (they arrive later, from Settings): never "ench-PDF"
        self.printer_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.printer_choice.setToolTip(
            self.tr("The printer for this print. 'As the rules say' uses the job's printer."))
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.scan, 1)
        top.addWidget(label(self.tr("Print on"), "fieldname"))
        top.addWidget(self.printer_choice)

        # -- the jobs ------------------------------------------------------------------------------------
        self.show_finished = QCheckBox(self.tr("Also printed and cancelled jobs"))
        self.refresh_button = button(self.tr("Refresh"), on_click=self.reload)
        jobs_header = QHBoxLayout()
        jobs_header.addWidget(label(self.tr("This workstation's print jobs, newest first"), "fieldname"), 1)
        jobs_header.addWidget(self.show_finished)
        jobs_header.addWidget(self.refresh_button)
        self.jobs = JobTableModel()
        self.jobs_table = _table("jobTable")
        self.jobs_table.setModel(self.jobs)
        self.jobs_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.jobs_table.setMinimumHeight(self.jobs_table.verticalHeader().defaultSectionSize() * 5 + 40)
        for column, width in enumerate(JobTableModel.WIDTHS):
            self.jobs_table.setColumnWidth(column, width)
        jobs_box = QVBoxLayout()
        jobs_box.setContentsMargins(0, 0, 0, 0)
        jobs_box.setSpacing(6)
        jobs_box.addLayout(jobs_header)
        jobs_box.addWidget(self.jobs_table, 1)
        jobs_widget = QWidget()
        jobs_widget.setLayout(jobs_box)

        # -- the selected job: its labels, what the printer said, the actions ------------------------------
        self.items = JobItemModel()
        self.items_table = _table("jobItemTable")
        self.items_table.setModel(self.items)
        self.items_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.items_table.setMinimumHeight(110)
        for column, width in enumerate(JobItemModel.WIDTHS):
            self.items_table.setColumnWidth(column, width)
        self.reprint_button = button(self.tr("Reprint selected…"), on_click=self.reprint_selected)
        shown_if(self.reprint_button, can_reprint)
        self.reprint_button.setToolTip(self.tr("Print the selected labels again (a reason is asked)"))
        items_box = QVBoxLayout()
        items_box.setContentsMargins(0, 0, 0, 0)
        items_box.setSpacing(6)
        items_header = QHBoxLayout()
        items_header.addWidget(label(self.tr("Its labels, in placement order (select some to reprint them)"),
                                     "fieldname"), 1)
        items_header.addWidget(self.reprint_button)
        items_box.addLayout(items_header)
        items_box.addWidget(self.items_table, 1)
        items_widget = QWidget()
        items_widget.setLayout(items_box)

        self.job_title = label(self.tr("Select a job to see its labels."), "value", wrap=True)
        self.job_title.setObjectName("jobTitle")
        self.job_details = label("", "fieldname", wrap=True)
        self.job_details.setObjectName("jobDetails")
        self.job_message = label("", wrap=True, selectable=True)
        self.job_message.setObjectName("jobMessage")
        self.job_message.setStyleSheet(f"QLabel#jobMessage {{ color: {ERROR}; background: {ERROR_SOFT}; "
                                       f"border: 1px solid {ERROR}; border-radius: 6px; padding: 6px 8px; }}")
        self.job_message.hide()
        self.print_button = button(self.tr("Print job"), primary=True, on_click=self.print_selected_job)
        self.print_button.setMinimumWidth(130)
        self.print_button.setToolTip(self.tr("Print the labels of this job that are not printed yet"))
        self.preview_button = button(self.tr("Preview…"), on_click=self.preview_job)
        self.cancel_button = button(self.tr("Cancel job…"), danger=True, on_click=self.cancel_job)
        self.release_button = button(self.tr("Release…"), on_click=self.release_job)
        self.release_button.setToolTip(self.tr("Supervisor: free a job whose workstation stopped while printing it"))
        job_actions = QHBoxLayout()
        job_actions.addWidget(self.print_button)
        job_actions.addWidget(self.preview_button)
        job_actions.addStretch(1)
        job_actions.addWidget(self.release_button)
        job_actions.addWidget(self.cancel_button)

        self.doubtful = QFrame()
        self.doubtful.setObjectName("doubtfulStrip")
        self.doubtful.setStyleSheet(f"QFrame#doubtfulStrip {{ background: {WARN_SOFT}; border: 1px solid {WARN};"
                                    " border-radius: 6px; }")
        self.doubtful_text = label("", wrap=True)
        self.doubtful_text.setStyleSheet(f"color: {WARN}; font-weight: 600; border: none;")
        self.they_printed_button = button(self.tr("They printed"), on_click=lambda: self.resolve_doubtful(True))
        self.print_again_button = button(self.tr("Print them again"), on_click=lambda: self.resolve_doubtful(False))
        strip = QVBoxLayout(self.doubtful)
        strip.setContentsMargins(10, 8, 10, 8)
        strip.addWidget(self.doubtful_text)
        strip_buttons = QHBoxLayout()
        strip_buttons.addWidget(self.they_printed_button)
        strip_buttons.addWidget(self.print_again_button)
        strip_buttons.addStretch(1)
        strip.addLayout(strip_buttons)
        self.doubtful.hide()

        panel = QVBoxLayout()
        panel.setContentsMargins(0, 0, 0, 0)
        panel.setSpacing(6)
        panel.addWidget(self.job_title)
        panel.addWidget(self.job_details)
        panel.addLayout(job_actions)
        panel.addWidget(self.job_message)
        panel.addWidget(self.doubtful)
        panel.addStretch(1)
        panel_widget = QWidget()
        panel_widget.setLayout(panel)
        panel_scroll = QScrollArea()
        panel_scroll.setWidget(panel_widget)
        panel_scroll.setWidgetResizable(True)
        panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        panel_scroll.setMinimumWidth(450)  # the job's buttons side by side, none cut off

        details = QSplitter(Qt.Orientation.Horizontal)
        details.addWidget(items_widget)
        details.addWidget(panel_scroll)
        details.setChildrenCollapsible(False)
        details.setStretchFactor(0, 5)
        details.setStretchFactor(1, 6)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(jobs_widget)
        splitter.addWidget(details)
        splitter.setChildrenCollapsible(False)
        # The jobs are what is read first: they get the larger share (at least five rows).
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 0)
        outer.setSpacing(8)
        outer.addLayout(top)
        outer.addWidget(splitter, 1)

        # -- wiring --------------------------------------------------------------------------------------
        self.scan.scanned.connect(self.print_scanned)
        self.show_finished.toggled.connect(lambda _on: self.reload())
        self.jobs_table.selectionModel().selectionChanged.connect(self._job_selected)
        self.items_table.selectionModel().selectionChanged.connect(self._items_selected)
        self.fill_printers()
        self._update_actions()

    # -- printers ------------------------------------------------------------------------------------------

    def fill_printers(self) -> None:
        """The printers of this workstation (from its settings; they may have changed in Settings)."""
        current = self.printer_choice.currentData()
        try:
            self._printers = self.session.services.labelling.printers()
        except BiobankError as exc:
            self._printers = []
            self.page.show_error(exc)
        self.printer_choice.blockSignals(True)
        self.printer_choice.clear()
        self.printer_choice.addItem(self.tr("As the rules say"), None)
        for printer in self._printers:
            self.printer_choice.addItem(self.tr("{printer_name} ({printer_dpi} dpi)").format(
                                                    printer_name=printer.name, printer_dpi=printer.dpi), printer.name)
        index = self.printer_choice.findData(current)
        self.printer_choice.setCurrentIndex(max(0, index))
        self.printer_choice.blockSignals(False)

    def chosen_printer(self) -> str | None:
        value = self.printer_choice.currentData()
        return str(value) if value else None

    def set_printer(self, name: str | None) -> None:
        self.printer_choice.setCurrentIndex(max(0, self.printer_choice.findData(name)))

    # -- loading -------------------------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """Re-read the jobs (keeping or choosing the selected one) and the selected job's labels."""
        self._generation += 1
        generation = self._generation
        keep = select if select is not None else (self.job.id if self.job else None)
        labelling = self.session.services.labelling
        statuses = () if self.show_finished.isChecked() else UNFINISHED_JOB_STATUSES

        def work() -> tuple[list[JobInfo], JobInfo | None]:
            jobs = labelling.jobs(workstation=labelling.workstation, statuses=statuses)
            chosen = keep if keep is not None and any(j.id == keep for j in jobs) else (jobs[0].id if jobs else None)
            return jobs, (labelling.job(chosen) if chosen is not None else None)

        def loaded(result: tuple[list[JobInfo], JobInfo | None]) -> None:
            if generation != self._generation:
                return
            jobs, detail = result
            self.jobs.set_rows(jobs)
            self._show_job(detail)
            if detail is not None:
                self.jobs_table.selectionModel().blockSignals(True)
                self.jobs_table.selectRow(self.jobs.row_of(detail.id))
                self.jobs_table.selectionModel().blockSignals(False)

        self.session.runner.call(work, on_result=loaded, on_error=lambda exc: self.page.show_error(exc, "Retry"),
                                 owner=self)

    def _job_selected(self, _s: QItemSelection, _d: QItemSelection) -> None:
        rows = self.jobs_table.selectionModel().selectedRows()
        job = self.jobs.job(rows[0].row()) if rows else None
        if job is None:
            self._show_job(None)
            return
        self._generation += 1
        generation = self._generation
        labelling = self.session.services.labelling

        def loaded(detail: JobInfo) -> None:
            if generation == self._generation:
                self._show_job(detail)

        self.session.runner.call(lambda: labelling.job(job.id), on_result=loaded, on_error=self.page.show_error,
                                 owner=self)

    def _show_job(self, job: JobInfo | None) -> None:
        # A refresh (another workstation changed something) keeps the labels the technician selected.
        same = job is not None and self.job is not None and self.job.id == job.id
        keep = set(self.selected_items()) if same else set()
        self.job = job
        self.items.set_rows(job.items if job else [])
        for row, item in enumerate(job.items if job else ()):
            if item.position in keep:
                self.items_table.selectionModel().select(
                    self.items.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
        if job is None:
            self.job_title.setText("Select a job to see its labels." if self.jobs.rowCount() else
                                   "Nothing waits to be printed.")
            self.job_details.setText("" if self.jobs.rowCount() else "Scan a tube above to print its label.")
            self.job_message.hide()
            self.doubtful.hide()
        else:
            what = self.tr("Reprint") if job.is_reprint else self.tr("Job")
            status = JOB_STATUS_TEXT.get(job.status, job.status)
            self.job_title.setText(self.tr("{what} {job}: {status}, {sent} of {total} printed").format(
                what=what, job=job.id, status=status, sent=job.sent, total=job.total))
            reason = self.tr(" · reason: {reason}").format(reason=job.reason) if job.reason else ""
            self.job_details.setText(self.tr("{template} on {printer} · {source}, queued {when} by {who}{reason}")
                                     .format(
                template=job.template_name, printer=job.printer_name or self.tr("no printer yet"), source=job.source,
                when=local_time(job.created_at), who=job.created_by, reason=reason))
            doubtful = [i for i in job.items if i.status == "failed"]
            message = printer_message(job)
            # With labels that may have printed, the strip below is what matters; the printer's words are its tooltip.
            self.job_message.setText(f"The printer said: {message}" if message else "")
            # While a job prints, its message says who prints it (the title says so too), not a printer's fault.
            self.job_message.setVisible(bool(message) and job.status not in ("printed", "printing") and not doubtful)
            if doubtful:
                which = ", ".join(f"#{i.position}" for i in doubtful[:6]) + ("…" if len(doubtful) > 6 else "")
                self.doubtful_text.setText(
                    tr_n("QueueTab", "Label(s) {which} may have printed. Look at the printer, then:",
                         len(doubtful)).format(which=which))
                said = self.tr("The printer said: {message}").format(message=message)
                self.doubtful.setToolTip(said if message else "")
            self.doubtful.setVisible(bool(doubtful))
        self._update_actions()

    def _items_selected(self, _s: QItemSelection, _d: QItemSelection) -> None:
        self._update_actions()

    def selected_items(self) -> list[int]:
        """Positions of the selected labels, in placement order."""
        return sorted(int(self.items.data(index, Qt.ItemDataRole.UserRole))
                      for index in self.items_table.selectionModel().selectedRows())

    def _update_actions(self) -> None:
        job = self.job
        waiting = job is not None and job.status in ("queued", "partial", "failed") and any(
            i.status == "queued" for i in job.items)
        self.print_button.setEnabled(waiting and not self.printer.busy)
        self.preview_button.setEnabled(job is not None)
        self.cancel_button.setEnabled(job is not None and job.status not in ("printed", "cancelled"))
        self.release_button.setVisible(job is not None and job.status == "printing")
        self.reprint_button.setEnabled(job is not None and bool(self.selected_items()))

    # -- printing ------------------------------------------------------------------------------------------

    def print_scanned(self, code: str) -> None:
        """Scan + Enter: queue this sample's label and print it at once (the fastest path at the bench)."""
        self.scan.show_feedback("busy", self.tr("Printing the label of {code}…").format(code=code))

        def done(outcome: PrintOutcome) -> None:
            if outcome.queued_only:
                self.scan.show_feedback("info", self.tr("Queued {code}: no printer is set up here (Settings → "
                                                        "Printers).").format(code=code))
            elif outcome.error is not None and any(i.status == "failed" for j in outcome.jobs for i in j.items):
                self.scan.show_feedback("error", self.tr("⚠ {code} may have printed — look at the printer before "
                                                         "anything else: {message}").format(
                    code=code, message=outcome.error.message))
            elif outcome.error is not None:
                self.scan.show_feedback("error", self.tr("✖ Not printed, kept in the queue: {message}").format(
                    message=outcome.error.message))
            elif outcome.complete:
                self.scan.show_feedback("ok", self.tr("✔ {code} printed on {outcome_printer}").format(
                                                          code=code, outcome_printer=outcome.printer))
            else:
                self.scan.show_feedback("info", outcome.summary())
            self.reload(outcome.jobs[0].id if outcome.jobs else None)

        def failed(exc: BaseException) -> None:
            message, hint = error_text(exc)
            self.scan.show_feedback("error", f"✖ {message}")
            self.scan.set_hint(hint or "")
            if not isinstance(exc, BiobankError):
                self.session.runner.report(exc)

        self.printer.queue_and_print([code], source="manual", printer_name=self.chosen_printer(), on_done=done,
                                     on_error=failed)

    def _printed(self, outcome: PrintOutcome) -> None:
        if outcome.error is None:
            kind = "ok" if outcome.complete else "info"
            self.page.banner.show_message(outcome.summary(), kind)
        else:
            self.page.banner.show_message(outcome.summary(), "error")
        self.reload(outcome.jobs[0].id if outcome.jobs else None)

    def print_selected_job(self) -> None:
        job = self.job
        if job is None:
            return
        self.page.banner.clear()
        self.print_button.setEnabled(False)
        self.printer.print_job_ids([job.id], printer_name=self.chosen_printer(), on_done=self._printed,
                                   on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.page.show_error(exc)
        self.reload()

    def cancel_job(self) -> ReasonDialog | None:
        job = self.job
        if job is None:
            return None
        waiting = sum(1 for i in job.items if i.status in ("queued", "failed"))
        dialog = ReasonDialog(self.tr("Cancel print job {job}").format(job=job.id),
                              tr_n("QueueTab", "The %n label(s) not printed yet will not be printed. "
                                   "Say why: the reason is kept in the audit trail.", waiting),
                              ok_text=self.tr("Cancel job"), parent=self)
        dialog.setObjectName("cancelJobDialog")
        labelling, actor = self.session.services.labelling, self.session.actor

        def accepted() -> None:
            reason = dialog.reason_text()

            def cancelled(result: Result[JobInfo]) -> None:
                info = result.value
                self.page.banner.show_message(self.tr("Print job {info_id} cancelled.").format(info_id=info.id), "ok")
                self.reload(info.id)

            run_write(self.page, lambda: labelling.cancel_job(actor, job.id, reason), on_done=cancelled,
                      on_error=self._failed, owner=self)

        ask(self, dialog, accepted)
        return dialog

    def release_job(self) -> ReasonDialog | None:
        """A supervisor frees a job another workstation stopped printing (it crashed): what its printer may have
        printed is flagged "may have printed", the rest waits again."""
        job = self.job
        if job is None or job.status != "printing":
            return None
        dialog = ReasonDialog(self.tr("Release print job {job}").format(job=job.id),
                              self.tr("Do this only when the workstation printing it has stopped (crashed, switched "
                                      "off). The label it may have been printing is flagged for a look at the "
                                      "printer; the others wait to be printed again. Say why: the reason is kept in "
                                      "the audit trail."), ok_text=self.tr("Release job"), parent=self)
        dialog.setObjectName("releaseJobDialog")
        dialog.reason.setPlaceholderText(self.tr("Why? For example: workstation 3 crashed while printing"))
        labelling, actor = self.session.services.labelling, self.session.actor

        def accepted() -> None:
            reason = dialog.reason_text()

            def released(result: Result[JobInfo]) -> None:
                info = result.value
                self.page.banner.show_message(
                    self.tr("Print job {job} released: {status}.").format(
                        job=info.id, status=JOB_STATUS_TEXT.get(info.status, info.status)), "ok")
                self.reload(info.id)

            run_write(self.page, lambda: labelling.release_claim(actor, job.id, reason), on_done=released,
                      on_error=self._failed, owner=self)

        ask(self, dialog, accepted)
        return dialog

    def reprint_selected(self) -> ReasonDialog | None:
        job = self.job
        positions = self.selected_items()
        if job is None or not positions:
            return None
        codes = [i.sample_code for i in job.items if i.position in positions]
        shown = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
        dialog = ReasonDialog(tr_n("QueueTab", "Reprint %n label(s)", len(codes)),
                              tr_n("QueueTab", "Print again the label(s) of {shown} ({template}). A reprint needs a "
                                   "reason: it is kept with the job and in the audit trail.", len(codes)).format(
                                  shown=shown, template=job.template_name),
                              ok_text=self.tr("Reprint"), parent=self)
        dialog.setObjectName("reprintDialog")
        dialog.reason.setPlaceholderText(self.tr("Why? For example: label smudged, frosted off"))
        printer_name = self.chosen_printer() or job.printer_name

        def accepted() -> None:
            self.printer.queue_and_print(codes, reason=dialog.reason_text(), template_name=job.template_name,
                                         printer_name=printer_name, on_done=self._printed, on_error=self._failed)

        ask(self, dialog, accepted)
        return dialog

    def resolve_doubtful(self, printed: bool) -> None:
        """After a look at the printer: the labels that may have printed did (or did not, and print now)."""
        job = self.job
        if job is None:
            return
        doubtful = {i.position for i in job.items if i.status == "failed"}
        chosen = [p for p in self.selected_items() if p in doubtful] or sorted(doubtful)
        if not chosen:
            return
        labelling, actor = self.session.services.labelling, self.session.actor

        def resolved(result: Result[JobInfo]) -> None:
            info = result.value
            if printed:
                self.page.banner.show_message(tr_n("QueueTab", "%n label(s) of job {job} marked as printed.",
                                                   len(chosen)).format(job=info.id), "ok")
                self.reload(info.id)
            else:
                self.printer.print_job_ids([info.id], printer_name=self.chosen_printer(), on_done=self._printed,
                                           on_error=self._failed)

        run_write(self.page, lambda: labelling.resolve_doubtful(actor, job.id, chosen, printed=printed),
                  on_done=resolved, on_error=self._failed, owner=self)

    def preview_job(self) -> QWidget | None:
        job = self.job
        if job is None:
            return None
        from biobank_desktop.ui.pages.labels.preview import JobPreviewDialog

        name = self.chosen_printer() or job.printer_name
        dpi = next((p.dpi for p in self._printers if p.name == name), None)
        dialog = JobPreviewDialog(self.session, job, dpi=dpi, parent=self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
