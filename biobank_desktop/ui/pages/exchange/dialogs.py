"""The file choosers of the Exchange page, in one place (tests replace them: no native dialog offscreen)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from biobank_desktop.ui.operations import file_dialogs


def open_path(parent: QWidget | None, title: str, filters: str) -> Path | None:
    return file_dialogs.open_file(parent, title, filters)


def save_path(parent: QWidget | None, title: str, suggested: str, filters: str) -> Path | None:
    return file_dialogs.save_file(parent, title, suggested, filters)


def folder_path(parent: QWidget | None, title: str) -> Path | None:
    return file_dialogs.choose_folder(parent, title)
