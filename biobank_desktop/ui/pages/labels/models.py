"""Table models of the Labels page: print jobs, a job's labels, print rules, a template's elements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.model import (
    DATA_FIELDS,
    FIELD_LABELS,
    LITERAL_FIELD,
    RENDER_KINDS,
    LabelElement,
)
from biobank_desktop.core.services.labelling import JobInfo, JobItemInfo, RuleInfo
from biobank_desktop.ui.formatting import DASH, local_time
from biobank_desktop.ui.models.base import AnyIndex, ReadOnlyTableModel
from biobank_desktop.ui.operations.printing import ITEM_STATUS_TEXT, JOB_STATUS_TEXT, printer_message
from biobank_desktop.ui.theme import ERROR, MUTED, OK, WARN

_JOB_COLOURS = {"printed": OK, "failed": ERROR, "partial": WARN, "printing": WARN, "cancelled": MUTED,
                "queued": MUTED}
_ITEM_COLOURS = {"sent": OK, "failed": ERROR, "skipped": MUTED, "queued": MUTED}
RENDER_TEXT = {"text": "Text", "code128": "Code 128", "datamatrix": "DataMatrix"}


class JobTableModel(ReadOnlyTableModel[JobInfo]):
    HEADERS = ("Job", "Queued", "Source", "Template", "Printer", "Printed", "Status", "Printer's message")
    WIDTHS = (56, 150, 120, 140, 140, 84, 130, 200)

    def job(self, row: int) -> JobInfo | None:
        return self.row_at(row)

    def row_of(self, job_id: int) -> int:
        return next((r for r, job in enumerate(self._rows) if job.id == job_id), -1)

    def cell(self, job: JobInfo, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(job.id), local_time(job.created_at), job.source + (" (reprint)" if job.is_reprint else ""),
                    job.template_name, job.printer_name or DASH, f"{job.sent} of {job.total}",
                    JOB_STATUS_TEXT.get(job.status, job.status), printer_message(job))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 7 and job.message:
                return job.message
            if column == 2 and job.reason:
                return f"Reason: {job.reason}"
        if role == Qt.ItemDataRole.ForegroundRole and column in (6, 7):
            return QColor(ERROR if column == 7 else _JOB_COLOURS.get(job.status, MUTED))
        if role == Qt.ItemDataRole.UserRole:
            return job.id
        return None


class JobItemModel(ReadOnlyTableModel[JobItemInfo]):
    HEADERS = ("#", "Sample", "Status")
    WIDTHS = (48, 230, 200)

    def item(self, row: int) -> JobItemInfo | None:
        return self.row_at(row)

    def items(self) -> list[JobItemInfo]:
        return list(self._rows)

    def cell(self, item: JobItemInfo, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(item.position), item.sample_code, ITEM_STATUS_TEXT.get(item.status, item.status))[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            if item.status == "sent" and item.sent_at is not None:
                return f"Printed {local_time(item.sent_at)}"
            return ITEM_STATUS_TEXT.get(item.status, item.status)
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return QColor(_ITEM_COLOURS.get(item.status, MUTED))
        if role == Qt.ItemDataRole.UserRole:
            return item.position
        return None


class RuleTableModel(ReadOnlyTableModel[RuleInfo]):
    HEADERS = ("Study", "Sample type", "Workstation", "Template", "Printer")
    WIDTHS = (160, 140, 200, 200, 180)

    def rule(self, row: int) -> RuleInfo | None:
        return self.row_at(row)

    def cell(self, rule: RuleInfo, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (rule.study_code or "Any study", rule.sample_type or "Any type",
                    rule.workstation or "Any workstation", rule.template_name,
                    rule.printer_name or "This workstation's first printer")[column]
        if role == Qt.ItemDataRole.ForegroundRole and column in (0, 1, 2, 4):
            value = (rule.study_code, rule.sample_type, rule.workstation, None, rule.printer_name)[column]
            return QColor(MUTED) if value is None else None
        if role == Qt.ItemDataRole.UserRole:
            return rule.id
        return None


# -- the designer's elements -----------------------------------------------------------------------------

#: (key, header, width) of the editable columns, in order.
ELEMENT_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("field", "Field", 140),
    ("render", "Shows as", 112),
    ("x_mm", "X\nmm", 60),
    ("y_mm", "Y\nmm", 60),
    ("width_mm", "Width\nmm", 74),
    ("height_mm", "Height\nmm", 76),
    ("font_size_pt", "Font\npt", 60),
    ("rotation", "Turn", 62),
    ("max_chars", "Max\nchars", 70),
    ("bold", "Bold", 58),
    ("text", "Fixed text", 100),
)
COLUMN_OF = {key: column for column, (key, _header, _width) in enumerate(ELEMENT_COLUMNS)}
FIELD_CHOICES: tuple[tuple[str, str], ...] = tuple((f, FIELD_LABELS[f]) for f in (*DATA_FIELDS, LITERAL_FIELD))
RENDER_CHOICES: tuple[tuple[str, str], ...] = tuple((r, RENDER_TEXT[r]) for r in RENDER_KINDS)
_DEFAULTS = {item.name: item.default for item in fields(LabelElement)}


def element_row(element: LabelElement) -> dict[str, Any]:
    return {item.name: getattr(element, item.name) for item in fields(LabelElement)}


def _number(value: float | None) -> str:
    return "auto" if value is None else f"{value:g}"


class ElementTableModel(QAbstractTableModel):
    """A template's elements as editable rows of raw values.

    Rows may be invalid while being edited (a barcode without a height): :meth:`elements` builds the
    LabelElements and raises ValidationError naming the row and the problem. Changing "Shows as"
    tidies the row (a barcode has no font size; text gets one). ``edited`` after every change.
    """

    edited = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[dict[str, Any]] = []
        self.read_only = True

    def set_elements(self, elements: Sequence[LabelElement], *, read_only: bool) -> None:
        self.beginResetModel()
        self._rows = [element_row(e) for e in elements]
        self.read_only = read_only
        self.endResetModel()

    def elements(self) -> tuple[LabelElement, ...]:
        built: list[LabelElement] = []
        for number, row in enumerate(self._rows, start=1):
            try:
                built.append(LabelElement(**row))
            except ValidationError as exc:
                raise ValidationError(f"Row {number}: {exc.message}", hint=exc.hint) from None
        return tuple(built)

    def row_values(self, row: int) -> dict[str, Any]:
        return dict(self._rows[row])

    # -- Qt ----------------------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ELEMENT_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(ELEMENT_COLUMNS):
            return ELEMENT_COLUMNS[section][1]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None

    def _editable(self, row: dict[str, Any], key: str) -> bool:
        if self.read_only:
            return False
        barcode = row["render"] != "text"
        if key in ("font_size_pt", "bold") and barcode:
            return False
        return not (key == "text" and row["field"] != LITERAL_FIELD)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        key = ELEMENT_COLUMNS[index.column()][0]
        if self._editable(self._rows[index.row()], key):
            base |= Qt.ItemFlag.ItemIsUserCheckable if key == "bold" else Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(ELEMENT_COLUMNS):
            return None
        row = self._rows[index.row()]
        key = ELEMENT_COLUMNS[index.column()][0]
        value = row[key]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "field":
                return FIELD_LABELS.get(value, value)
            if key == "render":
                return RENDER_TEXT.get(value, value)
            if key in ("x_mm", "y_mm"):
                return f"{value:g}"
            if key in ("width_mm", "height_mm"):
                return _number(value)
            if key == "font_size_pt":
                return DASH if value is None else f"{value:g}"
            if key == "rotation":
                return f"{value}°"
            if key == "max_chars":
                return "any" if value is None else str(value)
            if key == "text":
                return value or ""
            return None
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == Qt.ItemDataRole.CheckStateRole and key == "bold":
            return None if row["render"] != "text" else (Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
        if role == Qt.ItemDataRole.ForegroundRole and not self._editable(row, key) and not self.read_only:
            return QColor(MUTED)
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.row() >= len(self._rows):
            return False
        row = self._rows[index.row()]
        key = ELEMENT_COLUMNS[index.column()][0]
        if not self._editable(row, key):
            return False
        if key == "bold":
            if role != Qt.ItemDataRole.CheckStateRole:
                return False
            state = value.value if isinstance(value, Qt.CheckState) else value
            row["bold"] = state == Qt.CheckState.Checked.value
        elif role != Qt.ItemDataRole.EditRole:
            return False
        elif key in ("width_mm", "height_mm", "font_size_pt"):
            number = None if value in (None, "") else float(value)
            row[key] = None if number is not None and number <= 0 else number
        elif key in ("x_mm", "y_mm"):
            row[key] = max(0.0, float(value))
        elif key in ("rotation", "max_chars"):
            number = None if value in (None, "") else int(value)
            row[key] = (number or None) if key == "max_chars" else (number or 0)
        elif key == "render":
            self._set_render(row, str(value))
        elif key == "field":
            row["field"] = str(value)
            if row["field"] == LITERAL_FIELD and not row["text"]:
                row["text"] = "Text"
            elif row["field"] != LITERAL_FIELD:
                row["text"] = None
        else:
            row[key] = str(value) if value else None
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(ELEMENT_COLUMNS) - 1))
        self.edited.emit()
        return True

    @staticmethod
    def _set_render(row: dict[str, Any], render: str) -> None:
        """A barcode has no font, bold, prefix or alignment and needs a box; text needs a font size."""
        row["render"] = render
        if render == "text":
            row["module_mm"] = None
            row["font_size_pt"] = row["font_size_pt"] or 6.0
        else:
            for key in ("font_size_pt", "min_font_size_pt"):
                row[key] = None
            row["bold"], row["prefix"], row["align"] = False, "", "left"
            row["width_mm"] = row["width_mm"] or 8.0
            row["height_mm"] = row["height_mm"] or 8.0

    def add_element(self, x_mm: float = 1.0, y_mm: float = 1.0) -> int:
        row = dict(_DEFAULTS)
        row.update(field="sample_id", render="text", x_mm=x_mm, y_mm=y_mm, font_size_pt=6.0)
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(row)
        self.endInsertRows()
        self.edited.emit()
        return len(self._rows) - 1

    def remove_element(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            self.edited.emit()
