"""Opening a database: the embedded SQLite file or a shared PostgreSQL server.

SQLite runs in WAL mode with foreign keys on, a busy timeout (a second process writing makes this
one wait, then fail with a clear message) and ``synchronous=FULL`` so a committed transaction
survives a power cut. PostgreSQL is reached through psycopg 3 with a connect timeout.
Every driver error that means "cannot use the database" becomes :class:`DatabaseUnavailableError`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from biobank_desktop.core.domain.errors import (
    BiobankError,
    ConflictError,
    DatabaseUnavailableError,
    ValidationError,
)

SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class DatabaseInfo:
    """What the status bar shows: which database this window works on."""

    backend: str  # "sqlite" | "postgresql"
    description: str  # the file path, or user@host:port/db
    url_without_password: str


_MISSING_ROLE = re.compile(r'role "([^"]{1,100})" does not exist')


def password_in_url_warning(url: str | URL) -> str | None:
    """A warning when a PostgreSQL URL carries its password, else None.

    A password given on the command line (``--database postgresql://user:secret@host/db``) is visible
    to every local user in the process list and stays in the shell's history. psycopg (libpq) reads it
    from ``~/.pgpass`` (``%APPDATA%\\postgresql\\pgpass.conf`` on Windows) or the file named by
    ``PGPASSFILE`` instead.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # not a URL: opening it reports that
        return None
    if parsed.get_backend_name() != "postgresql" or not parsed.password:
        return None
    return ("Warning: the database URL contains a password, which other users of this computer can see in the "
            "process list and which stays in the shell history. Put it in ~/.pgpass (or the file named by "
            "PGPASSFILE) and leave it out of the URL.")


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def describe(url: str | URL) -> DatabaseInfo:
    parsed = make_url(url)
    safe = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        return DatabaseInfo("sqlite", parsed.database or ":memory:", safe)
    where = f"{parsed.username or ''}@{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"
    return DatabaseInfo(parsed.get_backend_name(), where, safe)


def check_sqlite_file(path: Path) -> None:
    """Refuse, without touching it, a file that exists but is not an SQLite database."""
    if not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise DatabaseUnavailableError(f"{path} is a folder, not a database file.",
                                       hint="Choose a .sqlite file in Settings → Database.")
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DatabaseUnavailableError(
            f"{path} is not a Biobank Desktop database (it is not an SQLite file). The file was not changed.",
            hint="Choose another file in Settings → Database, or restore the database from a backup.",
        )


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if needed; the folder it creates is private to its owner (0700).

    An existing folder is left as it is: it may be one the biobank shares on purpose.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)


def make_private_file(path: Path) -> None:
    """Before SQLite opens ``path``: create it private to its owner (0600), or tighten one of ours that others
    may read (a file made by an older version under the umask). SQLite gives the ``-wal`` and ``-shm``
    files the database file's mode; those of ours are tightened too. No-op on Windows (ACLs, not modes)."""
    if os.name == "nt":
        return
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to change: SQLite says what it must
            info = file.stat()
            if info.st_uid == os.getuid() and info.st_mode & 0o077:
                file.chmod(stat.S_IMODE(info.st_mode) & 0o700)


def _normalise_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_database_engine(url: str | URL, *, create_sqlite_dirs: bool = True) -> Engine:
    """An engine with this application's connection settings. Does not connect yet."""
    parsed = _normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = None
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            check_sqlite_file(path)
            if create_sqlite_dirs:
                make_private_dir(path.parent)
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        if path is not None:
            file = path

            def private_file(*_args: Any) -> None:
                make_private_file(file)

            event.listen(engine, "do_connect", private_file)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=4,
            connect_args={
                "connect_timeout": PG_CONNECT_TIMEOUT_S, "application_name": "biobank-desktop",
                # A pulled cable must not hang a worker for the OS's two hours: notice within ~1 min.
                "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                # Waiting on another workstation's row lock ends in a clear message, not a frozen window.
                "options": "-c lock_timeout=30000",
            },
        )
    raise DatabaseUnavailableError(
        f"Unsupported database type '{parsed.get_backend_name()}'.",
        hint="Use an SQLite file or a PostgreSQL server.",
    )


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # pysqlite's own transaction handling is turned off; "begin" below issues BEGIN itself,
    # so SAVEPOINTs and BEGIN IMMEDIATE work as the SQLAlchemy docs describe.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode and str(mode[0]).lower() not in ("wal", "memory"):
            raise DatabaseUnavailableError(f"The database file could not be switched to WAL mode ({mode[0]}).")
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start: two writers queue on the busy timeout instead
    # of failing late with "database is locked" after one of them has done its reads.
    write = connection.get_execution_options().get("write_intent", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def translate_error(exc: BaseException, info: DatabaseInfo) -> BiobankError | None:
    """A technician-facing error for a driver fault a user can meet (server gone, file locked, disk
    full, a lost race on a lock, a value the column cannot hold), else None (a programming error)."""
    if not isinstance(exc, DBAPIError) or isinstance(exc, IntegrityError):
        return None
    text = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, DataError):
        return ValidationError(
            "A value is too long or contains a character the database cannot store; nothing was saved.",
            hint="Check the text you typed or scanned (a very long barcode, an invisible control character).",
        )
    if "disk is full" in text or "no space left" in text or "could not extend file" in text:
        where = f"the disk holding {info.description}" if info.backend == "sqlite" else "the database server's disk"
        return DatabaseUnavailableError(f"{where[0].upper()}{where[1:]} is full; nothing was saved.",
                                        hint="Free some space (or call IT), then try again.")
    if "disk i/o error" in text:
        return DatabaseUnavailableError(f"The disk holding {info.description} reported a read/write error; "
                                        "nothing was saved.", hint="Call IT: the disk may be failing.")
    if "deadlock detected" in text or "could not serialize" in text or "lock timeout" in text:
        return ConflictError("Another workstation was changing the same records at the same moment; "
                             "nothing was saved.", hint="Try again.")
    if info.backend == "sqlite":
        if "locked" in text or "busy" in text:
            return DatabaseUnavailableError(
                f"The database file {info.description} is in use by another program and stayed locked.",
                hint="Wait a moment and try again; if it stays locked, close other copies of the application.",
            )
        if "not a database" in text or "malformed" in text or "file is encrypted" in text:
            return DatabaseUnavailableError(
                f"The database file {info.description} is damaged or not a database.",
                hint="Restore it from a backup (the application keeps one beside it before each upgrade).",
            )
        if "unable to open" in text or "readonly" in text or "read-only" in text:
            return DatabaseUnavailableError(
                f"The database file {info.description} cannot be opened for writing.",
                hint="Check the folder exists and you may write to it.",
            )
        return None
    role = _MISSING_ROLE.search(text)
    if role is not None:
        return DatabaseUnavailableError(
            f"The PostgreSQL server at {info.description} has no login role named {role.group(1)}.",
            hint="Check the user name in Settings → Database (or --database), or ask your administrator to create "
                 "the role.",
        )
    if "no pg_hba.conf entry" in text:
        return DatabaseUnavailableError(
            f"The PostgreSQL server at {info.description} does not accept this user from this computer "
            "(its pg_hba.conf has no entry for it).",
            hint="Ask your administrator to allow this workstation, or check the user and database names.",
        )
    if "invalid sslmode value" in text:
        return DatabaseUnavailableError(
            f"The connection settings for {info.description} name an sslmode PostgreSQL does not know.",
            hint="Use one of: disable, allow, prefer, require, verify-ca, verify-full (Settings → Database).",
        )
    if "server does not support ssl" in text:
        return DatabaseUnavailableError(
            f"The PostgreSQL server at {info.description} does not offer an encrypted (SSL) connection, which the "
            "sslmode setting requires.",
            hint="Ask your administrator to enable SSL on the server; or, on a trusted network only, choose sslmode "
                 "'prefer' in Settings → Database.",
        )
    if "certificate" in text and ("verify" in text or "root" in text):
        return DatabaseUnavailableError(
            f"The certificate of the PostgreSQL server at {info.description} could not be verified.",
            hint="Ask your administrator for the server's root certificate (PGSSLROOTCERT), or check the host name.",
        )
    if "password authentication failed" in text or "no password supplied" in text:
        return DatabaseUnavailableError(
            f"The PostgreSQL server at {info.description} refused the user name or password.",
            hint="Check them in Settings → Database, or ask your administrator.",
        )
    if "does not exist" in text and "database" in text:
        return DatabaseUnavailableError(
            f"The database named in {info.description} does not exist on the server.",
            hint="Ask your administrator to create it, or correct the name in Settings → Database.",
        )
    if "too many clients" in text or "remaining connection slots" in text:
        return DatabaseUnavailableError(
            f"The PostgreSQL server at {info.description} accepts no more connections right now.",
            hint="Try again in a minute; if it persists, ask your administrator to raise max_connections.",
        )
    if any(s in text for s in ("connection refused", "timeout", "timed out", "could not connect",
                               "server closed the connection", "connection is closed", "could not translate",
                               "network is unreachable", "no route to host", "name or service not known",
                               "consuming input failed", "terminating connection", "connection failed",
                               "ssl connection has been closed", "connection reset", "broken pipe")):
        return DatabaseUnavailableError(
            f"The PostgreSQL server at {info.description} cannot be reached.",
            hint="Check the network and that the server is running, then Retry; or switch to another database "
            "in Settings → Database.",
        )
    if isinstance(exc, OperationalError):
        return DatabaseUnavailableError(f"The database {info.description} reported a problem: "
                                        f"{str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}.",
                                        hint="Try again; if it persists, tell your administrator.")
    return None


class Database:
    """An opened database: the engine, a session factory and what it is, for display."""

    def __init__(self, url: str | URL, *, engine: Engine | None = None) -> None:
        self.url = _normalise_url(url)
        self.info = describe(self.url)
        self.engine = engine or create_database_engine(self.url)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=True)

    @property
    def backend(self) -> str:
        return self.info.backend

    def new_session(self, *, write: bool) -> Session:
        """A session whose first statement begins a transaction (IMMEDIATE on SQLite when ``write``)."""
        session = self._sessions()
        if write and self.backend == "sqlite":
            session.connection(execution_options={"write_intent": True})
        return session

    @contextmanager
    def connect_checked(self) -> Iterator[None]:
        """Translate "cannot use the database" driver faults into :class:`DatabaseUnavailableError`."""
        try:
            yield
        except DBAPIError as exc:
            translated = translate_error(exc, self.info)
            if translated is not None:
                raise translated from exc
            raise

    def ping(self) -> None:
        """Round-trip a trivial query; raises DatabaseUnavailableError with the reason when it fails."""
        from sqlalchemy import text

        with self.connect_checked(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
