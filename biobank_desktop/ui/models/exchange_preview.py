"""The import preview: the sheet's rows as read, a page at a time, bad cells red and doubtful ones amber.

The rows come from the import wizard (already in memory after the read); the model asks for them
``PAGE_SIZE`` at a time as the view scrolls (``canFetchMore``/``fetchMore``), so a 100,000-row sheet
costs only the rows looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from biobank_desktop.core.flows.import_wizard import PreviewRow
from biobank_desktop.ui.models.base import ReadOnlyTableModel
from biobank_desktop.ui.theme import ERROR, ERROR_SOFT, WARN_SOFT

AnyIndex = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200

#: fetch(start, count) → the rows start..start+count of the preview
Fetch = Callable[[int, int], Sequence[PreviewRow]]


class PreviewTableModel(ReadOnlyTableModel[PreviewRow]):
    """Column 0 is the row number as the spreadsheet shows it; then one column per column of the sheet."""

    def __init__(self, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.page_size = page_size
        self._headers: tuple[str, ...] = ()
        self._fetch: Fetch | None = None
        self._total = 0
        self._positions: dict[int, int] = {}
        self._fetching = False  # fetchMore is not re-entered (a listener of the insert may ask for more)

    def titles(self) -> Sequence[str]:
        return self._headers

    def set_source(self, headers: Sequence[str], total: int, fetch: Fetch, positions: Mapping[int, int]) -> None:
        """``total`` rows, read through ``fetch``; ``positions``: spreadsheet row number → position here."""
        self.beginResetModel()
        self._headers = (QCoreApplication.translate("ExchangeModels", "Row"), *headers)
        self._total = total
        self._fetch = fetch
        self._positions = dict(positions)
        self._rows = list(fetch(0, min(self.page_size, total))) if total else []
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._headers, self._total, self._fetch, self._positions, self._rows = (), 0, None, {}, []
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return (not parent.isValid() and not self._fetching and self._fetch is not None
                and len(self._rows) < self._total)

    def fetchMore(self, parent: AnyIndex) -> None:
        if not self.canFetchMore(parent):
            return
        assert self._fetch is not None
        first = len(self._rows)
        rows = list(self._fetch(first, min(self.page_size, self._total - first)))
        if not rows:
            self._total = first  # the source has fewer rows than it said: stop asking
            return
        self._fetching = True
        try:
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        finally:
            self._fetching = False

    def position_of(self, number: int) -> int | None:
        """The model row showing spreadsheet row ``number`` (reading pages up to it), None if not shown."""
        position = self._positions.get(number)
        if position is None or position >= self._total:
            return None
        while position >= len(self._rows) and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        return position if position < len(self._rows) else None

    def cell(self, item: PreviewRow, column: int, role: int) -> Any:
        value_index = column - 1
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(item.number)
            return item.values[value_index] if value_index < len(item.values) else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(item.messages) or None
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == 0:
                return QColor(ERROR_SOFT) if item.bad else None
            if value_index in item.bad:
                return QColor(ERROR_SOFT)
            if value_index in item.warned:
                return QColor(WARN_SOFT)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == 0 and item.bad:
            return QColor(ERROR)
        if role == Qt.ItemDataRole.FontRole and (column == 0 or value_index in item.bad):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignVCenter | (Qt.AlignmentFlag.AlignRight if column == 0
                                                         else Qt.AlignmentFlag.AlignLeft))
        return None
