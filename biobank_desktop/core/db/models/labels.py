"""Labelling (migration 0002): edited label templates, print rules, print jobs and their items."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from biobank_desktop.core.db.models.base import Base, one_of
from biobank_desktop.core.db.types import utcnow

PRINT_JOB_STATUSES = ("queued", "printing", "printed", "partial", "failed", "cancelled")
PRINT_ITEM_STATUSES = ("queued", "sent", "failed", "skipped")


class LabelTemplateRecord(Base):
    """A label template edited by the biobank (a copy of a shipped one); shipped ones stay plain files."""

    __tablename__ = "label_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    definition: Mapped[str] = mapped_column(Text)  # the template's JSON, validated on save and load
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PrintRule(Base):
    """Which template and printer to use, by study, sample type and workstation (most specific wins)."""

    __tablename__ = "print_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_code: Mapped[str | None] = mapped_column(String(20))
    sample_type: Mapped[str | None] = mapped_column(String(3))
    workstation: Mapped[str | None] = mapped_column(String(100))
    template_name: Mapped[str] = mapped_column(String(100))
    printer_name: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))


class PrintJob(Base):
    """A batch of labels queued by a workflow (reception, aliquoting, storage) or by hand."""

    __tablename__ = "print_jobs"
    __table_args__ = (CheckConstraint(one_of("status", PRINT_JOB_STATUSES), "status"),
                      CheckConstraint("NOT is_reprint OR reason IS NOT NULL", "reprint_has_reason"))
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(30))
    template_name: Mapped[str] = mapped_column(String(100))
    printer_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    is_reprint: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text, default="")
    printed_at: Mapped[dt.datetime | None]

    items: Mapped[list[PrintJobItem]] = relationship(back_populates="job", order_by="PrintJobItem.position",
                                                     cascade="all, delete-orphan")


class PrintJobItem(Base):
    """One label of a job, in placement order; ``sent`` only once the printer took it."""

    __tablename__ = "print_job_items"
    __table_args__ = (UniqueConstraint("job_id", "position"),
                      CheckConstraint(one_of("status", PRINT_ITEM_STATUSES), "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    sent_at: Mapped[dt.datetime | None]

    job: Mapped[PrintJob] = relationship(back_populates="items")
