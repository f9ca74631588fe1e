"""Database maintenance: open and upgrade, integrity check, backup."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database, DatabaseInfo
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import PermissionDeniedError, SchemaVersionError, ValidationError
from biobank_desktop.core.domain.roles import Permission, Role, allows
from biobank_desktop.core.services.audit import AuditService
from biobank_desktop.core.services.changes import NO_CHANGES, Result


@dataclass
class CheckReport:
    ok: bool
    schema_current: str | None
    schema_head: str
    problems: list[str] = field(default_factory=list)
    audit_events: int = 0


class SystemService:
    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def info(self) -> DatabaseInfo:
        return self.db.info

    def upgrade(self, actor: Actor | None = None) -> Result[str | None]:
        """Bring the schema to head (backing an SQLite file up first). The value is the backup path, if any.

        An embedded SQLite file belongs to this workstation and is upgraded at start. A shared
        PostgreSQL database that holds data is upgraded only by an administrator (``actor``), on
        purpose: the other workstations must be closed first, and an older version left running
        would break mid-session. An empty PostgreSQL database is simply set up.
        """
        status = schema.schema_status(self.db)
        if status.at_head:
            return Result(None, NO_CHANGES)
        if self.db.backend == "postgresql" and not status.is_empty:
            self._require_administrator(actor, status.current, status.head)
        backup = schema.upgrade(self.db)
        who = actor or Actor.system("schema-upgrade")
        with UnitOfWork(self.db, who) as uow:
            uow.audit("database.upgraded", "database", self.db.info.description,
                      summary=f"Schema upgraded from {status.current or 'nothing'} to {status.head}",
                      before={"schema": status.current}, after={"schema": status.head, "backup": backup})
            changes = uow.commit()
        return Result(backup, changes)

    def _require_administrator(self, actor: Actor | None, current: str | None, head: str) -> None:
        hint = ("Close Biobank Desktop on every workstation, then an administrator runs "
                f"'biobank-desktop --database URL --user NAME db upgrade' (schema {current} → {head}).")
        if actor is None or actor.user_id is None:
            raise SchemaVersionError(
                f"The shared database {self.db.info.description} needs an upgrade that only an administrator "
                "may start.",
                hint=hint)
        # Read with plain SQL: the ORM models describe the new schema, not the one on the server yet.
        with self.db.connect_checked(), self.db.engine.connect() as conn:
            row = conn.execute(text("SELECT role, active FROM users WHERE id = :id"), {"id": actor.user_id}).first()
        if row is None or not row.active or not allows(Role(row.role), Permission.MANAGE_DATABASE):
            raise PermissionDeniedError(f"{actor.username} may not upgrade the shared database.", hint=hint)

    def ensure_current(self) -> None:
        schema.ensure_current(self.db)

    def ping(self) -> None:
        self.db.ping()

    def check(self) -> CheckReport:
        status = schema.schema_status(self.db)
        report = CheckReport(True, status.current, status.head)
        if not status.at_head:
            report.problems.append(f"schema is at {status.current or 'nothing'}, head is {status.head}")
        with self.db.connect_checked(), self.db.engine.connect() as conn:
            if self.db.backend == "sqlite":
                rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
                if rows != ["ok"]:
                    report.problems.extend(f"integrity: {r}" for r in rows[:20])
                fk = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
                report.problems.extend(f"foreign key: {tuple(r)}" for r in fk[:20])
        if status.at_head:
            verify = AuditService(self.db).verify()
            report.audit_events = verify.checked
            if not verify.ok:
                report.problems.append(f"audit trail: {verify.problem}")
        report.ok = not report.problems
        return report

    def backup(self, destination: Path) -> Path:
        if self.db.backend != "sqlite":
            raise ValidationError(
                "Backups of a PostgreSQL database are made on the server with pg_dump, e.g. "
                f"'pg_dump -Fc -f biobank.dump {self.db.url.database}'.",
                hint="Ask your database administrator; this application does not hold the server's files.",
            )
        source = Path(self.db.url.database or "")
        return schema.backup_sqlite(source, destination)
