"""The one writer: real types, frozen header, autofilter, fitted widths, header block, formula-safe text,
CSV, streaming and cancel. Every file is read back (openpyxl and python-calamine)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from biobank_desktop.core.domain.errors import OperationCancelledError, ValidationError
from biobank_desktop.core.spreadsheets.writer import (
    Column,
    HeaderBlock,
    ListValidation,
    SheetSpec,
    escape_csv_text,
    unescape_csv_text,
    write_csv,
    write_table,
    write_workbook,
)

RISKY = ["=1+1", "+33 6 12", "-5", "@SUM(A1)", "\tx", "\rx", "'=already", "plain", "'quoted"]
HEADER = HeaderBlock("Inventory", created_by="anna", database="biobank.sqlite",
                     created_at=dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC), details=[("Filter", "study = LUNG")])
COLUMNS = [Column("Sample ID"), Column("Collected", "datetime"), Column("Day", "date"),
           Column("Volume (µL)", "decimal"), Column("Count", "int"), Column("Note")]


def _rows() -> list[list[object]]:
    return [
        ["BB-2026-000001W", dt.datetime(2026, 11, 2, 8, 15), dt.date(2026, 11, 2), Decimal("250.50"), 3,
         "=HYPERLINK(1)"],
        ["BB-2026-000002X", dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC), dt.date(2026, 11, 3), 1000.0, 0, "normal"],
    ]


def test_xlsx_has_real_types_frozen_header_filter_widths_and_header_block(tmp_path: Path) -> None:
    out = tmp_path / "inv.xlsx"
    result = write_workbook(out, [SheetSpec("Inventory", COLUMNS, _rows(), header=HEADER, total_rows=2)])
    assert result.rows == {"Inventory": 2}
    wb = openpyxl.load_workbook(out)
    ws = wb["Inventory"]
    assert ws["A1"].value == "Inventory"
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 7)}
    assert labels["By"] == "anna" and labels["Database"] == "biobank.sqlite" and labels["Filter"] == "study = LUNG"
    assert labels["Created"].startswith("2026-12-01")
    header_row = next(r for r in range(1, 12) if ws.cell(r, 1).value == "Sample ID")
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.auto_filter.ref == f"A{header_row}:F{header_row + 2}"
    first = header_row + 1
    assert ws.cell(first, 2).value == dt.datetime(2026, 11, 2, 8, 15)
    assert ws.cell(first, 2).is_date and ws.cell(first, 3).is_date
    local = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
    assert ws.cell(first + 1, 2).value == local
    assert ws.cell(first, 4).value == pytest.approx(250.5)
    assert ws.cell(first, 4).data_type == "n" and ws.cell(first, 5).data_type == "n"
    assert ws.cell(first, 6).value == "=HYPERLINK(1)" and ws.cell(first, 6).data_type == "s"
    assert ws.column_dimensions["A"].width >= len("BB-2026-000001W")
    assert ws.column_dimensions["E"].width < ws.column_dimensions["A"].width


def test_formula_like_text_reads_back_identical_and_is_never_a_formula(tmp_path: Path) -> None:
    out = tmp_path / "risky.xlsx"
    write_workbook(out, [SheetSpec("T", [Column("Text")], [[v] for v in RISKY])])
    ws = openpyxl.load_workbook(out)["T"]
    cells = [ws.cell(r, 1) for r in range(2, 2 + len(RISKY))]
    assert [c.value for c in cells] == RISKY
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in RISKY]
    calamine = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("T").to_python()
    assert [row[0] for row in calamine[1:]] == RISKY


def test_csv_escapes_formula_text_reversibly_and_keeps_types_readable(tmp_path: Path) -> None:
    out = tmp_path / "risky.csv"
    write_csv(out, SheetSpec("T", [Column("Text"), Column("When", "datetime"), Column("N", "number")],
                             [[v, dt.datetime(2026, 1, 2, 3, 4), 1.5] for v in RISKY]))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Text", "When", "N"]
    for written, original in zip(rows[1:], RISKY, strict=True):
        assert not written[0].startswith(("=", "+", "-", "@", "\t", "\r"))
        assert unescape_csv_text(written[0]) == original
        assert written[1] == "2026-01-02 03:04" and written[2] == "1.5"


@pytest.mark.parametrize("text", ["=", "'", "''=x", "'''", "-", "a=b", "'+1", ""])
def test_csv_escape_is_reversible(text: str) -> None:
    assert unescape_csv_text(escape_csv_text(text)) == text


def test_template_dropdowns_and_hidden_code_sheet(tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    codes = SheetSpec("Codes", [Column("Sample type")], [["SER"], ["PL1"]], hidden=True)
    main = SheetSpec("Manifest", [Column("Tube"), Column("Sample type")], [],
                     validations=[ListValidation(1, "'Codes'!$A$2:$A$3", "Choose a sample type")], validation_rows=50)
    write_workbook(out, [main, codes])
    wb = openpyxl.load_workbook(out)
    assert wb["Codes"].sheet_state == "hidden"
    rules = wb["Manifest"].data_validations.dataValidation
    assert len(rules) == 1 and rules[0].type == "list" and rules[0].formula1 == "'Codes'!$A$2:$A$3"
    assert str(rules[0].sqref) == "B2:B51"


def test_cancel_leaves_no_file_and_keeps_an_existing_one(tmp_path: Path) -> None:
    out = tmp_path / "big.xlsx"
    out.write_bytes(b"old")
    rows = ([f"T{i:06d}", i] for i in range(10_000))
    with pytest.raises(OperationCancelledError):
        write_workbook(out, [SheetSpec("S", [Column("Tube"), Column("N", "int")], rows)], cancelled=lambda: True)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["big.xlsx"]


def test_streams_many_rows_and_reports_progress(tmp_path: Path) -> None:
    out = tmp_path / "many.csv"
    seen: list[float] = []
    write_table(out, SheetSpec("S", [Column("Tube")], ([f"T{i}"] for i in range(5000)), total_rows=5000),
                progress=lambda f, _t: seen.append(f))
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 5001
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)


def test_unknown_suffix_and_missing_folder_are_refused(tmp_path: Path) -> None:
    sheet = SheetSpec("S", [Column("A")], [])
    with pytest.raises(ValidationError, match=r"\.xlsx or \.csv"):
        write_table(tmp_path / "x.pdf", sheet)
    with pytest.raises(ValidationError, match="does not exist"):
        write_table(tmp_path / "nope" / "x.xlsx", sheet)
