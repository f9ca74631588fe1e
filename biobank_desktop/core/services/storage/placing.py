"""Placing tubes: one or a batch (also inside another workflow's unit of work), moves, check-out and
check-in, discard. Every change is audited with the sample as entity, so it shows in the sample's history."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
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
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork, require
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.changes import CONTAINER, SAMPLE
from biobank_desktop.core.domain.errors import ConflictError, ValidationError
from biobank_desktop.core.domain.positions import BoxLayout
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.space import Restrictions
from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.core.services.storage.common import (
    chain_of,
    code_of,
    find_box,
    find_sample,
    find_samples,
    locations_of,
    path_text,
    position_of,
    rederive_storage,
    restrictions_of,
    temperature_of,
    tube_kind,
    where_text,
)
from biobank_desktop.core.services.storage.dto import CheckoutInfo, PlacedTube, Placement

UNPLACEABLE_STATUSES = {"discarded": "discarded", "consumed": "used up", "shipped": "shipped away"}


@dataclass
class _Occupant:
    sample_id: int
    sample_code: str
    placed_by: str
    placed_at: dt.datetime


@dataclass
class BoxState:
    """A box as a batch placement sees it: who is where, what is held, what it may hold."""

    box: StorageContainer
    layout: BoxLayout
    chain: list[StorageContainer]
    restrictions: Restrictions
    occupants: dict[tuple[int, int], _Occupant]
    holds: dict[tuple[int, int], PositionHold]
    taken_now: set[tuple[int, int]] = field(default_factory=set)

    @property
    def code(self) -> str:
        return code_of(self.box)

    def free_positions(self, now: dt.datetime) -> list[tuple[int, int]]:
        return [p for p in self.layout.positions() if p not in self.occupants and p not in self.taken_now
                and (p not in self.holds or _expired(self.holds[p], now))]


def _expired(hold: PositionHold, now: dt.datetime) -> bool:
    return hold.kind == "reserved" and hold.expires_at is not None and hold.expires_at <= now


def load_box_state(session: Session, box: StorageContainer, layout: BoxLayout) -> BoxState:
    chain = chain_of(session, box.id)
    occupants = {
        (r.row, r.col): _Occupant(r.sample_id, r.sample_code, r.placed_by, r.placed_at)
        for r in session.execute(
            select(SampleLocation.row, SampleLocation.col, SampleLocation.sample_id, Sample.sample_code,
                   SampleLocation.placed_by, SampleLocation.placed_at)
            .join(Sample, Sample.id == SampleLocation.sample_id).where(SampleLocation.container_id == box.id))}
    holds = {(h.row, h.col): h for h in session.execute(
        select(PositionHold).where(PositionHold.container_id == box.id)).scalars()}
    return BoxState(box, layout, chain, restrictions_of(session, [c.id for c in chain]), occupants, holds)


def _when(moment: dt.datetime) -> str:
    local = moment.astimezone() if moment.tzinfo else moment
    return local.strftime("%Y-%m-%d %H:%M")


class PlacingMixin:
    db: Database

    # -- placing -------------------------------------------------------------------------------------------

    def place(self, actor: Actor, sample: str, box: str, position: str | None = None, *,
              move: bool = False) -> Result[PlacedTube]:
        """Put one tube in ``box`` at ``position`` (its own convention; None: the next free one)."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            placed = self.place_in(uow, [Placement(sample, box, position)], move=move)
            return Result(placed[0], uow.commit())

    def move_tubes(self, actor: Actor, moves: Sequence[Placement]) -> Result[list[PlacedTube]]:
        """Move tubes (already stored) to other positions or boxes, all or none."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            placed = self.place_in(uow, moves, move=True)
            return Result(placed, uow.commit())

    def place_in(self, uow: UnitOfWork, placements: Sequence[Placement], *, move: bool = False,
                 reservation: str | None = None) -> list[PlacedTube]:
        """Place a batch of tubes inside the caller's unit of work (reception, aliquoting), in the order given.

        Checks every tube and position first and raises a BiobankError naming the first problem (the
        caller's unit of work then writes nothing): an unknown tube or box, a position outside the box or
        written in another convention, an occupied position (naming the tube there and who placed it), a
        blocked or reserved one (``reservation``: the purpose of the reservation these tubes fill, whose
        positions they may take), the box's restrictions, a tube stored elsewhere without ``move`` (saying
        where), a checked-out, discarded or used-up tube, the same tube or position twice. A position
        taken by another workstation in the meantime gives a ConflictError naming the tube now there.
        Audits each tube (entity: the sample) and each box touched; re-derives the SPREC long-term
        storage code where the tube's freezer gives one. Does not commit.
        """
        require(uow.actor, Permission.RECORD_SAMPLES, uow.current_role)
        session = uow.session
        now = utcnow()
        boxes: dict[str, BoxState] = {}
        seen_samples: dict[int, str] = {}
        placed: list[PlacedTube] = []
        per_box: dict[int, list[str]] = {}
        studies: dict[int, str] = {}
        samples = find_samples(session, [p.sample for p in placements], for_update=True)
        locations = locations_of(session, [s.id for s in samples])
        # New tubes only (no move): nothing read below depends on the positions added so far (each box's state
        # is loaded once and tracks them), so they are sent in one flush at the end, not one per box looked up.
        with contextlib.nullcontext() if move else session.no_autoflush:
            for placement, sample in zip(placements, samples, strict=True):
                if sample.id in seen_samples:
                    raise ValidationError(f"{sample.sample_code} is in the list twice.",
                                          hint="Nothing was placed. Each tube goes in one position.")
                seen_samples[sample.id] = sample.sample_code
                if sample.status in UNPLACEABLE_STATUSES:
                    raise ValidationError(f"{sample.sample_code} is {UNPLACEABLE_STATUSES[sample.status]} and cannot "
                                          "be placed.", hint="Nothing was placed. Check the tube.")
                state = boxes.get(placement.box)
                if state is None:
                    box, layout = find_box(session, placement.box, for_share=True)
                    state = next((b for b in boxes.values() if b.box.id == box.id), None) or load_box_state(
                        session, box, layout)
                    boxes[placement.box] = state
                pos = self._choose_position(state, placement, sample, now, reservation)
                study = studies.get(sample.study_id)
                if study is None:
                    study = studies[sample.study_id] = session.get_one(Study, sample.study_id).code
                box_type: ContainerType = state.box.container_type
                tube = tube_kind(sample, box_type)  # its real kind: a primary tube is no cryotube in a cryobox
                refusal = state.restrictions.refusal(study, sample.sample_type, tube.value if tube else None)
                if refusal is not None:
                    raise ValidationError(f"{sample.sample_code} cannot go in box {state.code}: {refusal}.",
                                          hint="Nothing was placed. Choose a box for this study and type, "
                                               "or ask a supervisor to change the box's restrictions.")
                loc = locations.get(sample.id)
                moved_from: str | None = None
                old_class = None
                if loc is not None:
                    if (loc.container_id, loc.row, loc.col) == (state.box.id, *pos):
                        state.taken_now.add(pos)
                        placed.append(PlacedTube(sample.sample_code, state.box.id, state.code, pos[0], pos[1],
                                                 state.layout.position_label(*pos)))
                        continue
                    where = where_text(session, loc)
                    if loc.checked_out_at is not None:
                        raise ValidationError(f"{sample.sample_code} is checked out from {where}.",
                                              hint="Nothing was placed. Check it in first, then move it.")
                    if not move:
                        raise ValidationError(f"{sample.sample_code} is already stored in {where}.",
                                              hint="Nothing was placed. To move it, place it again allowing a move.",
                                              reason="already_stored")
                    moved_from = where
                    old_class = temperature_of(chain_of(session, loc.container_id))[1]
                    state_old = next((b for b in boxes.values() if b.box.id == loc.container_id), None)
                    if state_old is not None:
                        state_old.occupants.pop((loc.row, loc.col), None)
                    loc.container_id, loc.row, loc.col = state.box.id, pos[0], pos[1]
                    loc.placed_at, loc.placed_by = now, uow.actor.username
                else:
                    session.add(SampleLocation(sample_id=sample.id, container_id=state.box.id, row=pos[0], col=pos[1],
                                               placed_at=now, placed_by=uow.actor.username))
                state.taken_now.add(pos)
                label = state.layout.position_label(*pos)
                new_class = temperature_of(state.chain)[1]
                storage_code = None
                if moved_from is None or old_class is not new_class:
                    storage_code = rederive_storage(uow, sample, state.chain)
                target = f"{state.code} {label} ({path_text(state.chain)})"
                if moved_from is None:
                    uow.audit("storage.placed", SAMPLE, sample.sample_code,
                              summary=f"{sample.sample_code} placed in {target}",
                              after={"box": state.code, "position": label, "path": path_text(state.chain)})
                else:
                    uow.audit("storage.moved", SAMPLE, sample.sample_code,
                              summary=f"{sample.sample_code} moved from {moved_from} to {target}",
                              before={"where": moved_from},
                              after={"box": state.code, "position": label, "path": path_text(state.chain)})
                per_box.setdefault(state.box.id, []).append(f"{label} {sample.sample_code}")
                placed.append(PlacedTube(sample.sample_code, state.box.id, state.code, pos[0], pos[1], label,
                                         moved_from, storage_code))
        for state in {id(b): b for b in boxes.values()}.values():
            entries = per_box.get(state.box.id)
            if entries:
                uow.audit("storage.tubes_placed", CONTAINER, state.code,
                          summary=f"{len(entries)} tube(s) placed in {state.code}", after={"positions": entries})
        self._flush_placements(uow, placed)
        return placed

    def _choose_position(self, state: BoxState, placement: Placement, sample: Sample, now: dt.datetime,
                         reservation: str | None) -> tuple[int, int]:
        session = Session.object_session(state.box)
        assert session is not None
        if placement.position is None or not placement.position.strip():
            free = state.free_positions(now)
            if reservation is not None:
                free = [p for p, h in state.holds.items() if h.kind == "reserved" and h.purpose == reservation
                        and p not in state.occupants and p not in state.taken_now] + free
                free.sort(key=lambda p: state.layout.index_of(*p))
            if not free:
                raise ValidationError(f"Box {state.code} is full: there is no free position for "
                                      f"{sample.sample_code}.", hint="Nothing was placed. Choose another box, "
                                                                     "or find space.")
            pos = free[0]
        else:
            pos = state.layout.parse_position(placement.position)
        label = state.layout.position_label(*pos)
        occupant = state.occupants.get(pos)
        if occupant is not None and occupant.sample_id != sample.id:
            raise ConflictError(
                f"Position {label} in box {state.code} is already taken by {occupant.sample_code} "
                f"(placed by {occupant.placed_by} at {_when(occupant.placed_at)}).",
                hint="Nothing was placed. Choose a free position.")
        if pos in state.taken_now:
            raise ValidationError(f"Position {label} in box {state.code} is given twice in this batch.",
                                  hint="Nothing was placed. Each position takes one tube.")
        hold = state.holds.get(pos)
        if hold is not None:
            if hold.kind == "reserved" and (reservation == hold.purpose or _expired(hold, now)):
                session.delete(hold)
                del state.holds[pos]
                session.flush()
            elif hold.kind == "blocked":
                raise ValidationError(f"Position {label} in box {state.code} is blocked: {hold.purpose}.",
                                      hint="Nothing was placed. Choose another position.")
            else:
                until = f", until {_when(hold.expires_at)}" if hold.expires_at else ""
                raise ValidationError(
                    f"Position {label} in box {state.code} is reserved for {hold.purpose} "
                    f"(by {hold.created_by}{until}).",
                    hint="Nothing was placed. Choose another position, or release the reservation.")
        return pos

    def _flush_placements(self, uow: UnitOfWork, placed: Sequence[PlacedTube]) -> None:
        """Flush; a position or tube taken by another workstation meanwhile becomes a message naming it."""
        try:
            uow.flush()
        except ConflictError as exc:
            raise self._explain_lost_race(placed) or exc from exc

    def _explain_lost_race(self, placed: Sequence[PlacedTube]) -> ConflictError | None:
        with self.db.new_session(write=False) as fresh:
            for tube in placed:
                row = fresh.execute(
                    select(Sample.sample_code, SampleLocation.placed_by, SampleLocation.placed_at)
                    .join(Sample, Sample.id == SampleLocation.sample_id)
                    .where(SampleLocation.container_id == tube.box_id, SampleLocation.row == tube.row,
                           SampleLocation.col == tube.col)).first()
                if row is not None and row.sample_code != tube.sample_code:
                    return ConflictError(
                        f"Position {tube.position} in box {tube.box_code} was just taken by {row.sample_code} "
                        f"(placed by {row.placed_by} at {_when(row.placed_at)}).",
                        hint="Nothing was placed. The map now shows it; choose a free position.")
                hold = fresh.execute(select(PositionHold).where(
                    PositionHold.container_id == tube.box_id, PositionHold.row == tube.row,
                    PositionHold.col == tube.col)).scalar_one_or_none()
                if hold is not None:
                    return ConflictError(
                        f"Position {tube.position} in box {tube.box_code} was just {hold.kind} by {hold.created_by} "
                        f"({hold.purpose}).", hint="Nothing was placed. Choose another position.")
                elsewhere = fresh.execute(
                    select(SampleLocation).join(Sample, Sample.id == SampleLocation.sample_id)
                    .where(Sample.sample_code == tube.sample_code)).scalar_one_or_none()
                if elsewhere is not None and (elsewhere.container_id, elsewhere.row, elsewhere.col) != (
                        tube.box_id, tube.row, tube.col):
                    return ConflictError(
                        f"{tube.sample_code} was just placed in {where_text(fresh, elsewhere)} by "
                        f"{elsewhere.placed_by}.", hint="Nothing was placed. Reload and check.")
        return None

    # -- check-out, check-in, discard -------------------------------------------------------------------------

    def check_out(self, actor: Actor, sample: str, reason: str) -> Result[CheckoutInfo]:
        """Take a tube out of its freezer; its position stays its own and shows as out on the map."""
        if not reason or not reason.strip():
            raise ValidationError("Say why the tube is taken out.", hint="For example: aliquoting, analysis.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            info = self.check_out_in(uow, sample, reason)
            return Result(info, uow.commit())

    def check_out_in(self, uow: UnitOfWork, sample_code: str, reason: str) -> CheckoutInfo:
        """:meth:`check_out` inside the caller's unit of work (aliquoting takes the parent out)."""
        require(uow.actor, Permission.RECORD_SAMPLES, uow.current_role)
        session = uow.session
        sample = find_sample(session, sample_code, for_update=True)
        loc = _checkable(sample, session.get(SampleLocation, sample.id))
        where = where_text(session, loc)
        now = utcnow()
        loc.checked_out_at, loc.checked_out_by = now, uow.actor.username
        session.add(StorageCheckout(sample_id=sample.id, container_id=loc.container_id, row=loc.row, col=loc.col,
                                    out_at=now, out_by=uow.actor.username, reason=reason.strip(),
                                    freeze_thaw_counted=False))
        uow.audit("storage.checked_out", SAMPLE, sample.sample_code,
                  summary=f"{sample.sample_code} checked out of {where}", after={"where": where}, reason=reason.strip())
        box_code, label = position_of(session, loc)
        return CheckoutInfo(sample.sample_code, label, box_code, now, uow.actor.username, reason.strip())

    def out_and_back_in(self, uow: UnitOfWork, sample_codes: Sequence[str], reason: str) -> None:
        """:meth:`check_out_in` then :meth:`check_in_in` of each tube, at once, inside the caller's unit of work
        (aliquoting a batch takes each stored parent out and puts it back): per tube a check-out record
        opened and closed (0 min out), a freeze–thaw counted when its storage is frozen, one audit event
        saying both. A few queries for the batch. Refused as :meth:`check_out_in` refuses: a tube with no
        position, or one already checked out (nothing is then written by the caller's unit of work)."""
        require(uow.actor, Permission.RECORD_SAMPLES, uow.current_role)
        session, why, who, now = uow.session, reason.strip(), uow.actor.username, utcnow()
        samples = find_samples(session, sample_codes, for_update=True)
        locations = locations_of(session, [s.id for s in samples])
        for sample in samples:
            loc = _checkable(sample, locations.get(sample.id))
            before_count = sample.freeze_thaw_count
            thawed = _count_thaw(session, sample, loc, kept_frozen=False)
            session.add(StorageCheckout(sample_id=sample.id, container_id=loc.container_id, row=loc.row,
                                        col=loc.col, out_at=now, out_by=who, reason=why, back_at=now, back_by=who,
                                        minutes_out=0, freeze_thaw_counted=thawed))
            where = where_text(session, loc)
            thaw = f"; freeze–thaw cycles {before_count} → {sample.freeze_thaw_count}" if thawed else ""
            uow.audit("storage.checked_out_and_in", SAMPLE, sample.sample_code,
                      summary=f"{sample.sample_code} checked out of {where} and back in{thaw}",
                      before={"freeze_thaw_count": before_count},
                      after={"where": where, "minutes_out": 0, "freeze_thaw_count": sample.freeze_thaw_count},
                      reason=why)

    def check_in(self, actor: Actor, sample: str, *, kept_frozen: bool = False) -> Result[CheckoutInfo]:
        """Put a checked-out tube back in its position; counts a freeze–thaw cycle for frozen storage, unless the
        tube was ``kept_frozen`` while out (on dry ice or a cold block: it never thawed; said in the audit)."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            info = self.check_in_in(uow, sample, kept_frozen=kept_frozen)
            return Result(info, uow.commit())

    def check_in_in(self, uow: UnitOfWork, sample_code: str, *, kept_frozen: bool = False) -> CheckoutInfo:
        """:meth:`check_in` inside the caller's unit of work (aliquoting puts the parent back)."""
        require(uow.actor, Permission.RECORD_SAMPLES, uow.current_role)
        session = uow.session
        sample = find_sample(session, sample_code, for_update=True)
        loc = session.get(SampleLocation, sample.id)
        if loc is None or loc.checked_out_at is None:
            raise ValidationError(f"{sample.sample_code} is not checked out.", hint="Nothing to check in.")
        record = session.execute(select(StorageCheckout).where(
            StorageCheckout.sample_id == sample.id, StorageCheckout.back_at.is_(None))
            .order_by(StorageCheckout.id.desc())).scalars().first()
        now = utcnow()
        out_at = loc.checked_out_at
        minutes = max(0, int((now - out_at).total_seconds() // 60))
        before_count = sample.freeze_thaw_count
        thawed = _count_thaw(session, sample, loc, kept_frozen=kept_frozen)
        if record is not None:
            record.back_at, record.back_by, record.minutes_out = now, uow.actor.username, minutes
            record.freeze_thaw_counted = thawed
        loc.checked_out_at, loc.checked_out_by = None, None
        where = where_text(session, loc)
        thaw = f"; freeze–thaw cycles {before_count} → {sample.freeze_thaw_count}" if thawed else ""
        if kept_frozen:
            thaw = "; kept frozen while out (dry ice / cold block): no freeze–thaw cycle counted"
        uow.audit("storage.checked_in", SAMPLE, sample.sample_code,
                  summary=f"{sample.sample_code} checked in to {where} after {minutes} min out{thaw}",
                  before={"checked_out_at": out_at, "freeze_thaw_count": before_count},
                  after={"minutes_out": minutes, "freeze_thaw_count": sample.freeze_thaw_count,
                         "kept_frozen": kept_frozen})
        box_code, label = position_of(session, loc)
        return CheckoutInfo(sample.sample_code, label, box_code, out_at,
                            record.out_by if record else "", record.reason if record else "", now, minutes,
                            sample.freeze_thaw_count, kept_frozen=kept_frozen)

    def discard(self, actor: Actor, sample: str, reason: str, *, destroy: bool = False) -> Changes:
        """Discard (or destroy) a tube: its position is freed, the sample stays with its history."""
        if not reason or not reason.strip():
            raise ValidationError("Say why the tube is discarded.", hint="The reason is kept in its history.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            found = find_sample(session, sample, for_update=True)
            if found.status == "discarded":
                raise ValidationError(f"{found.sample_code} is already discarded.")
            loc = session.get(SampleLocation, found.id)
            where = where_text(session, loc) if loc is not None else None
            if loc is not None:
                now = utcnow()
                for record in session.execute(select(StorageCheckout).where(
                        StorageCheckout.sample_id == found.id, StorageCheckout.back_at.is_(None))).scalars():
                    record.back_at, record.back_by = now, uow.actor.username
                    record.minutes_out = max(0, int((now - record.out_at).total_seconds() // 60))
                session.delete(loc)
            before = {"status": found.status, "where": where}
            found.status = "discarded"
            verb = "destroyed" if destroy else "discarded"
            uow.audit(f"storage.{verb}", SAMPLE, found.sample_code,
                      summary=f"{found.sample_code} {verb}" + (f"; {where} freed" if where else ""),
                      before=before, after={"status": "discarded"}, reason=reason.strip())
            return uow.commit()


def _checkable(sample: Sample, loc: SampleLocation | None) -> SampleLocation:
    """The tube's position, when it can be checked out: it has one, and is not out already."""
    if loc is None:
        raise ValidationError(f"{sample.sample_code} has no storage position to check out from.",
                              hint="Place it first, or use it without checking it out.")
    if loc.checked_out_at is not None:
        raise ConflictError(f"{sample.sample_code} is already checked out by {loc.checked_out_by} since "
                            f"{_when(loc.checked_out_at)}.", hint="Check it in first.")
    return loc


def _count_thaw(session: Session, sample: Sample, loc: SampleLocation, *, kept_frozen: bool) -> bool:
    """Back in a frozen storage after being out, a tube thawed once (not when ``kept_frozen``): counted."""
    klass = temperature_of(chain_of(session, loc.container_id))[1]
    thawed = klass is not None and klass.frozen and not kept_frozen
    if thawed:
        sample.freeze_thaw_count += 1
    return thawed
