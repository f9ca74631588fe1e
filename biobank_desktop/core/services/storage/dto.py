"""Frozen records the storage service hands to the GUI, the CLI and other workflows. Never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Placement:
    """One tube to put in a box, for :meth:`StorageService.place_in`.

    ``sample``: the sample ID or an external barcode of the tube. ``box``: the box's barcode (or its
    numeric id as text). ``position``: in the box's own convention ("E1", "37", "iii-4"), or None for
    the next free position in the box's fill order (after the positions taken earlier in the same batch).
    """

    sample: str
    box: str
    position: str | None = None


@dataclass(frozen=True)
class PlacedTube:
    sample_code: str
    box_id: int
    box_code: str  # barcode, or the name when the box has none
    row: int
    col: int
    position: str  # in the box's convention
    moved_from: str | None = None  # 'BOX-000123 C4' when the tube was moved
    storage_code: str | None = None  # the SPREC long-term storage code after placing (None: unchanged)


@dataclass(frozen=True)
class TubeLocation:
    """Where a tube is: freezer / rack / box / position, in the box's convention."""

    sample_code: str
    box_id: int
    box_code: str
    box_name: str
    row: int
    col: int
    position: str
    path: tuple[str, ...]  # container names from the freezer down to the box
    placed_by: str
    placed_at: dt.datetime
    checked_out_at: dt.datetime | None
    checked_out_by: str | None
    temperature_class: str | None

    @property
    def display(self) -> str:
        return " › ".join((*self.path, self.position))


@dataclass(frozen=True)
class CellInfo:
    """One position of a box map."""

    row: int
    col: int
    position: str
    index: int  # in fill order, 1-based
    sample_code: str | None = None
    short_id: str | None = None
    sample_type: str | None = None
    status: str | None = None
    study: str | None = None
    placed_by: str | None = None
    placed_at: dt.datetime | None = None
    checked_out: bool = False
    checked_out_at: dt.datetime | None = None
    hold: str | None = None  # 'blocked' | 'reserved'
    hold_purpose: str | None = None
    hold_expires_at: dt.datetime | None = None

    @property
    def state(self) -> str:
        """'empty', 'occupied', 'checked_out', 'blocked' or 'reserved'."""
        if self.sample_code is not None:
            return "checked_out" if self.checked_out else "occupied"
        return self.hold or "empty"


@dataclass(frozen=True)
class BoxMap:
    box_id: int
    code: str
    name: str
    barcode: str | None
    type_name: str
    rows: int
    columns: int
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    convention: str  # 'A1 … I9' or '1 … 81 (row by row from the top-left corner)'
    fill_order: str
    linear: bool
    path: tuple[str, ...]
    cells: tuple[CellInfo, ...]  # row by row from the top-left, whatever the fill order
    restrictions: str  # 'anything' or 'study LUNG; type PL1'
    temperature_class: str | None

    @property
    def capacity(self) -> int:
        return self.rows * self.columns

    @property
    def occupied(self) -> int:
        return sum(1 for c in self.cells if c.sample_code is not None)

    def cell(self, row: int, col: int) -> CellInfo:
        return self.cells[(row - 1) * self.columns + (col - 1)]


@dataclass(frozen=True)
class TreeNode:
    """A container in the storage tree with its fill level (tubes in the boxes below it)."""

    id: int
    parent_id: int | None
    name: str
    barcode: str | None
    kind: str  # the container type's kind: freezer, ln2_tank, rack, shelf, box …
    type_name: str
    depth: int
    capacity: int  # tube positions in the boxes at or below it
    occupied: int
    boxes: int
    active: bool
    status: str
    temperature_c: Decimal | None
    temperature_class: str | None
    freezer_kind: str | None
    room: str
    child_count: int
    slots: int | None = None  # for racks and shelves with a grid: places for boxes
    children: tuple[int, ...] = field(default=())

    @property
    def fill(self) -> float:
        return self.occupied / self.capacity if self.capacity else 0.0


@dataclass(frozen=True)
class CapacityRow:
    id: int
    path: str
    kind: str
    capacity: int
    occupied: int
    boxes: int
    over_threshold: bool

    @property
    def fill(self) -> float:
        return self.occupied / self.capacity if self.capacity else 0.0


@dataclass(frozen=True)
class CheckoutInfo:
    sample_code: str
    position: str
    box_code: str
    out_at: dt.datetime
    out_by: str
    reason: str
    back_at: dt.datetime | None = None
    minutes_out: int | None = None
    freeze_thaw_count: int | None = None
    kept_frozen: bool = False  # checked in as kept frozen while out (dry ice / cold block): no cycle counted


@dataclass(frozen=True)
class HoldInfo:
    box_code: str
    row: int
    col: int
    position: str
    kind: str
    purpose: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class ContainerTypeInfo:
    id: int
    name: str
    kind: str
    rows: int | None
    columns: int | None
    row_scheme: str
    column_scheme: str
    fill_order: str
    linear: bool
    tube_kind: str | None
