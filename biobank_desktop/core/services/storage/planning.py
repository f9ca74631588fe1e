"""Find space for tubes, move boxes and racks, evacuate a failing freezer (planned first, committed whole)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

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
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.changes import CONTAINER, SAMPLE
from biobank_desktop.core.domain.cold_chain import StorageTube, TemperatureClass
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.space import (
    BoxSpace,
    BoxToMove,
    EvacuationPlan,
    RackRoom,
    Restrictions,
    SpacePlan,
    find_space,
    plan_evacuation,
)
from biobank_desktop.core.domain.tube_fit import TubeKind, of_kind
from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.core.services.storage.common import (
    AXES,
    BOX_KINDS,
    box_tube,
    chain_of,
    code_of,
    find_container,
    layout_of,
    lock_container,
    lock_tree,
    path_text,
    rederive_storage,
    restrictions_of,
    samples_inside,
    temperature_of,
    tree_damaged,
    walk_down,
)

RACK_KINDS = ("rack", "shelf", "drawer")


def _tree_index(session: Session) -> tuple[dict[int, StorageContainer], dict[int, list[int]]]:
    containers = {c.id: c for c in session.execute(
        select(StorageContainer).where(StorageContainer.active.is_(True))).scalars()}
    children: dict[int, list[int]] = defaultdict(list)
    for c in containers.values():
        if c.parent_id is not None:
            children[c.parent_id].append(c.id)
    return containers, children


def _top(containers: dict[int, StorageContainer], cid: int) -> StorageContainer:
    node, seen = containers[cid], {cid}
    while node.parent_id is not None and node.parent_id in containers:
        if node.parent_id in seen:
            raise tree_damaged(node.parent_id)
        seen.add(node.parent_id)
        node = containers[node.parent_id]
    return node


def _path(containers: dict[int, StorageContainer], cid: int) -> list[StorageContainer]:
    out, seen = [containers[cid]], {cid}
    while out[-1].parent_id is not None and out[-1].parent_id in containers:
        if out[-1].parent_id in seen:
            raise tree_damaged(out[-1].parent_id)
        seen.add(out[-1].parent_id)
        out.append(containers[out[-1].parent_id])
    return list(reversed(out))


def _descendants(children: dict[int, list[int]], cid: int) -> list[int]:
    out, frontier, seen = [], [cid], {cid}
    while frontier:
        nxt = [k for f in frontier for k in children.get(f, [])]
        if any(k in seen for k in nxt):
            raise tree_damaged(next(k for k in nxt if k in seen))
        seen.update(nxt)
        out.extend(nxt)
        frontier = nxt
    return out


class PlanningMixin:
    db: Database

    # -- find space ------------------------------------------------------------------------------------------

    def find_space(self, count: int, *, study: str | None = None, sample_type: str | None = None,
                   container: str | None = None, groups: Sequence[int] | None = None,
                   within: str | None = None) -> SpacePlan:
        """Plan positions for ``count`` tubes (or ``groups``: each a parent's aliquots, kept in one box),
        only in boxes whose restrictions allow them, in freezers in service; ``container``: the tubes' kind
        (a :class:`StorageTube` value) — only boxes made for it are used; None: any box. ``within``: a
        freezer, rack or box code to search under. Nothing is written."""
        tube = None
        if container:
            try:
                kind = StorageTube(container.strip().lower())
            except ValueError:
                raise ValidationError(f"'{container[:40]}' is not a tube kind.",
                                      hint="One of: " + ", ".join(t.value for t in StorageTube) + ".") from None
            tube = of_kind(kind)
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return self._plan_space(s, count, study=study, sample_type=sample_type, container=None, tube=tube,
                                    groups=groups, within=within)

    def _plan_space(self, s: Session, count: int, *, study: str | None, sample_type: str | None,
                    container: str | None, groups: Sequence[int] | None, within: str | None,
                    tube: TubeKind | None = None, material: str | None = None) -> SpacePlan:
        """The plan (nothing written). ``tube``: the tubes' physical kind — only boxes made for it
        (:mod:`~biobank_desktop.core.domain.tube_fit`); ``material``: boxes holding another material are left
        out; ``container``: checked against container restrictions when ``tube`` is None."""
        sizes = list(groups) if groups else [1] * count
        if not sizes or any(g < 1 for g in sizes) or (groups and sum(sizes) != count and count):
            raise ValidationError("Ask for at least one tube (and groups that add up to the count).")
        containers, children = _tree_index(s)
        types = {t.id: t for t in s.execute(select(ContainerType)).scalars()}
        if within:
            root = find_container(s, within, what="container")
            candidates = [root.id, *_descendants(children, root.id)]
        else:
            candidates = list(containers)
        box_ids = [cid for cid in candidates if cid in containers
                   and types[containers[cid].container_type_id].kind in BOX_KINDS
                   and types[containers[cid].container_type_id].rows is not None
                   and _top(containers, cid).status == "in_service"]
        occupied: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for cid, row, col in s.execute(select(SampleLocation.container_id, SampleLocation.row, SampleLocation.col)
                                       .where(SampleLocation.container_id.in_(box_ids))):
            occupied[cid].add((row, col))
        materials: dict[int, set[str]] = defaultdict(set)
        if material is not None:
            for cid, held in s.execute(select(SampleLocation.container_id, Sample.material).distinct()
                                       .join(Sample, Sample.id == SampleLocation.sample_id)
                                       .where(SampleLocation.container_id.in_(box_ids))):
                materials[cid].add(held)
        now = utcnow()
        for h in s.execute(select(PositionHold).where(PositionHold.container_id.in_(box_ids))).scalars():
            if not (h.kind == "reserved" and h.expires_at is not None and h.expires_at <= now):
                occupied[h.container_id].add((h.row, h.col))
        spaces: list[BoxSpace] = []
        all_ids = {c.id for cid in box_ids for c in _path(containers, cid)}
        rules = _rules(s, all_ids)
        for cid in box_ids:
            layout = layout_of(types[containers[cid].container_type_id])
            assert layout is not None
            path = _path(containers, cid)
            restriction = Restrictions()
            for c in path:
                restriction = restriction & rules.get(c.id, Restrictions())
            spaces.append(BoxSpace(cid, code_of(containers[cid]), layout, frozenset(occupied[cid]), restriction,
                                   path_text(path), box_tube(types[containers[cid].container_type_id]),
                                   frozenset(materials[cid])))
        # Partly filled boxes first (keeps boxes dense), then by their place in the tree.
        spaces.sort(key=lambda b: (not (0 < len(b.unusable) < b.layout.capacity), b.path, b.box_id))
        return find_space(spaces, sizes, study=study.upper() if study else None,
                          sample_type=sample_type.upper() if sample_type else None, container=container,
                          tube=tube, material=material)

    # -- moving containers ---------------------------------------------------------------------------------

    def move_container(self, actor: Actor, code: str, new_parent: str) -> Changes:
        """Move a box, rack or shelf (with everything in it) under ``new_parent``; never into itself or below."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            self.move_container_in(uow, code, new_parent)
            return uow.commit()

    def move_container_in(self, uow: UnitOfWork, code: str, new_parent: str, *, rename_on_clash: bool = False) -> None:
        """:meth:`move_container` inside the caller's unit of work; ``rename_on_clash``: a box whose name is taken
        in its new place gets " (from <freezer>)" added (evacuations), instead of being refused."""
        session = uow.session
        lock_tree(session)  # two workstations cannot move racks into each other, nor both fill the last place
        moving = find_container(session, code, what="container")
        target = lock_container(session, find_container(session, new_parent, what="container"))
        if moving.parent_id is None:
            raise ValidationError(f"{moving.name} is a freezer; freezers are not moved in the tree.")
        chain = chain_of(session, target.id)
        if any(c.id == moving.id for c in chain):
            what = "itself" if target.id == moving.id else f"{target.name}, which is inside it"
            raise ValidationError(f"{code_of(moving)} ({moving.name}) cannot go into {what}.",
                                  hint="Choose a container outside it.")
        if target.container_type.kind in BOX_KINDS:
            raise ValidationError(f"{code_of(target)} is a box: nothing goes inside a box but tubes.")
        if not target.active:
            raise ValidationError(f"{code_of(target)} is retired.")
        siblings = session.execute(select(func.count()).select_from(StorageContainer).where(
            StorageContainer.parent_id == target.id, StorageContainer.active.is_(True))).scalar_one()
        ttype = target.container_type
        if ttype.rows and ttype.columns and siblings >= ttype.rows * ttype.columns:
            raise ValidationError(f"{code_of(target)} ({target.name}) is full: it holds {siblings} of "
                                  f"{ttype.rows * ttype.columns} places.", hint="Choose another rack or shelf.")
        if session.execute(select(StorageContainer.id).where(
                StorageContainer.parent_id == target.id, StorageContainer.name == moving.name)).first():
            if not rename_on_clash:
                raise ValidationError(f"{target.name} already holds a container named {moving.name}.",
                                      hint="Rename one of them first.")
            moving.name = f"{moving.name} (from {chain_of(session, moving.id)[0].name})"[:100]
        rules = restrictions_of(session, [c.id for c in chain])
        if rules.any:
            for sample_code, study, stype, tube in _contents(session, moving.id):
                refusal = rules.refusal(study, stype, tube) if tube else Restrictions(
                    rules.studies, rules.sample_types).refusal(study, stype, None)
                if refusal is not None:
                    raise ValidationError(f"{code_of(moving)} cannot go into {code_of(target)}: {sample_code} "
                                          f"inside it does not fit ({refusal}).")
        old_chain = chain_of(session, moving.id)
        old_class = temperature_of(old_chain)[1]
        old_path = path_text(old_chain)
        moving.parent_id = target.id
        session.flush()
        new_chain = chain_of(session, moving.id)
        uow.audit("storage.container_moved", CONTAINER, code_of(moving),
                  summary=f"{moving.name} moved from {old_path} to {path_text(new_chain)}",
                  before={"path": old_path}, after={"path": path_text(new_chain)})
        new_class = temperature_of(new_chain)[1]
        for sample in samples_inside(session, moving.id):
            loc = session.get_one(SampleLocation, sample.id)
            box_chain = chain_of(session, loc.container_id)
            uow.audit("storage.moved", SAMPLE, sample.sample_code,
                      summary=f"{sample.sample_code} moved with {code_of(moving)} to {path_text(box_chain)}",
                      before={"path": old_path}, after={"path": path_text(box_chain)})
            if old_class is not new_class:
                rederive_storage(uow, sample, box_chain)

    # -- evacuation ------------------------------------------------------------------------------------------

    def plan_evacuation(self, freezer: str) -> EvacuationPlan:
        """Where every box of ``freezer`` would go (racks of other in-service freezers of its class)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return self._plan_evacuation(s, freezer)

    def _plan_evacuation(self, s: Session, freezer: str) -> EvacuationPlan:
        top = find_container(s, freezer, what="freezer")
        if top.parent_id is not None:
            raise ValidationError(f"{code_of(top)} ({top.name}) is not a freezer.", hint="Give the freezer's code.")
        containers, children = _tree_index(s)
        types = {t.id: t for t in s.execute(select(ContainerType)).scalars()}
        inside = _descendants(children, top.id)
        box_ids = [c for c in inside if types[containers[c].container_type_id].kind in BOX_KINDS]
        rules = _rules(s, set(containers))
        contents: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        tubes: dict[int, int] = defaultdict(int)
        for cid, study, stype, tube in s.execute(
                select(SampleLocation.container_id, Study.code, Sample.sample_type, Sample.storage_tube)
                .join(Sample, Sample.id == SampleLocation.sample_id).join(Study, Study.id == Sample.study_id)
                .where(SampleLocation.container_id.in_(box_ids))):
            contents[cid]["studies"].add(study)
            contents[cid]["sample_types"].add(stype)
            if tube:
                contents[cid]["containers"].add(tube)
            tubes[cid] += 1
        boxes = [BoxToMove(cid, code_of(containers[cid]), path_text(_path(containers, cid)[:-1]), tubes[cid],
                           Restrictions(**{k: frozenset(v) for k, v in contents[cid].items()}),
                           rules.get(cid, Restrictions()))
                 for cid in sorted(box_ids, key=lambda c: path_text(_path(containers, c)))]
        klass = TemperatureClass(top.temperature_class) if top.temperature_class else None
        counts = dict(s.execute(select(StorageContainer.parent_id, func.count()).where(
            StorageContainer.active.is_(True)).group_by(StorageContainer.parent_id)).all())
        racks: list[RackRoom] = []
        for c in sorted(containers.values(), key=lambda c: path_text(_path(containers, c.id))):
            t = types[c.container_type_id]
            if t.kind not in RACK_KINDS or not t.rows or not t.columns:
                continue
            freezer_row = _top(containers, c.id)
            path = _path(containers, c.id)
            rule = Restrictions()
            for p in path:
                rule = rule & rules.get(p.id, Restrictions())
            racks.append(RackRoom(c.id, code_of(c), path_text(path), freezer_row.id,
                                  temperature_of(path)[1], t.rows * t.columns - counts.get(c.id, 0), rule,
                                  freezer_row.status == "in_service"))
        return plan_evacuation(boxes, racks, top.id, klass)

    def evacuate(self, actor: Actor, freezer: str, reason: str) -> Result[EvacuationPlan]:
        """Plan and commit the evacuation in one transaction: every box moves, or nothing (ValidationError
        saying how many box places are missing)."""
        if not reason or not reason.strip():
            raise ValidationError("Say why the freezer is evacuated.", hint="For example: compressor failure.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            lock_tree(uow.session)  # the plan's free places stay free until the moves are committed
            plan = self._plan_evacuation(uow.session, freezer)
            if not plan.complete:
                raise ValidationError(f"The evacuation cannot be done: {plan.shortfall()}",
                                      hint="Nothing was moved. Free or add racks at that temperature, then plan "
                                           "again.")
            if not plan.moves:
                raise ValidationError("The freezer holds no boxes; there is nothing to evacuate.")
            for move in plan.moves:
                self.move_container_in(uow, str(move.box_id), str(move.rack_id), rename_on_clash=True)
            top = find_container(uow.session, freezer, what="freezer")
            uow.audit("storage.evacuated", CONTAINER, code_of(top),
                      summary=f"{top.name} evacuated: {len(plan.moves)} box(es) moved",
                      after={"moves": [f"{m.box_code} → {m.rack_code}" for m in plan.moves]}, reason=reason.strip())
            return Result(plan, uow.commit())


def _rules(s: Session, ids: set[int]) -> dict[int, Restrictions]:
    found: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for cid, axis, value in s.execute(select(StorageRestriction.container_id, StorageRestriction.axis,
                                             StorageRestriction.value)):
        if cid in ids:
            found[cid][AXES[axis]].add(value)
    return {cid: Restrictions(**{k: frozenset(v) for k, v in axes.items()}) for cid, axes in found.items()}


def _contents(session: Session, container_id: int) -> list[tuple[str, str, str, str | None]]:
    ids = walk_down(session, container_id)
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(Sample.sample_code, Study.code, Sample.sample_type, Sample.storage_tube)
        .join(SampleLocation, SampleLocation.sample_id == Sample.id).join(Study, Study.id == Sample.study_id)
        .where(SampleLocation.container_id.in_(ids)))]

