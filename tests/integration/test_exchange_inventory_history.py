"""An inventory import keeps what the file says about each tube's past: its freeze–thaw cycles on the sample, and
the collection's own former sample ID as a barcode of kind 'other' (scanning it finds the sample)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from biobank_desktop.core.db.models import Sample
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from tests.support.storage_kit import build_tree
from tests.unit.spreadsheets.helpers import HEADERS, make_xlsx, row


def test_inventory_freeze_thaw_cycles_reach_the_sample(services: Services, technician: Actor, supervisor: Actor,
                                                       tmp_path: Path) -> None:
    box = build_tree(services, supervisor).box
    headers = [*HEADERS, "Box", "Position", "Freeze-thaw cycles"]
    rows = [[*row(1, Study="LUNG", Collected=dt.datetime(2026, 11, 2, 8, 15)), box, "A1", 3],
            [*row(2, Study="LUNG", Collected=dt.datetime(2026, 11, 2, 8, 20)), box, "A2", None]]
    path = make_xlsx(tmp_path / "inv.xlsx", rows, headers=headers, title="LabKey export")
    result = services.exchange.import_file(technician, path, kind="inventory")
    assert result.value.rows_imported == 2
    codes = result.changes.ids_of("sample")
    with services.db.new_session(write=False) as s:
        counts = {str(c): int(n) for c, n in s.execute(sa.select(Sample.sample_code, Sample.freeze_thaw_count)
                                                          .where(Sample.sample_code.in_(codes)))}
    # The next check-in adds 1 to this count; starting at 0 would hide three past cycles.
    assert sorted(counts.values()) == [0, 3], counts
    [cycled] = [c for c, n in counts.items() if n == 3]
    [registered] = [e for e in services.audit.history(technician, "sample", cycled) if e.action == "sample.registered"]
    assert registered.after is not None and registered.after["freeze_thaw_count"] == 3


def test_inventory_former_sample_id_is_kept_as_an_other_barcode(services: Services, technician: Actor,
                                                                supervisor: Actor, tmp_path: Path) -> None:
    box = build_tree(services, supervisor).box
    headers = [*HEADERS, "Box", "Position", "Biobank ID"]
    rows = [[*row(1, Study="LUNG", Collected=dt.datetime(2026, 11, 2, 8, 15)), box, "A1", "OLD-LIMS-000777"]]
    path = make_xlsx(tmp_path / "inv.xlsx", rows, headers=headers, title="LabKey export")
    result = services.exchange.import_file(technician, path, kind="inventory")
    report = result.value
    assert report.mapping["columns"].get("sample_id") == "Biobank ID"  # mapped, so not listed as left out
    assert all(lo.header != "Biobank ID" for lo in report.left_out)
    [code] = result.changes.ids_of("sample")
    detail = services.queries.detail(code)
    assert ("OLD-LIMS-000777", "other") in detail.barcodes
    assert any(kind == "clinic" for _b, kind in detail.barcodes)  # the clinic's barcode is still there
    found = services.queries.lookup("OLD-LIMS-000777")
    assert (found.kind, found.key) == ("sample", code)


def test_a_former_sample_id_already_known_or_repeated_is_caught_by_the_dry_run(
        services: Services, technician: Actor, supervisor: Actor, tmp_path: Path) -> None:
    box = build_tree(services, supervisor).box
    headers = [*HEADERS, "Box", "Position", "Biobank ID"]
    first = make_xlsx(tmp_path / "one.xlsx", [[*row(1, Study="LUNG"), box, "A1", "OLD-1"]], headers=headers)
    services.exchange.import_file(technician, first, kind="inventory")
    rows = [[*row(2, Study="LUNG"), box, "A2", "OLD-1"], [*row(3, Study="LUNG"), box, "A3", "OLD-2"],
            [*row(4, Study="LUNG"), box, "A4", "OLD-2"], [*row(5, Study="LUNG"), box, "A5", None]]
    second = make_xlsx(tmp_path / "two.xlsx", rows, headers=headers)
    report = services.exchange.import_file(technician, second, kind="inventory", dry_run=True).value
    found = sorted((p.row, p.code) for p in report.problems if p.header == "Biobank ID")
    assert found == [(4, "duplicate_in_database"), (6, "duplicate_in_file")]  # title, blank, header, then rows
    assert report.rows_valid == 2
