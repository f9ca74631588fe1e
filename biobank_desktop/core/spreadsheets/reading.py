"""Opening a spreadsheet file and reading one sheet's cells, whatever the format.

Which reader does what:

- **python-calamine** reads every cell value of .xlsx/.xlsm, .xls and .ods (about 13× faster than openpyxl):
  numbers come back as float, dates as ``date``/``datetime``, time-only cells as ``time``, empty cells as
  ``''``, a formula as its cached value. It also gives the merged ranges.
- What calamine cannot tell about an .xlsx is found in the sheet's XML (read with lxml, which openpyxl also
  uses): hidden rows and columns, and formulas saved *without* a cached value (calamine shows them as empty;
  they must be reported, not read as missing values). A quick byte search first skips the XML walk when the
  sheet has no hidden row, no hidden column and no formula — the common case costs next to nothing.
- .xls and .ods: hidden rows/columns and uncached formulas are not detected (said in ``RawSheet.notes``).
- .csv/.txt: Python's csv module, with the encoding (UTF-8 with or without BOM, UTF-16 with BOM,
  else Windows-1252) and the delimiter (``, ; tab |``) detected. Every value is text; a text written by this
  application's CSV export with a protective apostrophe is read back without it.

Files are recognised by their first bytes, not their name: a PDF renamed .xlsx, a password-protected
workbook (an encrypted OLE container) and a damaged file each end in a :class:`SpreadsheetError` saying what
and what to do. Row and column numbers are those the spreadsheet program shows (1-based), whatever the reader
skipped at the top or the left.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from biobank_desktop.core.spreadsheets.writer import unescape_csv_text

FileKind = Literal["xlsx", "xls", "ods", "csv"]
CellValue = str | float | int | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None

#: Data rows refused above this (a spreadsheet of 1,048,576 rows is refused before it is loaded).
MAX_ROWS = 300_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ROW_NUMBER_RE = re.compile(rb'<row[^>]*?\sr="(\d+)"')


class SpreadsheetError(ValidationError):
    """The file cannot be read as a spreadsheet (wrong kind, protected, damaged, too big, empty)."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool


@dataclass(frozen=True)
class SpreadsheetFile:
    """An opened file: its path, kind, content hash (SHA-256 hex) and sheets."""

    path: Path
    kind: FileKind
    sha256: str
    sheets: tuple[SheetInfo, ...]
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]


@dataclass
class RawSheet:
    """One sheet's values as a rectangle. ``rows[i][j]`` is the cell the spreadsheet shows at row
    ``first_row + i``, column ``first_col + j`` (both 1-based)."""

    name: str
    rows: list[list[CellValue]]
    first_row: int = 1
    first_col: int = 1
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2), 1-based
    uncached_formulas: frozenset[tuple[int, int]] = frozenset()  # (row, col), 1-based
    notes: list[str] = field(default_factory=list)

    def value_at(self, row: int, col: int) -> CellValue:
        i, j = row - self.first_row, col - self.first_col
        if 0 <= i < len(self.rows) and 0 <= j < len(self.rows[i]):
            return self.rows[i][j]
        return None


def column_letter(col: int) -> str:
    """'A' for 1, 'Z' for 26, 'AA' for 27 …"""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- opening ------------------------------------------------------------------------------------------------


def open_spreadsheet(path: Path) -> SpreadsheetFile:
    """Recognise ``path`` and list its sheets; SpreadsheetError when it is not a readable spreadsheet."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        raise SpreadsheetError(f"The file '{path}' does not exist.", hint="Check the name and the folder.") from None
    except OSError as exc:
        raise SpreadsheetError(f"Cannot open '{path.name}': {exc.strerror or exc}.",
                               hint="Check that the file is not open elsewhere and that you may read it.") from None
    if not head:
        raise SpreadsheetError(f"'{path.name}' is empty (0 bytes).", hint="Ask the sender for the file again.")
    digest = file_sha256(path)
    kind = _kind_of(path, head)
    if kind == "csv":
        text, encoding = _decode(path.read_bytes(), path.name)
        delimiter = _sniff_delimiter(text)
        return SpreadsheetFile(path, "csv", digest, (SheetInfo(path.stem or "CSV", True),), encoding, delimiter)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        metas = workbook.sheets_metadata
    except Exception as exc:  # calamine raises its own error types per format
        raise SpreadsheetError(f"'{path.name}' looks like an {kind} workbook but cannot be read: it is damaged "
                               f"or protected ({exc.__class__.__name__}).",
                               hint="Open it in Excel or LibreOffice, remove any password and save it again.") from None
    sheets = tuple(SheetInfo(m.name, str(m.visible).endswith("Visible")) for m in metas
                   if str(m.typ).endswith("WorkSheet"))
    if not sheets:
        raise SpreadsheetError(f"'{path.name}' has no worksheet.", hint="Check that this is the right file.")
    return SpreadsheetFile(path, kind, digest, sheets)


def _kind_of(path: Path, head: bytes) -> FileKind:
    name = path.name
    if head.startswith(b"%PDF"):
        raise SpreadsheetError(f"'{name}' is a PDF document, not a spreadsheet.",
                               hint="Ask the sender for the Excel (.xlsx) or CSV file.")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype") if "mimetype" in names else b""
        except zipfile.BadZipFile:
            raise SpreadsheetError(f"'{name}' is damaged: it is cut short or not a complete workbook.",
                                   hint="Ask the sender for the file again.") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        raise SpreadsheetError(f"'{name}' is a ZIP archive or another document (Word?), not a spreadsheet.",
                               hint="Ask the sender for the Excel (.xlsx) or CSV file.")
    if head.startswith(_OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise SpreadsheetError(f"'{name}' is protected by a password.",
                                   hint="Open it in Excel with the password, remove the protection "
                                        "(File > Info > Protect workbook) and save it again.")
        return "xls"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpreadsheetError(f"'{name}' is not a spreadsheet or a text (CSV) file.",
                               hint="Ask the sender for the Excel (.xlsx) or CSV file.")
    return "csv"


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise SpreadsheetError(f"'{name}' is neither UTF-8 nor Windows-1252 text.",
                               hint="Save it again as 'CSV UTF-8' from Excel.") from None


_DELIMITERS: Final = (";", ",", "\t", "|")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header line (the first line not starting with '#') into more than one
    field and gives that same count on most of the following records (quoted fields, even over several lines,
    count as one). A free-text column full of ';' cannot outvote the header's ','."""
    lines = text[:65536].splitlines()
    body = [line for line in lines if line.strip()]
    while body and body[0].lstrip().startswith("#"):
        body.pop(0)
    if not body:
        return ","
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        records = list(itertools.islice(csv.reader(io.StringIO("\n".join(body[:31])), delimiter=delimiter), 31))
        width = len(records[0]) if records else 0
        if width < 2:
            continue
        score = sum(1 for r in records[1:] if len(r) == width)
        if score > best_score:
            best, best_score = delimiter, score
    if best_score >= 0:
        return best
    return _commonest_split(body[:30])


def _commonest_split(lines: list[str]) -> str:
    """No delimiter splits the header line: the one giving the most fields on most lines (',' when none)."""
    best, best_score = ",", -1.0
    for delimiter in _DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delimiter))) - 1 for line in lines]
        useful = [c for c in counts if c > 0]
        if not useful:
            continue
        commonest = max(set(useful), key=useful.count)
        score = useful.count(commonest) * commonest
        if score > best_score:
            best, best_score = delimiter, score
    return best


# -- reading a sheet ---------------------------------------------------------------------------------------


def read_sheet(source: SpreadsheetFile, sheet: str | None = None, *, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> RawSheet:
    """The cells of ``sheet`` (the first visible one when None); SpreadsheetError when it is too big."""
    names = source.sheet_names()
    if sheet is None:
        sheet = next((s.name for s in source.sheets if s.visible), names[0])
    if sheet not in names:
        raise SpreadsheetError(f"'{source.path.name}' has no sheet named '{sheet}'.",
                               hint=f"Its sheets are: {', '.join(names)}.")
    progress(0.0, f"Reading sheet '{sheet}'…")
    raw = _read_csv(source) if source.kind == "csv" else _read_calamine(source, sheet, cancelled)
    check_cancelled(cancelled, "Reading cancelled: nothing was imported.")
    if len(raw.rows) > MAX_ROWS:
        raise _too_big(source.path.name, sheet, len(raw.rows))
    # lines, not rows: the header, a title block and blank or totals lines are counted here, not in "data rows"
    progress(1.0, f"Sheet '{sheet}' read: {len(raw.rows):,} lines (header, title and blank lines included).")
    return raw


def _too_big(name: str, sheet: str, rows: int) -> SpreadsheetError:
    return SpreadsheetError(f"Sheet '{sheet}' of '{name}' has {rows:,} rows; at most {MAX_ROWS:,} are imported "
                            "at once.", hint="Split the file into parts, or delete the empty rows at its end "
                                             "(a cell far below the data makes the sheet look this long).")


def _read_csv(source: SpreadsheetFile) -> RawSheet:
    text, _ = _decode(source.path.read_bytes(), source.path.name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter or ",")
    rows: list[list[CellValue]] = []
    for record in reader:
        rows.append([unescape_csv_text(v) for v in record])
        if len(rows) > MAX_ROWS:
            raise _too_big(source.path.name, source.sheets[0].name, len(rows))
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([""] * (width - len(row)))
    return RawSheet(source.sheets[0].name, rows)


def _read_calamine(source: SpreadsheetFile, sheet: str, cancelled: CancelledFn) -> RawSheet:
    from python_calamine import CalamineWorkbook

    structure = _XlsxStructure()
    if source.kind == "xlsx":
        structure = _xlsx_structure(source.path, sheet)
        if structure.last_row > MAX_ROWS + 50:
            raise _too_big(source.path.name, sheet, structure.last_row)
    check_cancelled(cancelled, "Reading cancelled: nothing was imported.")
    try:
        workbook = CalamineWorkbook.from_path(str(source.path))
        data = workbook.get_sheet_by_name(sheet)
        rows: list[list[CellValue]] = data.to_python()  # type: ignore[assignment]  # list is invariant
        start = data.start or (0, 0)
        merged_raw = data.merged_cell_ranges or []
    except Exception as exc:
        raise SpreadsheetError(f"Sheet '{sheet}' of '{source.path.name}' cannot be read: the file is damaged "
                               f"({exc.__class__.__name__}).",
                               hint="Open it in Excel or LibreOffice and save it again.") from None
    merged = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in merged_raw]
    notes = [] if source.kind == "xlsx" else [
        f"Hidden rows and columns and formulas without a computed value are not detected in .{source.kind} files."]
    return RawSheet(sheet, rows, start[0] + 1, start[1] + 1, structure.hidden_rows, structure.hidden_cols,
                    merged, structure.uncached_formulas, notes)


@dataclass
class _XlsxStructure:
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    uncached_formulas: frozenset[tuple[int, int]] = frozenset()
    last_row: int = 0


def _xlsx_sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = etree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next((s.get(f"{rel_ns}id") for s in book.iter(f"{main}sheet") if s.get("name") == sheet), None)
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = str(rel.get("Target"))
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _xlsx_structure(path: Path, sheet: str) -> _XlsxStructure:
    try:
        with zipfile.ZipFile(path) as archive:
            part = _xlsx_sheet_part(archive, sheet)
            if part is None or part not in archive.namelist():
                return _XlsxStructure()
            xml = archive.read(part)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return _XlsxStructure()
    found = _XlsxStructure()
    tail = xml[-65536:]
    matches = list(_ROW_NUMBER_RE.finditer(tail)) or list(_ROW_NUMBER_RE.finditer(xml))
    found.last_row = int(matches[-1].group(1)) if matches else 0
    has_formula = b"<f>" in xml or b"<f " in xml or b":f>" in xml
    if b'hidden="1"' not in xml and b'hidden="true"' not in xml and not has_formula:
        return found
    return _walk_sheet_xml(xml, found.last_row)


def _walk_sheet_xml(xml: bytes, last_row: int) -> _XlsxStructure:
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    hidden_rows: set[int] = set()
    hidden_cols: set[int] = set()
    uncached: set[tuple[int, int]] = set()
    for _event, element in etree.iterparse(io.BytesIO(xml), events=("end",), tag=(f"{main}row", f"{main}col")):
        if element.tag == f"{main}col":
            if element.get("hidden") in ("1", "true"):
                hidden_cols.update(range(int(element.get("min", "1")), int(element.get("max", "1")) + 1))
            continue
        row_number = int(element.get("r", "0"))
        if element.get("hidden") in ("1", "true"):
            hidden_rows.add(row_number)
        for cell in element.iterchildren(f"{main}c"):
            formula = cell.find(f"{main}f")
            if formula is not None:
                value = cell.find(f"{main}v")
                if value is None or value.text is None:
                    uncached.add((row_number, _column_number(cell.get("r", ""))))
        element.clear()
    return _XlsxStructure(frozenset(hidden_rows), frozenset(hidden_cols), frozenset(uncached), last_row)


def _column_number(reference: str) -> int:
    number = 0
    for char in reference:
        if not char.isalpha():
            break
        number = number * 26 + (ord(char.upper()) - 64)
    return number


def sheet_rows_as_text(rows: Sequence[Sequence[CellValue]]) -> list[list[str]]:
    """Every value as the text a person would type (for previews and error messages)."""
    return [[shown(v) for v in row] for row in rows]


def shown(value: CellValue) -> str:
    """A cell value as text: 7.0 → '7', dates in ISO, None → ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
