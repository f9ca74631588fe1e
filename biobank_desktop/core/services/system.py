"""Database maintenance: open and upgrade, integrity check, backup."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database, DatabaseInfo
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services.audit import AuditService


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

    def upgrade(self) -> str | None:
        """Bring the schema to head (backing an SQLite file up first). Returns the backup path, if any."""
        return schema.upgrade(self.db)

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
