"""Mapping suggested from EN/FR/DE headers and from values, direct identifiers left out with a reason,
validation naming sheet/row/column/header/value/code, grouping by cause, the error workbook read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.spreadsheets.error_workbook import ERROR_COLUMN, ROW_COLUMN, write_error_workbook
from biobank_desktop.core.spreadsheets.importing import prepare
from biobank_desktop.core.spreadsheets.mapping import ImportMapping
from tests.unit.spreadsheets.helpers import HEADERS, NOW, context, make_xlsx, row


@pytest.mark.parametrize("headers", [
    ["N° tube", "Code patient", "Étude", "Visite", "Type d'échantillon", "Type de tube", "Volume",
     "Date de prélèvement"],
    ["Probennummer", "Probanden-ID", "Studie", "Zeitpunkt", "Probenart", "Röhrchentyp", "Volumen", "Entnahmedatum"],
    ["Tube barcode", "Subject ID", "Study", "Visit", "Specimen type", "Container", "Volume", "Collection date"],
])
def test_headers_in_english_french_and_german(tmp_path: Path, headers: list[str]) -> None:
    values = [["0001", "P-1", "NORMAL", "V1", "Sang total", "EDTA", "1,5", dt.datetime(2026, 11, 2, 8, 0)]]
    prepared = prepare(make_xlsx(tmp_path / "h.xlsx", values, headers=headers), "manifest", context())
    assert dict(prepared.mapping.columns) == {
        "clinic_barcode": headers[0], "pseudonym": headers[1], "study": headers[2], "visit": headers[3],
        "sample_type": headers[4], "container": headers[5], "volume": headers[6], "collected_at": headers[7]}
    record = prepared.validation.records[4]
    assert (record["sample_type"], record["container"]) == ("BLD", "PED")


def test_columns_found_from_their_values_when_headers_say_nothing(tmp_path: Path) -> None:
    headers = ["Barcode", "Participant", "Study", "Probe", "Art"]
    values = [["0001", "P-1", "NORMAL", "EDTA-Plasma", "SST"], ["0002", "P-1", "NORMAL", "Sérum", "EDTA"]]
    prepared = prepare(make_xlsx(tmp_path / "v.xlsx", values, headers=headers), "manifest", context())
    assert prepared.mapping.columns["sample_type"] == "Probe"
    assert prepared.mapping.columns["container"] == "Art"
    assert prepared.validation.records[4]["sample_type"] == "PL1"


def test_direct_identifiers_are_left_out_with_the_reason(tmp_path: Path) -> None:
    headers = [*HEADERS, "Nom", "Date de naissance", "Tel", "Contact", "Box name"]
    extra = ["Dupont", dt.date(1960, 1, 2), "0612345678", "+33 6 12 34 56 78", "RB-1"]
    rows = [[*row(i), *extra] for i in range(4)]
    prepared = prepare(make_xlsx(tmp_path / "i.xlsx", rows, headers=headers), "manifest", context())
    left = {lo.header: lo.reason for lo in prepared.suggestion.left_out}
    assert "a person's name" in left["Nom"]
    assert "a birth date" in left["Date de naissance"]
    assert "a phone number" in left["Tel"]
    assert "phone numbers" in left["Contact"]
    assert "Box name" not in left
    assert not {"Nom", "Date de naissance", "Tel", "Contact"} & set(prepared.mapping.columns.values())


def test_identifier_values_under_an_innocent_header(tmp_path: Path) -> None:
    rows = [[*row(i), name] for i, name in enumerate(["Marie Curie", "Jean Dupont", "Hans Müller", "Anna Schmidt"])]
    prepared = prepare(make_xlsx(tmp_path / "n.xlsx", rows, headers=[*HEADERS, "Info"]), "manifest", context())
    assert [lo.header for lo in prepared.suggestion.left_out] == ["Info"]
    assert "people's names" in prepared.suggestion.left_out[0].reason


def test_a_mapping_cannot_bring_an_identifier_back(tmp_path: Path) -> None:
    rows = [[*row(1), "Dupont"]]
    path = make_xlsx(tmp_path / "n.xlsx", rows, headers=[*HEADERS, "Nachname"])
    first = prepare(path, "manifest", context())
    forced = first.mapping.with_column("comments", "Nachname")
    again = prepare(path, "manifest", context(), mapping=forced)
    assert "comments" not in again.validation.records[4]


def test_problems_name_sheet_row_column_header_value_code(tmp_path: Path) -> None:
    rows = [row(1), row(2, Material="Plasma rouge"), row(3, Study="MARS", Collected=dt.datetime(2027, 1, 1)),
            row(1), row(5, Participant=None)]
    prepared = prepare(make_xlsx(tmp_path / "p.xlsx", rows), "manifest",
                       context(existing_barcodes=lambda codes: {"053100005": "sample BB-2026-000001W"} if
                               "053100005" in codes else {}))
    found = {(p.row, p.column, p.header, p.value, p.code) for p in prepared.validation.problems}
    assert (5, "E", "Material", "Plasma rouge", "unknown_sample_type") in found
    assert (6, "C", "Study", "MARS", "unknown_study") in found
    assert (6, "H", "Collected", "2027-01-01", "date_in_future") in found
    assert (7, "A", "Sample barcode", "053100001", "duplicate_in_file") in found
    assert (8, "B", "Participant", None, "missing_value") in found
    assert (8, "A", "Sample barcode", "053100005", "duplicate_in_database") in found
    assert all(p.sheet == "Shipment" for p in prepared.validation.problems)
    assert prepared.validation.valid_rows == [4]


def test_collection_after_reception_or_processing(tmp_path: Path) -> None:
    headers = [*HEADERS, "Received", "Centrifuged"]
    rows = [[*row(1), dt.datetime(2026, 11, 2, 7, 0), dt.datetime(2026, 11, 2, 9, 0)]]
    prepared = prepare(make_xlsx(tmp_path / "o.xlsx", rows, headers=headers), "manifest", context())
    messages = [p.message for p in prepared.validation.problems if p.code == "time_order"]
    assert any("received at" in m for m in messages)


def test_same_problem_grouped_by_cause(tmp_path: Path) -> None:
    rows = [row(i, Collected="31/02/2026") for i in range(1, 413)] + [row(500, Material="Gold")]
    prepared = prepare(make_xlsx(tmp_path / "g.xlsx", rows), "manifest", context())
    groups = prepared.validation.groups()
    assert groups[0].count == 412
    assert groups[0].summary() == ("The same problem in 412 rows (column H, Collected): date 31/02/2026 does "
                                   "not exist")
    assert groups[1].count == 1 and groups[1].code == "unknown_sample_type"


def test_required_column_missing_and_unknown_columns(tmp_path: Path) -> None:
    headers = ["Sample barcode", "Participant", "Colour", "Study"]
    prepared = prepare(make_xlsx(tmp_path / "r.xlsx", [["0001", "P", "blue", "NORMAL"]], headers=headers),
                       "manifest", context())
    assert [p.code for p in prepared.validation.file_errors] == ["required_column_missing"]
    assert "Sample type" in prepared.validation.file_errors[0].message
    assert "Colour" in prepared.suggestion.unmapped


def test_saved_mapping_is_reused_and_answers_are_remembered(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "s.xlsx", [row(1, Material="Plasma rouge")])
    first = prepare(path, "manifest", context())
    answered = first.mapping.with_value("sample_type", "plasma ROUGE", "PL2")
    stored = ImportMapping.from_dict(answered.to_dict())
    again = prepare(path, "manifest", context(), saved=stored)
    assert again.validation.records[4]["sample_type"] == "PL2"
    assert not again.validation.problems


def test_a_broken_saved_mapping_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="saved mapping cannot be used"):
        ImportMapping.from_dict({"kind": "manifest", "date_order": "someday"})


def test_error_workbook_has_the_rows_unchanged_an_error_column_and_red_cells(tmp_path: Path) -> None:
    rows = [row(1), row(2, Collected="31/02/2026", **{"Volume (ml)": "-1"}), row(3), row(4, Material="Gold")]
    prepared = prepare(make_xlsx(tmp_path / "e.xlsx", rows), "manifest", context(now=NOW))
    out = tmp_path / "errors.xlsx"
    write_error_workbook(out, prepared.table, prepared.validation.problems, source_name="e.xlsx",
                         created_by="anna", database="test.sqlite")
    ws = openpyxl.load_workbook(out)["Rejected rows"]
    header_row = next(r for r in range(1, 15) if ws.cell(r, 1).value == ROW_COLUMN)
    assert [ws.cell(header_row, c).value for c in range(2, 2 + len(HEADERS))] == HEADERS
    assert ws.cell(header_row, len(HEADERS) + 2).value == ERROR_COLUMN
    first, second = header_row + 1, header_row + 2
    assert ws.cell(first, 1).value == 5 and ws.cell(second, 1).value == 7
    assert [ws.cell(first, c).value for c in range(2, 2 + len(HEADERS))] == \
        [str(v) if v == "-1" else v for v in row(2, Collected="31/02/2026", **{"Volume (ml)": "-1"})]
    assert ws.cell(first, 8).value == "-1" and ws.cell(first, 8).data_type == "s"  # text stays text
    red = {c for c in range(2, 2 + len(HEADERS)) if ws.cell(first, c).fill.fgColor.rgb.endswith("FFC7CE")}
    assert red == {8, 9}  # G (volume) and H (collected), shifted by the row-number column
    assert "does not exist" in ws.cell(first, len(HEADERS) + 2).value
    listing = openpyxl.load_workbook(out)["All problems"]
    assert listing.cell(1, 1).value == "Sheet" and listing.max_row == 1 + len(prepared.validation.problems)
