"""The data model, v1. Alembic owns the schema: change a model only together with a new migration.

The database guards the invariants that two workstations could otherwise break: unique IDs and
barcodes, one tube per position and one position per tube, volumes that never go negative.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from biobank_desktop.core.db.types import UTCDateTime, utcnow
from biobank_desktop.core.domain.audit import AuditRecord

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SAMPLE_STATUSES = ("expected", "available", "reserved", "in_transit", "shipped", "consumed", "discarded",
                   "quarantined")
LINEAGE_KINDS = ("primary", "aliquot", "derivative")
CONTAINER_KINDS = ("freezer", "refrigerator", "ln2_tank", "room", "shelf", "rack", "drawer", "box", "plate")
ROLES = ("technician", "supervisor", "administrator")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Study(Base):
    """A study or programme samples are collected for (e.g. the national colon cancer programme)."""

    __tablename__ = "studies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PartnerSite(Base):
    """A clinic or hospital that sends samples."""

    __tablename__ = "partner_sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="LU")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Participant(Base):
    """A donor, known only by a pseudonym within one study: never names or birth dates."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("study_id", "pseudonym"),
        CheckConstraint(_in("sex", ("male", "female", "unknown", "undifferentiated", "not_applicable")), "sex"),
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
        CheckConstraint(_in("status", ("given", "withdrawn", "refused")), "status"),
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
        CheckConstraint(_in("status", SAMPLE_STATUSES), "status"),
        CheckConstraint(_in("lineage_kind", LINEAGE_KINDS), "lineage_kind"),
        CheckConstraint(_in("material", ("fluid", "solid")), "material"),
        CheckConstraint("(lineage_kind = 'primary') = (parent_id IS NULL)", "lineage_has_parent"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", "not_own_parent"),
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
    centrifuged_at: Mapped[dt.datetime | None]
    frozen_at: Mapped[dt.datetime | None]
    pre_centrifugation_temp: Mapped[str | None] = mapped_column(String(8))
    centrifugation: Mapped[str | None] = mapped_column(String(1))
    second_centrifugation: Mapped[str | None] = mapped_column(String(1))
    post_centrifugation_temp: Mapped[str | None] = mapped_column(String(8))
    long_term_storage: Mapped[str | None] = mapped_column(String(1))
    sprec_version: Mapped[str] = mapped_column(String(8), default="3.0")
    sprec_code: Mapped[str | None] = mapped_column(String(32))
    sprec_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
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
    __table_args__ = (CheckConstraint(_in("kind", ("clinic", "tube", "other")), "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="clinic")

    sample: Mapped[Sample] = relationship(back_populates="barcodes")


class ContainerType(Base):
    """A kind of storage container: a freezer model, a rack, a 9 × 9 box, a 96-tube rack."""

    __tablename__ = "container_types"
    __table_args__ = (
        CheckConstraint(_in("kind", CONTAINER_KINDS), "kind"),
        CheckConstraint("(rows IS NULL) = (columns IS NULL)", "grid_complete"),
        CheckConstraint("rows IS NULL OR (rows BETWEEN 1 AND 64 AND columns BETWEEN 1 AND 64)", "grid_size"),
        CheckConstraint(_in("row_scheme", ("letters", "numbers")), "row_scheme"),
        CheckConstraint(_in("column_scheme", ("letters", "numbers")), "column_scheme"),
        CheckConstraint(_in("fill_order", ("row_major", "column_major")), "fill_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    rows: Mapped[int | None] = mapped_column(Integer)
    columns: Mapped[int | None] = mapped_column(Integer)
    row_scheme: Mapped[str] = mapped_column(String(10), default="letters")
    column_scheme: Mapped[str] = mapped_column(String(10), default="numbers")
    fill_order: Mapped[str] = mapped_column(String(12), default="row_major")


class StorageContainer(Base):
    """A physical container in the storage tree: freezer → rack or shelf → box."""

    __tablename__ = "storage_containers"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", "not_own_parent"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("storage_containers.id"), index=True)
    container_type_id: Mapped[int] = mapped_column(ForeignKey("container_types.id"))
    name: Mapped[str] = mapped_column(String(100))
    barcode: Mapped[str | None] = mapped_column(String(64), unique=True)
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    location_note: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    container_type: Mapped[ContainerType] = relationship()
    parent: Mapped[StorageContainer | None] = relationship(remote_side=[id])


class SampleLocation(Base):
    """Where a tube is. The primary key gives one position per tube; the unique key one tube per position."""

    __tablename__ = "sample_locations"
    __table_args__ = (
        UniqueConstraint("container_id", "row", "col"),
        CheckConstraint("row >= 1 AND col >= 1", "position_positive"),
    )
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("storage_containers.id"))
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    placed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    placed_by: Mapped[str] = mapped_column(String(64))

    sample: Mapped[Sample] = relationship(back_populates="location")
    container: Mapped[StorageContainer] = relationship()


class User(Base):
    """A person who logs in. Passwords are stored only as argon2id hashes."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), "role"),
        CheckConstraint("failed_attempts >= 0", "failed_attempts_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]


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

    @classmethod
    def from_record(cls, record: AuditRecord, prev_hash: str, digest: str) -> AuditEvent:
        return cls(seq=record.seq, occurred_at=record.occurred_at, username=record.username,
                   workstation=record.workstation, action=record.action, entity_type=record.entity_type,
                   entity_id=record.entity_id, summary=record.summary, before=record.before, after=record.after,
                   reason=record.reason, prev_hash=prev_hash, hash=digest)


class AuditHead(Base):
    """The single row that serialises audit writes and remembers the chain's end (guards against truncation)."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", "single_row"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class IdSequence(Base):
    """Counters for human-readable IDs (e.g. one per prefix and year), taken under a row lock."""

    __tablename__ = "id_sequences"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class Setting(Base):
    """Biobank-wide settings shared by every workstation (e.g. the sample ID prefix)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# -- labelling (migration 0002) -----------------------------------------------------------------------

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
    __table_args__ = (CheckConstraint(_in("status", PRINT_JOB_STATUSES), "status"),
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
                      CheckConstraint(_in("status", PRINT_ITEM_STATUSES), "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    sent_at: Mapped[dt.datetime | None]

    job: Mapped[PrintJob] = relationship(back_populates="items")
