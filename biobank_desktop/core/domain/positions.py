"""Positions in boxes and racks: layouts, labels (A1, 1/1) and what technicians and rack scanners write.

Rows and columns are 1-based everywhere in this module, and so are position numbers
(:meth:`BoxLayout.index_of`, :meth:`BoxLayout.at_index`): position 1 is the first well in fill order,
position ``capacity`` the last, as printed on numbered boxes.

How a position is written:

* letters × numbers (the usual box or rack): ``A1`` … ``H12``, the letter naming the row;
* numbers × letters: the letter still comes first (``A1`` = column A, row 1, as in a spreadsheet);
* numbers × numbers: ``row/column`` (``1/1``), or a single position number in fill order;
* letters × letters: ``row/column`` (``A/B``).

Letter labels go A … Z, AA, AB … (up to 64: BL).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from biobank_desktop.core.domain.errors import ValidationError

MAX_SIDE = 64


class LabelScheme(enum.Enum):
    """How a row or column is labelled. The values are what the database stores."""

    LETTERS = "letters"
    NUMBERS = "numbers"


class FillOrder(enum.Enum):
    """The order in which wells are filled and numbered. The values are what the database stores."""

    ROW_MAJOR = "row_major"  # A1, A2, … A12, B1, …
    COLUMN_MAJOR = "column_major"  # A1, B1, … H1, A2, …


# One or two tokens (letters or digits), optionally separated by '/', '-', ':', '.' or spaces.
_TWO_TOKENS_RE = re.compile(r"(?P<a>[A-Z]+|[0-9]+)\s*(?P<sep>[/\-:.]?)\s*(?P<b>[A-Z]+|[0-9]+)")
_DIGITS_RE = re.compile(r"[0-9]+")
_LETTERS_RE = re.compile(r"[A-Z]+")
_MAX_TEXT = 24  # longer input is never a position (and would make int() work hard)


def letters_label(n: int) -> str:
    """1 → 'A', 26 → 'Z', 27 → 'AA', 64 → 'BL' (spreadsheet-style column letters)."""
    if n < 1:
        raise ValueError(f"letter labels start at 1, got {n}")
    label = ""
    while n > 0:
        n, remainder = divmod(n - 1, 26)
        label = chr(ord("A") + remainder) + label
    return label


def letters_value(label: str) -> int:
    """Inverse of :func:`letters_label`: 'A' → 1, 'AA' → 27. ``label`` must be capital letters A-Z."""
    if not _LETTERS_RE.fullmatch(label):
        raise ValueError(f"not a letter label: {label!r}")
    value = 0
    for char in label:
        value = value * 26 + (ord(char) - ord("A") + 1)
    return value


@dataclass(frozen=True)
class BoxLayout:
    """The grid of a box or rack.

    ``container`` is only the word used in messages ("box", "rack", "plate"); it does not take part
    in equality. Raises ValidationError when the grid is not 1–64 rows by 1–64 columns.
    """

    rows: int
    columns: int
    row_scheme: LabelScheme = LabelScheme.LETTERS
    column_scheme: LabelScheme = LabelScheme.NUMBERS
    fill_order: FillOrder = FillOrder.ROW_MAJOR
    container: str = field(default="box", compare=False)

    def __post_init__(self) -> None:
        for name, value in (("rows", self.rows), ("columns", self.columns)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIDE:
                raise ValidationError(
                    f"A {self.container} must have 1 to {MAX_SIDE} {name}, not {value!r}.",
                    hint="Correct the container type.",
                )
        if not isinstance(self.row_scheme, LabelScheme) or not isinstance(self.column_scheme, LabelScheme):
            raise ValidationError("Row and column labels must be letters or numbers.")
        if not isinstance(self.fill_order, FillOrder):
            raise ValidationError("The fill order must be row by row or column by column.")

    # -- size and order ---------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        """How many positions the layout has."""
        return self.rows * self.columns

    def contains(self, row: int, col: int) -> bool:
        """True when (row, col) is a position of this layout."""
        return 1 <= row <= self.rows and 1 <= col <= self.columns

    def positions(self) -> Iterator[tuple[int, int]]:
        """Every (row, col) in fill order."""
        if self.fill_order is FillOrder.ROW_MAJOR:
            for row in range(1, self.rows + 1):
                for col in range(1, self.columns + 1):
                    yield row, col
        else:
            for col in range(1, self.columns + 1):
                for row in range(1, self.rows + 1):
                    yield row, col

    def index_of(self, row: int, col: int) -> int:
        """The position number (1 … capacity) of (row, col) in fill order."""
        self._require(row, col)
        if self.fill_order is FillOrder.ROW_MAJOR:
            return (row - 1) * self.columns + col
        return (col - 1) * self.rows + row

    def at_index(self, index: int) -> tuple[int, int]:
        """The (row, col) of position number ``index`` (1 … capacity) in fill order."""
        if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= self.capacity:
            raise ValidationError(
                f"Position {index} does not exist in {self.describe()}; "
                f"positions are numbered 1–{self.capacity}."
            )
        major, minor = divmod(
            index - 1, self.columns if self.fill_order is FillOrder.ROW_MAJOR else self.rows
        )
        if self.fill_order is FillOrder.ROW_MAJOR:
            return major + 1, minor + 1
        return minor + 1, major + 1

    # -- labels -----------------------------------------------------------------------------------

    def row_label(self, row: int) -> str:
        """The label of row ``row`` alone ('A', or '1')."""
        return _axis_label(self.row_scheme, row)

    def column_label(self, col: int) -> str:
        """The label of column ``col`` alone ('1', or 'A')."""
        return _axis_label(self.column_scheme, col)

    def position_label(self, row: int, col: int) -> str:
        """'A1' (letters × numbers), 'A1' = column A (numbers × letters), '1/1' (same scheme both ways)."""
        self._require(row, col)
        return self._label(row, col)

    def describe(self) -> str:
        """The layout in words, e.g. 'a 9 × 9 box (rows A–I, columns 1–9)'."""
        return (
            f"{_article(self.rows)} {self.rows} × {self.columns} {self.container} "
            f"(rows {self.row_label(1)}–{self.row_label(self.rows)}, "
            f"columns {self.column_label(1)}–{self.column_label(self.columns)})"
        )

    # -- parsing ----------------------------------------------------------------------------------

    def parse_position(self, text: str) -> tuple[int, int]:
        """(row, col) of a written position.

        Accepts 'A1', 'A01', 'a/01', 'A-1', 'A 1', 'A:1', 'A.1' (and '1/1', '01-01' for numbered rows);
        for numbers × numbers layouts also a single position number in fill order ('17').
        Raises ValidationError, naming the layout, for anything else or a position outside the grid.
        """
        cleaned = text.strip().upper() if isinstance(text, str) else ""
        if len(cleaned) > _MAX_TEXT:
            raise self._not_a_position(text)
        numeric_only = self.row_scheme is LabelScheme.NUMBERS and self.column_scheme is LabelScheme.NUMBERS
        if numeric_only and _DIGITS_RE.fullmatch(cleaned):
            index = int(cleaned)
            if not 1 <= index <= self.capacity:
                raise ValidationError(
                    f"Position {index} does not exist in {self.describe()}; "
                    f"positions are numbered 1–{self.capacity}."
                )
            return self.at_index(index)
        match = _TWO_TOKENS_RE.fullmatch(cleaned) if cleaned.isascii() else None
        if match is None:
            raise self._not_a_position(text)
        first, separator, second = match["a"], match["sep"], match["b"]
        first_is_letters, second_is_letters = first[0].isalpha(), second[0].isalpha()
        if self.row_scheme is not self.column_scheme:
            # One axis is lettered: the letters name that axis whichever side they are written on.
            if first_is_letters == second_is_letters:
                raise self._not_a_position(text)
            letters, digits = (first, second) if first_is_letters else (second, first)
            if self.row_scheme is LabelScheme.LETTERS:
                row, col = letters_value(letters), int(digits)
            else:
                row, col = int(digits), letters_value(letters)
        else:
            wanted_letters = self.row_scheme is LabelScheme.LETTERS
            # Two tokens of the same kind need a separator: '11' could be 1/1 or position 11.
            has_gap = bool(separator) or " " in cleaned
            if first_is_letters != wanted_letters or second_is_letters != wanted_letters or not has_gap:
                raise self._not_a_position(text)
            row = letters_value(first) if wanted_letters else int(first)
            col = letters_value(second) if wanted_letters else int(second)
        if not self.contains(row, col):
            raise ValidationError(f"Position {self._label(row, col)} does not exist in {self.describe()}.")
        return row, col

    def parse_row_col(self, row_text: str, col_text: str) -> tuple[int, int]:
        """(row, col) from a row and a column given separately (e.g. a DataPaq export's Row='A', Col='1')."""
        row = _parse_axis(self.row_scheme, row_text)
        col = _parse_axis(self.column_scheme, col_text)
        if row is None or col is None:
            raise ValidationError(
                f"Row '{row_text}', column '{col_text}' is not a position in {self.describe()}.",
                hint="Check the row and column columns of the file.",
            )
        if not self.contains(row, col):
            raise ValidationError(f"Position {self._label(row, col)} does not exist in {self.describe()}.")
        return row, col

    # -- helpers ----------------------------------------------------------------------------------

    def _label(self, row: int, col: int) -> str:
        row_text = _axis_label(self.row_scheme, row)
        col_text = _axis_label(self.column_scheme, col)
        if self.row_scheme is self.column_scheme:
            return f"{row_text}/{col_text}"
        if self.row_scheme is LabelScheme.LETTERS:
            return f"{row_text}{col_text}"
        return f"{col_text}{row_text}"

    def _require(self, row: int, col: int) -> None:
        if not self.contains(row, col):
            raise ValidationError(f"Position {self._label(row, col)} does not exist in {self.describe()}.")

    def _not_a_position(self, text: object) -> ValidationError:
        shown = str(text).strip()[:40]
        examples = f"{self.position_label(1, 1)} or {self.position_label(self.rows, self.columns)}"
        if self.row_scheme is LabelScheme.NUMBERS and self.column_scheme is LabelScheme.NUMBERS:
            examples += f", or a position number 1–{self.capacity}"
        return ValidationError(
            f"'{shown}' is not a position in {self.describe()}.", hint=f"Write it like {examples}."
        )


def _axis_label(scheme: LabelScheme, n: int) -> str:
    if scheme is LabelScheme.NUMBERS or n < 1:
        return str(n)
    return letters_label(n)


def _parse_axis(scheme: LabelScheme, text: str) -> int | None:
    cleaned = text.strip().upper() if isinstance(text, str) else ""
    if len(cleaned) > _MAX_TEXT:
        return None
    if scheme is LabelScheme.LETTERS:
        return letters_value(cleaned) if _LETTERS_RE.fullmatch(cleaned) else None
    return int(cleaned) if _DIGITS_RE.fullmatch(cleaned) else None


def _article(n: int) -> str:
    """'an' before numbers read with a leading vowel sound (8, 11, 18, 80–89), else 'a'."""
    return "an" if n in (8, 11, 18) or str(n).startswith("8") else "a"


BOX_9X9 = BoxLayout(9, 9)
BOX_10X10 = BoxLayout(10, 10)
RACK_96 = BoxLayout(8, 12, container="rack")
RACK_48 = BoxLayout(6, 8, container="rack")
RACK_24 = BoxLayout(4, 6, container="rack")
