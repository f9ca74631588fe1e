"""Finding the table in a sheet: the header row (even below a title block), the columns, the data rows;
blank, hidden and totals rows set aside and reported, merged cells filled, values tidied.

Text is tidied once here, for every later step: Unicode NFC (an "é" typed as one character or as "e" + accent
is one value), non-breaking and other odd spaces turned into plain spaces, leading and trailing spaces removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

from biobank_desktop.core.spreadsheets.fields import fold
from biobank_desktop.core.spreadsheets.reading import CellValue, RawSheet, SpreadsheetError, column_letter

SkipReason = Literal["blank", "hidden", "totals"]

_HEADER_SEARCH_ROWS = 30
_TOTALS_RE: Final = re.compile(r"(grand )?(total|totals|totaux|total general|summe|gesamt|gesamtsumme|somme|sum"
                               r"|anzahl|count|nombre)( [0-9 ]+)?")
_SPACES: Final = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000"), " ")
_INVISIBLE: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


def tidy(value: CellValue) -> CellValue:
    """Text in NFC with odd spaces made plain and the ends stripped; '' becomes None; other values as they are."""
    if isinstance(value, str):
        if value.isascii():  # the common case: nothing to normalise
            return value.strip() or None
        text = unicodedata.normalize("NFC", value.translate(_SPACES).translate(_INVISIBLE)).strip()
        return text or None
    if value == "":
        return None
    return value


@dataclass(frozen=True)
class SourceColumn:
    number: int  # 1-based, as the spreadsheet shows it
    header: str
    hidden: bool = False

    @property
    def letter(self) -> str:
        return column_letter(self.number)


@dataclass(frozen=True)
class DataRow:
    number: int  # as the spreadsheet shows it
    values: tuple[CellValue, ...]  # aligned with Table.columns


@dataclass(frozen=True)
class SkippedRow:
    number: int
    reason: SkipReason


@dataclass
class Table:
    sheet: str
    header_row: int
    columns: list[SourceColumn]
    rows: list[DataRow]
    skipped: list[SkippedRow] = field(default_factory=list)
    filled_from_merged: int = 0
    uncached_formulas: frozenset[tuple[int, int]] = frozenset()
    notes: list[str] = field(default_factory=list)

    def column(self, number: int) -> SourceColumn:
        return next(c for c in self.columns if c.number == number)

    def index_of(self, number: int) -> int:
        return next(i for i, c in enumerate(self.columns) if c.number == number)


def _is_header_like(values: list[CellValue]) -> bool:
    filled = [v for v in values if v is not None]
    if len(filled) < 2:
        return False
    texts = [v for v in filled if isinstance(v, str) and not _number_like(v)]
    return len(texts) >= 0.8 * len(filled)


def _number_like(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[0-9][0-9 .,/:-]*", text))


def find_header_row(rows: list[list[CellValue]], known_words: Iterable[str]) -> int:
    """Index in ``rows`` (already tidied) of the header row: among the first rows that look like headers
    (at least two cells, mostly words), the one naming the most known fields; the earliest on a tie."""
    words = frozenset(known_words)
    best, best_score = -1, -1.0
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if not _is_header_like(row):
            continue
        folded = [fold(v) for v in row if isinstance(v, str)]
        known = sum(1 for f in folded if f in words or any(w in words for w in _prefixes(f)))
        score = known * 3 + len(folded)
        if score > best_score:
            best, best_score = index, score
    return best


def _prefixes(folded: str) -> list[str]:
    parts = folded.split()
    return [" ".join(parts[:n]) for n in range(1, len(parts))]


def find_table(raw: RawSheet, known_words: Iterable[str]) -> Table:
    """The table of ``raw``; SpreadsheetError when the sheet is empty or has no header row."""
    rows = [[tidy(v) for v in row] for row in raw.rows]
    filled = _fill_merged(raw, rows)
    if not any(v is not None for row in rows for v in row):
        raise SpreadsheetError(f"Sheet '{raw.name}' is empty.", hint="Choose the sheet that holds the list.")
    index = find_header_row(rows, known_words)
    if index < 0:
        raise SpreadsheetError(f"No header row found in sheet '{raw.name}': none of its first "
                               f"{_HEADER_SEARCH_ROWS} rows names the columns.",
                               hint="Add a row of column names (e.g. Barcode, Participant, Sample type) above "
                                    "the data.")
    header_row = raw.first_row + index
    header_values = rows[index]
    columns: list[SourceColumn] = []
    used: set[str] = set()
    body = rows[index + 1:]
    for j, value in enumerate(header_values):
        number = raw.first_col + j
        has_data = any(j < len(r) and r[j] is not None for r in body)
        if value is None and not has_data:
            continue
        header = str(value) if value is not None else f"(column {column_letter(number)})"
        if header in used:
            header = f"{header} ({column_letter(number)})"
        used.add(header)
        columns.append(SourceColumn(number, header, number in raw.hidden_cols))
    table = Table(raw.name, header_row, columns, [], filled_from_merged=filled,
                  uncached_formulas=raw.uncached_formulas, notes=list(raw.notes))
    positions = [c.number - raw.first_col for c in columns]
    last_filled = next((i for i in range(len(body) - 1, -1, -1) if body[i].count(None) != len(body[i])), -1)
    data: list[DataRow] = []
    width = len(positions)
    whole = positions == list(range(width)) and all(len(r) == width for r in body)
    uncached = raw.uncached_formulas
    for i, row in enumerate(body):
        number = header_row + 1 + i
        values = tuple(row) if whole else tuple(row[p] if p < len(row) else None for p in positions)
        formulas = bool(uncached) and any((number, c.number) in uncached for c in columns)
        if values.count(None) == width and not formulas:
            if i < last_filled:
                table.skipped.append(SkippedRow(number, "blank"))
            continue
        if number in raw.hidden_rows:
            table.skipped.append(SkippedRow(number, "hidden"))
            continue
        if i >= last_filled - 2 and _is_totals(values):
            table.skipped.append(SkippedRow(number, "totals"))
            continue
        data.append(DataRow(number, values))
    table.rows = data
    return table


def _is_totals(values: tuple[CellValue, ...]) -> bool:
    first = next((v for v in values if v is not None), None)
    return isinstance(first, str) and bool(_TOTALS_RE.fullmatch(fold(first)))


def _fill_merged(raw: RawSheet, rows: list[list[CellValue]]) -> int:
    """Copy each merged range's top-left value into the range's other cells (a study name merged down a
    block of rows belongs to every row of it)."""
    filled = 0
    for row1, col1, row2, col2 in raw.merged:
        i1, j1 = row1 - raw.first_row, col1 - raw.first_col
        if not (0 <= i1 < len(rows) and 0 <= j1 < len(rows[i1])):
            continue
        value = rows[i1][j1]
        if value is None or row1 == row2:
            continue  # a horizontal merge (a title) stays in its first cell
        for i in range(i1, min(row2 - raw.first_row, len(rows) - 1) + 1):
            for j in range(j1, min(col2 - raw.first_col, len(rows[i]) - 1) + 1):
                if rows[i][j] is None:
                    rows[i][j] = value
                    filled += 1
    return filled
