"""Problems grouped by cause: one cause that is about the file, not a column (a formula saved without its
value), is one group whatever the columns it shows in."""

from __future__ import annotations

from biobank_desktop.core.spreadsheets.validation import Problem, group_problems

FORMULA = "formula without a computed value: open and save the file in Excel (or LibreOffice), then import it again"


def test_formulas_without_a_value_in_three_columns_are_one_group() -> None:
    problems = [Problem("Manifest", 12, "G", "Volume (ml)", None, "formula_without_value", FORMULA),
                Problem("Manifest", 12, "H", "Collected", None, "formula_without_value", FORMULA),
                Problem("Manifest", 40, "C", "Participant", None, "formula_without_value", FORMULA),
                Problem("Manifest", 41, "G", "Volume (ml)", "lots", "volume_bad", "not a volume")]
    groups = group_problems(problems)
    assert [g.code for g in groups] == ["formula_without_value", "volume_bad"]
    formula = groups[0]
    assert formula.rows == (12, 40)  # each row once
    assert formula.column == "C, G, H" and formula.header == "Participant, Volume (ml), Collected"
    assert "2 rows" in formula.summary() and "C, G, H" in formula.summary()


def test_reading_a_sheet_counts_lines_not_data_rows(tmp_path) -> None:
    from biobank_desktop.core.spreadsheets.reading import open_spreadsheet, read_sheet
    from tests.unit.spreadsheets.helpers import make_xlsx, row

    path = make_xlsx(tmp_path / "m.xlsx", [row(1), row(2)], title="Clinic — shipment 12")
    said: list[str] = []
    read_sheet(open_spreadsheet(path), progress=lambda _f, text: said.append(text))
    assert "lines (header, title and blank lines included)" in said[-1] and "rows" not in said[-1]
