"""The audit trail: browse it, follow one record's history, and verify the hash chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import AuditEvent, AuditHead
from biobank_desktop.core.db.uow import check_actor
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.audit import GENESIS_HASH, AuditAnchor, AuditRecord, chain_hash
from biobank_desktop.core.domain.changes import Changes
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission

MAX_SEARCH_LENGTH = 200  # longer than any ID, name or phrase worth searching for; SQLite refuses huge patterns

# What the GUI and the CLI are handed for an event is the hashed record itself: one definition of its fields.
AuditEventInfo = AuditRecord

CHANGES_SINCE_LIMIT = 2000  # events listed one by one by changes_since; beyond, only the entity types


@dataclass(frozen=True)
class AuditFilter:
    text: str = ""  # matches entity id, user name or summary
    username: str | None = None
    action_prefix: str | None = None  # e.g. "sample." or "login."
    entity_type: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    last_seq: int
    first_broken_seq: int | None = None
    problem: str | None = None
    details: list[str] = field(default_factory=list)
    last_hash: str | None = None  # of the newest intact event: record it outside the database as an anchor
    finding: str | None = None  # what was found, one of the FINDING_* names below; None when intact

    @property
    def anchor(self) -> AuditAnchor | None:
        """``SEQ:HASH`` of the newest event when the trail is intact: write it down outside the database."""
        if not self.ok or self.last_hash is None or self.last_seq < 1:
            return None
        return AuditAnchor(self.last_seq, self.last_hash)


# What a verification can find; each names the one thing it saw, so nobody hunts the wrong cause.
FINDING_HEAD_MISSING = "head_missing"  # the audit_head row was deleted
FINDING_MISSING = "missing"  # a seq is absent in the middle: rows deleted
FINDING_UNLINKED = "unlinked"  # an event does not link to the one before it
FINDING_ALTERED = "altered"  # an event's content no longer matches its hash
FINDING_TAIL_DELETED = "tail_deleted"  # the head names events that are gone
FINDING_HEAD_HASH = "head_hash"  # the head's hash is not the newest event's
FINDING_AFTER_HEAD = "after_head"  # an event sits after the head and does not continue the chain: inserted
FINDING_HEAD_MOVED_BACK = "head_moved_back"  # valid events follow the head: the head was moved back to hide them
FINDING_ANCHOR_MISSING = "anchor_missing"  # the trail is shorter than an anchor recorded outside
FINDING_ANCHOR_MISMATCH = "anchor_mismatch"  # the event an anchor names has another hash: the tail was rewritten


def _info(ev: AuditEvent) -> AuditEventInfo:
    return ev.record()


class AuditService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _filtered(self, flt: AuditFilter) -> Select[AuditEvent]:
        stmt = select(AuditEvent)
        for what, value in (("search text", flt.text), ("user name", flt.username), ("action", flt.action_prefix),
                            ("record type", flt.entity_type)):
            if value is not None and len(value) > MAX_SEARCH_LENGTH:
                raise ValidationError(f"The {what} is too long to search for ({len(value):,} characters; at most "
                                      f"{MAX_SEARCH_LENGTH}).", hint="Search for a shorter, distinctive part of it.")
        needle = flt.text.strip()
        if needle:
            # % and _ are matched as themselves: a technician searching for "50%" means the text "50%".
            stmt = stmt.where(AuditEvent.entity_id.icontains(needle, autoescape=True)
                              | AuditEvent.username.icontains(needle, autoescape=True)
                              | AuditEvent.summary.icontains(needle, autoescape=True))
        if flt.username:
            stmt = stmt.where(AuditEvent.username == flt.username)
        if flt.action_prefix:
            stmt = stmt.where(AuditEvent.action.startswith(flt.action_prefix, autoescape=True))
        if flt.entity_type:
            stmt = stmt.where(AuditEvent.entity_type == flt.entity_type)
        if flt.since:
            stmt = stmt.where(AuditEvent.occurred_at >= flt.since)
        if flt.until:
            stmt = stmt.where(AuditEvent.occurred_at < flt.until)
        return stmt

    def browse(self, actor: Actor, flt: AuditFilter, *, before_seq: int | None = None,
               limit: int = 200) -> list[AuditEventInfo]:
        """Newest first, ``limit`` at a time; pass the last seq seen as ``before_seq`` for the next page."""
        stmt = self._filtered(flt)
        if before_seq is not None:
            stmt = stmt.where(AuditEvent.seq < before_seq)
        stmt = stmt.order_by(AuditEvent.seq.desc()).limit(limit)
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            check_actor(session, actor, Permission.VIEW_AUDIT)
            return [_info(ev) for ev in session.execute(stmt).scalars()]

    def history(self, actor: Actor, entity_type: str, entity_id: str) -> list[AuditEventInfo]:
        """Every event about one record, oldest first."""
        stmt = (select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
                .order_by(AuditEvent.seq))
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            check_actor(session, actor, Permission.VIEW_SAMPLES)
            return [_info(ev) for ev in session.execute(stmt).scalars()]

    def last_seq(self) -> int:
        """The newest audit sequence number: changes when any workstation commits anything."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            return int(session.execute(select(AuditHead.last_seq).where(AuditHead.id == 1)).scalar_one_or_none() or 0)

    def changes_since(self, actor: Actor, seq: int, *, limit: int = CHANGES_SINCE_LIMIT) -> Changes:
        """What every workstation changed after audit event ``seq``: entity types and ids, up to the head.

        Bounded: at most ``limit`` events are read one by one; beyond that only the entity types are
        collected (one grouped query), so the record says *what kinds* moved without listing every id.
        ``last_audit_seq`` is the newest event seen (``seq`` itself when nothing happened since).
        """
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            check_actor(session, actor, Permission.VIEW_SAMPLES)
            rows = session.execute(select(AuditEvent.seq, AuditEvent.entity_type, AuditEvent.entity_id)
                                   .where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(limit + 1)).all()
            if not rows:
                return Changes(last_audit_seq=seq)
            if len(rows) <= limit:
                return Changes.of(((r.entity_type, r.entity_id) for r in rows), max(r.seq for r in rows))
            summary = session.execute(select(AuditEvent.entity_type, func.max(AuditEvent.seq))
                                      .where(AuditEvent.seq > seq).group_by(AuditEvent.entity_type)).all()
            return Changes(frozenset(t for t, _ in summary), frozenset(), max(int(m) for _, m in summary))

    def verify(self, progress: Callable[[int, int], None] | None = None, batch: int = 5000) -> VerifyResult:
        """Recompute the chain from the first event and check the table against the head, both ways.

        Finds an altered row (its hash no longer matches its content), a deleted or inserted row (a
        gap in ``seq`` or a ``prev_hash`` that does not match), deleted rows at the end (the head
        names events that are gone), a head whose hash is not the newest event's, an event after the
        head (inserted behind the application's back), and a head moved back to hide valid events.
        A consistent rewrite of the tail (hashes recomputed, head moved to match) needs an anchor
        recorded outside the database: :meth:`verify_against`.

        Safe while other workstations write: the head and the newest ``seq`` are read in one
        statement (one snapshot; the head and its events are committed together), and only events up
        to that head are walked.
        """
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            newest_seq = select(func.max(AuditEvent.seq)).scalar_subquery()
            row = session.execute(select(AuditHead.last_seq, AuditHead.last_hash, newest_seq)
                                  .where(AuditHead.id == 1)).first()
            if row is None:
                return VerifyResult(False, 0, 0, 1, "the audit head row is missing: it was deleted behind the "
                                    "application's back", finding=FINDING_HEAD_MISSING)
            head_seq, head_hash, table_max = int(row[0]), str(row[1]), int(row[2] or 0)
            walked = _walk(session, head_seq, progress, batch)
            if isinstance(walked, VerifyResult):
                return walked
            checked, last, prev = walked
            if table_max > head_seq:
                return _after_head(session, (head_seq, head_hash), table_max, walked)
            if head_seq != last:
                return VerifyResult(False, checked, last, last + 1,
                                    f"the trail ends at event {last} but the audit head records event {head_seq}: "
                                    "the newest events were deleted", finding=FINDING_TAIL_DELETED)
            if head_hash != prev:
                return VerifyResult(False, checked, last, last,
                                    f"the audit head's hash is not the hash of event {last}, although every event "
                                    "verifies: the head row was altered", finding=FINDING_HEAD_HASH)
            return VerifyResult(True, checked, last, last_hash=prev)

    def verify_against(self, expected: AuditAnchor | str,
                       progress: Callable[[int, int], None] | None = None) -> VerifyResult:
        """:meth:`verify`, then check the event an anchor recorded outside the database still has its hash.

        ``expected`` is an :class:`AuditAnchor` or its text ``SEQ:HASH`` (ValidationError when malformed).
        This is what catches a consistent rewrite of the tail, which the chain alone cannot show.
        """
        anchor = expected if isinstance(expected, AuditAnchor) else AuditAnchor.parse(expected)
        result = self.verify(progress)
        if not result.ok:
            return result
        if anchor.seq > result.last_seq:
            return VerifyResult(False, result.checked, result.last_seq, result.last_seq + 1,
                                f"the anchor recorded outside the database names event {anchor.seq}, but the trail "
                                f"ends at event {result.last_seq}: events were removed and the head rewritten "
                                "to match", finding=FINDING_ANCHOR_MISSING)
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            stored = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == anchor.seq)).scalar()
        if stored != anchor.hash:
            return VerifyResult(False, result.checked, result.last_seq, anchor.seq,
                                f"event {anchor.seq} does not have the hash recorded outside the database: the trail "
                                f"was rewritten at or before event {anchor.seq} and re-chained to hide it",
                                finding=FINDING_ANCHOR_MISMATCH)
        result.details.append(f"event {anchor.seq} matches the anchor recorded outside the database")
        return result


_Walked = tuple[int, int, str]  # events checked, the last seq, its hash


def _walk(session: Session, head_seq: int, progress: Callable[[int, int], None] | None,
          batch: int) -> _Walked | VerifyResult:
    """Check every event from 1 to ``head_seq``; the first broken one as a VerifyResult."""
    expected_seq, prev, checked, last = 1, GENESIS_HASH, 0, 0
    while True:
        rows = session.execute(select(AuditEvent).where(AuditEvent.seq >= expected_seq, AuditEvent.seq <= head_seq)
                               .order_by(AuditEvent.seq).limit(batch)).scalars().all()
        if not rows:
            return checked, last, prev
        for ev in rows:
            if ev.seq != expected_seq:
                return VerifyResult(False, checked, last, expected_seq,
                                    f"event {expected_seq} is missing (next present is {ev.seq}): rows were deleted",
                                    finding=FINDING_MISSING)
            if ev.prev_hash != prev:
                return VerifyResult(False, checked, last, ev.seq,
                                    f"event {ev.seq} does not link to event {ev.seq - 1}: "
                                    "a row before it was altered, deleted or inserted", finding=FINDING_UNLINKED)
            if chain_hash(ev.record(), prev) != ev.hash:
                return VerifyResult(False, checked, last, ev.seq,
                                    f"event {ev.seq} was altered after it was written "
                                    f"({ev.action} on {ev.entity_type} {ev.entity_id})", finding=FINDING_ALTERED)
            prev, last, expected_seq = ev.hash, ev.seq, ev.seq + 1
            checked += 1
        session.expunge_all()
        if progress is not None:
            progress(checked, head_seq)


def _after_head(session: Session, head: tuple[int, str], table_max: int, walked: _Walked) -> VerifyResult:
    """Events exist after the head: valid continuations mean the head was moved back, else they were inserted."""
    (head_seq, head_hash), (checked, last, prev) = head, walked
    events = session.execute(select(AuditEvent).where(AuditEvent.seq > head_seq, AuditEvent.seq <= table_max)
                             .order_by(AuditEvent.seq)).scalars().all()
    link, expected, valid = prev, head_seq + 1, 0
    for ev in events:
        if ev.seq != expected or ev.prev_hash != link or chain_hash(ev.record(), link) != ev.hash:
            break
        link, expected, valid = ev.hash, ev.seq + 1, valid + 1
    if valid == len(events) and last == head_seq:
        return VerifyResult(False, checked, last, head_seq + 1,
                            f"the audit head was moved back to event {head_seq}: {valid} valid event(s) after it, up "
                            f"to event {table_max}, were hidden from verification (or were appended behind the "
                            "application's back)", finding=FINDING_HEAD_MOVED_BACK)
    first_bad = events[valid] if valid < len(events) else events[-1]
    note = "" if head_hash == prev else " (and the head's hash is not the newest event's)"
    return VerifyResult(False, checked, last, first_bad.seq,
                        f"event {first_bad.seq} lies after the newest event the audit head records ({head_seq}) and "
                        f"does not continue the chain: it was inserted behind the application's back{note}",
                        finding=FINDING_AFTER_HEAD)
