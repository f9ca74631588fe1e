"""Shipments: arrival conditions and the files kept with them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.reception import ArrivalConditions


@pytest.fixture
def clinic(services: Services, supervisor: Actor) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return "CLINIC"


@pytest.mark.parametrize("reading", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_temperature_that_is_not_a_number_is_refused(services: Services, technician: Actor, clinic: str,
                                                       reading: str) -> None:
    info = services.reception.create_shipment(technician, clinic).value
    with pytest.raises(ValidationError, match="not a temperature"):
        services.reception.record_arrival(technician, info.code, ArrivalConditions(temperature_c=Decimal(reading)))
    assert services.reception.shipment(info.code).arrival.temperature_c is None


def test_cli_arrival_with_a_nan_temperature_is_a_clean_error(
        services: Services, technician: Actor, clinic: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    from tests.conftest import PASSWORD
    from tests.support.cli import cli_runner

    code = services.reception.create_shipment(technician, clinic).value.code
    run = cli_runner(capsys, monkeypatch)
    done = run("--database", db_url, "--user", "tom", "--json", "reception", "arrival", code, "--temperature", "nan",
               password=PASSWORD)
    assert done.code == 1 and "temperature" in done.err, done
    assert "bug" not in done.err.lower(), done


def test_listing_attachments_does_not_load_their_content(services: Services, technician: Actor, clinic: str,
                                                         tmp_path: Path) -> None:
    info = services.reception.create_shipment(technician, clinic).value
    for i in range(2):
        f = tmp_path / f"photo{i}.jpg"
        f.write_bytes(bytes([i]) * 1024)
        services.reception.attach_file(technician, info.code, f)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(services.db.engine, "before_cursor_execute", seen)
    try:
        listed = services.reception.attachments(info.code)
    finally:
        sa.event.remove(services.db.engine, "before_cursor_execute", seen)
    assert [(a.file_name, a.size_bytes, a.shipment) for a in listed] == [("photo0.jpg", 1024, info.code),
                                                                        ("photo1.jpg", 1024, info.code)]
    # Up to 20 MB a file: the list (shown on every shipment open) must not fetch the blobs.
    assert not [s for s in statements if "shipment_attachments.content" in s], statements
    _, content = services.reception.attachment_content(listed[1].id)
    assert content == bytes([1]) * 1024


def test_a_closed_shipment_keeps_its_tubes_and_files_but_takes_late_files(
        services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    from biobank_desktop.core.domain.errors import ConflictError
    from biobank_desktop.core.services.samples import NewSample

    info = services.reception.create_shipment(technician, clinic).value
    services.reception.receive(technician, info.code, "CL0000001")
    services.reception.quarantine(technician, info.code, "CL0000001", "consent to be confirmed",
                                  tube=NewSample("LUNG", "SER", participant="LU-001"))
    slip = tmp_path / "slip.pdf"
    slip.write_bytes(b"%PDF-1.4 slip")
    first = services.reception.attach_file(technician, info.code, slip).value
    services.reception.close(technician, info.code)
    with pytest.raises(ConflictError, match="closed"):
        services.reception.update_tube(technician, info.code, "CL0000001", condition="HAEMOLYSED")
    with pytest.raises(ConflictError, match="closed"):
        services.reception.remove_attachment(technician, first.id, "attached by mistake")
    assert services.reception.board(info.code).tubes[0].condition == "OK"
    logger = tmp_path / "logger.csv"
    logger.write_text("time;temperature\n08:00;-79.5\n")
    services.reception.attach_file(technician, info.code, logger)  # a logger's export, sent after closing
    assert [a.file_name for a in services.reception.attachments(info.code)] == ["slip.pdf", "logger.csv"]
    with services.db.engine.connect() as conn:
        summary = conn.execute(sa.text("SELECT summary FROM audit_events WHERE action = 'shipment.file_attached' "
                                       "ORDER BY seq DESC")).scalars().first()
    assert summary is not None and "after it was closed" in summary
