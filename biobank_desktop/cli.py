"""``biobank-desktop``: the same services as the window, from a shell.

Without a command it starts the application window. Commands::

    biobank-desktop [--database URL|FILE] [--user NAME] [--json] COMMAND ...

    db upgrade                 bring the schema to this version (an SQLite file is backed up first)
    db check                   schema at head, integrity (SQLite), audit chain; exit 1 on a problem
    db backup FILE             copy an SQLite database while it may be in use (PostgreSQL: use pg_dump)
    db verify-audit            recompute the audit hash chain; exit 1 and name the first broken event
    demo [--samples N]         upgrade, then fill an empty database with demo data (progress on stderr)
    user add NAME --name "Full Name" --role technician|supervisor|administrator [--password-stdin]
    user passwd NAME [--password-stdin]
    user deactivate NAME --reason TEXT
    user list

The database is ``--database`` (a SQLAlchemy URL or an SQLite file path), else ``$BIOBANK_DATABASE_URL``,
else the one saved in Settings, else the default SQLite file.

Who acts:

* ``db`` commands run as the system ("cli" in the audit trail): they are for whoever holds the
  database file or the server account, and change no sample data.
* ``user`` commands and ``demo`` run as the system only while the database has no user account
  at all: that is how the first administrator is created on a new database (the first account
  must be an administrator). Once an account exists they need ``--user NAME`` of an account allowed
  to do it (an administrator; ``user passwd`` of one's own account needs no role). The password is
  read from ``$BIOBANK_PASSWORD``, else asked for (never a command-line argument: it would show in
  the process list and the shell history). Logging in here counts as a login (audit trail, lockout).
* New passwords come from one line of standard input (``--password-stdin``) or are asked twice.

Exit codes: 0 done; 1 refused or invalid input (the message on stderr, no traceback); 2 usage error;
130 interrupted (nothing was changed).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from biobank_desktop.config import ENV_DATABASE_URL, resolve_database_url
from biobank_desktop.core.db.engine import Database, sqlite_url, translate_error
from biobank_desktop.core.db.uow import require
from biobank_desktop.core.domain.actor import Actor, this_workstation
from biobank_desktop.core.domain.errors import (
    BiobankError,
    DatabaseUnavailableError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from biobank_desktop.core.domain.roles import Permission, Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.accounts import UserInfo

ENV_PASSWORD = "BIOBANK_PASSWORD"
PROG = "biobank-desktop"

# Commands that may create the database (a new SQLite file); every other one refuses a missing file.
_CREATES_DATABASE = {("db", "upgrade"), ("demo", None)}


# -- the parser -------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    # The common options are accepted before or after the command; after it they override.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", metavar="URL", default=argparse.SUPPRESS,
                        help="SQLAlchemy URL (postgresql://user@host/db) or path of an SQLite file")
    common.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS,
                        help=f"act as this user (password from ${ENV_PASSWORD} or asked)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output (JSON on stdout)")

    parser = argparse.ArgumentParser(
        prog=PROG, parents=[common],
        description="Biobank Desktop. Without a command, the application window starts.",
        epilog=f"The database: --database, else ${ENV_DATABASE_URL}, else Settings, else the default SQLite file.",
    )
    parser.set_defaults(handler=None)  # not the common options: their action objects are shared with every command
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="database maintenance (runs as the system)")
    db_commands = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", parents=[common], help="bring the schema to this version (backup first)"
                           ).set_defaults(handler=_db_upgrade)
    db_commands.add_parser("check", parents=[common], help="schema, integrity and audit chain; exit 1 on a problem"
                           ).set_defaults(handler=_db_check)
    backup = db_commands.add_parser("backup", parents=[common], help="copy the SQLite database to FILE")
    backup.add_argument("file", metavar="FILE", type=Path)
    backup.set_defaults(handler=_db_backup)
    db_commands.add_parser("verify-audit", parents=[common], help="verify the audit trail's hash chain"
                           ).set_defaults(handler=_db_verify_audit)

    demo = commands.add_parser("demo", parents=[common], help="fill an empty database with demo data")
    demo.add_argument("--samples", type=_positive_int, default=2000, metavar="N",
                      help="how many sample rows (tubes and aliquots), default 2000")
    demo.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
    demo.add_argument("--allow-existing", action="store_true", help="add demo data even if samples exist")
    demo.set_defaults(handler=_demo, action=None)

    user = commands.add_parser("user", help="user accounts")
    user_commands = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = user_commands.add_parser("add", parents=[common], help="add a user account")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--name", required=True, help="the person's full name")
    add.add_argument("--role", required=True, metavar="ROLE", help="technician, supervisor or administrator")
    add.add_argument("--password-stdin", action="store_true", help="read the new password from standard input")
    add.set_defaults(handler=_user_add)
    passwd = user_commands.add_parser("passwd", parents=[common], help="set a new password")
    passwd.add_argument("username", metavar="USERNAME")
    passwd.add_argument("--password-stdin", action="store_true", help="read the new password from standard input")
    passwd.set_defaults(handler=_user_passwd)
    deactivate = user_commands.add_parser("deactivate", parents=[common], help="deactivate an account")
    deactivate.add_argument("username", metavar="USERNAME")
    deactivate.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    deactivate.set_defaults(handler=_user_deactivate)
    user_commands.add_parser("list", parents=[common], help="list the accounts").set_defaults(handler=_user_list)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# -- running ----------------------------------------------------------------------------------------------


@dataclass
class _Context:
    args: argparse.Namespace
    url: str
    db: Database
    services: Services
    login_password: str | None = None
    _users_exist: bool | None = field(default=None, repr=False)

    @property
    def json(self) -> bool:
        return bool(self.args.json)

    def users_exist(self) -> bool:
        if self._users_exist is None:
            self._users_exist = self.services.accounts.has_users()
        return self._users_exist


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (without the program name); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help (0) or a usage error (2): argparse has printed why
        return int(exc.code or 0)
    for name, default in (("database", None), ("user", None), ("json", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    if args.handler is None:
        return _start_gui(args)
    db: Database | None = None
    try:
        url = _database_url(args.database)
        _refuse_missing_file(url, (args.command, args.action))
        db = Database(url)
        ctx = _Context(args, url, db, build_services(db, this_workstation()))
        handler: Callable[[_Context], int] = args.handler
        return handler(ctx)
    except BiobankError as exc:
        _fail(exc)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: nothing was changed.", file=sys.stderr)
        return 130
    except Exception as exc:
        translated = _translate(exc, db)
        if translated is None:
            raise
        _fail(translated)
        return 1
    finally:
        if db is not None:
            db.dispose()


def entry_point() -> None:
    """The ``biobank-desktop`` console script."""
    sys.exit(run())


def _start_gui(args: argparse.Namespace) -> int:
    if args.database:  # the window resolves the database the same way, starting with this variable
        os.environ[ENV_DATABASE_URL] = _database_url(args.database)
    from biobank_desktop.app import main

    return main([])


def _fail(exc: BiobankError) -> None:
    print(f"Error: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(exc.hint, file=sys.stderr)


def _translate(exc: Exception, db: Database | None) -> BiobankError | None:
    """A driver fault that means "cannot use the database", said plainly; None for anything else (a bug)."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    if isinstance(exc, ArgumentError):
        return ValidationError(f"That is not a database URL: {exc}.",
                               hint="Give e.g. postgresql://user@host/biobank or the path of an SQLite file.")
    if isinstance(exc, DBAPIError) and db is not None:
        translated = translate_error(exc, db.info)
        return translated or DatabaseUnavailableError(f"The database refused the operation: {exc.orig}")
    return None


def _database_url(explicit: str | None) -> str:
    if explicit and "://" not in explicit:
        return sqlite_url(Path(explicit).expanduser().resolve())
    return resolve_database_url(explicit)


def _refuse_missing_file(url: str, command: tuple[str, str | None]) -> None:
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    if command not in _CREATES_DATABASE and not Path(parsed.database).exists():
        raise NotFoundError(f"There is no database file {parsed.database}.",
                            hint=f"Check --database, or create it with '{PROG} db upgrade'.")


def _emit(ctx: _Context, data: dict[str, Any] | list[Any], lines: Sequence[str]) -> None:
    if ctx.json:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        for line in lines:
            print(line)


# -- who acts ---------------------------------------------------------------------------------------------


def _read_password(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise ValidationError("No password was given.",
                              hint=f"Type it when asked, or set ${ENV_PASSWORD} for the acting user.") from None


def _login(ctx: _Context) -> Actor:
    username = ctx.args.user
    if not username:
        raise PermissionDeniedError(
            "This database has user accounts, so this command needs one.",
            hint=f"Give --user NAME (password from ${ENV_PASSWORD} or asked).",
        )
    password = os.environ.get(ENV_PASSWORD)
    if password is None:
        password = _read_password(f"Password for {username}: ")
    actor = ctx.services.accounts.authenticate(username, password)
    ctx.login_password = password
    return actor


def _actor(ctx: _Context, permission: Permission | None) -> Actor:
    """The system while the database has no account (bootstrap) and no --user is given, else the logged-in user."""
    if not ctx.args.user and not ctx.users_exist():
        return Actor.system("cli", ctx.services.workstation)
    actor = _login(ctx)
    if permission is not None:
        require(actor, permission)
    return actor


def _new_password(ctx: _Context, username: str) -> str:
    if ctx.args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise ValidationError("No password on standard input.")
        return password.removesuffix("\r")
    first = _read_password(f"New password for {username}: ")
    if _read_password("Repeat the new password: ") != first:
        raise ValidationError("The two passwords differ; nothing was changed.")
    return first


# -- db ---------------------------------------------------------------------------------------------------


def _db_upgrade(ctx: _Context) -> int:
    system = ctx.services.system
    before = _schema_revision(ctx)
    backup = system.upgrade()
    after = _schema_revision(ctx)
    done = f"Schema {after} is current." if before == after else f"Schema upgraded from {before or 'none'} to {after}."
    lines = [f"Database: {ctx.db.info.description}", done]
    if backup:
        lines.append(f"Backup of the database before the upgrade: {backup}")
    _emit(ctx, {"database": ctx.db.info.url_without_password, "from": before, "to": after, "backup": backup}, lines)
    return 0


def _schema_revision(ctx: _Context) -> str | None:
    from biobank_desktop.core.db import schema

    return schema.schema_status(ctx.db).current


def _db_check(ctx: _Context) -> int:
    report = ctx.services.system.check()
    lines = [f"Database: {ctx.db.info.description}",
             f"Schema: {report.schema_current or 'none'} (this version: {report.schema_head})",
             f"Audit events verified: {report.audit_events:,}"]
    lines += [f"Problem: {p}" for p in report.problems] or ["No problems found."]
    _emit(ctx, {"ok": report.ok, "database": ctx.db.info.url_without_password, "schema": report.schema_current,
                "schema_head": report.schema_head, "audit_events": report.audit_events,
                "problems": report.problems}, lines)
    return 0 if report.ok else 1


def _db_backup(ctx: _Context) -> int:
    target = ctx.services.system.backup(ctx.args.file.expanduser().resolve())
    _emit(ctx, {"backup": str(target)}, [f"Backup written to {target}"])
    return 0


def _db_verify_audit(ctx: _Context) -> int:
    ctx.services.system.ensure_current()
    result = ctx.services.audit.verify()
    if result.ok:
        lines = [f"Audit trail intact: {result.checked:,} events, the newest is event {result.last_seq}."]
    else:
        lines = [f"Audit trail BROKEN at event {result.first_broken_seq}: {result.problem}.",
                 f"Events intact before it: {result.checked:,}."]
    _emit(ctx, {"ok": result.ok, "checked": result.checked, "last_seq": result.last_seq,
                "first_broken_seq": result.first_broken_seq, "problem": result.problem}, lines)
    return 0 if result.ok else 1


# -- demo -------------------------------------------------------------------------------------------------


def _demo(ctx: _Context) -> int:
    from biobank_desktop.core.services.demo import DEMO_ACCOUNTS, generate_demo

    backup = ctx.services.system.upgrade()
    if backup:
        print(f"Backup of the database before the upgrade: {backup}", file=sys.stderr)
    actor = _actor(ctx, Permission.MANAGE_DATABASE)
    args = ctx.args
    report = generate_demo(ctx.db, actor, args.samples, seed=args.seed, allow_existing=args.allow_existing,
                           progress=_progress_printer(sys.stderr))
    created = [a for a in DEMO_ACCOUNTS if a[0] in report.accounts_created]
    lines = [
        f"Demo data added to {ctx.db.info.description} in {report.seconds:.1f} s:",
        f"  {report.samples:,} samples ({report.primary_samples:,} primary tubes, {report.aliquots:,} aliquots)",
        f"  {report.participants:,} participants, {report.consents:,} consents "
        f"({report.consents_withdrawn:,} withdrawn)",
        f"  {report.external_barcodes:,} external barcodes, {report.positions_used:,} tubes in "
        f"{report.boxes:,} boxes, {report.racks:,} racks, {report.freezers:,} freezers",
    ]
    if created:
        lines.append("Demo accounts (user / password):")
        lines += [f"  {name} / {password}  ({role.value})" for name, _, role, password in created]
    else:
        lines.append("No demo accounts were added: the database has accounts of its own.")
    _emit(ctx, report.as_dict() | {"backup": backup}, lines)
    return 0


def _progress_printer(stream: TextIO) -> Callable[[float, str], None]:
    interactive = stream.isatty()
    last = [-10]

    def progress(fraction: float, text: str) -> None:
        percent = int(fraction * 100)
        if interactive:
            stream.write(f"\r{percent:3d}%  {text:<50}" + ("\n" if percent >= 100 else ""))
            stream.flush()
        elif percent >= last[0] + 10 or percent >= 100:
            last[0] = percent
            stream.write(f"{percent:3d}%  {text}\n")
            stream.flush()

    return progress


# -- user -------------------------------------------------------------------------------------------------


def _parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValidationError(f"'{text}' is not a role.", hint=f"Use one of: {roles}.") from None


def _user_add(ctx: _Context) -> int:
    args = ctx.args
    role = _parse_role(args.role)
    ctx.services.system.ensure_current()
    actor = _actor(ctx, Permission.MANAGE_USERS)
    if actor.is_system and role is not Role.ADMINISTRATOR:
        raise ValidationError("The first account of a database must be an administrator.",
                              hint="Add it with --role administrator; it can then add the others.")
    password = _new_password(ctx, args.username)
    info = ctx.services.accounts.add_user(actor, args.username, args.name, role, password,
                                          must_change_password=not actor.is_system)
    note = " (the password must be changed at the first login)" if info.must_change_password else ""
    _emit(ctx, _user_json(info), [f"Added {info.role.value} {info.username} ({info.display_name}){note}."])
    return 0


def _user_passwd(ctx: _Context) -> int:
    ctx.services.system.ensure_current()
    actor = _login(ctx)
    target = ctx.args.username.strip().lower()
    if target == actor.username:
        password = _new_password(ctx, target)
        ctx.services.accounts.change_own_password(actor, ctx.login_password or "", password)
        message = f"Password of {target} changed."
    else:
        require(actor, Permission.MANAGE_USERS)
        password = _new_password(ctx, target)
        ctx.services.accounts.reset_password(actor, target, password)
        message = f"Password of {target} reset; it must be changed at the next login."
    _emit(ctx, {"username": target, "changed": True}, [message])
    return 0


def _user_deactivate(ctx: _Context) -> int:
    ctx.services.system.ensure_current()
    actor = _actor(ctx, Permission.MANAGE_USERS)
    info = ctx.services.accounts.set_active(actor, ctx.args.username, False, ctx.args.reason)
    _emit(ctx, _user_json(info), [f"{info.username} is deactivated."])
    return 0


def _user_list(ctx: _Context) -> int:
    ctx.services.system.ensure_current()
    if not ctx.args.user and not ctx.users_exist():
        _emit(ctx, [], ["No user accounts yet.", f"Add the first administrator with '{PROG} user add'."])
        return 0
    actor = _actor(ctx, Permission.MANAGE_USERS)
    users = ctx.services.accounts.list_users(actor)
    rows = [("USER", "NAME", "ROLE", "STATUS", "LAST LOGIN")]
    for u in users:
        status = "active" if u.active else "deactivated"
        if u.is_locked and u.locked_until is not None:
            status = f"locked until {u.locked_until:%H:%M} UTC"
        rows.append((u.username, u.display_name, u.role.value, status,
                     f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    _emit(ctx, [_user_json(u) for u in users], lines)
    return 0


def _user_json(info: UserInfo) -> dict[str, Any]:
    return {"username": info.username, "display_name": info.display_name, "role": info.role.value,
            "active": info.active, "locked": info.is_locked, "must_change_password": info.must_change_password,
            "last_login_at": info.last_login_at}
