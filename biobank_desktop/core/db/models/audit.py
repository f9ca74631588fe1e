"""The append-only, hash-chained audit trail, the single row that serialises its writers, and the index of
the samples each event concerns.

Why a link table (``audit_event_samples``) and not one event per sample: an event such as "label job 12
printed" concerns every sample of the job. One event per sample would multiply the trail (a box of 81
labels, 81 events, each hashed and chained) and lose the fact that it was one action; keeping the sample
codes only inside the event's JSON would make "every event about BB-2026-000092" a scan of the whole
trail. So the event stays one, its JSON keeps the codes (hashed, for the verifier), and this table
indexes them by sample code, written by the unit of work in the same transaction as the event. The
history of a sample (``AuditService.history``) and the audit search by ID read both its own events and
the events linked here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from biobank_desktop.core.db.models.base import Base, register_constraint_messages
from biobank_desktop.core.domain.audit import AuditRecord

register_constraint_messages({
    "uq_audit_events_hash": "Two workstations saved at the same moment.",
    "pk_audit_events": "Two workstations saved at the same moment.",
    "audit_events.seq": "Two workstations saved at the same moment.",
})


class AuditEvent(Base):
    """Append-only audit trail; each row's hash covers its content and the previous row's hash."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        CheckConstraint("seq >= 1", "seq_positive"),
    )
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    workstation: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    # The one mapping between a stored row and the hashed record, for the writer and the verifier alike.
    def record(self) -> AuditRecord:
        return AuditRecord(self.seq, self.occurred_at, self.username, self.workstation, self.action,
                           self.entity_type, self.entity_id, self.summary, self.before, self.after, self.reason)

    @staticmethod
    def row_of(record: AuditRecord, prev_hash: str, digest: str) -> dict[str, Any]:
        """The event's row as a dict of every column (for a Core executemany of many events)."""
        return {"seq": record.seq, "occurred_at": record.occurred_at, "username": record.username,
                "workstation": record.workstation, "action": record.action, "entity_type": record.entity_type,
                "entity_id": record.entity_id, "summary": record.summary, "before": record.before,
                "after": record.after, "reason": record.reason, "prev_hash": prev_hash, "hash": digest}


class AuditHead(Base):
    """The single row that serialises audit writes and remembers the chain's end (guards against truncation)."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", "single_row"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEventSample(Base):
    """A sample an audit event concerns, when the event is about something else (a print job, a box).

    Append-only like the trail (a trigger refuses UPDATE and DELETE). Keyed by sample code first, so "every
    event about this sample" is an index range."""

    __tablename__ = "audit_event_samples"
    sample_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("audit_events.seq"),
                                     primary_key=True, index=True)
