"""Box maps and capacity as .xlsx, through the one spreadsheet writer (core.spreadsheets.writer).

A box map is one sheet per box laid out as its grid: the row labels down the first column, the column
labels across the header, each cell the tube's sample ID (with "(out)" while checked out), "blocked: …"
or "reserved: …" for held positions, empty for a free one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from biobank_desktop.core.domain.space import EvacuationPlan
from biobank_desktop.core.services.storage.dto import BoxMap, CapacityRow, CellInfo
from biobank_desktop.core.spreadsheets.writer import Column, HeaderBlock, SheetSpec, write_workbook


def _cell_text(cell: CellInfo) -> str:
    if cell.sample_code:
        return cell.sample_code + (" (out)" if cell.checked_out else "")
    if cell.hold:
        return f"{cell.hold}: {cell.hold_purpose or ''}".strip()
    return ""


def box_sheet(box: BoxMap, *, created_by: str, database: str) -> SheetSpec:
    columns = [Column("Row", width=6), *(Column(label, width=20) for label in box.column_labels)]
    rows = [[box.row_labels[r], *(_cell_text(box.cell(r + 1, c + 1)) for c in range(box.columns))]
            for r in range(box.rows)]
    header = HeaderBlock(
        f"Box map {box.code} — {box.name}", created_by, database,
        details=(("Where", " / ".join(box.path)), ("Type", box.type_name),
                 ("Positions", box.convention), ("Occupied", f"{box.occupied} of {box.capacity}"),
                 ("Holds", box.restrictions)))
    return SheetSpec(box.code, columns, rows, header=header, total_rows=box.rows)


def write_box_maps_xlsx(boxes: Sequence[BoxMap], out: Path, *, created_by: str = "", database: str = "") -> Path:
    """One sheet per box (a box code appears once; the writer leaves no file behind on failure)."""
    seen: set[str] = set()
    sheets = []
    for box in boxes:
        if box.code not in seen:
            seen.add(box.code)
            sheets.append(box_sheet(box, created_by=created_by, database=database))
    return write_workbook(out, sheets).path


def write_capacity_xlsx(rows: Sequence[CapacityRow], out: Path, *, threshold: float, created_by: str = "",
                        database: str = "") -> Path:
    columns = [Column("Container", width=50), Column("Kind"), Column("Positions", "int"),
               Column("Occupied", "int"), Column("Free", "int"), Column("Fill", "number", "0%"),
               Column("Boxes", "int"), Column(f"At or above {threshold:.0%}")]
    data = [[r.path, r.kind, r.capacity, r.occupied, r.capacity - r.occupied, r.fill, r.boxes,
             "yes" if r.over_threshold else ""] for r in rows]
    header = HeaderBlock("Storage capacity", created_by, database,
                         details=(("Warning threshold", f"{threshold:.0%}"),))
    return write_workbook(out, [SheetSpec("Capacity", columns, data, header=header, total_rows=len(data))]).path


def write_pick_list_xlsx(plan: EvacuationPlan, freezer: str, out: Path, *, created_by: str = "",
                         database: str = "") -> Path:
    """An evacuation plan as a pick list: one row per box, in the order to carry them, with a tick column."""
    columns = [Column("#", "int"), Column("Box", width=14), Column("Tubes", "int"), Column("From", width=40),
               Column("To rack", width=14), Column("To", width=40), Column("Done")]
    data = [[i, m.box_code, m.tubes, m.from_path, m.rack_code, m.to_path, ""]
            for i, m in enumerate(plan.moves, start=1)]
    data += [[None, b.code, b.tubes, b.path, "", "NO PLACE", ""] for b in plan.unplaced]
    details = [("Freezer", freezer), ("Boxes", str(len(plan.moves) + len(plan.unplaced)))]
    if not plan.complete:
        details.append(("Not possible", plan.shortfall()))
    header = HeaderBlock(f"Evacuation pick list — {freezer}", created_by, database, details=tuple(details))
    return write_workbook(out, [SheetSpec("Pick list", columns, data, header=header, total_rows=len(data))]).path
