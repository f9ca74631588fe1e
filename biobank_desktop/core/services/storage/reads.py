"""The read side of storage: the tree with fill levels, box maps, where a tube is, capacity."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    ContainerType,
    PositionHold,
    Sample,
    SampleLocation,
    StorageCheckout,
    StorageContainer,
    Study,
)
from biobank_desktop.core.domain.errors import NotFoundError
from biobank_desktop.core.domain.ids import normalize_scan
from biobank_desktop.core.services.storage.common import (
    chain_of,
    code_of,
    find_box,
    find_sample,
    layout_of,
    restrictions_of,
    temperature_of,
)
from biobank_desktop.core.services.storage.dto import (
    BoxMap,
    CapacityRow,
    CellInfo,
    CheckoutInfo,
    ContainerTypeInfo,
    HoldInfo,
    TreeNode,
    TubeLocation,
)

DEFAULT_FILL_THRESHOLD = 0.9


@dataclass(frozen=True)
class ScanTarget:
    """What a scan on the storage page opens: a box, and the cell to highlight (a tube's scan)."""

    box: BoxMap
    row: int | None = None
    col: int | None = None
    sample_code: str | None = None


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort 'Rack 2' before 'Rack 10' (numbers by value, text without case)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in re.split(r"(\d+)", name) if part)


def short_id(sample_code: str) -> str:
    """The part of a sample ID a box-map cell shows: 'BB-2026-000123-A01' → '000123-A01'."""
    parts = sample_code.split("-")
    return "-".join(parts[2:]) if len(parts) > 2 else sample_code


class ReadsMixin:
    db: Database

    def locate(self, sample: str) -> TubeLocation | None:
        """Where a tube is (None when it has no position); NotFoundError for an unknown tube."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            found = find_sample(s, sample)
            loc = s.get(SampleLocation, found.id)
            if loc is None:
                return None
            return _tube_location(s, found.sample_code, loc)

    def box_map(self, box: str) -> BoxMap:
        """A box as its grid: every cell with its tube, hold or emptiness; NotFoundError for an unknown code."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            container, _ = find_box(s, box)
            return _box_map(s, container)

    def open_scan(self, scanned: str) -> ScanTarget:
        """A scanned tube → its box with its cell; a scanned box → that box. NotFoundError otherwise."""
        code = normalize_scan(scanned)
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            try:
                sample = find_sample(s, code)
            except NotFoundError:
                sample = None
            if sample is not None:
                loc = s.get(SampleLocation, sample.id)
                if loc is None:
                    raise NotFoundError(f"{sample.sample_code} has no storage position.",
                                        hint="Place it in a box first.")
                box = s.get_one(StorageContainer, loc.container_id)
                return ScanTarget(_box_map(s, box), loc.row, loc.col, sample.sample_code)
            box, _ = find_box(s, code)
            return ScanTarget(_box_map(s, box))

    def tree(self, *, include_retired: bool = False) -> list[TreeNode]:
        """Every container, parents before children (depth-first, by name), with fill levels."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return _tree(s, include_retired)

    def search_containers(self, text: str, limit: int = 50) -> list[TreeNode]:
        """Containers whose name or barcode contains ``text`` (case-insensitive)."""
        needle = text.strip().lower()
        if not needle:
            return []
        return [n for n in self.tree() if needle in n.name.lower() or needle in (n.barcode or "").lower()][:limit]

    def container_types(self) -> list[ContainerTypeInfo]:
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [ContainerTypeInfo(t.id, t.name, t.kind, t.rows, t.columns, t.row_scheme, t.column_scheme,
                                      t.fill_order, t.linear, t.tube_kind)
                    for t in s.execute(select(ContainerType).order_by(ContainerType.name)).scalars()]

    def capacity(self, threshold: float = DEFAULT_FILL_THRESHOLD) -> list[CapacityRow]:
        """Occupancy of every freezer, rack and box (boxes last), flagged past ``threshold`` (0–1)."""
        nodes = self.tree()
        by_id = {n.id: n for n in nodes}

        def path(node: TreeNode) -> str:
            names = [node.name]
            while node.parent_id is not None and node.parent_id in by_id:
                node = by_id[node.parent_id]
                names.append(node.name)
            return " / ".join(reversed(names))

        return [CapacityRow(n.id, path(n), n.kind, n.capacity, n.occupied, n.boxes,
                            n.capacity > 0 and n.occupied / n.capacity >= threshold)
                for n in nodes if n.capacity]

    def checkouts(self, sample: str) -> list[CheckoutInfo]:
        """Every time the tube was out of its freezer, newest first: who, why, how long (None: still out)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            found = find_sample(s, sample)
            out: list[CheckoutInfo] = []
            for r in s.execute(select(StorageCheckout).where(StorageCheckout.sample_id == found.id)
                               .order_by(StorageCheckout.id.desc())).scalars():
                box = s.get_one(StorageContainer, r.container_id)
                layout = layout_of(box.container_type)
                label = layout.position_label(r.row, r.col) if layout and layout.contains(r.row, r.col) else (
                    f"{r.row}/{r.col}")
                out.append(CheckoutInfo(found.sample_code, label, code_of(box), r.out_at, r.out_by, r.reason,
                                        r.back_at, r.minutes_out))
            return out

    def holds(self, box: str) -> list[HoldInfo]:
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            container, layout = find_box(s, box)
            return [HoldInfo(code_of(container), h.row, h.col, layout.position_label(h.row, h.col), h.kind, h.purpose,
                             h.created_by, h.created_at, h.expires_at)
                    for h in s.execute(select(PositionHold).where(PositionHold.container_id == container.id)
                                       .order_by(PositionHold.row, PositionHold.col)).scalars()]


def _tube_location(s: Session, sample_code: str, loc: SampleLocation) -> TubeLocation:
    chain = chain_of(s, loc.container_id)
    box = chain[-1]
    layout = layout_of(box.container_type)
    label = layout.position_label(loc.row, loc.col) if layout and layout.contains(loc.row, loc.col) else (
        f"{loc.row}/{loc.col}")
    klass = temperature_of(chain)[1]
    return TubeLocation(sample_code, box.id, code_of(box), box.name, loc.row, loc.col, label,
                        tuple(c.name for c in chain), loc.placed_by, loc.placed_at, loc.checked_out_at,
                        loc.checked_out_by, klass.value if klass else None)


def _box_map(s: Session, box: StorageContainer) -> BoxMap:
    layout = layout_of(box.container_type)
    if layout is None:
        raise NotFoundError(f"{code_of(box)} has no positions.")
    chain = chain_of(s, box.id)
    tubes = {(r.row, r.col): r for r in s.execute(
        select(SampleLocation.row, SampleLocation.col, SampleLocation.placed_by, SampleLocation.placed_at,
               SampleLocation.checked_out_at, Sample.sample_code, Sample.sample_type, Sample.status,
               Study.code.label("study"))
        .join(Sample, Sample.id == SampleLocation.sample_id).join(Study, Study.id == Sample.study_id)
        .where(SampleLocation.container_id == box.id))}
    holds = {(h.row, h.col): h for h in s.execute(
        select(PositionHold).where(PositionHold.container_id == box.id)).scalars()}
    cells: list[CellInfo] = []
    for row in range(1, layout.rows + 1):
        for col in range(1, layout.columns + 1):
            t, h = tubes.get((row, col)), holds.get((row, col))
            cells.append(CellInfo(
                row, col, layout.position_label(row, col), layout.index_of(row, col),
                sample_code=t.sample_code if t else None, short_id=short_id(t.sample_code) if t else None,
                sample_type=t.sample_type if t else None, status=t.status if t else None,
                study=t.study if t else None, placed_by=t.placed_by if t else None,
                placed_at=t.placed_at if t else None, checked_out=bool(t and t.checked_out_at),
                checked_out_at=t.checked_out_at if t else None, hold=h.kind if h else None,
                hold_purpose=h.purpose if h else None, hold_expires_at=h.expires_at if h else None))
    klass = temperature_of(chain)[1]
    return BoxMap(box.id, code_of(box), box.name, box.barcode, box.container_type.name, layout.rows, layout.columns,
                  tuple(layout.row_label(r) for r in range(1, layout.rows + 1)),
                  tuple(layout.column_label(c) for c in range(1, layout.columns + 1)),
                  layout.convention(), layout.fill_order.value, layout.linear, tuple(c.name for c in chain),
                  tuple(cells), restrictions_of(s, [c.id for c in chain]).describe(),
                  klass.value if klass else None)


def _tree(s: Session, include_retired: bool) -> list[TreeNode]:
    types = {t.id: t for t in s.execute(select(ContainerType.id, ContainerType.name, ContainerType.kind,
                                                   ContainerType.rows, ContainerType.columns)).all()}
    rows = s.execute(select(StorageContainer.id, StorageContainer.parent_id, StorageContainer.name,
                            StorageContainer.barcode, StorageContainer.container_type_id, StorageContainer.active,
                            StorageContainer.status, StorageContainer.temperature_c,
                            StorageContainer.temperature_class, StorageContainer.freezer_kind,
                            StorageContainer.room)).all()
    if not include_retired:
        rows = [r for r in rows if r.active]
    counts = dict(s.execute(select(SampleLocation.container_id, func.count())
                            .group_by(SampleLocation.container_id)).all())
    children: dict[int | None, list[int]] = defaultdict(list)
    by_id = {r.id: r for r in rows}
    for r in sorted(rows, key=lambda r: natural_key(r.name)):
        parent = r.parent_id if r.parent_id in by_id else None
        children[parent].append(r.id)
    capacity: dict[int, int] = {}
    occupied: dict[int, int] = {}
    boxes: dict[int, int] = {}

    def total(node_id: int) -> None:
        t = types[by_id[node_id].container_type_id]
        is_box = t.kind in ("box", "plate") and t.rows is not None
        cap = (t.rows or 0) * (t.columns or 0) if is_box else 0
        occ = counts.get(node_id, 0)
        n_boxes = 1 if is_box else 0
        for child in children.get(node_id, []):
            total(child)
            cap, occ, n_boxes = cap + capacity[child], occ + occupied[child], n_boxes + boxes[child]
        capacity[node_id], occupied[node_id], boxes[node_id] = cap, occ, n_boxes

    out: list[TreeNode] = []

    def walk(node_id: int, depth: int) -> None:
        r, t = by_id[node_id], types[by_id[node_id].container_type_id]
        kids = children.get(node_id, [])
        slots = t.rows * t.columns if t.kind in ("rack", "shelf", "drawer") and t.rows and t.columns else None
        out.append(TreeNode(r.id, r.parent_id, r.name, r.barcode, t.kind, t.name, depth, capacity[node_id],
                            occupied[node_id], boxes[node_id], r.active, r.status, r.temperature_c,
                            r.temperature_class, r.freezer_kind, r.room, len(kids), slots, tuple(kids)))
        for child in kids:
            walk(child, depth + 1)

    for root in children.get(None, []):  # the tree is a few levels deep: recursion is fine
        total(root)
        walk(root, 0)
    return out
