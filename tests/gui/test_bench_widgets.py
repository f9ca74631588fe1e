"""The shared pieces a technician meets on every page (issue 8): the scan field, the date field, the one
message banner. Driven with keys as a scanner or a technician would (offscreen, pytest-qt)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTableView, QVBoxLayout, QWidget
from sqlalchemy import select

from biobank_desktop.config import Settings
from biobank_desktop.core.db.models import StorageContainer
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services import build_services, open_database
from biobank_desktop.core.services.changes import SAMPLE, Changes
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.session import Events, UiSession
from biobank_desktop.ui.widgets.date_field import DateField, parse_date
from biobank_desktop.ui.widgets.message_banner import MessageBanner
from tests.gui.conftest import WORKSTATION, add_account

WAIT = 15_000


def _box_barcode(services) -> str:
    with services.db.new_session(write=False) as s:
        return s.execute(select(StorageContainer.barcode).where(StorageContainer.parent_id.is_not(None))
                         .where(StorageContainer.barcode.is_not(None)).limit(1)).scalar_one()


def _scan(qtbot, edit: QLineEdit, text: str) -> None:
    """What a USB scanner does: type the code (into whatever the field holds), then Enter."""
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


# -- 3. the scan field ------------------------------------------------------------------------------------


def test_after_a_box_or_an_unknown_code_the_next_scan_replaces_it(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    box = _box_barcode(demo_services)
    _scan(qtbot, window.scan.edit, box)
    # The box opens on the storage page; the scan field answers and keeps the code selected.
    qtbot.waitUntil(lambda: window.current_key() == "storage" and window.scan.state == "ok", timeout=WAIT)
    assert window.scan.edit.selectedText() == box
    _scan(qtbot, window.scan.edit, "NO-SUCH-TUBE-1")  # the next scan replaces the box, never "BOX-…NO-SUCH…"
    qtbot.waitUntil(lambda: window.scan.state == "error", timeout=WAIT)
    assert window.scan.edit.text() == "NO-SUCH-TUBE-1"
    assert window.scan.edit.selectedText() == "NO-SUCH-TUBE-1"
    code = demo_services.queries.rows(demo_services.queries.search_ids(SampleCriteria(), limit=1))[0].sample_code
    _scan(qtbot, window.scan.edit, code)
    qtbot.waitUntil(lambda: window.scan.state == "ok", timeout=WAIT)
    assert window.scan.edit.text() == code
    assert window.scan.edit.selectedText() == code  # on the storage page a tube scan opens its box


def test_a_box_barcode_goes_to_the_navigator(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    opened: list[str] = []
    window.open_box = opened.append  # what the storage page will do: the navigator opens the box
    box = _box_barcode(demo_services)
    _scan(qtbot, window.scan.edit, box)
    qtbot.waitUntil(lambda: opened == [box], timeout=WAIT)


def test_navigation_and_the_next_scan_clear_old_answers(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    _scan(qtbot, window.scan.edit, "NO-SUCH-TUBE-2")
    qtbot.waitUntil(lambda: window.scan.state == "error", timeout=WAIT)
    assert window.scan.feedback.text()
    audit_row = next(r for r in range(window.nav.count()) if window.nav.item(r).text() == "Settings")
    window.nav.setCurrentRow(audit_row)  # the technician goes elsewhere: the red answer goes
    assert window.scan.state == ""
    assert window.scan.feedback.text() == ""
    settings = window.page("settings")
    settings.banner.show_message("Saved.", "ok")
    _scan(qtbot, window.scan.edit, "NO-SUCH-TUBE-3")  # the next scan: the page's old message goes at once
    assert settings.banner.message == ""
    qtbot.waitUntil(lambda: window.scan.state == "error", timeout=WAIT)
    window.open_page("search")
    assert settings.banner.message == ""


# -- 4. the date field ------------------------------------------------------------------------------------


def test_dates_are_read_day_first_or_month_first_and_as_iso():
    today = dt.date(2026, 12, 1)
    assert parse_date("01.06.2026", day_first=True) == dt.date(2026, 6, 1)
    assert parse_date("1/6/26", day_first=True, today=today) == dt.date(2026, 6, 1)
    assert parse_date("01062026", day_first=True) == dt.date(2026, 6, 1)
    assert parse_date("06/01/2026", day_first=False) == dt.date(2026, 6, 1)
    assert parse_date("2026-06-01", day_first=False) == dt.date(2026, 6, 1)
    assert parse_date("20260601", day_first=True) == dt.date(2026, 6, 1)
    assert parse_date("1.6.", day_first=True, today=today) == dt.date(2026, 6, 1)
    assert parse_date("  ", day_first=True) is None
    for bad in ("any0601", "31.02.2026", "13/13/2026", "yesterday"):
        with pytest.raises(ValueError):
            parse_date(bad, day_first=True)


@pytest.fixture
def date_form(qtbot):
    form = QWidget()
    layout = QVBoxLayout(form)
    field = DateField(day_first=True)
    after = QLineEdit()
    layout.addWidget(field)
    layout.addWidget(after)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form, field, after


def test_a_typed_date_is_taken_and_tab_moves_on(qtbot, date_form):
    _form, field, after = date_form
    seen: list[object] = []
    field.value_changed.connect(seen.append)
    field.setFocus()
    qtbot.keyClicks(field.edit, "01.06.2026")
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
    assert field.value() == dt.date(2026, 6, 1)
    assert field.text() == "2026-06-01"  # written back unambiguously
    assert seen == [dt.date(2026, 6, 1)]
    assert after.hasFocus()


def test_one_key_clears_the_date_and_garbage_is_refused_visibly(qtbot, date_form):
    _form, field, _after = date_form
    field.set_value(dt.date(2026, 6, 1))
    field.setFocus()
    qtbot.keyClick(field.edit, Qt.Key.Key_Escape)
    assert field.value() is None
    assert field.text() == ""
    qtbot.keyClicks(field.edit, "any0601")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.value() is None
    assert field.invalid
    assert "is not a date" in field.toolTip()
    qtbot.keyClick(field.edit, Qt.Key.Key_Escape)
    assert not field.invalid and field.text() == ""


def test_the_calendar_opens_at_today_and_shows_every_row(qtbot, date_form):
    _form, field, _after = date_form
    popup = field.open_calendar()
    qtbot.waitExposed(popup)
    today = dt.datetime.now().astimezone().date()
    selected = popup.calendar.selectedDate()
    assert (selected.year(), selected.month(), selected.day()) == (today.year, today.month, today.day)
    assert popup.calendar.yearShown() == today.year and popup.calendar.monthShown() == today.month
    assert popup.calendar.height() >= popup.calendar.sizeHint().height()  # the last row is not cut off
    qtbot.keyClick(popup.calendar.findChild(QTableView), Qt.Key.Key_Return)  # Enter picks the highlighted day
    assert field.value() == today
    assert not popup.isVisible()


def test_search_and_audit_take_a_typed_date(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "sue", Role.SUPERVISOR))
    search = window.open_page("search")
    field = search.collected_from
    field.day_first = True
    field.setFocus()
    qtbot.keyClicks(field.edit, "02.01.2000")
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
    assert search.criteria().collected_from == dt.date(2000, 1, 2)
    assert search.model.criteria is not None and search.model.criteria.collected_from == dt.date(2000, 1, 2)
    audit = window.open_page("audit")
    audit.until.day_first = True
    audit.until.setFocus()
    qtbot.keyClicks(audit.until.edit, "2000-01-02")
    qtbot.keyClick(audit.until.edit, Qt.Key.Key_Tab)
    assert audit.current_filter().until is not None


# -- 6. one message banner --------------------------------------------------------------------------------


def test_a_new_message_replaces_the_old_one(qtbot):
    banner = MessageBanner()
    qtbot.addWidget(banner)
    banner.show_message("Printed 1 label on Zebra-1.", "ok")
    banner.show_message("BB-1 is already printed.", "error")
    assert (banner.message, banner.kind) == ("BB-1 is already printed.", "error")
    banner.clear()
    assert (banner.message, banner.kind) == ("", "")


@pytest.fixture
def pdf_window(qtbot, runner, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))
    from biobank_desktop.app import configured_printers

    settings = Settings()
    settings.printers = [PrinterConfig("Bench-PDF", "pdf-file", str(tmp_path / "labels"), dpi=300).to_dict()]
    services = build_services(open_database(sqlite_url), workstation=WORKSTATION,
                              printers=configured_printers(settings))
    tom = add_account(services, "tom", Role.SUPERVISOR)
    code = services.samples.register(tom, NewSample("COLON", "SER", participant="P-BANNER-1",
                                                    volume_ul=Decimal(500))).value
    window = MainWindow(UiSession(services, tom, settings, runner, Events()))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.start()
    yield window, services, code
    window.stop()
    services.close()


def test_the_confirmation_of_a_reprint_from_the_sample_page_stays(qtbot, pdf_window):
    window, services, code = pdf_window
    sample = window.open_page("sample")
    sample.show_sample(code)
    qtbot.waitUntil(lambda: sample.detail is not None, timeout=WAIT)
    sample.print_label()
    qtbot.waitUntil(lambda: sample.banner.kind == "ok", timeout=WAIT)
    dialog = sample.reprint_label()
    dialog.reason.setText("label smudged")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "Printed" in sample.banner.message and sample.print_button.isEnabled()
                    and sample.reprint_button.isEnabled() and not window.session.runner.busy, timeout=WAIT)
    message = sample.banner.message
    assert sample.banner.kind == "ok"
    # the poll of the audit trail (or this window's own news) refreshes the page: the confirmation stays
    loads: list[object] = []
    loaded = sample._loaded
    sample._loaded = lambda result: (loads.append(result), loaded(result))
    window.session.events.changed.emit(Changes(entity_types=frozenset({SAMPLE}),
                                               entity_ids=frozenset({(SAMPLE, code)})))
    qtbot.waitUntil(lambda: bool(loads), timeout=WAIT)
    assert sample.banner.message == message
    assert len(services.labelling.jobs(workstation=WORKSTATION)) == 2


def test_the_labels_page_shows_one_message_at_a_time(qtbot, pdf_window):
    window, _services, code = pdf_window
    labels = window.open_page("labels")
    qtbot.waitUntil(lambda: not window.session.runner.busy, timeout=WAIT)
    scan = labels.queue.scan
    _scan(qtbot, scan.edit, code)
    qtbot.waitUntil(lambda: scan.state in ("ok", "error", "info") and not window.session.runner.busy, timeout=WAIT)
    assert labels.banner.kind == "ok", labels.banner.message
    assert scan.edit.selectedText() == code
    _scan(qtbot, scan.edit, "NOT-A-SAMPLE-9")
    qtbot.waitUntil(lambda: scan.state == "error", timeout=WAIT)
    assert labels.banner.kind == "error"
    assert "NOT-A-SAMPLE-9" in labels.banner.message
    shown = [w for w in labels.findChildren(QWidget) if w.objectName() in ("scanFeedback", "banner")
             and w.isVisible()]
    assert shown == [labels.banner]  # never a green "Printed" beside a red refusal
