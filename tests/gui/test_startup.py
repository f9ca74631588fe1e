"""Start-up: the composition root's path from settings to the main window, and how each failure ends."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from biobank_desktop import app as app_module
from biobank_desktop.app import BiobankApp, main
from biobank_desktop.config import Settings
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import build_services, open_database
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.ui.dialogs.database import DatabaseDialog
from biobank_desktop.ui.dialogs.login import ChangePasswordDialog, FirstAdministratorDialog, LoginDialog
from biobank_desktop.ui.dialogs.startup import StartupErrorDialog
from tests.gui.conftest import PASSWORD, SYSTEM, add_account


@pytest.fixture
def started(qapp) -> Iterator[list[BiobankApp]]:
    apps: list[BiobankApp] = []
    yield apps
    for biobank in apps:
        biobank.quit(0)


def _start(started, url: str) -> BiobankApp:
    biobank = BiobankApp(QApplication.instance(), database_url=url, settings=Settings())
    started.append(biobank)
    biobank.start()
    return biobank


def _wait_dialog(qtbot, biobank: BiobankApp, kind: type, timeout: int = 30_000):
    """The dialog the app waits on; a login dialog only once it is connected to the database."""

    def shown() -> bool:
        dialog = biobank.current_dialog
        return (isinstance(dialog, kind) and dialog.isVisible()
                and (not isinstance(dialog, LoginDialog) or dialog.connected))

    qtbot.waitUntil(shown, timeout=timeout)
    return biobank.current_dialog


def test_main_on_a_file_that_is_not_a_database_ends_in_a_clear_dialog(qapp, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main() installs its own; put pytest's back
    bad = tmp_path / "biobank.sqlite"
    bad.write_bytes(b"PK\x03\x04" + b"a spreadsheet, not a database " * 50)
    seen: dict[str, str] = {}

    def drive() -> None:  # the test's hand on the mouse, while main() runs its event loop
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, StartupErrorDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, drive)
            return
        seen.update(heading=dialog.heading.text(), message=dialog.message_text,
                    buttons=" / ".join(b.text() for b in (dialog.retry_button, dialog.switch_button,
                                                            dialog.quit_button)))
        dialog.quit_button.click()

    QTimer.singleShot(0, drive)
    # Never hang the suite; stopped afterwards, or its exit() outside an event loop would leave
    # every later test's event loops returning at once (their waits time out).
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: QApplication.instance().exit(99))
    guard.start(60_000)
    try:
        code = main(["--database", f"sqlite+pysqlite:///{bad}"])
    finally:
        guard.stop()
    assert code == 1
    assert seen["heading"] == "The database cannot be used"
    assert seen["message"] == (f"{bad} is not a Biobank Desktop database (it is not an SQLite file). "
                               "The file was not changed.")
    assert seen["buttons"] == "Retry / Switch database… / Quit"
    assert bad.read_bytes().startswith(b"PK\x03\x04")


def test_first_start_on_an_empty_embedded_database_offers_demo_accounts(qtbot, started, tmp_path, monkeypatch):
    monkeypatch.setattr(app_module, "FIRST_RUN_DEMO_SAMPLES", 200)
    url = f"sqlite+pysqlite:///{tmp_path / 'new' / 'biobank.sqlite'}"
    biobank = _start(started, url)
    login = _wait_dialog(qtbot, biobank, LoginDialog, timeout=60_000)
    assert login.demo_box.isVisible()
    assert [b.objectName() for b in login.demo_buttons] == ["demo_admin", "demo_supervisor", "demo_tech1",
                                                            "demo_tech2"]
    login.demo_buttons[2].click()
    with qtbot.waitSignal(biobank.main_window_shown, timeout=20_000) as shown:
        login.submit()
    window = shown.args[0]
    search = window.page("search")
    qtbot.waitUntil(lambda: search.model.rowCount() > 0, timeout=10_000)
    assert window.session.actor.username == "tech1"
    assert search.count_label.text() == "200 samples"


def test_a_newer_schema_is_refused_and_switching_database_recovers(qtbot, started, sqlite_template, tmp_path):
    newer = tmp_path / "newer.sqlite"
    shutil.copyfile(sqlite_template, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    good = tmp_path / "good.sqlite"
    shutil.copyfile(sqlite_template, good)
    services = build_services(open_database(f"sqlite+pysqlite:///{good}"))
    add_account(services, "ada", Role.ADMINISTRATOR)
    services.close()

    biobank = _start(started, f"sqlite+pysqlite:///{newer}")
    error = _wait_dialog(qtbot, biobank, StartupErrorDialog)
    assert error.heading.text() == "This database cannot be opened by this version"
    assert "written by a newer version of Biobank Desktop (schema f00dfeedbeef)" in error.message_text
    error.switch_button.click()
    dialog = _wait_dialog(qtbot, biobank, DatabaseDialog)
    dialog.sqlite_radio.setChecked(True)
    dialog.path.setText(str(good))
    dialog.save()
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    assert str(good) in login.findChild(type(error.heading), "loginDatabase").text()
    assert not login.demo_box.isVisible()
    with sqlite3.connect(newer) as conn:  # the newer database was not touched
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("f00dfeedbeef",)


def test_retry_after_the_file_was_fixed(qtbot, started, sqlite_template, tmp_path):
    path = tmp_path / "biobank.sqlite"
    path.write_text("garbage")
    biobank = _start(started, f"sqlite+pysqlite:///{path}")
    error = _wait_dialog(qtbot, biobank, StartupErrorDialog)
    shutil.copyfile(sqlite_template, path)  # e.g. restored from the backup
    services = build_services(open_database(f"sqlite+pysqlite:///{path}"))
    add_account(services, "ada", Role.ADMINISTRATOR)
    services.close()
    error.retry_button.click()
    _wait_dialog(qtbot, biobank, LoginDialog)


def test_a_new_database_that_holds_samples_but_no_account_asks_for_an_administrator(qtbot, started, sqlite_url):
    services = build_services(open_database(sqlite_url))
    services.samples.register(SYSTEM, NewSample(study_code="COLON", sample_type="SER"))
    services.close()
    biobank = _start(started, sqlite_url)
    first = _wait_dialog(qtbot, biobank, FirstAdministratorDialog)
    first.username.setText("chief")
    first.full_name.setText("Chief Lab Officer")
    first.new_password.setText(PASSWORD)
    first.repeat.setText(PASSWORD)
    first.submit()
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    assert login.username.text() == "chief"


def test_the_login_dialog_is_usable_while_the_database_opens(qtbot, started, sqlite_url):
    services = build_services(open_database(sqlite_url))
    add_account(services, "tom", Role.TECHNICIAN)
    services.close()
    biobank = _start(started, sqlite_url)
    login = biobank.current_dialog  # shown at once, before the worker has opened the database
    assert isinstance(login, LoginDialog) and not login.connected
    login.fill("tom", PASSWORD)
    with qtbot.waitSignal(biobank.main_window_shown, timeout=20_000):
        login.submit()  # remembered, and done as soon as the database is open
    assert biobank.window.session.actor.username == "tom"


def test_forced_password_change_then_logout_returns_to_login(qtbot, started, sqlite_url):
    services = build_services(open_database(sqlite_url))
    add_account(services, "nina", Role.TECHNICIAN, must_change=True)
    services.close()
    biobank = _start(started, sqlite_url)
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    login.fill("nina", PASSWORD)
    login.submit()
    change = _wait_dialog(qtbot, biobank, ChangePasswordDialog)
    change.new_password.setText("nina-own-password")
    change.repeat.setText("nina-own-password")
    with qtbot.waitSignal(biobank.main_window_shown, timeout=20_000) as shown:
        change.submit()
    window = shown.args[0]
    window.logout_button.click()
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    assert biobank.window is None
    assert login.username.text() == ""  # a shared bench: the next person types their own name (issue 8)


def test_an_unreachable_postgresql_server_asks_the_password_then_says_what_is_wrong(qtbot, started):
    from biobank_desktop.config import DatabaseSettings
    from biobank_desktop.ui.dialogs.login import PasswordPromptDialog

    settings = Settings(database=DatabaseSettings(backend="postgresql", host="127.0.0.1", port=1,
                                                  database="biobank", user="anna"))
    biobank = BiobankApp(QApplication.instance(), settings=settings)
    started.append(biobank)
    biobank.start()
    prompt = _wait_dialog(qtbot, biobank, PasswordPromptDialog)  # the (null) keyring holds no password
    prompt.password.setText("typed-at-start")
    prompt.password.returnPressed.emit()
    error = _wait_dialog(qtbot, biobank, StartupErrorDialog)
    assert error.message_text == "The PostgreSQL server at anna@127.0.0.1:1/biobank cannot be reached."
    assert "typed-at-start" not in error.message_text


def test_switching_database_from_settings_reconnects_and_asks_to_log_in_again(qtbot, started, sqlite_template,
                                                                              tmp_path):
    from PySide6.QtWidgets import QMessageBox

    first, second = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    for path, user in ((first, "ada"), (second, "bob")):
        shutil.copyfile(sqlite_template, path)
        services = build_services(open_database(f"sqlite+pysqlite:///{path}"))
        add_account(services, user, Role.ADMINISTRATOR)
        services.close()
    biobank = _start(started, f"sqlite+pysqlite:///{first}")
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    login.fill("ada", PASSWORD)
    with qtbot.waitSignal(biobank.main_window_shown, timeout=20_000) as shown:
        login.submit()
    settings_page = shown.args[0].open_page("settings")
    dialog = settings_page.change_database()
    dialog.path.setText(str(second))
    dialog.save()
    box = settings_page.findChild(QMessageBox, "reconnectBox")
    box.button(QMessageBox.StandardButton.Yes).click()  # "Connect now"
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    assert biobank.window is None
    assert str(second) in login.where.text()
    login.fill("bob", PASSWORD)
    with qtbot.waitSignal(biobank.main_window_shown, timeout=20_000) as shown:
        login.submit()
    assert shown.args[0].database_label.text() == f"SQLite file: {second}"
    assert Settings.load().database.sqlite_path == str(second)  # remembered for the next start


def test_database_button_on_the_login_dialog_and_back(qtbot, started, sqlite_url):
    services = build_services(open_database(sqlite_url))
    add_account(services, "tom", Role.TECHNICIAN)
    services.close()
    biobank = _start(started, sqlite_url)
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    login.database_button.click()
    dialog = _wait_dialog(qtbot, biobank, DatabaseDialog)
    assert dialog.sqlite_radio.isChecked()
    dialog.reject()  # changed their mind: back to logging in, same database
    login = _wait_dialog(qtbot, biobank, LoginDialog)
    login.fill("tom", PASSWORD)
    with qtbot.waitSignal(biobank.main_window_shown, timeout=20_000):
        login.submit()
    assert biobank.exit_code is None
