"""Table models of the Exchange page: the column mapping, the problems grouped by cause, the import history.

The preview of the rows (lazy, with the bad cells highlighted) is in :mod:`exchange_preview`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from biobank_desktop.core.services.exchange.service import ImportInfo
from biobank_desktop.core.spreadsheets.layout import Table
from biobank_desktop.core.spreadsheets.mapping import Suggestion
from biobank_desktop.core.spreadsheets.reading import shown
from biobank_desktop.core.spreadsheets.validation import ProblemGroup
from biobank_desktop.ui.models.base import ReadOnlyTableModel
from biobank_desktop.ui.theme import ERROR, ERROR_SOFT, MUTED, OK, WARN, WARN_SOFT

AnyIndex = QModelIndex | QPersistentModelIndex
SAMPLE_VALUES = 3  # distinct values shown per column
SAMPLE_SCAN_ROWS = 200  # rows looked at to find them


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExchangeModels", text)


@dataclass(frozen=True)
class MappingRow:
    """One column of the sheet as the mapping step shows it."""

    letter: str
    header: str
    samples: str
    field: str | None  # the field key it is imported as (None: not imported)
    confidence: float | None  # the suggestion's confidence, None when the technician chose the field
    left_out: str | None  # why a direct identifier is never imported


def mapping_rows(table: Table, columns: Mapping[str, str], suggestion: Suggestion) -> list[MappingRow]:
    """The mapping step's rows: every column of ``table``, the field ``columns`` (field → header) maps to it,
    and how sure the suggestion was (None when the field differs from the suggestion's)."""
    by_header = {header: key for key, header in columns.items()}
    suggested = dict(suggestion.mapping.columns)
    left = {lo.header: lo.reason for lo in suggestion.left_out}
    rows: list[MappingRow] = []
    for index, column in enumerate(table.columns):
        seen: list[str] = []
        for data in table.rows[:SAMPLE_SCAN_ROWS]:
            value = data.values[index] if index < len(data.values) else None
            text = shown(value) if value is not None else ""
            if text and text not in seen:
                seen.append(text)
                if len(seen) == SAMPLE_VALUES:
                    break
        key = by_header.get(column.header)
        confidence: float | None = None
        if key is not None and suggested.get(key) == column.header:
            confidence = float(suggestion.confidence.get(key, 0.0))
        rows.append(MappingRow(column.letter, column.header, " · ".join(seen), key, confidence,
                               left.get(column.header)))
    return rows


class MappingTableModel(ReadOnlyTableModel[MappingRow]):
    """Columns of the sheet → fields. The "Imported as" cell is editable (a combo of fields, see the page's
    delegate); choosing emits :attr:`field_chosen` and the page applies it to the wizard, then calls
    :meth:`update_rows`."""

    FIELD_COLUMN = 3
    ALIGN_CELLS = True
    field_chosen = Signal(str, object)  # header, field key or None (not imported)

    def __init__(self) -> None:
        super().__init__()
        self._labels: dict[str, str] = {}

    def titles(self) -> Sequence[str]:
        return (_tr("Column"), _tr("Header in the file"), _tr("Sample values"), _tr("Imported as"),
                _tr("Confidence"))

    def set_labels(self, labels: Mapping[str, str]) -> None:
        """Field key → label (what the "Imported as" cell shows)."""
        self._labels = dict(labels)

    def update_rows(self, rows: Sequence[MappingRow]) -> None:
        """New rows; when the columns are the same, in place (persistent editors survive and are updated)."""
        if [(r.letter, r.header) for r in rows] != [(r.letter, r.header) for r in self._rows]:
            self.set_rows(rows)
            return
        self._rows = list(rows)
        last = len(self.titles()) - 1
        for row in range(len(self._rows)):  # one row at a time: a view updates a persistent editor only then
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))
            cell = self.index(row, self.FIELD_COLUMN)
            self.dataChanged.emit(cell, cell)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        row = self.row_at(index.row()) if index.isValid() else None
        if row is not None and index.column() == self.FIELD_COLUMN and row.left_out is None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def cell(self, item: MappingRow, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(item, column)
        if role == Qt.ItemDataRole.EditRole:
            return item.field if column == self.FIELD_COLUMN else self._text(item, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.left_out is not None:
                return QColor(ERROR) if column == self.FIELD_COLUMN else QColor(MUTED)
            if column == 4 and item.confidence is not None:
                return QColor(OK if item.confidence >= 0.8 else WARN if item.confidence >= 0.5 else ERROR)
            if column == self.FIELD_COLUMN and item.field is None:
                return QColor(MUTED)
        if role == Qt.ItemDataRole.BackgroundRole:
            if item.left_out is not None:
                return QColor(ERROR_SOFT)
            if column == 4 and item.confidence is not None and item.confidence < 0.5:
                return QColor(WARN_SOFT)
        if role == Qt.ItemDataRole.FontRole and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, item: MappingRow, column: int) -> str:
        if column == 0:
            return item.letter
        if column == 1:
            return item.header
        if column == 2:
            return item.samples
        if column == self.FIELD_COLUMN:
            if item.left_out is not None:
                return _tr("Left out: {reason}").format(reason=item.left_out)
            return self._labels.get(item.field, item.field) if item.field else _tr("— not imported —")
        if item.left_out is not None or item.field is None:
            return ""
        if item.confidence is None:
            return _tr("chosen by you")
        level = _tr("high") if item.confidence >= 0.8 else _tr("medium") if item.confidence >= 0.5 else _tr("low")
        return f"{item.confidence:.0%} ({level})"

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        row = self._rows[index.row()]
        key = value or None
        if key == row.field:
            return False
        self.field_chosen.emit(row.header, key)
        return True


class ProblemGroupModel(ReadOnlyTableModel[ProblemGroup]):
    """The problems grouped by cause: "the same problem in 412 rows: …"."""

    ALIGN_CELLS = True

    def titles(self) -> Sequence[str]:
        return (_tr("Severity"), _tr("Rows"), _tr("Problem"))

    def right_aligned(self, column: int) -> bool:
        return column == 1

    def cell(self, item: ProblemGroup, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return _tr("Error") if item.severity == "error" else _tr("Warning")
            if column == 1:
                return f"{item.count:,}" if item.rows else _tr("file")
            return _group_summary(item)
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QColor(ERROR if item.severity == "error" else WARN)
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return QColor(ERROR_SOFT if item.severity == "error" else WARN_SOFT)
        return None


def _group_summary(group: ProblemGroup) -> str:
    where = _tr(" (column {letter}, {header})").format(letter=group.column, header=group.header) \
        if group.column else ""
    if group.count <= 1:
        return f"{group.message}{where}"
    return _tr("The same problem in {count} rows{where}: {message}").format(
        count=f"{group.count:,}", where=where, message=group.message)


class ImportHistoryModel(ReadOnlyTableModel[ImportInfo]):
    """The import history: who, when, which file, counts."""

    ALIGN_CELLS = True

    def titles(self) -> Sequence[str]:
        return (_tr("When (UTC)"), _tr("Who"), _tr("Kind"), _tr("File"), _tr("Partner"), _tr("Read"),
                _tr("Valid"), _tr("Imported"), _tr("Shipment"))

    def right_aligned(self, column: int) -> bool:
        return column in (5, 6, 7)

    def cell(self, item: ImportInfo, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return _tr("SHA-256 {digest}").format(digest=item.sha256)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            when = item.imported_at
            return when.strftime("%Y-%m-%d %H:%M") if hasattr(when, "strftime") else str(when)
        if column == 1:
            return item.imported_by
        if column == 2:
            kind = _tr("manifest") if item.kind == "manifest" else _tr("inventory")
            return kind + (_tr(" (valid rows only)") if item.valid_rows_only else "")
        if column == 3:
            return item.file_name
        if column == 4:
            return item.partner or ""
        if column in (5, 6, 7):
            return f"{(item.rows_read, item.rows_valid, item.rows_imported)[column - 5]:,}"
        return item.shipment or ""
