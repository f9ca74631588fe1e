"""Which database this is: its identity, and whether the configured one is the one this workstation used.

A database carries its own identity: a UUID written into its ``settings`` table when it is first set up
(or first opened by a version that knows about identities). An SQLite file is also told apart by its
(device, inode). The workstation remembers, in its per-user settings, the identity and file of every
database it opened, and whether it created it (:class:`KnownDatabase`; stored by the GUI, not here).

What a caller can rely on:

* :func:`check_before_open` refuses a configured SQLite file that is missing or empty **without creating
  it** (opening would create an empty file, which the first start used to fill with demonstration data);
* :func:`check_identity` refuses a database whose identity is not the one recorded (another file put at the
  same path, another server database under the same name);
* every refusal is a :class:`DatabaseIdentityError` that says what happened and where the newest backups
  are, and the database is left exactly as it was.

A file with the same identity but another inode (a restore of the same database, a copy moved back) is
accepted at start-up and recorded anew; while the application runs, any change of the file is an error
(:meth:`Database.check_file`, called by the health ping and before every commit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import IDENTITY_KEY, Database, backups_hint, file_id, latest_backups
from biobank_desktop.core.db.models import Setting
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import DatabaseIdentityError


@dataclass(frozen=True)
class KnownDatabase:
    """What a workstation remembers of a database it opened (kept in its per-user settings)."""

    uuid: str | None
    device: int | None = None
    inode: int | None = None
    created_here: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "device": self.device, "inode": self.inode, "created_here": self.created_here}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> KnownDatabase:
        def number(key: str) -> int | None:
            value = raw.get(key)
            return int(value) if isinstance(value, int) else None

        found = raw.get("uuid")
        return cls(str(found) if found else None, number("device"), number("inode"), bool(raw.get("created_here")))


def _hint(path: Path | None) -> tuple[str, tuple[str, ...]]:
    if path is None:
        return "Ask your administrator whether the database was moved or restored.", ()
    backups = latest_backups(path)
    return (f"{backups_hint(backups, path)} Restore it (or put the file back) and Retry, switch to another "
            "database, or quit. Nothing was created.", backups)


def check_before_open(path: Path, known: KnownDatabase | None) -> None:
    """Refuse a configured SQLite file that this workstation used and that is now missing or empty.

    Called before the file is opened (opening creates a missing file). ``known`` is None for a file this
    workstation never opened: it may be created.
    """
    if known is None:
        return
    hint, backups = _hint(path)
    if file_id(path) is None:
        raise DatabaseIdentityError(
            f"The database file {path} is missing: it was deleted or moved, or the disk or network share holding "
            "it is not there. A new, empty database was NOT created in its place.", hint=hint, backups=backups)
    if path.stat().st_size == 0:
        raise DatabaseIdentityError(
            f"The database file {path} is empty (0 bytes): its content is gone. It was not filled with anything.",
            hint=hint, backups=backups)


def read_identity(db: Database) -> str | None:
    """The identity stored in the database, or None (an empty database, or one written before identities)."""
    with db.connect_checked(), db.engine.connect() as conn:
        if not inspect(conn).has_table("settings"):
            return None
        value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": IDENTITY_KEY}).scalar()
    return str(value) if value else None


def check_identity(db: Database, known: KnownDatabase | None) -> bool:
    """Refuse a database that is empty or has another identity than the one this workstation recorded.

    Returns whether the database is empty (a new one, to be set up). Raises SchemaVersionError for a
    database of a newer version or a foreign one, as :func:`schema.schema_status` does.
    """
    is_empty = schema.schema_status(db).is_empty
    if known is None:
        return is_empty
    hint, backups = _hint(db.path)
    if is_empty:
        raise DatabaseIdentityError(
            f"The database {db.info.description} is empty, but this workstation used it before: its content is "
            "gone. It was not filled with anything.", hint=hint, backups=backups)
    found = read_identity(db)
    if known.uuid is not None and found != known.uuid:
        raise DatabaseIdentityError(
            f"{db.info.description} is not the database this workstation used: its identity is "
            f"{found or 'missing'}, this workstation worked on {known.uuid}. It was another file or database put "
            "in its place; nothing was changed in it.",
            hint=f"{hint} If this database is the right one, choose it again in Switch database.", backups=backups)
    return is_empty


def ensure_identity(db: Database, workstation: str | None = None) -> KnownDatabase:
    """Give the (upgraded) database an identity if it has none (audited), note its file, and say what it is."""
    found = read_identity(db)
    if found is None:
        found = str(uuid.uuid4())
        with UnitOfWork(db, Actor.system("database-identity", workstation), bookkeeping=True) as uow:
            uow.session.merge(Setting(key=IDENTITY_KEY, value=found))
            uow.audit("database.identity_created", "database", db.info.description,
                      summary=f"Database identity {found} recorded", after={"uuid": found})
            uow.commit()
    db.identity = found
    db.remember_file()
    device, inode = db.file_id if db.file_id is not None else (None, None)
    return KnownDatabase(found, device, inode)
