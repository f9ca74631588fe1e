"""Accounts and permissions, enforced in the services on both backends."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select, text

from biobank_desktop.core.db.models import User
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.accounts import MAX_FAILED_ATTEMPTS
from biobank_desktop.core.services.audit import AuditFilter
from tests.conftest import PASSWORD


def test_password_is_stored_only_as_argon2id_hash(services: Services, admin: Actor) -> None:
    services.accounts.add_user(admin, "lea", "Léa Muller", Role.TECHNICIAN, "s3cret-pass!")
    with services.db.new_session(write=False) as s:
        stored = s.execute(select(User.password_hash).where(User.username == "lea")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "s3cret-pass!" not in stored
    events = services.audit.browse(admin, AuditFilter(text="lea"))
    assert events, "adding a user is audited"
    assert all("s3cret-pass!" not in repr(e) for e in events)


def test_login_succeeds_and_returns_the_role(services: Services, technician: Actor) -> None:
    actor = services.accounts.authenticate("TOM ", PASSWORD)
    assert actor.username == "tom"
    assert actor.role is Role.TECHNICIAN
    assert actor.workstation == "TEST-WS-1"


def test_wrong_password_counts_down_then_locks(services: Services, technician: Actor, admin: Actor) -> None:
    for attempt in range(1, MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError) as err:
            services.accounts.authenticate("tom", "wrong-password")
        assert f"{MAX_FAILED_ATTEMPTS - attempt} attempt(s) left" in str(err.value)
    with pytest.raises(AuthenticationError, match="locked"):
        services.accounts.authenticate("tom", "wrong-password")
    # Even the right password is refused while locked.
    with pytest.raises(AuthenticationError, match="locked"):
        services.accounts.authenticate("tom", PASSWORD)
    services.accounts.unlock(admin, "tom")
    assert services.accounts.authenticate("tom", PASSWORD).username == "tom"
    actions = [e.action for e in services.audit.browse(admin, AuditFilter(text="tom"))]
    assert "account.locked" in actions
    assert "user.unlocked" in actions


def test_unknown_user_gets_the_same_message_as_a_wrong_password(services: Services, admin: Actor) -> None:
    with pytest.raises(AuthenticationError) as err:
        services.accounts.authenticate("nobody", "whatever-123")
    assert str(err.value) == "Wrong user name or password."


@pytest.mark.parametrize("call", [
    lambda svc, actor: svc.accounts.add_user(actor, "eve", "Eve", Role.ADMINISTRATOR, "password-123"),
    lambda svc, actor: svc.accounts.reset_password(actor, "ada", "new-password-1"),
    lambda svc, actor: svc.accounts.set_active(actor, "ada", False, "test"),
    lambda svc, actor: svc.accounts.set_role(actor, "tom", Role.ADMINISTRATOR, "promote myself"),
    lambda svc, actor: svc.accounts.list_users(actor),
    lambda svc, actor: svc.accounts.unlock(actor, "ada"),
    lambda svc, actor: svc.reference.add_study(actor, "NEW", "New study", "Cancer"),
    lambda svc, actor: svc.samples.override_sprec(actor, "BB-2026-000001X", "SER-SST-A-D-N-B-A", "why"),
])
def test_a_technician_cannot_do_an_administrators_action(services: Services, technician: Actor, admin: Actor,
                                                        call) -> None:
    before = services.audit.last_seq()
    with pytest.raises(PermissionDeniedError):
        call(services, technician)
    assert services.audit.last_seq() == before, "a refused action changes nothing"


def test_a_forged_actor_is_checked_against_the_database(services: Services, technician: Actor) -> None:
    forged = Actor(technician.user_id, technician.username, "Tom", Role.ADMINISTRATOR, "TEST-WS-1")
    with pytest.raises(PermissionDeniedError):
        services.accounts.list_users(forged)


def test_deactivated_user_can_neither_log_in_nor_act(services: Services, technician: Actor, admin: Actor) -> None:
    services.accounts.set_active(admin, "tom", False, "left the lab")
    with pytest.raises(AuthenticationError, match="deactivated"):
        services.accounts.authenticate("tom", PASSWORD)
    with pytest.raises(PermissionDeniedError, match="no longer active"):
        services.samples.change_status(technician, "BB-2026-000001X", "discarded", "broken")


def test_last_administrator_cannot_be_removed(services: Services, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="own account"):
        services.accounts.set_active(admin, "ada", False, "oops")
    services.accounts.add_user(admin, "bob", "Bob", Role.SUPERVISOR, "password-123")
    with pytest.raises(ValidationError, match="last active administrator"):
        services.accounts.set_role(admin, "ada", Role.SUPERVISOR, "demote")


def test_duplicate_user_and_bad_input_are_refused(services: Services, admin: Actor) -> None:
    with pytest.raises(ConflictError, match="exists already"):
        services.accounts.add_user(admin, "Ada", "Ada Again", Role.TECHNICIAN, "password-123")
    with pytest.raises(ValidationError, match="too short"):
        services.accounts.add_user(admin, "kim", "Kim", Role.TECHNICIAN, "short")
    with pytest.raises(ValidationError, match="not a valid user name"):
        services.accounts.add_user(admin, "kim lee", "Kim", Role.TECHNICIAN, "password-123")


def test_reset_password_forces_a_change_and_own_change_clears_it(services: Services, admin: Actor,
                                                                  technician: Actor) -> None:
    services.accounts.reset_password(admin, "tom", "temporary-99")
    with pytest.raises(AuthenticationError):
        services.accounts.authenticate("tom", PASSWORD)
    tom = services.accounts.authenticate("tom", "temporary-99")
    assert next(u for u in services.accounts.list_users(admin) if u.username == "tom").must_change_password
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        services.accounts.change_own_password(tom, "nope-nope", "brand-new-pass")
    services.accounts.change_own_password(tom, "temporary-99", "brand-new-pass")
    assert not next(u for u in services.accounts.list_users(admin) if u.username == "tom").must_change_password


def test_role_change_takes_effect_without_logging_in_again(services: Services, admin: Actor,
                                                           technician: Actor) -> None:
    with pytest.raises(PermissionDeniedError):
        services.accounts.list_users(technician)
    services.accounts.set_role(admin, "tom", Role.ADMINISTRATOR, "new lab manager")
    assert {u.username for u in services.accounts.list_users(technician)} >= {"tom", "ada"}


def test_usernames_are_unique_in_the_database_itself(services: Services, admin: Actor) -> None:
    with services.db.new_session(write=True) as s, pytest.raises(Exception, match="(?i)unique|duplicate"):
        s.execute(text("INSERT INTO users (username, display_name, role, password_hash, active, failed_attempts,"
                       " must_change_password, created_at) VALUES ('ada', 'x', 'technician', 'x', true, 0, false,"
                       " CURRENT_TIMESTAMP)"))
        s.commit()


def test_parallel_wrong_passwords_still_lock_the_account(services: Services, technician: Actor) -> None:
    """Guesses sent at once from several processes must each count (row lock), or lockout could be bypassed."""
    import threading

    others = [build_services(services.db, f"WS-{i}") for i in range(MAX_FAILED_ATTEMPTS + 2)]
    barrier = threading.Barrier(len(others))

    def guess(svc: Services) -> None:
        barrier.wait(timeout=30)
        with contextlib.suppress(AuthenticationError):
            svc.accounts.authenticate("tom", "wrong-guess")

    threads = [threading.Thread(target=guess, args=(svc,)) for svc in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with pytest.raises(AuthenticationError, match="locked"):
        services.accounts.authenticate("tom", PASSWORD)


def test_first_administrator_only_on_an_empty_database(services: Services) -> None:
    first = services.accounts.create_first_administrator("boss", "Bea Boss", "first-admin-1").value
    assert first.role is Role.ADMINISTRATOR and not first.must_change_password
    with pytest.raises(ConflictError, match="has user accounts already"):
        services.accounts.create_first_administrator("sneaky", "Sneaky", "second-admin-1")
    assert services.accounts.authenticate("boss", "first-admin-1").role is Role.ADMINISTRATOR
    with pytest.raises(AuthenticationError):
        services.accounts.authenticate("sneaky", "second-admin-1")


def test_a_temporary_password_is_reported_at_login(services: Services, admin: Actor, technician: Actor) -> None:
    assert not services.accounts.authenticate("tom", PASSWORD).must_change_password
    services.accounts.reset_password(admin, "tom", "temporary-77")
    assert services.accounts.authenticate("tom", "temporary-77").must_change_password
