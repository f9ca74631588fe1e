"""Barcode symbols as module patterns that every renderer draws from the same geometry.

:func:`encode_code128` (python-barcode) and :func:`encode_datamatrix` (ppf-datamatrix, ECC200)
turn a text into a symbol: a pattern of modules, independent of size. The layout decides how many
whole printer dots one module gets; :meth:`Code128Symbol.local_rects` and
:meth:`DataMatrixSymbol.local_rects` then give the dark rectangles in dots, which the PDF renderer
fills and the designer paints. The ZPL renderer asks the printer for the very same symbol
(``^BC`` with the same code set switches, ``^BX`` with the same size) and the same module width.

Only printable ASCII goes into barcodes: IDs are ASCII, and scanners type accented characters
differently depending on the keyboard layout of the workstation. A character that cannot be
encoded is refused with a :class:`ValidationError` naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from barcode.charsets import code128 as code128_charset
from barcode.codex import Code128
from ppf.datamatrix import DataMatrix

from biobank_desktop.core.domain.errors import ValidationError

#: Quiet zone on each side of a Code 128 symbol, in modules (ISO/IEC 15417).
CODE128_QUIET_ZONE_MODULES: Final = 10
#: Quiet zone around a DataMatrix symbol, in modules (ISO/IEC 16022).
DATAMATRIX_QUIET_ZONE_MODULES: Final = 1
#: The ZPL ``^BX`` escape character. IDs never contain it; DataMatrix content with it is refused,
#: so the printer never reads part of an ID as an escape sequence.
DATAMATRIX_ZPL_ESCAPE: Final = "`"
MAX_CODE128_CHARS: Final = 80
MAX_DATAMATRIX_CHARS: Final = 500

# ECC200 square symbols: (size in modules, data codewords). ISO/IEC 16022 table 7.
_DATAMATRIX_SIZES: Final[tuple[tuple[int, int], ...]] = (
    (10, 3), (12, 5), (14, 8), (16, 12), (18, 18), (20, 22), (22, 30), (24, 36), (26, 44),
    (32, 62), (36, 86), (40, 114), (44, 144), (48, 174), (52, 204), (64, 280), (72, 368),
    (80, 456), (88, 576), (96, 696), (104, 816), (120, 1050), (132, 1304), (144, 1558),
)  # fmt: skip
_DM_PAD: Final = 129
# Code 128 symbol values with a meaning of their own.
_START_B: Final = 104
_START_C: Final = 105
_CODE_C: Final = 99  # in code set B: switch to C
_CODE_B: Final = 100  # in code set C: switch to B


@dataclass(frozen=True, slots=True)
class Rect:
    """A filled rectangle in printer dots: top-left corner (x, y), width and height."""

    x: int
    y: int
    width: int
    height: int


def _describe_char(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


def _check_ascii(content: str, symbology: str, *, what: str, reserved: str = "") -> None:
    if not content:
        raise ValidationError(f"{what} is empty, so there is nothing to put in the {symbology} barcode.")
    for position, char in enumerate(content, start=1):
        if not (" " <= char <= "~") or char in reserved:
            raise ValidationError(
                f"{symbology} cannot encode the character {_describe_char(char)} (position {position}) "
                f"in {what} {content!r}.",
                hint="Barcodes on labels take letters A-Z, digits and ASCII punctuation only; "
                "print this field as text, or correct the value.",
            )


@dataclass(frozen=True, slots=True)
class Code128Symbol:
    """A Code 128 symbol: its symbol values and its module pattern (``'1'`` dark, ``'0'`` light).

    ``pattern`` runs from the start character to the end of the stop character; the quiet zones
    (:data:`CODE128_QUIET_ZONE_MODULES` on each side) are not part of it.
    """

    content: str
    values: tuple[int, ...]  # start, data and code-set switches; no check character, no stop
    pattern: str

    @property
    def width_modules(self) -> int:
        return len(self.pattern)

    @property
    def quiet_zone_modules(self) -> int:
        return CODE128_QUIET_ZONE_MODULES

    def bars(self) -> Iterator[tuple[int, int]]:
        """The dark bars as (first module, width in modules), left to right."""
        start = -1
        for index, module in enumerate(self.pattern):
            if module == "1" and start < 0:
                start = index
            elif module == "0" and start >= 0:
                yield start, index - start
                start = -1
        if start >= 0:
            yield start, len(self.pattern) - start

    def local_rects(self, module_dots: int, bar_height_dots: int) -> list[Rect]:
        """The bars in dots, unrotated, relative to the symbol's top-left corner."""
        return [Rect(first * module_dots, 0, width * module_dots, bar_height_dots) for first, width in self.bars()]

    def zpl_field_data(self) -> str:
        """The ``^FD`` data for ZPL ``^BC`` in mode N that makes the printer draw exactly this symbol.

        The code set choices are spelt out with ZPL invocation codes (``>:`` start B, ``>;``
        start C, ``>5``/``>6`` switch to C/B), so the printer does not re-optimise them and the
        symbol has exactly the width the layout checked. Content with a ``>`` has no reliable
        spelling (renderers disagree on ``><``): ValueError; draw such a symbol as boxes instead.
        """
        if ">" in self.content:
            raise ValueError("'>' cannot be sent reliably in ZPL ^BC data; draw the bars as boxes")
        parts: list[str] = []
        code_set = ""
        for value in self.values:
            if not parts:
                code_set = "B" if value == _START_B else "C"
                parts.append(">:" if code_set == "B" else ">;")
            elif code_set == "B" and value == _CODE_C:
                code_set = "C"
                parts.append(">5")
            elif code_set == "C" and value == _CODE_B:
                code_set = "B"
                parts.append(">6")
            elif code_set == "C":
                parts.append(f"{value:02d}")
            else:
                parts.append(chr(value + 32))
        return "".join(parts)


def encode_code128(content: str, *, what: str = "the value") -> Code128Symbol:
    """Encode printable ASCII ``content`` as Code 128; ValidationError for anything else.

    ``what`` names the value in messages ("sample ID").
    """
    _check_ascii(content, "Code 128", what=what)
    if len(content) > MAX_CODE128_CHARS:
        raise ValidationError(
            f"{what.capitalize()} {content[:20]!r}... has {len(content)} characters; a Code 128 barcode on a "
            f"label takes at most {MAX_CODE128_CHARS}.",
            hint="Print it as DataMatrix or as text.",
        )
    # A fresh python-barcode object per call: it keeps its current code set as state.
    values = list(Code128(content).encoded)
    if values[0] not in (_START_B, _START_C) or any(
        value in (code128_charset.START_CODES["A"], 101) for value in values[1:]
    ):
        # Code set A is only chosen for control characters, which _check_ascii refuses.
        raise ValidationError(f"Code 128 cannot encode {what} {content!r} without control characters.")
    checksum = (values[0] + sum(position * value for position, value in enumerate(values[1:], 1))) % 103
    pattern = "".join(code128_charset.CODES[value] for value in (*values, checksum))
    pattern += code128_charset.STOP + "11"
    return Code128Symbol(content=content, values=tuple(values), pattern=pattern)


@dataclass(frozen=True, slots=True)
class DataMatrixSymbol:
    """A square DataMatrix ECC200 symbol; ``modules[row][column]`` is True for a dark module.

    Row 0 is the top (the dotted timing edge); the solid finder edges are the left column and the
    bottom row. The quiet zone (:data:`DATAMATRIX_QUIET_ZONE_MODULES`) is not part of it.
    """

    content: str
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        """Rows (= columns) of the symbol, e.g. 16 for a 16 x 16 symbol."""
        return len(self.modules)

    @property
    def width_modules(self) -> int:
        return self.size

    @property
    def quiet_zone_modules(self) -> int:
        return DATAMATRIX_QUIET_ZONE_MODULES

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """Horizontal runs of dark modules as (row, first column, length)."""
        for row_index, row in enumerate(self.modules):
            start = -1
            for column, dark in enumerate(row):
                if dark and start < 0:
                    start = column
                elif not dark and start >= 0:
                    yield row_index, start, column - start
                    start = -1
            if start >= 0:
                yield row_index, start, len(row) - start

    def local_rects(self, module_dots: int) -> list[Rect]:
        """Dark modules in dots (horizontal runs merged), unrotated, from the symbol's top-left corner."""
        return [
            Rect(column * module_dots, row * module_dots, length * module_dots, module_dots)
            for row, column, length in self.runs()
        ]


class _PreEncoded:
    """Hands ppf-datamatrix codewords we padded ourselves (it only calls ``encode``)."""

    def __init__(self, codewords: bytes) -> None:
        self._codewords = codewords

    def encode(self, codec: str) -> bytes:
        return self._codewords


def _pad(codewords: bytes, capacity: int) -> bytes:
    """ECC200 padding (ISO/IEC 16022 5.2.3): 129, then 253-state randomised 129s."""
    out = bytearray(codewords)
    if len(out) < capacity:
        out.append(_DM_PAD)
    while len(out) < capacity:
        position = len(out) + 1
        value = _DM_PAD + (149 * position) % 253 + 1
        out.append(value if value <= 254 else value - 254)
    return bytes(out)


def datamatrix_size_for(content: str) -> int:
    """The square ECC200 size (modules) both renderers use for ``content``.

    It is the smallest symbol holding the content in ASCII encodation (digit pairs packed), the
    scheme every encoder supports; the ZPL printer is told this exact size, so PDF and ZPL match.
    """
    codeword_count = len(content.encode("datamatrix.ascii"))
    for size, capacity in _DATAMATRIX_SIZES:
        if codeword_count <= capacity:
            return size
    raise ValidationError(f"{content[:20]!r}... is too long for a DataMatrix barcode.", hint="Shorten the value.")


def encode_datamatrix(content: str, *, what: str = "the value") -> DataMatrixSymbol:
    """Encode printable ASCII ``content`` as a square DataMatrix ECC200; ValidationError otherwise."""
    _check_ascii(content, "DataMatrix", what=what, reserved=DATAMATRIX_ZPL_ESCAPE)
    if len(content) > MAX_DATAMATRIX_CHARS:
        raise ValidationError(
            f"{what.capitalize()} has {len(content)} characters; a DataMatrix on a label takes at most "
            f"{MAX_DATAMATRIX_CHARS}.",
            hint="Shorten the value or print it as text.",
        )
    size = datamatrix_size_for(content)
    capacity = dict(_DATAMATRIX_SIZES)[size]
    codewords = _pad(content.encode("datamatrix.ascii"), capacity)
    matrix = DataMatrix(_PreEncoded(codewords)).matrix
    modules = tuple(tuple(bool(cell) for cell in row) for row in matrix)
    if len(modules) != size or any(len(row) != size for row in modules):  # pragma: no cover - library guard
        raise RuntimeError(f"ppf-datamatrix made a {len(modules)}-module symbol where {size} was expected")
    return DataMatrixSymbol(content=content, modules=modules)


Symbol = Code128Symbol | DataMatrixSymbol
