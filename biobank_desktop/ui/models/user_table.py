"""The administrator's list of accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from biobank_desktop.core.services.accounts import UserInfo
from biobank_desktop.ui.formatting import DASH, local_time
from biobank_desktop.ui.models.base import ReadOnlyTableModel
from biobank_desktop.ui.theme import ERROR, MUTED, OK

WIDTHS = (140, 260, 130, 150, 120, 170)


def account_state(user: UserInfo) -> str:
    if not user.active:
        return "Deactivated"
    if user.is_locked:
        return f"Locked until {local_time(user.locked_until)}"
    return "Active"


class UserTableModel(ReadOnlyTableModel[UserInfo]):
    HEADERS = ("User name", "Full name", "Role", "Account", "Password", "Last login")

    def set_users(self, users: Sequence[UserInfo]) -> None:
        self.set_rows(users)

    def user(self, row: int) -> UserInfo | None:
        return self.row_at(row)

    def row_of(self, username: str) -> int:
        for row, user in enumerate(self._rows):
            if user.username == username:
                return row
        return -1

    def cell(self, item: UserInfo, column: int, role: int) -> Any:
        user = item
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return user.username
            if column == 1:
                return user.display_name
            if column == 2:
                return user.role.label
            if column == 3:
                return account_state(user)
            if column == 4:
                return "Must be changed" if user.must_change_password else "Set"
            return local_time(user.last_login_at) if user.last_login_at else DASH
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            state = account_state(user)
            return QColor(OK if state == "Active" else ERROR if state.startswith("Locked") else MUTED)
        if role == Qt.ItemDataRole.UserRole:
            return user.username
        return None
