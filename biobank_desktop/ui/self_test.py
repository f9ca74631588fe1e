"""The self-test's window check: the main window opens, logged in, and the Search page shows the demo rows.

Runs inside :func:`biobank_desktop.core.services.self_test.run_self_test` (after the demonstration data
exist) as the check ``WINDOW_CHECK``. Without a display (Linux without ``$DISPLAY``/``$WAYLAND_DISPLAY``)
and without ``$QT_QPA_PLATFORM`` chosen by the caller, Qt draws offscreen; with a display the window opens
for a moment on it (which also proves the platform plugin and its system libraries load).
"""

from __future__ import annotations

import os
import sys
import time

from biobank_desktop.core.services.self_test import Check, SelfTestContext, SelfTestError

#: How long the Search page may take to show its first rows (a loaded workstation is slow, never this slow).
WAIT_SECONDS = 60.0
# One of the demo accounts the demonstration data create (a technician: what most users are).
_USER, _PASSWORD = "tech1", "biobank-tech1"


def choose_platform() -> None:
    """Offscreen when there is no display and the caller chose no platform (before the QApplication exists)."""
    no_display = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                           or os.environ.get("WAYLAND_DISPLAY"))
    if no_display and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def open_main_window(ctx: SelfTestContext) -> str:
    choose_platform()
    from PySide6.QtWidgets import QApplication

    from biobank_desktop.config import Settings
    from biobank_desktop.ui.background import JobRunner
    from biobank_desktop.ui.main_window import MainWindow
    from biobank_desktop.ui.session import Events, UiSession

    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    services = ctx.built_services()
    actor = services.accounts.authenticate(_USER, _PASSWORD)  # the password hash check (argon2) as at login
    runner = JobRunner(None)
    window = MainWindow(UiSession(services, actor, Settings(), runner, Events()))
    try:
        window.resize(1366, 768)
        window.show()
        window.start()
        page = window.page("search")
        model = getattr(page, "model", None)
        deadline = time.monotonic() + WAIT_SECONDS
        while (model is None or model.rowCount() == 0) and time.monotonic() < deadline:
            qapp.processEvents()
            time.sleep(0.01)
            model = getattr(window.page("search"), "model", None)
        rows = 0 if model is None else model.rowCount()
        picture = window.grab()
        if rows == 0:
            raise SelfTestError(f"The main window opened, but Search showed no sample within {WAIT_SECONDS:.0f} s.")
        if picture.isNull() or picture.width() < 100:
            raise SelfTestError("The main window could not be drawn.")
        return (f"opened as {actor.username} on the '{QApplication.platformName()}' platform, Search showing "
                f"{rows} samples, drawn at {picture.width()}×{picture.height()}")
    finally:
        window.stop()
        window.close()
        runner.shutdown()
        window.deleteLater()
        qapp.processEvents()


WINDOW_CHECK = Check("main window", open_main_window, needs=("demo data",))
