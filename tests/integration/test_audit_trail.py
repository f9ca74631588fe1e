"""The audit trail: written with every change, hash-chained, tamper-evident, on both backends."""

from __future__ import annotations

import dataclasses
import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from biobank_desktop.core.db.models import AuditEvent
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.audit import AuditAnchor, chain_hash
from biobank_desktop.core.domain.errors import AuditTamperedError, ValidationError
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.audit import (
    FINDING_AFTER_HEAD,
    FINDING_ANCHOR_MISMATCH,
    FINDING_ANCHOR_MISSING,
    FINDING_HEAD_HASH,
    FINDING_HEAD_MISSING,
    FINDING_HEAD_MOVED_BACK,
    AuditFilter,
)
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import PASSWORD
from tests.support.tamper import tamper_with_audit


def _register(services: Services, actor: Actor, **kw: object) -> str:
    fields = {"study_code": "COLON", "sample_type": "SER", "participant": "COL-0001",
              "volume_ul": Decimal("1500")} | kw
    return services.samples.register(actor, NewSample(**fields)).value  # type: ignore[arg-type]


def _exec(services: Services, sql: str) -> None:
    with services.db.engine.begin() as conn:
        conn.execute(text(sql))


def _tamper(services: Services, sql: str) -> None:
    tamper_with_audit(services.db.url.render_as_string(hide_password=False), sql)


def test_the_database_refuses_to_change_or_delete_audit_events(services: Services, technician: Actor) -> None:
    _register(services, technician)
    for sql in ("UPDATE audit_events SET summary = 'x' WHERE seq = 1", "DELETE FROM audit_events WHERE seq = 1"):
        with pytest.raises(Exception, match="append-only"):
            _exec(services, sql)
    assert services.audit.verify().ok


def test_every_change_leaves_an_event_with_who_where_what(services: Services, technician: Actor) -> None:
    code = _register(services, technician)
    services.samples.change_status(technician, code, "quarantined", "haemolysed on arrival")
    history = services.audit.history(technician, "sample", code)
    assert [e.action for e in history] == ["sample.registered", "sample.status_changed"]
    change = history[-1]
    assert change.username == "tom"
    assert change.workstation == "TEST-WS-1"
    assert change.before == {"status": "available"}
    assert change.after == {"status": "quarantined"}
    assert change.reason == "haemolysed on arrival"
    assert change.occurred_at.tzinfo is not None
    assert history[0].after is not None and history[0].after["volume_ul"] == "1500"


def test_a_failed_action_leaves_no_event_and_no_change(services: Services, technician: Actor) -> None:
    code = _register(services, technician)
    before = services.audit.last_seq()
    with pytest.raises(ValidationError):
        services.samples.change_status(technician, code, "available", "same status")
    with pytest.raises(ValidationError):
        services.samples.change_status(technician, code, "discarded", "  ")
    assert services.audit.last_seq() == before
    assert services.queries.detail(code).status == "available"


def test_chain_verifies_then_detects_an_altered_row(services: Services, technician: Actor) -> None:
    for i in range(3):
        _register(services, technician, participant=f"COL-{i:04d}")
    result = services.audit.verify()
    assert result.ok, result.problem
    assert result.checked == services.audit.last_seq() > 3
    with services.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT last_hash FROM audit_head")).scalar()
    assert result.last_hash == stored, "the anchor to record outside is the head of the chain"
    _tamper(services, "UPDATE audit_events SET summary = 'nothing to see' WHERE seq = 3")
    result = services.audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert "altered" in (result.problem or "")


def test_chain_detects_a_deleted_row_in_the_middle(services: Services, technician: Actor) -> None:
    for i in range(3):
        _register(services, technician, participant=f"COL-{i:04d}")
    _tamper(services, "DELETE FROM audit_events WHERE seq = 4")
    result = services.audit.verify()
    assert not result.ok and result.first_broken_seq == 4
    assert "missing" in (result.problem or "")


def test_chain_detects_deleted_newest_rows(services: Services, technician: Actor) -> None:
    for i in range(3):
        _register(services, technician, participant=f"COL-{i:04d}")
    last = services.audit.last_seq()
    _tamper(services, f"DELETE FROM audit_events WHERE seq >= {last - 1}")
    result = services.audit.verify()
    assert not result.ok
    assert "newest events were deleted" in (result.problem or "")


def test_chain_detects_a_rewritten_before_value(services: Services, technician: Actor) -> None:
    code = _register(services, technician)
    services.samples.change_status(technician, code, "discarded", "tube cracked")
    seq = services.audit.last_seq()
    _tamper(services, f"UPDATE audit_events SET reason = 'routine' WHERE seq = {seq}")
    assert services.audit.verify().first_broken_seq == seq


def test_browse_filters_and_pages(services: Services, technician: Actor) -> None:
    codes = [_register(services, technician, participant=f"COL-{i:04d}") for i in range(5)]
    first = services.audit.browse(technician, AuditFilter(action_prefix="sample."), limit=3)
    assert [e.entity_id for e in first] == codes[::-1][:3]
    rest = services.audit.browse(technician, AuditFilter(action_prefix="sample."), before_seq=first[-1].seq)
    assert [e.entity_id for e in rest] == codes[::-1][3:]
    by_user = services.audit.browse(technician, AuditFilter(username="nobody"))
    assert by_user == []


def test_concurrent_writers_keep_one_linear_chain(database, services: Services, technician: Actor) -> None:
    """Two workstations registering at the same time: every event chained once, nothing lost."""
    other = build_services(database, workstation="TEST-WS-2")
    errors: list[BaseException] = []

    def work(svc: Services, prefix: str) -> None:
        try:
            for i in range(8):
                _register(svc, technician, participant=f"{prefix}-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(svc, p)) for svc, p in ((services, "A"), (other, "B"))]
    start = services.audit.last_seq()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    result = services.audit.verify()
    assert result.ok, result.problem
    # 16 samples + 16 new participants
    assert services.audit.last_seq() - start == 32


def test_verify_is_not_fooled_by_workstations_writing_meanwhile(database, services: Services,
                                                              technician: Actor) -> None:
    """A verification running while others commit must not report tampering (READ COMMITTED on PostgreSQL)."""
    writers = [build_services(database, workstation=f"TEST-WS-{i}") for i in range(3)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(svc: Services, n: int) -> None:
        try:
            i = 0
            while not stop.is_set() and i < 40:
                _register(svc, technician, participant=f"W{n}-{i}")
                i += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(svc, n)) for n, svc in enumerate(writers)]
    for t in threads:
        t.start()
    results = []
    try:
        for _ in range(15):
            results.append(services.audit.verify(batch=7))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors
    assert all(r.ok for r in results), [r.problem for r in results if not r.ok]
    assert services.audit.verify().ok


def test_audit_rows_cannot_be_written_twice_with_the_same_seq(services: Services, technician: Actor) -> None:
    _register(services, technician)
    with pytest.raises(Exception, match="(?i)unique|duplicate|primary"):
        _exec(services, "INSERT INTO audit_events (seq, occurred_at, username, workstation, action, entity_type,"
                        " entity_id, summary, prev_hash, hash) VALUES (1, CURRENT_TIMESTAMP, 'x', 'x', 'x', 'x',"
                        " 'x', 'x', 'x', 'y')")


# -- the head against the table, both ways (issue 7, item 2) ---------------------------------------------------

_FORGED_EVENT = ("INSERT INTO audit_events (seq, occurred_at, username, workstation, action, entity_type, entity_id,"
                 " summary, prev_hash, hash) VALUES ({seq}, CURRENT_TIMESTAMP, 'ada', 'x', 'sample.registered',"
                 " 'sample', 'X', 'forged', '{prev}', '{digest}')")


def _head(services: Services) -> tuple[int, str]:
    with services.db.engine.connect() as conn:
        row = conn.execute(text("SELECT last_seq, last_hash FROM audit_head")).one()
    return int(row[0]), str(row[1])


def _hash_of(services: Services, seq: int) -> str:
    with services.db.engine.connect() as conn:
        return str(conn.execute(text(f"SELECT hash FROM audit_events WHERE seq = {seq}")).scalar_one())


def _writes_are_refused_as_tampered(services: Services, technician: Actor) -> None:
    before = _head(services)
    with pytest.raises(AuditTamperedError, match="changed outside Biobank Desktop") as caught:
        _register(services, technician, participant="COL-9999")
    assert "same moment" not in str(caught.value)
    with pytest.raises(AuditTamperedError):
        services.accounts.authenticate("tom", PASSWORD)  # logging in writes an event too: refused alike
    assert _head(services) == before, "nothing was written"


def test_an_event_inserted_after_the_head_is_named_and_refuses_writes(services: Services, technician: Actor) -> None:
    _register(services, technician)
    seq, digest = _head(services)
    _exec(services, _FORGED_EVENT.format(seq=seq + 1, prev=digest, digest="e" * 64))  # no trigger dropped
    result = services.audit.verify()
    assert not result.ok
    assert result.finding == FINDING_AFTER_HEAD and result.first_broken_seq == seq + 1
    assert "inserted" in (result.problem or "") and "deleted" not in (result.problem or "")
    _writes_are_refused_as_tampered(services, technician)


def test_a_head_moved_back_is_named(services: Services, technician: Actor) -> None:
    for i in range(3):
        _register(services, technician, participant=f"COL-{i:04d}")
    seq, _digest = _head(services)
    earlier = seq - 2
    _exec(services, f"UPDATE audit_head SET last_seq = {earlier}, last_hash = '{_hash_of(services, earlier)}'")
    result = services.audit.verify()
    assert not result.ok
    assert result.finding == FINDING_HEAD_MOVED_BACK and result.first_broken_seq == earlier + 1
    assert f"moved back to event {earlier}" in (result.problem or "")
    _writes_are_refused_as_tampered(services, technician)


def test_a_changed_head_hash_is_named_as_such(services: Services, technician: Actor) -> None:
    _register(services, technician)
    _exec(services, f"UPDATE audit_head SET last_hash = '{'f' * 64}'")
    result = services.audit.verify()
    assert not result.ok and result.finding == FINDING_HEAD_HASH
    assert "head row was altered" in (result.problem or "") and "deleted" not in (result.problem or "")
    _writes_are_refused_as_tampered(services, technician)


def test_a_deleted_head_row_is_named_and_refuses_writes(services: Services, technician: Actor) -> None:
    _register(services, technician)
    _exec(services, "DELETE FROM audit_head")
    result = services.audit.verify()
    assert not result.ok and result.finding == FINDING_HEAD_MISSING
    with pytest.raises(AuditTamperedError, match="head row was deleted"):
        _register(services, technician, participant="COL-9999")


def test_an_anchor_recorded_outside_catches_a_consistent_rewrite(services: Services, technician: Actor) -> None:
    code = _register(services, technician)
    services.samples.change_status(technician, code, "discarded", "tube cracked")
    result = services.audit.verify()
    anchor = result.anchor
    assert anchor is not None and anchor.seq == result.last_seq
    assert AuditAnchor.parse(str(anchor)) == anchor
    assert services.audit.verify_against(str(anchor)).ok
    _register(services, technician, participant="COL-0002")  # later work does not disturb an older anchor
    assert services.audit.verify_against(anchor).ok

    # Rewrite the newest event's reason and re-chain it: the chain alone cannot see that.
    seq, _ = _head(services)
    with services.db.new_session(write=False) as session:
        newest = session.get(AuditEvent, seq)
        assert newest is not None
        record = dataclasses.replace(newest.record(), summary="nothing happened")
        forged = chain_hash(record, newest.prev_hash)
    _tamper(services, f"UPDATE audit_events SET summary = 'nothing happened', hash = '{forged}' WHERE seq = {seq}")
    _exec(services, f"UPDATE audit_head SET last_hash = '{forged}'")
    assert services.audit.verify().ok, "a consistent rewrite is invisible to the chain alone"
    assert anchor.seq < seq and services.audit.verify_against(anchor).ok, "an anchor vouches for events up to it"
    rewritten = services.audit.verify_against(f"{seq}:{newest.hash}")
    assert not rewritten.ok and rewritten.finding == FINDING_ANCHOR_MISMATCH and rewritten.first_broken_seq == seq

    # Delete the tail and move the head back consistently: only the anchor knows more events existed.
    _tamper(services, f"DELETE FROM audit_events WHERE seq = {seq}")
    _exec(services, f"UPDATE audit_head SET last_seq = {seq - 1}, last_hash = '{_hash_of(services, seq - 1)}'")
    assert services.audit.verify().ok
    shortened = services.audit.verify_against(f"{seq}:{newest.hash}")
    assert not shortened.ok and shortened.finding == FINDING_ANCHOR_MISSING
    assert f"names event {seq}" in (shortened.problem or "")


@pytest.mark.parametrize("text_", ["", "12", "12:abc", "0:" + "a" * 64, "x:" + "a" * 64, "1:" + "g" * 64,
                                   "1:" + "a" * 64 + "\x00", "9" * 5000])
def test_a_malformed_anchor_is_a_message(text_: str) -> None:
    with pytest.raises(ValidationError, match="not an audit anchor") as caught:
        AuditAnchor.parse(text_)
    assert len(str(caught.value)) < 400


# -- searching the trail (issue 7, item 5) ---------------------------------------------------------------------


def test_search_text_matches_percent_and_underscore_literally(services: Services, technician: Actor) -> None:
    _register(services, technician)
    everything = services.audit.browse(technician, AuditFilter())
    assert everything, "the trail has events to search"
    for needle in ("%", "_", "%_%", "\\", "%%"):
        found = services.audit.browse(technician, AuditFilter(text=needle))
        assert all(needle in f"{e.entity_id} {e.username} {e.summary}" for e in found), needle
        assert len(found) < len(everything), f"{needle!r} matched every event"


def test_a_very_long_search_text_is_a_message(services: Services, technician: Actor) -> None:
    with pytest.raises(ValidationError, match="too long") as caught:
        services.audit.browse(technician, AuditFilter(text="x" * 100_000))
    assert len(str(caught.value)) < 300
    assert services.audit.browse(technician, AuditFilter(text="x" * 200)) == []
