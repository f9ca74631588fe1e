"""The one spreadsheet writer: .xlsx (streamed, openpyxl write-only) and .csv, for every export.

What every file it writes has:

- a header block above the table saying what the file is, when it was made, by whom and from which
  database (plus any details, such as the filters of a search), then one bold header row, frozen, with an
  autofilter over the table;
- real dates, datetimes, times and numbers (not text): a date is a date cell with a date format; an aware
  datetime is written in the workstation's local time (spreadsheets have no time zones; the header block
  says so);
- column widths fitted to the header and the first rows;
- text that cannot run as a formula (formula injection, OWASP "CSV injection"): in .xlsx a text cell is always
  written as a string cell, and one beginning with ``= + - @``, tab or carriage return also carries Excel's
  "quote prefix" style so re-typing it in Excel keeps it text; the value itself is unchanged, so it reads back
  as the same text. In .csv, where no cell type exists, such text is written with a leading apostrophe, which
  :func:`unescape_csv_text` (used by this application's CSV reader) removes again.

Rows are streamed: a 100,000-row export keeps only the first :data:`WIDTH_SAMPLE_ROWS` rows in memory (to fit
the widths) and writes to a temporary file next to the target, renamed into place only when complete. A
cancelled or failed write leaves no file behind (and an existing file at the target untouched).

Callers describe the file with :class:`Column`, :class:`HeaderBlock` and :class:`SheetSpec` and call
:func:`write_workbook` (one or more sheets, .xlsx) or :func:`write_csv` (one table); :func:`write_table`
chooses by the file's suffix. This API is used by other workflows (box maps, reports): keep it stable.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal, TextIO

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress

ColumnKind = Literal["text", "int", "number", "decimal", "date", "datetime", "time", "bool"]

#: Text that a spreadsheet program may take as the start of a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: Rows kept in memory to fit the column widths before streaming starts.
WIDTH_SAMPLE_ROWS = 1000

_DEFAULT_FORMATS: dict[str, str] = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "time": "hh:mm",
    "int": "0",
    "decimal": "0.00",
}
_MIN_WIDTH = 6.0
_MAX_WIDTH = 60.0
_PROGRESS_EVERY = 2000
_MAX_SHEET_ROWS = 1_048_576


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, the kind of its values, an optional number format and width.

    ``description`` is what the column holds, for a "columns" sheet (full export) or a template's notes.
    """

    header: str
    kind: ColumnKind = "text"
    number_format: str | None = None
    width: float | None = None
    description: str = ""


@dataclass(frozen=True)
class HeaderBlock:
    """The lines above a table: what (title), when, who, which database, then any details (label, value)."""

    title: str
    created_by: str
    database: str
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    details: Sequence[tuple[str, str]] = ()

    def lines(self) -> list[tuple[str, str]]:
        when = _local_naive(self.created_at).strftime("%Y-%m-%d %H:%M")
        return [
            ("Created", f"{when} (local time)"),
            ("By", self.created_by),
            ("Database", self.database),
            *self.details,
        ]


@dataclass(frozen=True)
class ListValidation:
    """A dropdown on a column: the allowed values are ``source`` (a range such as ``'Codes'!$A$2:$A$40``)."""

    column: int  # zero-based index into the sheet's columns
    source: str
    prompt: str = ""


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: its name, columns and rows (any iterable, consumed once), optional header block.

    ``total_rows`` (when known) lets progress say how far along the write is. ``validations`` add dropdown
    lists over ``validation_rows`` empty rows below the header (a template to fill in). ``hidden`` hides
    the sheet (the code lists behind a template's dropdowns). ``highlights`` fills cells in red (zero-based
    data row index → zero-based column indexes): the bad cells of an error workbook.
    """

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]]
    header: HeaderBlock | None = None
    total_rows: int | None = None
    validations: Sequence[ListValidation] = ()
    validation_rows: int = 1000
    hidden: bool = False
    highlights: Mapping[int, Collection[int]] = field(default_factory=dict)  # data row index → column indexes


@dataclass(frozen=True)
class WriteResult:
    """What was written: the file and the number of data rows per sheet (header rows not counted)."""

    path: Path
    rows: dict[str, int]


# -- formula injection --------------------------------------------------------------------------------------


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet program could take ``text`` for a formula if it were typed in."""
    return text.startswith(FORMULA_TRIGGERS)


def escape_csv_text(text: str) -> str:
    """``text`` made safe for a CSV cell: a leading apostrophe before anything formula-like.

    Reversible: an apostrophe is also added before text that already is apostrophes followed by a
    trigger, so :func:`unescape_csv_text` gives back exactly ``text``.
    """
    stripped = text.lstrip("'")
    if is_formula_like(stripped):
        return "'" + text
    return text


def unescape_csv_text(text: str) -> str:
    """The inverse of :func:`escape_csv_text` (the CSV reader applies it to every text cell)."""
    if text.startswith("'") and is_formula_like(text.lstrip("'")):
        return text[1:]
    return text


# -- cell values ------------------------------------------------------------------------------------------


def _local_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


def cell_value(value: object) -> object:
    """A value as it goes into an .xlsx cell: aware datetimes in local time, other values as they are."""
    if isinstance(value, dt.datetime):
        return _local_naive(value)
    return value


def csv_text(value: object) -> str:
    """A value as it goes into a CSV cell: ISO dates and times, '.' decimals, booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return _local_naive(value).isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    return escape_csv_text(str(value))


def _shown_width(value: object) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.datetime):
        return 16.0
    if isinstance(value, dt.date):
        return 10.0
    text = str(value)
    longest = max((len(line) for line in text.splitlines()), default=0)
    return float(longest)


def fitted_widths(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> list[float]:
    """Widths (in characters) that fit each column's header and the given rows, within 6..60."""
    widths: list[float] = []
    for index, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        widest = max([len(column.header) + 2.0, *(_shown_width(row[index]) + 1.0 for row in rows
                                                  if index < len(row))])
        widths.append(min(max(widest, _MIN_WIDTH), _MAX_WIDTH))
    return widths


# -- writing --------------------------------------------------------------------------------------------------


def write_table(path: Path, sheet: SheetSpec, *, progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled) -> WriteResult:
    """Write one table as .xlsx or .csv, chosen by ``path``'s suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(path, sheet, progress=progress, cancelled=cancelled)
    if suffix in (".xlsx", ".xlsm"):
        return write_workbook(path, [sheet], progress=progress, cancelled=cancelled)
    raise ValidationError(f"Cannot write '{path.name}': the file name must end in .xlsx or .csv.",
                          hint="Choose a name ending in .xlsx (Excel) or .csv.")


def write_workbook(path: Path, sheets: Sequence[SheetSpec], *, progress: ProgressFn = no_progress,
                   cancelled: CancelledFn = never_cancelled) -> WriteResult:
    """Write ``sheets`` into one .xlsx at ``path`` (streamed; nothing left behind if cancelled or failed)."""
    from openpyxl import Workbook

    if not sheets:
        raise ValidationError("Nothing to write: no sheet was given.")
    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    expected = sum(s.total_rows or 0 for s in sheets)
    done = 0
    with _Replacing(path) as temporary:
        for sheet in sheets:
            check_cancelled(cancelled, "Export cancelled: no file was written.")
            worksheet = workbook.create_sheet(title=_sheet_title(sheet.name))
            written = _write_sheet(worksheet, sheet, progress, cancelled, done_before=done, expected=expected)
            counts[sheet.name] = written
            done += written
        progress(1.0 if expected else 0.0, "Saving the workbook…")
        workbook.save(temporary)
    progress(1.0, "Workbook written.")
    return WriteResult(path, counts)


def write_csv(path: Path, sheet: SheetSpec, *, progress: ProgressFn = no_progress,
              cancelled: CancelledFn = never_cancelled, delimiter: str = ",",
              with_header_block: bool = False) -> WriteResult:
    """Write one table as UTF-8 CSV with a BOM (so Excel reads accents right), header row first.

    The header block is left out by default (a CSV is read by programs that expect the header on line 1);
    ``with_header_block=True`` writes it as ``# label: value`` lines above the header.
    """
    count = 0
    with _Replacing(path) as temporary, temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        out = _CsvOut(handle, delimiter)
        if with_header_block and sheet.header is not None:
            out.writerow([escape_csv_text(f"# {sheet.header.title}")])
            for label, value in sheet.header.lines():
                out.writerow([escape_csv_text(f"# {label}: {value}")])
        out.writerow([escape_csv_text(c.header) for c in sheet.columns])
        for row in sheet.rows:
            out.writerow([csv_text(v) for v in row])
            count += 1
            if count % _PROGRESS_EVERY == 0:
                check_cancelled(cancelled, "Export cancelled: no file was written.")
                progress(count / sheet.total_rows if sheet.total_rows else 0.0, f"{count:,} rows written…")
    progress(1.0, "File written.")
    return WriteResult(path, {sheet.name: count})


_QUOTE_WHEN: Final = frozenset(',;\t|"\r\n')


class _CsvOut:
    """CSV rows in which any text holding a character some reader may take as a delimiter (, ; tab |), a quote
    or a line break is quoted, so whatever delimiter a reader guesses, the row keeps its fields."""

    def __init__(self, handle: TextIO, delimiter: str) -> None:
        self.handle, self.delimiter = handle, delimiter
        self.special = _QUOTE_WHEN | {delimiter}

    def writerow(self, values: Sequence[str]) -> None:
        cells = [f'"{v.replace(chr(34), chr(34) * 2)}"' if any(ch in self.special for ch in v) else v
                 for v in values]
        if cells == [""]:
            cells = ['""']  # a row of one empty cell is not a blank line
        self.handle.write(self.delimiter.join(cells) + "\r\n")


def _sheet_title(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
    return cleaned[:31]


class _Replacing:
    """Context: a temporary path next to ``path``; renamed onto ``path`` on success, removed on failure."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Path:
        directory = self.path.parent
        if not directory.is_dir():
            raise ValidationError(f"Cannot write '{self.path}': the folder '{directory}' does not exist.",
                                  hint="Choose an existing folder.")
        handle, name = tempfile.mkstemp(prefix=".~", suffix=self.path.suffix, dir=directory)
        os.close(handle)
        self.temporary = Path(name)
        return self.temporary

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if kind is None:
            try:
                os.replace(self.temporary, self.path)
            except OSError as exc:
                self.temporary.unlink(missing_ok=True)
                raise ValidationError(f"Cannot write '{self.path}': {exc.strerror or exc}.",
                                      hint="Close the file if a spreadsheet program has it open, "
                                           "or choose another name.") from None
        else:
            self.temporary.unlink(missing_ok=True)


def _write_sheet(ws: Any, sheet: SheetSpec, progress: ProgressFn, cancelled: CancelledFn, *,
                 done_before: int, expected: int) -> int:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = list(sheet.columns)
    if not columns:
        raise ValidationError(f"Sheet '{sheet.name}' has no columns.")
    rows_iter: Iterator[Sequence[object]] = iter(sheet.rows)
    head = list(itertools.islice(rows_iter, WIDTH_SAMPLE_ROWS))
    for index, width in enumerate(fitted_widths(columns, head), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if sheet.hidden:
        ws.sheet_state = "hidden"

    bold = Font(bold=True)
    title_font = Font(bold=True, size=13)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    block_rows = 0
    if sheet.header is not None:
        block_rows = len(sheet.header.lines()) + 2  # title + lines + blank
    header_row = block_rows + 1
    last_col = get_column_letter(len(columns))
    ws.freeze_panes = f"A{header_row + 1}"

    def styled(value: object, font: Font | None = None, fill: PatternFill | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=None)
        _set_text(cell, value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    if sheet.header is not None:
        ws.append([styled(sheet.header.title, title_font)])
        for label, value in sheet.header.lines():
            ws.append([styled(label, bold), styled(value)])
        ws.append([])
    ws.append([styled(c.header, bold, header_fill) for c in columns])

    formats = [c.number_format or _DEFAULT_FORMATS.get(c.kind) for c in columns]
    count = 0
    room = _MAX_SHEET_ROWS - header_row
    bad_fill = PatternFill("solid", fgColor="FFC7CE")
    for row in itertools.chain(head, rows_iter):
        marked = sheet.highlights.get(count, ())
        cells = [_data_cell(ws, value, formats[i] if i < len(formats) else None) for i, value in enumerate(row)]
        for i in marked:
            if i < len(cells):
                cell = cells[i]
                if not isinstance(cell, Cell):
                    cell = WriteOnlyCell(ws)
                    _set_text(cell, row[i])
                cell.fill = bad_fill
                cells[i] = cell
        ws.append(cells)
        count += 1
        if count > room:
            raise ValidationError(f"Sheet '{sheet.name}' has more than {room:,} rows: a spreadsheet holds at most "
                                  f"{_MAX_SHEET_ROWS:,} rows.", hint="Export to CSV, or narrow the selection.")
        if count % _PROGRESS_EVERY == 0:
            check_cancelled(cancelled, "Export cancelled: no file was written.")
            fraction = (done_before + count) / expected if expected else 0.0
            progress(min(fraction, 0.99), f"{done_before + count:,} rows written…")
    ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + max(count, 1)}"
    for validation in sheet.validations:
        letter = get_column_letter(validation.column + 1)
        rule = DataValidation(type="list", formula1=validation.source, allow_blank=True,
                              showDropDown=False, showErrorMessage=True,
                              errorTitle="Not in the list", error="Choose a value from the list.",
                              prompt=validation.prompt or None, showInputMessage=bool(validation.prompt))
        rule.add(f"{letter}{header_row + 1}:{letter}{header_row + max(sheet.validation_rows, count, 1)}")
        ws.data_validations.append(rule)
    return count


def _set_text(cell: Any, value: object) -> None:
    """Put ``value`` in ``cell``; text is always a string cell (never a formula), quote-prefixed if risky."""
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = cell_value(value)


def _data_cell(ws: Any, value: object, number_format: str | None) -> object:
    """What to append for ``value``: plain values as they are (fast path), a styled cell where needed."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if not value.startswith(FORMULA_TRIGGERS):
            return value
    elif isinstance(value, int | float | Decimal) and number_format is None:
        return value
    cell = WriteOnlyCell(ws)
    _set_text(cell, value)
    if isinstance(value, str):
        return cell
    if number_format is not None:
        cell.number_format = number_format
    elif isinstance(value, dt.datetime):
        cell.number_format = _DEFAULT_FORMATS["datetime"]
    elif isinstance(value, dt.date):
        cell.number_format = _DEFAULT_FORMATS["date"]
    elif isinstance(value, dt.time):
        cell.number_format = _DEFAULT_FORMATS["time"]
    return cell
