"""Render every window and page of the GUI to PNG files, offscreen, at lab screen sizes.

Usage: .venv/bin/python tests/gui/render_screenshots.py DATABASE_URL OUT_DIR [--readme PATH]

The database should hold demo data (``biobank-desktop --database URL demo --samples 5000``).
Not a test: a tool to look at what was built (pytest does not collect it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

SIZES = ((1366, 768), (1920, 1080))


def settle(app: QApplication, until: Callable[[], bool] = lambda: True, timeout_ms: int = 15000) -> None:
    deadline = QDeadlineTimer(timeout_ms)
    while True:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if until() or deadline.hasExpired():
            break
    for _ in range(5):  # let queued repaints and late rows land
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def grab(widget: QWidget, path: Path) -> None:
    widget.grab().save(str(path))
    print("wrote", path)


def main(argv: list[str]) -> int:
    url, out = argv[0], Path(argv[1])
    readme = Path(argv[argv.index("--readme") + 1]) if "--readme" in argv else None
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    from biobank_desktop.app import BiobankApp, apply_theme
    from biobank_desktop.config import Settings

    apply_theme(app)
    app.setQuitOnLastWindowClosed(False)
    biobank = BiobankApp(app, database_url=url, settings=Settings())
    biobank.start()
    def login_ready() -> bool:
        dialog = biobank.current_dialog
        return dialog is not None and dialog.objectName() == "loginDialog" and dialog.connected  # type: ignore[attr-defined]

    connecting = biobank.current_dialog
    assert connecting is not None
    connecting.resize(640, 300)
    grab(connecting, out / "login-connecting.png")
    settle(app, login_ready)
    login = biobank.current_dialog
    assert login is not None
    login.resize(640, 520)
    settle(app)
    grab(login, out / "login.png")
    login.fill("tech1", "biobank-tech1")  # type: ignore[attr-defined]
    login.submit()  # type: ignore[attr-defined]
    settle(app, lambda: biobank.window is not None)
    window = biobank.window
    assert window is not None
    window.showNormal()
    for width, height in SIZES:
        tag = f"{width}x{height}"
        window.resize(width, height)
        search = window.open_page("search")
        settle(app, lambda s=search: s.model.rowCount() > 0 and not s.model.fetching)
        settle(app)
        grab(window, out / f"search-{tag}.png")
        if readme is not None and width == 1366:
            readme.parent.mkdir(parents=True, exist_ok=True)
            grab(window, readme)
        code = search.model.sample_code(3)
        sample = window.open_page("sample")
        sample.show_sample(code)
        settle(app, lambda s=sample: s.detail is not None and s.detail.sample_code == code)
        grab(window, out / f"sample-{tag}.png")
        window.scan.edit.setText("NOT-A-CODE-123")
        window.scan.edit.returnPressed.emit()
        settle(app, lambda: window.scan.state == "error")
        grab(window, out / f"scan-unknown-{tag}.png")
        audit = window.open_page("audit")
        settle(app, lambda a=audit: a.model.rowCount() > 0 and not a.model.fetching)
        audit.table.selectRow(0)
        settle(app)
        grab(window, out / f"audit-{tag}.png")
        settings = window.open_page("settings")
        settle(app)
        grab(window, out / f"settings-{tag}.png")
    # the administrator's pages
    biobank.logout()
    settle(app, login_ready)
    biobank.current_dialog.fill("admin", "biobank-admin")  # type: ignore[union-attr]
    biobank.current_dialog.submit()  # type: ignore[union-attr]
    settle(app, lambda: biobank.window is not None)
    window = biobank.window
    window.showNormal()
    for width, height in SIZES:
        tag = f"{width}x{height}"
        window.resize(width, height)
        users = window.open_page("users")
        settle(app, lambda u=users: u.model.rowCount() > 0)
        users.table.selectRow(2)
        settle(app)
        grab(window, out / f"users-{tag}.png")
    settings = window.open_page("settings")
    dialog = settings.change_database()
    settle(app)
    grab(dialog, out / "database-dialog.png")
    dialog.pg_radio.setChecked(True)
    dialog.host.setText("127.0.0.1")
    dialog.port.setText("1")
    dialog.user.setText("biobank")
    dialog.test()
    settle(app, dialog.test_button.isEnabled)
    grab(dialog, out / "database-dialog-error.png")
    dialog.reject()
    users = window.open_page("users")
    add = users.add_user()
    settle(app)
    grab(add, out / "add-user-dialog.png")
    add.reject()
    sample = window.open_page("sample")
    sample.show_sample(code)
    settle(app, lambda: sample.detail is not None)
    status = sample.change_status()
    settle(app)
    grab(status, out / "status-dialog.png")
    status.reject()
    # start-up failure
    from biobank_desktop.core.domain.errors import DatabaseUnavailableError
    from biobank_desktop.ui.dialogs.startup import StartupErrorDialog

    bad = StartupErrorDialog(DatabaseUnavailableError(
        "/home/lab/biobank.sqlite is not a Biobank Desktop database (it is not an SQLite file). The file was not "
        "changed.", hint="Choose another file in Settings → Database, or restore the database from a backup."),
        where="/home/lab/biobank.sqlite")
    bad.show()
    settle(app)
    grab(bad, out / "startup-error.png")
    bad.hide()
    biobank.quit(0)
    QCoreApplication.processEvents()
    QTimer.singleShot(0, app.quit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
