"""File dialogs open in the user's Documents folder, then in the folder used last (remembered per user), never
in the program's folder; every page goes through the one helper (ui/operations/file_dialogs.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

import biobank_desktop
from biobank_desktop.ui.operations import file_dialogs

UI = Path(biobank_desktop.__file__).parent / "ui"


@pytest.fixture
def asked(monkeypatch, tmp_path: Path) -> list[str]:
    """The folder each dialog was opened in; the dialogs answer with files in ``tmp_path``."""
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))  # this user's settings, none yet
    folders: list[str] = []
    answers = iter([tmp_path / "scans" / "rack.csv", tmp_path / "out" / "box.xlsx"])

    def fake(_parent, _title, start="", _filters=""):  # type: ignore[no-untyped-def]
        folders.append(start)
        path = next(answers)
        path.parent.mkdir(exist_ok=True)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return folders


def test_a_page_dialog_opens_in_documents_then_in_the_last_folder(qtbot, asked, tmp_path, gui_services,
                                                                  make_session) -> None:
    from biobank_desktop.ui.pages.storage.page import StoragePage
    from tests.gui.conftest import SYSTEM

    page = StoragePage(make_session(gui_services, SYSTEM))
    qtbot.addWidget(page)
    loaded: list[Path] = []
    page.rackscan.load_file = loaded.append  # type: ignore[method-assign]
    page.rackscan.choose_file()
    assert asked[0] == str(file_dialogs.documents_folder())  # not "" (the program's folder)
    assert Path(asked[0]) != Path.cwd() and Path(asked[0]).is_dir()
    assert loaded == [tmp_path / "scans" / "rack.csv"]
    assert file_dialogs.start_folder() == tmp_path / "scans"  # remembered (a new QSettings reads it back)
    assert file_dialogs.save_file(None, "Box map", "BOX-000057.xlsx") == tmp_path / "out" / "box.xlsx"
    assert asked[1] == str(tmp_path / "scans" / "BOX-000057.xlsx")  # the name offered in the last folder
    assert (tmp_path / "config" / "files.ini").exists()  # in this user's settings folder


def test_a_remembered_folder_that_is_gone_falls_back_to_documents(asked, tmp_path) -> None:
    gone = tmp_path / "usb-stick"
    gone.mkdir()
    file_dialogs.remember(gone)
    gone.rmdir()
    assert file_dialogs.start_folder() == file_dialogs.documents_folder()


def test_no_page_opens_a_file_dialog_of_its_own() -> None:
    """Every QFileDialog goes through the helper (the database dialog starts at the database's own folder)."""
    allowed = {UI / "operations" / "file_dialogs.py", UI / "dialogs" / "database.py"}
    offenders = [str(path.relative_to(UI)) for path in UI.rglob("*.py")
                 if path not in allowed and re.search(r"\bQFileDialog\b", path.read_text(encoding="utf-8"))]
    assert offenders == []
