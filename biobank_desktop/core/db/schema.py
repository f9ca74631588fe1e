"""Schema versions: upgrade at start (SQLite copied aside first), refuse a newer database, check.

Alembic owns the schema. A database is at "head" when its ``alembic_version`` row names this
version's newest migration; an unknown revision means a newer Biobank Desktop wrote it, and this
version must not touch it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from biobank_desktop.core.db.engine import Database, make_private_dir, make_private_file
from biobank_desktop.core.domain.errors import DatabaseUnavailableError, SchemaVersionError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Alembic is imported only to migrate: checking that a database is current reads the revision ids
# from the migration files (cheap), which keeps ~100 ms of imports out of every start.
_REVISION_RE = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_RE = re.compile(r"^down_revision\s*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@functools.cache
def _revision_graph() -> dict[str, str | None]:
    graph: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION_RE.search(source), _DOWN_RE.search(source)
        if rev is None or down is None:  # pragma: no cover - a malformed migration is a packaging error
            raise RuntimeError(f"migration {path.name} has no revision/down_revision")
        graph[rev.group(1)] = down.group(1)
    return graph


def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - {down for down in graph.values() if down}
    if len(heads) != 1:  # pragma: no cover - guarded by a test
        raise RuntimeError(f"the migrations must have exactly one head, not {sorted(heads)}")
    return heads.pop()


def known_revisions() -> set[str]:
    return set(_revision_graph())


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    has_tables: bool

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    @property
    def is_empty(self) -> bool:
        return self.current is None and not self.has_tables


def schema_status(db: Database) -> SchemaStatus:
    with db.connect_checked(), db.engine.connect() as conn:
        current = current_revision(conn)
        tables = set(inspect(conn).get_table_names())
    status = SchemaStatus(current, head_revision(), bool(tables - {"alembic_version"}))
    if status.current is not None and status.current not in known_revisions():
        raise SchemaVersionError(
            f"This database was written by a newer version of Biobank Desktop (schema {status.current}). "
            "This version will not open it, so nothing in it can be damaged.",
            hint="Install the newer version of Biobank Desktop on this workstation.",
        )
    if status.current is None and status.has_tables:
        raise SchemaVersionError(
            f"{db.info.description} holds tables but is not a Biobank Desktop database. It was not changed.",
            hint="Choose another database in Settings → Database.",
        )
    return status


def backup_sqlite(source: Path, destination: Path) -> Path:
    """Copy an SQLite database with the online backup API (consistent even while it is in use).

    The copy is private to its owner (0600; a folder it creates, 0700): it holds the password hashes.
    It is written beside the target under a temporary name and renamed when complete, so a copy that
    was interrupted (the process killed, the disk full) never sits at the target name, looking like a
    backup and blocking the retry.
    """
    make_private_dir(destination.parent)
    if destination.exists():
        raise DatabaseUnavailableError(f"{destination} exists already; choose another backup file name.")
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.part")
    try:
        partial.unlink(missing_ok=True)
        make_private_file(partial)
        _copy_sqlite(source, partial)
        if destination.exists():  # made meanwhile by someone else: theirs is kept
            raise DatabaseUnavailableError(f"{destination} exists already; choose another backup file name.")
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        raise DatabaseUnavailableError(f"The backup to {destination} failed: {exc}.") from exc
    except OSError as exc:
        raise DatabaseUnavailableError(f"The backup to {destination} could not be written: {exc.strerror or exc}.",
                                       hint="Check the folder exists, you may write to it and the disk has room."
                                       ) from exc
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return destination


def _copy_sqlite(source: Path, destination: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def upgrade(db: Database, *, backup_dir: Path | None = None,
            on_migrated: Callable[[Connection, str | None, str | None], None] | None = None) -> str | None:
    """Bring the schema to head. Returns the path of the pre-upgrade backup of an SQLite file, if one was made.

    ``on_migrated(conn, from_revision, backup)`` runs inside the upgrade's own transaction, after the
    migrations and only when this call migrated (the revision is read again under the migration lock:
    two workstations starting at once migrate once): the place for the upgrade's audit event, which
    is then kept exactly when the upgrade is.
    """
    status = schema_status(db)
    if status.at_head:
        return None
    backup: str | None = None
    if db.backend == "sqlite" and status.current is not None and db.url.database:
        source = Path(db.url.database)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target_dir = backup_dir or source.parent / "backups"
        backup = str(backup_sqlite(source, target_dir / f"{source.stem}-before-{status.head}-{stamp}.sqlite"))
    from alembic import command

    cfg = alembic_config()
    with db.connect_checked(), migration_connection(db) as conn:
        current = current_revision(conn)
        if current == status.head:
            return backup  # another workstation upgraded it meanwhile
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if on_migrated is not None:
            on_migrated(conn, current, backup)
    return backup


@contextmanager
def migration_connection(db: Database) -> Iterator[Connection]:
    """A connection in a transaction fit for migrations; committed when the block ends without error.

    SQLite: batch migrations rebuild a table by copying it and dropping the old one; with foreign
    keys on, that DROP would cascade into the child tables (a rebuilt ``samples`` would silently
    delete every barcode and storage position). So foreign keys are off while migrating (the pragma
    only takes effect outside a transaction) and ``PRAGMA foreign_key_check`` must come back empty
    before the commit. PostgreSQL: an advisory lock, so two workstations starting a new version at
    once migrate one after the other.
    """
    with db.engine.connect() as conn:
        if db.backend == "sqlite":
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            conn.execution_options(write_intent=True)  # BEGIN IMMEDIATE: a second upgrader waits, then sees head
            try:
                with conn.begin():
                    yield conn
                    broken = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
                    if broken:
                        raise SchemaVersionError(
                            f"The upgrade would leave {len(broken)} broken reference(s) (first: {tuple(broken[0])}); "
                            "it was rolled back and the database is unchanged.",
                            hint="Keep the backup and report this to the Biobank Desktop developers.")
            finally:
                raw.execute("PRAGMA foreign_keys = ON")
        else:
            with conn.begin():
                conn.execute(text("SELECT pg_advisory_xact_lock(20387)"))
                yield conn


def ensure_current(db: Database) -> None:
    """Raise SchemaVersionError unless the schema is exactly at head (for read-only commands)."""
    status = schema_status(db)
    if not status.at_head:
        raise SchemaVersionError(
            f"The database schema is at {status.current or 'nothing (empty database)'}, "
            f"this version needs {status.head}.",
            hint="Run 'biobank-desktop db upgrade' or start the application once to upgrade it.",
        )
