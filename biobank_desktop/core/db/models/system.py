"""Database-wide bookkeeping: counters for human-readable IDs and biobank-wide settings."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from biobank_desktop.core.db.models.base import Base


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
