"""Settings → Database: the embedded SQLite file or a shared PostgreSQL server.

"Test connection" opens the database on a worker and pings it, showing the technician-facing
reason when it fails. The PostgreSQL password goes only to the operating system's keyring
(``store_password``), never into the settings file; without a keyring it is asked at each start.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.config import SSL_MODES, DatabaseSettings, Settings, default_sqlite_path, store_password
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.domain.roles import Permission, allows
from biobank_desktop.ui.background import JobRunner, error_text, keep_alive
from biobank_desktop.ui.theme import ERROR, MUTED, OK, repolish
from biobank_desktop.ui.widgets.common import button, form_layout, label


def check_connection(db: DatabaseSettings, password: str | None) -> str:
    """Open and ping the database (worker thread); the success message, or raises a BiobankError."""
    from biobank_desktop.core.services import open_database

    db.validate()
    if db.backend == "sqlite":
        path = db.sqlite_file()
        if not path.exists():
            if not path.parent.exists():
                return f"{path} does not exist yet; its folder will be created with a new, empty database."
            return f"{path} does not exist yet: a new, empty database will be created there."
    database = open_database(db.url(password))
    try:
        database.ping()
    finally:
        database.dispose()
    if db.backend == "sqlite":
        return f"The file {db.sqlite_file()} opens as a database."
    return f"Connected to PostgreSQL at {db.host}:{db.port}, database {db.database}, as {db.user}."


class DatabaseDialog(QDialog):
    """Edits a copy of the settings; ``saved(settings, password)`` after they were written."""

    saved = Signal(object, object)  # Settings, password (str | None, for this run only)

    def __init__(self, settings: Settings, runner: JobRunner, parent: QWidget | None = None, *,
                 actor: Actor | None = None) -> None:
        """``actor``: who is logged in (None before a login: start-up, the login dialog). A logged-in user
        whose role may not manage the database can look but not save: the database is an administrator's
        setting."""
        super().__init__(parent)
        self.setObjectName("databaseDialog")
        self.refusal: str | None = None
        if actor is not None and not allows(actor.role, Permission.MANAGE_DATABASE):
            self.refusal = self.tr("Only an administrator may change the database; {0} is {1}.").format(
                actor.display_name, actor.role.label)
        self.setWindowTitle("Settings → Database")
        self.setMinimumWidth(680)
        self.settings = copy.deepcopy(settings)
        self.runner = runner
        self._test_generation = 0
        self.keyring_missing = False
        db = self.settings.database

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        intro = label("Where this workstation keeps its data: the database file on this computer, or the "
                      "laboratory's shared PostgreSQL server.", wrap=True)
        layout.addWidget(intro)

        self.sqlite_radio = QRadioButton("Database file on this computer (SQLite)")
        self.pg_radio = QRadioButton("Shared server (PostgreSQL)")
        group = QButtonGroup(self)
        group.addButton(self.sqlite_radio)
        group.addButton(self.pg_radio)

        # -- SQLite ---------------------------------------------------------------------------------
        layout.addWidget(self.sqlite_radio)
        self.sqlite_box = QFrame()
        sqlite_form = QHBoxLayout(self.sqlite_box)
        sqlite_form.setContentsMargins(34, 0, 0, 0)
        self.path = QLineEdit(db.sqlite_path)
        self.path.setPlaceholderText(f"Default: {default_sqlite_path()}")
        self.browse_button = button("Browse…", on_click=self.browse)
        sqlite_form.addWidget(self.path, 1)
        sqlite_form.addWidget(self.browse_button)
        layout.addWidget(self.sqlite_box)

        # -- PostgreSQL -----------------------------------------------------------------------------
        layout.addWidget(self.pg_radio)
        self.pg_box = QFrame()
        pg_form = form_layout(8)
        self.pg_box.setLayout(pg_form)
        pg_form.setContentsMargins(34, 0, 0, 0)
        self.host = QLineEdit(db.host)
        self.port = QLineEdit(str(db.port))  # typed: spin-box arrows are too small for gloves
        self.port.setValidator(QIntValidator(1, 65535, self.port))
        self.port.setMaximumWidth(160)
        self.database = QLineEdit(db.database)
        self.user = QLineEdit(db.user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Kept in this computer's keyring, never in the settings file")
        self.sslmode = QComboBox()
        self.sslmode.addItems(list(SSL_MODES))
        self.sslmode.setCurrentText(db.sslmode)
        pg_form.addRow("Server (host)", self.host)
        pg_form.addRow("Port", self.port)
        pg_form.addRow("Database", self.database)
        pg_form.addRow("User", self.user)
        pg_form.addRow("Password", self.password)
        pg_form.addRow("Encryption (sslmode)", self.sslmode)
        layout.addWidget(self.pg_box)

        # -- test + message --------------------------------------------------------------------------
        test_row = QHBoxLayout()
        self.test_button = button("Test connection", on_click=self.test)
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        self.message = label("", wrap=True, selectable=True)
        self.message.setObjectName("databaseMessage")
        self.message.setMinimumHeight(48)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        (self.pg_radio if db.backend == "postgresql" else self.sqlite_radio).setChecked(True)
        self.sqlite_radio.toggled.connect(self._backend_changed)
        for widget in (self.path, self.host, self.port, self.database, self.user, self.password):
            widget.textEdited.connect(lambda _t: self._say("", None))
        self._backend_changed()
        if self.refusal is not None:
            self.save_button.setEnabled(False)
            self._say(self.refusal, False)

    # -- the form ------------------------------------------------------------------------------------

    def _backend_changed(self) -> None:
        sqlite = self.sqlite_radio.isChecked()
        self.sqlite_box.setEnabled(sqlite)
        self.pg_box.setEnabled(not sqlite)
        self._say("", None)

    def browse(self) -> None:
        start = self.path.text().strip() or str(default_sqlite_path())
        dialog = QFileDialog(self, "Choose the database file", str(Path(start).parent))
        dialog.setObjectName("browseDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)  # a new file is allowed
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
        dialog.setNameFilters(["Biobank database (*.sqlite *.db)", "All files (*)"])
        dialog.setDefaultSuffix("sqlite")
        def chosen(path: str) -> None:
            self.path.setText(path)
            self._say("", None)

        dialog.fileSelected.connect(chosen)
        dialog.open()

    def database_settings(self) -> DatabaseSettings:
        if self.sqlite_radio.isChecked():
            return DatabaseSettings(backend="sqlite", sqlite_path=self.path.text().strip(),
                                    host=self.host.text().strip() or "localhost", port=self.port_value(),
                                    database=self.database.text().strip() or "biobank",
                                    user=self.user.text().strip(), sslmode=self.sslmode.currentText())
        return DatabaseSettings(backend="postgresql", sqlite_path=self.path.text().strip(),
                                host=self.host.text().strip(), port=self.port_value(),
                                database=self.database.text().strip(), user=self.user.text().strip(),
                                sslmode=self.sslmode.currentText())

    def port_value(self) -> int:
        """The typed port; 0 (refused by validate()) when empty."""
        text = self.port.text().strip()
        return int(text) if text.isdigit() else 0

    def _checked_settings(self) -> DatabaseSettings | None:
        """The form's settings, or None (and the reason shown) when they are not valid."""
        try:
            db = self.database_settings()
            db.validate()
        except ValidationError as exc:
            self._say(str(exc), False)
            return None
        return db

    def _password(self) -> str | None:
        return self.password.text() or None

    def _say(self, text: str, ok: bool | None) -> None:
        colour = MUTED if ok is None else OK if ok else ERROR
        self.message.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.message.setText(text)
        repolish(self.message)

    # -- test and save ---------------------------------------------------------------------------------

    def test(self) -> None:
        db = self._checked_settings()
        if db is None:
            return
        password = self._password()
        self._test_generation += 1
        generation = self._test_generation
        self.test_button.setEnabled(False)
        self._say("Testing the connection…", None)

        def done(message: str) -> None:
            if generation == self._test_generation:
                self.test_button.setEnabled(True)
                self._say(message, True)

        def failed(exc: BaseException) -> None:
            if generation == self._test_generation:
                self.test_button.setEnabled(True)
                message, hint = error_text(exc) if isinstance(exc, BiobankError) else (
                    f"The connection failed: {exc}", "Check the settings.")
                self._say(f"{message} {hint or ''}".strip(), False)

        self.runner.call(lambda: check_connection(db, password), on_result=done, on_error=failed, owner=self)

    @property
    def message_text(self) -> str:
        return self.message.text()

    def save(self) -> None:
        if self.refusal is not None:
            self._say(self.refusal, False)
            return
        db = self._checked_settings()
        if db is None:
            return
        password = self._password()
        try:
            # Change only the database in what is on disk now: printers or a name saved meanwhile (by the
            # command line, by the Settings page) stay. A damaged file is refused, not overwritten.
            on_disk = Settings.load() if Settings.path().exists() else self.settings
            on_disk.database = db
            on_disk.save()
        except (OSError, BiobankError) as exc:
            self._say(f"The settings could not be saved: {exc}", False)
            return
        self.settings.database = db
        self.settings.printers = on_disk.printers
        self.settings.workstation_name = on_disk.workstation_name
        self.keyring_missing = bool(db.backend == "postgresql" and password and not store_password(db, password))
        self.saved.emit(self.settings, password)
        self.accept()
        if self.keyring_missing:
            box = QMessageBox(QMessageBox.Icon.Information, "Password not stored",
                              "This computer has no keyring to keep the PostgreSQL password safely, so it was "
                              "not stored. It will be asked when the application connects.",
                              QMessageBox.StandardButton.Ok, self.parentWidget())
            box.setObjectName("keyringMissingBox")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            keep_alive(box)
            box.open()
