"""Accounts: log in, lockout, and the administrator's user management.

Passwords are hashed with argon2id (memory-hard) and never logged or put into audit events.
After ``MAX_FAILED_ATTEMPTS`` wrong passwords in a row an account is locked for
``LOCKOUT_MINUTES``; an administrator can unlock it at once.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, text

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import User
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from biobank_desktop.core.domain.roles import Permission, Role
from biobank_desktop.core.domain.text import checked_text
from biobank_desktop.core.services.changes import Changes, Result

MAX_FAILED_ATTEMPTS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 8

# argon2id, 64 MiB, 3 passes: about 50–100 ms on a lab workstation; an attacker pays the same per guess.
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown users (same cost: no user-name probing by timing); made on first use."""
    return _HASHER.hash("not-a-real-password")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    locked_until: dt.datetime | None
    failed_attempts: int
    must_change_password: bool
    last_login_at: dt.datetime | None

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.display_name, Role(user.role), user.active, user.locked_until,
                    user.failed_attempts, user.must_change_password, user.last_login_at)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip() != password:
        raise ValidationError("The password must not begin or end with a space.")


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not name or not all(c.isalnum() or c in "._-" for c in name) or len(name) > 64:
        raise ValidationError(
            f"'{username}' is not a valid user name: use letters, digits, dots, dashes or underscores."
        )
    return name


class AccountService:
    def __init__(self, db: Database, workstation: str) -> None:
        self.db = db
        self.workstation = workstation

    # -- logging in ---------------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> Actor:
        """The Actor for a correct user name and password; AuthenticationError (and an audit event) otherwise."""
        try:
            name = normalise_username(username)
        except ValidationError as exc:
            raise AuthenticationError("Wrong user name or password.") from exc
        attempt = Actor(None, name, name, Role.TECHNICIAN, self.workstation)
        with UnitOfWork(self.db, attempt) as uow:
            # The row lock makes parallel wrong guesses count one after the other (no lockout bypass).
            user = uow.session.execute(select(User).where(User.username == name).with_for_update()
                                       ).scalar_one_or_none()
            if user is None:
                _verify(_dummy_hash(), password)  # same cost as a real check: no user-name probing by timing
                uow.audit("login.failed", "user", name, summary=f"Failed login for unknown user {name}")
                uow.commit()
                raise AuthenticationError("Wrong user name or password.")
            now = utcnow()
            if not user.active:
                uow.audit("login.refused", "user", name, summary=f"Login refused: {name} is deactivated")
                uow.commit()
                raise AuthenticationError(
                    f"The account {name} is deactivated.", hint="Ask an administrator to reactivate it."
                )
            if user.locked_until is not None and user.locked_until > now:
                minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
                uow.audit("login.refused", "user", name, summary=f"Login refused: {name} is locked")
                uow.commit()
                raise AuthenticationError(
                    f"The account {name} is locked after too many wrong passwords.",
                    hint=f"Try again in {minutes} minute(s), or ask an administrator to unlock it.",
                )
            if not _verify(user.password_hash, password):
                user.failed_attempts += 1
                message = "Wrong user name or password."
                hint = None
                if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
                    user.locked_until = now + dt.timedelta(minutes=LOCKOUT_MINUTES)
                    user.failed_attempts = 0
                    uow.audit("account.locked", "user", name,
                              summary=f"{name} locked for {LOCKOUT_MINUTES} min after "
                                      f"{MAX_FAILED_ATTEMPTS} wrong passwords")
                    hint = f"The account is now locked for {LOCKOUT_MINUTES} minutes."
                else:
                    left = MAX_FAILED_ATTEMPTS - user.failed_attempts
                    hint = f"{left} attempt(s) left before the account is locked."
                uow.audit("login.failed", "user", name, summary=f"Wrong password for {name}")
                uow.commit()
                raise AuthenticationError(message, hint=hint)
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
            user.failed_attempts = 0
            user.locked_until = None
            user.last_login_at = now
            uow.audit("login.succeeded", "user", name, summary=f"{name} logged in")
            uow.commit()
            return Actor(user.id, user.username, user.display_name, Role(user.role), self.workstation,
                         must_change_password=user.must_change_password)

    def change_own_password(self, actor: Actor, old_password: str, new_password: str) -> Changes:
        check_password_policy(new_password)
        with UnitOfWork(self.db, actor) as uow:
            user = self._get(uow, actor.username)
            if not _verify(user.password_hash, old_password):
                raise AuthenticationError("The current password is wrong; the password was not changed.")
            user.password_hash = hash_password(new_password)
            user.must_change_password = False
            uow.audit("user.password_changed", "user", user.username, summary=f"{user.username} changed own password")
            return uow.commit()

    # -- administration -----------------------------------------------------------------------

    def list_users(self, actor: Actor) -> list[UserInfo]:
        with UnitOfWork(self.db, actor, Permission.MANAGE_USERS) as uow:
            users = uow.session.execute(select(User).order_by(User.username)).scalars().all()
            return [_info(u) for u in users]

    def add_user(self, actor: Actor, username: str, display_name: str, role: Role, password: str,
                 *, must_change_password: bool = True) -> Result[UserInfo]:
        name = normalise_username(username)
        check_password_policy(password)
        display_name = checked_text(display_name, "The person's full name", 200, required=True)
        with UnitOfWork(self.db, actor, Permission.MANAGE_USERS) as uow:
            exists = uow.session.execute(select(User.id).where(User.username == name)).first()
            if exists:
                raise ConflictError(f"A user named {name} exists already.", hint="Choose another user name.")
            user = User(username=name, display_name=display_name.strip(), role=role.value,
                        password_hash=hash_password(password), must_change_password=must_change_password)
            uow.session.add(user)
            uow.flush()
            uow.audit("user.added", "user", name, summary=f"Added {role.value} {name} ({display_name.strip()})",
                      after={"username": name, "display_name": display_name.strip(), "role": role.value})
            return Result(_info(user), uow.commit())

    def create_first_administrator(self, username: str, display_name: str, password: str) -> Result[UserInfo]:
        """The first account of an empty database (set-up). Refused once any account exists, decided
        inside the transaction, so a set-up dialog left open elsewhere cannot add a second one later."""
        name = normalise_username(username)
        check_password_policy(password)
        display_name = checked_text(display_name, "The person's full name", 200, required=True)
        with UnitOfWork(self.db, Actor.system("first-run", self.workstation)) as uow:
            if self.db.backend == "postgresql":
                uow.session.execute(text("LOCK TABLE users IN EXCLUSIVE MODE"))
            if uow.session.execute(select(User.id).limit(1)).first() is not None:
                raise ConflictError("This database has user accounts already (someone may have just created the "
                                    "first administrator).", hint="Log in with an existing account.")
            user = User(username=name, display_name=display_name.strip(), role=Role.ADMINISTRATOR.value,
                        password_hash=hash_password(password), must_change_password=False)
            uow.session.add(user)
            uow.flush()
            uow.audit("user.added", "user", name, summary=f"First administrator {name} ({display_name.strip()})",
                      after={"username": name, "display_name": display_name.strip(), "role": "administrator"})
            return Result(_info(user), uow.commit())

    def reset_password(self, actor: Actor, username: str, new_password: str) -> Changes:
        check_password_policy(new_password)
        with UnitOfWork(self.db, actor, Permission.MANAGE_USERS) as uow:
            user = self._get(uow, username)
            user.password_hash = hash_password(new_password)
            user.must_change_password = True
            user.failed_attempts = 0
            user.locked_until = None
            uow.audit("user.password_reset", "user", user.username,
                      summary=f"Password of {user.username} reset by {actor.username}")
            return uow.commit()

    def set_active(self, actor: Actor, username: str, active: bool, reason: str) -> Result[UserInfo]:
        if not reason.strip():
            raise ValidationError("Give a reason: it is kept in the audit trail.")
        with UnitOfWork(self.db, actor, Permission.MANAGE_USERS) as uow:
            user = self._get(uow, username)
            if not active and user.id == actor.user_id:
                raise ValidationError("You cannot deactivate your own account.")
            if not active and user.role == Role.ADMINISTRATOR and user.active:
                self._ensure_other_admin(uow, user.id)
            before = {"active": user.active}
            user.active = active
            uow.audit("user.reactivated" if active else "user.deactivated", "user", user.username,
                      summary=f"{user.username} {'reactivated' if active else 'deactivated'}",
                      before=before, after={"active": active}, reason=reason.strip())
            return Result(_info(user), uow.commit())

    def set_role(self, actor: Actor, username: str, role: Role, reason: str) -> Result[UserInfo]:
        if not reason.strip():
            raise ValidationError("Give a reason: it is kept in the audit trail.")
        with UnitOfWork(self.db, actor, Permission.MANAGE_USERS) as uow:
            user = self._get(uow, username)
            if user.role == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR:
                self._ensure_other_admin(uow, user.id)
            before = {"role": user.role}
            user.role = role.value
            uow.audit("user.role_changed", "user", user.username, summary=f"{user.username} is now {role.value}",
                      before=before, after={"role": role.value}, reason=reason.strip())
            return Result(_info(user), uow.commit())

    def unlock(self, actor: Actor, username: str) -> Result[UserInfo]:
        with UnitOfWork(self.db, actor, Permission.MANAGE_USERS) as uow:
            user = self._get(uow, username)
            user.locked_until = None
            user.failed_attempts = 0
            uow.audit("user.unlocked", "user", user.username, summary=f"{user.username} unlocked")
            return Result(_info(user), uow.commit())

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _get(uow: UnitOfWork, username: str) -> User:
        name = username.strip().lower()
        user = uow.session.execute(select(User).where(User.username == name)).scalar_one_or_none()
        if user is None:
            raise NotFoundError(f"There is no user named {name}.")
        return user

    @staticmethod
    def _ensure_other_admin(uow: UnitOfWork, user_id: int) -> None:
        # Locking the active administrators' rows: two of them demoting each other at once cannot both pass.
        others = uow.session.execute(
            select(User.id).where(User.role == Role.ADMINISTRATOR.value, User.active.is_(True), User.id != user_id)
            .with_for_update()
        ).first()
        if others is None:
            raise ValidationError("This is the last active administrator; appoint another one first.")

    def has_users(self) -> bool:
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            return session.execute(select(User.id).limit(1)).first() is not None

    def login_hints(self) -> list[UserInfo]:
        """Active accounts (no secrets), for the login dialog's user list."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            users = session.execute(select(User).where(User.active.is_(True)).order_by(User.username)).scalars()
            return [_info(u) for u in users]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
