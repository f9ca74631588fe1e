"""The inventory export says which tubes are checked out (by whom, since when, why); read back from the file."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from tests.support.storage_kit import build_tree, make_samples


def test_a_checked_out_tube_is_marked_in_the_inventory(services: Services, supervisor: Actor, technician: Actor,
                                                       tmp_path: Path) -> None:
    tree = build_tree(services, supervisor)
    kept, taken = make_samples(services, technician, 2)
    services.storage.place(technician, kept, tree.box, "A1")
    services.storage.place(technician, taken, tree.box, "A2")
    services.storage.check_out(technician, taken, "Aliquoting")
    out = tmp_path / "inventory.xlsx"
    services.exchange.export_inventory(technician, out)
    ws = openpyxl.load_workbook(out)["Inventory"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Sample ID")
    names = [c.value for c in ws[header]]
    rows = {r[0]: dict(zip(names, r, strict=False)) for r in ws.iter_rows(min_row=header + 1, values_only=True)}
    assert rows[taken]["Position"] == "A2"  # its place in the box is kept for its return ...
    text = rows[taken]["Checked out"]  # ... and the file says it is not there now
    assert text.startswith(f"{technician.username} since ") and " UTC" in text and text.endswith("Aliquoting")
    assert rows[kept]["Checked out"] in (None, "")
    services.storage.check_in(technician, taken)
    services.exchange.export_inventory(technician, out)
    ws = openpyxl.load_workbook(out)["Inventory"]
    back = {r[0]: r[names.index("Checked out")] for r in ws.iter_rows(min_row=header + 1, values_only=True)}
    assert back[taken] in (None, "")  # back in its box
