"""Jobs on workers: results on the GUI thread, a progress dialog with Cancel, errors shown the right way."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QMessageBox

from biobank_desktop.core.domain.errors import NotFoundError, OperationCancelledError
from biobank_desktop.core.services.demo import generate_demo
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.ui.background import CANCEL_NOTE, WRITE_CANCEL_NOTE, ProgressDialog
from tests.gui.conftest import SYSTEM


def test_results_arrive_on_the_gui_thread(qtbot, runner):
    seen: dict[str, object] = {}

    def work(progress, cancelled):
        seen["worker"] = threading.current_thread() is not threading.main_thread()
        return 42

    def done(value):
        seen["value"] = value
        seen["gui"] = QThread.currentThread() is QApplication.instance().thread()

    job = runner.start(work, on_result=done)
    with qtbot.waitSignal(job.done, timeout=5000):
        pass
    assert seen == {"worker": True, "value": 42, "gui": True}


def test_cancelling_demo_generation_changes_nothing(qtbot, runner, gui_services):
    started = threading.Event()

    def work(progress, cancelled):
        def report(fraction, text):
            started.set()
            progress(fraction, text)

        return generate_demo(gui_services.db, SYSTEM, samples=30_000, progress=report, cancelled=cancelled)

    outcome: list[str] = []
    job = runner.start(work, title="Preparing demonstration data", on_result=lambda _r: outcome.append("done"),
                       on_cancel=lambda: outcome.append("cancelled"), discard_if_cancelled=False)
    dialog = None

    def progress_dialog():
        nonlocal dialog
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, ProgressDialog) and w.job is job and w.isVisible()), None)
        return dialog is not None

    qtbot.waitUntil(progress_dialog, timeout=10_000)  # it appears after the delay, always with Cancel
    assert dialog.cancel_button.isEnabled() and dialog.cancel_button.text() == "Cancel"
    qtbot.waitUntil(started.is_set, timeout=10_000)
    with qtbot.waitSignal(job.done, timeout=60_000):
        dialog.cancel_button.click()
    assert outcome == ["cancelled"]
    assert job.outcome == "cancelled"
    assert gui_services.queries.count(SampleCriteria()) == (0, True)
    assert not gui_services.accounts.has_users()  # the demo accounts were rolled back too


def test_a_biobank_error_is_shown_as_it_is(qtbot, runner):
    boxes: list[QMessageBox] = []
    runner.error_shown.connect(boxes.append)

    def work(progress, cancelled):
        raise NotFoundError("There is no sample BB-2026-000001X.", hint="Check the ID, or scan the tube again.")

    runner.start(work)
    qtbot.waitUntil(lambda: bool(boxes), timeout=5000)
    box = boxes[0]
    assert box.text() == "There is no sample BB-2026-000001X."
    assert box.informativeText() == "Check the ID, or scan the tube again."
    assert box.detailedText() == ""
    box.close()


def test_an_unexpected_error_hides_the_traceback_behind_details(qtbot, runner, caplog):
    boxes: list[QMessageBox] = []
    runner.error_shown.connect(boxes.append)

    def work(progress, cancelled):
        return {}["missing"]

    runner.start(work)
    qtbot.waitUntil(lambda: bool(boxes), timeout=5000)
    box = boxes[0]
    assert box.windowTitle() == "Unexpected error"
    assert box.text().startswith("Unexpected error: the action did not finish.")
    assert "KeyError: 'missing'" in box.detailedText()  # collapsed behind "Show Details…"
    assert "KeyError" not in box.text() + box.informativeText()
    assert any("Unexpected error in a background job" in r.message for r in caplog.records)
    box.close()


def test_a_read_cancelled_by_the_user_is_dropped(qtbot, runner):
    gate = threading.Event()
    results: list[object] = []
    cancelled: list[bool] = []

    def work(progress, is_cancelled):
        gate.wait(5)
        return "late result"

    job = runner.start(work, on_result=results.append, on_cancel=lambda: cancelled.append(True))
    job.cancel()
    with qtbot.waitSignal(job.done, timeout=10_000):
        gate.set()
    assert results == [] and cancelled == [True]


def test_cancelled_error_from_work_is_a_cancel_not_a_failure(qtbot, runner):
    boxes: list[QMessageBox] = []
    runner.error_shown.connect(boxes.append)

    def work(progress, cancelled):
        raise OperationCancelledError()

    job = runner.start(work)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        pass
    assert boxes == []


def _cancel_in_the_dialog(qtbot, job) -> ProgressDialog:
    qtbot.waitUntil(lambda: job.progress_dialog is not None and job.progress_dialog.isVisible(), timeout=10_000)
    dialog = job.progress_dialog
    dialog.cancel_button.click()
    assert not dialog.cancel_button.isEnabled() and dialog.cancel_button.text() == "Cancelling…"
    return dialog


def test_the_cancel_text_is_the_callers_to_say(qtbot, runner):
    gate = threading.Event()

    def work(progress, cancelled):
        gate.wait(10)
        return "sent"

    default = runner.start(work, title="Importing")
    assert _cancel_in_the_dialog(qtbot, default).text.text() == CANCEL_NOTE
    with qtbot.waitSignal(default.done, timeout=10_000):
        gate.set()

    gate.clear()
    note = "Cancelling: labels already sent stay printed; the rest stay in the queue."
    printing = runner.start(work, title="Printing labels", cancel_note=note, discard_if_cancelled=False)
    assert _cancel_in_the_dialog(qtbot, printing).text.text() == note
    with qtbot.waitSignal(printing.done, timeout=10_000):
        gate.set()
    assert printing.outcome == "succeeded" and printing.result == "sent"


@pytest.mark.parametrize(("discard", "note", "outcome"), [(True, CANCEL_NOTE, "cancelled"),
                                                        (False, WRITE_CANCEL_NOTE, "succeeded")], ids=["read", "write"])
def test_call_reports_what_a_write_committed_after_cancel(qtbot, runner, discard, note, outcome):
    """Cancel (or a logout, which cancels every job) drops a read's late result, never a write's."""
    gate = threading.Event()
    results: list[object] = []
    job = runner.call(lambda: gate.wait(10) and "done", on_result=results.append, title="Saving",
                      discard_if_cancelled=discard)
    assert _cancel_in_the_dialog(qtbot, job).text.text() == note
    with qtbot.waitSignal(job.done, timeout=10_000):
        gate.set()
    assert job.outcome == outcome
    assert results == ([] if discard else ["done"])


def test_a_scan_arriving_during_long_work_does_not_press_cancel(qtbot, runner):
    """A scanner types + Enter; when the progress dialog has the focus that Enter must not cancel the work."""
    from PySide6.QtCore import Qt

    gate = threading.Event()

    def work(progress, cancelled):
        gate.wait(10)
        return "printed"

    job = runner.start(work, title="Printing labels", discard_if_cancelled=False)
    qtbot.waitUntil(lambda: job.progress_dialog is not None and job.progress_dialog.isVisible(), timeout=10_000)
    dialog = job.progress_dialog
    dialog.activateWindow()
    dialog.cancel_button.setFocus()
    qtbot.keyClicks(dialog, "BB-2026-000123W")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.cancel_button, Qt.Key.Key_Enter)
    assert dialog.cancel_button.isEnabled(), "Enter did not press Cancel"
    with qtbot.waitSignal(job.done, timeout=10_000):
        gate.set()
    assert job.outcome == "succeeded" and job.result == "printed"
