"""Exports on both backends, each file read back: inventory with its filters, the manifest template (dropdowns,
hidden codes, and importable once filled), audit extract, full export (.xlsx and CSV folder), cancel."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import OperationCancelledError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.samples import NewSample


def _header_row(ws, first: str) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(1, 20) if ws.cell(r, 1).value == first)


@pytest.fixture
def stocked(services: Services, technician: Actor) -> list[str]:
    collected = dt.datetime(2026, 11, 2, 8, 15, tzinfo=dt.UTC)
    return [services.samples.register(technician, NewSample(
        "LUNG" if i % 2 else "NPC", "SER", participant=f"P-{i}", volume_ul=Decimal("250.5"),
        external_barcodes=(f"=CLIN{i:04d}",), collected_at=collected, notes="-note")).value for i in range(5)]


def test_inventory_export_of_a_search(services: Services, technician: Actor, stocked: list[str],
                                      tmp_path: Path) -> None:
    out = tmp_path / "lung.xlsx"
    result = services.exchange.export_inventory(technician, out, SampleCriteria(study_codes=("LUNG",)))
    assert result.value.rows == {"Inventory": 2} and result.changes.touches("export")
    ws = openpyxl.load_workbook(out)["Inventory"]
    block = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 8)}
    assert block["Filters"] == "studies: LUNG" and "tom" in block["By"]
    top = _header_row(ws, "Sample ID")
    assert ws.freeze_panes == f"A{top + 1}"
    headers = [c.value for c in ws[top]]
    first = {h: ws.cell(top + 1, i + 1) for i, h in enumerate(headers)}
    assert first["Study"].value == "LUNG" and first["Volume (µL)"].value == pytest.approx(250.5)
    assert first["Collected"].is_date
    assert first["External barcodes"].value.startswith("=CLIN") and first["External barcodes"].data_type == "s"
    assert {ws.cell(r, 1).value for r in (top + 1, top + 2)} == {stocked[1], stocked[3]}


def test_inventory_csv(services: Services, technician: Actor, stocked: list[str], tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    services.exchange.export_inventory(technician, out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "Sample ID" and len(rows) == 6
    assert rows[1][1].startswith("'=CLIN")  # formula-safe in CSV


def test_template_has_dropdowns_hidden_codes_and_imports_back(services: Services, technician: Actor,
                                                              supervisor: Actor, tmp_path: Path) -> None:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic")
    out = tmp_path / "template.xlsx"
    services.exchange.export_template(technician, out, "CLINIC")
    wb = openpyxl.load_workbook(out)
    assert wb["Codes"].sheet_state == "hidden"
    ws = wb["Manifest"]
    rules = {str(v.sqref).split(":")[0][0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert set(rules) == {"C", "E", "F"} and rules["C"].startswith("'Codes'!$A$2")
    study_codes = [wb["Codes"].cell(r, 1).value for r in range(2, 8)]
    assert "LUNG" in study_codes
    top = _header_row(ws, "Tube barcode")
    ws.cell(top + 1, 1, "000123")
    ws.cell(top + 1, 2, "P-77")
    ws.cell(top + 1, 3, "LUNG")
    ws.cell(top + 1, 5, "SER")
    ws.cell(top + 1, 6, "SST")
    ws.cell(top + 1, 7, 1.5)
    ws.cell(top + 1, 8, dt.datetime(2026, 11, 2, 8, 15))
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    report = services.exchange.import_file(technician, filled, kind="manifest", partner="CLINIC").value
    assert report.rows_imported == 1, report.problems
    assert services.exchange.shipment_tube_count(report.shipment or "") == 1


def test_audit_extract_and_full_export(services: Services, admin: Actor, stocked: list[str], tmp_path: Path) -> None:
    audit = tmp_path / "audit.xlsx"
    services.exchange.export_audit(admin, audit, since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    rows = CalamineWorkbook.from_path(str(audit)).get_sheet_by_name("Audit trail").to_python()
    header = next(i for i, r in enumerate(rows) if r[0] == "Seq")
    actions = {r[4] for r in rows[header + 1:]}
    assert "sample.registered" in actions
    full = tmp_path / "full.xlsx"
    services.exchange.export_full(admin, full)
    wb = openpyxl.load_workbook(full)
    assert wb.sheetnames == ["Samples", "Participants", "Consents", "Storage", "Columns"]
    described = {(wb["Columns"].cell(r, 1).value, wb["Columns"].cell(r, 2).value)
                 for r in range(2, wb["Columns"].max_row + 1)}
    assert ("Samples", "SPREC") in described and ("Samples", "Storage path") in described
    folder = tmp_path / "csv"
    folder.mkdir()
    services.exchange.export_full(admin, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["columns.csv", "consents.csv", "participants.csv",
                                                        "samples.csv", "storage.csv"]
    assert len((folder / "samples.csv").read_text(encoding="utf-8-sig").splitlines()) == 6


def test_cancelled_export_leaves_no_file(services: Services, technician: Actor, stocked: list[str],
                                         tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OperationCancelledError):
        services.exchange.export_inventory(technician, folder / "x.xlsx", cancelled=lambda: True)
    assert list(folder.iterdir()) == []
