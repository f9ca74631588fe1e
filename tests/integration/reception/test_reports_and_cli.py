"""The discrepancy report (PDF text extracted, .xlsx read back), the ``reception`` and ``study`` commands
(in-process, ``--json``), and a study's own sample ID prefix — on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import PermissionDeniedError, ValidationError
from biobank_desktop.core.domain.ids import parse_sample_id
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.reception import ArrivalConditions
from tests.conftest import PASSWORD
from tests.support.cli import Cli, Result, cli_runner
from tests.support.reception_kit import manifest, tube


@pytest.fixture(autouse=True)
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("BIOBANK_DATA_DIR", str(tmp_path / "data"))
    Settings(workstation_name="CLI-RECEPTION").save()


@pytest.fixture
def shipment(services: Services, technician: Actor, supervisor: Actor, tmp_path: Path) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    code = manifest(services, technician, tmp_path / "m.xlsx",
                    [tube("CL0000001"), tube("CL0000002", "LU-002"), tube("CL0000003", "LU-003", consent="no")])
    services.reception.record_arrival(technician, code, ArrivalConditions(
        transport_temperature="dry_ice", dry_ice_left="no", temperature_c=Decimal("-12.5"), packaging="damaged"))
    return code


def test_the_discrepancy_report_lists_missing_unexpected_damaged_and_rejected_tubes(
        services: Services, technician: Actor, shipment: str, tmp_path: Path) -> None:
    import pypdfium2

    services.reception.receive(technician, shipment, "CL0000001", condition="BROKEN", comment="cap cracked")
    services.reception.receive(technician, shipment, "CL0000003")
    services.reception.reject(technician, shipment, "CL0000003", "no consent")
    services.reception.receive(technician, shipment, "STRAY-9")
    services.reception.close(technician, shipment, "CL0000002 not in the box; clinic informed")
    pdf = services.reception.write_report(technician, shipment, tmp_path / "report.pdf").value
    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))
    for expected in (shipment, "frozen on dry ice", "no dry ice left", "-12.5 °C", "packaging damaged",
                     "CL0000002", "missing", "CL0000001", "broken", "cap cracked", "CL0000003", "rejected",
                     "STRAY-9", "not on manifest", "clinic informed"):
        assert expected in text, expected
    xlsx = services.reception.write_report(technician, shipment, tmp_path / "report.xlsx").value
    sheet = openpyxl.load_workbook(xlsx).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(values) if r and r[0] == "Problem")
    rows = {r[1]: r for r in values[header_at + 1:] if r and r[1]}
    assert set(rows) == {"CL0000001", "CL0000002", "CL0000003", "STRAY-9"}
    assert rows["CL0000002"][0] == "missing" and rows["CL0000003"][8] == "rejected"
    assert rows["CL0000001"][6] == "broken" and rows["CL0000001"][7] == "cap cracked"
    assert any(r and r[0] == "Transport" and r[1] == "frozen on dry ice" for r in values[:header_at])
    with pytest.raises(ValidationError, match="neither a .pdf nor an .xlsx"):
        services.reception.write_report(technician, shipment, tmp_path / "report.txt")


def test_a_study_prefix_is_set_by_a_supervisor_and_used_for_new_ids(services: Services, technician: Actor,
                                                                    supervisor: Actor, shipment: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services.reference.set_study_prefix(technician, "LUNG", "LUNG", "own series")
    for bad, why in (("L", "2 to 5 letters"), ("LUNG1", "2 to 5 letters"), ("BOX", "cannot be"),
                     ("BB", "biobank-wide")):
        with pytest.raises(ValidationError, match=why):
            services.reference.set_study_prefix(supervisor, "LUNG", bad, "own series")
    info = services.reference.set_study_prefix(supervisor, "lung", "lung", "the cohort asked for its own IDs").value
    assert info.sample_id_prefix == "LUNG"
    code = services.reception.receive(technician, shipment, "CL0000001").value.sample_code or ""
    parsed = parse_sample_id(code)  # raises unless the MOD 37,36 check character is right
    assert code.startswith("LUNG-") and parsed.prefix == "LUNG"
    events = services.audit.history(supervisor, "study", "LUNG")
    assert events[-1].action == "study.prefix_changed" and events[-1].reason == "the cohort asked for its own IDs"


@pytest.fixture
def as_tom(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str,
           shipment: str) -> Cli:
    run_cli = cli_runner(capsys, monkeypatch)

    def run(*argv: str) -> Result:
        return run_cli("--database", db_url, "--user", "tom", "--json", *argv, password=PASSWORD)

    return run


def test_the_reception_commands_give_each_scan_its_outcome(as_tom: Cli, shipment: str, tmp_path: Path) -> None:
    scanned = as_tom("reception", "receive", shipment, "CL0000001", "CL0000001", "UNKNOWN-1")
    assert scanned.code == 0, scanned.err
    answers = scanned.json()
    assert isinstance(answers, list)
    assert [a["outcome"] for a in answers] == ["expected", "duplicate", "unexpected"]
    assert answers[0]["sample"] and answers[1]["sample"] == answers[0]["sample"]
    listed = as_tom("reception", "shipments", "--open").json()
    assert isinstance(listed, list) and listed[0]["code"] == shipment and listed[0]["counts"]["received"] == 1
    refused = as_tom("reception", "close", shipment)
    assert refused.code == 1 and "reason" in refused.err
    closed = as_tom("reception", "close", shipment, "--reason", "rest next week").json()
    assert isinstance(closed, dict) and closed["status"] == "closed"
    report = as_tom("reception", "report", shipment, str(tmp_path / "r.xlsx"))
    assert report.code == 0 and (tmp_path / "r.xlsx").exists()
    late = as_tom("reception", "receive", shipment, "CL0000002").json()
    assert isinstance(late, list) and late[0]["outcome"] == "shipment_closed" and late[0]["recorded"] is False


def test_a_shipment_by_hand_from_the_command_line(as_tom: Cli) -> None:
    made = as_tom("reception", "new", "--partner", "clinic", "--courier", "DHL", "--tracking", "JD01")
    info = made.json()
    assert made.code == 0 and isinstance(info, dict) and info["courier"] == "DHL" and info["manifest"] is None
    unknown = as_tom("reception", "new", "--partner", "NOPE")
    assert unknown.code == 1 and "NOPE" in unknown.err
