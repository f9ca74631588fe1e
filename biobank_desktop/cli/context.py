"""What every command group shares: who acts (login), output (text or ``--json``), progress, exit codes, errors.

A group module (``cli/db.py``, ``cli/labels.py``…) gets a :class:`Context` in its handlers and uses
:func:`emit` for its result, :func:`acting` / :func:`login` / :func:`person` for the acting user and
:func:`fail` (through the runner in ``cli/__init__.py``) for a refusal. It never prints a traceback: a
:class:`~biobank_desktop.core.domain.errors.BiobankError` raised by a handler becomes the message on stderr
and exit code :data:`EXIT_FAILED`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeAlias

from biobank_desktop.config import Settings
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.uow import require
from biobank_desktop.core.domain.actor import Actor, this_workstation
from biobank_desktop.core.domain.errors import (
    BiobankError,
    PermissionDeniedError,
    PrinterError,
    ValidationError,
)
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.jobs import ProgressFn
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services import Services

ENV_PASSWORD = "BIOBANK_PASSWORD"
PROG = "biobank-desktop"

EXIT_OK = 0
"""Done."""
EXIT_FAILED = 1
"""Refused or invalid input (the message on stderr), a check that found a problem, labels not all printed."""
EXIT_USAGE = 2
"""A usage error (argparse has said why)."""
EXIT_INTERRUPTED = 130
"""Ctrl+C: nothing was changed (a print interrupted part-way says which job to look at)."""

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The ``add_subparsers()`` object a group's ``register`` receives."""


def _common_options() -> argparse.ArgumentParser:
    # The common options are accepted before or after the command; after it they override.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", metavar="URL", default=argparse.SUPPRESS,
                        help="SQLAlchemy URL (postgresql://user@host/db) or path of an SQLite file")
    common.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS,
                        help=f"act as this user (password from ${ENV_PASSWORD} or asked)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output (JSON on stdout)")
    return common


COMMON = _common_options()
"""The parent parser of every command (``parents=[COMMON]``): --database, --user, --json."""


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# -- the context of a command -------------------------------------------------------------------------------


@dataclass
class Context:
    """One command run: its arguments, the database, the services, the login (asked once)."""

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


def workstation_name() -> str:
    """The name in Settings (as the window uses it), else this computer's name."""
    try:
        return Settings.load().workstation_name.strip() or this_workstation()
    except ValidationError:  # a damaged settings file must not stop maintenance commands
        return this_workstation()


def configured_printers() -> list[PrinterConfig]:
    """This workstation's printers, read from its settings each time (``printer add`` may have changed them)."""
    return [PrinterConfig.from_dict(p) for p in Settings.load().printers]




# -- output ---------------------------------------------------------------------------------------------------


#: what to do, in this command line's terms, for the errors whose remedy is a flag (BiobankError.reason)
CLI_HINTS = {
    "already_stored": "Nothing was placed. To move it, add --move.",
    "rack_not_named": "Give the rack's code with --box BOX.",
    "rack_unknown": "Give the code of the box the database knows it as with --box BOX, or register the rack in "
                    "the storage tree.",
    "other_rack": "Leave out --box to read it as the rack it names, or import the right file.",
    "partner_missing": "Give the partner site's code with --partner CODE.",
}


def fail(exc: BiobankError) -> None:
    """A refusal on stderr: the message, then what to do."""
    print(f"Error: {exc.message}", file=sys.stderr)
    hint = CLI_HINTS.get(exc.reason or "", exc.hint)
    if hint:
        print(hint, file=sys.stderr)


def emit(ctx: Context | argparse.Namespace, data: dict[str, Any] | list[Any], lines: Sequence[str]) -> None:
    """The result: ``data`` as JSON on stdout with ``--json``, else ``lines`` of text."""
    if ctx.json:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        for line in lines:
            print(line)


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]




def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"



def with_printer_name(printer: PrinterConfig, error: BiobankError) -> BiobankError:
    """The printer's error with the printer's name in it (the transport knows only its address)."""
    if printer.name in error.message:
        return error
    return PrinterError(f"{printer.name}: {error.message}", hint=error.hint)


def progress_printer(stream: TextIO) -> ProgressFn:
    """A ``ProgressFn`` writing "NN%  text" to ``stream`` (one updating line on a terminal, every 10 % else)."""
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


# -- who acts ---------------------------------------------------------------------------------------------


def read_password(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise ValidationError("No password was given.",
                              hint=f"Type it when asked, or set ${ENV_PASSWORD} for the acting user.") from None


def login(ctx: Context) -> Actor:
    username = ctx.args.user
    if not username:
        raise PermissionDeniedError(
            "This database has user accounts, so this command needs one.",
            hint=f"Give --user NAME (password from ${ENV_PASSWORD} or asked).",
        )
    password = os.environ.get(ENV_PASSWORD)
    if password is None:
        password = read_password(f"Password for {username}: ")
    actor = ctx.services.accounts.authenticate(username, password)
    ctx.login_password = password
    changing_own = (getattr(ctx.args, "changes_own_password", False)
                    and ctx.args.username.strip().lower() == actor.username)
    if actor.must_change_password and not changing_own:
        raise PermissionDeniedError(
            f"{actor.username} has a temporary password that must be changed first.",
            hint=f"Run '{PROG} --user {actor.username} user passwd {actor.username}'.")
    return actor


def acting(ctx: Context, permission: Permission | None) -> Actor:
    """The system while the database has no account (bootstrap) and no --user is given, else the logged-in user."""
    if not ctx.args.user and not ctx.users_exist():
        return Actor.system("cli", ctx.services.workstation)
    actor = login(ctx)
    if permission is not None:
        require(actor, permission)
    return actor


def new_password(ctx: Context, username: str) -> str:
    if ctx.args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise ValidationError("No password on standard input.")
        return password.removesuffix("\r")
    first = read_password(f"New password for {username}: ")
    if read_password("Repeat the new password: ") != first:
        raise ValidationError("The two passwords differ; nothing was changed.")
    return first


def person(ctx: Context, permission: Permission) -> Actor:
    """A logged-in user (never the system): printing is done by a person, and the audit trail says who."""
    if not ctx.args.user:
        raise PermissionDeniedError("Printing labels needs a user account.",
                                    hint=f"Give --user NAME (password from ${ENV_PASSWORD} or asked).")
    actor = login(ctx)
    require(actor, permission)
    return actor

