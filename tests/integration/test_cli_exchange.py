"""``biobank-desktop import`` and ``export``: in-process on both backends, the JSON fields the issue lists,
exit codes, files read back, bad input ending in a message (no traceback) with the database untouched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from tests.conftest import PASSWORD
from tests.support.cli import Cli, Result, cli_runner
from tests.unit.spreadsheets.helpers import HEADERS, make_xlsx, row


@pytest.fixture(autouse=True)
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("BIOBANK_DATA_DIR", str(tmp_path / "data"))
    Settings(workstation_name="CLI-EXCHANGE").save()


@pytest.fixture
def as_tom(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_url: str, technician: Actor,
           services: Services, supervisor: Actor) -> Cli:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic")
    run_cli = cli_runner(capsys, monkeypatch)

    def run(*argv: str) -> Result:
        return run_cli("--database", db_url, "--user", "tom", *argv, password=PASSWORD)

    return run


def _lung(n: int, **overrides: object) -> list[object]:
    values: dict[str, object] = {"Study": "LUNG", "Collected": dt.datetime(2026, 11, 2, 8, 15)} | overrides
    return row(n, **values)


def _tubes(services: Services) -> int:
    with services.db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM expected_tubes")).scalar_one())


def test_import_manifest_json(as_tom: Cli, services: Services, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [[*_lung(1), "Dupont"], [*_lung(2), "Martin"]],
                     headers=[*HEADERS, "Nom du patient"])
    result = as_tom("--json", "import", str(path), "--kind", "manifest", "--partner", "clinic")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, dict)
    assert (data["rows_read"], data["rows_valid"], data["rows_imported"]) == (2, 2, 2)
    assert data["shipment"].startswith("SH-")
    assert data["columns_left_out"][0]["column"] == "I" and "name" in data["columns_left_out"][0]["reason"]
    assert _tubes(services) == 2


def test_import_with_problems_lists_them_and_writes_the_error_workbook(as_tom: Cli, services: Services,
                                                                       tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [_lung(1), _lung(2, Collected="31/02/2026"), _lung(3)])
    errors = tmp_path / "errors.xlsx"
    result = as_tom("--json", "import", str(path), "--kind", "manifest", "--partner", "CLINIC", "--errors",
                    str(errors))
    assert result.code == 1 and _tubes(services) == 0
    data = result.json()
    assert isinstance(data, dict)
    problem = data["problems"][0]
    assert {k: problem[k] for k in ("sheet", "row", "column", "header", "value", "code")} == {
        "sheet": "Shipment", "row": 5, "column": "H", "header": "Collected", "value": "31/02/2026",
        "code": "date_invalid"}
    assert "does not exist" in problem["message"]
    assert openpyxl.load_workbook(errors)["Rejected rows"].max_row > 1
    dry = as_tom("import", str(path), "--kind", "manifest", "--partner", "CLINIC", "--dry-run")
    assert dry.code == 1 and "date 31/02/2026 does not exist" in dry.out
    partial = as_tom("import", str(path), "--kind", "manifest", "--partner", "CLINIC", "--valid-rows-only")
    assert partial.code == 0 and _tubes(services) == 2 and "Shipment SH-" in partial.out
    again = as_tom("import", str(path), "--kind", "manifest", "--partner", "CLINIC", "--valid-rows-only")
    assert again.code == 1 and "already imported on" in again.err


def test_bad_input_ends_in_a_message(as_tom: Cli, services: Services, tmp_path: Path) -> None:
    pdf = tmp_path / "m.xlsx"
    pdf.write_bytes(b"%PDF-1.4")
    result = as_tom("import", str(pdf), "--kind", "manifest", "--partner", "CLINIC")
    assert result.code == 1 and "PDF" in result.err
    good = make_xlsx(tmp_path / "g.xlsx", [_lung(1)])
    result = as_tom("import", str(good), "--kind", "manifest", "--partner", "NOPE")
    assert result.code == 1 and "no partner site NOPE" in result.err
    result = as_tom("import", str(good), "--kind", "manifest", "--partner", "CLINIC", "--mapping", "weekly")
    assert result.code == 1 and "no saved manifest mapping named 'weekly'" in result.err
    assert _tubes(services) == 0


def test_exports(as_tom: Cli, tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    assert as_tom("export", "template", str(template), "--partner", "CLINIC").code == 0
    assert openpyxl.load_workbook(template)["Codes"].sheet_state == "hidden"
    inventory = tmp_path / "i.csv"
    result = as_tom("--json", "export", "inventory", str(inventory), "--study", "lung")
    assert result.code == 0 and inventory.exists()
    audit = tmp_path / "a.xlsx"
    assert as_tom("export", "audit", str(audit), "--from", "2020-01-01").code == 0
    assert "Audit trail" in openpyxl.load_workbook(audit).sheetnames
    assert as_tom("export", "audit", str(audit), "--from", "yesterday").code == 2
