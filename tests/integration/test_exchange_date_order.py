"""Text dates whose order nothing in the file decides are flagged (a warning naming an example and the order
chosen); a saved mapping's date order is checked against a new file (an error when its dates contradict it)."""

from __future__ import annotations

from pathlib import Path

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from tests.unit.spreadsheets.helpers import make_xlsx, row


def test_ambiguous_text_dates_are_flagged_not_silently_read_day_first(services: Services, technician: Actor,
                                                                      tmp_path: Path) -> None:
    # A US partner (MM/DD/YYYY) sends tubes collected on Nov 5 and Nov 6: every date could be either order.
    rows = [row(1, Study="LUNG", Collected="11/05/2026 08:15"), row(2, Study="LUNG", Collected="11/06/2026 09:00")]
    path = make_xlsx(tmp_path / "us.xlsx", rows)
    report = services.exchange.import_file(technician, path, kind="inventory", dry_run=True).value
    assert report.mapping["date_order"] == "DMY"
    [warning] = [p for p in report.problems if p.code == "date_order_ambiguous"]
    assert warning.severity == "warning" and warning.value == "11/05/2026 08:15"
    assert "day first" in warning.message and "day 11 of month 5" in warning.message
    assert report.rows_valid == 2  # a warning, not a refusal


def test_decided_text_dates_raise_no_date_order_warning(services: Services, technician: Actor,
                                                        tmp_path: Path) -> None:
    rows = [row(1, Study="LUNG", Collected="11/05/2026 08:15"), row(2, Study="LUNG", Collected="11/25/2026 09:00")]
    path = make_xlsx(tmp_path / "us.xlsx", rows)
    report = services.exchange.import_file(technician, path, kind="inventory", dry_run=True).value
    assert report.mapping["date_order"] == "MDY"
    assert not [p for p in report.problems if p.code.startswith("date_order")]


def test_a_saved_date_order_contradicted_by_the_new_file_is_an_error(services: Services, technician: Actor,
                                                                     supervisor: Actor, tmp_path: Path) -> None:
    services.reference.add_site(supervisor, "CHU-LYON", "CHU Lyon", "France")
    first = make_xlsx(tmp_path / "eu.xlsx", [row(1, Study="LUNG", Collected="25/10/2026 08:15")])
    report = services.exchange.import_file(technician, first, kind="inventory", partner="CHU-LYON", dry_run=True).value
    assert report.mapping["date_order"] == "DMY"
    services.exchange.import_file(technician, first, kind="inventory", partner="CHU-LYON")  # saves the mapping
    # The partner's new software writes month first.
    second = make_xlsx(tmp_path / "us.xlsx", [row(1, Study="LUNG", Collected="11/05/2026 08:15"),
                                              row(2, Study="LUNG", Collected="10/25/2026 09:00")])
    report = services.exchange.import_file(technician, second, kind="inventory", partner="CHU-LYON",
                                           dry_run=True).value
    assert report.mapping["date_order"] == "DMY"  # the saved order
    [error] = [p for p in report.problems if p.code == "date_order_contradicted"]
    assert error.severity == "error" and error.value == "10/25/2026 09:00" and "month first" in error.message
