"""Box maps and capacity exported: the PDF rasterised and its text read back, the workbook re-read."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.storage import Placement
from tests.support.labels_testkit import pdf_page_sizes_pt, pdf_text, rasterize_pdf
from tests.support.storage_kit import build_tree, make_samples


def test_box_maps_pdf_one_page_per_box_with_the_ids(services: Services, supervisor: Actor, technician: Actor,
                                                    tmp_path: Path) -> None:
    tree = build_tree(services, supervisor)
    codes = make_samples(services, technician, 3)
    services.storage.move_tubes(technician, [Placement(codes[0], tree.box, "A1"), Placement(codes[1], tree.box, "I9"),
                                             Placement(codes[2], tree.sbs, "H12")])
    services.storage.check_out(technician, codes[1], "analysis")
    services.storage.block_position(supervisor, tree.box, "E5", "cracked well")
    out = services.storage.export_box_maps([tree.box, tree.sbs], tmp_path / "maps.pdf", printed_by="tom")
    pdf = out.read_bytes()
    sizes = pdf_page_sizes_pt(pdf)
    assert len(sizes) == 2 and all(w > h for w, h in sizes)  # landscape, one page per box
    pages = pdf_text(pdf)
    assert tree.box in pages[0] and tree.sbs in pages[1]
    short = codes[0].split("-", 2)[2]
    assert short.rsplit("-", 1)[0] in pages[0]
    assert "OUT" in pages[0] and "checked out (position kept)" in pages[0]
    image = rasterize_pdf(pdf, 50)[0].convert("L")
    assert image.getextrema()[0] < 60  # ink on the page: the grid and the IDs are drawn
    assert not (tmp_path / "maps.pdf.part").exists()


def test_box_maps_xlsx_one_sheet_per_box_laid_out_as_the_grid(services: Services, supervisor: Actor,
                                                              technician: Actor, tmp_path: Path) -> None:
    tree = build_tree(services, supervisor)
    codes = make_samples(services, technician, 2)
    services.storage.move_tubes(technician, [Placement(codes[0], tree.box, "B3"), Placement(codes[1], tree.box, "I9")])
    services.storage.reserve_positions(technician, tree.box, ["C1"], "shipment SH-7")
    out = services.storage.export_box_maps([tree.box, tree.box2], tmp_path / "maps.xlsx", printed_by="tom")
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == [tree.box, tree.box2]
    rows = [list(r) for r in book[tree.box].iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Row")
    assert rows[header_at][1:10] == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    grid = {r[0]: r[1:10] for r in rows[header_at + 1:header_at + 10]}
    assert grid["B"][2] == codes[0] and grid["I"][8] == codes[1]
    assert grid["C"][0] == "reserved: shipment SH-7"
    assert grid["A"][0] in (None, "")


def test_capacity_exports_and_a_bad_suffix(services: Services, supervisor: Actor, technician: Actor,
                                           tmp_path: Path) -> None:
    tree = build_tree(services, supervisor)
    codes = make_samples(services, technician, 2)
    services.storage.move_tubes(technician, [Placement(c, tree.box) for c in codes])
    rows = services.storage.capacity(threshold=0.01)
    freezer = next(r for r in rows if r.path == "Freezer F-01")
    assert (freezer.capacity, freezer.occupied, freezer.over_threshold) == (81 * 2 + 96, 2, False)
    box = next(r for r in rows if r.path.endswith("Box 0001") and r.path.startswith("Freezer"))
    assert box.over_threshold
    xlsx = services.storage.export_capacity(tmp_path / "cap.xlsx", threshold=0.01)
    values = [list(r) for r in openpyxl.load_workbook(xlsx, read_only=True)["Capacity"].iter_rows(values_only=True)]
    assert ["Freezer F-01", "freezer", 258, 2, 256] in [v[:5] for v in values]
    pdf = services.storage.export_capacity(tmp_path / "cap.pdf", threshold=0.01).read_bytes()
    assert "Storage capacity" in pdf_text(pdf)[0]
    with pytest.raises(ValidationError, match="neither a .pdf nor an .xlsx"):
        services.storage.export_box_maps([tree.box], tmp_path / "maps.txt")
