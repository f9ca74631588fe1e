"""Reading any clinic file: formats recognised by content, bad files refused with a reason, the table found
below a title block, blank/hidden/totals rows set aside, row numbers as the spreadsheet shows them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.core.spreadsheets import reading
from biobank_desktop.core.spreadsheets.importing import load_table
from biobank_desktop.core.spreadsheets.reading import SpreadsheetError, open_spreadsheet, read_sheet
from tests.unit.spreadsheets.helpers import HEADERS, make_xlsx, row

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "manifests" / "example_clinic_manifest.xlsx"


def test_example_manifest_header_below_title_and_rows_as_shown() -> None:
    source = open_spreadsheet(FIXTURE)
    assert source.kind == "xlsx" and source.sheet_names() == ["Shipment"] and len(source.sha256) == 64
    table = load_table(source, None)
    assert table.header_row == 3
    assert table.rows[0].number == 4 and table.rows[-1].number == 27
    assert [c.letter for c in table.columns][:2] == ["A", "B"]


def test_blank_hidden_and_totals_rows_are_reported_not_data(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [row(1), [], row(2), row(3), ["Total", None, None, None, None, None, 3]])
    wb = openpyxl.load_workbook(path)
    wb.active.row_dimensions[7].hidden = True  # row(3)
    wb.active.column_dimensions["D"].hidden = True
    wb.save(path)
    table = load_table(open_spreadsheet(path), None)
    assert [r.number for r in table.rows] == [4, 6]
    assert [(s.number, s.reason) for s in table.skipped] == [(5, "blank"), (7, "hidden"), (8, "totals")]
    assert next(c for c in table.columns if c.letter == "D").hidden


def test_data_not_starting_in_a1_keeps_spreadsheet_row_and_column_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for j, header in enumerate(HEADERS):
        ws.cell(5, 3 + j, header)
        ws.cell(6, 3 + j, row(1)[j])
    wb.save(tmp_path / "offset.xlsx")
    table = load_table(open_spreadsheet(tmp_path / "offset.xlsx"), None)
    assert table.header_row == 5 and table.rows[0].number == 6
    assert table.columns[0].letter == "C"


def test_formula_without_cached_value_is_seen(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "f.xlsx", [row(1), row(2)])
    wb = openpyxl.load_workbook(path)
    wb.active["G5"] = "=1+1"  # openpyxl saves formulas without a computed value
    wb.save(path)
    raw = read_sheet(open_spreadsheet(path))
    assert (5, 7) in raw.uncached_formulas


@pytest.mark.parametrize(("content", "message"), [
    (b"%PDF-1.7\n1 0 obj", "is a PDF document"),
    (b"PK\x03\x04garbage", "damaged"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 600, "password"),
    (b"", "empty"),
    (b"\x00\x01\x02\x03binary", "not a spreadsheet"),
])
def test_not_a_spreadsheet_ends_in_a_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "manifest.xlsx"
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError, match=message):
        open_spreadsheet(path)


def test_a_word_document_is_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "manifest.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(SpreadsheetError, match="not a spreadsheet"):
        open_spreadsheet(path)


def test_truncated_workbook_is_damaged(tmp_path: Path) -> None:
    good = make_xlsx(tmp_path / "good.xlsx", [row(1)])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(SpreadsheetError, match="damaged"):
        open_spreadsheet(bad)


def test_empty_sheet_and_sheet_without_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Empty"
    numbers = wb.create_sheet("Numbers")
    for i in range(5):
        numbers.append([i, i * 2])
    wb.save(tmp_path / "e.xlsx")
    source = open_spreadsheet(tmp_path / "e.xlsx")
    with pytest.raises(SpreadsheetError, match="is empty"):
        load_table(source, "Empty")
    with pytest.raises(SpreadsheetError, match="No header row"):
        load_table(source, "Numbers")
    with pytest.raises(SpreadsheetError, match="no sheet named"):
        load_table(source, "Nope")


def test_a_million_row_sheet_is_refused_before_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Big")
    ws.append(HEADERS)
    ws.append(row(1))
    wb.save(tmp_path / "big.xlsx")
    # A stray value in the last row Excel has: the sheet is 1,048,576 rows long.
    wb2 = openpyxl.load_workbook(tmp_path / "big.xlsx")
    wb2["Big"]["A1048576"] = "x"
    wb2.save(tmp_path / "big.xlsx")
    source = open_spreadsheet(tmp_path / "big.xlsx")
    with pytest.raises(SpreadsheetError, match=r"1,048,576 rows"):
        read_sheet(source, "Big")


def test_csv_encodings_and_delimiters(tmp_path: Path) -> None:
    text = "N° tube;Participant;Étude;Probenart;Volumen\n0012;NC-1;NORMAL;Sérum;1,5 ml\n"
    for name, data in [("utf8.csv", text.encode("utf-8")), ("bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8")),
                       ("cp1252.csv", text.encode("cp1252"))]:
        path = tmp_path / name
        path.write_bytes(data)
        source = open_spreadsheet(path)
        assert source.delimiter == ";"
        table = load_table(source, None)
        assert [c.header for c in table.columns] == ["N° tube", "Participant", "Étude", "Probenart", "Volumen"]
        assert table.rows[0].values == ("0012", "NC-1", "NORMAL", "Sérum", "1,5 ml")
        assert table.rows[0].number == 2
    assert open_spreadsheet(tmp_path / "cp1252.csv").encoding == "Windows-1252"
    assert open_spreadsheet(tmp_path / "bom.csv").encoding == "UTF-8 with BOM"


def test_csv_cell_beginning_with_equals_is_text(tmp_path: Path) -> None:
    path = tmp_path / "eq.csv"
    path.write_text("Barcode,Participant\n=1+2,NC-1\n'=SUM(A1),NC-2\n", encoding="utf-8")
    table = load_table(open_spreadsheet(path), None)
    assert [r.values[0] for r in table.rows] == ["=1+2", "=SUM(A1)"]


def test_column_letters() -> None:
    assert [reading.column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
