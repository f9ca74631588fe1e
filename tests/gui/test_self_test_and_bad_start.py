"""``--self-test`` from the window's entry and from the command line (with the main window check), and how the
window's start ends on a broken machine-wide settings file or a read-only data folder: a dialog that says what
happened and what to do. (An unreachable PostgreSQL server: tests/gui/test_startup.py.)"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from biobank_desktop.app import BiobankApp, main
from biobank_desktop.cli import run
from biobank_desktop.ui.dialogs.startup import StartupErrorDialog
from tests.support.workstation import isolate_workstation


@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate_workstation(tmp_path, monkeypatch)


def _start(request: pytest.FixtureRequest, qtbot) -> StartupErrorDialog:
    biobank = BiobankApp(QApplication.instance())  # settings read from the files, as at a real start
    request.addfinalizer(lambda: biobank.quit(0))
    request.node.biobank = biobank
    biobank.start()
    qtbot.waitUntil(lambda: isinstance(biobank.current_dialog, StartupErrorDialog)
                    and biobank.current_dialog.isVisible(), timeout=30_000)
    dialog = biobank.current_dialog
    assert isinstance(dialog, StartupErrorDialog)
    return dialog


def test_the_windows_self_test_opens_the_main_window_and_passes(qapp, workstation, capsys) -> None:
    code = main(["--self-test"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "ok      main window: opened as tech1 on the 'offscreen' platform, Search showing 24 samples" in out
    assert out.rstrip().endswith("Self-test passed.")
    assert QApplication.topLevelWidgets() == [] or not any(w.isVisible() for w in QApplication.topLevelWidgets())


def test_the_command_lines_self_test_includes_the_window(qapp, workstation, capsys) -> None:
    code = run(["--self-test"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("ok")] == [
        "ok      resources", "ok      database", "ok      demo data", "ok      label PDF", "ok      label ZPL",
        "ok      spreadsheet", "ok      main window", "ok      settings", "ok      workstation database"]


def test_the_command_lines_self_test_takes_no_command(workstation, capsys) -> None:
    assert run(["--self-test", "user", "list"]) == 2
    assert "--self-test takes no command" in capsys.readouterr().err


def test_a_broken_machine_wide_settings_file_ends_in_a_dialog_naming_it(qtbot, request, workstation) -> None:
    site = workstation / "site" / "settings.json"
    site.parent.mkdir()
    site.write_text('{"database": {"backend": "postgresql", "port": 99999}}', encoding="utf-8")
    dialog = _start(request, qtbot)
    assert dialog.message_text == (f'The settings file {site} is damaged: "database.port" must be a port number '
                                   "from 1 to 65535, not 99999.")
    assert "IT department" in dialog.hint.text()
    assert dialog.quit_button.isVisible() and dialog.retry_button.isVisible()


def test_retry_after_a_broken_settings_file_reads_the_files_again(qtbot, request, workstation, sqlite_template):
    from biobank_desktop.ui.dialogs.login import FirstAdministratorDialog

    site = workstation / "site" / "settings.json"
    site.parent.mkdir()
    site.write_text('{"database": {"backend": "sqlite", "sqlite_path": 7}}', encoding="utf-8")
    dialog = _start(request, qtbot)
    biobank = request.node.biobank
    shared = workstation / "shared.sqlite"
    shutil.copyfile(sqlite_template, shared)  # IT fixes the file: a database set up, no account yet
    site.write_text(json.dumps({"database": {"backend": "sqlite", "sqlite_path": str(shared)}}), encoding="utf-8")
    dialog.retry_button.click()
    qtbot.waitUntil(lambda: isinstance(biobank.current_dialog, FirstAdministratorDialog), timeout=30_000)
    assert biobank.settings.database.sqlite_path == str(shared), "not the defaults the failed start fell back on"


class _ReadOnlyDisk:
    f_flag = os.ST_RDONLY


def test_a_read_only_data_folder_ends_in_a_dialog_saying_so(qtbot, request, workstation, monkeypatch) -> None:
    data = workstation / "data"
    data.mkdir()
    real = os.statvfs
    monkeypatch.setattr(os, "statvfs", lambda p: _ReadOnlyDisk() if str(p) == str(data) else real(p))
    dialog = _start(request, qtbot)
    assert dialog.heading.text() == "The database cannot be used"
    assert dialog.message_text == (f"The folder of the database file, {data}, is not writable: the disk or network "
                                   "share holding it is mounted read-only.")
    assert "Switch database" in dialog.hint.text() and "BIOBANK_DATA_DIR" in dialog.hint.text()
    assert not (data / "biobank.sqlite").exists(), "nothing was created"
