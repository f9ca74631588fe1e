"""User accounts (administrators): add, reset a password, change a role, deactivate, unlock.

The services check the role on every call; this page is only shown to administrators, and shows
the refusal if anyone else reaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.accounts import MIN_PASSWORD_LENGTH, UserInfo
from biobank_desktop.core.services.changes import USER, Changes, Result
from biobank_desktop.ui.models.user_table import WIDTHS, UserTableModel
from biobank_desktop.ui.operations.writes import changes_of, run_write
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, form_layout, label, table_view

ROLE_CHOICES = [(role.value, role.label) for role in Role]


class _PasswordPair(QWidget):
    """Password + repeat; ``problem()`` says what is wrong, in words."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setPlaceholderText(f"At least {MIN_PASSWORD_LENGTH} characters")
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setPlaceholderText("The same again")
        layout.addWidget(self.first)
        layout.addWidget(self.second)

    def problem(self) -> str | None:
        if len(self.first.text()) < MIN_PASSWORD_LENGTH:
            return f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
        if self.first.text() != self.second.text():
            return "The two passwords are not the same."
        return None

    def password(self) -> str:
        return self.first.text()


class FormDialog(QDialog):
    """A form with an inline message line and OK/Cancel; ``validate`` returns the problem or None."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.validate: Callable[[], str | None] = lambda: None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        self.form = form_layout()
        layout.addLayout(self.form)
        self.message = label("", wrap=True)
        self.message.setObjectName("formMessage")
        self.message.setStyleSheet("color: #a4161a; font-weight: 600;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setProperty("primary", True)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _try_accept(self) -> None:
        problem = self.validate()
        if problem:
            self.message.setText(problem)
        else:
            self.accept()


class UsersPage(Page):
    title = "Users"
    subtitle = "Accounts of this database. Changes take effect at the person's next action."

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.add_button = button("Add user…", primary=True, on_click=self.add_user)
        self.header.addWidget(self.add_button)

        self.model = UserTableModel()
        self.table = table_view("userTable", self.model, widths=WIDTHS)
        self.body.addWidget(self.table, 1)

        self.selected_label = label("Select a user to change their account.", "fieldname")
        self.reset_button = button("Reset password…", on_click=self.reset_password)
        self.role_button = button("Change role…", on_click=self.change_role)
        self.active_button = button("Deactivate…", on_click=self.toggle_active)
        self.unlock_button = button("Unlock", on_click=self.unlock)
        actions = QHBoxLayout()
        actions.setSpacing(10)
        actions.addWidget(self.selected_label, 1)
        for widget in (self.reset_button, self.role_button, self.active_button, self.unlock_button):
            actions.addWidget(widget)
        self.body.addLayout(actions)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.banner.action_clicked.connect(self.reload)
        self._own_seq = 0  # the newest audit event this page wrote (and reloaded for) itself
        self._update_actions()

    # -- data ----------------------------------------------------------------------------------------

    def selected_user(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.user(rows[0].row()) if rows else None

    def reload(self, select: str | None = None) -> None:
        selected = self.selected_user()
        current = select or (selected.username if selected else None)
        accounts, actor = self.session.services.accounts, self.session.actor

        def loaded(users: list[UserInfo]) -> None:
            self.model.set_users(users)
            row = self.model.row_of(current) if current else -1
            if row >= 0:
                self.table.selectRow(row)
            self._update_actions()

        def failed(exc: BaseException) -> None:
            self.model.set_users([])
            self.add_button.setEnabled(False)
            self.show_error(exc, "Retry")

        self.session.runner.call(lambda: accounts.list_users(actor), on_result=loaded, on_error=failed, owner=self)

    def _selection_changed(self, _s: QItemSelection, _d: QItemSelection) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        user = self.selected_user()
        for widget in (self.reset_button, self.role_button, self.active_button, self.unlock_button):
            widget.setEnabled(user is not None)
        if user is None:
            self.selected_label.setText("Select a user to change their account.")
            return
        self.selected_label.setText(f"{user.display_name} ({user.username})")
        self.active_button.setText("Deactivate…" if user.active else "Reactivate…")
        self.unlock_button.setEnabled(user.is_locked)

    def _run(self, fn: Callable[[], Changes | Result[Any]], done_message: str, select: str | None) -> None:
        def done(result: Changes | Result[Any]) -> None:
            changes = changes_of(result)
            self._own_seq = max(self._own_seq, changes.last_audit_seq if changes else 0)
            self.reload(select)  # this page shows its own change itself, with the row selected

        run_write(self, fn, on_done=done, done_message=done_message)

    # -- actions --------------------------------------------------------------------------------------

    def add_user(self) -> FormDialog:
        dialog = FormDialog("Add a user", "Add user", self)
        dialog.setObjectName("addUserDialog")
        username = QLineEdit()
        username.setPlaceholderText("e.g. jdupont")
        full_name = QLineEdit()
        full_name.setPlaceholderText("e.g. Jeanne Dupont")
        role = QComboBox()
        for value, text in ROLE_CHOICES:
            role.addItem(text, value)
        passwords = _PasswordPair()
        must_change = QCheckBox("Must choose a new password at first login")
        must_change.setChecked(True)
        dialog.form.addRow("User name", username)
        dialog.form.addRow("Full name", full_name)
        dialog.form.addRow("Role", role)
        dialog.form.addRow("Initial password", passwords)
        dialog.form.addRow("", must_change)
        dialog.validate = lambda: ("Give a user name." if not username.text().strip() else
                                   "Give the person's full name." if not full_name.text().strip() else
                                   passwords.problem())
        accounts, actor = self.session.services.accounts, self.session.actor

        def accepted() -> None:
            # Read the form now: the dialog is gone (and widgets are GUI-thread only) when the job runs.
            name, display, chosen = username.text().strip().lower(), full_name.text(), Role(role.currentData())
            password, must = passwords.password(), must_change.isChecked()
            self._run(lambda: accounts.add_user(actor, name, display, chosen, password, must_change_password=must),
                      f"User {name} added.", name)

        ask(self, dialog, accepted)
        username.setFocus()
        return dialog

    def reset_password(self) -> FormDialog | None:
        user = self.selected_user()
        if user is None:
            return None
        dialog = FormDialog(f"Reset the password of {user.username}", "Reset password", self)
        dialog.setObjectName("resetPasswordDialog")
        passwords = _PasswordPair()
        dialog.form.addRow(label(f"{user.display_name} will have to choose a new password at the next login. "
                                 "This also unlocks the account.", wrap=True))
        dialog.form.addRow("New password", passwords)
        dialog.validate = passwords.problem
        accounts, actor = self.session.services.accounts, self.session.actor
        def accepted() -> None:
            password = passwords.password()
            self._run(lambda: accounts.reset_password(actor, user.username, password),
                      f"Password of {user.username} reset.", user.username)

        ask(self, dialog, accepted)
        return dialog

    def change_role(self) -> ReasonDialog | None:
        user = self.selected_user()
        if user is None:
            return None
        dialog = ReasonDialog(f"Change the role of {user.username}", f"{user.display_name} is {user.role.label}.",
                              ok_text="Change role", choices=ROLE_CHOICES, choice_label="New role",
                              current_choice=user.role.value, parent=self)
        dialog.setObjectName("roleDialog")
        accounts, actor = self.session.services.accounts, self.session.actor

        def accepted() -> None:
            new_role, reason = Role(str(dialog.choice_value())), dialog.reason_text()
            self._run(lambda: accounts.set_role(actor, user.username, new_role, reason),
                      f"{user.username} is now {new_role.label}.", user.username)

        ask(self, dialog, accepted)
        return dialog

    def toggle_active(self) -> ReasonDialog | None:
        user = self.selected_user()
        if user is None:
            return None
        activate = not user.active
        verb = "Reactivate" if activate else "Deactivate"
        prompt = (f"{user.display_name} will be able to log in again." if activate else
                  f"{user.display_name} will no longer be able to log in or act. Their history stays.")
        dialog = ReasonDialog(f"{verb} {user.username}", prompt, ok_text=verb, parent=self)
        dialog.setObjectName("activeDialog")
        accounts, actor = self.session.services.accounts, self.session.actor

        def accepted() -> None:
            reason = dialog.reason_text()
            self._run(lambda: accounts.set_active(actor, user.username, activate, reason),
                      f"{user.username} {'reactivated' if activate else 'deactivated'}.", user.username)

        ask(self, dialog, accepted)
        return dialog

    def unlock(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        accounts, actor = self.session.services.accounts, self.session.actor
        self._run(lambda: accounts.unlock(actor, user.username), f"{user.username} unlocked.", user.username)

    # -- page hooks ----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    def data_changed(self, changes: Changes) -> None:
        if changes.touches(USER) and changes.last_audit_seq > self._own_seq and self.isVisible():
            self.reload()
