"""The administrator's list of accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from biobank_desktop.core.services.accounts import UserInfo
from biobank_desktop.ui.formatting import DASH, local_time
from biobank_desktop.ui.theme import ERROR, MUTED, OK

AnyIndex = QModelIndex | QPersistentModelIndex

HEADERS = ("User name", "Full name", "Role", "Account", "Password", "Last login")
WIDTHS = (150, 270, 140, 200, 160, 170)


def account_state(user: UserInfo) -> str:
    if not user.active:
        return "Deactivated"
    if user.is_locked:
        return f"Locked until {local_time(user.locked_until)}"
    return "Active"


class UserTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._users: list[UserInfo] = []

    def set_users(self, users: Sequence[UserInfo]) -> None:
        self.beginResetModel()
        self._users = list(users)
        self.endResetModel()

    def user(self, row: int) -> UserInfo | None:
        return self._users[row] if 0 <= row < len(self._users) else None

    def row_of(self, username: str) -> int:
        for row, user in enumerate(self._users):
            if user.username == username:
                return row
        return -1

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._users)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._users) or index.column() >= len(HEADERS):
            return None
        user = self._users[index.row()]
        column = index.column()
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
