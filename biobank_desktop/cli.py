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
    labels templates           the label templates (shipped, and the biobank's own copies)
    labels render --template NAME --format pdf|zpl [--dpi N] [--start-position N] --sample ID... -o OUT|-
    labels print --printer SPEC [--template NAME] [--start-position N] --sample ID...
    labels queue [--all]       this workstation's unfinished print jobs (--all: every job, every workstation)
    labels print-job JOB [--printer SPEC]             print what a job has not printed yet (a retry)
    labels reprint --reason TEXT --sample ID... [--printer SPEC] [--template NAME]
    printer list | printer remove NAME | printer status NAME
    printer add NAME --kind zpl-tcp|zpl-file|cups-raw|pdf-file --address ADDR [--dpi 203]
                [--offset-x MM] [--offset-y MM] [--darkness N]

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
* ``labels print``, ``labels print-job`` and ``labels reprint`` always need ``--user NAME`` (a person
  prints, and the audit trail says who); ``labels render`` and ``labels queue`` need it once the
  database has accounts (they show sample data); ``labels templates`` needs none.
* ``printer`` commands change only the ``printers`` list of this workstation's settings file
  (printers sit next to a workstation) and do not open the database.

Printers: SPEC is the name of a printer configured on this workstation (``printer add``), or an
ad-hoc ``zpl://HOST[:9100]``, ``cups://QUEUE``, ``zpl-file:///PATH`` or ``pdf:///PATH`` (with
``--dpi`` for its resolution, 203 if not given). A print that does not complete keeps the job in the
queue (exit 1, the printer's message on stderr); ``labels print-job JOB`` then sends only the labels
the printer did not confirm. The workstation is the one named in Settings, else this computer's name.

Exit codes: 0 done; 1 refused or invalid input (the message on stderr, no traceback), or labels not
all printed; 2 usage error; 130 interrupted (nothing was changed; a print interrupted part-way says
which job to look at).
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

from biobank_desktop.config import ENV_DATABASE_URL, Settings, resolve_database_url
from biobank_desktop.core.db.engine import Database, sqlite_url, translate_error
from biobank_desktop.core.db.uow import require
from biobank_desktop.core.domain.actor import Actor, this_workstation
from biobank_desktop.core.domain.errors import (
    BiobankError,
    DatabaseUnavailableError,
    NotFoundError,
    PermissionDeniedError,
    PrinterError,
    ValidationError,
)
from biobank_desktop.core.domain.roles import Permission, Role
from biobank_desktop.core.labels.printers import (
    DPI_CHOICES,
    MAX_PRINTER_NAME,
    PrinterConfig,
    checked_printer,
    parse_printer_spec,
    transport_for,
)
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.accounts import UserInfo
from biobank_desktop.core.services.labelling import JobInfo

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
    # Not the common options: their action objects are shared with every command.
    parser.set_defaults(handler=None, uses_database=True)
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

    _add_label_commands(commands, common)
    _add_printer_commands(commands, common)
    return parser


def _add_label_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                        common: argparse.ArgumentParser) -> None:
    labels = commands.add_parser("labels", help="label templates, rendering, printing and the print queue")
    label_commands = labels.add_subparsers(dest="action", metavar="ACTION", required=True)

    def samples(command: argparse.ArgumentParser) -> None:
        command.add_argument("--sample", dest="samples", metavar="ID", nargs="+", action="extend", required=True,
                             help="sample ID(s), in label order (repeat or list several)")

    def printer_dpi(command: argparse.ArgumentParser) -> None:
        command.add_argument("--dpi", type=int, choices=DPI_CHOICES, metavar="N",
                             help="resolution of an ad-hoc printer (zpl://...), default 203; "
                                  "a configured printer has its own")

    label_commands.add_parser("templates", parents=[common], help="list the label templates"
                              ).set_defaults(handler=_labels_templates)

    render = label_commands.add_parser("render", parents=[common],
                                       help="write labels as PDF or ZPL to a file (nothing is queued)")
    render.add_argument("--template", required=True, metavar="NAME")
    render.add_argument("--format", dest="fmt", required=True, choices=("pdf", "zpl"))
    render.add_argument("--dpi", type=int, choices=DPI_CHOICES, metavar="N",
                        help="the printer's resolution (default: the template's)")
    render.add_argument("--start-position", type=_positive_int, default=1, metavar="N",
                        help="first free label on a sheet (PDF of a sheet template), default 1")
    samples(render)
    render.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write, or - for stdout")
    render.set_defaults(handler=_labels_render)

    print_ = label_commands.add_parser("print", parents=[common], help="queue labels and print them now")
    print_.add_argument("--printer", required=True, metavar="SPEC",
                        help="a configured printer's name, or zpl://HOST:9100, cups://QUEUE, zpl-file:///PATH, "
                             "pdf:///PATH")
    print_.add_argument("--template", metavar="NAME", help="default: chosen by the print rules")
    print_.add_argument("--start-position", type=_positive_int, default=1, metavar="N",
                        help="first free label on a sheet (pdf printers), default 1")
    printer_dpi(print_)
    samples(print_)
    print_.set_defaults(handler=_labels_print)

    queue = label_commands.add_parser("queue", parents=[common],
                                      help="this workstation's print jobs waiting, failed or partly printed")
    queue.add_argument("--all", dest="all_jobs", action="store_true",
                       help="every job of every workstation, printed and cancelled ones too (the newest 200)")
    queue.set_defaults(handler=_labels_queue)

    print_job = label_commands.add_parser("print-job", parents=[common],
                                          help="print the labels of a job that are not printed yet (retry)")
    print_job.add_argument("job", metavar="JOB", type=_positive_int)
    print_job.add_argument("--printer", metavar="SPEC", help="default: the job's printer")
    print_job.add_argument("--start-position", type=_positive_int, default=1, metavar="N",
                           help="first free label on a sheet (pdf printers), default 1")
    printer_dpi(print_job)
    print_job.set_defaults(handler=_labels_print_job)

    resolve = label_commands.add_parser(
        "resolve", parents=[common], help="after looking at the printer: labels that may have printed did or did not")
    resolve.add_argument("job", metavar="JOB", type=_positive_int)
    outcome = resolve.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--printed", dest="printed", action="store_true", help="they are on the printer: done")
    outcome.add_argument("--not-printed", dest="printed", action="store_false",
                         help="they are missing: put them back in the queue")
    resolve.add_argument("positions", metavar="POSITION", type=_positive_int, nargs="+")
    resolve.set_defaults(handler=_labels_resolve)

    reprint = label_commands.add_parser("reprint", parents=[common], help="print labels again (with a reason)")
    reprint.add_argument("--reason", required=True, help="why (kept with the job and in the audit trail)")
    samples(reprint)
    reprint.add_argument("--printer", metavar="SPEC",
                         help="default: the printer the print rules choose (else the job is only queued)")
    reprint.add_argument("--template", metavar="NAME", help="default: chosen by the print rules")
    printer_dpi(reprint)
    reprint.set_defaults(handler=_labels_reprint)


_CLI_PRINTER_KINDS = ("zpl-tcp", "zpl-file", "cups-raw", "pdf-file")


def _add_printer_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                          common: argparse.ArgumentParser) -> None:
    printer = commands.add_parser("printer", help="this workstation's label printers (kept in its settings)")
    printer_commands = printer.add_subparsers(dest="action", metavar="ACTION", required=True)
    printer_commands.add_parser("list", parents=[common], help="list this workstation's printers"
                                ).set_defaults(handler=_printer_list, uses_database=False)
    add = printer_commands.add_parser("add", parents=[common], help="add a printer to this workstation")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--kind", required=True, choices=_CLI_PRINTER_KINDS,
                     help="zpl-tcp (network Zebra, port 9100), zpl-file, cups-raw (CUPS queue, raw) or pdf-file")
    add.add_argument("--address", required=True, metavar="ADDR",
                     help="HOST[:PORT] for zpl-tcp, the queue for cups-raw, a file path for the file kinds")
    add.add_argument("--dpi", type=int, default=203, choices=DPI_CHOICES, metavar="N",
                     help="the printer's resolution, default 203")
    add.add_argument("--offset-x", type=float, default=0.0, metavar="MM", help="calibration, positive is right")
    add.add_argument("--offset-y", type=float, default=0.0, metavar="MM", help="calibration, positive is down")
    add.add_argument("--darkness", type=int, metavar="N", help="0-30 (ZPL ~SD); default: the printer's own")
    add.set_defaults(handler=_printer_add, uses_database=False)
    remove = printer_commands.add_parser("remove", parents=[common], help="remove a printer from this workstation")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_printer_remove, uses_database=False)
    status = printer_commands.add_parser("status", parents=[common],
                                         help="ask a printer whether it is ready (exit 1 when not)")
    status.add_argument("name", metavar="NAME", help="a configured printer, or an ad-hoc SPEC")
    status.set_defaults(handler=_printer_status, uses_database=False)


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
        if not args.uses_database:  # this workstation's own settings (printers)
            local: Callable[[argparse.Namespace], int] = args.handler
            return local(args)
        url = _database_url(args.database)
        _refuse_missing_file(url, (args.command, args.action))
        db = Database(url)
        services = build_services(db, _workstation_name(), printers=_configured_printers)
        ctx = _Context(args, url, db, services)
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


def _workstation_name() -> str:
    """The name in Settings (as the window uses it), else this computer's name."""
    try:
        return Settings.load().workstation_name.strip() or this_workstation()
    except ValidationError:  # a damaged settings file must not stop maintenance commands
        return this_workstation()


def _configured_printers() -> list[PrinterConfig]:
    """This workstation's printers, read from its settings each time (``printer add`` may have changed them)."""
    return [PrinterConfig.from_dict(p) for p in Settings.load().printers]


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


def _emit(ctx: _Context | argparse.Namespace, data: dict[str, Any] | list[Any], lines: Sequence[str]) -> None:
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
    changing_own = (getattr(ctx.args, "handler", None) is _user_passwd
                    and ctx.args.username.strip().lower() == actor.username)
    if actor.must_change_password and not changing_own:
        raise PermissionDeniedError(
            f"{actor.username} has a temporary password that must be changed first.",
            hint=f"Run '{PROG} --user {actor.username} user passwd {actor.username}'.")
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
    # A shared PostgreSQL database with data is upgraded by an administrator (the service checks it).
    actor = _login(ctx) if ctx.db.backend == "postgresql" and ctx.args.user else None
    backup = system.upgrade(actor).value
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
        lines = [f"Audit trail intact: {result.checked:,} events, the newest is event {result.last_seq} "
                 f"(hash {result.last_hash})."]
    else:
        lines = [f"Audit trail BROKEN at event {result.first_broken_seq}: {result.problem}.",
                 f"Events intact before it: {result.checked:,}."]
    _emit(ctx, {"ok": result.ok, "checked": result.checked, "last_seq": result.last_seq,
                "last_hash": result.last_hash, "first_broken_seq": result.first_broken_seq,
                "problem": result.problem}, lines)
    return 0 if result.ok else 1


# -- demo -------------------------------------------------------------------------------------------------


def _demo(ctx: _Context) -> int:
    from biobank_desktop.core.services.demo import DEMO_ACCOUNTS, generate_demo

    backup = ctx.services.system.upgrade().value
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
    if actor.is_system:  # decided again inside the transaction: another first administrator may exist now
        info = ctx.services.accounts.create_first_administrator(args.username, args.name, password).value
    else:
        info = ctx.services.accounts.add_user(actor, args.username, args.name, role, password).value
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
    info = ctx.services.accounts.set_active(actor, ctx.args.username, False, ctx.args.reason).value
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


# -- labels -----------------------------------------------------------------------------------------------

_UNFINISHED_JOBS = ("queued", "printing", "partial", "failed")


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _person(ctx: _Context, permission: Permission) -> Actor:
    """A logged-in user (never the system): printing is done by a person, and the audit trail says who."""
    if not ctx.args.user:
        raise PermissionDeniedError("Printing labels needs a user account.",
                                    hint=f"Give --user NAME (password from ${ENV_PASSWORD} or asked).")
    actor = _login(ctx)
    require(actor, permission)
    return actor


def _labels_templates(ctx: _Context) -> int:
    ctx.services.system.ensure_current()
    labelling = ctx.services.labelling
    catalog = labelling.catalog()
    shipped = labelling.shipped_names()
    for problem in catalog.problems:
        print(f"Warning: {problem}", file=sys.stderr)
    rows = [("NAME", "KIND", "SIZE (MM)", "DPI", "ORIGIN", "DESCRIPTION")]
    data: list[dict[str, Any]] = []
    for t in catalog.templates:
        origin = "shipped" if t.name in shipped else "biobank copy"
        kind = t.kind + (f" of {t.sheet.positions}" if t.sheet is not None else "") + (
            ", round" if t.shape == "round" else "")
        rows.append((t.name, kind, f"{t.width_mm:g} x {t.height_mm:g}", str(t.dpi), origin,
                     _shorten(t.description, 60)))
        data.append({"name": t.name, "kind": t.kind, "shape": t.shape, "width_mm": t.width_mm,
                     "height_mm": t.height_mm, "dpi": t.dpi, "shipped": t.name in shipped,
                     "labels_per_sheet": t.sheet.positions if t.sheet is not None else None,
                     "description": t.description})
    _emit(ctx, data, _table(rows))
    return 0


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _labels_render(ctx: _Context) -> int:
    args = ctx.args
    to_stdout = args.output == "-"
    if to_stdout and ctx.json:
        raise ValidationError("--json and -o - both want standard output.", hint="Write to a file with -o FILE.")
    if to_stdout and args.fmt == "pdf" and sys.stdout.isatty():
        raise ValidationError("A PDF is not for a terminal.", hint="Redirect standard output, or use -o FILE.")
    ctx.services.system.ensure_current()
    _actor(ctx, Permission.VIEW_SAMPLES)
    labelling = ctx.services.labelling
    template = labelling.template(args.template)
    if args.start_position > 1 and template.sheet is None:
        raise ValidationError(f"--start-position is for sheets; '{template.name}' is a roll template.")
    content = labelling.render(args.samples, template.name, args.fmt, dpi=args.dpi,
                               start_position=args.start_position)
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return 0
    target = Path(args.output).expanduser()
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise ValidationError(f"{target} could not be written ({exc.strerror or exc}).",
                              hint="Check that the folder exists and that you may write there.") from None
    dpi = args.dpi or template.dpi
    count = len(args.samples)
    _emit(ctx, {"file": str(target.resolve()), "format": args.fmt, "template": template.name, "dpi": dpi,
                "labels": count, "bytes": len(content)},
          [f"{count} label(s) ({template.name}, {args.fmt.upper()} for {dpi} dpi) written to {target}"])
    return 0


def _resolve_printer(spec: str, dpi: int | None) -> PrinterConfig:
    """A configured printer by name, or an ad-hoc spec; checked before anything is queued."""
    known = _configured_printers()
    if dpi is not None:
        for configured in known:
            if configured.name == spec and configured.dpi != dpi:
                raise ValidationError(f"Printer {spec} is set up for {configured.dpi} dpi; --dpi is for ad-hoc "
                                      f"printers (zpl://...).", hint=f"Change it with 'printer remove {spec}' "
                                                                     f"and 'printer add'.")
    printer = parse_printer_spec(spec, known, dpi=dpi or 203)
    if len(printer.name) > MAX_PRINTER_NAME:
        raise ValidationError(f"The printer '{_shorten(printer.name, 60)}' is too long a name to keep with the "
                              f"job ({MAX_PRINTER_NAME} characters at most).",
                              hint="Add it with 'printer add NAME ...' and print to NAME.")
    if printer.kind == "system":
        raise ValidationError(f"{printer.name} is a system printer: the command line cannot print to it.",
                              hint="Print from the Labels page of the application, or use a ZPL or PDF printer.")
    if printer.speaks_zpl:
        transport_for(printer)  # a malformed address or queue name is refused now, not after queueing
    return printer


def _job_json(job: JobInfo) -> dict[str, Any]:
    return {"id": job.id, "status": job.status, "created_at": job.created_at, "created_by": job.created_by,
            "workstation": job.workstation, "source": job.source, "template": job.template_name,
            "printer": job.printer_name, "is_reprint": job.is_reprint, "reason": job.reason,
            "message": job.message, "printed_at": job.printed_at, "labels": job.total, "printed": job.sent,
            "items": [{"position": i.position, "sample": i.sample_code, "status": i.status, "sent_at": i.sent_at}
                      for i in job.items]}


_OUTCOME = {"sent": "printed", "queued": "not printed",
            "failed": "sent, not confirmed: it may have printed (look at the printer, then 'labels resolve')",
            "skipped": "skipped (job cancelled)"}


def _print_jobs(ctx: _Context, actor: Actor, jobs: Sequence[JobInfo], printer: PrinterConfig | None, *,
                start_position: int = 1, dpi: int | None = None) -> int:
    """Print ``jobs`` in order on ``printer`` (None: each job's own); stop at the first that does not complete
    (the later ones would break the placement order, and the printer has a problem anyway).

    The outcome of each label on stdout; the printer's message and the command to retry on stderr;
    exit 1 unless everything printed.
    """
    labelling = ctx.services.labelling
    if printer is not None and printer.kind == "pdf-file" and len(jobs) > 1:
        # Each job replaces the PDF file: printing them all would leave only the last job's labels in it.
        numbers = ", ".join(str(j.id) for j in jobs)
        raise ValidationError(
            f"The print rules put these labels into {len(jobs)} jobs ({numbers}) with different templates, and "
            f"each job replaces {printer.address}.",
            hint=f"Nothing was printed; the jobs are queued. Print each to its own file with '{PROG} labels "
                 f"print-job JOB --printer pdf:///PATH', or next time choose one --template.")
    lines: list[str] = []
    printed = 0
    failed_at: int | None = None
    error: BiobankError | None = None
    for index, job in enumerate(jobs):
        pending = {i.position for i in job.items if i.status == "queued"}
        try:
            target = printer or _job_printer(job, dpi)
            result = labelling.print_job(actor, job.id, printer=target, start_position=start_position)
        except KeyboardInterrupt:
            print(f"\nInterrupted while printing job {job.id}: labels already sent may print. Look at the printer, "
                  f"then see '{PROG} labels queue' and '{PROG} labels print-job {job.id}'.", file=sys.stderr)
            return 130
        except BiobankError as exc:
            failed_at, error = index, exc
            break
        printed += result.sent_now
        lines.append(f"Job {job.id} on {target.name} ({job.template_name}):")
        lines += [f"  {i.position:>3}  {i.sample_code}  {_OUTCOME.get(i.status, i.status)}"
                  for i in result.job.items if i.position in pending]
        if result.error is not None:
            failed_at, error = index, _naming(target, result.error)
            break
        start_position = 1  # the start position is where the first job begins on its sheet
    if error is None:
        lines.append(f"{printed} label(s) printed.")
    final = [labelling.job(j.id) for j in jobs]
    _emit(ctx, {"complete": error is None, "printed": printed, "error": None if error is None else str(error),
                "jobs": [_job_json(j) for j in final]}, lines)
    if error is None or failed_at is None:
        return 0
    _fail(error)
    waiting = [j for j in final[failed_at:] if j.status in _UNFINISHED_JOBS]
    if waiting:
        states = ", ".join(f"job {j.id} ({j.status}, {j.total - j.sent} of {j.total} label(s) not printed)"
                           for j in waiting)
        retry = "; ".join(f"{PROG} labels print-job {j.id}" for j in waiting)
        print(f"Kept in the print queue: {states}. When the printer is ready: {retry}", file=sys.stderr)
    return 1


def _naming(printer: PrinterConfig, error: BiobankError) -> BiobankError:
    """The printer's error with the printer's name in it (the transport knows only its address)."""
    if printer.name in error.message:
        return error
    return PrinterError(f"{printer.name}: {error.message}", hint=error.hint)


def _job_printer(job: JobInfo, dpi: int | None) -> PrinterConfig:
    if not job.printer_name:
        raise ValidationError(f"Print job {job.id} has no printer: none was given and none is configured here.",
                              hint=f"Print it with '{PROG} labels print-job {job.id} --printer SPEC'.")
    try:
        return _resolve_printer(job.printer_name, dpi)
    except NotFoundError as exc:
        raise NotFoundError(exc.message, hint=f"Print it elsewhere with '{PROG} labels print-job {job.id} "
                                              f"--printer SPEC'.") from None


def _labels_print(ctx: _Context) -> int:
    args = ctx.args
    ctx.services.system.ensure_current()
    actor = _person(ctx, Permission.PRINT_LABELS)
    printer = _resolve_printer(args.printer, args.dpi)
    jobs = ctx.services.labelling.enqueue(actor, args.samples, source="cli", template_name=args.template,
                                          printer_name=printer.name)
    return _print_jobs(ctx, actor, jobs, printer, start_position=args.start_position)


def _labels_print_job(ctx: _Context) -> int:
    args = ctx.args
    ctx.services.system.ensure_current()
    actor = _person(ctx, Permission.PRINT_LABELS)
    job = ctx.services.labelling.job(args.job)
    doubtful = [i.position for i in job.items if i.status == "failed"]
    if not any(i.status == "queued" for i in job.items):
        if doubtful:
            positions = " ".join(map(str, doubtful))
            raise ValidationError(
                f"Print job {job.id}: label(s) {positions} may or may not have printed.",
                hint=f"Look at the printer, then '{PROG} labels resolve {job.id} --printed {positions}' or "
                     f"'{PROG} labels resolve {job.id} --not-printed {positions}'.")
        raise ValidationError(f"Print job {job.id} is {job.status}; there is nothing left to print.",
                              hint=f"Print labels again with '{PROG} labels reprint --reason TEXT --sample ID...'.")
    printer = _resolve_printer(args.printer, args.dpi) if args.printer else None
    return _print_jobs(ctx, actor, [job], printer, start_position=args.start_position, dpi=args.dpi)


def _labels_resolve(ctx: _Context) -> int:
    args = ctx.args
    ctx.services.system.ensure_current()
    actor = _person(ctx, Permission.PRINT_LABELS)
    job = ctx.services.labelling.resolve_doubtful(actor, args.job, args.positions, printed=args.printed)
    left = sum(1 for i in job.items if i.status == "queued")
    _emit(ctx, _job_json(job), [f"Job {job.id} is {job.status}; {left} label(s) waiting to print."
                                + (f" Print them with '{PROG} labels print-job {job.id}'." if left else "")])
    return 0


def _labels_reprint(ctx: _Context) -> int:
    args = ctx.args
    if not args.reason.strip():
        raise ValidationError("A reprint needs a reason (e.g. 'label smudged', 'frosted off').")
    ctx.services.system.ensure_current()
    actor = _person(ctx, Permission.REPRINT_LABELS)
    printer = _resolve_printer(args.printer, args.dpi) if args.printer else None
    labelling = ctx.services.labelling
    jobs = labelling.reprint(actor, args.samples, args.reason, template_name=args.template,
                             printer_name=printer.name if printer else None)
    if printer is None and any(not j.printer_name for j in jobs):
        numbers = ", ".join(str(j.id) for j in jobs)
        _emit(ctx, {"complete": False, "printed": 0, "error": None, "jobs": [_job_json(j) for j in jobs]},
              [f"Reprint queued as job(s) {numbers}; no printer is set up on this workstation.",
               f"Print with '{PROG} labels print-job JOB --printer SPEC'."])
        return 0
    return _print_jobs(ctx, actor, jobs, printer, dpi=args.dpi)


def _labels_queue(ctx: _Context) -> int:
    ctx.services.system.ensure_current()
    _actor(ctx, Permission.VIEW_SAMPLES)
    labelling = ctx.services.labelling
    if ctx.args.all_jobs:
        jobs = labelling.jobs()
    else:
        jobs = labelling.jobs(workstation=ctx.services.workstation, statuses=_UNFINISHED_JOBS)
    if not jobs:
        where = "in the database" if ctx.args.all_jobs else f"waiting on this workstation ({ctx.services.workstation})"
        _emit(ctx, [], [f"No print jobs {where}."])
        return 0
    rows = [("JOB", "CREATED (UTC)", "BY", "WORKSTATION", "SOURCE", "TEMPLATE", "PRINTER", "STATUS", "PRINTED")]
    messages: list[str] = []
    for j in reversed(jobs):  # oldest first: the order they should print in
        rows.append((str(j.id), f"{j.created_at:%Y-%m-%d %H:%M}", j.created_by, j.workstation,
                     j.source + (" (reprint)" if j.is_reprint else ""), j.template_name, j.printer_name or "-",
                     j.status, f"{j.sent} of {j.total}"))
        if j.message and j.status != "printed":
            messages.append(f"Job {j.id}: {j.message}")
    lines = _table(rows) + messages
    if not ctx.args.all_jobs:
        lines.append(f"Print a job's missing labels with '{PROG} labels print-job JOB [--printer SPEC]'.")
    _emit(ctx, [_job_json(j) for j in reversed(jobs)], lines)
    return 0


# -- printer (this workstation's settings) ----------------------------------------------------------------


def _printer_json(printer: PrinterConfig) -> dict[str, Any]:
    return printer.to_dict()


def _printer_list(args: argparse.Namespace) -> int:
    printers = _configured_printers()
    if not printers:
        _emit(args, [], ["No printers on this workstation.",
                         f"Add one with '{PROG} printer add NAME --kind zpl-tcp --address HOST:9100'."])
        return 0
    rows = [("NAME", "KIND", "ADDRESS", "DPI", "OFFSET X/Y (MM)", "DARKNESS")]
    rows += [(p.name, p.kind, p.address, str(p.dpi), f"{p.offset_x_mm:g} / {p.offset_y_mm:g}",
              "printer's" if p.darkness is None else str(p.darkness)) for p in printers]
    _emit(args, [_printer_json(p) for p in printers], _table(rows))
    return 0


def _printer_add(args: argparse.Namespace) -> int:
    settings = Settings.load()
    existing = [PrinterConfig.from_dict(p) for p in settings.printers]
    # The rules (and words) Settings → Printers uses too: name, address, resolution, a name not yet taken.
    printer = checked_printer(args.name, args.kind, args.address, dpi=args.dpi, offset_x_mm=args.offset_x,
                              offset_y_mm=args.offset_y, darkness=args.darkness, existing=existing)
    name = printer.name
    settings.printers = [*settings.printers, printer.to_dict()]
    settings.save()
    _emit(args, _printer_json(printer),
          [f"Printer {name} added ({printer.kind} {printer.address}, {printer.dpi} dpi).",
           f"Check it with '{PROG} printer status {name}'." if printer.kind == "zpl-tcp" else
           f"Print to it with '{PROG} labels print --printer {name} ...'."])
    return 0


def _printer_remove(args: argparse.Namespace) -> int:
    settings = Settings.load()
    kept = [p for p in settings.printers if str(p.get("name")) != args.name]
    if len(kept) == len(settings.printers):
        names = ", ".join(str(p.get("name")) for p in settings.printers) or "none"
        raise NotFoundError(f"This workstation has no printer called {args.name} (printers: {names}).")
    settings.printers = kept
    settings.save()
    _emit(args, {"removed": args.name}, [f"Printer {args.name} removed from this workstation."])
    return 0


def _printer_status(args: argparse.Namespace) -> int:
    printer = parse_printer_spec(args.name, _configured_printers())
    report: dict[str, Any] = {"printer": printer.name, "kind": printer.kind, "address": printer.address}
    if not printer.speaks_zpl:
        how = "writes PDF files" if printer.kind == "pdf-file" else "prints through the operating system"
        _emit(args, report | {"ready": None, "problems": []},
              [f"Printer {printer.name} {how} ({printer.address}): it has no status to ask."])
        return 0
    transport = transport_for(printer)
    try:
        status = transport.query_status()
    except PrinterError as exc:
        raise _naming(printer, exc) from None
    if status is None:
        _emit(args, report | {"ready": None, "problems": []},
              [f"Printer {printer.name} ({transport.description}) cannot report its status: the labels go to "
               f"{'a file' if printer.kind == 'zpl-file' else 'a print queue'}, which accepts them either way."])
        return 0
    report |= {"ready": status.ready, "answered": status.answered, "problems": status.problems,
               "paper_out": status.paper_out, "paused": status.paused, "head_open": status.head_open,
               "ribbon_out": status.ribbon_out, "buffer_full": status.buffer_full,
               "formats_in_buffer": status.formats_in_buffer, "labels_remaining": status.labels_remaining}
    if status.ready:
        lines = [f"Printer {printer.name} ({transport.description}) is ready."]
        if status.formats_in_buffer or status.labels_remaining:
            lines.append(f"It holds {status.formats_in_buffer} label format(s) and has {status.labels_remaining} "
                         f"label(s) of a batch still to print.")
    else:
        lines = [f"Printer {printer.name} ({transport.description}) is not ready:"]
        lines += [f"  - {problem}" for problem in status.problems]
        lines.append("Nothing can be printed on it until that is fixed.")
    _emit(args, report, lines)
    return 0 if status.ready else 1
