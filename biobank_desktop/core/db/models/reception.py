"""Reception (migration 0009): every tube scanned into a shipment, and the files kept with a shipment.

The database makes a double receipt impossible, also between two workstations: a barcode is received once
per shipment, a listed tube once, and a sample comes from one receipt. Files (a courier's slip, a photo, a
logger's export) are stored in the database itself, so every workstation on a shared PostgreSQL sees them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from biobank_desktop.core.db.models.base import Base, one_of, register_constraint_messages
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.domain.reception import CONDITIONS, DECISIONS, MAX_ATTACHMENT_BYTES, RECEIPT_OUTCOMES, STOPS

RECEIPT_CONDITIONS = tuple(CONDITIONS)

register_constraint_messages({
    "uq_tube_receipts_shipment_id": "This tube was already scanned into this shipment (at another workstation).",
    "tube_receipts.barcode": "This tube was already scanned into this shipment (at another workstation).",
    "uq_tube_receipts_expected_tube_id": "This listed tube was already received (at another workstation).",
    "tube_receipts.expected_tube_id": "This listed tube was already received (at another workstation).",
    "uq_tube_receipts_sample_id": "This sample was already accessioned from another receipt.",
    "tube_receipts.sample_id": "This sample was already accessioned from another receipt.",
    "uq_shipment_attachments_shipment_id": "This file is already attached to the shipment.",
    "shipment_attachments.shipment_id": "This file is already attached to the shipment.",
    "ck_shipment_attachments_size": "The file is empty or larger than 20 MB.",
})


class TubeReceipt(Base):
    """One tube scanned (or registered without a barcode) into a shipment, and what was decided for it.

    ``decision``: pending (waits for the technician: unlisted, or ``stop`` by consent or time), accepted /
    quarantined (``sample_id`` is the sample it became), rejected (``decision_reason`` says why)."""

    __tablename__ = "tube_receipts"
    __table_args__ = (
        UniqueConstraint("shipment_id", "barcode"),
        UniqueConstraint("expected_tube_id"),
        UniqueConstraint("sample_id"),
        CheckConstraint(one_of("outcome", RECEIPT_OUTCOMES), "outcome"),
        CheckConstraint(one_of("decision", DECISIONS), "decision"),
        CheckConstraint(one_of("condition", RECEIPT_CONDITIONS), "condition"),
        CheckConstraint("stop IS NULL OR " + one_of("stop", STOPS), "stop"),
        CheckConstraint("(barcode IS NULL) = (outcome = 'unlabelled')", "barcode_or_unlabelled"),
        CheckConstraint("(outcome = 'expected') = (expected_tube_id IS NOT NULL)", "listed_tube"),
        CheckConstraint("(decision IN ('accepted', 'quarantined')) = (sample_id IS NOT NULL)", "sample_when_accepted"),
        CheckConstraint("decision <> 'rejected' OR decision_reason IS NOT NULL", "rejection_reason"),
        CheckConstraint("volume_ul IS NULL OR volume_ul >= 0", "volume_not_negative"),
        Index("ix_tube_receipts_shipment_id_id", "shipment_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    expected_tube_id: Mapped[int | None] = mapped_column(ForeignKey("expected_tubes.id"))
    barcode: Mapped[str | None] = mapped_column(String(64))  # as scanned (normalised), None: no barcode
    outcome: Mapped[str] = mapped_column(String(12))
    condition: Mapped[str] = mapped_column(String(12), default="OK")
    comment: Mapped[str] = mapped_column(Text, default="")
    volume_ul: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # corrected at reception
    decision: Mapped[str] = mapped_column(String(12), default="pending")
    stop: Mapped[str | None] = mapped_column(String(8))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id"))
    scanned_by: Mapped[str] = mapped_column(String(64))
    scanned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    workstation: Mapped[str] = mapped_column(String(100))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it per class


class ShipmentAttachment(Base):
    """A file kept with a shipment, content in the database (at most 20 MB; the same content once per shipment)."""

    __tablename__ = "shipment_attachments"
    __table_args__ = (
        UniqueConstraint("shipment_id", "sha256"),
        CheckConstraint(f"size_bytes > 0 AND size_bytes <= {MAX_ATTACHMENT_BYTES}", "size"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
