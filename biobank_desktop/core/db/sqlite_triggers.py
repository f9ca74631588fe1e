"""SQLite triggers survive a batch migration: a table rebuilt by alembic's batch mode keeps them.

On SQLite, ``op.batch_alter_table`` copies the table into a new one, drops the old one and renames the
copy; the old table's triggers go with the DROP and alembic never recreates them. Several of our rules
live in triggers on SQLite (the storage_tube CHECK on ``samples``, the held/taken position guards, the
append-only audit tables), so every batch block on such a table runs inside :func:`sqlite_triggers_kept`.
PostgreSQL alters tables in place: nothing to do there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

_TRIGGERS = text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table")


@contextmanager
def sqlite_triggers_kept(conn: Connection, table: str) -> Iterator[None]:
    """Recreate, after the block, each trigger ``table`` had before it that the block lost (same SQL)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before: dict[str, str] = {row[0]: row[1] for row in conn.execute(_TRIGGERS, {"table": table})}
    yield
    now = {name for name, _ in conn.execute(_TRIGGERS, {"table": table})}
    for name, sql in before.items():
        if name not in now:
            conn.exec_driver_sql(sql)
