"""The error workbook sent back to a clinic: the rejected rows exactly as they were (same columns, same
values), one more column saying what is wrong, the bad cells filled in red, and a second sheet listing
every problem with its row and column."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from biobank_desktop.core.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from biobank_desktop.core.spreadsheets.layout import Table
from biobank_desktop.core.spreadsheets.validation import Problem
from biobank_desktop.core.spreadsheets.writer import Column, HeaderBlock, SheetSpec, WriteResult, write_workbook

ERROR_COLUMN = "Problems (to correct)"
ROW_COLUMN = "Row in the original"


def write_error_workbook(path: Path, table: Table, problems: Iterable[Problem], *, source_name: str,
                         created_by: str, database: str, progress: ProgressFn = no_progress,
                         cancelled: CancelledFn = never_cancelled) -> WriteResult:
    """Write the rows of ``table`` that have an error-level problem, and the list of every problem."""
    all_problems = list(problems)
    by_row: dict[int, list[Problem]] = defaultdict(list)
    for problem in all_problems:
        if problem.row is not None and problem.severity == "error":
            by_row[problem.row].append(problem)
    letters = {c.letter: i for i, c in enumerate(table.columns)}
    rows: list[list[object]] = []
    highlights: dict[int, set[int]] = {}
    for data_row in table.rows:
        found = by_row.get(data_row.number)
        if not found:
            continue
        marked = {letters[p.column] + 1 for p in found if p.column in letters}
        highlights[len(rows)] = marked
        text = "; ".join(f"{p.column}: {p.message}" if p.column else p.message for p in found)
        rows.append([data_row.number, *data_row.values, text])
    columns = [Column(ROW_COLUMN, "int"), *(Column(c.header) for c in table.columns), Column(ERROR_COLUMN, width=60)]
    header = HeaderBlock(f"Rows rejected from {source_name} (sheet {table.sheet})", created_by=created_by,
                         database=database, details=[("What to do", "Correct the red cells and send these rows "
                                                                    "again; the other rows were accepted.")])
    rejected = SheetSpec("Rejected rows", columns, rows, header=header, total_rows=len(rows), highlights=highlights)
    listing = SheetSpec("All problems", [Column("Sheet"), Column("Row", "int"), Column("Column"), Column("Header"),
                                         Column("Value"), Column("Code"), Column("Problem", width=70),
                                         Column("Severity")],
                        [[p.sheet, p.row, p.column, p.header, p.value, p.code, p.message, p.severity]
                         for p in all_problems], total_rows=len(all_problems))
    return write_workbook(path, [rejected, listing], progress=progress, cancelled=cancelled)
