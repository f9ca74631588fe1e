"""Files kept with a shipment (the courier's slip, a photo, the logger's export): add, list, open, save, remove.

The files live in the database, so every workstation sees them; opening one writes a copy to a temporary
folder and hands it to the system's viewer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from biobank_desktop.core.services.reception import MAX_ATTACHMENT_BYTES, AttachmentInfo
from biobank_desktop.ui.formatting import local_time
from biobank_desktop.ui.operations import file_dialogs
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, label
from biobank_desktop.ui.widgets.message_banner import MessageBanner


def choose_file(parent: QWidget | None, title: str) -> Path | None:
    """The file to attach (tests replace this: no native dialog offscreen)."""
    return file_dialogs.open_file(parent, title)


def choose_target(parent: QWidget | None, title: str, suggested: str) -> Path | None:
    return file_dialogs.save_file(parent, title, suggested)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} kB"


class AttachmentsDialog(QDialog):
    """The files of shipment ``code``; changes go through the reception service on the worker."""

    def __init__(self, page: WritingPage, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = page.session
        self.code = code
        self.setObjectName("attachmentsDialog")
        self.setWindowTitle(self.tr("Files of shipment {code}").format(code=code))
        self.setMinimumSize(680, 420)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(label(self.tr("The courier's slip, photos, the temperature logger's export: kept with the "
                                       "shipment in the database (at most {mb} MB each).").format(
                                           mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)), wrap=True))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        self.list = QListWidget()
        self.list.setObjectName("attachmentList")
        self.list.itemActivated.connect(lambda _i: self.open_selected())
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.add_button = button(self.tr("Add a file…"), primary=True, on_click=self.add_file)
        self.open_button = button(self.tr("Open"), on_click=self.open_selected)
        self.save_button = button(self.tr("Save a copy…"), on_click=self.save_selected)
        self.remove_button = button(self.tr("Remove…"), danger=True, on_click=self.remove_selected)
        self.close_button = button(self.tr("Close"), on_click=self.accept)
        for widget in (self.add_button, self.open_button, self.save_button, self.remove_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.attachments: list[AttachmentInfo] = []
        self.loads = 0
        self.reload()

    def show_error(self, exc: BaseException, action: str | None = None) -> None:
        self.page.show_error(exc, action)

    def reload(self) -> None:
        service, code = self.session.services.reception, self.code

        def shown(rows: list[AttachmentInfo]) -> None:
            self.attachments = rows
            self.list.clear()
            for info in rows:
                item = QListWidgetItem(self.tr("{name}  ·  {size}  ·  added by {who} at {when}").format(
                    name=info.file_name, size=size_text(info.size_bytes), who=info.added_by,
                    when=local_time(info.added_at)))
                item.setData(256, info.id)
                self.list.addItem(item)
            if rows:
                self.list.setCurrentRow(len(rows) - 1)
            for widget in (self.open_button, self.save_button, self.remove_button):
                widget.setEnabled(bool(rows))
            self.loads += 1

        self.session.runner.call(lambda: service.attachments(code), on_result=shown, on_error=self.show_error,
                                 owner=self)

    def selected(self) -> AttachmentInfo | None:
        row = self.list.currentRow()
        return self.attachments[row] if 0 <= row < len(self.attachments) else None

    def add_file(self) -> None:
        path = choose_file(self, self.tr("Attach a file to {code}").format(code=self.code))
        if path is None:
            return
        service, actor, code = self.session.services.reception, self.session.actor, self.code
        run_write(self, lambda: service.attach_file(actor, code, path), on_done=lambda _r: self.reload(),
                  done_message=self.tr("{name} attached.").format(name=path.name), owner=self)

    def _content(self, then: object) -> None:
        info = self.selected()
        if info is None:
            return
        service = self.session.services.reception
        self.session.runner.call(lambda: service.attachment_content(info.id), on_result=then,  # type: ignore[arg-type]
                                 on_error=self.show_error, owner=self)

    def open_selected(self) -> None:
        def opened(found: tuple[AttachmentInfo, bytes]) -> None:
            info, data = found
            folder = Path(tempfile.mkdtemp(prefix="biobank-shipment-"))
            path = folder / Path(info.file_name).name
            path.write_bytes(data)
            self.last_opened = path
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self.banner.show_message(self.tr("No program opens this kind of file here; use Save a copy."), "warn")

        self._content(opened)

    def save_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        target = choose_target(self, self.tr("Save a copy of {name}").format(name=info.file_name), info.file_name)
        if target is None:
            return

        def save(found: tuple[AttachmentInfo, bytes]) -> None:
            try:
                target.write_bytes(found[1])
            except OSError as exc:
                self.banner.show_message(self.tr("Could not write {path}: {why}").format(path=target, why=exc),
                                         "error")
                return
            self.banner.show_message(self.tr("Saved to {path}.").format(path=target), "ok")

        self._content(save)

    def remove_selected(self) -> ReasonDialog | None:
        info = self.selected()
        if info is None:
            return None
        dialog = ReasonDialog(self.tr("Remove {name}").format(name=info.file_name),
                              self.tr("Remove a file attached by mistake. Its name and fingerprint stay in the audit "
                                      "trail. Why?"), ok_text=self.tr("Remove"))
        service, actor = self.session.services.reception, self.session.actor
        def remove() -> None:
            run_write(self, lambda: service.remove_attachment(actor, info.id, dialog.reason_text()),
                      on_done=lambda _r: self.reload(), owner=self,
                      done_message=self.tr("{name} removed.").format(name=info.file_name))

        ask(self, dialog, remove)
        return dialog
