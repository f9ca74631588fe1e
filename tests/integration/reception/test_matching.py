"""What the scan alone cannot match, on SQLite and PostgreSQL: a tube with no readable barcode received as its
manifest line, a caps-lock scan, this biobank's own codes scanned at reception, a condition key's answer."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError
from biobank_desktop.core.domain.reception import ScanOutcome
from biobank_desktop.core.flows.reception import ReceptionSession, ServiceBackend
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from tests.support.reception_kit import manifest, tube


@pytest.fixture
def shipment(services: Services, technician: Actor, supervisor: Actor, tmp_path: Path) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return manifest(services, technician, tmp_path / "m.xlsx",
                    [tube("0CHL0001"), tube("0CHL0002", "LU-002"), tube("CL0000003", "LU-003", consent="no")])


def _receipts(services: Services) -> int:
    with services.db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM tube_receipts")).scalar_one())


def test_a_tube_without_barcode_is_received_as_its_manifest_line_once(services: Services, technician: Actor,
                                                                      shipment: str) -> None:
    board = services.reception.board(shipment)
    line = next(t for t in board.tubes if t.barcode == "0CHL0002")
    assert line.expected_tube_id is not None
    done = services.reception.receive_listed(technician, shipment, line.expected_tube_id, comment="label torn")
    result = done.value
    assert result.outcome is ScanOutcome.EXPECTED and result.sample_code and result.label_jobs
    assert result.tube is not None and result.tube.expected_tube_id == line.expected_tube_id
    assert result.tube.condition == "UNLABELLED" and "identified by tom" in result.tube.comment
    assert "label torn" in result.tube.comment
    after = services.reception.board(shipment)
    assert (after.counts.received, after.counts.missing, after.counts.unexpected) == (1, 2, 0)
    # Never twice: the line again (another workstation a moment later), or its barcode scanned after all.
    with pytest.raises(ConflictError):
        services.reception.receive_listed(technician, shipment, line.expected_tube_id)
    again = services.reception.receive(technician, shipment, "0CHL0002").value
    assert again.outcome is ScanOutcome.DUPLICATE and _receipts(services) == 1
    with pytest.raises(NotFoundError):
        services.reception.receive_listed(technician, shipment, 999_999)


def test_a_caps_lock_scan_finds_its_manifest_line_and_says_so(services: Services, technician: Actor,
                                                               shipment: str) -> None:
    assert services.reception.listed_barcode(shipment, "0chl0001") == "0CHL0001"
    assert services.reception.listed_barcode(shipment, "0CHL0001") is None  # exact: nothing to correct
    flow = ReceptionSession(ServiceBackend(services.reception, technician, shipment))
    answer = flow.scan("0chl0001")
    assert answer is not None and answer.result is not None
    assert answer.result.outcome is ScanOutcome.EXPECTED and answer.result.barcode == "0CHL0001"
    assert "caps lock" in answer.detail.lower()
    assert services.reception.board(shipment).counts.unexpected == 0


@pytest.mark.parametrize("garbage", ["#$%^&*((", "CL 0001", "AB\x07CD", "é€"])
def test_a_code_that_cannot_be_a_barcode_is_refused_and_nothing_recorded(services: Services, technician: Actor,
                                                                         shipment: str, garbage: str) -> None:
    flow = ReceptionSession(ServiceBackend(services.reception, technician, shipment))
    answer = flow.scan(garbage)
    assert answer is not None and answer.tone == "error" and "not a barcode" in answer.headline
    assert "nothing was recorded" in answer.detail.lower() and answer.result is None
    assert _receipts(services) == 0


def test_our_own_codes_get_reception_words(services: Services, technician: Actor, shipment: str) -> None:
    sample = services.reception.receive(technician, shipment, "0CHL0001").value.sample_code or ""
    own = services.reception.receive(technician, shipment, sample).value
    assert own.outcome is ScanOutcome.NOT_A_TUBE and not own.recorded
    assert own.message == f"{sample} is already a sample of this biobank (ID label)"
    assert "scan the clinic's barcode" in own.hint and "not added" not in own.message + own.hint
    assert "F2" not in own.hint
    box = services.reception.receive(technician, shipment, "BOX-000123").value
    assert box.message == "BOX-000123 is a box's barcode, not a tube's" and "not added" not in box.hint
    assert _receipts(services) == 1


def test_a_condition_key_names_the_condition_and_the_sample(services: Services, technician: Actor,
                                                            shipment: str) -> None:
    sample = services.reception.receive(technician, shipment, "0CHL0001").value.sample_code
    done = services.reception.update_tube(technician, shipment, "0CHL0001", condition="HAEMOLYSED").value
    assert done.message == f"Haemolysed recorded for 0CHL0001 ({sample})" and done.sample_code == sample


def test_the_report_wraps_reasons_names_unlisted_tubes_and_is_shared_like_the_pdf(
        services: Services, technician: Actor, shipment: str, tmp_path: Path) -> None:
    import openpyxl
    import pypdfium2

    reason = ("Consent no on manifest, ask clinic to confirm with the participant's signed form before any use "
              "of the sample; until then it is kept aside")
    services.reception.receive(technician, shipment, "CL0000003")
    services.reception.reject(technician, shipment, "CL0000003", reason)
    services.reception.receive(technician, shipment, "0CHL0001")  # LU-001's consent is now recorded
    services.reception.receive(technician, shipment, "STRAY-9")
    services.reception.accept_unexpected(technician, shipment, "STRAY-9",
                                         NewSample("LUNG", "SER", participant="LU-001"))
    pdf = services.reception.write_report(technician, shipment, tmp_path / "report.pdf").value
    text = " ".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))
    assert "…" not in text and "until then it is kept aside" in " ".join(text.split())
    xlsx = services.reception.write_report(technician, shipment, tmp_path / "report.xlsx").value
    assert xlsx.stat().st_mode & 0o777 == pdf.stat().st_mode & 0o777
    values = [list(r) for r in openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True)]
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    assert str(tmp_path.parent) not in flat and ".db" not in flat and "sqlite" not in flat.lower()
    assert "postgresql" not in flat.lower()
    stray = next(r for r in values if r and r[1] == "STRAY-9")
    assert (stray[4], stray[5]) == ("LU-001", "SER")  # participant and type of an unlisted tube


def test_a_tube_registered_without_barcode_is_corrected_by_its_receipt_id(services: Services, technician: Actor,
                                                                          shipment: str) -> None:
    from biobank_desktop.core.domain.errors import ValidationError

    done = services.reception.register_unlabelled(technician, shipment, NewSample("LUNG", "SER",
                                                                                  participant="NO-CONSENT-9"),
                                                  quarantine_reason="consent form to be sent").value
    line = next(t for t in services.reception.board(shipment).tubes if t.sample_code == done.sample_code)
    assert line.barcode is None and line.receipt_id is not None
    fixed = services.reception.update_tube(technician, shipment, receipt_id=line.receipt_id,
                                           condition="HAEMOLYSED", comment="found loose").value
    assert fixed.message == f"Haemolysed, comment recorded for the tube with no barcode ({done.sample_code})"
    after = next(t for t in services.reception.board(shipment).tubes if t.receipt_id == line.receipt_id)
    assert (after.condition, after.comment) == ("HAEMOLYSED", "found loose")
    with pytest.raises(ValidationError):  # neither, or both: which tube is meant is unclear
        services.reception.update_tube(technician, shipment, condition="OK")
    with pytest.raises(ValidationError):
        services.reception.update_tube(technician, shipment, "0CHL0001", receipt_id=line.receipt_id, condition="OK")
    other = services.reception.create_shipment(technician, "CLINIC").value.code
    with pytest.raises(NotFoundError):  # a receipt of another shipment is not this shipment's
        services.reception.update_tube(technician, other, receipt_id=line.receipt_id, condition="OK")
    assert next(t for t in services.reception.board(shipment).tubes
                if t.receipt_id == line.receipt_id).condition == "HAEMOLYSED"
