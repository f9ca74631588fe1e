"""Splitting parents into children inside one unit of work: the part one parent and a batch share.

Per parent: refused states, the arithmetic (over-draw refused before anything is written), a check-out and
check-in when it is stored (the freeze–thaw counted by the storage service), children numbered after the ones
it has, their SPREC elements inherited or derived (core.domain.derivation), the parent's volume drawn under its
row lock. Then, for the whole unit of work: the children placed (each parent's together), their labels queued
in placement order, the batch record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import AliquotBatch, AliquotBatchItem, AliquotProtocol, Sample, SampleLocation
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.aliquot_plan import AliquotPlan, PlanLine, plan_aliquots, plan_lines, volume_text
from biobank_desktop.core.domain.changes import ALIQUOT_BATCH, SAMPLE
from biobank_desktop.core.domain.derivation import (
    ChildPreAnalytics,
    DerivativeProcessing,
    Step,
    check_child_type,
    child_pre_analytics,
)
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.ids import ChildKind, format_child_id
from biobank_desktop.core.domain.volumes import parse_volume
from biobank_desktop.core.services.aliquoting.common import ZERO, parent_pre_analytics
from biobank_desktop.core.services.aliquoting.dto import AliquotRequest, ChildInfo, ChildLine, ParentOutcome
from biobank_desktop.core.services.labelling import LabellingService
from biobank_desktop.core.services.storage import PlacedTube, StorageService
from biobank_desktop.core.services.storage.common import find_box

_LETTER: dict[ChildKind, str] = {"aliquot": "A", "derivative": "D"}


def plan_request(parent: Sample, lines: Sequence[ChildLine], dead_volume: object, default_unit: str) -> AliquotPlan:
    """The arithmetic of a request for this parent (types checked against what it allows)."""
    if not lines:
        raise ValidationError("Say what to make: the number of children and their volume.")
    types = [(line.sample_type or parent.sample_type).strip().upper() for line in lines]
    for wanted in types:
        check_child_type(parent.sample_type, wanted)
    if any(line.volume is None or (isinstance(line.volume, str) and not line.volume.strip()) for line in lines):
        if len(lines) > 1:
            raise ValidationError("'Split evenly' works for one kind of child at a time.",
                                  hint="Give a volume for each kind of child.")
        return plan_aliquots(parent.volume_ul, lines[0].count, None, dead_volume=dead_volume,  # type: ignore[arg-type]
                             default_unit=default_unit, sample_type=types[0])
    plan = []
    for line, wanted in zip(lines, types, strict=True):
        try:
            volume = parse_volume(line.volume, default_unit)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise ValidationError(f"Child volume: {exc.message}", hint=exc.hint) from None
        plan.append(PlanLine(line.count, volume, wanted))
    return plan_lines(parent.volume_ul, plan, dead_volume=dead_volume, default_unit=default_unit)  # type: ignore[arg-type]


def next_numbers(session: Session, parent: Sample) -> dict[str, int]:
    """The next free child number per letter (A aliquots, D derivatives), after every child it has had
    (voided ones too: an ID is never given twice)."""
    return next_numbers_of(session, [parent.id])[parent.id]


def next_numbers_of(session: Session, parent_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """:func:`next_numbers` of many parents, by id (a query per 500 parents)."""
    out: dict[int, dict[str, int]] = {pid: {"A": 1, "D": 1} for pid in parent_ids}
    ids = list(out)
    for start in range(0, len(ids), 500):
        for parent_id, code in session.execute(select(Sample.parent_id, Sample.sample_code)
                                               .where(Sample.parent_id.in_(ids[start:start + 500]))):
            numbers = out[int(parent_id or 0)]  # never None: selected by parent_id
            segment = code.rsplit("-", 1)[-1]
            if segment[:1] in numbers and segment[1:].isdigit():
                numbers[segment[0]] = max(numbers[segment[0]], int(segment[1:]) + 1)
    return out


def child_codes(parent: Sample, plan: AliquotPlan, numbers: dict[str, int]) -> list[tuple[str, str, ChildKind]]:
    """(code, type, kind) of each child the plan makes, in order."""
    out: list[tuple[str, str, ChildKind]] = []
    counters = dict(numbers)
    for line in plan.lines:
        wanted = line.sample_type or parent.sample_type
        kind: ChildKind = "aliquot" if wanted == parent.sample_type else "derivative"
        for _ in range(line.count):
            letter = _LETTER[kind]
            out.append((format_child_id(parent.sample_code, kind, counters[letter]), wanted, kind))
            counters[letter] += 1
    return out


@dataclass
class ParentWork:
    """One parent's part of a unit of work."""

    parent: Sample
    plan: AliquotPlan
    processing: DerivativeProcessing | None
    consume: bool
    check_out: bool
    volume_before: Decimal = ZERO
    children: list[tuple[Sample, Decimal, Step]] = field(default_factory=list)
    numbers: dict[str, int] | None = None  # next_numbers, when the caller read them for a whole batch


class SplittingMixin:
    db: Database
    _storage: StorageService
    _labelling: LabellingService

    def _new_batch(self, uow: UnitOfWork, source: str, protocol: AliquotProtocol | None) -> AliquotBatch:
        batch = AliquotBatch(created_by=uow.username, workstation=uow.actor.workstation, source=source[:200],
                             protocol_id=protocol.id if protocol is not None else None, status="done")
        uow.session.add(batch)
        uow.flush()
        return batch

    def _split_in(self, uow: UnitOfWork, work: ParentWork, batch: AliquotBatch, seq: int) -> int:
        """Make one parent's children (not yet placed); the next ``seq``. The parent is locked and checked."""
        session = uow.session
        parent = work.parent
        loc = session.get(SampleLocation, parent.id)
        if work.check_out and loc is not None and loc.checked_out_at is None:
            # Out and back in (counts the freeze–thaw of a frozen parent); a batch does it for all its parents first.
            self._storage.out_and_back_in(uow, [parent.sample_code], "aliquoting")
        codes = child_codes(parent, work.plan, work.numbers or next_numbers(session, parent))
        derived: dict[str, ChildPreAnalytics] = {}
        source = parent_pre_analytics(parent)
        volumes = [line.volume_ul for line in work.plan.lines for _ in range(line.count)]
        dead_left = work.plan.dead_volume_ul
        for (code, wanted, kind), volume in zip(codes, volumes, strict=True):
            pre = derived.get(wanted)
            if pre is None:
                pre = derived[wanted] = child_pre_analytics(source, wanted, work.processing)
            child = self._child_row(parent, code, wanted, kind, volume, pre, work.processing)
            session.add(child)
            session.add(AliquotBatchItem(batch=batch, seq=seq, parent_id=parent.id, child=child,
                                         volume_drawn_ul=volume, dead_volume_ul=dead_left, step=pre.step.value))
            dead_left = ZERO
            seq += 1
            work.children.append((child, volume, pre.step))
        work.volume_before = Decimal(parent.volume_ul or ZERO)
        before = {"volume_ul": parent.volume_ul, "status": parent.status}
        parent.volume_ul = work.plan.left_ul
        if work.plan.left_ul == 0 or work.consume:
            parent.status = "consumed"
        # One event for the parent and its children (linked to each child's history): what each child is, and
        # how each child type's SPREC code was derived.
        made = ", ".join(f"{code} ({wanted}, {volume_text(volume)})"
                         for (code, wanted, _), volume in zip(codes, volumes, strict=True))
        uow.audit("aliquoting.parent_drawn", SAMPLE, parent.sample_code,
                  summary=f"{parent.sample_code}: {len(codes)} child(ren) made ({work.plan.sum_text()})"
                          + ("; consumed" if parent.status == "consumed" else "") + f": {made}",
                  before=before, after={
                      "volume_ul": parent.volume_ul, "status": parent.status, "batch": batch.id,
                      "children": [c for c, _, _ in codes],
                      "made": [{"sample_code": code, "sample_type": wanted, "lineage_kind": kind, "volume_ul": volume,
                                "sprec_code": derived[wanted].sprec_code}
                               for (code, wanted, kind), volume in zip(codes, volumes, strict=True)],
                      "derivation": {t: {"step": pre.step.value, "sprec_code": pre.sprec_code,
                                         "sprec_elements": [f"{e.position} {e.code} {e.origin}: {e.why}"
                                                            for e in pre.elements]}
                                     for t, pre in derived.items()}},
                  samples=[c for c, _, _ in codes])
        return seq

    @staticmethod
    def _child_row(parent: Sample, code: str, wanted: str, kind: ChildKind, volume: Decimal,  # noqa: PLR0917
                   pre: ChildPreAnalytics, processing: DerivativeProcessing | None) -> Sample:
        return Sample(
            sample_code=code, study_id=parent.study_id, participant_id=parent.participant_id,
            partner_site_id=parent.partner_site_id, material=parent.material, sample_type=wanted,
            primary_container=parent.primary_container, volume_ul=volume, initial_volume_ul=volume,
            status="available", parent=parent, lineage_kind=kind, freeze_thaw_count=parent.freeze_thaw_count,
            collected_at=parent.collected_at, received_at=parent.received_at, centrifuged_at=pre.centrifuged_at,
            centrifugation_ended_at=pre.centrifugation_ended_at, frozen_at=pre.frozen_at,
            pre_centrifugation_temp=pre.pre_centrifugation_temp, centrifugation=pre.centrifugation,
            second_centrifugation=pre.second_centrifugation, post_centrifugation_temp=pre.post_centrifugation_temp,
            long_term_storage=None, collection_type=parent.collection_type, warm_ischemia=parent.warm_ischemia,
            cold_ischemia=parent.cold_ischemia, fixation=parent.fixation, fixation_time=parent.fixation_time,
            sprec_version=parent.sprec_version, sprec_code=pre.sprec_code, sprec_overridden=False,
            storage_tube=processing.storage_tube if processing is not None else None, notes="")

    def _place_and_label(self, uow: UnitOfWork, works: Sequence[ParentWork], *, box: str | None,
                         find_space: bool) -> tuple[dict[str, PlacedTube], list[str], list[int]]:
        """Place every child (each parent's children together, a call per study/type/tube kind), then queue the
        labels in placement order: box by box in the order first used, in each box in its fill order."""
        session = uow.session
        uow.flush()
        placed: dict[str, PlacedTube] = {}
        if box is not None or find_space:
            groups: dict[tuple[int, str, str | None], list[tuple[str, int]]] = {}
            for index, work in enumerate(works):
                for child, _, _ in work.children:
                    groups.setdefault((child.study_id, child.sample_type, child.storage_tube), []).append(
                        (child.sample_code, index))
            for members in groups.values():
                sizes: list[int] = []
                last = None
                for _, owner in members:
                    if owner == last:
                        sizes[-1] += 1
                    else:
                        sizes.append(1)
                        last = owner
                for tube in self._storage.place_found_in(uow, [c for c, _ in members], groups=sizes, within=box):
                    placed[tube.sample_code] = tube
        order = [child.sample_code for work in works for child, _, _ in work.children]
        made = {code: index for index, code in enumerate(order)}
        if placed:
            boxes: dict[int, int] = {}
            layouts = {}
            for tube in placed.values():
                boxes.setdefault(tube.box_id, len(boxes))
                if tube.box_id not in layouts:
                    layouts[tube.box_id] = find_box(session, tube.box_code)[1]

            def key(code: str) -> tuple[int, int]:
                tube = placed.get(code)
                if tube is None:
                    return (len(boxes), made[code])
                return (boxes[tube.box_id], layouts[tube.box_id].index_of(tube.row, tube.col))

            order.sort(key=key)
        jobs = self._labelling.enqueue_in(uow, order, source="aliquoting")
        return placed, order, jobs

    @staticmethod
    def _outcomes(works: Sequence[ParentWork], placed: dict[str, PlacedTube]) -> tuple[ParentOutcome, ...]:
        out = []
        for work in works:
            children = []
            for child, drawn, _ in work.children:
                tube = placed.get(child.sample_code)
                children.append(ChildInfo(child.sample_code, work.parent.sample_code, child.sample_type,
                                          child.lineage_kind, Decimal(child.volume_ul or ZERO), drawn, child.sprec_code,
                                          tube.box_code if tube else None, tube.position if tube else None))
            out.append(ParentOutcome(work.parent.sample_code, work.plan, tuple(children), work.volume_before,
                                     Decimal(work.parent.volume_ul or ZERO), work.parent.status,
                                     work.parent.freeze_thaw_count))
        return tuple(out)

    @staticmethod
    def _audit_batch(uow: UnitOfWork, batch: AliquotBatch, works: Sequence[ParentWork], protocol: str | None,
                     label_jobs: Sequence[int]) -> None:
        children = sum(len(w.children) for w in works)
        what = f" with protocol {protocol}" if protocol else ""
        uow.audit("aliquoting.batch_done", ALIQUOT_BATCH, batch.id,
                  summary=f"Aliquoting batch {batch.id}: {len(works)} parent(s) → {children} child(ren){what}",
                  after={"parents": [w.parent.sample_code for w in works], "children": children,
                         "protocol": protocol, "source": batch.source, "label_jobs": list(label_jobs)},
                  samples=[w.parent.sample_code for w in works])


def request_work(parent: Sample, request: AliquotRequest, plan: AliquotPlan) -> ParentWork:
    return ParentWork(parent, plan, request.processing, request.consume_parent, request.check_out)
