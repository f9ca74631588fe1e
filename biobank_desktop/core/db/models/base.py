"""The declarative base every model shares, its naming convention, and the constraint-message registry.

The naming convention gives every constraint a predictable name (``uq_samples_sample_code``,
``ck_samples_volume_not_negative``): the migrations use the same names, and
:func:`register_constraint_messages` maps them to the sentence a technician reads when a change
breaks one (see :mod:`biobank_desktop.core.db.conflicts`). Each area module registers its own
messages beside its models, so a new area never edits a central list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy import JSON, MetaData
from sqlalchemy.orm import DeclarativeBase

from biobank_desktop.core.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON()}


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK constraint keeping ``column`` within ``values``."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


_CONSTRAINT_MESSAGES: dict[str, str] = {}


def register_constraint_messages(messages: Mapping[str, str]) -> None:
    """Add an area's messages: a piece of the driver's error text (a constraint name as PostgreSQL reports
    it, ``table.column`` as SQLite does) → a sentence for the technician, without "Nothing was saved."

    Registering the same piece twice with another message is a programming error.
    """
    for needle, message in messages.items():
        known = _CONSTRAINT_MESSAGES.setdefault(needle, message)
        if known != message:
            raise ValueError(f"constraint message for {needle!r} registered twice, differently")


def constraint_messages() -> Mapping[str, str]:
    """Every registered message, in registration order (the first piece found in an error wins)."""
    return _CONSTRAINT_MESSAGES
