"""Container-type conventions: Roman numerals, linear numbering, the eight fill orders, exact conversion."""

from __future__ import annotations

import itertools

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.positions import (
    BoxLayout,
    FillOrder,
    LabelScheme,
    convert_position,
    roman_label,
    roman_value,
)

LETTERED_9X9 = BoxLayout(9, 9)
LINEAR_9X9 = BoxLayout(9, 9, linear=True)


def test_partner_position_37_in_a_row_first_9x9_box_is_e1() -> None:
    assert convert_position("37", LINEAR_9X9, LETTERED_9X9) == "E1"
    assert convert_position("E1", LETTERED_9X9, LINEAR_9X9) == "37"
    by_column = BoxLayout(9, 9, fill_order=FillOrder.COLUMN_MAJOR, linear=True)
    assert convert_position("37", by_column, LETTERED_9X9) == "A5"


def test_conversion_refuses_different_grids() -> None:
    with pytest.raises(ValidationError, match="same number of rows and columns"):
        convert_position("1", LINEAR_9X9, BoxLayout(10, 10))


@pytest.mark.parametrize("n", range(1, 65))
def test_roman_numerals_round_trip(n: int) -> None:
    assert roman_value(roman_label(n)) == n
    assert roman_value(roman_label(n).upper()) == n


def test_roman_known_values_and_non_canonical_forms() -> None:
    assert [roman_label(n) for n in (1, 4, 9, 14, 40, 64)] == ["i", "iv", "ix", "xiv", "xl", "lxiv"]
    assert roman_value("IIII") is None
    assert roman_value("VX") is None
    assert roman_value("") is None


def test_roman_rows_are_written_iii_4() -> None:
    layout = BoxLayout(10, 10, LabelScheme.ROMAN, LabelScheme.NUMBERS)
    assert layout.position_label(3, 4) == "iii-4"
    assert layout.parse_position("iii-4") == (3, 4)
    assert layout.parse_position("III4") == (3, 4)
    assert layout.parse_position("4 iii") == (3, 4)  # the numeral names the row wherever it is written
    assert layout.describe() == "a 10 × 10 box (rows i–x, columns 1–10)"
    with pytest.raises(ValidationError, match="not a position"):
        layout.parse_position("iiii-4")
    with pytest.raises(ValidationError, match="does not exist"):
        layout.parse_position("xi-1")


def test_roman_on_both_axes_needs_a_separator() -> None:
    layout = BoxLayout(5, 5, LabelScheme.ROMAN, LabelScheme.ROMAN)
    assert layout.position_label(2, 4) == "ii-iv"
    assert layout.parse_position("ii/iv") == (2, 4)
    with pytest.raises(ValidationError):
        layout.parse_position("iiiv")


def test_linear_box_takes_only_its_numbers() -> None:
    assert LINEAR_9X9.position_label(5, 1) == "37"
    assert LINEAR_9X9.parse_position("37") == (5, 1)
    assert LINEAR_9X9.parse_position(" 081 ") == (9, 9)
    with pytest.raises(ValidationError, match="positions are numbered 1–81"):
        LINEAR_9X9.parse_position("82")
    with pytest.raises(ValidationError, match="not a position") as caught:
        LINEAR_9X9.parse_position("E1")
    assert "1 or 81" in str(caught.value)
    assert LINEAR_9X9.convention() == "1 … 81 (row by row from the top-left corner)"


def test_a_number_written_for_a_lettered_box_says_which_position_it_would_be() -> None:
    with pytest.raises(ValidationError) as caught:
        LETTERED_9X9.parse_position("37")
    assert "does not number its positions" in caught.value.message
    assert caught.value.hint is not None and "position 37 is E1" in caught.value.hint


@pytest.mark.parametrize(("order", "first", "second", "last"), [
    (FillOrder.ROW_MAJOR, "A1", "A2", "H12"),
    (FillOrder.ROW_MAJOR_TOP_RIGHT, "A12", "A11", "H1"),
    (FillOrder.ROW_MAJOR_BOTTOM_LEFT, "H1", "H2", "A12"),
    (FillOrder.ROW_MAJOR_BOTTOM_RIGHT, "H12", "H11", "A1"),
    (FillOrder.COLUMN_MAJOR, "A1", "B1", "H12"),
    (FillOrder.COLUMN_MAJOR_TOP_RIGHT, "A12", "B12", "H1"),
    (FillOrder.COLUMN_MAJOR_BOTTOM_LEFT, "H1", "G1", "A12"),
    (FillOrder.COLUMN_MAJOR_BOTTOM_RIGHT, "H12", "G12", "A1"),
])
def test_the_eight_fill_orders(order: FillOrder, first: str, second: str, last: str) -> None:
    layout = BoxLayout(8, 12, fill_order=order)
    labels = [layout.position_label(*p) for p in layout.positions()]
    assert (labels[0], labels[1], labels[-1]) == (first, second, last)
    assert len(set(labels)) == 96
    for number, pos in enumerate(layout.positions(), start=1):
        assert layout.index_of(*pos) == number
        assert layout.at_index(number) == pos


def test_eight_distinct_orders_with_stored_values_that_fit_the_column() -> None:
    assert len({o.value for o in FillOrder}) == 8
    assert all(len(o.value) <= 20 for o in FillOrder)
    assert FillOrder("row_major") is FillOrder.ROW_MAJOR  # v1 values unchanged
    assert FillOrder.COLUMN_MAJOR_BOTTOM_RIGHT.describe() == "column by column from the bottom-right corner"


@pytest.mark.parametrize(("rows", "cols", "order", "schemes"), list(itertools.product(
    (1, 5, 7), (1, 6, 9), list(FillOrder), [(LabelScheme.LETTERS, LabelScheme.NUMBERS),
                                            (LabelScheme.ROMAN, LabelScheme.NUMBERS),
                                            (LabelScheme.NUMBERS, LabelScheme.ROMAN)]))[::3])
def test_every_layout_round_trips_grid_and_linear(rows: int, cols: int, order: FillOrder,
                                                   schemes: tuple[LabelScheme, LabelScheme]) -> None:
    for linear in (False, True):
        layout = BoxLayout(rows, cols, schemes[0], schemes[1], order, linear=linear)
        labels = set()
        for pos in layout.positions():
            label = layout.position_label(*pos)
            labels.add(label)
            assert layout.parse_position(label) == pos
        assert len(labels) == layout.capacity
