"""Box and rack layouts, position labels, and the position styles rack scanners write."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.positions import (
    BOX_9X9,
    BOX_10X10,
    RACK_24,
    RACK_48,
    RACK_96,
    BoxLayout,
    FillOrder,
    LabelScheme,
    letters_label,
    letters_value,
)

NUMBERED_9X9 = BoxLayout(9, 9, LabelScheme.NUMBERS, LabelScheme.NUMBERS)
RACK_96_BY_COLUMN = dataclasses.replace(RACK_96, fill_order=FillOrder.COLUMN_MAJOR)

_ALL_LAYOUTS = [
    BOX_9X9,
    BOX_10X10,
    RACK_96,
    RACK_48,
    RACK_24,
    NUMBERED_9X9,
    RACK_96_BY_COLUMN,
    BoxLayout(5, 3, LabelScheme.NUMBERS, LabelScheme.LETTERS),
    BoxLayout(4, 30, LabelScheme.LETTERS, LabelScheme.LETTERS, FillOrder.COLUMN_MAJOR),
    BoxLayout(64, 64),
    BoxLayout(1, 1),
]


def _random_layouts(count: int) -> list[BoxLayout]:
    rng = random.Random(42)
    return [
        BoxLayout(
            rng.randint(1, 64),
            rng.randint(1, 64),
            rng.choice(list(LabelScheme)),
            rng.choice(list(LabelScheme)),
            rng.choice(list(FillOrder)),
        )
        for _ in range(count)
    ]


# -- letters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "label"), [(1, "A"), (9, "I"), (26, "Z"), (27, "AA"), (52, "AZ"), (64, "BL")])
def test_letter_labels(n: int, label: str) -> None:
    assert letters_label(n) == label
    assert letters_value(label) == n


def test_letter_labels_are_a_bijection_up_to_64() -> None:
    labels = [letters_label(n) for n in range(1, 65)]
    assert len(set(labels)) == 64
    assert [letters_value(label) for label in labels] == list(range(1, 65))


# -- layout validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "columns"), [(0, 9), (9, 0), (65, 1), (1, 65), (-1, 5), (True, 9), (9.0, 9)])
def test_layout_rejects_bad_sizes(rows: int, columns: int) -> None:
    with pytest.raises(ValidationError):
        BoxLayout(rows, columns)


def test_layout_rejects_non_enum_schemes() -> None:
    with pytest.raises(ValidationError):
        BoxLayout(9, 9, "letters", LabelScheme.NUMBERS)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        BoxLayout(9, 9, fill_order="row_major")  # type: ignore[arg-type]


def test_enum_values_match_what_the_database_stores() -> None:
    assert LabelScheme("letters") is LabelScheme.LETTERS
    assert LabelScheme("numbers") is LabelScheme.NUMBERS
    assert FillOrder("row_major") is FillOrder.ROW_MAJOR
    assert FillOrder("column_major") is FillOrder.COLUMN_MAJOR


def test_common_layouts() -> None:
    assert (BOX_9X9.rows, BOX_9X9.columns, BOX_9X9.capacity) == (9, 9, 81)
    assert BOX_10X10.capacity == 100
    assert (RACK_96.rows, RACK_96.columns, RACK_96.capacity) == (8, 12, 96)
    assert (RACK_48.rows, RACK_48.columns) == (6, 8)
    assert (RACK_24.rows, RACK_24.columns) == (4, 6)
    assert BOX_9X9.position_label(9, 9) == "I9"
    assert BOX_10X10.position_label(10, 10) == "J10"
    assert RACK_96.position_label(8, 12) == "H12"


def test_the_container_word_does_not_change_equality() -> None:
    assert BoxLayout(8, 12) == RACK_96
    assert hash(BoxLayout(8, 12)) == hash(RACK_96)


# -- labels ----------------------------------------------------------------------------------------


def test_labels_by_scheme() -> None:
    assert BOX_9X9.position_label(1, 1) == "A1"
    assert BOX_9X9.position_label(2, 7) == "B7"
    assert NUMBERED_9X9.position_label(2, 7) == "2/7"
    column_letters = BoxLayout(5, 3, LabelScheme.NUMBERS, LabelScheme.LETTERS)
    assert column_letters.position_label(4, 2) == "B4"  # spreadsheet style: column B, row 4
    letters_both = BoxLayout(30, 30, LabelScheme.LETTERS, LabelScheme.LETTERS)
    assert letters_both.position_label(27, 2) == "AA/B"


def test_position_label_refuses_positions_outside_the_grid() -> None:
    with pytest.raises(ValidationError, match=r"Position J1 does not exist in a 9 × 9 box"):
        BOX_9X9.position_label(10, 1)
    with pytest.raises(ValidationError):
        BOX_9X9.position_label(1, 0)


# -- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["A1", "A01", "a/01", "A-1", "A 1", "A001", " a1 ", "A:1", "A.1", "A / 1", "1A"])
def test_parse_position_styles(text: str) -> None:
    assert BOX_9X9.parse_position(text) == (1, 1)


@pytest.mark.parametrize(
    ("text", "expected"), [("H12", (8, 12)), ("h/12", (8, 12)), ("C07", (3, 7)), ("B-10", (2, 10))]
)
def test_parse_rack_positions(text: str, expected: tuple[int, int]) -> None:
    assert RACK_96.parse_position(text) == expected


def test_out_of_range_message_names_the_layout() -> None:
    with pytest.raises(ValidationError) as caught:
        BOX_9X9.parse_position("K3")
    assert str(caught.value) == "Position K3 does not exist in a 9 × 9 box (rows A–I, columns 1–9)."
    with pytest.raises(ValidationError) as caught:
        RACK_96.parse_position("a13")
    assert str(caught.value) == "Position A13 does not exist in an 8 × 12 rack (rows A–H, columns 1–12)."


@pytest.mark.parametrize("text", ["", "A", "1", "AA", "A1B", "A1/2", "A-", "Ä1", "A½", "A" * 30 + "1", "9" * 5000])
def test_parse_rejects_garbage(text: str) -> None:
    with pytest.raises(ValidationError):
        BOX_9X9.parse_position(text)


def test_parse_rejects_zero() -> None:
    with pytest.raises(ValidationError, match="Position A0 does not exist"):
        BOX_9X9.parse_position("A0")


def test_numbered_layout_accepts_pairs_and_position_numbers() -> None:
    assert NUMBERED_9X9.parse_position("3/4") == (3, 4)
    assert NUMBERED_9X9.parse_position("03-04") == (3, 4)
    assert NUMBERED_9X9.parse_position("3 4") == (3, 4)
    assert NUMBERED_9X9.parse_position("1") == (1, 1)
    assert NUMBERED_9X9.parse_position("10") == (2, 1)  # row-major: position 10 starts row 2
    assert NUMBERED_9X9.parse_position("81") == (9, 9)
    by_column = dataclasses.replace(NUMBERED_9X9, fill_order=FillOrder.COLUMN_MAJOR)
    assert by_column.parse_position("10") == (1, 2)


def test_numbered_layout_refuses_positions_past_the_end() -> None:
    with pytest.raises(ValidationError, match=r"Position 82 does not exist in a 9 × 9 box.*1–81"):
        NUMBERED_9X9.parse_position("82")
    with pytest.raises(ValidationError):
        NUMBERED_9X9.parse_position("0")
    with pytest.raises(ValidationError):
        NUMBERED_9X9.parse_position("A1")  # no letters in a numbered box


def test_single_numbers_are_not_positions_in_a_lettered_box() -> None:
    with pytest.raises(ValidationError):
        BOX_9X9.parse_position("17")


def test_parse_row_col_for_exports_with_separate_columns() -> None:
    assert RACK_96.parse_row_col("A", "1") == (1, 1)
    assert RACK_96.parse_row_col(" h ", "012") == (8, 12)
    with pytest.raises(ValidationError):
        RACK_96.parse_row_col("I", "1")
    with pytest.raises(ValidationError):
        RACK_96.parse_row_col("1", "A")


# -- order and indexes: properties over many layouts --------------------------------------------------


@pytest.mark.parametrize("layout", _ALL_LAYOUTS + _random_layouts(40), ids=repr)
def test_every_position_round_trips(layout: BoxLayout) -> None:
    positions = list(layout.positions())
    assert len(positions) == layout.capacity
    assert len(set(positions)) == layout.capacity
    for number, (row, col) in enumerate(positions, start=1):
        assert layout.contains(row, col)
        assert layout.index_of(row, col) == number
        assert layout.at_index(number) == (row, col)
        label = layout.position_label(row, col)
        assert layout.parse_position(label) == (row, col)
        assert layout.parse_position(label.lower()) == (row, col)
    labels = [layout.position_label(row, col) for row, col in positions]
    assert len(set(labels)) == layout.capacity


@pytest.mark.parametrize("layout", _ALL_LAYOUTS, ids=repr)
def test_fill_order(layout: BoxLayout) -> None:
    positions = list(layout.positions())
    key = (lambda p: p) if layout.fill_order is FillOrder.ROW_MAJOR else (lambda p: (p[1], p[0]))
    assert positions == sorted(positions, key=key)


def test_at_index_refuses_numbers_outside_the_box() -> None:
    for bad in (0, 82, -1):
        with pytest.raises(ValidationError):
            BOX_9X9.at_index(bad)


def test_column_major_rack_starts_down_the_first_column() -> None:
    labels = [RACK_96_BY_COLUMN.position_label(r, c) for r, c in RACK_96_BY_COLUMN.positions()]
    assert labels[:9] == ["A1", "B1", "C1", "D1", "E1", "F1", "G1", "H1", "A2"]
    assert labels[-1] == "H12"
    assert RACK_96_BY_COLUMN.index_of(1, 2) == 9


# -- rack scanner files ------------------------------------------------------------------------------
# Excerpts of /work/shared/samples/rackscans, kept here so the tests run anywhere; the full files are
# checked too when they are present.

_FLUIDX_EXCERPT = """\
A01, FX84903659
B01, FX86910239
C01, FX52110478
D01, FX55650450
E01, FX57000147
F01, FX89774974
G01, FX76662562
H01, FX87832216
A02, FX71230843
B02, FX19229206
"""

_DATAPAQ_EXCERPT = """\
Data,RackBarcode,Row,Col,tubeBarcode
Nov 27, 2026 3:41:08 PM,RK00001234,A,1,0153464097
Nov 27, 2026 3:41:08 PM,RK00001234,A,2,0130246633
Nov 27, 2026 3:41:08 PM,RK00001234,A,12,0178106871
Nov 27, 2026 3:41:08 PM,RK00001234,B,1,0138816302
Nov 27, 2026 3:41:08 PM,RK00001234,C,7,DECODE FAILURE
Nov 27, 2026 3:41:08 PM,RK00001234,H,12,EMPTY
"""

_HEADERLESS_EXCERPT = """\
TR00012345,A1,FX69139937
TR00012345,A2,FX31783965
TR00012345,A6,FX17056578
TR00012345,B1,FX23741157
TR00012345,D6,FX90836544
"""


def _fluidx_positions(text: str) -> list[tuple[int, int]]:
    return [RACK_96.parse_position(line.split(",")[0]) for line in text.splitlines() if line.strip()]


def _datapaq_positions(text: str) -> list[tuple[int, int]]:
    rows = text.splitlines()[1:]
    # The date holds an unquoted comma: split from the right.
    return [RACK_96.parse_row_col(*line.rsplit(",", 3)[1:3]) for line in rows if line.strip()]


def _headerless_positions(text: str) -> list[tuple[int, int]]:
    return [RACK_24.parse_position(line.split(",")[1]) for line in text.splitlines() if line.strip()]


def test_fluidx_zero_padded_positions_in_column_major_order() -> None:
    positions = _fluidx_positions(_FLUIDX_EXCERPT)
    assert positions == list(RACK_96_BY_COLUMN.positions())[: len(positions)]
    assert positions[8] == (1, 2)  # A02 follows H01


def test_datapaq_separate_row_and_column() -> None:
    positions = _datapaq_positions(_DATAPAQ_EXCERPT)
    assert positions == [(1, 1), (1, 2), (1, 12), (2, 1), (3, 7), (8, 12)]


def test_headerless_unpadded_positions_in_a_24_rack() -> None:
    positions = _headerless_positions(_HEADERLESS_EXCERPT)
    assert positions == [(1, 1), (1, 2), (1, 6), (2, 1), (4, 6)]
    assert [RACK_24.index_of(*p) for p in positions] == [1, 2, 6, 7, 24]


def _rackscans_dir() -> Path | None:
    for candidate in (
        Path(__file__).resolve().parents[2] / "fixtures" / "rackscans",
        Path("/work/shared/samples/rackscans"),
    ):
        if candidate.is_dir():
            return candidate
    return None


_RACKSCANS = _rackscans_dir()
needs_rackscans = pytest.mark.skipif(_RACKSCANS is None, reason="rack scan sample files not available")


@needs_rackscans
def test_full_fluidx_file_covers_the_rack_column_by_column() -> None:
    assert _RACKSCANS is not None
    text = (_RACKSCANS / "fluidx_intellicode.txt").read_text(encoding="utf-8")
    assert _fluidx_positions(text) == list(RACK_96_BY_COLUMN.positions())


@needs_rackscans
def test_full_datapaq_file_covers_the_rack_row_by_row() -> None:
    assert _RACKSCANS is not None
    text = (_RACKSCANS / "datapaq_server_export.csv").read_text(encoding="utf-8")
    assert _datapaq_positions(text) == list(RACK_96.positions())


@needs_rackscans
def test_full_headerless_file_covers_a_24_rack() -> None:
    assert _RACKSCANS is not None
    text = (_RACKSCANS / "headerless_rack_position_tube.csv").read_text(encoding="utf-8")
    assert _headerless_positions(text) == list(RACK_24.positions())
