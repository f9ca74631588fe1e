"""The dialog a start-up failure ends in: what happened, what to do, and Retry / Switch database / Quit."""

from __future__ import annotations

import traceback

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from biobank_desktop.core.domain.errors import (
    BiobankError,
    DatabaseIdentityError,
    DatabaseUnavailableError,
    SchemaVersionError,
)
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.widgets.common import button, label


def heading_for(exc: BaseException) -> str:
    if isinstance(exc, DatabaseIdentityError):
        return QCoreApplication.translate("StartupErrorDialog",
                                          "The database this workstation used is missing or was replaced")
    if isinstance(exc, SchemaVersionError):
        return "This database cannot be opened by this version"
    if isinstance(exc, DatabaseUnavailableError):
        return "The database cannot be used"
    if isinstance(exc, BiobankError):
        return "The application could not start"
    return "Unexpected error while starting"


class StartupErrorDialog(QDialog):
    """``chosen`` is emitted with 'retry', 'switch' or 'quit'."""

    chosen = Signal(str)

    def __init__(self, exc: BaseException, *, where: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startupErrorDialog")
        self.setWindowTitle("Biobank Desktop")
        self.setMinimumWidth(640)
        self.error = exc
        message, hint = error_text(exc)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(26, 22, 26, 18)
        layout.setSpacing(12)
        self.heading = label(heading_for(exc), "title", wrap=True)
        self.heading.setStyleSheet("color: #a4161a;")
        layout.addWidget(self.heading)
        self.message = label(message, wrap=True, selectable=True)
        self.message.setObjectName("startupMessage")
        self.message.setStyleSheet("font-size: 12pt; font-weight: 600;")
        layout.addWidget(self.message)
        if hint:
            self.hint = label(hint, wrap=True, selectable=True)
            self.hint.setObjectName("startupHint")
            layout.addWidget(self.hint)
        if where:
            layout.addWidget(label(f"Database: {where}", "fieldname", wrap=True, selectable=True))
        self.backups: QLabel | None = None
        if isinstance(exc, DatabaseIdentityError):
            # Where to restore from, in plain sight: the newest copies the upgrade kept (newest first).
            text = (self.tr("Newest backups (newest first):") + "\n" + "\n".join(exc.backups) if exc.backups
                    else self.tr("No backup copy was found beside the database file."))
            self.backups = label(text, "mono", wrap=True, selectable=True)
            self.backups.setObjectName("startupBackups")
            layout.addWidget(self.backups)
        self.details: QPlainTextEdit | None = None
        if not isinstance(exc, BiobankError):
            self.details_button = button("Show details", link=True, on_click=self._toggle_details)
            layout.addWidget(self.details_button)
            self.details = QPlainTextEdit("".join(traceback.format_exception(exc)))
            self.details.setReadOnly(True)
            self.details.setMinimumHeight(180)
            self.details.hide()
            layout.addWidget(self.details)
        row = QHBoxLayout()
        self.quit_button = button("Quit", on_click=lambda: self._choose("quit"))
        self.switch_button = button("Switch database…", on_click=lambda: self._choose("switch"))
        self.retry_button = button("Retry", primary=True, on_click=lambda: self._choose("retry"))
        self.retry_button.setDefault(True)
        if isinstance(exc, DatabaseIdentityError):
            # Nothing is created here: Retry only looks again (the network share is back, the file restored).
            self.retry_button.setText(self.tr("Check again"))
            self.retry_button.setDefault(False)
            self.switch_button.setDefault(True)
        row.addWidget(self.quit_button)
        row.addStretch(1)
        row.addWidget(self.switch_button)
        row.addWidget(self.retry_button)
        layout.addLayout(row)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)

    def _toggle_details(self) -> None:
        if self.details is not None:
            self.details.setVisible(not self.details.isVisible())
            self.details_button.setText("Hide details" if self.details.isVisible() else "Show details")

    def _choose(self, choice: str) -> None:
        self.chosen.emit(choice)
        self.accept()

    def reject(self) -> None:  # Esc / the window's close button: the same as Quit
        self._choose("quit")

    @property
    def message_text(self) -> str:
        return self.message.text()
