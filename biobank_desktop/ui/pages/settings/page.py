"""Settings of this workstation: its name, scan sound, label printers, the database it works on, your password."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import this_workstation
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.ui.dialogs.database import DatabaseDialog
from biobank_desktop.ui.dialogs.login import ChangePasswordDialog
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.settings.printers import PrintersSection
from biobank_desktop.ui.pages.settings.study_prefixes import StudyPrefixSection
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import button, form_layout, label


class SettingsPage(Page):
    title = "Settings"
    subtitle = "Settings of this workstation; they are kept on this computer only."

    database_change_requested = Signal(object, object)  # Settings, password

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        settings = session.settings

        station = form_layout()
        self.workstation = QLineEdit(settings.workstation_name)
        self.workstation.setPlaceholderText(f"Default: {this_workstation()}")
        self.workstation.setMaximumWidth(420)
        self.sound = QCheckBox(self.tr("Beep when a scanned code is unknown; at reception once for ⚠, twice for ✗"))
        self.sound.setChecked(settings.scan_sound)
        self.save_button = button("Save", primary=True, on_click=self.save)
        station.addRow("Workstation name", self.workstation)
        station.addRow("", label("Written into the audit trail with every change. Takes effect at the next login.",
                                 "fieldname", wrap=True))
        station.addRow("Scanner", self.sound)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        station.addRow(save_row)
        station_box = QGroupBox("This workstation")
        station_box.setLayout(station)

        info = session.services.system.info
        database = QVBoxLayout()
        kind = "Database file on this computer (SQLite)" if info.backend == "sqlite" else "Shared server (PostgreSQL)"
        self.database_kind = label(kind, "value")
        self.database_where = label(info.description, "mono", wrap=True, selectable=True)
        self.database_where.setObjectName("settingsDatabase")
        self.change_database_button = button("Change database…", on_click=self.change_database)
        may_change = session.can(Permission.MANAGE_DATABASE)
        self.change_database_button.setEnabled(may_change)
        if not may_change:
            self.change_database_button.setToolTip(self.tr("Only an administrator may change the database."))
        row = QHBoxLayout()
        row.addWidget(self.change_database_button)
        row.addStretch(1)
        database.addWidget(self.database_kind)
        database.addWidget(self.database_where)
        database.addWidget(label("Changing the database logs you out and connects to the new one." if may_change
                                 else self.tr("The database is an administrator's setting: ask an administrator "
                                              "to change it."), "fieldname", wrap=True))
        database.addLayout(row)
        database_box = QGroupBox("Database")
        database_box.setLayout(database)

        account = QVBoxLayout()
        account.addWidget(label(f"{session.actor.display_name} — user name {session.actor.username}, "
                                f"role {session.actor.role.label}", "value"))
        self.password_button = button("Change my password…", on_click=self.change_password)
        row2 = QHBoxLayout()
        row2.addWidget(self.password_button)
        row2.addStretch(1)
        account.addLayout(row2)
        account_box = QGroupBox("Your account")
        account_box.setLayout(account)

        self.printers = PrintersSection(self)
        self.study_prefixes = StudyPrefixSection(self)

        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 12, 0)
        column.setSpacing(14)
        column.addWidget(station_box)
        column.addWidget(self.printers)
        column.addWidget(database_box)
        column.addWidget(self.study_prefixes)
        column.addWidget(account_box)
        column.addStretch(1)
        holder = QWidget()
        holder.setLayout(column)
        holder.setMaximumWidth(1180)
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)
        scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(scroll, 1)

    def page_shown(self) -> None:
        self.printers.reload_from_disk()
        if self.session.can(Permission.MANAGE_REFERENCE):
            self.study_prefixes.reload()

    def save(self) -> None:
        settings = self.session.settings
        try:
            # Change only this page's fields in what is on disk now (printers or a database saved meanwhile
            # on the command line stay); a damaged file is refused, not overwritten.
            on_disk = Settings.load() if Settings.path().exists() else settings
            on_disk.workstation_name = self.workstation.text().strip()
            on_disk.scan_sound = self.sound.isChecked()
            on_disk.save()
        except (OSError, BiobankError) as exc:
            self.banner.show_message(f"The settings could not be saved: {exc}", "error")
            return
        settings.workstation_name, settings.scan_sound = on_disk.workstation_name, on_disk.scan_sound
        settings.printers = on_disk.printers
        self.banner.show_message("Saved.", "ok")
        self.session.events.settings_changed.emit()

    def change_database(self) -> DatabaseDialog | None:
        if not self.session.can(Permission.MANAGE_DATABASE):
            self.banner.show_message(self.tr("Only an administrator may change the database."), "error")
            return None
        dialog = DatabaseDialog(self.session.settings, self.session.runner, self, actor=self.session.actor)
        dialog.saved.connect(self._database_saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _database_saved(self, settings: Settings, password: str | None) -> None:
        self.session.settings.database = settings.database
        box = QMessageBox(QMessageBox.Icon.Question, "Connect now?",
                          "The new database settings are saved. Connect to that database now? You will be logged "
                          "out and asked to log in there.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("reconnectBox")
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText("Connect now")
        box.button(QMessageBox.StandardButton.No).setText("At next start")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is yes:
                self.database_change_requested.emit(settings, password)
            else:
                self.banner.show_message("Saved: the new database is used from the next start.", "ok")

        box.finished.connect(answered)
        box.open()

    def change_password(self) -> ChangePasswordDialog:
        dialog = ChangePasswordDialog(self.session.services, self.session.runner, self.session.actor,
                                      forced=False, parent=self)
        dialog.changed.connect(lambda: self.banner.show_message("Your password was changed.", "ok"))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
