"""The unit of work: one transaction per user action, with its audit events written inside it.

Use it as::

    with UnitOfWork(db, actor, Permission.RECORD_SAMPLES) as uow:
        ... change things through uow.session ...
        uow.audit("sample.update", "sample", code, before=..., after=...)
        return uow.commit()  # the frozen Changes record (entity types, ids, audit head)

Leaving the block without :meth:`commit` rolls everything back. :meth:`commit` appends the
collected audit events to the hash chain under a lock on the single ``audit_head`` row, so audit
writers from several workstations are serialised and the chain stays linear.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from biobank_desktop.core.db.engine import Database, translate_error
from biobank_desktop.core.db.models import AuditEvent, AuditHead, User
from biobank_desktop.core.db.models.base import Base
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.audit import GENESIS_HASH, AuditRecord, chain_hash, to_jsonable
from biobank_desktop.core.domain.changes import SAMPLE, Changes
from biobank_desktop.core.domain.errors import (
    AuditTamperedError,
    ConflictError,
    DatabaseUnavailableError,
    PermissionDeniedError,
)
from biobank_desktop.core.domain.roles import Permission, Role, allows


@dataclass
class _PendingEvent:
    action: str
    entity_type: str
    entity_id: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    samples: tuple[str, ...] = ()


def require(actor: Actor, permission: Permission, role: Role | None = None) -> None:
    """Raise PermissionDeniedError unless the (current) role allows ``permission``."""
    effective = role or actor.role
    if not allows(effective, permission):
        raise PermissionDeniedError(
            f"{actor.display_name} ({effective.label}) may not {permission.value.replace('_', ' ')}.",
            hint="Ask a supervisor or an administrator.",
        )


def check_actor(session: Session, actor: Actor, permission: Permission | None = None, *,
                password_change: bool = False) -> tuple[str, Role]:
    """Who is acting, decided from the database: the account's user name and current role.

    For reads as for writes. Refused: the system actor (``Actor.system``) once the database has user
    accounts (it exists only to set up an empty database); an account that is gone or deactivated;
    an account whose temporary password must be changed first (unless ``password_change``); and a
    role that does not allow ``permission``. The name and role the caller's Actor claims are ignored.
    """
    if actor.is_system:
        if session.execute(select(User.id).limit(1)).first() is not None:
            raise PermissionDeniedError(
                "This database has user accounts, so only a logged-in account may do this.",
                hint="Log in with your account (on the command line: --user NAME).")
        return actor.username, actor.role
    user = session.get(User, actor.user_id)
    if user is None or not user.active:
        raise PermissionDeniedError(
            f"The account {user.username if user is not None else actor.username} is no longer active.",
            hint="Log out; ask an administrator if you need access.",
        )
    if user.must_change_password and not password_change:
        raise PermissionDeniedError(f"{user.username} has a temporary password that must be changed first.",
                                    hint="Change your password, then try again.")
    role = Role(user.role)
    if permission is not None:
        require(Actor(user.id, user.username, user.display_name, role, actor.workstation), permission, role)
    return user.username, role


class UnitOfWork:
    """One transaction; see the module docstring. Not re-entrant, not shared between threads.

    Who acts is decided from the database, not from the :class:`Actor` handed in (see :func:`check_actor`).
    ``password_change`` admits an account whose temporary password must be changed (for that change only).
    ``bookkeeping`` is for the core's own records made without a logged-in user (a login attempt, a schema
    upgrade, the first account of an empty database): the actor is then recorded as given, unchecked.
    Services use it for exactly those; a front end never does.
    """

    def __init__(self, db: Database, actor: Actor, permission: Permission | None = None, *,
                 password_change: bool = False, bookkeeping: bool = False) -> None:
        self.db = db
        self.actor = actor
        self.permission = permission
        self._password_change = password_change
        self._bookkeeping = bookkeeping
        self._events: list[_PendingEvent] = []
        self._session: Session | None = None
        self._committed = False
        self._last_seq = 0
        self.current_role: Role = actor.role  # re-read from the database on entry
        self.username: str = actor.username  # the name the audit records: the database's, re-read on entry

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its with-block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        try:
            with self.db.connect_checked():
                self._session = self.db.new_session(write=True)
                self._check_actor()
        except BaseException:
            if self._session is not None:
                self._session.close()
                self._session = None
            raise
        return self

    def _check_actor(self) -> None:
        if self._bookkeeping:
            return
        self.username, self.current_role = check_actor(self.session, self.actor, self.permission,
                                                       password_change=self._password_change)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session = self._session
        self._session = None
        if session is None:
            return
        try:
            if not self._committed:
                session.rollback()
        except DBAPIError:
            pass  # the connection is gone: the server rolls back on its own
        finally:
            session.close()
        # A driver fault raised in the middle of the service's work (the server went away, the disk
        # filled up, a constraint fired on an autoflush) becomes the technician's message here.
        if isinstance(exc, IntegrityError):
            raise self._conflict(exc) from exc
        if isinstance(exc, DBAPIError):
            translated = translate_error(exc, self.db.info)
            if translated is not None:
                raise translated from exc

    def audit(self, action: str, entity_type: str, entity_id: str | int, *, summary: str,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
              reason: str | None = None, samples: Iterable[str] = ()) -> None:
        """Record an audit event; it is written, chained, with the commit.

        ``samples``: the sample codes an event about something else concerns (a print job's samples); they
        are indexed in ``audit_event_samples`` so the samples' histories and the search by ID find it."""
        self._events.append(pending_event(action, entity_type, entity_id, summary=summary, before=before,
                                          after=after, reason=reason, samples=samples))

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Work that may be taken back on its own, inside this transaction: when the block raises, its writes
        (a SAVEPOINT rolled back) and the audit events it recorded are undone, and the exception goes on; the
        work before and after it stays. For a batch that keeps what succeeded (each group of tubes stored
        whole or not at all)."""
        mark = len(self._events)
        nested = self.session.begin_nested()
        try:
            yield
            if nested.is_active:
                with self.db.connect_checked():
                    nested.commit()
        except BaseException:
            if nested.is_active:
                nested.rollback()
            del self._events[mark:]
            raise

    def flush(self) -> None:
        """Send pending changes now, so a constraint violation surfaces as a clear message here."""
        try:
            with self.db.connect_checked():
                self.session.flush()
        except IntegrityError as exc:
            raise self._conflict(exc) from exc

    def commit(self) -> Changes:
        """Write the audit events, then commit. Raises a BiobankError on any failure (nothing is kept)."""
        if not self._events:
            raise RuntimeError("a unit of work that changes data must record at least one audit event")
        session = self.session
        try:
            with self.db.connect_checked():
                session.flush()
                self._write_audit(session)
            # An SQLite file deleted or replaced under us would take this commit into a file nobody will
            # open again: refuse it (one stat call).
            self.db.check_file()
            try:
                session.commit()
            except OperationalError as exc:
                if self.db.backend == "sqlite":
                    raise
                # The COMMIT was sent; whether the server applied it before the connection broke is unknown.
                raise DatabaseUnavailableError(
                    f"The connection to {self.db.info.description} was lost while saving: the change may or may not "
                    "have been saved.", hint="When the connection is back, reload and check before doing it again.",
                ) from exc
        except IntegrityError as exc:
            _safe_rollback(session)
            raise self._conflict(exc) from exc
        except StaleDataError as exc:
            _safe_rollback(session)
            raise ConflictError(
                "Another workstation changed this record while you were working on it. Nothing was saved.",
                hint="Reload it and make your change again.",
            ) from exc
        except DatabaseUnavailableError:
            _safe_rollback(session)
            raise
        self._committed = True
        return self.changes

    @property
    def changes(self) -> Changes:
        """The frozen record of what this unit of work changed (its audit head once committed)."""
        touched = [(ev.entity_type, ev.entity_id) for ev in self._events]
        touched += [(SAMPLE, code) for ev in self._events for code in ev.samples]  # their history moved
        return Changes.of(touched, self._last_seq)

    def _write_audit(self, session: Session) -> None:
        self._last_seq = append_audit_events(session, self.username, self.actor.workstation, self._events)

    def _conflict(self, exc: IntegrityError) -> ConflictError:
        from biobank_desktop.core.db.conflicts import explain_integrity_error

        return explain_integrity_error(exc)


def pending_event(action: str, entity_type: str, entity_id: str | int, *, summary: str,
                  before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                  reason: str | None = None, samples: Iterable[str] = ()) -> _PendingEvent:
    """An audit event for :func:`append_audit_events` (what :meth:`UnitOfWork.audit` records).

    ``samples``: the sample codes an event about something else concerns (a print job's samples); they
    are indexed in ``audit_event_samples`` so the samples' histories and the search by ID find it."""
    own = str(entity_id) if entity_type == SAMPLE else None
    linked = tuple(dict.fromkeys(code for code in samples if code and code != own))
    return _PendingEvent(action, entity_type, str(entity_id), summary, to_jsonable(before), to_jsonable(after),
                         reason, linked)


def append_audit_events(session: Session, username: str, workstation: str, events: Sequence[_PendingEvent]) -> int:
    """Chain ``events`` onto the trail in ``session``'s transaction; the new head's seq.

    Takes the head row's lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite holds the write lock from
    BEGIN IMMEDIATE), so writers from several workstations append one after the other, and refuses a
    trail found tampered (AuditTamperedError). Used by the unit of work and by the schema upgrade,
    whose event belongs in the upgrade's own transaction.
    """
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    _refuse_a_tampered_head(session, head)
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
    seq, prev = head.last_seq, head.last_hash
    now = utcnow()
    rows: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for offset, ev in enumerate(events):
        seq += 1
        occurred = now + dt.timedelta(microseconds=offset)
        record = AuditRecord(seq, occurred, username, workstation, ev.action,
                             ev.entity_type, ev.entity_id, ev.summary, ev.before, ev.after, ev.reason)
        digest = chain_hash(record, prev)
        rows.append(AuditEvent.row_of(record, prev, digest))
        links.extend({"sample_code": code, "seq": seq} for code in ev.samples)
        prev = digest
    head.last_seq, head.last_hash = seq, prev
    session.flush()
    # Core executemany (one statement shape, every row carrying every column): no ORM object per event.
    session.execute(insert(Base.metadata.tables["audit_events"]), rows)
    if links:
        session.execute(insert(Base.metadata.tables["audit_event_samples"]), links)
    return seq


def _refuse_a_tampered_head(session: Session, head: AuditHead | None) -> None:
    """The head must name the newest event, with its hash: anything else was done behind the application's
    back, and writing on would hide it (or fail on a duplicate ``seq`` with a misleading message).

    Two primary-key lookups under the head's lock; the full check is :meth:`AuditService.verify`.
    """
    last_seq = head.last_seq if head is not None else 0
    # One round trip: the head's own event and the first one after it, if any.
    rows = session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq >= last_seq)
                           .order_by(AuditEvent.seq).limit(2)).all()
    after = next((seq for seq, _ in rows if seq > last_seq), None)
    own = next((digest for seq, digest in rows if seq == last_seq), None)
    if head is None and after is not None:
        found = "the audit head row was deleted"
    elif after is not None:
        found = f"event {after} was written after the newest event the audit head records ({last_seq})"
    elif head is not None and last_seq > 0 and own != head.last_hash:
        found = f"the audit head's record of event {last_seq} does not match the event"
    else:
        return
    raise AuditTamperedError(
        f"The audit trail was changed outside Biobank Desktop ({found}). To protect the evidence nothing more "
        "is saved to this database, and nothing was saved now.",
        hint="Tell your administrator: 'biobank-desktop db verify-audit' names what was changed; restore the "
             "database from a backup or have the trail examined before work goes on.")


def _safe_rollback(session: Session) -> None:
    with contextlib.suppress(DBAPIError):  # the connection is gone: the server rolls back on its own
        session.rollback()
