"""Work off the GUI thread: database calls, imports, demo data, audit verification.

A job is a plain function ``work(progress, cancelled)``: ``progress(fraction, text)`` reports how
far it is (``fraction`` in 0..1, or a negative number for "busy, no estimate"), ``cancelled()``
says whether the user pressed Cancel. A function that changes data must check ``cancelled()``
before it commits and raise :class:`OperationCancelledError` then, so a cancelled job leaves
nothing behind.

:class:`JobRunner` runs jobs on its own thread pool and delivers the outcome as Qt signals on the
GUI thread: ``succeeded(result)``, ``failed(exception)`` or ``cancelled()``, then always ``done()``.
A job started with a title shows a progress dialog if it is still running after ``delay_ms``
(0.5 s by default), always with a Cancel button; what Cancel keeps is the caller's to say
(``cancel_note``: printed labels stay printed, a saved change stays saved). Errors nobody
handles are shown to the user: a :class:`BiobankError` as it is (it is written for technicians),
anything else as "Unexpected error" with the technical details collapsed, and logged.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import BiobankError, OperationCancelledError

# The job contract is core's (biobank_desktop.core.jobs); import it from there. Re-exported only for modules
# not yet moved to that import.
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.ui.hints import ui_hint

log = logging.getLogger(__name__)

Work = Callable[[ProgressFn, CancelledFn], Any]

PROGRESS_DELAY_MS = 500
#: What the progress dialog says once Cancel is pressed, for work that checks ``cancelled()`` before it commits.
CANCEL_NOTE = "Cancelling: waiting for the current step to finish, then nothing is kept."
#: The same for a write that cannot stop halfway (``call(..., discard_if_cancelled=False)``): it finishes, and
#: what it saved is kept and shown.
WRITE_CANCEL_NOTE = ("Cancelling: a change cannot be stopped halfway. Waiting for it to finish; if it was saved, "
                     "it is kept and shown.")
_PROGRESS_MIN_INTERVAL_S = 0.05  # at most ~20 progress updates a second reach the GUI


class _Bridge(QObject):
    """Signals emitted from the worker thread; the Job (a GUI-thread object) receives them queued."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()


class Job(QObject):
    """One run of a work function. Signals arrive on the GUI thread."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, work: Work, *, title: str | None, discard_if_cancelled: bool,
                 cancel_note: str = CANCEL_NOTE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.work = work
        self.title = title
        self.discard_if_cancelled = discard_if_cancelled
        self.cancel_note = cancel_note  # what the progress dialog says once Cancel is pressed
        self.running = True
        self.outcome: str | None = None  # "succeeded" | "failed" | "cancelled"
        self.result: Any = None
        self.error: BaseException | None = None
        self.details = ""
        self.progress_dialog: QDialog | None = None
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self._bridge = _Bridge(self)
        self._bridge.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._bridge.succeeded.connect(self._on_succeeded, Qt.ConnectionType.QueuedConnection)
        self._bridge.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._bridge.cancelled.connect(self._on_cancelled, Qt.ConnectionType.QueuedConnection)

    # -- called by the user / the GUI -------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the work to stop; the outcome arrives as ``cancelled`` when it has."""
        self._cancel.set()

    def is_cancel_requested(self) -> bool:
        return self._cancel.is_set()

    # -- called on the worker thread ------------------------------------------------------------------

    def _report(self, fraction: float, text: str = "") -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_progress < _PROGRESS_MIN_INTERVAL_S:
            return
        self._last_progress = now
        self._bridge.progressed.emit(float(fraction), str(text))

    def _execute(self) -> None:
        try:
            result = self.work(self._report, self._cancel.is_set)
        except OperationCancelledError:
            self._bridge.cancelled.emit()
        except BaseException as exc:  # every failure must reach the GUI, never vanish in a worker
            self._bridge.failed.emit(exc, traceback.format_exc())
        else:
            if self._cancel.is_set() and self.discard_if_cancelled:
                self._bridge.cancelled.emit()
            else:
                self._bridge.succeeded.emit(result)

    # -- back on the GUI thread ------------------------------------------------------------------------

    @Slot(float, str)
    def _on_progress(self, fraction: float, text: str) -> None:
        if self.running:
            self.progressed.emit(fraction, text)

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        self._finish("succeeded", result=result)
        self.succeeded.emit(result)
        self.done.emit()

    @Slot(object, str)
    def _on_failed(self, exc: BaseException, details: str) -> None:
        self._finish("failed", error=exc, details=details)
        self.failed.emit(exc)
        self.done.emit()

    @Slot()
    def _on_cancelled(self) -> None:
        self._finish("cancelled")
        self.cancelled.emit()
        self.done.emit()

    def _finish(self, outcome: str, *, result: object = None, error: BaseException | None = None,
                details: str = "") -> None:
        self.running = False
        self.outcome, self.result, self.error, self.details = outcome, result, error, details


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.setAutoDelete(True)

    def run(self) -> None:
        self.job._execute()


class ProgressDialog(QDialog):
    """'Importing… 40 %' with a Cancel button that is always there."""

    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.setWindowTitle(job.title or "Working")
        self.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        heading = QLabel(job.title or "Working…")
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        self.text = QLabel(self.tr("Starting…"))
        self.text.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first estimate arrives
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setMinimumWidth(140)
        # A barcode scanner types + Enter: a scan arriving while this dialog has the focus must never
        # press Cancel (it would stop a print or an import the technician did not mean to stop).
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setDefault(False)
        self.cancel_button.clicked.connect(self._cancel)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout.addWidget(heading)
        layout.addWidget(self.text)
        layout.addWidget(self.bar)
        layout.addLayout(row)
        job.progressed.connect(self._on_progress)
        job.done.connect(self._on_done)

    def _on_progress(self, fraction: float, text: str) -> None:
        if fraction < 0:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self.text.setText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # see the Cancel button: Enter from a scanner is not a click
            return
        super().keyPressEvent(event)

    def _cancel(self) -> None:
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText(self.tr("Cancelling…"))
        self.text.setText(self.job.cancel_note)

    def reject(self) -> None:  # Esc and the window's close button cancel too
        if self.job.running:
            self._cancel()
        else:
            super().reject()

    def _on_done(self) -> None:
        self.job.progressed.disconnect(self._on_progress)
        super().accept()
        self.deleteLater()


_kept_alive: set[QDialog] = set()


def keep_alive(dialog: QDialog) -> QDialog:
    """Hold a parentless dialog until it is closed (without a parent or a reference Qt deletes it at once)."""
    _kept_alive.add(dialog)
    dialog.finished.connect(lambda _result: _kept_alive.discard(dialog))
    return dialog


def error_text(exc: BaseException) -> tuple[str, str | None]:
    """(message, hint) for a BiobankError; a generic message for anything else."""
    if isinstance(exc, BiobankError):
        return exc.message, ui_hint(exc.reason, exc.hint)
    return ("Unexpected error: the action did not finish. If it changed data, nothing of it was kept.",
            "Show the details to your administrator.")


def show_error(parent: QWidget | None, exc: BaseException, details: str = "", *,
               title: str | None = None) -> QMessageBox:
    """Show ``exc`` without blocking (``open()``); returns the box (tests read and close it)."""
    message, hint = error_text(exc)
    box = QMessageBox(parent)
    box.setObjectName("errorBox")
    if isinstance(exc, BiobankError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title or "Cannot do that")
    else:
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(title or "Unexpected error")
        log.error("Unexpected error in a background job: %r\n%s", exc, details)
        box.setDetailedText(details or "".join(traceback.format_exception(exc)))
    box.setText(message)
    if hint:
        box.setInformativeText(hint)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is None:
        keep_alive(box)
    box.open()
    return box


class JobRunner(QObject):
    """Starts jobs on a private thread pool; see the module docstring.

    ``parent_widget`` is where progress dialogs and error boxes appear (None: top-level).
    Call :meth:`shutdown` before the database behind the jobs is closed.
    """

    error_shown = Signal(object)  # the QMessageBox, for tests and for the main window's status

    def __init__(self, parent_widget: QWidget | None = None, *, max_threads: int = 4) -> None:
        super().__init__()
        self.parent_widget = parent_widget
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(max_threads)
        self._active: set[Job] = set()
        self.progress_delay_ms = PROGRESS_DELAY_MS

    def start(
        self,
        work: Work,
        *,
        title: str | None = None,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        owner: QObject | None = None,
        discard_if_cancelled: bool = True,
        cancel_note: str = CANCEL_NOTE,
    ) -> Job:
        """Run ``work(progress, cancelled)`` on a worker.

        ``title``: show a progress dialog (after the delay) with that title. ``on_error``: handle
        failures yourself (default: an error box). ``owner``: when it has been deleted by the time
        the job ends, the callbacks are skipped. ``discard_if_cancelled``: a result computed after
        Cancel was pressed (or the runner shut down, as at logout) is dropped (right for reads; pass
        False for work that commits, or a committed change would be reported as nothing).
        ``cancel_note``: what the progress dialog says once Cancel is pressed; say what is kept.
        """
        # Parented to the runner: the worker thread may drop the last Python reference, but the
        # Qt object is only ever deleted here, on the GUI thread (deleteLater when it is done).
        job = Job(work, title=title, discard_if_cancelled=discard_if_cancelled, cancel_note=cancel_note, parent=self)

        def alive() -> bool:
            return owner is None or shiboken6.isValid(owner)

        def succeeded(result: object) -> None:
            if on_result is not None and alive():
                on_result(result)

        def failed(exc: BaseException) -> None:
            if not alive():
                return
            if on_error is not None:
                on_error(exc)
            else:
                self.report(exc, job.details)

        def cancelled() -> None:
            if on_cancel is not None and alive():
                on_cancel()

        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        job.cancelled.connect(cancelled)
        job.done.connect(lambda: self._release(job))
        self._active.add(job)
        if title is not None:
            QTimer.singleShot(self.progress_delay_ms, lambda: self._maybe_show_progress(job))
        self.pool.start(_Runnable(job))
        return job

    def call(self, fn: Callable[[], Any], *, on_result: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None, owner: QObject | None = None,
             title: str | None = None, discard_if_cancelled: bool = True, cancel_note: str | None = None) -> Job:
        """``start`` for a function that takes no progress/cancelled arguments: a quick read, or a write.

        ``fn`` cannot stop halfway, so a write must pass ``discard_if_cancelled=False``: what it
        committed is then always reported (never dropped because Cancel or a logout came meanwhile).
        ``cancel_note`` defaults to :data:`CANCEL_NOTE` for a read, :data:`WRITE_CANCEL_NOTE` for a write.
        """
        if cancel_note is None:
            cancel_note = CANCEL_NOTE if discard_if_cancelled else WRITE_CANCEL_NOTE
        return self.start(lambda _progress, _cancelled: fn(), on_result=on_result, on_error=on_error,
                          owner=owner, title=title, discard_if_cancelled=discard_if_cancelled,
                          cancel_note=cancel_note)

    def _release(self, job: Job) -> None:
        self._active.discard(job)
        job.deleteLater()

    def report(self, exc: BaseException, details: str = "") -> QMessageBox:
        box = show_error(self._dialog_parent(), exc, details)
        self.error_shown.emit(box)
        return box

    def _dialog_parent(self) -> QWidget | None:
        parent = self.parent_widget
        return parent if parent is not None and shiboken6.isValid(parent) else None

    def _maybe_show_progress(self, job: Job) -> None:
        if job in self._active and job.running:
            dialog = ProgressDialog(job, self._dialog_parent())
            dialog.setObjectName("progressDialog")
            job.progress_dialog = dialog  # a parentless dialog lives only as long as a reference to it
            dialog.open()

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def active_jobs(self) -> list[Job]:
        return list(self._active)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Ask every running job to cancel and wait for the workers. False if some did not stop in time."""
        for job in list(self._active):
            job.cancel()
        return bool(self.pool.waitForDone(timeout_ms))
