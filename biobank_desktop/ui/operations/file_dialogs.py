"""Every file dialog of the application, in one place: they open in the folder this user chose last (kept in
``files.ini`` in the user's settings folder), the first time in the user's Documents folder (else the home
folder), never in the program's folder. Each chosen file or folder becomes the next starting point."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from biobank_desktop.config import config_dir

LAST_FOLDER_KEY = "file_dialogs/last_folder"


def _state() -> QSettings:
    return QSettings(str(config_dir() / "files.ini"), QSettings.Format.IniFormat)


def documents_folder() -> Path:
    """The user's Documents folder, or the home folder when there is none."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def start_folder() -> Path:
    """Where the next file dialog opens: the last folder used if it still exists, else Documents."""
    last = _state().value(LAST_FOLDER_KEY)
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    return documents_folder()


def remember(chosen: Path) -> None:
    """``chosen`` (a file, or a folder) is where the next dialog starts."""
    folder = chosen if chosen.is_dir() else chosen.parent
    state = _state()
    state.setValue(LAST_FOLDER_KEY, str(folder))
    state.sync()


def _chosen(name: str) -> Path | None:
    if not name:
        return None
    path = Path(name)
    remember(path)
    return path


def open_file(parent: QWidget | None, title: str, filters: str = "") -> Path | None:
    """The file to read, or None when the technician cancelled."""
    name, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder()), filters)
    return _chosen(name)


def save_file(parent: QWidget | None, title: str, suggested: str, filters: str = "") -> Path | None:
    """Where to write; ``suggested`` is a file name offered in the starting folder (a whole path, such as the
    error workbook beside the file it reports on, is offered as it is)."""
    offered = Path(suggested) if Path(suggested).is_absolute() else start_folder() / suggested
    name, _ = QFileDialog.getSaveFileName(parent, title, str(offered), filters)
    return _chosen(name)


def choose_folder(parent: QWidget | None, title: str) -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, title, str(start_folder()))
    return _chosen(name)
