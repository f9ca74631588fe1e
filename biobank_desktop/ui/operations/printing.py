"""Printing from the window: queue, print on a worker, and say clearly what happened.

:class:`LabelPrinter` is what the Labels page, the sample page (through the main window's
``print_labels`` hook) and the scan field use. The order of printing, the stop at the first job that
does not complete and the printer check are core's (:mod:`biobank_desktop.core.services.label_printing`,
shared with the command line); this module chooses the printer, prints on system printers and says what
happened. Every print runs on the job runner's worker with a progress dialog and Cancel. ZPL and PDF
printers go through ``LabellingService.print_job``, which knows exactly which labels the printer
confirmed. **System printers** (any driver: Brady, Dymo…) are printed here with Qt's print support:
each label is painted from its layout at the printer's resolution and true size, one label per page of
the label's size (a sheet template: its labels at their places on the sheet), then ``record_printed``
marks them printed. The operating system's spooler takes a document whole or not at all, so no label is
half-known.

A printer that is off or not ready ends in a message box with the printer's own words and a
**Retry** button; the job stays in the queue and a retry sends only the labels not yet printed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import QMarginsF, QObject, QPointF, QSizeF, Qt, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QMessageBox, QWidget

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, NotFoundError, PrinterError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.labels.layout import MM_PER_INCH, SAMPLE_LABEL_DATA, printable_layouts
from biobank_desktop.core.labels.model import LabelData, LabelTemplate
from biobank_desktop.core.labels.printers import PrinterConfig, transport_for
from biobank_desktop.core.services import label_printing
from biobank_desktop.core.services.changes import NO_CHANGES, Changes
from biobank_desktop.core.services.label_printing import UNFINISHED_JOB_STATUSES, PrinterCheck
from biobank_desktop.core.services.labelling import JobInfo, LabellingService, PrintResult
from biobank_desktop.ui.background import keep_alive, show_error
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.label_preview import label_font_family, paint_label

JOB_STATUS_TEXT = {
    "queued": "Waiting",
    "printing": "Printing now",
    "partial": "Partly printed",
    "failed": "Not printed",
    "printed": "Printed",
    "cancelled": "Cancelled",
}
ITEM_STATUS_TEXT = {
    "sent": "Printed",
    "queued": "Waiting",
    "failed": "May have printed — look at the printer",
    "skipped": "Skipped",
}
#: What the progress dialog says once Cancel is pressed while labels print: a label the printer has is printed.
PRINT_CANCEL_NOTE = ("Cancelling: waiting for the label being sent. Labels already sent stay printed; the rest stay "
                     "in the queue.")
#: The same for a calibration label: one label, not queued.
CALIBRATION_CANCEL_NOTE = ("Cancelling: waiting for the printer. A calibration label already sent to it still "
                           "prints.")
KIND_TEXT = {
    "zpl-tcp": "Zebra on the network (ZPL, port 9100)",
    "zpl-file": "ZPL written to a file",
    "cups-raw": "CUPS raw queue (ZPL)",
    "pdf-file": "PDF file",
    "system": "Printer of this computer (any driver)",
}


@dataclass(frozen=True)
class PrintOutcome:
    """What a print did: the jobs concerned (as they are now), how many labels printed, the problem."""

    jobs: tuple[JobInfo, ...]
    printed: int
    printer: str | None
    error: BiobankError | None = None
    queued_only: bool = False  # no printer on this workstation: queued, not printed
    stopped: bool = False  # Cancel was pressed: what printed is kept, the rest waits
    changes: Changes = field(default=NO_CHANGES)  # what the queueing and printing changed

    @property
    def complete(self) -> bool:
        return bool(self.jobs) and all(job.status == "printed" for job in self.jobs)

    @property
    def waiting_job_ids(self) -> list[int]:
        return [job.id for job in self.jobs if job.status in UNFINISHED_JOB_STATUSES]

    def summary(self) -> str:
        count = sum(job.total for job in self.jobs)
        labels = f"{count} label{'s' if count != 1 else ''}"
        if self.queued_only:
            return (f"Queued {labels}. No printer is set up on this workstation: add one in Settings → Printers, "
                    "then print the job from Labels → Print queue.")
        if self.error is not None:
            return f"Not printed: {self.error.message} The job stays in the print queue."
        if self.stopped and not self.complete:
            return (f"Printing stopped: {self.printed} label{'s' if self.printed != 1 else ''} printed; "
                    "the rest wait in the print queue.")
        return f"Printed {labels} on {self.printer}." if self.complete else \
            f"{self.printed} label{'s' if self.printed != 1 else ''} printed on {self.printer}."


def printer_message(job: JobInfo) -> str:
    """The printer's message of a job, without the printer's name in front (it is shown beside it)."""
    message = job.message or ""
    prefix = f"{job.printer_name}: " if job.printer_name else ""
    return message[len(prefix):] if prefix and message.startswith(prefix) else message


# -- system printers (Qt print support) ----------------------------------------------------------------


def system_printer_names() -> list[str]:
    return list(QPrinterInfo.availablePrinterNames())


def system_qprinter(name: str) -> QPrinter:
    """A QPrinter for the operating system's printer ``name``; PrinterError when it is not installed."""
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        names = system_printer_names()
        installed = f"installed: {', '.join(names)}" if names else "no printer is installed"
        raise PrinterError(f"The printer '{name}' is not installed on this computer ({installed}).",
                           hint="Check the name in Settings → Printers: it must be the operating system's "
                                "name of the printer.")
    return QPrinter(info, QPrinter.PrinterMode.HighResolution)


def _page_layout(template: LabelTemplate) -> QPageLayout:
    if template.sheet is not None:
        size = QPageSize(QPageSize.PageSizeId.A4 if template.sheet.page_size == "A4" else QPageSize.PageSizeId.Letter)
    else:
        size = QPageSize(QSizeF(template.width_mm, template.height_mm), QPageSize.Unit.Millimeter,
                         f"Label {template.width_mm:g} x {template.height_mm:g} mm",
                         QPageSize.SizeMatchPolicy.ExactMatch)
    return QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def paint_labels(printer: QPrinter, template: LabelTemplate, labels: Sequence[LabelData], *, dpi: int,
                 offset_x_mm: float = 0.0, offset_y_mm: float = 0.0, title: str = "Labels",
                 progress: ProgressFn | None = None, cancelled: CancelledFn | None = None) -> int:
    """Paint ``labels`` on ``printer`` at true size (laid out at ``dpi``, the label printer's resolution,
    scaled to the device's). Returns how many were handed to the spooler: all, or 0 when cancelled
    (the document is then aborted, nothing prints). Safe on a worker thread (Qt paints on QPrinter there)."""
    layouts = printable_layouts(template, labels, dpi=dpi)
    printer.setFullPage(True)
    printer.setDocName(title)
    if not printer.setPageLayout(_page_layout(template)):
        raise PrinterError(f"The printer does not take {template.width_mm:g} x {template.height_mm:g} mm pages.",
                           hint="Check the label size set up in the printer's driver.")
    resolution = printer.resolution()
    scale = resolution / dpi
    dots_per_mm = resolution / MM_PER_INCH
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterError(f"The printer {printer.printerName() or ''} could not start the print.".replace("  ", " "),
                           hint="Check it in the operating system's printer settings, then press Retry.")
    try:
        per_page = template.sheet.positions if template.sheet is not None else 1
        for number, layout in enumerate(layouts):
            if cancelled is not None and cancelled():
                printer.abort()
                return 0
            slot = number % per_page
            if number and slot == 0:
                printer.newPage()
            x_mm, y_mm = template.sheet.label_origin_mm(slot + 1) if template.sheet is not None else (0.0, 0.0)
            origin = QPointF((x_mm + offset_x_mm) * dots_per_mm, (y_mm + offset_y_mm) * dots_per_mm)
            paint_label(painter, layout, scale, origin=origin, background=False)
            if progress is not None:
                progress((number + 1) / len(layouts), f"Label {number + 1} of {len(layouts)} prepared")
    finally:
        if painter.isActive():
            painter.end()
    if printer.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
        raise PrinterError("The operating system's printer refused the labels.",
                           hint="Check the printer in the operating system's printer settings, then press Retry.")
    return len(layouts)


def print_on_system_printer(labelling: LabellingService, actor: Actor, job_id: int, printer: PrinterConfig, *,
                            progress: ProgressFn, cancelled: CancelledFn) -> PrintResult:
    """Print a job's waiting labels through Qt on the system printer ``printer`` and record them.

    The job is claimed first (as for a Zebra), so no other print of it can start meanwhile; if
    anything fails once labels may be in the spooler, they are flagged "may have printed", never
    left waiting to be printed again."""
    template, pending = labelling.claim_external(actor, job_id, printer.name)
    positions = [position for position, _ in pending]
    try:
        device = system_qprinter(printer.address)
        progress(0.0, f"Preparing {len(pending)} label(s) for {printer.name}")
        done = paint_labels(device, template, [data for _, data in pending], dpi=printer.dpi,
                            offset_x_mm=printer.offset_x_mm, offset_y_mm=printer.offset_y_mm,
                            title=f"Print job {job_id}", progress=progress, cancelled=cancelled)
    except PrinterError as exc:
        # Refused before or while spooling: the spooler may hold part of the document.
        failed = labelling.record_print_failed(actor, job_id, printer.name, str(exc), maybe_printed=positions)
        return PrintResult(failed.value, 0, exc, failed.changes)
    except BaseException as exc:
        labelling.record_print_failed(actor, job_id, printer.name, f"the print stopped: {exc}",
                                      maybe_printed=positions)
        raise
    if not done:  # cancelled: the document was aborted before it reached the spooler
        back = labelling.record_print_failed(actor, job_id, printer.name, "", maybe_printed=())
        return PrintResult(back.value, 0, None, back.changes)
    recorded = labelling.record_printed(actor, job_id, printer.name, positions)
    return PrintResult(recorded.value, done, None, recorded.changes)


# -- checking a printer, a calibration label -------------------------------------------------------------


def _check_system_printer(printer: PrinterConfig) -> PrinterCheck:
    """An operating-system printer, asked through Qt (core's check calls this for ``system`` printers)."""
    name = printer.name
    info = QPrinterInfo.printerInfo(printer.address)
    if info.isNull():
        names = system_printer_names()
        return PrinterCheck("unreachable", f"{name} is not reachable: no printer '{printer.address}' is installed "
                                           f"on this computer ({', '.join(names) or 'none is installed'}).")
    if info.state() == QPrinter.PrinterState.Error:
        return PrinterCheck("not_ready", f"{name} reports an error: check it in the operating system's printer "
                                         "settings.")
    return PrinterCheck("ready", f"{name} is installed on this computer and ready.")


def check_printer(printer: PrinterConfig) -> PrinterCheck:
    """Ask ``printer`` whether it is ready, in words (worker thread: the network may be slow).
    Core's check, with this computer's system printers asked through Qt."""
    return label_printing.check_printer(printer, system_check=_check_system_printer)


def print_calibration_label(printer: PrinterConfig, template: LabelTemplate) -> str:
    """One label of ``template`` with the example data, straight to ``printer`` (not queued: no sample)."""
    data = [SAMPLE_LABEL_DATA]
    if printer.speaks_zpl:
        from biobank_desktop.core.labels.zpl import render_zpl_labels

        transport_for(printer).send_labels(render_zpl_labels(template, data, printer.calibration))
    elif printer.kind == "pdf-file":
        from biobank_desktop.core.labels.pdf import render_pdf

        path = Path(printer.address).expanduser()
        try:
            path.write_bytes(render_pdf(template, data, dpi=printer.dpi, offset_x_mm=printer.offset_x_mm,
                                        offset_y_mm=printer.offset_y_mm, title="Calibration label"))
        except OSError as exc:
            raise PrinterError(f"{path} could not be written ({exc.strerror or exc}).",
                               hint="Check the folder in Settings → Printers.") from None
    else:
        paint_labels(system_qprinter(printer.address), template, data, dpi=printer.dpi,
                     offset_x_mm=printer.offset_x_mm, offset_y_mm=printer.offset_y_mm, title="Calibration label")
    return (f"A calibration label ({template.name}, example data) was sent to {printer.name}. Measure where the "
            "print sits on the label and set the offsets (positive: right / down).")


# -- the printer of the window -----------------------------------------------------------------------------


def _target(labelling: LabellingService, job: JobInfo, override: str | None) -> PrinterConfig:
    name = override or job.printer_name
    if name:
        return labelling.printer(name)
    printers = labelling.printers()
    if printers:
        return printers[0]
    raise NotFoundError(f"Print job {job.id} has no printer, and none is set up on this workstation.",
                        hint="Add one in Settings → Printers, then press Retry.")


def print_jobs(labelling: LabellingService, actor: Actor, jobs: Sequence[JobInfo], override: str | None, *,
               progress: ProgressFn, cancelled: CancelledFn) -> PrintOutcome:
    """Print ``jobs`` in order with core's loop (which stops at the first job that does not complete), each
    on ``override`` or the job's printer (else this workstation's first), system printers through Qt.
    Worker thread."""

    def on_system(job_id: int, printer: PrinterConfig, progress: ProgressFn, cancelled: CancelledFn) -> PrintResult:
        return print_on_system_printer(labelling, actor, job_id, printer, progress=progress, cancelled=cancelled)

    run = label_printing.print_jobs(labelling, actor, jobs, printer_for=lambda job: _target(labelling, job, override),
                                    print_on_system=on_system, progress=progress, cancelled=cancelled)
    return PrintOutcome(run.jobs, run.printed, run.printer or override, run.error, stopped=run.stopped,
                        changes=run.changes)


class LabelPrinter(QObject):
    """Queues and prints on the worker; a printer problem ends in a message box with Retry.

    ``printed(outcome)`` after every attempt (also a failed one); ``failure_box`` is the open
    message box, if any (tests press its Retry).
    """

    printed = Signal(object)

    def __init__(self, session: UiSession, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.session = session
        self.parent_widget = parent_widget
        self.failure_box: QMessageBox | None = None
        self.busy = False
        label_font_family()  # registered on the GUI thread before a worker paints with it

    def queue_and_print(self, codes: Sequence[str], *, source: str = "manual", reason: str | None = None,
                        template_name: str | None = None, printer_name: str | None = None,
                        on_done: Callable[[PrintOutcome], None] | None = None,
                        on_error: Callable[[BaseException], None] | None = None) -> None:
        """Queue labels for ``codes`` (a reprint when ``reason`` is given) and print them at once on the
        printer the rules choose (or ``printer_name``). Without any printer they are only queued."""
        services, actor = self.session.services, self.session.actor
        chosen = list(codes)

        def work(progress: ProgressFn, cancelled: CancelledFn) -> PrintOutcome:
            labelling = services.labelling
            progress(-1.0, f"Queueing {len(chosen)} label(s)")
            if reason is not None:
                queued = labelling.reprint(actor, chosen, reason, template_name=template_name,
                                           printer_name=printer_name)
            else:
                queued = labelling.enqueue(actor, chosen, source=source, template_name=template_name,
                                           printer_name=printer_name)
            jobs = queued.value
            if not printer_name and not labelling.printers() and all(job.printer_name is None for job in jobs):
                return PrintOutcome(tuple(jobs), 0, None, queued_only=True, changes=queued.changes)
            outcome = print_jobs(labelling, actor, jobs, printer_name, progress=progress, cancelled=cancelled)
            return replace(outcome, changes=queued.changes | outcome.changes)

        self._run(work, "Printing labels", printer_name, on_done, on_error)

    def print_job_ids(self, job_ids: Sequence[int], *, printer_name: str | None = None,
                      on_done: Callable[[PrintOutcome], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None) -> None:
        """Print what the jobs have not printed yet (a retry sends only the missing labels)."""
        services, actor = self.session.services, self.session.actor
        ids = list(job_ids)

        def work(progress: ProgressFn, cancelled: CancelledFn) -> PrintOutcome:
            labelling = services.labelling
            return print_jobs(labelling, actor, [labelling.job(i) for i in ids], printer_name, progress=progress,
                              cancelled=cancelled)

        self._run(work, "Printing labels", printer_name, on_done, on_error)

    def _run(self, work: Callable[[ProgressFn, CancelledFn], PrintOutcome], title: str, printer_name: str | None,
             on_done: Callable[[PrintOutcome], None] | None,
             on_error: Callable[[BaseException], None] | None) -> None:
        self.busy = True
        self._close_failure_box()

        def done(outcome: PrintOutcome) -> None:
            self.busy = False
            if outcome.error is not None:
                self._show_failure(outcome, printer_name, on_done, on_error)
            if on_done is not None:
                on_done(outcome)
            self.printed.emit(outcome)

        def failed(exc: BaseException) -> None:
            self.busy = False
            if on_error is not None:
                on_error(exc)
            else:
                show_error(self.parent_widget, exc, title="Labels not printed")

        self.session.runner.start(work, title=title, on_result=done, on_error=failed, owner=self,
                                  discard_if_cancelled=False, cancel_note=PRINT_CANCEL_NOTE)

    def _close_failure_box(self) -> None:
        box, self.failure_box = self.failure_box, None
        if box is not None:
            box.close()

    def _show_failure(self, outcome: PrintOutcome, printer_name: str | None,
                      on_done: Callable[[PrintOutcome], None] | None,
                      on_error: Callable[[BaseException], None] | None) -> None:
        error = outcome.error
        assert error is not None
        text = error.message
        if outcome.printer and outcome.printer not in text:
            text = f"{outcome.printer}: {text}"
        box = QMessageBox(QMessageBox.Icon.Warning, "Labels not printed", text, QMessageBox.StandardButton.NoButton,
                          self.parent_widget)
        box.setObjectName("printFailedBox")
        box.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 460px; }")
        waiting = outcome.waiting_job_ids
        jobs = ", ".join(str(i) for i in waiting) or "—"
        box.setInformativeText(f"{error.hint + chr(10) + chr(10) if error.hint else ''}"
                               f"The labels stay in the print queue (job {jobs}). Retry prints only the labels "
                               "not printed yet.")
        retry = box.addButton("Retry", QMessageBox.ButtonRole.AcceptRole)
        retry.setObjectName("retryButton")
        box.addButton("Close", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(retry)
        box.retry_button = retry  # type: ignore[attr-defined]  # tests press it
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)

        def answered(_result: int) -> None:
            if self.failure_box is box:
                self.failure_box = None
            if box.clickedButton() is retry and waiting:
                self.print_job_ids(waiting, printer_name=printer_name, on_done=on_done, on_error=on_error)

        box.finished.connect(answered)
        self.failure_box = box
        if self.parent_widget is None:
            keep_alive(box)
        box.open()

