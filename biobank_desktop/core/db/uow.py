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
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from biobank_desktop.core.db.engine import Database, translate_error
from biobank_desktop.core.db.models import AuditEvent, AuditHead, User
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.audit import GENESIS_HASH, AuditRecord, chain_hash, to_jsonable
from biobank_desktop.core.domain.changes import Changes
from biobank_desktop.core.domain.errors import (
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


def require(actor: Actor, permission: Permission, role: Role | None = None) -> None:
    """Raise PermissionDeniedError unless the (current) role allows ``permission``."""
    effective = role or actor.role
    if not allows(effective, permission):
        raise PermissionDeniedError(
            f"{actor.display_name} ({effective.label}) may not {permission.value.replace('_', ' ')}.",
            hint="Ask a supervisor or an administrator.",
        )


class UnitOfWork:
    """One transaction; see the module docstring. Not re-entrant, not shared between threads."""

    def __init__(self, db: Database, actor: Actor, permission: Permission | None = None) -> None:
        self.db = db
        self.actor = actor
        self.permission = permission
        self._events: list[_PendingEvent] = []
        self._session: Session | None = None
        self._committed = False
        self._last_seq = 0
        self.current_role: Role = actor.role  # re-read from the database on entry

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
        if self.actor.is_system:
            return
        user = self.session.get(User, self.actor.user_id)
        if user is None or not user.active:
            raise PermissionDeniedError(
                f"The account {self.actor.username} is no longer active.",
                hint="Log out; ask an administrator if you need access.",
            )
        self.current_role = Role(user.role)
        if self.permission is not None:
            require(self.actor, self.permission, self.current_role)

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
              reason: str | None = None) -> None:
        """Record an audit event; it is written, chained, with the commit."""
        self._events.append(_PendingEvent(action, entity_type, str(entity_id), summary,
                                          to_jsonable(before), to_jsonable(after), reason))

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
        return Changes.of(((ev.entity_type, ev.entity_id) for ev in self._events), self._last_seq)

    def _write_audit(self, session: Session) -> None:
        # SELECT ... FOR UPDATE on PostgreSQL; SQLite already holds the write lock (BEGIN IMMEDIATE).
        head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
        if head is None:
            head = AuditHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
            session.add(head)
        seq, prev = head.last_seq, head.last_hash
        now = utcnow()
        for offset, ev in enumerate(self._events):
            seq += 1
            occurred = now + dt.timedelta(microseconds=offset)
            record = AuditRecord(seq, occurred, self.actor.username, self.actor.workstation, ev.action,
                                 ev.entity_type, ev.entity_id, ev.summary, ev.before, ev.after, ev.reason)
            digest = chain_hash(record, prev)
            session.add(AuditEvent.from_record(record, prev, digest))
            prev = digest
        head.last_seq, head.last_hash = seq, prev
        session.flush()
        self._last_seq = seq

    def _conflict(self, exc: IntegrityError) -> ConflictError:
        from biobank_desktop.core.db.conflicts import explain_integrity_error

        return explain_integrity_error(exc)


def _safe_rollback(session: Session) -> None:
    with contextlib.suppress(DBAPIError):  # the connection is gone: the server rolls back on its own
        session.rollback()
