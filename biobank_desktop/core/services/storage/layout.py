"""Changing the storage layout (supervisors): container types, freezers, racks and boxes, restrictions,
blocked positions; and reservations (technicians reserve positions for what is announced)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    ContainerType,
    PositionHold,
    Sample,
    SampleLocation,
    StorageContainer,
    StorageRestriction,
    Study,
)
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork, require
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.changes import CONTAINER
from biobank_desktop.core.domain.cold_chain import FreezerKind, FreezerStatus, StorageTube, temperature_class
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.positions import BoxLayout, FillOrder, LabelScheme
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.space import Restrictions
from biobank_desktop.core.services import storage_layout as layout_rules
from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.core.services.storage.common import (
    AXES,
    chain_of,
    code_of,
    find_box,
    find_container,
    lock_container,
    lock_tree,
    path_text,
    rederive_storage_inside,
    walk_down,
)
from biobank_desktop.core.services.storage.dto import ContainerTypeInfo

TOP_LEVEL_KINDS = ("freezer", "refrigerator", "ln2_tank", "room")


@dataclass(frozen=True)
class NewContainer:
    """A container to create: under ``parent`` (a code; None for a freezer), of the type named ``type_name``."""

    name: str
    type_name: str
    parent: str | None = None
    barcode: str | None = None  # None: the next from the biobank's counter (BOX-…, RCK-…, FRZ-…)
    setpoint_c: Decimal | None = None
    freezer_kind: str | None = None
    room: str = ""
    location_note: str = ""


class LayoutMixin:
    db: Database

    # -- container types -----------------------------------------------------------------------------------

    def add_container_type(self, actor: Actor, name: str, kind: str, rows: int | None = None,
                           columns: int | None = None, *, row_scheme: str = "letters",
                           column_scheme: str = "numbers", fill_order: str = "row_major", linear: bool = False,
                           tube_kind: str | None = None) -> Result[ContainerTypeInfo]:
        """A new container type (supervisors). Raises ValidationError for a bad grid or convention."""
        if not name or not name.strip():
            raise ValidationError("A container type needs a name.")
        try:
            schemes = LabelScheme(row_scheme), LabelScheme(column_scheme)
            order = FillOrder(fill_order)
            tube = StorageTube(tube_kind).value if tube_kind else None
        except ValueError as exc:
            raise ValidationError(f"Unknown convention: {exc}.",
                                  hint="Labels: letters, numbers or roman; fill orders: "
                                       + ", ".join(o.value for o in FillOrder) + ".") from exc
        if (rows is None) != (columns is None):
            raise ValidationError("Give both rows and columns, or neither (a bag or canister has no positions).")
        if rows is not None and columns is not None:
            BoxLayout(rows, columns, schemes[0], schemes[1], order, linear=linear)  # validates the grid
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            if uow.session.execute(select(ContainerType.id).where(ContainerType.name == name.strip())).first():
                raise ConflictError(f"A container type named '{name.strip()}' already exists.")
            ctype = ContainerType(name=name.strip(), kind=kind, rows=rows, columns=columns,
                                  row_scheme=schemes[0].value, column_scheme=schemes[1].value,
                                  fill_order=order.value, linear=linear, tube_kind=tube)
            uow.session.add(ctype)
            uow.flush()
            uow.audit("storage.type_added", CONTAINER, f"type:{ctype.id}", summary=f"Container type {ctype.name}",
                      after={"kind": kind, "rows": rows, "columns": columns, "row_scheme": row_scheme,
                             "column_scheme": column_scheme, "fill_order": fill_order, "linear": linear,
                             "tube_kind": tube})
            info = ContainerTypeInfo(ctype.id, ctype.name, kind, rows, columns, ctype.row_scheme,
                                     ctype.column_scheme, ctype.fill_order, linear, tube)
            return Result(info, uow.commit())

    # -- containers -------------------------------------------------------------------------------------------

    def create_containers(self, actor: Actor, new: Sequence[NewContainer]) -> Result[list[str]]:
        """Create containers in order (a later one may name an earlier one as parent). Returns their codes."""
        with UnitOfWork(self.db, actor, Permission.MANAGE_STORAGE) as uow:
            codes = [code_of(self.create_container_in(uow, n)) for n in new]
            return Result(codes, uow.commit())

    def create_container_in(self, uow: UnitOfWork, new: NewContainer) -> StorageContainer:
        """Create one container inside the caller's unit of work, by the rules of
        :mod:`biobank_desktop.core.services.storage_layout` (nesting, capacity of a parent's grid, barcode
        counters) that the demo generator uses too; audited."""
        session = uow.session
        lock_tree(session)  # two workstations cannot both fill the last place of a rack
        name = (new.name or "").strip()
        if not name:
            raise ValidationError("A container needs a name.")
        ctype = session.execute(select(ContainerType).where(ContainerType.name == new.type_name)).scalar_one_or_none()
        if ctype is None:
            raise NotFoundError(f"No container type is named '{new.type_name}'.",
                                hint="Choose one of the container types, or ask a supervisor to add it.")
        parent = lock_container(session, find_container(session, new.parent, what="container")) if new.parent else None
        if parent is not None and not parent.active:
            raise ValidationError(f"{code_of(parent)} is retired.", hint="Choose an active container.")
        setpoint, kind = _freezer_settings(new, ctype)
        barcode = new.barcode.strip() if new.barcode and new.barcode.strip() else None
        if barcode and session.execute(select(StorageContainer.id).where(StorageContainer.barcode == barcode)).first():
            raise ConflictError(f"A container with the barcode {barcode} already exists.")
        [made] = layout_rules.create_containers(session, parent.id if parent else None, [layout_rules.NewContainer(
            new.type_name, name, temperature_c=setpoint, location_note=new.location_note, barcode=barcode,
            freezer_kind=kind, room=new.room)])
        container = session.get_one(StorageContainer, made.id)
        chain = chain_of(session, container.id)
        uow.audit("storage.container_created", CONTAINER, code_of(container),
                  summary=f"{ctype.kind.capitalize()} {name} created in {path_text(chain[:-1]) or 'the storage'}",
                  after={"name": name, "type": ctype.name, "barcode": container.barcode,
                         "setpoint_c": setpoint, "freezer_kind": container.freezer_kind, "room": new.room})
        return container

    def edit_container(self, actor: Actor, code: str, *, name: str | None = None, setpoint_c: Decimal | None = None,
                       status: str | None = None, room: str | None = None, location_note: str | None = None,
                       freezer_kind: str | None = None) -> Changes:
        """Rename or change a container's settings (supervisors). A set-point change re-classes its temperature."""
        with UnitOfWork(self.db, actor, Permission.MANAGE_STORAGE) as uow:
            c = find_container(uow.session, code, what="container")
            before = {"name": c.name, "setpoint_c": c.temperature_c, "status": c.status, "room": c.room,
                      "location_note": c.location_note, "freezer_kind": c.freezer_kind}
            if name is not None:
                if not name.strip():
                    raise ValidationError("A container needs a name.")
                c.name = name.strip()
            if status is not None:
                try:
                    c.status = FreezerStatus(status).value
                except ValueError as exc:
                    raise ValidationError(f"Unknown status '{status}'.", hint="in_service, defrosting or "
                                                                              "out_of_service.") from exc
            if room is not None:
                c.room = room
            if location_note is not None:
                c.location_note = location_note
            if freezer_kind is not None:
                c.freezer_kind = _freezer_kind(freezer_kind)
            if setpoint_c is not None:
                c.temperature_c = _setpoint(setpoint_c)
                c.temperature_class = _class_value(c.temperature_c)
            after = {"name": c.name, "setpoint_c": c.temperature_c, "status": c.status, "room": c.room,
                     "location_note": c.location_note, "freezer_kind": c.freezer_kind}
            if after == before:
                raise ValidationError("Nothing to change.")
            uow.audit("storage.container_edited", CONTAINER, code_of(c), summary=f"{c.name} edited",
                      before=before, after=after)
            if after["setpoint_c"] != before["setpoint_c"]:
                uow.flush()
                rederive_storage_inside(uow, c)  # the tubes' SPREC storage follows the new temperature class
            return uow.commit()

    def retire_container(self, actor: Actor, code: str, reason: str) -> Changes:
        """Retire an empty container (and nothing below it may hold a tube or an active container)."""
        with UnitOfWork(self.db, actor, Permission.MANAGE_STORAGE) as uow:
            session = uow.session
            lock_tree(session)
            # FOR UPDATE before counting: a workstation placing a tube reads the box FOR SHARE, so the two wait
            # for each other and the box never ends retired with a tube inside.
            c = lock_container(session, find_container(session, code, what="container"))
            if not c.active:
                raise ValidationError(f"{code_of(c)} is already retired.")
            ids = _descendants(session, c.id)
            tubes = session.execute(select(func.count()).select_from(SampleLocation)
                                    .where(SampleLocation.container_id.in_(ids))).scalar_one()
            if tubes:
                raise ValidationError(f"{code_of(c)} ({c.name}) is not empty: {tubes} tube(s) are stored in it.",
                                      hint="Move or discard them first (or evacuate it), then retire it.")
            active_children = session.execute(select(func.count()).select_from(StorageContainer).where(
                StorageContainer.parent_id == c.id, StorageContainer.active.is_(True))).scalar_one()
            if active_children:
                raise ValidationError(f"{code_of(c)} ({c.name}) still holds {active_children} container(s).",
                                      hint="Move them elsewhere or retire them first.")
            c.active = False
            uow.audit("storage.container_retired", CONTAINER, code_of(c), summary=f"{c.name} retired",
                      before={"active": True}, after={"active": False}, reason=reason or None)
            return uow.commit()

    def duplicate_container(self, actor: Actor, template: str, copies: int = 1,
                            parent: str | None = None) -> Result[list[str]]:
        """Copy a rack or shelf with its boxes (empty) ``copies`` times, under ``parent`` (default: the same)."""
        if not 1 <= copies <= 200:
            raise ValidationError("Make between 1 and 200 copies.")
        with UnitOfWork(self.db, actor, Permission.MANAGE_STORAGE) as uow:
            session = uow.session
            source = find_container(session, template, what="container")
            if source.parent_id is None:
                raise ValidationError("A freezer is not duplicated; duplicate its racks or shelves.")
            target = find_container(session, parent, what="container") if parent else session.get_one(
                StorageContainer, source.parent_id)
            made: list[str] = []
            taken = set(session.execute(select(StorageContainer.name)
                                        .where(StorageContainer.parent_id == target.id)).scalars())
            for _ in range(copies):
                name = _next_name(source.name, taken)
                taken.add(name)
                top = self.create_container_in(uow, NewContainer(name, source.container_type.name, code_of(target)))
                made.append(code_of(top))
                self._copy_children(uow, source, top)
            return Result(made, uow.commit())

    def _copy_children(self, uow: UnitOfWork, source: StorageContainer, copy: StorageContainer) -> None:
        children = uow.session.execute(select(StorageContainer).where(
            StorageContainer.parent_id == source.id, StorageContainer.active.is_(True))
            .order_by(StorageContainer.id)).scalars().all()
        for child in children:
            new = self.create_container_in(uow, NewContainer(child.name, child.container_type.name, code_of(copy)))
            self._copy_children(uow, child, new)

    # -- restrictions and holds ------------------------------------------------------------------------------

    def set_restrictions(self, actor: Actor, code: str, *, studies: Sequence[str] = (),
                         sample_types: Sequence[str] = (), containers: Sequence[str] = ()) -> Changes:
        """Replace what a box or rack may hold (empty lists: anything). Tubes already inside must comply."""
        wanted = {"study": {s.strip().upper() for s in studies if s.strip()},
                  "sample_type": {s.strip().upper() for s in sample_types if s.strip()},
                  "container": {s.strip() for s in containers if s.strip()}}
        with UnitOfWork(self.db, actor, Permission.MANAGE_STORAGE) as uow:
            session = uow.session
            c = find_container(session, code, what="container")
            rule = Restrictions(**{AXES[a]: frozenset(v) for a, v in wanted.items()})
            inside = session.execute(
                select(Sample.sample_code, Study.code, Sample.sample_type, Sample.storage_tube)
                .join(SampleLocation, SampleLocation.sample_id == Sample.id).join(Study, Study.id == Sample.study_id)
                .where(SampleLocation.container_id.in_(_descendants(session, c.id)))).all()
            for sample_code, study, stype, tube in inside:
                refusal = rule.refusal(study, stype, tube) if tube else Restrictions(
                    rule.studies, rule.sample_types).refusal(study, stype, None)
                if refusal is not None:
                    raise ValidationError(f"{sample_code} in {code_of(c)} would break the new rule: {refusal}.",
                                          hint="Move it first, or choose a rule that fits what is inside.")
            old = session.execute(select(StorageRestriction).where(StorageRestriction.container_id == c.id)
                                  ).scalars().all()
            before = sorted(f"{r.axis}={r.value}" for r in old)
            for r in old:
                session.delete(r)
            uow.flush()
            for axis, values in wanted.items():
                for value in sorted(values):
                    session.add(StorageRestriction(container_id=c.id, axis=axis, value=value))
            after = sorted(f"{a}={v}" for a, vs in wanted.items() for v in vs)
            uow.audit("storage.restrictions_set", CONTAINER, code_of(c),
                      summary=f"{c.name} now holds {rule.describe()}", before={"rules": before},
                      after={"rules": after})
            return uow.commit()

    def block_position(self, actor: Actor, box: str, position: str, reason: str) -> Changes:
        """Mark a position unusable (a cracked well) with the reason (supervisors)."""
        if not reason or not reason.strip():
            raise ValidationError("Say why the position is blocked.", hint="For example: cracked well.")
        return self._hold(actor, box, [position], kind="blocked", purpose=reason.strip(), expires_at=None,
                          permission=Permission.MANAGE_STORAGE)

    def reserve_positions(self, actor: Actor, box: str, positions: Sequence[str], purpose: str,
                          expires_at: dt.datetime | None = None) -> Changes:
        """Reserve positions for what is announced (a shipment, a project's aliquots) so nobody else fills them."""
        if not purpose or not purpose.strip():
            raise ValidationError("Say what the positions are reserved for.", hint="For example: shipment SH-0042.")
        if expires_at is not None and expires_at <= utcnow():
            raise ValidationError("The reservation would already have expired.", hint="Choose a later date.")
        return self._hold(actor, box, positions, kind="reserved", purpose=purpose.strip(), expires_at=expires_at,
                          permission=Permission.RECORD_SAMPLES)

    def release_positions(self, actor: Actor, box: str, positions: Sequence[str] | None = None,
                          purpose: str | None = None) -> Changes:
        """Release reservations or unblock positions (all of a purpose, or the positions given)."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            container, layout = find_box(session, box)
            holds = session.execute(select(PositionHold).where(PositionHold.container_id == container.id)
                                    ).scalars().all()
            wanted = {layout.parse_position(p) for p in positions} if positions else None
            chosen = [h for h in holds if (wanted is None or (h.row, h.col) in wanted)
                      and (purpose is None or h.purpose == purpose)]
            if not chosen:
                raise ValidationError("No such blocked or reserved position in this box.")
            if any(h.kind == "blocked" for h in chosen):
                require(actor, Permission.MANAGE_STORAGE, uow.current_role)
            labels = [layout.position_label(h.row, h.col) for h in chosen]
            for h in chosen:
                session.delete(h)
            uow.audit("storage.positions_released", CONTAINER, code_of(container),
                      summary=f"{len(chosen)} position(s) released in {code_of(container)}: {', '.join(labels)}",
                      before={"holds": [f"{h.kind} {lab}: {h.purpose}" for h, lab in zip(chosen, labels,
                                                                                          strict=True)]})
            return uow.commit()

    def _hold(self, actor: Actor, box: str, positions: Sequence[str], *, kind: str, purpose: str,
              expires_at: dt.datetime | None, permission: Permission) -> Changes:
        if not positions:
            raise ValidationError("Choose at least one position.")
        with UnitOfWork(self.db, actor, permission) as uow:
            session = uow.session
            container, layout = find_box(session, box)
            cells = [layout.parse_position(p) for p in positions]
            if len(set(cells)) < len(cells):
                raise ValidationError("A position is given twice.")
            taken = {(r.row, r.col): r.sample_code for r in session.execute(
                select(SampleLocation.row, SampleLocation.col, _sample_code())
                .where(SampleLocation.container_id == container.id))}
            held = {(h.row, h.col): h for h in session.execute(
                select(PositionHold).where(PositionHold.container_id == container.id)).scalars()}
            for cell in cells:
                label = layout.position_label(*cell)
                if cell in taken:
                    raise ConflictError(f"Position {label} in box {code_of(container)} holds {taken[cell]}.",
                                        hint="Only an empty position can be blocked or reserved.")
                if cell in held:
                    h = held[cell]
                    raise ConflictError(f"Position {label} in box {code_of(container)} is already {h.kind} "
                                        f"({h.purpose}).")
                session.add(PositionHold(container_id=container.id, row=cell[0], col=cell[1], kind=kind,
                                         purpose=purpose, created_by=uow.actor.username, created_at=utcnow(),
                                         expires_at=expires_at))
            labels = [layout.position_label(*c) for c in cells]
            uow.flush()
            uow.audit(f"storage.positions_{kind}", CONTAINER, code_of(container),
                      summary=f"{len(cells)} position(s) {kind} in {code_of(container)}: {', '.join(labels)}",
                      after={"positions": labels, "purpose": purpose, "expires_at": expires_at})
            return uow.commit()


def _sample_code() -> Any:
    return select(Sample.sample_code).where(Sample.id == SampleLocation.sample_id).scalar_subquery().label(
        "sample_code")


def _descendants(session: Session, container_id: int) -> list[int]:
    return walk_down(session, container_id)


def _next_name(name: str, taken: set[str]) -> str:
    stem, _, number = name.rpartition(" ")
    if number.isdigit():
        n = int(number)
        while True:
            n += 1
            candidate = f"{stem} {n:0{len(number)}d}"
            if candidate not in taken:
                return candidate
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def _setpoint(value: Decimal | float | int | str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"'{value}' is not a temperature.", hint="Give the set-point in °C, e.g. -80.") from exc
    if not Decimal(-273) <= number <= Decimal(60):
        raise ValidationError(f"{number} °C is not a storage temperature.", hint="Give the set-point in °C, e.g. -80.")
    return number


def _freezer_kind(value: str) -> str:
    try:
        return FreezerKind(value).value
    except ValueError as exc:
        raise ValidationError(f"Unknown freezer kind '{value}'.",
                              hint="One of: " + ", ".join(k.value for k in FreezerKind) + ".") from exc


def _freezer_settings(new: NewContainer, ctype: ContainerType) -> tuple[Decimal | None, str | None]:
    kind = _freezer_kind(new.freezer_kind) if new.freezer_kind else None
    setpoint = _setpoint(new.setpoint_c) if new.setpoint_c is not None else None
    if ctype.kind in TOP_LEVEL_KINDS:
        if setpoint is None and kind is not None:
            setpoint = FreezerKind(kind).default_setpoint
        if setpoint is None:
            raise ValidationError(f"A {ctype.kind} needs its set-point (°C) or its kind.",
                                  hint="For example: -80, or upright_-80.")
    return setpoint, kind


def _class_value(setpoint: Decimal | None) -> str | None:
    klass = temperature_class(setpoint)
    return klass.value if klass else None

