"""Donors and their material: participants (pseudonyms only), consents, samples and external barcodes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from biobank_desktop.core.db.models.base import Base, one_of, register_constraint_messages
from biobank_desktop.core.db.models.reference import PartnerSite, Study
from biobank_desktop.core.db.types import utcnow

if TYPE_CHECKING:
    from biobank_desktop.core.db.models.storage import SampleLocation

# The tube a sample is stored in, as SPREC's long-term storage element names it (core.domain.cold_chain).
STORAGE_TUBES = ("pp_40_500ul", "pp_0.5_2ml", "pp_5ml", "cryotube_1_2ml", "straw", "microplate", "paraffin_block",
                 "bag", "dry_medium", "primary_container")
# 'voided': a child of an aliquoting undone the same day (kept, never deleted, for the audit trail).
SAMPLE_STATUSES = ("expected", "available", "reserved", "in_transit", "shipped", "consumed", "discarded",
                   "quarantined", "voided")
LINEAGE_KINDS = ("primary", "aliquot", "derivative")

register_constraint_messages({
    "uq_samples_sample_code": "A sample with this ID already exists.",
    "samples.sample_code": "A sample with this ID already exists.",
    "uq_sample_barcodes_barcode": "This barcode is already registered for another sample.",
    "sample_barcodes.barcode": "This barcode is already registered for another sample.",
    "uq_participants_study_id": "This pseudonym already exists in the study.",
    "participants.study_id": "This pseudonym already exists in the study.",
    "ck_samples_volume_not_negative": "The volume would become negative.",
    "volume_not_negative": "The volume would become negative.",
})


class Participant(Base):
    """A donor, known only by a pseudonym within one study: never names or birth dates."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("study_id", "pseudonym"),
        CheckConstraint(one_of("sex", ("male", "female", "unknown", "undifferentiated", "not_applicable")), "sex"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    pseudonym: Mapped[str] = mapped_column(String(40), index=True)
    sex: Mapped[str] = mapped_column(String(20), default="unknown")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    study: Mapped[Study] = relationship()


class Consent(Base):
    """A consent form version a participant signed, with its scope and any withdrawal."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(one_of("status", ("given", "withdrawn", "refused")), "status"),
        CheckConstraint("withdrawn_on IS NULL OR status = 'withdrawn'", "withdrawal_status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="given")
    signed_on: Mapped[dt.date] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class Sample(Base):
    """A tube (or other container) of biological material, primary or derived."""

    __tablename__ = "samples"
    __table_args__ = (
        CheckConstraint("volume_ul IS NULL OR volume_ul >= 0", "volume_not_negative"),
        CheckConstraint("initial_volume_ul IS NULL OR initial_volume_ul >= 0", "initial_volume_not_negative"),
        CheckConstraint("freeze_thaw_count >= 0", "freeze_thaw_not_negative"),
        CheckConstraint(one_of("status", SAMPLE_STATUSES), "status"),
        CheckConstraint(one_of("lineage_kind", LINEAGE_KINDS), "lineage_kind"),
        CheckConstraint(one_of("material", ("fluid", "solid")), "material"),
        CheckConstraint("(lineage_kind = 'primary') = (parent_id IS NULL)", "lineage_has_parent"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", "not_own_parent"),
        CheckConstraint("storage_tube IS NULL OR " + one_of("storage_tube", STORAGE_TUBES), "storage_tube"),
        Index("ix_samples_study_status", "study_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_code: Mapped[str] = mapped_column(String(40), unique=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    partner_site_id: Mapped[int | None] = mapped_column(ForeignKey("partner_sites.id"), index=True)
    material: Mapped[str] = mapped_column(String(5), default="fluid")
    sample_type: Mapped[str] = mapped_column(String(3), index=True)
    primary_container: Mapped[str] = mapped_column(String(3), default="XXX")
    volume_ul: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    initial_volume_ul: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(20), default="available", index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id"), index=True)
    lineage_kind: Mapped[str] = mapped_column(String(12), default="primary")
    freeze_thaw_count: Mapped[int] = mapped_column(Integer, default=0)
    collected_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    centrifuged_at: Mapped[dt.datetime | None]  # the start of the (first) centrifugation
    centrifugation_ended_at: Mapped[dt.datetime | None]  # the end of the last one: SPREC times the post delay from it
    frozen_at: Mapped[dt.datetime | None]
    pre_centrifugation_temp: Mapped[str | None] = mapped_column(String(8))
    centrifugation: Mapped[str | None] = mapped_column(String(1))
    second_centrifugation: Mapped[str | None] = mapped_column(String(1))
    post_centrifugation_temp: Mapped[str | None] = mapped_column(String(8))
    long_term_storage: Mapped[str | None] = mapped_column(String(1))
    # Solid tissue (SPREC solid elements 2-6). The three times hold whole minutes ("25") or one of the element's
    # non-time codes ("N" not applicable, "X" unknown, "Z" other); None is unknown.
    collection_type: Mapped[str | None] = mapped_column(String(3))
    warm_ischemia: Mapped[str | None] = mapped_column(String(8))
    cold_ischemia: Mapped[str | None] = mapped_column(String(8))
    fixation: Mapped[str | None] = mapped_column(String(3))
    fixation_time: Mapped[str | None] = mapped_column(String(8))
    sprec_version: Mapped[str] = mapped_column(String(8), default="3.0")
    sprec_code: Mapped[str | None] = mapped_column(String(32))
    sprec_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    storage_tube: Mapped[str | None] = mapped_column(String(20))  # None: the box type's tube kind applies
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it per class

    study: Mapped[Study] = relationship()
    participant: Mapped[Participant | None] = relationship()
    partner_site: Mapped[PartnerSite | None] = relationship()
    parent: Mapped[Sample | None] = relationship(remote_side=[id])
    barcodes: Mapped[list[SampleBarcode]] = relationship(back_populates="sample", cascade="all, delete-orphan")
    location: Mapped[SampleLocation | None] = relationship(back_populates="sample", uselist=False)


class SampleBarcode(Base):
    """An external barcode on a tube (the clinic's, the tube maker's 2D code). Unique across samples."""

    __tablename__ = "sample_barcodes"
    __table_args__ = (CheckConstraint(one_of("kind", ("clinic", "tube", "other")), "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="clinic")

    sample: Mapped[Sample] = relationship(back_populates="barcodes")
