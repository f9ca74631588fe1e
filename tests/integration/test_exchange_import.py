"""Imports through ExchangeService on SQLite and PostgreSQL: manifests become shipments of expected tubes,
inventories become samples; duplicates refused by content hash; dry run and refused commits write nothing;
valid-rows-only with an error workbook; saved mappings versioned per partner; audit; cancel keeps nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ConflictError, NotFoundError, OperationCancelledError
from biobank_desktop.core.flows.import_wizard import ImportWizard, Step
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.audit import AuditFilter
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.spreadsheets.reading import SpreadsheetError
from tests.support.storage_kit import build_tree
from tests.unit.spreadsheets.helpers import HEADERS, make_xlsx, row

TABLES = ("shipments", "expected_tubes", "import_records", "saved_mappings", "samples", "participants",
          "audit_events")


def _lung(n: int, **overrides: object) -> list[object]:
    values: dict[str, object] = {"Study": "LUNG", "Collected": dt.datetime(2026, 11, 2, 8, 15)} | overrides
    return row(n, **values)


def _counts(services: Services) -> dict[str, int]:
    with services.db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


@pytest.fixture
def clinic(services: Services, supervisor: Actor) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return "CLINIC"


def test_manifest_becomes_a_shipment_of_expected_tubes(services: Services, technician: Actor, clinic: str,
                                                       tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [_lung(1), _lung(2, **{"Volume (ml)": "1,5 ml"}), _lung(3)])
    result = services.exchange.import_file(technician, path, kind="manifest", partner=clinic)
    report = result.value
    assert (report.rows_read, report.rows_valid, report.rows_imported) == (3, 3, 3)
    assert report.shipment is not None and report.shipment.startswith("SH-")
    assert result.changes.touches("shipment", "import")
    assert services.exchange.shipment_tube_count(report.shipment) == 3
    with services.db.engine.connect() as conn:
        tubes = conn.execute(sa.text("SELECT clinic_barcode, pseudonym, sample_type, primary_container, volume_ul, "
                                     "source_row FROM expected_tubes ORDER BY source_row")).all()
    assert tubes[0][:4] == ("053100001", "NC-0400", "SER", "SST")
    assert Decimal(tubes[1][4]) == Decimal("1500.00") and [t[5] for t in tubes] == [4, 5, 6]
    history = services.exchange.import_history(technician)
    assert history[0].shipment == report.shipment and history[0].imported_by == technician.username
    events = services.audit.browse(technician, AuditFilter(action_prefix="import."))
    assert events[0].after["sha256"] == report.sha256 and events[0].after["rows_imported"] == 3


def test_same_file_twice_is_refused_with_the_first_imports_date(services: Services, technician: Actor,
                                                                clinic: str, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [_lung(1)])
    services.exchange.import_file(technician, path, kind="manifest", partner=clinic)
    copy = tmp_path / "renamed.xlsx"
    copy.write_bytes(path.read_bytes())
    before = _counts(services)
    with pytest.raises(ConflictError, match=r"already imported on \d{4}-\d\d-\d\d .* by tom"):
        services.exchange.import_file(technician, copy, kind="manifest", partner=clinic)
    assert _counts(services) == before


def test_dry_run_and_refused_commit_write_nothing(services: Services, technician: Actor, clinic: str,
                                                  tmp_path: Path) -> None:
    before = _counts(services)
    good = make_xlsx(tmp_path / "good.xlsx", [_lung(1), _lung(2)])
    dry = services.exchange.import_file(technician, good, kind="manifest", partner=clinic, dry_run=True).value
    assert dry.rows_valid == 2 and dry.rows_imported == 0 and dry.shipment is None
    assert any("Dry run" in n for n in dry.notes)
    bad = make_xlsx(tmp_path / "bad.xlsx", [_lung(1), _lung(2, Collected="31/02/2026")])
    refused = services.exchange.import_file(technician, bad, kind="manifest", partner=clinic).value
    assert refused.rows_imported == 0 and "1 row(s) have problems" in refused.notes[-1]
    assert _counts(services) == before


def test_valid_rows_only_imports_them_and_writes_the_error_workbook(services: Services, technician: Actor,
                                                                    clinic: str, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [_lung(1), _lung(2, Material="Gold"), _lung(3)])
    errors = tmp_path / "errors.xlsx"
    report = services.exchange.import_file(technician, path, kind="manifest", partner=clinic,
                                           valid_rows_only=True, errors_to=errors).value
    assert report.rows_imported == 2 and services.exchange.shipment_tube_count(report.shipment or "") == 2
    ws = openpyxl.load_workbook(errors)["Rejected rows"]
    values = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert 5 in values and 4 not in values


def test_duplicates_against_the_database(services: Services, technician: Actor, clinic: str,
                                         tmp_path: Path) -> None:
    first = make_xlsx(tmp_path / "a.xlsx", [_lung(1)])
    shipment = services.exchange.import_file(technician, first, kind="manifest", partner=clinic).value.shipment
    second = make_xlsx(tmp_path / "b.xlsx", [_lung(1), _lung(9)], title="Second shipment")
    report = services.exchange.import_file(technician, second, kind="manifest", partner=clinic).value
    problem = next(p for p in report.problems if p.code == "duplicate_in_database")
    assert problem.row == 4 and shipment in problem.message and report.rows_imported == 0
    code = services.samples.register(technician, NewSample("LUNG", "SER", external_barcodes=("053100009",))).value
    third = make_xlsx(tmp_path / "c.xlsx", [_lung(9)], title="Third shipment")
    report = services.exchange.import_file(technician, third, kind="manifest", partner=clinic).value
    assert [(p.code, p.row) for p in report.problems] == [("duplicate_in_database", 4)]
    assert f"belongs to sample {code}" in report.problems[0].message


def test_unknown_partner_and_not_a_spreadsheet_leave_the_database_untouched(services: Services, technician: Actor,
                                                                            clinic: str, tmp_path: Path) -> None:
    before = _counts(services)
    path = make_xlsx(tmp_path / "m.xlsx", [_lung(1)])
    with pytest.raises(NotFoundError, match="no partner site NOPE"):
        services.exchange.import_file(technician, path, kind="manifest", partner="nope")
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.5 ...")
    with pytest.raises(SpreadsheetError, match="PDF"):
        services.exchange.import_file(technician, pdf, kind="manifest", partner=clinic)
    missing = make_xlsx(tmp_path / "r.xlsx", [["0001", "P-1"]], headers=["Barcode", "Participant"])
    report = services.exchange.import_file(technician, missing, kind="manifest", partner=clinic).value
    assert report.rows_imported == 0 and "required" in report.notes[-1]
    unknown = make_xlsx(tmp_path / "u.xlsx", [[*_lung(1), "blue"]], headers=[*HEADERS, "Colour"])
    report = services.exchange.import_file(technician, unknown, kind="manifest", partner=clinic, dry_run=True).value
    assert [(lo.column, lo.header) for lo in report.left_out] == [("I", "Colour")]
    assert "no field" in report.left_out[0].reason
    assert _counts(services) == before


def test_cancel_keeps_nothing(services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    before = _counts(services)
    path = make_xlsx(tmp_path / "m.xlsx", [_lung(i) for i in range(1, 30)])
    calls = {"n": 0}

    def cancel_late() -> bool:  # let reading finish, stop while writing
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(OperationCancelledError):
        services.exchange.import_file(technician, path, kind="manifest", partner=clinic, cancelled=cancel_late)
    assert _counts(services) == before


def test_mapping_saved_per_partner_versioned_and_reused(services: Services, technician: Actor, clinic: str,
                                                        tmp_path: Path) -> None:
    first = make_xlsx(tmp_path / "a.xlsx", [_lung(1, Material="Plasma rouge")])
    wizard = ImportWizard(services.exchange.wizard_backend(technician))
    wizard.choose_file(first, "manifest", clinic)
    wizard.choose_sheet()
    wizard.answer_value("sample_type", "Plasma rouge", "PL2")
    wizard.confirm_mapping()
    wizard.dry_run()
    report = wizard.commit()
    assert wizard.step == Step.DONE and report.rows_imported == 1
    versions = services.exchange.saved_mappings(clinic)
    assert [(v.name, v.version) for v in versions] == [("default", 1)]
    second = make_xlsx(tmp_path / "b.xlsx", [_lung(2, Material="Plasma rouge")], title="Next week")
    again = services.exchange.import_file(technician, second, kind="manifest", partner=clinic).value
    assert again.rows_imported == 1  # the remembered answer was used
    assert len(services.exchange.saved_mappings(clinic)) == 1  # unchanged mapping: no new version
    third = make_xlsx(tmp_path / "c.xlsx", [_lung(3)], title="Third")
    mapping = services.exchange.saved_mapping("manifest", clinic)
    assert mapping is not None
    services.exchange.import_file(technician, third, kind="manifest", partner=clinic,
                                  mapping=mapping.with_value("container", "Vacutainer rouge", "SST"))
    assert [v.version for v in services.exchange.saved_mappings(clinic)] == [2, 1]


def test_inventory_creates_samples_and_participants_with_history(services: Services, technician: Actor,
                                                                 supervisor: Actor, tmp_path: Path) -> None:
    box = build_tree(services, supervisor).box
    headers = [*HEADERS, "Box", "Position", "Freeze-thaw cycles"]
    rows = [[*_lung(1), box, "A1", 0], [*_lung(2), box, "C4", 1]]
    path = make_xlsx(tmp_path / "inv.xlsx", rows, headers=headers, title="LabKey export")
    result = services.exchange.import_file(technician, path, kind="inventory")
    report = result.value
    assert report.rows_imported == 2 and result.changes.touches("sample")
    codes = sorted(result.changes.ids_of("sample"))
    detail = services.queries.detail(codes[0])
    assert detail.participant == "NC-0400" and detail.barcodes[0][0] in ("053100001", "053100002")
    history = services.audit.history(technician, "sample", codes[0])
    imported = next(e for e in history if e.action == "sample.imported")
    assert f"import #{report.import_id}" in imported.after["import"] and imported.after["box"] == box
    places = {services.storage.locate(c).position for c in codes}  # type: ignore[union-attr]
    assert places == {"A1", "C4"}


def test_inventory_row_the_storage_refuses_aborts_with_the_row(services: Services, technician: Actor,
                                                               supervisor: Actor, tmp_path: Path) -> None:
    box = build_tree(services, supervisor).box
    before = _counts(services)
    headers = [*HEADERS, "Box", "Position"]
    rows = [[*_lung(1), box, "A1"], [*_lung(2), box, "B1"], [*_lung(3), "NO-SUCH-BOX", "B1"]]
    path = make_xlsx(tmp_path / "inv.xlsx", rows, headers=headers, title=None)
    with pytest.raises(BiobankError, match=r"Row 4: .*NO-SUCH-BOX"):
        services.exchange.import_file(technician, path, kind="inventory")
    assert _counts(services) == before
    twice = make_xlsx(tmp_path / "twice.xlsx", [[*_lung(1), box, "A1"], [*_lung(2), box, "A1"]], headers=headers,
                      title=None)
    report = services.exchange.import_file(technician, twice, kind="inventory").value
    problem = next(p for p in report.problems if p.code == "duplicate_position_in_file")
    assert problem.row == 3 and report.rows_imported == 0
    assert _counts(services) == before
