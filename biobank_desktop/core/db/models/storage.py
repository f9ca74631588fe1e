"""The storage tree: container types, containers (freezer → rack or shelf → box) and where each tube is.

A tube's position is a row in ``sample_locations``: its primary key gives one position per tube, its unique
key one tube per position. A tube checked out keeps its row (``checked_out_at`` set): the position stays
its own. A blocked or reserved position is a row in ``position_holds`` (one per position); triggers
(migration 0004) refuse a tube in a held position and a hold on a taken one, on both backends.
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from biobank_desktop.core.db.models.base import Base, one_of, register_constraint_messages
from biobank_desktop.core.db.models.samples import STORAGE_TUBES, Sample
from biobank_desktop.core.db.types import utcnow

CONTAINER_KINDS = ("freezer", "refrigerator", "ln2_tank", "room", "shelf", "rack", "drawer", "box", "plate")
LABEL_SCHEMES = ("letters", "numbers", "roman")
FILL_ORDERS = ("row_major", "column_major", "row_major_tr", "row_major_bl", "row_major_br", "column_major_tr",
               "column_major_bl", "column_major_br")
FREEZER_KINDS = ("upright_-80", "chest_-80", "freezer_-20", "ln2_vapour", "ln2_liquid", "fridge_+4", "room_cabinet")
FREEZER_STATUSES = ("in_service", "defrosting", "out_of_service")
TEMPERATURE_CLASSES = ("below_-135", "-85_to_-60", "-35_to_-18", "2_to_10", "room")
RESTRICTION_AXES = ("study", "sample_type", "container")
HOLD_KINDS = ("blocked", "reserved")

register_constraint_messages({
    "uq_sample_locations_container_id": "That position is already taken by another tube.",
    "pk_sample_locations": "That tube already has a storage position.",
    "sample_locations.sample_id": "That tube already has a storage position.",
    "sample_locations.container_id": "That position is already taken by another tube.",
    "uq_storage_containers_barcode": "A storage container with this barcode already exists.",
    "storage_containers.barcode": "A storage container with this barcode already exists.",
    "uq_storage_containers_parent_id": "Another container there already has this name.",
    "storage_containers.name": "Another container there already has this name.",
    "uq_position_holds_container_id": "That position is already blocked or reserved.",
    "position_holds.container_id": "That position is already blocked or reserved.",
    "storage_containers.parent_id": "A container cannot go inside itself or inside a container below it.",
})


class ContainerType(Base):
    """A kind of storage container: a freezer model, a rack, a 9 × 9 box, a 96-tube rack."""

    __tablename__ = "container_types"
    __table_args__ = (
        CheckConstraint(one_of("kind", CONTAINER_KINDS), "kind"),
        CheckConstraint("(rows IS NULL) = (columns IS NULL)", "grid_complete"),
        CheckConstraint("rows IS NULL OR (rows BETWEEN 1 AND 64 AND columns BETWEEN 1 AND 64)", "grid_size"),
        CheckConstraint(one_of("row_scheme", LABEL_SCHEMES), "row_scheme"),
        CheckConstraint(one_of("column_scheme", LABEL_SCHEMES), "column_scheme"),
        CheckConstraint(one_of("fill_order", FILL_ORDERS), "fill_order"),
        CheckConstraint("tube_kind IS NULL OR " + one_of("tube_kind", STORAGE_TUBES), "tube_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    rows: Mapped[int | None] = mapped_column(Integer)
    columns: Mapped[int | None] = mapped_column(Integer)
    row_scheme: Mapped[str] = mapped_column(String(10), default="letters")
    column_scheme: Mapped[str] = mapped_column(String(10), default="numbers")
    fill_order: Mapped[str] = mapped_column(String(20), default="row_major")
    linear: Mapped[bool] = mapped_column(Boolean, default=False)  # positions written 1 … n in fill order
    tube_kind: Mapped[str | None] = mapped_column(String(20))  # what a box of this type holds (SPREC storage)


class StorageContainer(Base):
    """A physical container in the storage tree: freezer → rack or shelf → box."""

    __tablename__ = "storage_containers"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", "not_own_parent"),
        CheckConstraint("freezer_kind IS NULL OR " + one_of("freezer_kind", FREEZER_KINDS), "freezer_kind"),
        CheckConstraint(one_of("status", FREEZER_STATUSES), "status"),
        CheckConstraint("temperature_class IS NULL OR " + one_of("temperature_class", TEMPERATURE_CLASSES),
                        "temperature_class"),
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
    freezer_kind: Mapped[str | None] = mapped_column(String(20))  # top-level units only
    # Server defaults too: rows written by plain SQL (older tools, scripts) get them.
    room: Mapped[str] = mapped_column(String(100), default="", server_default=text("''"))
    status: Mapped[str] = mapped_column(String(16), default="in_service", server_default="in_service")
    # Kept with the set-point (temperature_c) by the storage service, so plans can filter on it in SQL.
    temperature_class: Mapped[str | None] = mapped_column(String(12))

    container_type: Mapped[ContainerType] = relationship()
    parent: Mapped[StorageContainer | None] = relationship(remote_side=[id])


class StorageRestriction(Base):
    """What a box or rack may hold: a study, a sample type or a tube container (several rows = any of them)."""

    __tablename__ = "storage_restrictions"
    __table_args__ = (
        UniqueConstraint("container_id", "axis", "value"),
        CheckConstraint(one_of("axis", RESTRICTION_AXES), "axis"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("storage_containers.id", ondelete="CASCADE"))
    axis: Mapped[str] = mapped_column(String(12))
    value: Mapped[str] = mapped_column(String(40))


class PositionHold(Base):
    """A blocked position (a cracked well, with the reason) or one reserved for what is announced."""

    __tablename__ = "position_holds"
    __table_args__ = (
        UniqueConstraint("container_id", "row", "col"),
        CheckConstraint(one_of("kind", HOLD_KINDS), "kind"),
        CheckConstraint("row >= 1 AND col >= 1", "position_positive"),
        CheckConstraint("kind = 'reserved' OR expires_at IS NULL", "only_reservations_expire"),
        Index("ix_position_holds_purpose", "purpose"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("storage_containers.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(200))  # the reason a well is blocked, or what it is reserved for
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]


class StorageCheckout(Base):
    """One time a tube was out of its freezer: who took it, why, when it came back and how long it was out."""

    __tablename__ = "storage_checkouts"
    __table_args__ = (CheckConstraint("minutes_out IS NULL OR minutes_out >= 0", "minutes_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("storage_containers.id"))
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    out_at: Mapped[dt.datetime]
    out_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    back_at: Mapped[dt.datetime | None]
    back_by: Mapped[str | None] = mapped_column(String(64))
    minutes_out: Mapped[int | None] = mapped_column(Integer)
    freeze_thaw_counted: Mapped[bool] = mapped_column(Boolean, default=False)


class RackScanImport(Base):
    """A rack-scan file compared with the database: what it said, per position, and whether it was accepted."""

    __tablename__ = "rackscan_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("storage_containers.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    profile: Mapped[str] = mapped_column(String(40))
    rack_code_in_file: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]


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
    checked_out_at: Mapped[dt.datetime | None]  # set while the tube is out; the position stays its own
    checked_out_by: Mapped[str | None] = mapped_column(String(64))

    sample: Mapped[Sample] = relationship(back_populates="location")
    container: Mapped[StorageContainer] = relationship()
