"""Aliquoting arithmetic and protocol definitions. Plain Python, exact Decimal microlitres (0.01 µL).

The one sum every aliquoting shows and checks before anything is written::

    available − N₁ × v₁ − N₂ × v₂ − … − dead volume = left        (left ≥ 0, else refused)

* A volume is typed as the technician types it (``250 µL``, ``0,5 mL``, ``0.25ml``, a bare number in
  the caller's default unit) and converted exactly by :func:`~biobank_desktop.core.domain.volumes.parse_volume`.
* "Split evenly": each child gets ``(available − dead volume) / N`` rounded *down* to 0.01 µL, so the
  children never hold more than was there; the remainder (under N × 0.01 µL) stays in the parent.
* A protocol is named lines ``N × type × volume`` (e.g. ``6xPL1:0.5mL,2xBUF:0.25mL,1xRBC:1mL``), an
  optional parent type it is written for, a dead volume, and whether the parent is used up by it (a
  whole-blood tube that is spun and separated is gone, whatever volume the fractions hold).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.volumes import QUANTUM, VolumeInput, format_volume, parse_volume

#: The most children one line (and one parent) may get at once: a plate's worth, and a guard against typos.
MAX_CHILDREN = 384
#: The least a child may hold: below it the volume is a typo (0,0001 mL for 0,1 mL) no pipette could draw.
MIN_CHILD_UL = Decimal(1)
ZERO = Decimal("0.00")
_ZERO_TEXT = re.compile(r"\s*[+]?0*(?:[.,]0*)?\s*(?:[a-zA-Zµμ]+)?\s*")


@dataclass(frozen=True)
class PlanLine:
    """``count`` children of ``sample_type`` (None: the parent's own type, i.e. aliquots) of ``volume_ul`` each."""

    count: int
    volume_ul: Decimal
    sample_type: str | None = None

    @property
    def total_ul(self) -> Decimal:
        return self.count * self.volume_ul


@dataclass(frozen=True)
class AliquotPlan:
    """The arithmetic of one parent, as the dialog shows it while it is typed.

    ``lines`` carry the volume per child actually used (after "split evenly"); ``left_ul`` is never
    negative in a plan :func:`plan_aliquots` returns (an over-draw raises instead).
    """

    available_ul: Decimal
    lines: tuple[PlanLine, ...]
    dead_volume_ul: Decimal
    drawn_ul: Decimal
    left_ul: Decimal
    split_evenly: bool = False

    @property
    def children(self) -> int:
        return sum(line.count for line in self.lines)

    def sum_text(self) -> str:
        """'1 mL − 6 × 100 µL − 50 µL dead volume = 350 µL left' (for messages and the dialog)."""
        return _sum_text(self.available_ul, self.lines, self.dead_volume_ul, self.left_ul)


def _sum_text(available: Decimal, lines: Sequence[PlanLine], dead: Decimal, left: Decimal) -> str:
    parts = [volume_text(available)]
    for line in lines:
        kind = f" {line.sample_type}" if line.sample_type else ""
        parts.append(f"{line.count} ×{kind} {volume_text(line.volume_ul)}")
    if dead:
        parts.append(f"{volume_text(dead)} dead volume")
    result = f"{volume_text(left)} left" if left >= 0 else f"{volume_text(-left)} short"
    return " − ".join(parts) + f" = {result}"


def dead_volume_ul(value: VolumeInput | None, default_unit: str = "µL") -> Decimal:
    """A dead volume as typed; empty or zero is none (0), negative or unreadable is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    if (isinstance(value, int | Decimal) and not isinstance(value, bool) and value == 0) or (
            isinstance(value, float) and value == 0) or (isinstance(value, str) and _ZERO_TEXT.fullmatch(value)):
        return ZERO
    try:
        return parse_volume(value, default_unit)
    except ValidationError as exc:
        raise ValidationError(f"Dead volume: {exc.message}", hint=exc.hint) from None


def _count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError(f"{count} children: make at least one.", hint="Give the number of children.")
    if count > MAX_CHILDREN:
        raise ValidationError(f"{count} children from one parent is more than {MAX_CHILDREN}.",
                              hint="Check the number of children.")
    return count


def _available(available: Decimal | None) -> Decimal:
    if available is None:
        raise ValidationError("The parent has no recorded volume, so nothing can be drawn from it.",
                              hint="Record its volume first (sample page), then aliquot.")
    return Decimal(available).quantize(QUANTUM)


def plan_aliquots(available: Decimal | None, count: int, volume: VolumeInput | None = None, *,
                  dead_volume: VolumeInput | None = None, default_unit: str = "µL",
                  sample_type: str | None = None) -> AliquotPlan:
    """One line of ``count`` children: ``volume`` each, or split evenly when ``volume`` is None.

    Raises ValidationError: no recorded parent volume, count below 1 or above :data:`MAX_CHILDREN`, a
    zero/negative/unreadable volume or dead volume, an over-draw (the message shows the sum and by how
    much it is short), a split that leaves less than 0.01 µL per child.
    """
    have = _available(available)
    n = _count(count)
    dead = dead_volume_ul(dead_volume, default_unit)
    if volume is None or (isinstance(volume, str) and not volume.strip()):
        share = _quantum_down((have - dead) / n) if have > dead else ZERO
        if share < MIN_CHILD_UL:
            raise ValidationError(
                f"Splitting {volume_text(have)} less {volume_text(dead)} dead volume into {n} leaves "
                f"{volume_text(share)} for each child, less than the {volume_text(MIN_CHILD_UL)} a child may hold.",
                hint="Fewer children, or a smaller dead volume.")
        line = PlanLine(n, share, sample_type)
        # what the rounding to 0.01 µL leaves is dead volume: a split tube is used up (0 left, consumed)
        return AliquotPlan(have, (line,), have - line.total_ul, line.total_ul, ZERO, split_evenly=True)
    return plan_lines(have, [PlanLine(n, _child_volume(volume, default_unit), sample_type)],
                      dead_volume=dead, default_unit=default_unit)


def _child_volume(volume: VolumeInput, default_unit: str) -> Decimal:
    try:
        return parse_volume(volume, default_unit)
    except ValidationError as exc:
        raise ValidationError(f"Child volume: {exc.message}", hint=exc.hint) from None


def plan_lines(available: Decimal | None, lines: Sequence[PlanLine], *,
               dead_volume: VolumeInput | None = None, default_unit: str = "µL") -> AliquotPlan:
    """Several lines at once (a protocol): the same checks as :func:`plan_aliquots`."""
    have = _available(available)
    if not lines:
        raise ValidationError("Say what to make: the number of children and their volume.")
    for line in lines:
        _count(line.count)
        if line.volume_ul <= 0:
            raise ValidationError(f"Child volume {volume_text(line.volume_ul)} must be more than zero.")
        if line.volume_ul < MIN_CHILD_UL:
            raise ValidationError(f"Child volume {volume_text(line.volume_ul)} is less than the "
                                  f"{volume_text(MIN_CHILD_UL)} a child may hold (no pipette draws less).",
                                  hint="Check the unit: µL or mL.")
    if sum(line.count for line in lines) > MAX_CHILDREN:
        raise ValidationError(f"More than {MAX_CHILDREN} children from one parent.",
                              hint="Check the numbers of children.")
    # a Decimal is already microlitres (a protocol's, or plan_aliquots' parsed one): checked all the same
    dead = dead_volume_ul(dead_volume, "µL" if isinstance(dead_volume, Decimal) else default_unit)
    drawn = sum((line.total_ul for line in lines), ZERO)
    left = have - drawn - dead
    if left < 0:
        raise ValidationError(f"Over-draw: {_sum_text(have, lines, dead, left)}.",
                              hint="Nothing was written. Make fewer or smaller children, or lower the dead volume.")
    return AliquotPlan(have, tuple(lines), dead, drawn, left)


# -- protocols -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolLine:
    """``count`` × ``sample_type`` × ``volume_ul``: one line of a protocol."""

    count: int
    sample_type: str
    volume_ul: Decimal

    def text(self) -> str:
        """'6xPL1:500µL' — the form :func:`parse_protocol_lines` reads back."""
        return f"{self.count}x{self.sample_type}:{volume_text(self.volume_ul).replace(' ', '')}"


@dataclass(frozen=True)
class ProtocolDefinition:
    """What a protocol does to one parent. Stored as JSON (:meth:`to_json` / :func:`protocol_from_json`)."""

    lines: tuple[ProtocolLine, ...]
    parent_type: str | None = None  # the sample type it is written for (None: any type the lines allow)
    dead_volume_ul: Decimal = ZERO
    consumes_parent: bool = False  # the parent is used up (marked consumed) whatever volume is left
    centrifugation: str | None = None  # the SPREC code of the spin that makes the derivatives, when there is one
    second_centrifugation: str | None = None

    @property
    def children(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def needs_ul(self) -> Decimal:
        """The volume a parent must hold: every line plus the dead volume."""
        return sum((line.count * line.volume_ul for line in self.lines), ZERO) + self.dead_volume_ul

    def text(self) -> str:
        """The lines as a technician writes them: '6xPL1:500µL,2xBUF:250µL,1xRBC:1mL'."""
        return ",".join(line.text() for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        return {"lines": [{"count": ln.count, "sample_type": ln.sample_type, "volume_ul": str(ln.volume_ul)}
                          for ln in self.lines],
                "parent_type": self.parent_type, "dead_volume_ul": str(self.dead_volume_ul),
                "consumes_parent": self.consumes_parent, "centrifugation": self.centrifugation,
                "second_centrifugation": self.second_centrifugation}

    def plan_lines(self) -> tuple[PlanLine, ...]:
        return tuple(PlanLine(ln.count, ln.volume_ul, ln.sample_type) for ln in self.lines)

    def plan_for(self, available: Decimal | None) -> AliquotPlan:
        """The arithmetic for a parent holding ``available``; ValidationError when it does not fit."""
        return plan_lines(available, self.plan_lines(), dead_volume=self.dead_volume_ul)

    def misfit(self, parent_type: str, available: Decimal | None) -> str | None:
        """Why this protocol does not fit a parent of ``parent_type`` holding ``available``, or None when it
        does: another parent type, no recorded volume, not enough volume (with the sum)."""
        if self.parent_type and parent_type.upper() != self.parent_type:
            return f"the protocol is for {self.parent_type} tubes, this one is {parent_type}"
        try:
            self.plan_for(available)
        except ValidationError as exc:
            return exc.message
        return None


_LINE_RE = re.compile(r"\s*(?P<count>[0-9]+)\s*[xX×*]\s*(?P<type>[A-Za-z0-9]{3})\s*[:@]\s*(?P<volume>.+?)\s*")


def parse_protocol_lines(text: str, default_unit: str = "mL") -> tuple[ProtocolLine, ...]:
    """'6xPL1:0.5mL, 2×BUF:0,25 mL; 1 x RBC : 1mL' → lines. Separators: ',' or ';' between lines (a decimal
    comma inside a volume is understood), 'x'/'×'/'*' between count and type, ':' or '@' before the volume.
    ValidationError naming the line that cannot be read."""
    # A line starts with "<count> x <type>"; split before each such start so "0,25 mL" keeps its comma.
    starts = [m.start() for m in re.finditer(r"(?:^|[,;])\s*[0-9]+\s*[xX×*]\s*[A-Za-z0-9]{3}\s*[:@]", text)]
    if not text.strip() or not starts or text[:starts[0]].strip():
        raise ValidationError(f"'{text.strip()[:60]}' is not a protocol.",
                              hint="Write lines like 6xPL1:0.5mL,2xBUF:0.25mL,1xRBC:1mL.")
    lines: list[ProtocolLine] = []
    for i, start in enumerate(starts):
        chunk = text[start:starts[i + 1] if i + 1 < len(starts) else len(text)].lstrip(",;")
        match = _LINE_RE.fullmatch(chunk.rstrip(",; "))
        if match is None:
            raise ValidationError(f"Protocol line '{chunk.strip()[:40]}' cannot be read.",
                                  hint="Write it like 6xPL1:0.5mL.")
        count = _count(int(match["count"]))
        try:
            volume = parse_volume(match["volume"], default_unit)
        except ValidationError as exc:
            raise ValidationError(f"Protocol line '{chunk.strip()[:40]}': {exc.message}", hint=exc.hint) from None
        lines.append(ProtocolLine(count, match["type"].upper(), volume))
    if sum(line.count for line in lines) > MAX_CHILDREN:
        raise ValidationError(f"More than {MAX_CHILDREN} children from one parent.")
    return tuple(lines)


def protocol_from_json(data: dict[str, Any] | str) -> ProtocolDefinition:
    """The definition back from its stored JSON; ValidationError when it is not one."""
    try:
        raw = json.loads(data) if isinstance(data, str) else data
        lines = tuple(ProtocolLine(int(ln["count"]), str(ln["sample_type"]).upper(), Decimal(ln["volume_ul"]))
                      for ln in raw["lines"])
        return ProtocolDefinition(lines, raw.get("parent_type"), Decimal(raw.get("dead_volume_ul") or "0.00"),
                                  bool(raw.get("consumes_parent")), raw.get("centrifugation"),
                                  raw.get("second_centrifugation"))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValidationError(f"A stored protocol cannot be read ({exc}).",
                              hint="A supervisor saves it again.") from None


def volume_text(ul: Decimal) -> str:
    """A volume for messages: '500 µL', '1.5 mL'."""
    return format_volume(ul)


def _quantum_down(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_DOWN)


__all__ = ["MAX_CHILDREN", "MIN_CHILD_UL", "AliquotPlan", "PlanLine", "ProtocolDefinition", "ProtocolLine",
           "dead_volume_ul", "parse_protocol_lines", "parse_volume", "plan_aliquots", "plan_lines",
           "protocol_from_json", "volume_text"]
