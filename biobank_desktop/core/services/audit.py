"""The audit trail: browse it, follow one record's history, and verify the hash chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import AuditEvent, AuditHead
from biobank_desktop.core.db.uow import require
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.audit import GENESIS_HASH, AuditRecord, chain_hash
from biobank_desktop.core.domain.changes import Changes
from biobank_desktop.core.domain.roles import Permission

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


def _info(ev: AuditEvent) -> AuditEventInfo:
    return ev.record()


class AuditService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _filtered(self, flt: AuditFilter) -> Select[AuditEvent]:
        stmt = select(AuditEvent)
        if flt.text.strip():
            needle = f"%{flt.text.strip()}%"
            stmt = stmt.where(AuditEvent.entity_id.ilike(needle) | AuditEvent.username.ilike(needle)
                              | AuditEvent.summary.ilike(needle))
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
        require(actor, Permission.VIEW_AUDIT)
        stmt = self._filtered(flt)
        if before_seq is not None:
            stmt = stmt.where(AuditEvent.seq < before_seq)
        stmt = stmt.order_by(AuditEvent.seq.desc()).limit(limit)
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            return [_info(ev) for ev in session.execute(stmt).scalars()]

    def history(self, actor: Actor, entity_type: str, entity_id: str) -> list[AuditEventInfo]:
        """Every event about one record, oldest first."""
        require(actor, Permission.VIEW_SAMPLES)
        stmt = (select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
                .order_by(AuditEvent.seq))
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
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
        require(actor, Permission.VIEW_SAMPLES)
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
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
        """Recompute the chain from the first event; report the first broken link.

        Detects an altered row (its hash no longer matches its content), a deleted or inserted row
        (a gap in ``seq`` or a ``prev_hash`` that does not match), and deleted rows at the end
        (the head row remembers the last seq and hash).

        Safe while other workstations write: the head is read first and only events up to it are
        checked (the head and its events are committed together, so everything up to it exists).
        """
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
            if head is None:
                return VerifyResult(False, 0, 0, None, "the audit head row is missing")
            head_seq, head_hash = head.last_seq, head.last_hash
            total = head_seq
            expected_seq, prev, checked = 1, GENESIS_HASH, 0
            last = 0
            while True:
                rows = session.execute(select(AuditEvent).where(AuditEvent.seq >= expected_seq,
                                                                AuditEvent.seq <= head_seq)
                                       .order_by(AuditEvent.seq).limit(batch)).scalars().all()
                if not rows:
                    break
                for ev in rows:
                    if ev.seq != expected_seq:
                        return VerifyResult(False, checked, last, expected_seq,
                                            f"event {expected_seq} is missing (next present is {ev.seq}): "
                                            "rows were deleted")
                    if ev.prev_hash != prev:
                        return VerifyResult(False, checked, last, ev.seq,
                                            f"event {ev.seq} does not link to event {ev.seq - 1}: "
                                            "a row before it was altered, deleted or inserted")
                    if chain_hash(ev.record(), prev) != ev.hash:
                        return VerifyResult(False, checked, last, ev.seq,
                                            f"event {ev.seq} was altered after it was written "
                                            f"({ev.action} on {ev.entity_type} {ev.entity_id})")
                    prev, last, expected_seq = ev.hash, ev.seq, ev.seq + 1
                    checked += 1
                session.expunge_all()
                if progress is not None:
                    progress(checked, total)
            if head_seq != last or head_hash != prev:
                return VerifyResult(False, checked, last, last + 1,
                                    f"the trail ends at event {last} but event {head_seq} was written: "
                                    "the newest events were deleted")
            return VerifyResult(True, checked, last, last_hash=prev)
