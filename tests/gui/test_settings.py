"""Settings → Database: test the connection before saving; the password never goes into the settings file."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, Qt

from biobank_desktop.config import DatabaseSettings, Settings
from biobank_desktop.ui.dialogs.database import DatabaseDialog


def _dialog(qtbot, runner, settings: Settings | None = None) -> DatabaseDialog:
    dialog = DatabaseDialog(settings or Settings(), runner)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_postgresql_server_that_does_not_answer_is_reported(qtbot, runner):
    dialog = _dialog(qtbot, runner)
    qtbot.mouseClick(dialog.pg_radio, Qt.MouseButton.LeftButton, pos=QPoint(12, dialog.pg_radio.height() // 2))
    assert dialog.pg_box.isEnabled() and not dialog.sqlite_box.isEnabled()
    dialog.host.setText("127.0.0.1")
    dialog.port.setText("1")  # nothing listens there
    dialog.database.setText("biobank")
    dialog.user.setText("biobank_app")
    dialog.password.setText("secret-pw")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=15_000)
    assert dialog.message_text.startswith(
        "The PostgreSQL server at biobank_app@127.0.0.1:1/biobank cannot be reached.")
    assert "secret-pw" not in dialog.message_text


def test_missing_fields_are_said_before_any_connection(qtbot, runner):
    dialog = _dialog(qtbot, runner)
    dialog.pg_radio.setChecked(True)
    dialog.user.setText("")
    dialog.test()
    assert dialog.message_text == "A PostgreSQL connection needs a host, a database name and a user."


def test_an_sqlite_file_that_is_not_a_database_is_reported(qtbot, runner, tmp_path):
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("this is a shopping list, not a database")
    dialog = _dialog(qtbot, runner)
    dialog.path.setText(str(bogus))
    dialog.test()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled() and dialog.message_text != "Testing the connection…",
                    timeout=10_000)
    assert "is not a Biobank Desktop database (it is not an SQLite file)" in dialog.message_text
    assert bogus.read_text() == "this is a shopping list, not a database"


def test_saving_postgresql_settings_keeps_the_password_out_of_the_file(qtbot, runner):
    dialog = _dialog(qtbot, runner, Settings(database=DatabaseSettings()))
    dialog.pg_radio.setChecked(True)
    dialog.host.setText("db.biobank.lan")
    dialog.port.setText("5433")
    dialog.database.setText("biobank")
    dialog.user.setText("anna")
    dialog.password.setText("never-in-json-42")
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        dialog.save()
    settings, password = saved.args
    assert password == "never-in-json-42"  # handed to this run only
    assert settings.database.backend == "postgresql" and settings.database.port == 5433
    text = Settings.path().read_text(encoding="utf-8")
    assert "never-in-json-42" not in text
    assert json.loads(text)["database"]["host"] == "db.biobank.lan"
    assert Settings.load().database.user == "anna"


def test_saving_the_database_keeps_printers_added_meanwhile_on_the_command_line(qtbot, runner):
    opened = Settings()  # what the window loaded at start: no printers
    opened.save()
    dialog = _dialog(qtbot, runner, opened)
    meanwhile = Settings.load()  # `biobank-desktop printer add ...` while the dialog is open
    meanwhile.printers = [{"name": "Bench-A", "kind": "zpl-tcp", "address": "10.0.0.7:9100", "dpi": 300}]
    meanwhile.save()
    dialog.pg_radio.setChecked(True)
    dialog.host.setText("db.biobank.lan")
    dialog.database.setText("biobank")
    dialog.user.setText("anna")
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        dialog.save()
    on_disk = Settings.load()
    assert on_disk.database.host == "db.biobank.lan"
    assert [p["name"] for p in on_disk.printers] == ["Bench-A"], "the printer added meanwhile is kept"
    handed_over, _password = saved.args
    assert [p["name"] for p in handed_over.printers] == ["Bench-A"], "and the window is told of it"
