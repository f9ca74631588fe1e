"""``biobank-desktop``: the same services as the window, from a shell.

Without a command it starts the application window. Commands::

    biobank-desktop [--database URL|FILE] [--user NAME] [--json] COMMAND ...
    biobank-desktop --self-test [--database URL|FILE]   check this installation and this workstation's
                               set-up (see core/services/self_test.py); exit 0 when every check passed

    db upgrade                 bring the schema to this version (an SQLite file is backed up first)
    db check                   schema at head, integrity (SQLite), audit chain; exit 1 on a problem
    db backup FILE             copy an SQLite database while it may be in use (PostgreSQL: use pg_dump)
    db verify-audit [--expect SEQ:HASH | --expect-file F]   recompute the audit hash chain, check anchors
                               recorded outside the database; exit 1 and name the first broken event
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
    labels resolve JOB --printed|--not-printed POSITION...   after looking at the printer
    labels cancel JOB --reason TEXT                   its waiting labels are not printed
    labels release JOB --reason TEXT                  supervisor: free a job whose print stopped (crashed
                                                      workstation); the label(s) it may have printed are flagged
    printer list | printer remove NAME | printer status NAME
    import FILE --kind manifest|inventory [--partner CODE] [--mapping NAME|auto] [--sheet S] [--dry-run]
                [--valid-rows-only] [--errors OUT.xlsx]
    export inventory OUT.xlsx|OUT.csv [--study CODE --sample-type CODE --status S --site CODE --text T ...]
    export template OUT.xlsx [--partner CODE] | export audit OUT.xlsx [--from DAY --to DAY]
    export full OUT.xlsx|FOLDER | export shipment CODE OUT.xlsx
    printer add NAME --kind zpl-tcp|zpl-file|cups-raw|pdf-file --address ADDR [--dpi 203]
                [--offset-x MM] [--offset-y MM] [--darkness N]
    storage locate ID          freezer / rack / box / position, in the box's own convention
    storage box BOX            the box as its grid          storage tree    the tree with fill levels
    storage place ID BOX [POSITION] [--move]            (no POSITION: the next free one in fill order)
    storage check-out ID --reason R | storage check-in ID
    storage find-space N [--study S] [--type T] [--within CODE]
    storage import-rackscan FILE [--box BOX] [--dry-run] [--resolve POS=CODE ...]
    storage evacuate FREEZER [--dry-run] [--reason R]
    storage export-box BOX... OUT.pdf|OUT.xlsx | storage capacity [OUT.xlsx|OUT.pdf] [--threshold 0.9]
    aliquot PARENT --count N [--volume V] [--type T] [--dead-volume V] [--box BOX] [--consume]
                               (= aliquot one PARENT …; no --volume: split evenly)
    aliquot batch FILE_OF_PARENT_IDS --protocol NAME [--box BOX] [--dry-run] | aliquot protocols [--study S]
    aliquot protocol-add STUDY NAME "6xPL1:0.5mL,2xBUF:0.25mL" [--parent-type T] [--dead-volume V]
    aliquot void BATCH --reason R | aliquot batches [--day D] | lineage ID
    reception shipments [--open|--status S] [--partner CODE]    reception board SHIPMENT
    reception new --partner CODE [--courier C --tracking T --sender S]   (a shipment without manifest)
    reception arrival SHIPMENT [--transport ambient|cold|dry_ice|ln2] [--dry-ice yes|no|na]
                [--temperature C] [--packaging intact|damaged]
    reception receive SHIPMENT CODE... [--condition C] [--comment T] [--label] [--store]
    reception reject|quarantine SHIPMENT CODE --reason R | reception label SHIPMENT
    reception store SHIPMENT [--within CODE] | reception attach SHIPMENT FILE
    reception close SHIPMENT [--reason R] | reception report SHIPMENT OUT.pdf|OUT.xlsx
    study list | study prefix STUDY PREFIX|--none --reason R   (supervisor: the study's own sample ID prefix)

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
* ``labels print``, ``labels print-job``, ``labels reprint``, ``labels resolve``, ``labels cancel`` and
  ``labels release`` (a supervisor) always need ``--user NAME`` (a person
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

Adding a command group (storage, exchange, reception, aliquot…): write ``cli/<group>.py`` with a
``register(subparsers: Subparsers) -> None`` that adds the group's parser and sub-commands, each with
``parents=[COMMON]`` and ``set_defaults(handler=...)``; a handler takes a
:class:`~biobank_desktop.cli.context.Context` and returns an exit code. Then add the module to
``_GROUPS`` below (one line). Set ``uses_database=False`` on a command that only touches this
workstation's settings (its handler then gets the ``argparse.Namespace``), and ``creates_database=True``
on one that may create a new SQLite file. Shared pieces (login, ``--json`` output, progress, exit codes,
error messages) are in :mod:`biobank_desktop.cli.context`; the work itself is a core service or flow
(the command only formats), so the window and the command line behave alike.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from biobank_desktop.cli import aliquot as aliquot_commands
from biobank_desktop.cli import db as db_commands
from biobank_desktop.cli import demo as demo_commands
from biobank_desktop.cli import exchange as exchange_commands
from biobank_desktop.cli import labels as label_commands
from biobank_desktop.cli import printers as printer_commands
from biobank_desktop.cli import reception as reception_commands
from biobank_desktop.cli import storage as storage_commands
from biobank_desktop.cli import studies as study_commands
from biobank_desktop.cli import users as user_commands
from biobank_desktop.cli.context import (
    COMMON,
    ENV_PASSWORD,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PROG,
    Context,
    configured_printers,
    fail,
    shorten,
    workstation_name,
)
from biobank_desktop.config import ENV_DATABASE_URL, resolve_database_url
from biobank_desktop.core.db.engine import Database, password_in_url_warning, sqlite_url, translate_error
from biobank_desktop.core.domain.errors import (
    BiobankError,
    DatabaseUnavailableError,
    NotFoundError,
    ValidationError,
)
from biobank_desktop.core.services import build_services

__all__ = ["ENV_PASSWORD", "PROG", "build_parser", "entry_point", "run"]

# The command groups, in the order ``--help`` lists them. A new group adds its module here.
_GROUPS = (db_commands, demo_commands, user_commands, label_commands, printer_commands, exchange_commands,
           storage_commands, aliquot_commands, reception_commands, study_commands)


# -- the parser -------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, parents=[COMMON],
        description="Biobank Desktop. Without a command, the application window starts.",
        epilog=f"The database: --database, else ${ENV_DATABASE_URL}, else Settings, else the default SQLite file.",
    )
    # Not the common options: their action objects are shared with every command.
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation (a temporary database, labels, a workbook, the window) and "
                             "this workstation's settings and database; exit 0 when every check passed")
    parser.set_defaults(handler=None, uses_database=True, creates_database=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in _GROUPS:
        group.register(commands)
    return parser


# -- running ----------------------------------------------------------------------------------------------


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (without the program name); returns the exit code.

    Never raises (but SystemExit from a handler): a refusal, a fault of the database, the disk or the
    input is a message on stderr and exit 1 (2 for the command line itself, 130 for Ctrl+C); a closed
    standard output (``| head``) ends quietly. Anything else is a bug, said as such on stderr
    (``BIOBANK_DEBUG=1`` shows the traceback).
    """
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(words)
    except KeyboardInterrupt:
        print("\nInterrupted: nothing was changed.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        quiet_stdout()
        return EXIT_FAILED
    except Exception as exc:
        if os.environ.get("BIOBANK_DEBUG"):
            raise
        print(f"Error: an unexpected fault ({exc.__class__.__name__}: {shorten(str(exc), 300)}).\n"
              f"{BUG_NOTE}", file=sys.stderr)
        return EXIT_FAILED


BUG_NOTE = ("This is a bug in Biobank Desktop: please report it with the command you ran "
            "(BIOBANK_DEBUG=1 shows the details).")


def quiet_stdout() -> None:
    """Standard output was closed by its reader (``| head``): send what is left to nowhere, so that
    flushing it at exit does not complain."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _run(words: list[str]) -> int:
    refusal = unusable_argument(words)
    if refusal is not None:
        print(f"{PROG}: error: {refusal}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    words = aliquot_commands.with_default_action(words)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # --help (0) or a usage error (2): argparse has printed why
        return int(exc.code or 0)
    for name, default in (("database", None), ("user", None), ("json", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    if getattr(args, "self_test", False):
        if args.handler is not None:
            print(f"{PROG}: error: --self-test takes no command", file=sys.stderr)
            return EXIT_USAGE
        return _self_test(args)
    if args.handler is None:
        return _start_gui(args)
    db: Database | None = None
    try:
        if not args.uses_database:  # this workstation's own settings (printers)
            local: Callable[[argparse.Namespace], int] = args.handler
            return local(args)
        url = _database_url(args.database)
        warning = password_in_url_warning(args.database or "")
        if warning is not None:
            print(warning, file=sys.stderr)
        _refuse_missing_file(url, creates=args.creates_database)
        db = Database(url)
        services = build_services(db, workstation_name(), printers=configured_printers)
        ctx = Context(args, url, db, services)
        handler: Callable[[Context], int] = args.handler
        return handler(ctx)
    except BiobankError as exc:
        fail(exc)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nInterrupted: nothing was changed.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # a closed standard output: see run()
    except Exception as exc:
        translated = _translate(exc, db)
        if translated is None:
            raise
        fail(translated)
        return EXIT_FAILED
    finally:
        if db is not None:
            with contextlib.suppress(Exception):  # a connection that is already gone
                db.dispose()


def entry_point() -> None:
    """The ``biobank-desktop`` console script."""
    code = run()
    try:
        sys.stdout.flush()  # what is still buffered goes now, where a closed pipe can be handled
    except BrokenPipeError:
        quiet_stdout()
        code = code or EXIT_FAILED
    sys.exit(code)


def unusable_argument(words: Sequence[str]) -> str | None:
    """Why an argument cannot be used as text, or None. Arguments come from the operating system as
    bytes: bytes that are not UTF-8 (or a NUL) would fail deep inside the database or the output."""
    for index, word in enumerate(words):
        if "\x00" in word:
            problem = "holds a NUL character"
        elif any("\udc80" <= ch <= "\udcff" for ch in word):
            problem = "holds bytes that are not UTF-8 text"
        elif any("\ud800" <= ch <= "\udfff" for ch in word):
            problem = "is not valid text"
        else:
            continue
        shown = shorten(word.encode("utf-8", "surrogateescape" if problem.endswith("UTF-8 text") else "replace")
                        .decode("ascii", "backslashreplace"), 60)
        after = f" (after {shorten(words[index - 1], 40)})" if index and words[index - 1].startswith("-") else ""
        return (f"argument {index + 1}{after} {problem}: '{shown}'. Type it again in plain text "
                "(check the terminal's character encoding is UTF-8).")
    return None


def _start_gui(args: argparse.Namespace) -> int:
    if args.database:  # the window resolves the database the same way, starting with this variable
        os.environ[ENV_DATABASE_URL] = _database_url(args.database)
    from biobank_desktop.app import main

    return main([])


def _self_test(args: argparse.Namespace) -> int:
    from biobank_desktop import __version__
    from biobank_desktop.core.services.self_test import Check, SelfTestContext, run_self_test

    def window(ctx: SelfTestContext) -> str:
        from biobank_desktop.app import self_test_window  # Qt: through the GUI's door (a missing Qt is a FAILED line)

        return self_test_window(ctx)

    url = _database_url(args.database) if args.database else None
    return run_self_test(sys.stdout, sys.stderr, window=Check("main window", window, needs=("demo data",)),
                         database_url=url, version=__version__)


def _translate(exc: Exception, db: Database | None) -> BiobankError | None:
    """A driver fault that means "cannot use the database", said plainly; None for anything else (a bug)."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    if isinstance(exc, ArgumentError):
        return ValidationError(f"That is not a database URL: {exc}.",
                               hint="Give e.g. postgresql://user@host/biobank or the path of an SQLite file.")
    if isinstance(exc, DBAPIError) and db is not None:
        translated = translate_error(exc, db.info)
        return translated or DatabaseUnavailableError(f"The database refused the operation: {exc.orig}")
    if isinstance(exc, UnicodeError):
        return ValidationError(f"Some text is not valid UTF-8 ({getattr(exc, 'reason', exc)}).",
                               hint="Check the arguments, the environment variables and standard input.")
    if isinstance(exc, OSError):  # the disk, a path the file system refuses (too long, not allowed)
        what = f" ({shorten(str(exc.filename), 80)})" if exc.filename else ""
        return ValidationError(f"The system refused a file operation{what}: {exc.strerror or exc}.",
                               hint="Check the path (its length, the folder, your rights) and the free disk space.")
    return None


def _database_url(explicit: str | None) -> str:
    if explicit and "://" not in explicit:
        return sqlite_url(Path(explicit).expanduser().resolve())
    return resolve_database_url(explicit)


def _refuse_missing_file(url: str, *, creates: bool) -> None:
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    try:
        exists = Path(parsed.database).exists()
    except OSError as exc:  # e.g. a path longer than the file system allows
        raise ValidationError(f"The database path {shorten(parsed.database, 80)} cannot be used "
                              f"({exc.strerror or exc}).", hint="Check --database.") from None
    if not creates and not exists:
        raise NotFoundError(f"There is no database file {parsed.database}.",
                            hint=f"Check --database, or create it with '{PROG} db upgrade'.")
