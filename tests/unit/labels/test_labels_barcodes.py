"""Barcode symbols: what python-barcode and ppf-datamatrix make decodes back, characters are checked."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.barcodes import (
    DATAMATRIX_ZPL_ESCAPE,
    Code128Symbol,
    DataMatrixSymbol,
    datamatrix_size_for,
    encode_code128,
    encode_datamatrix,
)
from tests.support.labels_testkit import SAMPLE_IDS, decode


def _draw(symbol: Code128Symbol | DataMatrixSymbol, module: int) -> Image.Image:
    quiet = symbol.quiet_zone_modules * module
    if isinstance(symbol, Code128Symbol):
        rects = symbol.local_rects(module, 60)
        width, height = symbol.width_modules * module, 60
    else:
        rects = symbol.local_rects(module)
        width = height = symbol.size * module
    image = Image.new("L", (width + 2 * quiet, height + 2 * quiet), 255)
    draw = ImageDraw.Draw(image)
    for rect in rects:
        draw.rectangle(
            (quiet + rect.x, quiet + rect.y, quiet + rect.x + rect.width - 1, quiet + rect.y + rect.height - 1),
            fill=0,
        )
    return image


@pytest.mark.parametrize("content", [*SAMPLE_IDS, "12345678", "A>B^C~D_E\\F", "x"])
def test_a_code128_symbol_decodes_back_to_its_content(content: str) -> None:
    symbol = encode_code128(content)
    assert decode(_draw(symbol, 2)) == [content]


def test_the_code128_pattern_has_the_length_the_standard_gives() -> None:
    # Start + 14 symbols + check character = 16 x 11 modules, stop = 13 modules.
    symbol = encode_code128("BB-2026-000123W")
    assert len(symbol.values) == 15
    assert symbol.width_modules == 16 * 11 + 13
    assert set(symbol.pattern) == {"0", "1"}
    assert symbol.pattern.startswith("11") and symbol.pattern.endswith("11")


def test_the_zpl_code128_data_spells_out_the_same_code_sets() -> None:
    assert encode_code128("BB-2026-000123W").zpl_field_data() == ">:BB->52026>6->5000123>6W"
    assert encode_code128("123456").zpl_field_data() == ">;123456"
    # ZPL renderers disagree on how '>' is spelt in ^BC data: refused here, drawn as boxes by the renderer.
    with pytest.raises(ValueError, match="'>'"):
        encode_code128("A>B").zpl_field_data()


@pytest.mark.parametrize(
    ("content", "bad"),
    [("BB-2026-ç0123", "'ç'"), ("BB-µ", "'µ'"), ("BB\t1", "U+0009"), ("BB-2026–1", "'–'")],
)
def test_characters_code128_cannot_encode_are_refused_by_name(content: str, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        encode_code128(content, what="sample ID")
    message = str(caught.value)
    assert f"Code 128 cannot encode the character {bad}" in message
    assert "sample ID" in message


def test_an_empty_value_is_refused() -> None:
    with pytest.raises(ValidationError, match="empty"):
        encode_code128("")
    with pytest.raises(ValidationError, match="empty"):
        encode_datamatrix("")


@pytest.mark.parametrize("content", [*SAMPLE_IDS, "A", "https://biobank.example/s/BB-2026-000123W?x=1"])
def test_a_datamatrix_symbol_decodes_back_to_its_content(content: str) -> None:
    assert decode(_draw(encode_datamatrix(content), 3)) == [content]


@pytest.mark.parametrize(
    ("content", "size"),
    [("BB-2026-000123-A01", 16), ("BB-2026-000123W", 16), ("BB-2026-000123W-A01", 18), ("123", 10)],
)
def test_a_datamatrix_is_the_smallest_square_symbol_for_its_content(content: str, size: int) -> None:
    symbol = encode_datamatrix(content)
    assert datamatrix_size_for(content) == size
    assert symbol.size == size
    assert all(len(row) == size for row in symbol.modules)
    # Finder pattern: solid left column and bottom row.
    assert all(row[0] for row in symbol.modules)
    assert all(symbol.modules[-1])


def test_datamatrix_refuses_its_zpl_escape_character_and_non_ascii() -> None:
    with pytest.raises(ValidationError, match="DataMatrix cannot encode the character '`'"):
        encode_datamatrix(f"BB{DATAMATRIX_ZPL_ESCAPE}1")
    with pytest.raises(ValidationError, match="DataMatrix cannot encode the character 'ü'"):
        encode_datamatrix("Müller")
