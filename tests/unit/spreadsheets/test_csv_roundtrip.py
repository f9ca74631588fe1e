"""The app's own exports read back identically in the app's reader: text that looks like a formula, text with
tabs and line breaks, and free text full of ';' (which once made the reader take ';' for the delimiter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from biobank_desktop.core.spreadsheets.reading import open_spreadsheet, read_sheet
from biobank_desktop.core.spreadsheets.writer import Column, SheetSpec, write_csv, write_table

VALUES = ["=1+1", "+33 6 12", "-5 °C", "@SUM(A1)", "\tX", "\rY", "'=quoted", "''+x", "ok", "=HYPERLINK(\"x\")",
          "0012345", "a\r\nb", "a|b", "x;y", "", "tab\tinside"]


@pytest.mark.parametrize("ext", ["xlsx", "csv"])
def test_formula_like_text_is_read_back_identically(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"out.{ext}"
    spec = SheetSpec("Data", [Column("Comment")], [[v] for v in VALUES])
    (write_table if ext == "xlsx" else write_csv)(path, spec)
    raw = read_sheet(open_spreadsheet(path))
    got = [r[0] for r in raw.rows[1:]]
    assert got == VALUES


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_export_with_semicolons_in_a_free_text_column_reads_back(tmp_path: Path, delimiter: str) -> None:
    """Inventory-like export: 3 columns; the comment of every tube lists its aliquots separated by ';'."""
    path = tmp_path / "inventory.csv"
    rows = [[f"BB-2026-{i:06}", "SER", "A01; A02; A03; A04; A05"] for i in range(40)]
    rows[3][2] = "pipe | and, comma\tand tab"
    write_csv(path, SheetSpec("Inventory", [Column("Sample ID"), Column("Type"), Column("Comment")], rows),
              delimiter=delimiter)
    source = open_spreadsheet(path)
    assert source.delimiter == delimiter
    raw = read_sheet(source)
    assert [list(r) for r in raw.rows[1:]] == rows


def test_the_header_line_decides_the_delimiter_over_a_comment_block(tmp_path: Path) -> None:
    """A European CSV: ';' between fields, ',' as the decimal mark, a '#' block above the header."""
    path = tmp_path / "eu.csv"
    lines = ["# Export, 2026-11-02, by Tom", "Tube;Volume (ml);Comment"]
    lines += [f"T{i};1,{i};ok, fine, really" for i in range(10)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert open_spreadsheet(path).delimiter == ";"
