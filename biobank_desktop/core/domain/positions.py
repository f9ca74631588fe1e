"""Positions in boxes and racks: layouts, labels (A1, 1/1, iii-4, 37) and what technicians and rack scanners write.

Rows and columns are 1-based everywhere in this module, and so are position numbers
(:meth:`BoxLayout.index_of`, :meth:`BoxLayout.at_index`): position 1 is the first well in fill order,
position ``capacity`` the last, as printed on numbered boxes. Row 1 is the top row, column 1 the left
column, whatever the fill order: the fill order only says where counting starts and which way it runs.

How a position is written (always in the box's own convention):

* letters × numbers (the usual box or rack): ``A1`` … ``H12``, the letter naming the row;
* numbers × letters: the letter still comes first (``A1`` = column A, row 1, as in a spreadsheet);
* numbers × numbers: ``row/column`` (``1/1``), or a single position number in fill order;
* letters × letters: ``row/column`` (``A/B``);
* Roman numerals on either axis: ``iii-4`` (row iii, column 4), ``B-iv``, ``ii-iv``;
* a **linear** box: one number 1 … n in fill order (``37``), whatever its grid.

Conversion between conventions goes through the physical (row, column): "position 37" of a 9 × 9 box
filled row by row from the top-left corner is E1 (:func:`convert_position`).

Letter labels go A … Z, AA, AB … (up to 64: BL); Roman numerals i … lxiv.
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
    ROMAN = "roman"

    @property
    def alphabetic(self) -> bool:
        """True when the labels are written with letters (letters and Roman numerals)."""
        return self is not LabelScheme.NUMBERS


class FillOrder(enum.Enum):
    """The order in which wells are filled and numbered: row- or column-first, from any corner.

    The values are what the database stores; the two top-left orders keep their v1 values.
    """

    ROW_MAJOR = "row_major"  # A1, A2, … A12, B1, …
    COLUMN_MAJOR = "column_major"  # A1, B1, … H1, A2, …
    ROW_MAJOR_TOP_RIGHT = "row_major_tr"  # A12, A11, … A1, B12, …
    ROW_MAJOR_BOTTOM_LEFT = "row_major_bl"  # H1, H2, … H12, G1, …
    ROW_MAJOR_BOTTOM_RIGHT = "row_major_br"  # H12, H11, … H1, G12, …
    COLUMN_MAJOR_TOP_RIGHT = "column_major_tr"  # A12, B12, … H12, A11, …
    COLUMN_MAJOR_BOTTOM_LEFT = "column_major_bl"  # H1, G1, … A1, H2, …
    COLUMN_MAJOR_BOTTOM_RIGHT = "column_major_br"  # H12, G12, … A12, H11, …

    @property
    def row_first(self) -> bool:
        """True when a whole row is filled before the next one."""
        return self.value.startswith("row")

    @property
    def from_bottom(self) -> bool:
        return self.value.endswith(("_bl", "_br"))

    @property
    def from_right(self) -> bool:
        return self.value.endswith(("_tr", "_br"))

    def describe(self) -> str:
        """'row by row from the top-left corner'."""
        corner = ("bottom" if self.from_bottom else "top") + "-" + ("right" if self.from_right else "left")
        return f"{'row by row' if self.row_first else 'column by column'} from the {corner} corner"


# One or two tokens (letters or digits), optionally separated by '/', '-', ':', '.' or spaces.
_TWO_TOKENS_RE = re.compile(r"(?P<a>[A-Z]+|[0-9]+)\s*(?P<sep>[/\-:.]?)\s*(?P<b>[A-Z]+|[0-9]+)")
_DIGITS_RE = re.compile(r"[0-9]+")
_LETTERS_RE = re.compile(r"[A-Z]+")
_MAX_TEXT = 24  # longer input is never a position (and would make int() work hard)

_ROMAN_STEPS = ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


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


def roman_label(n: int) -> str:
    """1 → 'i', 4 → 'iv', 64 → 'lxiv' (lower case, as printed on boxes)."""
    if not 1 <= n <= 89:
        raise ValueError(f"Roman labels go from 1 to 89 here, got {n}")
    out = ""
    for value, numeral in _ROMAN_STEPS:
        while n >= value:
            out += numeral
            n -= value
    return out.lower()


_ROMAN_VALUES = {roman_label(n).upper(): n for n in range(1, MAX_SIDE + 1)}


def roman_value(label: str) -> int | None:
    """The value of a canonical Roman numeral 1–64 in any case ('iv' → 4), None for anything else ('IIII')."""
    return _ROMAN_VALUES.get(label.strip().upper())


@dataclass(frozen=True)
class BoxLayout:
    """The grid of a box or rack and how its positions are written.

    ``linear``: positions are written as one number 1 … capacity in fill order ("37"), whatever the
    row and column schemes. ``container`` is only the word used in messages ("box", "rack", "plate");
    it does not take part in equality. Raises ValidationError when the grid is not 1–64 rows by 1–64
    columns.
    """

    rows: int
    columns: int
    row_scheme: LabelScheme = LabelScheme.LETTERS
    column_scheme: LabelScheme = LabelScheme.NUMBERS
    fill_order: FillOrder = FillOrder.ROW_MAJOR
    container: str = field(default="box", compare=False)
    linear: bool = False

    def __post_init__(self) -> None:
        for name, value in (("rows", self.rows), ("columns", self.columns)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIDE:
                raise ValidationError(
                    f"A {self.container} must have 1 to {MAX_SIDE} {name}, not {value!r}.",
                    hint="Correct the container type.",
                )
        if not isinstance(self.row_scheme, LabelScheme) or not isinstance(self.column_scheme, LabelScheme):
            raise ValidationError("Row and column labels must be letters, numbers or Roman numerals.")
        if not isinstance(self.fill_order, FillOrder):
            raise ValidationError("The fill order must be one of the eight row- or column-first orders.")
        if not isinstance(self.linear, bool):
            raise ValidationError("Linear numbering is either on or off.")

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
        for index in range(1, self.capacity + 1):
            yield self._at(index)

    def index_of(self, row: int, col: int) -> int:
        """The position number (1 … capacity) of (row, col) in fill order."""
        self._require(row, col)
        order = self.fill_order
        r = self.rows + 1 - row if order.from_bottom else row
        c = self.columns + 1 - col if order.from_right else col
        if order.row_first:
            return (r - 1) * self.columns + c
        return (c - 1) * self.rows + r

    def at_index(self, index: int) -> tuple[int, int]:
        """The (row, col) of position number ``index`` (1 … capacity) in fill order."""
        if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= self.capacity:
            raise ValidationError(
                f"Position {index} does not exist in {self.describe()}; "
                f"positions are numbered 1–{self.capacity}."
            )
        return self._at(index)

    def _at(self, index: int) -> tuple[int, int]:
        order = self.fill_order
        if order.row_first:
            major, minor = divmod(index - 1, self.columns)
            r, c = major + 1, minor + 1
        else:
            major, minor = divmod(index - 1, self.rows)
            r, c = minor + 1, major + 1
        row = self.rows + 1 - r if order.from_bottom else r
        col = self.columns + 1 - c if order.from_right else c
        return row, col

    # -- labels -----------------------------------------------------------------------------------

    def row_label(self, row: int) -> str:
        """The label of row ``row`` alone ('A', '1' or 'iii')."""
        return _axis_label(self.row_scheme, row)

    def column_label(self, col: int) -> str:
        """The label of column ``col`` alone ('1', 'A' or 'iv')."""
        return _axis_label(self.column_scheme, col)

    def position_label(self, row: int, col: int) -> str:
        """The position in this box's convention: 'A1', '1/1', 'iii-4', or '37' in a linear box."""
        self._require(row, col)
        return self._label(row, col)

    def describe(self) -> str:
        """The layout in words, e.g. 'a 9 × 9 box (rows A–I, columns 1–9)'."""
        size = f"{_article(self.rows)} {self.rows} × {self.columns} {self.container}"
        if self.linear:
            return f"{size} (positions 1–{self.capacity}, {self.fill_order.describe()})"
        return (
            f"{size} (rows {self.row_label(1)}–{self.row_label(self.rows)}, "
            f"columns {self.column_label(1)}–{self.column_label(self.columns)})"
        )

    def convention(self) -> str:
        """How positions are written here, e.g. 'A1 … I9' or '1 … 81 (row by row from the top-left corner)'."""
        first, last = self._label(*self._at(1)), self._label(*self._at(self.capacity))
        if self.linear:
            return f"{first} … {last} ({self.fill_order.describe()})"
        return f"{self._label(1, 1)} … {self._label(self.rows, self.columns)}"

    # -- parsing ----------------------------------------------------------------------------------

    def parse_position(self, text: str) -> tuple[int, int]:
        """(row, col) of a written position.

        Accepts 'A1', 'A01', 'a/01', 'A-1', 'A 1', 'A:1', 'A.1' (and '1/1', '01-01' for numbered rows,
        'iii-4' or 'III4' for Roman rows); for numbers × numbers and linear layouts also a single position
        number in fill order ('17'). A linear box takes only its numbers. Raises ValidationError, naming
        the layout, for anything else or a position outside the grid; a position number given to a box
        that does not use them gets a hint saying which position that number would be.
        """
        cleaned = text.strip().upper() if isinstance(text, str) else ""
        if len(cleaned) > _MAX_TEXT:
            raise self._not_a_position(text)
        numeric_only = self.row_scheme is LabelScheme.NUMBERS and self.column_scheme is LabelScheme.NUMBERS
        if (numeric_only or self.linear) and _DIGITS_RE.fullmatch(cleaned):
            return self.at_index(int(cleaned))
        if self.linear:
            raise self._not_a_position(text)
        lettered = self.row_scheme.alphabetic or self.column_scheme.alphabetic
        if lettered and _DIGITS_RE.fullmatch(cleaned) and 1 <= int(cleaned) <= self.capacity:
            raise self._number_in_grid_box(int(cleaned))
        match = _TWO_TOKENS_RE.fullmatch(cleaned) if cleaned.isascii() else None
        if match is None:
            raise self._not_a_position(text)
        first, separator, second = match["a"], match["sep"], match["b"]
        first_alpha, second_alpha = first[0].isalpha(), second[0].isalpha()
        row_alpha, col_alpha = self.row_scheme.alphabetic, self.column_scheme.alphabetic
        row: int | None
        col: int | None
        if row_alpha != col_alpha:
            # One axis is written with letters: they name that axis whichever side they are written on.
            if first_alpha == second_alpha:
                raise self._not_a_position(text)
            alpha, digits = (first, second) if first_alpha else (second, first)
            if row_alpha:
                row, col = _axis_value(self.row_scheme, alpha), int(digits)
            else:
                row, col = int(digits), _axis_value(self.column_scheme, alpha)
        else:
            # Two tokens of the same kind need a separator: '11' could be 1/1 or position 11.
            has_gap = bool(separator) or " " in cleaned
            if first_alpha != row_alpha or second_alpha != col_alpha or not has_gap:
                raise self._not_a_position(text)
            row, col = _axis_value(self.row_scheme, first), _axis_value(self.column_scheme, second)
        if row is None or col is None:
            raise self._not_a_position(text)
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
            raise ValidationError(f"Position {self._grid_label(row, col)} does not exist in {self.describe()}.")
        return row, col

    # -- helpers ----------------------------------------------------------------------------------

    def _label(self, row: int, col: int) -> str:
        if self.linear and self.contains(row, col):
            return str(self.index_of(row, col))
        return self._grid_label(row, col)

    def _grid_label(self, row: int, col: int) -> str:
        row_text = _axis_label(self.row_scheme, row)
        col_text = _axis_label(self.column_scheme, col)
        if LabelScheme.ROMAN in (self.row_scheme, self.column_scheme):
            return f"{row_text}-{col_text}"
        if self.row_scheme is self.column_scheme:
            return f"{row_text}/{col_text}"
        if self.row_scheme is LabelScheme.LETTERS:
            return f"{row_text}{col_text}"
        return f"{col_text}{row_text}"

    def _require(self, row: int, col: int) -> None:
        if not self.contains(row, col):
            raise ValidationError(f"Position {self._grid_label(row, col)} does not exist in {self.describe()}.")

    def _not_a_position(self, text: object) -> ValidationError:
        shown = str(text).strip()[:40]
        first, last = self._label(*self._at(1)), self._label(*self._at(self.capacity))
        examples = f"{first} or {last}" if self.linear else (
            f"{self.position_label(1, 1)} or {self.position_label(self.rows, self.columns)}")
        if not self.linear and self.row_scheme is LabelScheme.NUMBERS and self.column_scheme is LabelScheme.NUMBERS:
            examples += f", or a position number 1–{self.capacity}"
        return ValidationError(
            f"'{shown}' is not a position in {self.describe()}.", hint=f"Write it like {examples}."
        )

    def _number_in_grid_box(self, number: int) -> ValidationError:
        row, col = self._at(number)
        return ValidationError(
            f"This box does not number its positions: '{number}' is not a position in {self.describe()}.",
            hint=f"Counted {self.fill_order.describe()}, position {number} is {self._label(row, col)}; "
                 f"write positions like {self.position_label(1, 1)}.",
        )


def convert_position(text: str, source: BoxLayout, target: BoxLayout) -> str:
    """A position written in ``source``'s convention, written in ``target``'s (the same physical well).

    "37" in a linear 9 × 9 box filled row by row from the top-left is "E1" in a lettered 9 × 9 box.
    Both layouts must have the same grid; raises ValidationError otherwise or for a bad position.
    """
    if (source.rows, source.columns) != (target.rows, target.columns):
        raise ValidationError(
            f"Positions cannot be converted between {source.describe()} and {target.describe()}.",
            hint="Both boxes must have the same number of rows and columns.",
        )
    return target.position_label(*source.parse_position(text))


def _axis_label(scheme: LabelScheme, n: int) -> str:
    if scheme is LabelScheme.NUMBERS or n < 1:
        return str(n)
    if scheme is LabelScheme.ROMAN:
        return roman_label(n) if n <= 89 else str(n)
    return letters_label(n)


def _axis_value(scheme: LabelScheme, token: str) -> int | None:
    if scheme is LabelScheme.NUMBERS:
        return int(token) if _DIGITS_RE.fullmatch(token) else None
    if scheme is LabelScheme.ROMAN:
        return roman_value(token)
    return letters_value(token) if _LETTERS_RE.fullmatch(token) else None


def _parse_axis(scheme: LabelScheme, text: str) -> int | None:
    cleaned = text.strip().upper() if isinstance(text, str) else ""
    if len(cleaned) > _MAX_TEXT or not cleaned:
        return None
    return _axis_value(scheme, cleaned)


def _article(n: int) -> str:
    """'an' before numbers read with a leading vowel sound (8, 11, 18, 80–89), else 'a'."""
    return "an" if n in (8, 11, 18) or str(n).startswith("8") else "a"


BOX_9X9 = BoxLayout(9, 9)
BOX_10X10 = BoxLayout(10, 10)
RACK_96 = BoxLayout(8, 12, container="rack")
RACK_48 = BoxLayout(6, 8, container="rack")
RACK_24 = BoxLayout(4, 6, container="rack")
