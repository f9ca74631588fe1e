"""Counters for human-readable IDs, safe with several workstations on one PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from biobank_desktop.core.db.models import IdSequence


def take(session: Session, name: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive values of counter ``name``; returns the first.

    The row is updated in the caller's transaction: the row lock keeps two workstations from
    getting the same numbers, and a rollback gives the numbers back.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    stmt = (update(IdSequence).where(IdSequence.name == name)
            .values(next_value=IdSequence.next_value + count).returning(IdSequence.next_value))
    new_next = session.execute(stmt).scalar_one_or_none()
    if new_next is None:
        nested = session.begin_nested()
        try:
            session.add(IdSequence(name=name, next_value=1 + count))
            session.flush()
            nested.commit()
            return 1
        except Exception:
            nested.rollback()
            new_next = session.execute(stmt).scalar_one()
    return int(new_next) - count


def peek(session: Session, name: str) -> int:
    value = session.execute(select(IdSequence.next_value).where(IdSequence.name == name)).scalar_one_or_none()
    return int(value) if value is not None else 1
