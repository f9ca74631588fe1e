"""Volumes: held as Decimal microlitres, quantized to 0.01 µL; parsed from what people and manifests write.

Decimal separators: '1,5 mL' and '1.5 mL' are both 1500 µL. Thousands separators are never
guessed: a number with both '.' and ',' or with a repeated separator is refused, and so is a number
that reads two ways, such as '1,500 µL' or '1.500 mL' (one separator, 1–3 digits before it and
exactly three after): 1.5 or 1500? Callers that know a column's convention pass
``decimal_separator`` and then such numbers are read with that convention.

Rounding to 0.01 µL is half-up.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from biobank_desktop.core.domain.errors import ValidationError

MICROLITRE = "µL"  # U+00B5 MICRO SIGN, as printed on labels
MILLILITRE = "mL"
LITRE = "L"

#: The resolution volumes are kept at.
QUANTUM = Decimal("0.01")

_FACTORS: dict[str, Decimal] = {MICROLITRE: Decimal(1), MILLILITRE: Decimal(1000), LITRE: Decimal(1_000_000)}

# Lower-cased spellings → canonical unit.
_UNIT_ALIASES: dict[str, str] = {
    "µl": MICROLITRE,  # micro sign
    "μl": MICROLITRE,  # Greek small mu
    "ul": MICROLITRE,
    "mcl": MICROLITRE,
    "microlitre": MICROLITRE,
    "microlitres": MICROLITRE,
    "microliter": MICROLITRE,
    "microliters": MICROLITRE,
    "ml": MILLILITRE,
    "millilitre": MILLILITRE,
    "millilitres": MILLILITRE,
    "milliliter": MILLILITRE,
    "milliliters": MILLILITRE,
    "l": LITRE,
    "litre": LITRE,
    "litres": LITRE,
    "liter": LITRE,
    "liters": LITRE,
}

_TEXT_RE = re.compile(r"(?P<sign>[+-]?)\s*(?P<number>[0-9.,]+)\s*(?P<unit>[^\s0-9.,+-].*?)?")

VolumeInput = str | int | float | Decimal


def canonical_unit(unit: str) -> str:
    """'µL', 'mL' or 'L' for any accepted spelling ('ul', 'uL', 'μl', 'ML', 'millilitres'…)."""
    canonical = _UNIT_ALIASES.get(unit.strip().lower())
    if canonical is None:
        raise ValidationError(f"'{unit.strip()}' is not a volume unit.", hint="Use µL (or uL), mL or L.")
    return canonical


def parse_volume(
    value: VolumeInput,
    default_unit: str | None = None,
    *,
    decimal_separator: Literal[".", ","] | None = None,
) -> Decimal:
    """The volume in microlitres (Decimal, 2 decimal places) of '250 µL', '1,5 mL', '0.25ml', 250 …

    Numbers (int, float, Decimal) and text without a unit take ``default_unit``; without one they
    are refused. Zero, negative, unreadable and ambiguous volumes raise ValidationError.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(f"'{value}' is not a volume.", hint="Write it like 250 µL or 1.5 mL.")
    if isinstance(value, str):
        shown = value.strip()
        amount, unit_text = _parse_text(shown, decimal_separator)
    else:
        shown = _plain(value)
        amount, unit_text = _number_from(value, shown), None
    unit = None
    if unit_text:
        unit = _UNIT_ALIASES.get(unit_text.strip().lower())
        if unit is None:
            raise ValidationError(
                f"Volume '{shown}' has an unknown unit '{unit_text.strip()}'.",
                hint="Use µL (or uL), mL or L.",
            )
    if unit is None:
        if default_unit is None:
            raise ValidationError(
                f"Volume '{shown}' has no unit.",
                hint=f"Write {_plain(amount)} µL or {_plain(amount / 1000)} mL.",
            )
        unit = canonical_unit(default_unit)
    if amount <= 0:
        raise ValidationError(f"Volume '{shown}' must be more than zero.", hint="Correct the volume.")
    try:
        microlitres = (amount * _FACTORS[unit]).quantize(QUANTUM, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValidationError(
            f"Volume '{shown}' is too large.", hint="Correct the volume or its unit."
        ) from None
    if microlitres <= 0:
        raise ValidationError(
            f"Volume '{shown}' is too small: the smallest volume recorded is 0.01 µL.",
            hint="Check the unit.",
        )
    return microlitres


def convert(ul: Decimal, unit: str) -> Decimal:
    """``ul`` microlitres expressed in ``unit`` ('µL', 'mL', 'L' or another accepted spelling)."""
    return ul / _FACTORS[canonical_unit(unit)]


def format_volume(ul: Decimal, unit: str = "auto") -> str:
    """'250 µL', '1.5 mL' — '.' as decimal point, no trailing zeros, no thousands separators.

    ``unit='auto'`` writes mL from 1000 µL up when that needs at most two decimals (1.5 mL, 1.25 mL)
    and µL otherwise (1234 µL), so its output always parses back with :func:`parse_volume`.
    With an explicit unit the result may need ``decimal_separator='.'`` to parse back ('1.234 mL').
    """
    amount = Decimal(ul).quantize(QUANTUM, rounding=ROUND_HALF_UP)
    if unit == "auto":
        in_ml = amount / _FACTORS[MILLILITRE]
        use_ml = abs(amount) >= 1000 and in_ml == in_ml.quantize(QUANTUM)
        chosen = MILLILITRE if use_ml else MICROLITRE
    else:
        chosen = canonical_unit(unit)
    return f"{_plain(amount / _FACTORS[chosen])} {chosen}"


def _parse_text(text: str, decimal_separator: str | None) -> tuple[Decimal, str | None]:
    if not text:
        raise ValidationError("No volume was given.", hint="Write it like 250 µL or 1.5 mL.")
    match = _TEXT_RE.fullmatch(text)
    if match is None:
        if " " in text.strip() and re.match(r"[+-]?[0-9][0-9 .,]*[0-9]", text):
            raise ValidationError(
                f"Volume '{text}' has spaces inside the number.",
                hint="Write it without thousands separators, e.g. 1500 µL.",
            )
        raise ValidationError(f"'{text}' is not a volume.", hint="Write it like 250 µL or 1.5 mL.")
    number = match["number"]
    unit_text = match["unit"]
    unit_shown = f" {unit_text}" if unit_text else ""
    separators = [char for char in number if char in ".,"]
    if len(separators) > 1:
        # Both kinds: the last one is the decimal separator in every convention. One kind repeated:
        # it can only be grouping. The suggestion is only a hint; the value is never guessed.
        if len(set(separators)) > 1:
            cut = number.rfind(separators[-1])
            suggestion = re.sub(r"[.,]", "", number[:cut]) + "." + number[cut + 1 :]
        else:
            suggestion = re.sub(r"[.,]", "", number)
        raise ValidationError(
            f"Volume '{text}' has thousands separators or several decimal separators.",
            hint=f"Write it with one decimal separator at most and no grouping: {suggestion}{unit_shown}.",
        )
    if separators:
        separator = separators[0]
        integer_part, _, fraction = number.partition(separator)
        if not fraction:
            raise ValidationError(f"'{text}' is not a volume.", hint="Write it like 250 µL or 1.5 mL.")
        if decimal_separator is not None and separator != decimal_separator:
            raise ValidationError(
                f"Volume '{text}' uses '{separator}', but this column uses '{decimal_separator}' "
                "as its decimal separator.",
                hint="Write it without thousands separators.",
            )
        if (
            decimal_separator is None
            and len(fraction) == 3
            and 1 <= len(integer_part) <= 3
            and integer_part.strip("0")
        ):
            as_decimal = _plain(Decimal(f"{integer_part}.{fraction}"))
            as_thousands = _plain(Decimal(f"{integer_part}{fraction}"))
            raise ValidationError(
                f"Volume '{text}' is ambiguous: '{separator}' could be a decimal separator ({as_decimal}) "
                f"or a thousands separator ({as_thousands}).",
                hint=f"Write {as_decimal}{unit_shown} or {as_thousands}{unit_shown}, without grouping.",
            )
        digits = f"{integer_part or '0'}.{fraction}"
    else:
        digits = number
    amount = Decimal(digits)
    if match["sign"] == "-":
        amount = -amount
    return amount, unit_text


def _number_from(value: int | float | Decimal, shown: str) -> Decimal:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"'{shown}' is not a volume.", hint="Write it like 250 µL or 1.5 mL.")
        return Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValidationError(f"'{shown}' is not a volume.", hint="Write it like 250 µL or 1.5 mL.")
    return Decimal(value)


def _plain(value: int | float | Decimal) -> str:
    """A number written out without exponent or trailing zeros: Decimal('1E+3') → '1000'."""
    if isinstance(value, float):
        return repr(value) if not math.isfinite(value) else _plain(Decimal(repr(value)))
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
