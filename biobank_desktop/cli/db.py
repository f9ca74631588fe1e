"""``db``: database maintenance (upgrade, check, backup, audit chain), run as the system."""

from __future__ import annotations

import json
from pathlib import Path

from biobank_desktop.cli.context import COMMON, Context, Subparsers, emit, login
from biobank_desktop.core.domain.audit import AuditAnchor
from biobank_desktop.core.domain.errors import ValidationError


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
    verify = commands.add_parser(
        "verify-audit", parents=[COMMON],
        help="verify the audit trail's hash chain (and anchors recorded outside the database)",
        description="Recompute the audit trail's hash chain and check its head both ways. The chain alone cannot "
                    "show a consistent rewrite of its newest events; an anchor (SEQ:HASH, printed by this command "
                    "and recorded outside the database, e.g. in your quality records) can: give it with --expect, "
                    "or a file of them with --expect-file.")
    anchors = verify.add_mutually_exclusive_group()
    anchors.add_argument("--expect", metavar="SEQ:HASH", action="append",
                         help="an anchor recorded earlier; the event must still have that hash (repeatable)")
    anchors.add_argument("--expect-file", metavar="FILE", type=Path,
                         help="a file of anchors, one SEQ:HASH a line ('#' starts a comment), or the --json output "
                              "of an earlier verify-audit")
    verify.set_defaults(handler=_db_verify_audit)


def _db_upgrade(ctx: Context) -> int:
    system = ctx.services.system
    before = _schema_revision(ctx)
    # A shared PostgreSQL database with data is upgraded by an administrator (the service checks it); a user
    # named for an SQLite file is checked too (password here, account in the service), never silently ignored.
    if ctx.args.user and before is None:
        raise ValidationError("This database is empty: it has no accounts yet, so --user cannot be checked.",
                              hint="Run 'db upgrade' without --user to set it up.")
    actor = login(ctx) if ctx.args.user else None
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
    anchors = _anchors(ctx)
    audit = ctx.services.audit
    result = audit.verify()
    for anchor in anchors:
        if not result.ok:
            break
        result = audit.verify_against(anchor)
    if result.ok:
        lines = [f"Audit trail intact: {result.checked:,} events, the newest is event {result.last_seq} "
                 f"(hash {result.last_hash})."]
        lines += [f"Anchor {a.seq}: event {a.seq} has the hash recorded outside the database." for a in anchors]
        if result.anchor is not None:
            lines.append(f"Anchor to record outside the database: {result.anchor}")
    else:
        lines = [f"Audit trail BROKEN at event {result.first_broken_seq}: {result.problem}.",
                 f"Events intact before it: {result.checked:,}."]
    emit(ctx, {"ok": result.ok, "checked": result.checked, "last_seq": result.last_seq,
                "last_hash": result.last_hash, "first_broken_seq": result.first_broken_seq,
                "problem": result.problem, "finding": result.finding,
                "anchor": str(result.anchor) if result.anchor is not None else None,
                "anchors_checked": [str(a) for a in anchors] if result.ok else []}, lines)
    return 0 if result.ok else 1


def _anchors(ctx: Context) -> list[AuditAnchor]:
    """The anchors given: --expect (each SEQ:HASH), or the lines of --expect-file (or its JSON ``anchor``)."""
    if ctx.args.expect:
        return [AuditAnchor.parse(text) for text in ctx.args.expect]
    if ctx.args.expect_file is None:
        return []
    path: Path = ctx.args.expect_file.expanduser()
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise ValidationError(f"The anchor file {path} cannot be read ({getattr(exc, 'strerror', None) or exc}).",
                              hint="Give the file where the anchors (SEQ:HASH) were recorded.") from None
    if content.lstrip().startswith("{"):
        try:
            recorded = json.loads(content)
        except (ValueError, RecursionError):
            recorded = None
        if not isinstance(recorded, dict) or not isinstance(recorded.get("anchor"), str):
            raise ValidationError(f"The anchor file {path} is JSON without an \"anchor\".",
                                  hint="Give the --json output of 'db verify-audit', or lines of SEQ:HASH.")
        return [AuditAnchor.parse(recorded["anchor"])]
    lines = [line.split("#", 1)[0].strip() for line in content.splitlines()]
    anchors = [AuditAnchor.parse(line) for line in lines if line]
    if not anchors:
        raise ValidationError(f"The anchor file {path} holds no anchor.", hint="One SEQ:HASH a line.")
    return anchors
