"""Errors a technician can act on.

Every error raised by the core for a user's mistake or an outside fault derives from
:class:`BiobankError`. Its ``str()`` is the message shown to the technician: it says what happened
and what to do, in the words of the bench, never a driver's or a library's jargon. The GUI shows
it as it is; the CLI prints it on stderr and exits with code 1.
"""

from __future__ import annotations


class BiobankError(Exception):
    """Base of every error that is meant to be shown to the user as it is.

    ``hint`` says what to do in words every front end may show (never a command-line flag or a button's name);
    ``reason``, when set, is a stable key a front end uses to say the remedy in its own terms ("tick Move from
    other boxes", "add --move": see ui/hints.py and cli/context.py)."""

    def __init__(self, message: str, *, hint: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.reason = reason

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


class ValidationError(BiobankError):
    """The input is wrong (a malformed ID, a negative volume, a missing field)."""


class NotFoundError(BiobankError):
    """What was asked for does not exist (an unknown barcode, user, template)."""


class ConflictError(BiobankError):
    """The change collides with the state of the database, often because another workstation got there first."""


class PermissionDeniedError(BiobankError):
    """The logged-in user's role does not allow this action."""


class AuthenticationError(BiobankError):
    """Wrong user name or password, a locked or deactivated account."""


class DatabaseUnavailableError(BiobankError):
    """The database cannot be reached, opened or used (server down, wrong password, locked or corrupt file)."""


class SchemaVersionError(BiobankError):
    """The database schema is not the one this version of the application works with."""


class OperationCancelledError(BiobankError):
    """The user cancelled a long operation; nothing was changed."""

    def __init__(self, message: str = "Cancelled: nothing was changed.") -> None:
        super().__init__(message)


class PrinterError(BiobankError):
    """A printer refused, did not answer or dropped the connection."""


class AuditTamperedError(BiobankError):
    """The audit trail in the database was changed behind the application's back; nothing more is written to it."""


class DatabaseIdentityError(DatabaseUnavailableError):
    """The configured database is missing, empty, or another database than the one this workstation used.

    ``backups`` lists the newest backup files found (newest first), so the message can say where they are.
    Never answered by creating a new database: the user switches database or quits.
    """

    def __init__(self, message: str, *, hint: str | None = None, backups: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint=hint)
        self.backups = backups


class DatabaseReadOnlyError(DatabaseUnavailableError):
    """The database can be read but not written (read-only file, folder or disk); nothing was saved.

    ``why``: the reason alone, short enough for a status bar ("the disk ... is mounted read-only")."""

    def __init__(self, message: str, *, hint: str | None = None, why: str = "") -> None:
        super().__init__(message, hint=hint)
        self.why = why


class ConsentStopError(ConflictError):
    """A tube's participant has no valid consent for its study (none recorded, refused or withdrawn): the tube is
    not accessioned as available. Accept it into quarantine with a reason, or reject it."""
