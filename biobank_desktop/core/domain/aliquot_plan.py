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

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.volumes import QUANTUM, VolumeInput, format_volume, parse_volume

#: The most children one line (and one parent) may get at once: a plate's worth, and a guard against typos.
MAX_CHILDREN = 384
ZERO = Decimal("0.00")


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
        """'1,000 µL − 6 × 100 µL − 50 µL dead volume = 350 µL left' (for messages and the dialog)."""
        raise NotImplementedError


def plan_aliquots(available: Decimal | None, count: int, volume: VolumeInput | None = None, *,
                  dead_volume: VolumeInput | None = None, default_unit: str = "µL",
                  sample_type: str | None = None) -> AliquotPlan:
    """One line of ``count`` children: ``volume`` each, or split evenly when ``volume`` is None.

    Raises ValidationError: no recorded parent volume, count below 1 or above :data:`MAX_CHILDREN`, a
    zero/negative/unreadable volume or dead volume, an over-draw (the message shows the sum and by how
    much it is short), a split that leaves less than 0.01 µL per child.
    """
    raise NotImplementedError


def plan_lines(available: Decimal | None, lines: Sequence[PlanLine], *,
               dead_volume: VolumeInput | None = None, default_unit: str = "µL") -> AliquotPlan:
    """Several lines at once (a protocol): the same checks as :func:`plan_aliquots`."""
    raise NotImplementedError


# -- protocols -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolLine:
    """``count`` × ``sample_type`` × ``volume_ul``: one line of a protocol."""

    count: int
    sample_type: str
    volume_ul: Decimal

    def text(self) -> str:
        """'6xPL1:500µL' — the form :func:`parse_protocol_lines` reads back."""
        raise NotImplementedError


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
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def plan_for(self, available: Decimal | None) -> AliquotPlan:
        """The arithmetic for a parent holding ``available``; ValidationError when it does not fit."""
        raise NotImplementedError

    def misfit(self, parent_type: str, available: Decimal | None) -> str | None:
        """Why this protocol does not fit a parent of ``parent_type`` holding ``available``, or None when it
        does: another parent type, no recorded volume, not enough volume (with the sum)."""
        raise NotImplementedError


def parse_protocol_lines(text: str, default_unit: str = "mL") -> tuple[ProtocolLine, ...]:
    """'6xPL1:0.5mL, 2×BUF:0,25 mL; 1 x RBC : 1mL' → lines. Separators: ',' or ';' between lines (a decimal
    comma inside a volume is understood), 'x'/'×'/'*' between count and type, ':' or '@' before the volume.
    ValidationError naming the line that cannot be read."""
    raise NotImplementedError


def protocol_from_json(data: dict[str, Any]) -> ProtocolDefinition:
    """The definition back from its stored JSON; ValidationError when it is not one."""
    raise NotImplementedError


def volume_text(ul: Decimal) -> str:
    """A volume for messages: '500 µL', '1.5 mL'."""
    return format_volume(ul)


def _quantum_down(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_DOWN)


__all__ = ["MAX_CHILDREN", "AliquotPlan", "PlanLine", "ProtocolDefinition", "ProtocolLine", "parse_protocol_lines",
           "parse_volume", "plan_aliquots", "plan_lines", "protocol_from_json", "volume_text"]
