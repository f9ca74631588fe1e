"""The audit trail: written with every change, hash-chained, tamper-evident, on both backends."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.audit import AuditFilter
from biobank_desktop.core.services.samples import NewSample
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
