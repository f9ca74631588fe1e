"""Aliquoting (migration 0010): per-study protocols (versioned), batches and their items (parent → child)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from biobank_desktop.core.db.models.base import Base, one_of, register_constraint_messages
from biobank_desktop.core.db.models.reference import Study
from biobank_desktop.core.db.models.samples import Sample
from biobank_desktop.core.db.types import utcnow

BATCH_STATUSES = ("done", "voided")
#: How a child was made from its parent (core.domain.derivation.Step).
BATCH_STEPS = ("aliquot", "separation", "second_spin", "extraction", "preparation")

_SAME_VERSION = "This version of the protocol already exists: another supervisor saved one at the same moment."
register_constraint_messages({
    "uq_aliquot_protocols_study_id_name_version": _SAME_VERSION,
    "aliquot_protocols.study_id": _SAME_VERSION,
    "uq_aliquot_batch_items_child_id": "This child sample already belongs to an aliquoting batch.",
    "aliquot_batch_items.child_id": "This child sample already belongs to an aliquoting batch.",
    "ck_aliquot_batch_items_drawn_positive": "A child must take some volume from its parent.",
    "drawn_positive": "A child must take some volume from its parent.",
})


class AliquotProtocol(Base):
    """One version of a study's named aliquot protocol. A new version is a new row; a row is never edited but
    for ``active`` (a withdrawn protocol is neither offered nor applied)."""

    __tablename__ = "aliquot_protocols"
    __table_args__ = (UniqueConstraint("study_id", "name", "version"),
                      CheckConstraint("version >= 1", "version_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)  # JSON: core.domain.aliquot_plan.ProtocolDefinition
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    study: Mapped[Study] = relationship()


class AliquotBatch(Base):
    """One aliquoting (one parent or many): who, when, where, with which protocol version; its void."""

    __tablename__ = "aliquot_batches"
    __table_args__ = (
        CheckConstraint(one_of("status", BATCH_STATUSES), "status"),
        CheckConstraint("(status = 'voided') = (voided_at IS NOT NULL)", "void_recorded"),
        CheckConstraint("status <> 'voided' OR (voided_by IS NOT NULL AND void_reason IS NOT NULL)",
                        "void_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(100))
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("aliquot_protocols.id"), index=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(8), default="done")
    voided_at: Mapped[dt.datetime | None]
    voided_by: Mapped[str | None] = mapped_column(String(64))
    void_reason: Mapped[str | None] = mapped_column(Text)

    protocol: Mapped[AliquotProtocol | None] = relationship()
    items: Mapped[list[AliquotBatchItem]] = relationship(back_populates="batch", order_by="AliquotBatchItem.seq")


class AliquotBatchItem(Base):
    """One child of a batch: its parent, what it drew from the parent, how it was made, in placement order."""

    __tablename__ = "aliquot_batch_items"
    __table_args__ = (
        UniqueConstraint("child_id"),
        UniqueConstraint("batch_id", "seq"),
        CheckConstraint("volume_drawn_ul > 0", "drawn_positive"),
        CheckConstraint("dead_volume_ul >= 0", "dead_volume_not_negative"),
        CheckConstraint(one_of("step", BATCH_STEPS), "step"),
        CheckConstraint("parent_id <> child_id", "not_own_child"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("aliquot_batches.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # placement order within the batch, from 1
    parent_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("samples.id"))
    volume_drawn_ul: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # The dead volume lost from the parent in this batch, carried by the parent's first child of the batch
    # (0 on the others), so a void gives back exactly what the batch took.
    dead_volume_ul: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    step: Mapped[str] = mapped_column(String(12), default="aliquot")

    batch: Mapped[AliquotBatch] = relationship(back_populates="items")
    child: Mapped[Sample] = relationship(foreign_keys=[child_id])
