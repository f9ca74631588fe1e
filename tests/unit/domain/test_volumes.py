"""Volumes: parsing what people and manifests write, formatting, conversion."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.volumes import (
    MICROLITRE,
    QUANTUM,
    canonical_unit,
    convert,
    format_volume,
    parse_volume,
)


@pytest.mark.parametrize(
    ("text", "microlitres"),
    [
        ("1,5 mL", "1500"),
        ("1.5ml", "1500"),
        ("1.5 ML", "1500"),
        ("250 µL", "250"),  # U+00B5 MICRO SIGN
        ("250 μL", "250"),  # U+03BC GREEK SMALL LETTER MU
        ("250 uL", "250"),
        ("250ul", "250"),
        ("250 microlitres", "250"),
        ("0.25 mL", "250"),
        (".25 mL", "250"),
        ("0,250 mL", "250"),  # three decimals, but 0 before the comma: no thousands reading
        ("1234.500 µL", "1234.5"),  # four digits before the point: cannot be grouping
        ("12,5 µL", "12.5"),
        ("1,5000 mL", "1500"),
        ("2 L", "2000000"),
        ("  +3 mL  ", "3000"),
        ("0.01 µL", "0.01"),
    ],
)
def test_parse_volume_text(text: str, microlitres: str) -> None:
    assert parse_volume(text) == Decimal(microlitres)


def test_parsed_volumes_have_two_decimal_places() -> None:
    assert parse_volume("1.5 mL").as_tuple().exponent == -2
    assert parse_volume("250 µL").as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "unit", "microlitres"),
    [
        (250, "µL", "250"),
        (Decimal("0.25"), "mL", "250"),
        (0.25, "mL", "250"),  # float from a spreadsheet reader
        (7.0, "ul", "7"),  # calamine gives every number as a float
        ("1,5", "mL", "1500"),
        ("250", "uL", "250"),
        ("1.5 mL", "µL", "1500"),  # a unit in the text wins over the default
    ],
)
def test_parse_volume_with_default_unit(value: object, unit: str, microlitres: str) -> None:
    assert parse_volume(value, unit) == Decimal(microlitres)  # type: ignore[arg-type]


def test_missing_unit_message() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_volume("250")
    assert str(caught.value) == "Volume '250' has no unit. Write 250 µL or 0.25 mL."
    with pytest.raises(ValidationError, match="has no unit"):
        parse_volume(250)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1.500,5 mL", "1500.5 mL"),  # both separators: never guessed, but the hint shows the fix
        ("1,500.5 mL", "1500.5 mL"),
        ("1.000.000 µL", "1000000 µL"),
        ("1,500 µL", "ambiguous"),
        ("1.500 mL", "ambiguous"),
        ("12,345 µL", "ambiguous"),
        ("1 500 µL", "spaces"),
        ("-5 mL", "more than zero"),
        ("0 mL", "more than zero"),
        ("0,000 mL", "more than zero"),
        ("0.001 µL", "too small"),
        ("5 gallons", "unknown unit 'gallons'"),
        ("mL", "not a volume"),
        ("abc", "not a volume"),
        ("", "No volume"),
        ("5. mL", "not a volume"),
        ("1e3 µL", "unknown unit"),
        ("9" * 40 + " L", "too large"),
    ],
)
def test_parse_volume_refuses(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_volume(text)
    assert fragment in str(caught.value)


def test_ambiguous_message_names_both_readings() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_volume("1,500 µL")
    message = str(caught.value)
    assert "1.5 µL" in message
    assert "1500 µL" in message


@pytest.mark.parametrize("value", [True, None, float("nan"), float("inf"), Decimal("NaN"), -1, 0, [1]])
def test_parse_volume_refuses_non_volumes(value: object) -> None:
    with pytest.raises(ValidationError):
        parse_volume(value, "µL")  # type: ignore[arg-type]


def test_a_known_decimal_separator_resolves_the_ambiguity() -> None:
    assert parse_volume("1.500 mL", decimal_separator=".") == Decimal("1500")
    assert parse_volume("1,500 mL", decimal_separator=",") == Decimal("1500")
    with pytest.raises(ValidationError, match="uses '.'"):
        parse_volume("1.5 mL", decimal_separator=",")
    with pytest.raises(ValidationError):
        parse_volume("1.500,5 mL", decimal_separator=",")


def test_rounding_is_half_up_to_hundredths_of_a_microlitre() -> None:
    assert parse_volume("0.123456 mL") == Decimal("123.46")
    assert parse_volume("0.005 µL") == Decimal("0.01")
    assert parse_volume("0.0049 mL") == Decimal("4.90")
    assert parse_volume("1.2345 µL") == Decimal("1.23")


def test_unit_spellings() -> None:
    assert canonical_unit("uL") == MICROLITRE
    assert canonical_unit("μl") == MICROLITRE
    assert canonical_unit(" ML ") == "mL"
    assert canonical_unit("litres") == "L"
    with pytest.raises(ValidationError):
        canonical_unit("cc")


# -- formatting and conversion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("microlitres", "unit", "text"),
    [
        ("250", "auto", "250 µL"),
        ("1500", "auto", "1.5 mL"),
        ("1000", "auto", "1 mL"),
        ("1250.00", "auto", "1.25 mL"),
        ("1234", "auto", "1234 µL"),  # 1.234 mL would read two ways
        ("999.99", "auto", "999.99 µL"),
        ("0.5", "auto", "0.5 µL"),
        ("0", "auto", "0 µL"),
        ("1000000", "auto", "1000 mL"),  # never an exponent
        ("1500", "µL", "1500 µL"),
        ("250", "mL", "0.25 mL"),
        ("250", "L", "0.00025 L"),
        ("1234", "ml", "1.234 mL"),
    ],
)
def test_format_volume(microlitres: str, unit: str, text: str) -> None:
    assert format_volume(Decimal(microlitres), unit) == text


def test_convert() -> None:
    assert convert(Decimal("250"), "mL") == Decimal("0.25")
    assert convert(Decimal("1500.00"), "µL") == Decimal("1500")
    assert convert(Decimal("2500000"), "L") == Decimal("2.5")
    with pytest.raises(ValidationError):
        convert(Decimal(1), "gal")


def _random_volumes(count: int) -> list[Decimal]:
    rng = random.Random(99)
    values = [Decimal(rng.randint(1, 10**9)) * QUANTUM for _ in range(count)]
    return [*values, Decimal("0.01"), Decimal("1000"), Decimal("1234"), Decimal("999.99")]


@pytest.mark.parametrize("ul", _random_volumes(300))
def test_auto_format_parses_back(ul: Decimal) -> None:
    assert parse_volume(format_volume(ul)) == ul


@pytest.mark.parametrize("ul", _random_volumes(100))
@pytest.mark.parametrize("unit", ["µL", "mL", "L"])
def test_any_unit_parses_back_with_the_decimal_point(ul: Decimal, unit: str) -> None:
    assert parse_volume(format_volume(ul, unit), decimal_separator=".") == ul


@pytest.mark.parametrize("ul", _random_volumes(100))
def test_decimal_comma_writing_parses_to_the_same_volume(ul: Decimal) -> None:
    text = format_volume(ul).replace(".", ",")
    assert parse_volume(text, decimal_separator=",") == ul
