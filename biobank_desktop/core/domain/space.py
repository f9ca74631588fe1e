"""Planning space in the freezers: find positions for N tubes, evacuate a freezer. Pure functions.

Both planners take plain snapshots the storage service reads from the database and return a plan
that nothing has written yet: the map shows it, the technician confirms, the service commits it
(re-checking every position inside its transaction).

* :func:`find_space` — N tubes, optionally in groups that must stay in one box (a parent's
  aliquots), consecutive in the boxes' fill order where possible, only in boxes made for the tubes'
  kind (:mod:`~biobank_desktop.core.domain.tube_fit`), holding no tubes of another material (no tissue
  among plasma tubes), and whose restrictions allow the tubes; says how many positions are missing,
  and in what kind of box, when they do not fit.
* :func:`plan_evacuation` — every box of a failing freezer into free places of racks in other
  freezers of the same temperature class, honouring the racks' restrictions; says how many box
  places are missing (and for what) when they do not fit, and then moves nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from biobank_desktop.core.domain.cold_chain import StorageTube, TemperatureClass
from biobank_desktop.core.domain.positions import BoxLayout
from biobank_desktop.core.domain.tube_fit import TubeKind

Position = tuple[int, int]


@dataclass(frozen=True)
class Restrictions:
    """What a box or rack may hold; an empty set allows anything on that axis."""

    studies: frozenset[str] = frozenset()
    sample_types: frozenset[str] = frozenset()
    containers: frozenset[str] = frozenset()

    @property
    def any(self) -> bool:
        return bool(self.studies or self.sample_types or self.containers)

    def refusal(self, study: str | None, sample_type: str | None, container: str | None) -> str | None:
        """Why a tube of this study, type and container may not go here, or None when it may."""
        for allowed, value, what in ((self.studies, study, "study"), (self.sample_types, sample_type, "sample type"),
                                     (self.containers, container, "container")):
            if allowed and value not in allowed:
                return f"it is reserved for {what} {', '.join(sorted(allowed))} (not {value or 'unknown'})"
        return None

    def admits(self, other: Restrictions) -> bool:
        """True when everything ``other`` allows is allowed here (a restricted box into a restricted rack)."""
        return all(not mine or not theirs or theirs <= mine for mine, theirs in (
            (self.studies, other.studies), (self.sample_types, other.sample_types),
            (self.containers, other.containers)))

    def __and__(self, other: Restrictions) -> Restrictions:
        """Both sets of restrictions at once (a box inside a restricted rack)."""
        def both(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
            return a & b if a and b else a or b
        return Restrictions(both(self.studies, other.studies), both(self.sample_types, other.sample_types),
                            both(self.containers, other.containers))

    def describe(self) -> str:
        parts = [f"{what} {', '.join(sorted(values))}" for what, values in (
            ("study", self.studies), ("type", self.sample_types), ("container", self.containers)) if values]
        return "; ".join(parts) or "anything"


NO_RESTRICTIONS = Restrictions()


# -- find space -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxSpace:
    """A box as the planner sees it: its layout, the positions it cannot use (taken, blocked, reserved)."""

    box_id: int
    code: str
    layout: BoxLayout
    unusable: frozenset[Position]
    restrictions: Restrictions = NO_RESTRICTIONS
    path: str = ""
    tube_kind: StorageTube | None = None  # what the box type is made for; None: not declared
    materials: frozenset[str] = frozenset()  # of the tubes in it now ('fluid', 'solid')

    def free(self) -> list[Position]:
        return [p for p in self.layout.positions() if p not in self.unusable]


@dataclass(frozen=True)
class Slot:
    box_id: int
    box_code: str
    row: int
    col: int
    label: str
    group: int  # index of the group (the parent) this slot is for


@dataclass(frozen=True)
class SpacePlan:
    slots: tuple[Slot, ...]
    missing: int  # positions that could not be found (0: everything fits)
    refused: tuple[str, ...] = ()  # boxes left out, with the reason
    needed: int = 0  # positions asked for
    free: int = 0  # free positions in the boxes that may take them
    grouped: bool = False  # some group holds several tubes (a parent's children stay together in one box)
    need: str = ""  # the kind of box the tubes need ('box for primary tubes (9 mL, Potassium EDTA)'), when known

    @property
    def complete(self) -> bool:
        return self.missing == 0

    def shortfall(self) -> str:
        """'13 positions needed, 12 free: 1 more needed (a parent's children stay together in one box).'; when the
        tubes need a kind of box: '1 more free position is needed; no box for primary tubes (9 mL, …) has free
        space for them: add one, or choose a box.'"""
        together = " (a parent's children stay together in one box)" if self.grouped else ""
        more = self.needed - self.free
        if more > 0:
            text = f"{_n(self.needed, 'position')} needed, {self.free} free: {more} more needed{together}"
        else:
            text = (f"{_n(self.needed, 'position')} needed, {self.free} free, but {self.missing} of them find no "
                    f"box with room{together}")
        if self.need:
            return f"{text}; no {self.need} has free space for them: add one, or choose a box."
        return f"{text}."


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def find_space(boxes: Sequence[BoxSpace], groups: Sequence[int], *, study: str | None = None,
               sample_type: str | None = None, container: str | None = None, tube: TubeKind | None = None,
               material: str | None = None) -> SpacePlan:
    """Positions for ``sum(groups)`` tubes; each group (a parent's aliquots) in one box.

    ``tube``: the tubes' kind — only boxes made for it are used (:meth:`TubeKind.fits`), and the
    container restriction is checked against the tube's kind in that box; None: any box, checked
    against ``container``. ``material``: a box already holding tubes of another material is left out.
    Boxes are tried in the order given (the service gives partly filled boxes first, then by tree
    path). The whole request goes in one consecutive run when a box has one; otherwise each group
    goes in the first consecutive run after the previous group, then in any box with enough free
    positions; a group that fits nowhere counts as missing and no slot is planned for it.
    """
    if any(g < 1 for g in groups):
        raise ValueError("every group holds at least one tube")
    refused: list[str] = []
    need = tube.box_wanted() if tube is not None else ""
    usable: list[tuple[BoxSpace, list[Position]]] = []
    for box in boxes:
        if tube is not None and not tube.fits(box.tube_kind):
            continue  # made for other tubes: not worth a line each (a biobank has thousands of boxes)
        if material is not None and box.materials and material not in box.materials:
            refused.append(f"{box.code}: it holds {' and '.join(sorted(box.materials))} samples, not {material}")
            continue
        kind = tube.in_box(box.tube_kind) if tube is not None else None
        reason = box.restrictions.refusal(study, sample_type, kind.value if kind is not None else container)
        if reason is not None:
            refused.append(f"{box.code}: {reason}")
            continue
        free = box.free()
        if free:
            usable.append((box, free))
    total = sum(groups)
    room = sum(len(free) for _box, free in usable)
    grouped = any(g > 1 for g in groups)
    # All in one consecutive run, when some box has one.
    for box, free in usable:
        start = _run_start(box.layout, free, set(), total, 0)
        if start is not None:
            indexes = range(start, start + total)
            slots = [_slot(box, box.layout.at_index(i), g) for i, g in zip(indexes, _group_of(groups), strict=True)]
            return SpacePlan(tuple(slots), 0, tuple(refused), total, room, grouped, need)
    used: dict[int, set[Position]] = {box.box_id: set() for box, _ in usable}
    slots = []
    missing = 0
    cursor = (0, 0)  # (box index, fill-order index already passed)
    for g, size in enumerate(groups):
        placed = False
        for b in range(cursor[0], len(usable)):  # a consecutive run at or after the cursor
            box, free = usable[b]
            after = cursor[1] if b == cursor[0] else 0
            start = _run_start(box.layout, free, used[box.box_id], size, after)
            if start is not None:
                for i in range(start, start + size):
                    pos = box.layout.at_index(i)
                    used[box.box_id].add(pos)
                    slots.append(_slot(box, pos, g))
                cursor, placed = (b, start + size - 1), True
                break
        if not placed:
            for b, (box, free) in enumerate(usable):  # any box with room, in its fill order
                left = [p for p in free if p not in used[box.box_id]]
                if len(left) >= size:
                    for pos in left[:size]:
                        used[box.box_id].add(pos)
                        slots.append(_slot(box, pos, g))
                    cursor, placed = (b, box.layout.index_of(*left[size - 1])), True
                    break
        if not placed:
            missing += size
    return SpacePlan(tuple(slots), missing, tuple(refused), total, room, grouped, need)


def _run_start(layout: BoxLayout, free: list[Position], used: set[Position], size: int, after: int) -> int | None:
    """The first fill-order index > ``after`` starting ``size`` consecutive usable positions."""
    run_start, run = 0, 0
    previous = -1
    for pos in free:
        index = layout.index_of(*pos)
        if index <= after or pos in used:
            run = 0
            continue
        if run and index == previous + 1:
            run += 1
        else:
            run_start, run = index, 1
        previous = index
        if run == size:
            return run_start
    return None


def _group_of(groups: Sequence[int]) -> Iterable[int]:
    for g, size in enumerate(groups):
        yield from [g] * size


def _slot(box: BoxSpace, pos: Position, group: int) -> Slot:
    return Slot(box.box_id, box.code, pos[0], pos[1], box.layout.position_label(*pos), group)


# -- evacuation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxToMove:
    box_id: int
    code: str
    path: str  # where it is now, e.g. 'Freezer F-01 / Rack 03'
    tubes: int
    contents: Restrictions = NO_RESTRICTIONS  # the studies, types and containers of the tubes inside
    restrictions: Restrictions = NO_RESTRICTIONS  # the box's own


@dataclass(frozen=True)
class RackRoom:
    """A rack (or shelf) outside the failing freezer with free places for boxes."""

    rack_id: int
    code: str
    path: str
    freezer_id: int
    temperature: TemperatureClass | None
    free_places: int
    restrictions: Restrictions = NO_RESTRICTIONS
    status_ok: bool = True  # its freezer is in service


@dataclass(frozen=True)
class BoxMove:
    box_id: int
    box_code: str
    from_path: str
    rack_id: int
    rack_code: str
    to_path: str
    tubes: int = 0


@dataclass(frozen=True)
class EvacuationPlan:
    moves: tuple[BoxMove, ...]
    unplaced: tuple[BoxToMove, ...]
    temperature: TemperatureClass | None
    free_places: int = 0  # places found in suitable racks
    notes: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.unplaced

    @property
    def missing(self) -> int:
        return len(self.unplaced)

    def shortfall(self) -> str:
        """'3 boxes do not fit: 3 more box places are needed in racks at −85 to −60 °C (…)'."""
        where = self.temperature.label if self.temperature else "the same temperature"
        kinds = Counter(b.contents.describe() for b in self.unplaced)
        detail = "; ".join(f"{n} × {what}" for what, n in kinds.most_common(4))
        return (f"{self.missing} box(es) do not fit: {self.missing} more box place(s) are needed in racks at "
                f"{where} that accept them ({detail}).")


def plan_evacuation(boxes: Sequence[BoxToMove], racks: Sequence[RackRoom], freezer_id: int,
                    temperature: TemperatureClass | None) -> EvacuationPlan:
    """Every box into a rack of another in-service freezer of ``temperature``, racks in the order given.

    A box goes into the first rack with a free place whose restrictions admit both the box's own
    restrictions and everything inside it. Boxes with no place are listed in ``unplaced``; the
    caller commits nothing unless the plan is complete.
    """
    notes: list[str] = []
    free: dict[int, int] = {}
    eligible: list[RackRoom] = []
    for rack in racks:
        if rack.freezer_id == freezer_id or rack.free_places <= 0:
            continue
        if not rack.status_ok:
            notes.append(f"{rack.path}: its freezer is not in service")
            continue
        if temperature is None or rack.temperature is not temperature:
            continue
        eligible.append(rack)
        free[rack.rack_id] = rack.free_places
    moves: list[BoxMove] = []
    unplaced: list[BoxToMove] = []
    start = 0
    for box in boxes:
        target = None
        for i in range(start, start + len(eligible)):
            rack = eligible[i % len(eligible)]
            if free[rack.rack_id] > 0 and rack.restrictions.admits(box.restrictions) and _admits_contents(
                    rack.restrictions, box.contents):
                target, start = rack, i % len(eligible)
                break
        if target is None:
            unplaced.append(box)
            continue
        free[target.rack_id] -= 1
        moves.append(BoxMove(box.box_id, box.code, box.path, target.rack_id, target.code, target.path, box.tubes))
    return EvacuationPlan(tuple(moves), tuple(unplaced), temperature,
                          sum(r.free_places for r in eligible), tuple(notes))


def _admits_contents(rack: Restrictions, contents: Restrictions) -> bool:
    return all(not allowed or values <= allowed for allowed, values in (
        (rack.studies, contents.studies), (rack.sample_types, contents.sample_types),
        (rack.containers, contents.containers)))
