"""``db``: database maintenance (upgrade, check, backup, audit chain), run as the system."""

from __future__ import annotations

from pathlib import Path

from biobank_desktop.cli.context import COMMON, Context, Subparsers, emit, login


def register(subparsers: Subparsers) -> None:
    db = subparsers.add_parser("db", help="database maintenance (runs as the system)")
    commands = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    commands.add_parser("upgrade", parents=[COMMON], help="bring the schema to this version (backup first)"
                        ).set_defaults(handler=_db_upgrade, creates_database=True)
    commands.add_parser("check", parents=[COMMON], help="schema, integrity and audit chain; exit 1 on a problem"
                        ).set_defaults(handler=_db_check)
    backup = commands.add_parser("backup", parents=[COMMON], help="copy the SQLite database to FILE")
    backup.add_argument("file", metavar="FILE", type=Path)
    backup.set_defaults(handler=_db_backup)
    commands.add_parser("verify-audit", parents=[COMMON], help="verify the audit trail's hash chain"
                        ).set_defaults(handler=_db_verify_audit)


def _db_upgrade(ctx: Context) -> int:
    system = ctx.services.system
    before = _schema_revision(ctx)
    # A shared PostgreSQL database with data is upgraded by an administrator (the service checks it).
    actor = login(ctx) if ctx.db.backend == "postgresql" and ctx.args.user else None
    backup = system.upgrade(actor).value
    after = _schema_revision(ctx)
    done = f"Schema {after} is current." if before == after else f"Schema upgraded from {before or 'none'} to {after}."
    lines = [f"Database: {ctx.db.info.description}", done]
    if backup:
        lines.append(f"Backup of the database before the upgrade: {backup}")
    emit(ctx, {"database": ctx.db.info.url_without_password, "from": before, "to": after, "backup": backup}, lines)
    return 0


def _schema_revision(ctx: Context) -> str | None:
    from biobank_desktop.core.db import schema

    return schema.schema_status(ctx.db).current


def _db_check(ctx: Context) -> int:
    report = ctx.services.system.check()
    lines = [f"Database: {ctx.db.info.description}",
             f"Schema: {report.schema_current or 'none'} (this version: {report.schema_head})",
             f"Audit events verified: {report.audit_events:,}"]
    lines += [f"Problem: {p}" for p in report.problems] or ["No problems found."]
    emit(ctx, {"ok": report.ok, "database": ctx.db.info.url_without_password, "schema": report.schema_current,
                "schema_head": report.schema_head, "audit_events": report.audit_events,
                "problems": report.problems}, lines)
    return 0 if report.ok else 1


def _db_backup(ctx: Context) -> int:
    target = ctx.services.system.backup(ctx.args.file.expanduser().resolve())
    emit(ctx, {"backup": str(target)}, [f"Backup written to {target}"])
    return 0


def _db_verify_audit(ctx: Context) -> int:
    ctx.services.system.ensure_current()
    result = ctx.services.audit.verify()
    if result.ok:
        lines = [f"Audit trail intact: {result.checked:,} events, the newest is event {result.last_seq} "
                 f"(hash {result.last_hash})."]
    else:
        lines = [f"Audit trail BROKEN at event {result.first_broken_seq}: {result.problem}.",
                 f"Events intact before it: {result.checked:,}."]
    emit(ctx, {"ok": result.ok, "checked": result.checked, "last_seq": result.last_seq,
                "last_hash": result.last_hash, "first_broken_seq": result.first_broken_seq,
                "problem": result.problem}, lines)
    return 0 if result.ok else 1
