"""Data fidelity: each case of the issue, with a workbook (or CSV) the test makes, read back through the
whole engine (read → table → mapping → validation)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.core.spreadsheets import convert
from biobank_desktop.core.spreadsheets.convert import CellProblem
from biobank_desktop.core.spreadsheets.importing import prepare
from biobank_desktop.core.spreadsheets.mapping import ImportMapping
from tests.unit.spreadsheets.helpers import HEADERS, context, make_xlsx, row


def _prepare(path: Path, mapping: ImportMapping | None = None):  # type: ignore[no-untyped-def]
    return prepare(path, "manifest", context(), mapping=mapping)


def _codes(prepared) -> dict[int, set[str]]:  # type: ignore[no-untyped-def]
    found: dict[int, set[str]] = {}
    for p in prepared.validation.problems:
        found.setdefault(p.row, set()).add(p.code)
    return found


def test_excel_serial_numbers_and_the_1900_leap_year_bug() -> None:
    assert convert.excel_serial(59) == dt.datetime(1900, 2, 28)
    assert convert.excel_serial(61) == dt.datetime(1900, 3, 1)
    assert convert.excel_serial(1) == dt.datetime(1900, 1, 1)
    assert convert.excel_serial(46328.34375) == dt.datetime(2026, 11, 2, 8, 15)
    with pytest.raises(CellProblem, match="1900-02-29 does not exist"):
        convert.excel_serial(60)


def test_serial_number_in_a_date_column_is_a_date(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "s.xlsx", [row(1, Collected=46328.34375), row(2, Collected=60), row(3, Collected=100)])
    prepared = _prepare(path)
    assert prepared.validation.records[4]["collected_at"].astimezone().replace(tzinfo=None) == \
        dt.datetime(2026, 11, 2, 8, 15)
    assert "date_invalid" in _codes(prepared)[5]
    assert "date_implausible" in _codes(prepared)[6]


def test_date_datetime_and_time_cells(tmp_path: Path) -> None:
    headers = [*HEADERS, "Heure de prélèvement"]
    rows = [[*row(1, Collected=dt.date(2026, 11, 2)), dt.time(8, 15)],
            [*row(2, Collected=dt.datetime(2026, 11, 2, 9, 30)), None],
            [*row(3, Collected=dt.time(7, 0)), None]]
    prepared = _prepare(make_xlsx(tmp_path / "d.xlsx", rows, headers=headers))
    assert prepared.mapping.columns["collection_time"] == "Heure de prélèvement"
    records = prepared.validation.records
    assert records[4]["collected_at"].astimezone().replace(tzinfo=None) == dt.datetime(2026, 11, 2, 8, 15)
    assert records[5]["collected_at"].astimezone().replace(tzinfo=None) == dt.datetime(2026, 11, 2, 9, 30)
    assert _codes(prepared)[6] == {"date_missing_day"}


@pytest.mark.parametrize(("order", "expected"), [("DMY", dt.date(2026, 11, 2)), ("MDY", dt.date(2026, 2, 11))])
def test_text_dates_day_first_and_month_first(tmp_path: Path, order: str, expected: dt.date) -> None:
    path = make_xlsx(tmp_path / "t.xlsx", [row(1, Collected="02/11/2026 08:15"), row(2, Collected="2026-11-02")])
    first = _prepare(path)
    mapping = ImportMapping.from_dict(first.mapping.to_dict() | {"date_order": order})
    records = _prepare(path, mapping).validation.records
    assert records[4]["collected_at"].astimezone().date() == expected
    assert records[5]["collected_at"] == dt.date(2026, 11, 2)  # ISO is never ambiguous


def test_month_first_file_is_guessed_from_an_impossible_day_first_date(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "us.xlsx", [row(1, Collected="11/25/2026"), row(2, Collected="11/02/2026")])
    assert _prepare(path).mapping.date_order == "MDY"


def test_nonexistent_date_is_named(tmp_path: Path) -> None:
    prepared = _prepare(make_xlsx(tmp_path / "x.xlsx", [row(1, Collected="31/02/2026")] * 1))
    problem = next(p for p in prepared.validation.problems if p.code == "date_invalid")
    assert (problem.row, problem.column, problem.header, problem.value) == (4, "H", "Collected", "31/02/2026")
    assert "31/02/2026 does not exist" in problem.message


def test_times_without_zone_are_the_labs_local_time(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "z.xlsx", [row(1, Collected=dt.datetime(2026, 11, 2, 8, 15))])
    base = _prepare(path).mapping
    paris = _prepare(path, ImportMapping.from_dict(base.to_dict() | {"timezone": "Europe/Paris"}))
    assert paris.validation.records[4]["collected_at"] == dt.datetime(2026, 11, 2, 7, 15, tzinfo=dt.UTC)
    local = _prepare(path).validation.records[4]["collected_at"]
    assert local == dt.datetime(2026, 11, 2, 8, 15).astimezone().astimezone(dt.UTC)


def test_barcodes_text_with_zeros_kept_numbers_flagged_never_guessed(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "b.xlsx", [row(1), row(2, **{"Sample barcode": 53100002})])
    prepared = _prepare(path)
    assert prepared.validation.records[4]["clinic_barcode"] == "053100001"
    problem = next(p for p in prepared.validation.problems if p.row == 5)
    assert problem.code == "barcode_lost_zeros" and problem.value == "53100002"
    # Only an explicit per-column rule pads it back.
    padded = _prepare(path, ImportMapping.from_dict(prepared.mapping.to_dict() | {"barcode_pad_to": 9}))
    assert padded.validation.records[5]["clinic_barcode"] == "053100002"
    assert not padded.validation.problems


def test_numeric_barcodes_without_zero_siblings_are_kept_with_a_warning(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "n.xlsx", [row(1, **{"Sample barcode": 12345678})])
    prepared = _prepare(path)
    assert prepared.validation.records[4]["clinic_barcode"] == "12345678"
    assert [(p.code, p.severity) for p in prepared.validation.problems] == [("barcode_number", "warning")]


def test_long_numeric_ids_in_scientific_notation_are_refused(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "e.xlsx", [row(1, **{"Sample barcode": "1.23E+11"}),
                                           row(2, **{"Sample barcode": 1.2345678901234567e17})])
    codes = _codes(_prepare(path))
    assert codes[4] == {"barcode_scientific"} and codes[5] == {"barcode_scientific"}


def _with_cached_formula(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<c r="G4"( [^>]*)?><f>([^<]*)</f><v\s*/?>(</v>)?</c>',
                   r'<c r="G4"><f>\2</f><v>2</v></c>', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_formulas_cached_value_used_none_cached_is_a_clear_error(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "f.xlsx", [row(1, **{"Volume (ml)": "=1+1"}), row(2, **{"Volume (ml)": "=1+2"})])
    _with_cached_formula(path)
    prepared = _prepare(path)
    assert prepared.validation.records[4]["volume"] == Decimal("2000.00")
    problem = next(p for p in prepared.validation.problems if p.row == 5)
    assert problem.code == "formula_without_value" and problem.column == "G"
    assert "open and save the file in Excel" in problem.message


def test_merged_cells_fill_every_row_they_cover(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [row(1), row(2, Study=None), row(3, Study=None)])
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("C4:C6")
    wb.save(path)
    prepared = _prepare(path)
    assert [prepared.validation.records[n]["study"] for n in (4, 5, 6)] == ["NORMAL"] * 3
    assert prepared.table.filled_from_merged == 2


def test_trailing_and_non_breaking_spaces_and_unicode_normalisation(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "u.xlsx", [row(1, Participant="Zoé-1\u00a0 ", Material="Se\u0301rum "),
                                           row(2, Participant="Zoe\u0301-1", Material="Sérum")])
    records = _prepare(path).validation.records
    assert records[4]["pseudonym"] == records[5]["pseudonym"] == "Zoé-1"
    assert records[4]["sample_type"] == records[5]["sample_type"] == "SER"


def test_decimal_commas_and_units(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "v.xlsx", [row(1, **{"Volume (ml)": "1,5 ml"}), row(2, **{"Volume (ml)": 0.5}),
                                           row(3, **{"Volume (ml)": "250 µL"}), row(4, **{"Volume (ml)": -1}),
                                           row(5, **{"Volume (ml)": "beaucoup"})])
    prepared = _prepare(path)
    records = prepared.validation.records
    assert records[4]["volume"] == Decimal("1500.00") and records[5]["volume"] == Decimal("500.00")
    assert records[6]["volume"] == Decimal("250.00")
    assert _codes(prepared)[7] == {"volume_negative"} and _codes(prepared)[8] == {"volume_unreadable"}


@pytest.mark.parametrize(("word", "expected"), [("Y", True), ("N", False), ("oui", True), ("non", False),
                                                ("ja", True), ("Nein", False), ("x", True), (True, True)])
def test_booleans_in_three_languages(tmp_path: Path, word: object, expected: bool) -> None:
    path = make_xlsx(tmp_path / "c.xlsx", [[*row(1), word]], headers=[*HEADERS, "Consentement"])
    assert _prepare(path).validation.records[4]["consent"] is expected


def test_unreadable_boolean_is_a_problem(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "c.xlsx", [[*row(1), "peut-être"]], headers=[*HEADERS, "Einwilligung"])
    assert _codes(_prepare(path))[4] == {"bool_unreadable"}


def test_csv_cell_beginning_with_equals_stays_text_through_validation(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("Barcode,Participant,Study,Sample type\n=HYPERLINK(\"x\"),NC-1,NORMAL,Serum\n", encoding="utf-8")
    prepared = _prepare(path)
    assert prepared.validation.records[2]["clinic_barcode"] == '=HYPERLINK("x")'
