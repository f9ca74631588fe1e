"""The aliquot dialog's live arithmetic: what the technician typed, read exactly, and written back in their units.

``available 9.00 mL − 6 × 0.50 mL − 0.20 mL dead = 5.80 mL left``: the volumes are read with the domain's
:func:`~biobank_desktop.core.domain.volumes.parse_volume` (µL, mL, decimal comma; exact ``Decimal`` at 0.01 µL)
and shown in the unit and with the decimal separator of the volume typed for each child, so the line reads as
the technician thinks. The service checks the same again when it writes; this only decides what the dialog
shows and whether its OK button may be pressed (an over-draw never reaches the service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from biobank_desktop.core.domain.aliquot_plan import MIN_CHILD_UL
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.volumes import QUANTUM, canonical_unit, convert, parse_volume
from biobank_desktop.ui.formatting import tr

_CTX = "AliquotArithmetic"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Units:
    """How volumes are written back: the unit and the decimal separator the technician used."""

    unit: str = "mL"
    comma: bool = False

    def show(self, ul: Decimal) -> str:
        """``ul`` in this unit: mL with at least two decimals (9.00 mL), µL with those it needs (250 µL)."""
        amount = convert(ul, self.unit)
        places = {"µL": 0, "mL": 2, "L": 2}.get(self.unit, 2)
        text = format(amount.normalize(), "f") if amount != 0 else "0"
        whole, _, fraction = text.partition(".")
        fraction = fraction.ljust(places, "0")
        text = f"{whole}.{fraction}" if fraction else whole
        if self.comma:
            text = text.replace(".", ",")
        return f"{text} {self.unit}"


_VOLUME_NUMBER = re.compile(r"(?<![\w.,])(\d+)[.,](\d+)(?=\s?(?:µL|uL|mL|ml|L)\b)")


def in_separator(text: str, comma: bool) -> str:
    """``text`` with every volume ('11.25 mL', '0,5 µL') written with one decimal separator: a comma or a point.
    Other numbers (IDs, counts, dates) are left alone."""
    mark = "," if comma else "."
    return _VOLUME_NUMBER.sub(lambda m: f"{m.group(1)}{mark}{m.group(2)}", text)


def units_of(text: str, fallback: Units | None = None) -> Units:
    """The unit and decimal separator of a typed volume ('0,5 ml' -> mL with a comma); ``fallback``'s unit when
    the text names none, its separator when the text has none ('2 mL')."""
    stripped = text.strip()
    if "," in stripped and "." not in stripped:
        comma = True
    elif "." in stripped:
        comma = False
    else:  # no separator typed here ('2 mL'): the one used before
        comma = fallback.comma if fallback is not None else False
    tail = re.sub(r"^[+\-0-9.,\s]*", "", stripped).strip()
    try:
        unit = canonical_unit(tail) if tail else None
    except ValidationError:
        unit = None
    if unit is None:
        return Units(fallback.unit, comma) if fallback is not None else Units(comma=comma)
    return Units(unit, comma)


def read_volume(text: str, *, zero_allowed: bool = False) -> Decimal:
    """The volume typed, in µL; '' (and '0' when ``zero_allowed``) is zero. Raises ValidationError."""
    stripped = text.strip()
    if zero_allowed and (not stripped or stripped.rstrip("µμuUmMlL ").replace(",", ".").strip("0.") == ""):
        return ZERO
    return parse_volume(stripped)


@dataclass(frozen=True)
class Draw:
    """One line of the dialog's arithmetic: N children of ``each`` µL from ``available`` µL, ``dead`` µL left
    in the tube. ``error`` says what is wrong (OK stays disabled while it is set)."""

    available: Decimal
    count: int
    each: Decimal | None
    dead: Decimal
    units: Units
    error: str = ""

    @property
    def drawn(self) -> Decimal:
        return self.count * (self.each or ZERO)

    @property
    def left(self) -> Decimal:
        return self.available - self.drawn - self.dead

    @property
    def ok(self) -> bool:
        return not self.error

    def text(self) -> str:
        """'available 9.00 mL − 6 × 0.50 mL − 0.20 mL dead = 5.80 mL left'."""
        show = self.units.show
        if self.each is None:
            return tr(_CTX, "available {available}").format(available=show(self.available))
        line = tr(_CTX, "available {available} − {n} × {each}").format(
            available=show(self.available), n=self.count, each=show(self.each))
        if self.dead:
            line += " " + tr(_CTX, "− {dead} dead").format(dead=show(self.dead))
        left = self.left
        if left < 0:
            return line + " " + tr(_CTX, "= {missing} too little").format(missing=show(-left))
        return line + " " + tr(_CTX, "= {left} left").format(left=show(left))


def _too_small(each: Decimal, units: Units) -> str:
    return tr(_CTX, "{each} per child is less than the {least} a child may hold: check the unit (µL or mL).").format(
        each=units.show(each), least=Units("µL", units.comma).show(MIN_CHILD_UL))


def draw(available: Decimal, count_text: str, each_text: str, dead_text: str, *, split_evenly: bool = False,
         fallback: Units | None = None) -> Draw:
    """Read the dialog's fields and check the draw. ``split_evenly``: each child gets an equal share of what is
    above the dead volume, rounded down to 0.01 µL (what rounding leaves is added to the dead volume)."""
    if each_text.strip() and not split_evenly:
        units = units_of(each_text, fallback)
    else:
        units = units_of(dead_text, fallback) if dead_text.strip() else fallback or Units()
    try:
        count = int(count_text.strip())
    except ValueError:
        return Draw(available, 0, None, ZERO, units, tr(_CTX, "Write how many children (a whole number)."))
    if count < 1:
        return Draw(available, count, None, ZERO, units, tr(_CTX, "At least one child."))
    try:
        dead = read_volume(dead_text, zero_allowed=True)
    except ValidationError as exc:
        return Draw(available, count, None, ZERO, units, tr(_CTX, "Dead volume: {0}").format(exc.message))
    if split_evenly:  # what rounding leaves is dead volume: the parent is used up exactly (the service's plan)
        share = ((available - dead) / count).quantize(QUANTUM, rounding=ROUND_DOWN)
        if share <= 0:
            return Draw(available, count, None, dead, units, tr(_CTX, "Nothing to share above the dead volume."))
        if share < MIN_CHILD_UL:
            return Draw(available, count, share, dead, units, _too_small(share, units))
        return Draw(available, count, share, available - count * share, units)
    if each_text.strip() and not any(c.isalpha() for c in each_text):
        return Draw(available, count, None, dead, units, tr(_CTX, "Write the unit too: {0} mL or {0} µL.").format(
            each_text.strip()))
    try:
        each = read_volume(each_text)
    except ValidationError as exc:
        message = exc.message if each_text.strip() else tr(_CTX, "Write the volume of each child.")
        hint = f" {exc.hint}" if exc.hint and each_text.strip() else ""
        return Draw(available, count, None, dead, units, message + hint)
    result = Draw(available, count, each, dead, units)
    if each < MIN_CHILD_UL:
        return Draw(available, count, each, dead, units, _too_small(each, units))
    if result.left < 0:
        needs = (tr(_CTX, "{n} × {each} + {dead} dead volume need {needed}") if dead else
                 tr(_CTX, "{n} × {each} need {needed}")).format(n=count, each=units.show(each), dead=units.show(dead),
                                                               needed=units.show(result.drawn + dead))
        return Draw(available, count, each, dead, units, tr(_CTX, "Over-draw: the tube holds {available}; {needs}."
                                                             ).format(available=units.show(available), needs=needs))
    return result
