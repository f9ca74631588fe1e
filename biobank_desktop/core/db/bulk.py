"""Bulk writes for generated data (demo data, imports): primary keys reserved up front, Core executemany.

Rows are built client-side with their primary keys (so children can point at parents before anything is
sent) and sent with ``insert(table)`` executemany in chunks, every row carrying every key (one statement
shape, one batch). Both run in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, text

from biobank_desktop.core.db.models import Base

#: Rows sent per executemany.
CHUNK = 10_000


def reserve_ids(conn: Connection, table: str, count: int) -> list[int]:
    """``count`` primary keys for ``table`` that nobody else will use (this transaction holds them)."""
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        values = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table, "n": count}).scalars().all()
        return sorted(int(v) for v in values)
    # SQLite: a write transaction begins with BEGIN IMMEDIATE, so no other writer can take ids meanwhile.
    first = int(conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one())
    return list(range(first, first + count))


def insert_rows(conn: Connection, table: str, rows: Sequence[dict[str, Any]], chunk: int = CHUNK) -> None:
    """Insert ``rows`` (each with every column) into ``table``, ``chunk`` rows per executemany."""
    target = Base.metadata.tables[table]
    for start in range(0, len(rows), chunk):
        conn.execute(insert(target), rows[start:start + chunk])
