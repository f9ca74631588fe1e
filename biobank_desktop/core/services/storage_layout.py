"""Creating the storage tree: container types, and containers of a type under a parent, in bulk.

The one place that turns "a freezer with 20 racks of 20 boxes" into rows, so the demo data and the
storage workflows (issue 9) build storage by the same rules:

* a container's **barcode** comes from the counter of its kind (:data:`BARCODE_FORMATS`): ``FRZ-0003`` for
  freezers, refrigerators and LN2 tanks, ``RCK-000012`` for racks, ``BOX-000123`` for boxes and plates;
  shelves, drawers and rooms get none. Counters are taken in the caller's transaction, so a rollback gives
  the numbers back and two workstations never print the same label;
* a container goes only where its kind may go (:data:`ALLOWED_CHILDREN`; at the top only
  :data:`TOP_LEVEL_KINDS`); a parent with a grid (a rack of 4 × 5 boxes) holds at most rows × columns
  containers; names are unique among a parent's children (the database guards it too).

Both functions run inside the caller's unit of work (they neither commit nor audit: the caller records
one audit event for the whole action) and raise :class:`ValidationError` before writing anything when a
rule is broken. Rows go in with Core executemany (:mod:`biobank_desktop.core.db.bulk`), so a tree of
thousands of boxes costs a handful of statements.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from biobank_desktop.core.db import bulk, sequences
from biobank_desktop.core.db.models import ContainerType, StorageContainer
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.domain.cold_chain import default_freezer_kind, temperature_class
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.text import checked_text

# Counters for container barcodes: BOX-000123, RCK-000012, FRZ-0003.
BOX_BARCODE_SEQUENCE = "barcode:BOX"
MAX_CONTAINER_NAME_LENGTH = 100  # the column's length, the same refusal on both backends
RACK_BARCODE_SEQUENCE = "barcode:RCK"
FREEZER_BARCODE_SEQUENCE = "barcode:FRZ"

#: container kind → (counter, barcode prefix, digits); kinds not listed get no barcode.
BARCODE_FORMATS: dict[str, tuple[str, str, int]] = {
    "freezer": (FREEZER_BARCODE_SEQUENCE, "FRZ", 4),
    "refrigerator": (FREEZER_BARCODE_SEQUENCE, "FRZ", 4),
    "ln2_tank": (FREEZER_BARCODE_SEQUENCE, "FRZ", 4),
    "rack": (RACK_BARCODE_SEQUENCE, "RCK", 6),
    "box": (BOX_BARCODE_SEQUENCE, "BOX", 6),
    "plate": (BOX_BARCODE_SEQUENCE, "BOX", 6),
}

#: container kind → the kinds of container it may hold (boxes and plates hold tubes, not containers).
ALLOWED_CHILDREN: dict[str, frozenset[str]] = {
    "room": frozenset({"freezer", "refrigerator", "ln2_tank", "shelf", "rack", "box"}),
    "freezer": frozenset({"shelf", "rack", "drawer", "box", "plate"}),
    "refrigerator": frozenset({"shelf", "rack", "drawer", "box", "plate"}),
    "ln2_tank": frozenset({"rack", "box"}),
    "shelf": frozenset({"rack", "drawer", "box", "plate"}),
    "rack": frozenset({"box", "plate"}),
    "drawer": frozenset({"box", "plate"}),
    "box": frozenset(),
    "plate": frozenset(),
}

#: The kinds that stand on their own, at the top of the tree.
TOP_LEVEL_KINDS = frozenset({"room", "freezer", "refrigerator", "ln2_tank"})


@dataclass(frozen=True)
class ContainerTypeSpec:
    """A kind of container by name: a freezer model, a 4 × 5 rack, a 9 × 9 box."""

    name: str
    kind: str
    rows: int | None = None
    columns: int | None = None
    fill_order: str = "row_major"
    tube_kind: str | None = None  # what a box of this type is made for (a StorageTube value); None: not declared

    @property
    def capacity(self) -> int | None:
        """How many positions its grid has (None: no grid, no limit)."""
        return self.rows * self.columns if self.rows and self.columns else None


@dataclass(frozen=True)
class TypeInfo:
    id: int
    name: str
    kind: str
    capacity: int | None


@dataclass
class NewContainer:
    """A container to create, with the containers to create inside it."""

    type_name: str
    name: str
    children: list[NewContainer] = field(default_factory=list)
    created_at: dt.datetime | None = None  # None: now
    temperature_c: Decimal | None = None  # the set-point; its temperature class is stored with it
    location_note: str = ""
    barcode: str | None = None  # None: the next of its kind's counter (a rack's own code from its maker: given)
    freezer_kind: str | None = None  # top-level units (core.domain.cold_chain.FreezerKind values)
    room: str = ""


@dataclass(frozen=True)
class CreatedContainer:
    """What :func:`create_containers` made of one :class:`NewContainer`, children in the same order."""

    id: int
    barcode: str | None
    name: str
    children: tuple[CreatedContainer, ...]

    def walk(self) -> Iterator[CreatedContainer]:
        """This container and everything inside it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def ensure_container_types(session: Session, specs: Iterable[ContainerTypeSpec]) -> dict[str, TypeInfo]:
    """Every type of ``specs`` by name, created when missing (an existing type of that name is kept as is)."""
    wanted = list(specs)
    existing = {t.name: t for t in session.execute(
        select(ContainerType).where(ContainerType.name.in_([s.name for s in wanted]))).scalars()}
    for spec in wanted:
        if spec.name not in existing:
            row = ContainerType(name=spec.name, kind=spec.kind, rows=spec.rows, columns=spec.columns,
                                fill_order=spec.fill_order, tube_kind=spec.tube_kind)
            session.add(row)
            session.flush()
            existing[spec.name] = row
    return {name: _info(t) for name, t in existing.items()}


def _info(t: ContainerType) -> TypeInfo:
    return TypeInfo(t.id, t.name, t.kind, t.rows * t.columns if t.rows and t.columns else None)


def create_containers(session: Session, parent_id: int | None,
                      containers: Sequence[NewContainer]) -> list[CreatedContainer]:
    """Create ``containers`` (and everything inside them) under ``parent_id`` (None: at the top).

    Types are found by name (see :func:`ensure_container_types`). Barcodes are numbered depth first;
    primary keys are reserved in one block, depth first. Returns what was created, in the same shape.
    Raises NotFoundError for an unknown parent or type, ValidationError when a rule above is broken;
    nothing is written then.
    """
    if not containers:
        return []
    types = _types_of(session, containers)
    parent_kind: str | None = None
    existing_names: set[str] = set()
    if parent_id is not None:
        parent = session.get(StorageContainer, parent_id)
        if parent is None:
            raise NotFoundError("The container to add to no longer exists.", hint="Reload the storage tree.")
        parent_type = _info(parent.container_type)
        parent_kind = parent.container_type.kind
        existing_names = set(session.execute(
            select(StorageContainer.name).where(StorageContainer.parent_id == parent_id)).scalars())
        _check_capacity(parent.name, parent_type, len(existing_names) + len(containers))
    else:
        existing_names = set(session.execute(
            select(StorageContainer.name).where(StorageContainer.parent_id.is_(None))).scalars())
    counters: Counter[str] = Counter()
    total = _check(types, containers, parent_kind=parent_kind,
                   parent_name="the top of the storage tree" if parent_id is None else "this container",
                   taken=existing_names, counters=counters)

    conn = session.connection()
    ids = iter(bulk.reserve_ids(conn, "storage_containers", total))
    numbers = {counter: sequences.take(session, counter, count) for counter, count in counters.items()}
    rows: list[dict[str, Any]] = []
    now = utcnow()

    def build(parent: int | None, new: NewContainer) -> CreatedContainer:
        kind = types[new.type_name].kind
        barcode = new.barcode
        if barcode is None and kind in BARCODE_FORMATS:
            counter, prefix, digits = BARCODE_FORMATS[kind]
            barcode = f"{prefix}-{numbers[counter]:0{digits}d}"
            numbers[counter] += 1
        own = next(ids)
        rows.append({"id": own, "parent_id": parent, "container_type_id": types[new.type_name].id,
                     "name": new.name, "barcode": barcode, "temperature_c": new.temperature_c,
                     "location_note": new.location_note, "active": True, "created_at": new.created_at or now,
                     "freezer_kind": _freezer_kind(kind, new), "room": new.room, "status": "in_service",
                     "temperature_class": _temperature_class(new.temperature_c)})
        return CreatedContainer(own, barcode, new.name, tuple(build(own, child) for child in new.children))

    created = [build(parent_id, new) for new in containers]
    bulk.insert_rows(conn, "storage_containers", rows)
    return created


def _types_of(session: Session, containers: Sequence[NewContainer]) -> dict[str, TypeInfo]:
    names: set[str] = set()
    stack = list(containers)
    while stack:
        new = stack.pop()
        names.add(new.type_name)
        stack.extend(new.children)
    found = {t.name: _info(t) for t in session.execute(
        select(ContainerType).where(ContainerType.name.in_(sorted(names)))).scalars()}
    missing = sorted(names - found.keys())
    if missing:
        raise NotFoundError(f"Unknown container type: {', '.join(missing)}.",
                            hint="Create the container type first.")
    return found


def _check(types: dict[str, TypeInfo], containers: Sequence[NewContainer], *, parent_kind: str | None,
           parent_name: str, taken: set[str], counters: Counter[str]) -> int:
    """Check one level (and, recursively, the levels below); count barcodes per counter; return the total."""
    total = 0
    names = set(taken)
    for new in containers:
        kind = types[new.type_name].kind
        allowed = TOP_LEVEL_KINDS if parent_kind is None else ALLOWED_CHILDREN.get(parent_kind, frozenset())
        if kind not in allowed:
            where = "at the top of the storage tree" if parent_kind is None else f"inside a {parent_kind}"
            raise ValidationError(f"A {kind} ({new.name}) cannot go {where}.",
                                  hint="Choose a container that can hold it.")
        if not new.name.strip():
            raise ValidationError("Every container needs a name.")
        checked_text(new.name, f"The container name {new.name[:30]!r}", MAX_CONTAINER_NAME_LENGTH)
        if new.name in names:
            raise ValidationError(f"There is already a container named {new.name} in {parent_name}.",
                                  hint="Choose another name.")
        names.add(new.name)
        _check_capacity(new.name, types[new.type_name], len(new.children))
        if kind in BARCODE_FORMATS and new.barcode is None:
            counters[BARCODE_FORMATS[kind][0]] += 1
        total += 1 + _check(types, new.children, parent_kind=kind, parent_name=new.name, taken=set(),
                            counters=counters)
    return total


def _freezer_kind(kind: str, new: NewContainer) -> str | None:
    if new.freezer_kind is not None or kind not in TOP_LEVEL_KINDS or kind == "room":
        return new.freezer_kind
    default = default_freezer_kind(new.temperature_c)
    return default.value if default else None


def _temperature_class(setpoint: Decimal | None) -> str | None:
    klass = temperature_class(setpoint)
    return klass.value if klass else None


def _check_capacity(name: str, parent_type: TypeInfo, count: int) -> None:
    if parent_type.capacity is not None and count > parent_type.capacity:
        raise ValidationError(f"{name} ({parent_type.name}) holds at most {parent_type.capacity} containers, "
                              f"not {count}.", hint="Add the rest to another container.")
