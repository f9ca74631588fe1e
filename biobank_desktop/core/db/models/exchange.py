"""Spreadsheet exchange (migration 0005): shipments of expected tubes from partner manifests, the record of
every import, and the column mappings saved per partner site (versioned).

The reception workflow extends these tables by migration (arrival conditions, received/missing tubes).
A file is imported at most once: its SHA-256 is unique among imports (and among shipments' manifests).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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

IMPORT_KINDS = ("manifest", "inventory")
# expected: open, nothing received yet; receiving: partly received; closed; cancelled (core.domain.reception).
SHIPMENT_STATUSES = ("expected", "receiving", "closed", "cancelled")
TRANSPORT_TEMPERATURES = ("ambient", "cold", "dry_ice", "ln2")

register_constraint_messages({
    "uq_import_records_sha256": "This file has already been imported.",
    "import_records.sha256": "This file has already been imported.",
    "uq_shipments_manifest_sha256": "A shipment was already created from this file.",
    "shipments.manifest_sha256": "A shipment was already created from this file.",
    "uq_shipments_code": "A shipment with this code already exists.",
    "shipments.code": "A shipment with this code already exists.",
    "uq_expected_tubes_shipment_id": "This tube barcode is already listed in the shipment.",
    "expected_tubes.shipment_id": "This tube barcode is already listed in the shipment.",
    "uq_saved_mappings_partner_site_id": "Another workstation saved this mapping at the same moment.",
    "ck_shipments_closed_fields": "A closed shipment records who closed it and when.",
    "saved_mappings.partner_site_id": "Another workstation saved this mapping at the same moment.",
})


class SavedMapping(Base):
    """One version of a partner's column mapping (:class:`ImportMapping` as JSON). The highest version of a
    (partner, kind, name) is the one used; older versions stay, so an import names exactly what it used."""

    __tablename__ = "saved_mappings"
    __table_args__ = (
        UniqueConstraint("partner_site_id", "kind", "name", "version"),
        CheckConstraint(one_of("kind", IMPORT_KINDS), "kind"),
        CheckConstraint("version >= 1", "version_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_site_id: Mapped[int] = mapped_column(ForeignKey("partner_sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    partner_site: Mapped[PartnerSite] = relationship()


class ImportRecord(Base):
    """One committed import: which file (name and content hash), which mapping, the counts, who and when."""

    __tablename__ = "import_records"
    __table_args__ = (
        CheckConstraint(one_of("kind", IMPORT_KINDS), "kind"),
        CheckConstraint("rows_imported >= 0 AND rows_imported <= rows_read", "counts"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sheet: Mapped[str] = mapped_column(String(100))
    partner_site_id: Mapped[int | None] = mapped_column(ForeignKey("partner_sites.id"), index=True)
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("saved_mappings.id"))
    mapping: Mapped[dict[str, Any]]  # the mapping exactly as used
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_valid: Mapped[int] = mapped_column(Integer)
    rows_imported: Mapped[int] = mapped_column(Integer)
    valid_rows_only: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_by: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    partner_site: Mapped[PartnerSite | None] = relationship()
    saved_mapping: Mapped[SavedMapping | None] = relationship()


class Shipment(Base):
    """Tubes a partner site sends: created from its manifest (or by hand, with no manifest, by reception)."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(one_of("status", SHIPMENT_STATUSES), "status"),
        CheckConstraint("transport_temperature IS NULL OR " + one_of("transport_temperature", TRANSPORT_TEMPERATURES),
                        "transport_temperature"),
        CheckConstraint("dry_ice_left IS NULL OR " + one_of("dry_ice_left", ("yes", "no", "na")), "dry_ice_left"),
        CheckConstraint("packaging IS NULL OR " + one_of("packaging", ("intact", "damaged")), "packaging"),
        CheckConstraint("temperature_c IS NULL OR (temperature_c >= -200 AND temperature_c <= 60)",
                        "temperature_range"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL)", "closed_fields"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    partner_site_id: Mapped[int] = mapped_column(ForeignKey("partner_sites.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="expected", index=True)
    manifest_file: Mapped[str | None] = mapped_column(String(255))
    manifest_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_records.id"))
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("saved_mappings.id"))
    expected_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Reception (migration 0009): the courier's slip and the parcel's condition on arrival.
    sender: Mapped[str] = mapped_column(String(200), default="")
    courier: Mapped[str] = mapped_column(String(100), default="")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    shipped_at: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime | None]
    received_by: Mapped[str | None] = mapped_column(String(64))
    transport_temperature: Mapped[str | None] = mapped_column(String(12))
    dry_ice_left: Mapped[str | None] = mapped_column(String(3))
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    packaging: Mapped[str | None] = mapped_column(String(8))
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_reason: Mapped[str | None] = mapped_column(Text)

    partner_site: Mapped[PartnerSite] = relationship()
    import_record: Mapped[ImportRecord | None] = relationship()


class ExpectedTube(Base):
    """A tube listed on a manifest, as the clinic described it (pseudonym, never a name)."""

    __tablename__ = "expected_tubes"
    __table_args__ = (
        UniqueConstraint("shipment_id", "clinic_barcode"),
        CheckConstraint("volume_ul IS NULL OR volume_ul > 0", "volume_positive"),
        CheckConstraint("centrifugation_ended_at IS NULL OR centrifugation_started_at IS NULL OR "
                        "centrifugation_ended_at >= centrifugation_started_at", "centrifugation_order"),
        Index("ix_expected_tubes_clinic_barcode", "clinic_barcode"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    source_row: Mapped[int | None] = mapped_column(Integer)  # the manifest row, as the spreadsheet shows it
    clinic_barcode: Mapped[str] = mapped_column(String(64))
    pseudonym: Mapped[str] = mapped_column(String(40))
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"))
    visit: Mapped[str | None] = mapped_column(String(40))
    sample_type: Mapped[str] = mapped_column(String(3))
    primary_container: Mapped[str | None] = mapped_column(String(3))
    volume_ul: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    collected_at: Mapped[dt.datetime | None]
    clinic_received_at: Mapped[dt.datetime | None]
    centrifugation_started_at: Mapped[dt.datetime | None]
    centrifugation_ended_at: Mapped[dt.datetime | None]
    frozen_at: Mapped[dt.datetime | None]
    consent_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    comments: Mapped[str] = mapped_column(Text, default="")
    # Solid tissue as the manifest gave it (migration 0009): SPREC type of collection and fixation codes, the
    # times in whole minutes or a non-time code (as on samples).
    collection_type: Mapped[str | None] = mapped_column(String(3))
    warm_ischemia: Mapped[str | None] = mapped_column(String(8))
    cold_ischemia: Mapped[str | None] = mapped_column(String(8))
    fixation: Mapped[str | None] = mapped_column(String(3))
    fixation_time: Mapped[str | None] = mapped_column(String(8))
    # The processing temperatures (SPREC classes RT, COLD, BODY) before and after centrifugation, as on samples.
    pre_centrifugation_temp: Mapped[str | None] = mapped_column(String(8))
    post_centrifugation_temp: Mapped[str | None] = mapped_column(String(8))

    shipment: Mapped[Shipment] = relationship()
    study: Mapped[Study] = relationship()
