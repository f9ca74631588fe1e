"""Issue 8, blocker 1 in the window: a vanished or replaced database stops work with a clear message; at
start-up it is an error window (newest backups, Switch database / Quit), never a new demo database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from biobank_desktop import app as app_module
from biobank_desktop.app import BiobankApp, database_key
from biobank_desktop.config import Settings
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import build_services, open_database
from biobank_desktop.core.services.identity import ensure_identity
from biobank_desktop.ui.dialogs.login import FirstAdministratorDialog, LoginDialog
from biobank_desktop.ui.dialogs.startup import StartupErrorDialog
from tests.gui.conftest import add_account


@pytest.fixture
def started(qapp) -> Iterator[list[BiobankApp]]:
    apps: list[BiobankApp] = []
    yield apps
    for biobank in apps:
        biobank.quit(0)


def _start(started, url: str, settings: Settings) -> BiobankApp:
    biobank = BiobankApp(QApplication.instance(), database_url=url, settings=settings)
    started.append(biobank)
    biobank.start()
    return biobank


def _wait(qtbot, biobank: BiobankApp, kind: type, timeout: int = 60_000):
    def shown() -> bool:
        dialog = biobank.current_dialog
        return (isinstance(dialog, kind) and dialog.isVisible()
                and (not isinstance(dialog, LoginDialog) or dialog.connected))

    qtbot.waitUntil(shown, timeout=timeout)
    return biobank.current_dialog


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_a_deleted_database_is_an_error_at_the_next_start_not_a_new_demo(qtbot, started, tmp_path, monkeypatch):
    monkeypatch.setattr(app_module, "FIRST_RUN_DEMO_SAMPLES", 40)
    path = tmp_path / "data" / "biobank.sqlite"
    url = f"sqlite+pysqlite:///{path}"
    settings = Settings()
    first = _start(started, url, settings)
    login = _wait(qtbot, first, LoginDialog)
    assert login.demo_box.isVisible()  # the real first run of this workstation: demonstration data
    record = settings.known_databases[database_key(url)]
    assert record["created_here"] is True and record["uuid"]
    assert Settings.load().known_databases[database_key(url)] == record  # saved in the settings file
    first.quit(0)

    _remove(path)
    backups = path.parent / "backups"
    backups.mkdir()
    (backups / "biobank-before-0004-20260101T000000Z.sqlite").write_bytes(b"copy")
    again = _start(started, url, settings)
    error = _wait(qtbot, again, StartupErrorDialog)
    assert error.heading.text() == "The database this workstation used is missing or was replaced"
    assert f"The database file {path} is missing" in error.message_text
    assert "was NOT created" in error.message_text
    assert str(backups / "biobank-before-0004-20260101T000000Z.sqlite") in error.backups.text()
    assert [b.text() for b in (error.retry_button, error.switch_button, error.quit_button)] == [
        "Check again", "Switch database…", "Quit"]
    assert not path.exists()  # nothing was created
    error.retry_button.click()  # looking again creates nothing either
    error = _wait(qtbot, again, StartupErrorDialog)
    assert not path.exists()
    error.quit_button.click()
    assert again.exit_code == 1


def test_another_database_put_in_place_is_refused_at_start(qtbot, started, sqlite_url, sqlite_template):
    services = build_services(open_database(sqlite_url))
    add_account(services, "ada", Role.ADMINISTRATOR)
    services.close()
    settings = Settings()
    first = _start(started, sqlite_url, settings)
    _wait(qtbot, first, LoginDialog)
    first.quit(0)
    path = Path(sqlite_url.removeprefix("sqlite+pysqlite:///"))
    _remove(path)
    shutil.copyfile(sqlite_template, path)  # a different database under the same name
    services = build_services(open_database(sqlite_url))
    add_account(services, "eve", Role.ADMINISTRATOR)
    ensure_identity(services.db)
    services.close()
    again = _start(started, sqlite_url, settings)
    error = _wait(qtbot, again, StartupErrorDialog)
    assert "is not the database this workstation used" in error.message_text
    error.quit_button.click()
    assert again.exit_code == 1 and not error.isVisible()


def test_a_new_database_on_a_workstation_that_knows_others_gets_no_demo_data(qtbot, started, tmp_path):
    settings = Settings(known_databases={"/elsewhere/biobank.sqlite": {"uuid": "x", "created_here": True}})
    biobank = _start(started, f"sqlite+pysqlite:///{tmp_path / 'fresh.sqlite'}", settings)
    _wait(qtbot, biobank, FirstAdministratorDialog)


def test_the_window_stops_work_when_the_file_vanishes_and_resumes_when_it_is_back(qtbot, gui_services, open_window):
    ensure_identity(gui_services.db)  # as the app does when it opens the database
    actor = add_account(gui_services, "tom", Role.TECHNICIAN)
    window = open_window(gui_services, actor)
    qtbot.waitUntil(lambda: window.health.healthy is True, timeout=10_000)
    path = gui_services.db.path
    assert path is not None
    moved = path.with_name("moved-away.sqlite")
    os.rename(path, moved)
    window.check_connection()
    qtbot.waitUntil(lambda: window.health.healthy is False, timeout=10_000)
    assert window.health.text.text() == "Stopped: the database file is gone or was replaced; nothing can be saved"
    assert window.health.toolTip().startswith(f"The database file {path} has disappeared")
    assert "Connected" not in window.health.text.text()
    assert not window.stack.isEnabled() and not window.scan.isEnabled()
    assert window.database_gone_box is not None and window.database_gone_box.isVisible()
    window.database_gone_box.accept()
    os.rename(moved, path)  # put back where it was: the same file
    window.check_connection()
    qtbot.waitUntil(lambda: window.health.healthy is True, timeout=10_000)
    assert window.stack.isEnabled() and window.scan.isEnabled()


class _ReadOnlyDisk:
    f_flag = os.ST_RDONLY


def test_a_read_only_database_shows_in_the_status_bar(qtbot, gui_services, open_window, monkeypatch):
    actor = add_account(gui_services, "tom", Role.TECHNICIAN)
    window = open_window(gui_services, actor)
    qtbot.waitUntil(lambda: window.health.healthy is True, timeout=10_000)
    folder = str(gui_services.db.path.parent)
    real = os.statvfs
    monkeypatch.setattr(os, "statvfs", lambda p: _ReadOnlyDisk() if str(p) == folder else real(p))
    window.check_connection()
    qtbot.waitUntil(lambda: window.health.healthy is False, timeout=10_000)
    assert window.health.text.text() == ("Read-only: the database cannot be written (the disk or network share "
                                         "holding it is mounted read-only)")
    assert window.health.toolTip().startswith(f"The database {gui_services.db.path} cannot be written")
