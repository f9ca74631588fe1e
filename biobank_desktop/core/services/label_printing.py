"""Printing queued label jobs, the same way from every front end: the window, the command line, later flows.

The window and the command line only choose the printer and format the outcome; what happens is decided
here, once:

* :func:`print_jobs` prints jobs **in order** and **stops at the first that does not complete** (the
  printer has a problem, and the later labels would break the placement order); Cancel between jobs
  leaves the rest queued. A job on a *system* printer (any driver, printed by the GUI toolkit) is handed
  to the ``print_on_system`` callable the window passes in; without one it is refused with a clear message.
* :func:`check_printer` asks a printer whether it is ready and says so in words; the window passes the
  check of its operating system's printers in (core knows no GUI toolkit).
* :data:`UNFINISHED_JOB_STATUSES` are the states of a job that still waits for the printer.
* :func:`checked_reprint_reason` (kept beside the service that enforces it, re-exported here) refuses a
  reprint without a reason, so a front end can refuse it before asking for a login or a printer.

All of it runs on a worker thread in the window (it talks to printers and the database); it follows the
job contract in :mod:`biobank_desktop.core.jobs`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, PrinterError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from biobank_desktop.core.labels.printers import PrinterConfig, transport_for
from biobank_desktop.core.labels.transports import PrinterStatus
from biobank_desktop.core.services.changes import NO_CHANGES, Changes
from biobank_desktop.core.services.labelling import JobInfo, LabellingService, PrintResult, checked_reprint_reason

__all__ = [
    "UNFINISHED_JOB_STATUSES", "JobAttempt", "PrintRun", "PrinterCheck", "PrinterChoice", "SystemPrinterCheck",
    "SystemPrinting", "check_printer", "checked_reprint_reason", "print_jobs",
]

UNFINISHED_JOB_STATUSES: Final = ("queued", "printing", "partial", "failed")
"""A job in one of these states still has labels waiting (or one that may have printed: look at the printer)."""

SystemPrinting = Callable[[int, PrinterConfig, ProgressFn, CancelledFn], PrintResult]
"""``print_on_system(job_id, printer, progress, cancelled)``: print a job on an operating-system printer
(the window's toolkit paints the labels), claiming and recording it through the labelling service."""

PrinterChoice = Callable[[JobInfo], PrinterConfig]
"""``printer_for(job)``: the printer a job goes to; a BiobankError (no printer, unknown name) stops the run."""


# -- printing jobs in order -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobAttempt:
    """One job that went to a printer: the printer, the positions that were waiting before, the result."""

    printer: PrinterConfig
    pending: tuple[int, ...]
    result: PrintResult


@dataclass(frozen=True)
class PrintRun:
    """What :func:`print_jobs` did.

    ``jobs``: every job given, as it is now, in the order given. ``attempts``: the jobs that reached a
    printer, in order. ``error``: why the run stopped (None when every job printed or Cancel was pressed);
    ``failed_at``: the index in ``jobs`` of the job that did not complete. ``stopped``: Cancel was pressed.
    ``printer``: the name of the last printer chosen (None when no job got that far).
    """

    jobs: tuple[JobInfo, ...]
    attempts: tuple[JobAttempt, ...]
    printed: int
    printer: str | None
    error: BiobankError | None = None
    failed_at: int | None = None
    stopped: bool = False
    changes: Changes = NO_CHANGES

    @property
    def complete(self) -> bool:
        return bool(self.jobs) and all(job.status == "printed" for job in self.jobs)

    @property
    def printer_failed(self) -> bool:
        """True when the printer itself reported the problem (labels may be partly printed), not a refusal
        before anything was sent (no printer, a job another workstation is printing)."""
        return self.error is not None and bool(self.attempts) and self.attempts[-1].result.error is self.error

    def waiting(self) -> list[JobInfo]:
        """The jobs from the one that failed on that still wait for the printer (to retry), in order."""
        start = self.failed_at or 0
        return [job for job in self.jobs[start:] if job.status in UNFINISHED_JOB_STATUSES]


def print_jobs(labelling: LabellingService, actor: Actor, jobs: Sequence[JobInfo], *, printer_for: PrinterChoice,
               print_on_system: SystemPrinting | None = None, start_position: int = 1,
               progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
               job_started: Callable[[JobInfo], None] | None = None) -> PrintRun:
    """Print ``jobs`` in order, each on ``printer_for(job)``; stop at the first that does not complete.

    A job that cannot start (no printer, printed meanwhile, being printed elsewhere) or that the printer
    does not complete ends the run with its error; the later jobs stay queued untouched. Cancel is looked
    at between jobs (and inside a job by the transport). ``start_position`` is where the first job
    begins on a sheet (PDF printers). ``job_started(job)`` is called as each job starts, before its
    printer is chosen (the command line names the job when Ctrl+C interrupts it). Worker thread; never raises a
    BiobankError (it is in the result), but lets KeyboardInterrupt and bugs through.
    """
    final: list[JobInfo] = []
    attempts: list[JobAttempt] = []
    printed = 0
    printer_name: str | None = None
    error: BiobankError | None = None
    failed_at: int | None = None
    changes = NO_CHANGES
    for index, job in enumerate(jobs):
        if error is not None or cancelled():
            final.extend(labelling.job(j.id) for j in jobs[index:])
            break
        pending = tuple(i.position for i in job.items if i.status == "queued")
        try:
            if job_started is not None:
                job_started(job)
            target = printer_for(job)
            printer_name = target.name
            if target.kind == "system" and print_on_system is not None:
                result = print_on_system(job.id, target, progress, cancelled)
            else:
                result = labelling.print_job(actor, job.id, printer=target, start_position=start_position,
                                             progress=progress, cancelled=cancelled)
        except BiobankError as exc:  # a printer problem, a lost race, a job with nothing left: stop here
            error, failed_at = exc, index
            final.append(labelling.job(job.id))
            continue
        attempts.append(JobAttempt(target, pending, result))
        changes |= result.changes
        printed += result.sent_now
        final.append(result.job)
        if result.error is not None:
            error, failed_at = result.error, index
        start_position = 1  # the start position is where the first job begins on its sheet
    return PrintRun(tuple(final), tuple(attempts), printed, printer_name, error, failed_at, cancelled(), changes)


# -- is the printer ready? ---------------------------------------------------------------------------------------

CheckState = Literal["ready", "not_ready", "unreachable", "no_status"]


@dataclass(frozen=True)
class PrinterCheck:
    """A printer's answer in words. ``status``: the printer's own report (ZPL printers that answer);
    ``error``: why it could not be reached; ``where``: how it is reached (the transport's description)."""

    state: CheckState
    text: str
    status: PrinterStatus | None = None
    error: PrinterError | None = None
    where: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "ready"


SystemPrinterCheck = Callable[[PrinterConfig], PrinterCheck]
"""The check of an operating-system printer, passed in by the window (its toolkit knows those printers)."""


def check_printer(printer: PrinterConfig, *, system_check: SystemPrinterCheck | None = None) -> PrinterCheck:
    """Ask ``printer`` whether it is ready, in words. Worker thread: the network may be slow.

    A ZPL printer on the network is asked (``~HS``); a file or print queue takes labels either way
    (``no_status``); a PDF printer is ready when its folder can be written; a system printer is
    checked by ``system_check`` (without one: ``no_status``).
    """
    name = printer.name
    if printer.kind == "system":
        if system_check is not None:
            return system_check(printer)
        return PrinterCheck("no_status", f"{name} prints through the operating system, which has no status to ask "
                                         "here.", where=printer.address)
    if printer.kind == "pdf-file":
        folder = Path(printer.address).expanduser().parent
        if folder.is_dir() and os.access(folder, os.W_OK):
            return PrinterCheck("ready", f"{name} writes PDF files to {printer.address}.", where=printer.address)
        return PrinterCheck("unreachable", f"{name} is not reachable: the folder {folder} does not exist or "
                                           "cannot be written.", where=printer.address)
    try:
        transport = transport_for(printer)
        where = transport.description
        status = transport.query_status()
    except PrinterError as exc:
        return PrinterCheck("unreachable", f"{name} is not reachable: {exc}", error=exc, where=printer.address)
    if status is None:
        kind = "a file" if printer.kind == "zpl-file" else "a print queue"
        return PrinterCheck("no_status", f"{name} cannot report its status: the labels go to {kind}, which takes "
                                         "them either way.", where=where)
    if status.ready:
        return PrinterCheck("ready", f"{name} is ready.", status, where=where)
    return PrinterCheck("not_ready", f"{name} is not ready: {'; '.join(status.problems)}.", status, where=where)
