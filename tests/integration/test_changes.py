"""The one Changes record: built by the unit of work, returned by every mutating service, and read back
from the audit trail for other workstations' work (``AuditService.changes_since``), on both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.changes import PARTICIPANT, SAMPLE, SITE, STUDY, USER, Changes, Result
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import SYSTEM


def test_the_unit_of_work_hands_back_a_frozen_record_of_its_audit_events(services: Services) -> None:
    with UnitOfWork(services.db, SYSTEM) as uow:
        uow.audit("test.one", "sample", "BB-1", summary="one")
        uow.audit("test.two", "user", "ada", summary="two")
        changes = uow.commit()
    assert changes.entity_types == {SAMPLE, USER}
    assert changes.entity_ids == {(SAMPLE, "BB-1"), (USER, "ada")}
    assert changes.last_audit_seq == services.audit.last_seq()
    with pytest.raises(dataclasses.FrozenInstanceError):
        changes.last_audit_seq = 0  # type: ignore[misc]


def test_mutating_services_return_changes_or_a_result(services: Services, admin: Actor, technician: Actor) -> None:
    registered = services.samples.register(technician, NewSample("COLON", "SER", participant="P-CH-1"))
    assert isinstance(registered, Result)
    assert registered.changes.touches(SAMPLE, PARTICIPANT)
    assert registered.changes.ids_of(SAMPLE) == {registered.value}
    assert registered.changes.ids_of(PARTICIPANT) == {"COLON/P-CH-1"}

    noted = services.samples.update_notes(technician, registered.value, "thawed once")
    assert isinstance(noted, Changes) and noted.ids_of(SAMPLE) == {registered.value}
    assert noted.last_audit_seq > registered.changes.last_audit_seq

    added = services.accounts.add_user(admin, "kim", "Kim Lee", Role.TECHNICIAN, "password-123")
    assert added.value.username == "kim" and added.changes.ids_of(USER) == {"kim"}
    assert services.accounts.reset_password(admin, "kim", "password-456").touches(USER)
    assert services.accounts.set_role(admin, "kim", Role.SUPERVISOR, "lead").value.role is Role.SUPERVISOR

    consent = services.participants.record_consent(technician, "COLON", "P-CH-1", version="v1", scope="broad",
                                                   signed_on=dt.date(2025, 1, 2))
    assert consent.changes.ids_of(PARTICIPANT) == {"COLON/P-CH-1"}
    withdrawn = services.participants.withdraw_consent(technician, consent.value, dt.date(2025, 2, 1), "letter")
    assert withdrawn.touches(PARTICIPANT)

    assert services.reference.add_study(admin, "NEWST", "New study", "Cancer").changes.ids_of(STUDY) == {"NEWST"}
    assert services.reference.add_site(admin, "NEWS", "New site").changes.ids_of(SITE) == {"NEWS"}
    assert services.system.upgrade().changes == Changes()  # already at head: nothing written


def test_changes_since_reads_what_other_workstations_did(services: Services, database, technician: Actor) -> None:
    other = build_services(database, workstation="TEST-WS-2")  # another workstation, same database
    start = services.audit.last_seq()
    assert services.audit.changes_since(technician, start) == Changes(last_audit_seq=start)

    code = other.samples.register(technician, NewSample("COLON", "SER", participant="P-CH-2")).value
    other.samples.add_barcode(technician, code, "CLIN-CH-2")
    news = services.audit.changes_since(technician, start)
    assert news.entity_types == {SAMPLE, PARTICIPANT}
    assert news.ids_of(SAMPLE) == {code}
    assert news.last_audit_seq == services.audit.last_seq()
    # Only what came after the given sequence number.
    later = services.audit.changes_since(technician, news.last_audit_seq - 1)
    assert later.entity_types == {SAMPLE} and later.ids_of(SAMPLE) == {code}


def test_changes_since_is_bounded_to_the_kinds_beyond_its_limit(services: Services, technician: Actor) -> None:
    start = services.audit.last_seq()
    for i in range(3):
        services.samples.register(technician, NewSample("COLON", "SER", participant=f"P-BOUND-{i}"))
    news = services.audit.changes_since(technician, start, limit=4)  # 6 events: 3 samples, 3 participants
    assert news.entity_types == {SAMPLE, PARTICIPANT}
    assert news.entity_ids == frozenset()  # too many to list: the kinds only
    assert news.last_audit_seq == services.audit.last_seq()
