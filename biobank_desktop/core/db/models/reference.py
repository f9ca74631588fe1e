"""Reference data: the studies samples are collected for and the partner sites that send them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from biobank_desktop.core.db.models.base import Base, register_constraint_messages
from biobank_desktop.core.db.types import utcnow

register_constraint_messages({
    "uq_studies_sample_id_prefix": "Another study already uses this sample ID prefix: each study needs its own.",
    "studies.sample_id_prefix": "Another study already uses this sample ID prefix: each study needs its own.",
})


class Study(Base):
    """A study or programme samples are collected for (e.g. the national colon cancer programme)."""

    __tablename__ = "studies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The study's own sample ID prefix (e.g. LUNG → LUNG-2026-000123K); None: the biobank-wide one. Unique: two
    # studies giving themselves the same prefix at the same time cannot both get it (the service checks first).
    sample_id_prefix: Mapped[str | None] = mapped_column(String(5), unique=True)
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
