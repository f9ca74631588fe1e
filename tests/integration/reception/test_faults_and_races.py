"""Reception under faults and races, on SQLite and PostgreSQL: two workstations on one shipment, two accepting the
same unexpected tube at once, the database going away mid-scan (recorded or clearly not), attached files."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ConflictError, DatabaseUnavailableError, ValidationError
from biobank_desktop.core.domain.reception import MAX_ATTACHMENT_BYTES, ScanOutcome
from biobank_desktop.core.flows.reception import NextStep, ReceptionSession, ServiceBackend
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.reception import scanning
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import PASSWORD
from tests.support.reception_kit import manifest, tube


@pytest.fixture
def shipment(services: Services, technician: Actor, supervisor: Actor, tmp_path: Path) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    services.samples.register(technician, NewSample("LUNG", "PL1", participant="LU-050"))
    services.participants.record_consent(technician, "LUNG", "LU-050", version="v1", scope="all",
                                         signed_on=dt.date(2026, 1, 5))
    return manifest(services, technician, tmp_path / "m.xlsx", [tube("CL0000001"), tube("CL0000002", "LU-002")])


@pytest.fixture
def second_workstation(database: Database, technician: Actor) -> tuple[Services, Actor]:
    other = build_services(Database(database.url), workstation="TEST-WS-2")
    actor = other.accounts.authenticate("tom", PASSWORD)
    yield other, actor
    other.close()


def _receipts(services: Services) -> int:
    with services.db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM tube_receipts")).scalar_one())


def test_two_workstations_see_each_others_scans(services: Services, technician: Actor, shipment: str,
                                               second_workstation: tuple[Services, Actor]) -> None:
    other, tom2 = second_workstation
    services.reception.receive(technician, shipment, "CL0000001")
    seen = other.reception.board(shipment)
    mine = {t.barcode: t for t in seen.tubes}["CL0000001"]
    assert seen.counts.received == 1 and mine.workstation == "TEST-WS-1" and mine.sample_code
    again = other.reception.receive(tom2, shipment, "CL0000001").value
    assert again.outcome is ScanOutcome.DUPLICATE and "TEST-WS-1" in again.hint
    other.reception.receive(tom2, shipment, "CL0000002")
    assert services.reception.board(shipment).counts.received == 2


def test_two_workstations_accepting_the_same_unexpected_tube_one_wins(
        services: Services, technician: Actor, shipment: str, second_workstation: tuple[Services, Actor]) -> None:
    other, tom2 = second_workstation
    services.reception.receive(technician, shipment, "ZZ-1")
    plasma = NewSample("LUNG", "PL1", participant="LU-050", volume_ul=Decimal(800))
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def accept(svc: Services, actor: Actor) -> None:
        barrier.wait()
        try:
            outcomes.append(svc.reception.accept_unexpected(actor, shipment, "ZZ-1", plasma).value)
        except BiobankError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=accept, args=pair) for pair in ((services, technician), (other, tom2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    wins = [o for o in outcomes if not isinstance(o, BaseException)]
    losses = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert isinstance(losses[0], ConflictError) and "already accepted" in str(losses[0])
    with services.db.engine.connect() as conn:
        owners = conn.execute(sa.text("SELECT count(*) FROM sample_barcodes WHERE barcode = 'ZZ-1'")).scalar_one()
    assert owners == 1


def test_a_scan_is_not_recorded_when_the_database_goes_away_mid_scan(
        services: Services, technician: Actor, shipment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = scanning.counts_of
    before = (services.audit.last_seq(), _receipts(services))

    def connection_dies(session: sa.orm.Session, row: object) -> object:
        if services.db.backend == "postgresql":
            pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            with services.db.engine.connect() as killer:
                killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            session.execute(sa.text("SELECT 1"))
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(scanning, "counts_of", connection_dies)
    session = ReceptionSession(ServiceBackend(services.reception, technician, shipment))
    feedback = session.scan("CL0000001")
    assert feedback is not None and feedback.tone == "error" and feedback.result is None
    assert feedback.next_step is NextStep.RETRY and "NOT recorded" in feedback.headline
    monkeypatch.setattr(scanning, "counts_of", real)
    assert (services.audit.last_seq(), _receipts(services)) == before  # nothing half written
    again = session.scan("CL0000001")
    assert again is not None and again.result is not None and again.result.outcome is ScanOutcome.EXPECTED


def test_a_scan_into_an_unreachable_server_says_it_was_not_recorded(technician: Actor, shipment: str) -> None:
    dead = build_services(Database("postgresql+psycopg://postgres@127.0.0.1:1/biobank"), workstation="W")
    with pytest.raises(DatabaseUnavailableError, match="cannot be reached"):
        dead.reception.receive(technician, shipment, "CL0000001")
    dead.close()


def test_files_are_kept_in_the_database_with_their_hash(services: Services, technician: Actor, shipment: str,
                                                       tmp_path: Path,
                                                       second_workstation: tuple[Services, Actor]) -> None:
    slip = tmp_path / "courier slip.pdf"
    slip.write_bytes(b"%PDF-1.4 slip\n" * 100)
    info = services.reception.attach_file(technician, shipment, slip).value
    assert (info.mime_type, info.size_bytes) == ("application/pdf", 1400)
    slip.unlink()
    other, _ = second_workstation
    [listed] = other.reception.attachments(shipment)
    got, content = other.reception.attachment_content(listed.id)
    assert content == b"%PDF-1.4 slip\n" * 100 and got.sha256 == info.sha256
    copy = tmp_path / "again.pdf"
    copy.write_bytes(content)
    with pytest.raises(ConflictError, match="already attached"):
        services.reception.attach_file(technician, shipment, copy)
    big = tmp_path / "photo.jpg"
    with big.open("wb") as handle:
        handle.truncate(MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(ValidationError, match="at most 20 MB"):
        services.reception.attach_file(technician, shipment, big)
    services.reception.remove_attachment(technician, info.id, "wrong shipment's slip")
    assert services.reception.attachments(shipment) == []
