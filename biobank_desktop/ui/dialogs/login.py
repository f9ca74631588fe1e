"""Logging in: the login dialog, the forced password change, the first administrator of a new database.

Checking a password takes a moment (argon2id, on purpose) and reads the database, so it runs on a
worker; the dialog stays responsive and shows the service's message (wrong password, N attempts
left, locked for 15 minutes, deactivated) under the fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.ui.background import JobRunner, error_text
from biobank_desktop.ui.theme import ERROR, MUTED, OK, repolish
from biobank_desktop.ui.widgets.common import button, form_layout, label

if TYPE_CHECKING:  # the login dialog shows while a worker still imports the core: do not wait for it here
    from biobank_desktop.core.services import Services


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    description: str  # "Technician", "Administrator — manages users"


@dataclass(frozen=True)
class LoginResult:
    actor: Actor
    password: str
    must_change_password: bool


def _message_label() -> QLabel:
    message = label("", wrap=True, selectable=True)
    message.setObjectName("loginMessage")
    message.setMinimumHeight(28)
    return message


def _say(message_label: QLabel, text: str, ok: bool | None = False) -> None:
    colour = MUTED if ok is None else OK if ok else ERROR
    message_label.setStyleSheet(f"color: {colour}; font-weight: 600;")
    message_label.setText(text)
    repolish(message_label)


def _failure_text(exc: BaseException) -> str:
    message, hint = error_text(exc)
    return f"{message} {hint}" if hint and isinstance(exc, BiobankError) else message


class LoginDialog(QDialog):
    """User name + password; Enter logs in. ``logged_in(LoginResult)`` on success.

    Shown while the database is still opening (``services`` None: "Connecting…"); the user may type
    meanwhile, and a login asked for before :meth:`connect_to` runs as soon as it is called.
    """

    logged_in = Signal(object)
    SWITCH_DATABASE = 2  # finished() code when the user asked for Settings → Database

    def __init__(self, services: Services | None, runner: JobRunner, *, database: str,
                 demo_accounts: Sequence[DemoAccount] = (), username: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle("Biobank Desktop — Log in")
        self.setMinimumWidth(560)
        self.services = services
        self.runner = runner
        self.busy = False
        self._pending = False  # Log in was asked for before the database was open

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(12)
        layout.addWidget(label("Biobank Desktop", "title"))
        self.where = label(f"Database: {database}", "subtitle", wrap=True, selectable=True)
        self.where.setObjectName("loginDatabase")
        layout.addWidget(self.where)

        form = form_layout()
        self.username = QLineEdit(username)
        self.username.setObjectName("loginUsername")
        self.username.setPlaceholderText("Your user name")
        self.password = QLineEdit()
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        self.message = _message_label()
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        self.database_button = button("Database…", on_click=lambda: self.done(self.SWITCH_DATABASE))
        self.database_button.setToolTip("Settings → Database: choose another database")
        self.quit_button = button("Quit", on_click=self.reject)
        self.login_button = button("Log in", primary=True, on_click=self.submit)
        self.login_button.setMinimumWidth(160)
        for widget in (self.database_button, self.quit_button, self.login_button):
            # Enter is handled by the fields (user name → password → log in), never by a default button.
            widget.setAutoDefault(False)
        buttons.addWidget(self.database_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.login_button)
        layout.addLayout(buttons)

        self.demo_box = QFrame()
        self.demo_box.setObjectName("demoAccounts")
        self.demo_box.setStyleSheet("QFrame#demoAccounts { background: #fff3d6; border: 1px solid #8a5300;"
                                    " border-radius: 6px; }")
        demo_layout = QVBoxLayout(self.demo_box)
        demo_layout.addWidget(label("This database holds demonstration data. Click an account to fill in "
                                    "its user name and password:", wrap=True))
        self.demo_grid = QGridLayout()
        self.demo_grid.setHorizontalSpacing(8)
        demo_layout.addLayout(self.demo_grid)
        layout.addWidget(self.demo_box)
        self.demo_buttons: list[QPushButton] = []
        self.set_demo_accounts(demo_accounts)

        self.username.returnPressed.connect(self._username_entered)
        self.password.returnPressed.connect(self.submit)
        (self.password if username else self.username).setFocus()
        if services is None:
            self.set_status("Connecting to the database…")

    @property
    def connected(self) -> bool:
        return self.services is not None

    def set_status(self, text: str) -> None:
        """What the database is doing while it opens (shown under the fields)."""
        if not self.connected and not self._pending:
            _say(self.message, text, None)

    def connect_to(self, services: Services, database: str, demo_accounts: Sequence[DemoAccount] = ()) -> None:
        """The database is open: logging in works from now on (and a pending login goes ahead)."""
        self.services = services
        self.where.setText(f"Database: {database}")
        self.set_demo_accounts(demo_accounts)
        _say(self.message, "", None)
        if self._pending:
            self._pending = False
            self.submit()

    def set_demo_accounts(self, accounts: Sequence[DemoAccount]) -> None:
        for old in self.demo_buttons:
            old.deleteLater()
        self.demo_buttons = []
        for n, account in enumerate(accounts):
            fill = button(f"{account.username}  —  {account.description}", link=True)
            fill.setObjectName(f"demo_{account.username}")
            fill.setAutoDefault(False)
            fill.clicked.connect(lambda _c=False, a=account: self.fill(a.username, a.password))
            self.demo_grid.addWidget(fill, n // 2, n % 2)
            self.demo_buttons.append(fill)
        self.demo_box.setVisible(bool(accounts))

    def fill(self, username: str, password: str) -> None:
        self.username.setText(username)
        self.password.setText(password)
        self.password.setFocus()  # Enter now logs in

    def _username_entered(self) -> None:
        if self.password.text():
            self.submit()
        else:
            self.password.setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username:
            _say(self.message, "Type your user name.")
            self.username.setFocus()
            return
        if not password:
            _say(self.message, "Type your password.")
            self.password.setFocus()
            return
        if self.services is None:
            self._pending = True
            _say(self.message, "Connecting to the database… you are logged in as soon as it is open.", None)
            return
        self.busy = True
        self.login_button.setEnabled(False)
        _say(self.message, "Checking…", None)
        accounts = self.services.accounts

        def work() -> LoginResult:
            actor = accounts.authenticate(username, password)
            must_change = actor.must_change_password
            return LoginResult(actor, password, must_change)

        self.runner.call(work, on_result=self._succeeded, on_error=self._failed, owner=self)

    def _succeeded(self, result: LoginResult) -> None:
        self.busy = False
        self.login_button.setEnabled(True)
        _say(self.message, f"Welcome, {result.actor.display_name}.", True)
        self.logged_in.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.login_button.setEnabled(True)
        if not isinstance(exc, BiobankError):
            self.runner.report(exc)
        _say(self.message, _failure_text(exc))
        self.password.clear()
        self.password.setFocus()

    @property
    def message_text(self) -> str:
        return self.message.text()


class _PasswordForm(QDialog):
    """Shared shape of the two password-setting dialogs below."""

    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None) -> None:
        from biobank_desktop.core.services.accounts import MIN_PASSWORD_LENGTH

        super().__init__(parent)
        self.min_length = MIN_PASSWORD_LENGTH
        self.setWindowTitle(title)
        self.setMinimumWidth(580)
        self.busy = False
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(24, 20, 24, 18)
        self.layout_.setSpacing(12)
        self.layout_.addWidget(label(title, "title"))
        self.layout_.addWidget(label(intro, wrap=True))
        self.form = form_layout()
        self.layout_.addLayout(self.form)
        self.new_password = QLineEdit()
        self.new_password.setObjectName("newPassword")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setPlaceholderText(f"At least {MIN_PASSWORD_LENGTH} characters")
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeatPassword")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setPlaceholderText("The same again")
        self.message = _message_label()
        self.cancel_button = button("Cancel", on_click=self.reject)
        self.ok_button = button(ok_text, primary=True, on_click=self.submit)
        self.ok_button.setDefault(True)
        self.repeat.returnPressed.connect(self.submit)

    def finish_layout(self) -> None:
        self.form.addRow("New password", self.new_password)
        self.form.addRow("Repeat it", self.repeat)
        self.layout_.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.ok_button)
        self.layout_.addLayout(row)

    def problem(self) -> str | None:
        if len(self.new_password.text()) < self.min_length:
            return f"The password needs at least {self.min_length} characters."
        if self.new_password.text() != self.repeat.text():
            return "The two passwords are not the same."
        return None

    def submit(self) -> None:
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.ok_button.setEnabled(True)
        _say(self.message, _failure_text(exc))

    @property
    def message_text(self) -> str:
        return self.message.text()


class ChangePasswordDialog(_PasswordForm):
    """The user must (or wants to) choose a new password. ``changed`` after it was saved."""

    changed = Signal()

    def __init__(self, services: Services, runner: JobRunner, actor: Actor, *, current_password: str | None = None,
                 forced: bool = True, parent: QWidget | None = None) -> None:
        intro = ("Your password was set by an administrator. Choose your own before you continue."
                 if forced else "Choose a new password for your account.")
        super().__init__("Choose a new password", intro, "Change password", parent)
        self.setObjectName("changePasswordDialog")
        self.services, self.runner, self.actor = services, runner, actor
        self.current = QLineEdit(current_password or "")
        self.current.setObjectName("currentPassword")
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        if current_password is None:
            self.form.addRow("Current password", self.current)
        self.cancel_button.setText("Log out" if forced else "Cancel")
        self.finish_layout()
        (self.current if current_password is None else self.new_password).setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        problem = self.problem()
        if problem is None and self.new_password.text() == self.current.text():
            problem = "Choose a password different from the current one."
        if problem:
            _say(self.message, problem)
            return
        self.busy = True
        self.ok_button.setEnabled(False)
        accounts, actor, old, new = self.services.accounts, self.actor, self.current.text(), self.new_password.text()

        def done(_r: object) -> None:
            self.busy = False
            self.changed.emit()
            self.accept()

        self.runner.call(lambda: accounts.change_own_password(actor, old, new), on_result=done,
                         on_error=self._failed, owner=self, discard_if_cancelled=False)


class FirstAdministratorDialog(_PasswordForm):
    """A new database has no account yet: create the first administrator. ``created(username)``."""

    created = Signal(str)

    def __init__(self, services: Services, runner: JobRunner, *, database: str, parent: QWidget | None = None) -> None:
        super().__init__("Create the first administrator",
                         f"The database {database} has no user account yet. Create the administrator account "
                         "that will add everyone else.", "Create account", parent)
        self.setObjectName("firstAdministratorDialog")
        self.services, self.runner = services, runner
        self.username = QLineEdit()
        self.username.setObjectName("adminUsername")
        self.username.setPlaceholderText("e.g. admin or your own user name")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("adminFullName")
        self.full_name.setPlaceholderText("e.g. Jeanne Dupont")
        self.form.addRow("User name", self.username)
        self.form.addRow("Full name", self.full_name)
        self.cancel_button.setText("Quit")
        self.finish_layout()
        self.username.setFocus()

    def submit(self) -> None:
        if self.busy:
            return
        problem = ("Give a user name." if not self.username.text().strip() else
                   "Give the person's full name." if not self.full_name.text().strip() else self.problem())
        if problem:
            _say(self.message, problem)
            return
        self.busy = True
        self.ok_button.setEnabled(False)
        accounts = self.services.accounts
        username, full_name, password = self.username.text(), self.full_name.text(), self.new_password.text()

        def work() -> str:
            return accounts.create_first_administrator(username, full_name, password).value.username

        def done(name: str) -> None:
            self.busy = False
            self.created.emit(name)
            self.accept()

        self.runner.call(work, on_result=done, on_error=self._failed, owner=self, discard_if_cancelled=False)


class PasswordPromptDialog(QDialog):
    """The PostgreSQL password, when the keyring has none. ``entered(password)``."""

    entered = Signal(str)

    def __init__(self, where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("databasePasswordDialog")
        self.setWindowTitle("Database password")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(label(f"The password of the database account {where}:", wrap=True))
        self.password = QLineEdit()
        self.password.setObjectName("databasePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.password)
        layout.addWidget(label("It is used for this session only (this computer has no keyring holding it).",
                               "fieldname", wrap=True))
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = button("Cancel", on_click=self.reject)
        ok = button("Connect", primary=True, on_click=self._ok)
        ok.setDefault(True)
        row.addWidget(cancel)
        row.addWidget(ok)
        layout.addLayout(row)
        self.password.returnPressed.connect(self._ok)
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def _ok(self) -> None:
        self.entered.emit(self.password.text())
        self.accept()
