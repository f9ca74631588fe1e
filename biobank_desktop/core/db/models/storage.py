"""The storage tree: container types, containers (freezer → rack or shelf → box) and where each tube is.

A tube's position is a row in ``sample_locations``: its primary key gives one position per tube, its unique
key one tube per position.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from biobank_desktop.core.db.models.base import Base, one_of, register_constraint_messages
from biobank_desktop.core.db.models.samples import Sample
from biobank_desktop.core.db.types import utcnow

CONTAINER_KINDS = ("freezer", "refrigerator", "ln2_tank", "room", "shelf", "rack", "drawer", "box", "plate")

register_constraint_messages({
    "uq_sample_locations_container_id": "That position is already taken by another tube.",
    "pk_sample_locations": "That tube already has a storage position.",
    "sample_locations.sample_id": "That tube already has a storage position.",
    "sample_locations.container_id": "That position is already taken by another tube.",
    "uq_storage_containers_barcode": "A storage container with this barcode already exists.",
    "storage_containers.barcode": "A storage container with this barcode already exists.",
})


class ContainerType(Base):
    """A kind of storage container: a freezer model, a rack, a 9 × 9 box, a 96-tube rack."""

    __tablename__ = "container_types"
    __table_args__ = (
        CheckConstraint(one_of("kind", CONTAINER_KINDS), "kind"),
        CheckConstraint("(rows IS NULL) = (columns IS NULL)", "grid_complete"),
        CheckConstraint("rows IS NULL OR (rows BETWEEN 1 AND 64 AND columns BETWEEN 1 AND 64)", "grid_size"),
        CheckConstraint(one_of("row_scheme", ("letters", "numbers")), "row_scheme"),
        CheckConstraint(one_of("column_scheme", ("letters", "numbers")), "column_scheme"),
        CheckConstraint(one_of("fill_order", ("row_major", "column_major")), "fill_order"),
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
