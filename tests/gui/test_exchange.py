"""The Exchange page (pytest-qt, offscreen, real SQLite): the import wizard driven by the keyboard, bad cells
highlighted and grouped, all-or-nothing refused and valid-rows-only with the error workbook read back,
cancel during a read, a non-spreadsheet file, a file imported twice; the exports; the models."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.flows import import_wizard
from biobank_desktop.core.flows.import_wizard import Step
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.spreadsheets.error_workbook import ERROR_COLUMN, ROW_COLUMN
from biobank_desktop.ui.models.exchange import ImportHistoryModel, MappingTableModel, ProblemGroupModel
from biobank_desktop.ui.models.exchange_preview import PreviewTableModel
from biobank_desktop.ui.pages.exchange import dialogs
from biobank_desktop.ui.pages.exchange.page import ExchangePage
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ERROR_SOFT
from tests.gui.conftest import SYSTEM, add_account, visible_progress_dialog
from tests.unit.spreadsheets.helpers import HEADERS, make_xlsx, row

TABLES = ("shipments", "expected_tubes", "import_records", "saved_mappings", "samples", "audit_events")


def _lung(n: int, **overrides: object) -> list[object]:
    values: dict[str, object] = {"Study": "LUNG", "Collected": dt.datetime(2026, 11, 2, 8, 15)} | overrides
    return row(n, **values)


def _counts(services: Services) -> dict[str, int]:
    with services.db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


@pytest.fixture
def page(qtbot, gui_services: Services, make_session: Callable[..., UiSession]) -> ExchangePage:
    return exchange_page(qtbot, gui_services, make_session)


def exchange_page(qtbot, gui_services: Services, make_session: Callable[..., UiSession]) -> ExchangePage:
    """The Exchange page alone at 1366×720, wired as the main window wires it, its partner list read."""
    gui_services.reference.add_site(SYSTEM, "CLINIC", "Example Clinic", "Luxembourg")
    session = make_session(gui_services, add_account(gui_services, "tom", Role.TECHNICIAN))
    exchange = ExchangePage(session)
    session.events.changed.connect(exchange.data_changed)  # as the main window wires every page
    qtbot.addWidget(exchange)
    exchange.resize(1366, 720)
    exchange.show()
    exchange.page_shown()
    qtbot.waitUntil(lambda: exchange.importer.file_step.partner.count() > 1, timeout=10_000)
    return exchange


def _idle(qtbot, page: ExchangePage) -> None:
    qtbot.waitUntil(lambda: not page.importer.busy, timeout=20_000)


def _enter(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def _open(qtbot, page: ExchangePage, path: Path, *, partner: str | None = "CLINIC", kind: str = "manifest") -> None:
    """Step 1 by keyboard: type the path, choose kind and partner, Enter."""
    importer = page.importer
    step = importer.file_step
    step.path.clear()
    qtbot.keyClicks(step.path, str(path))
    step.kind.set_value(kind)
    if partner:
        assert step.select_partner(partner)
    _enter(qtbot, step.path)
    _idle(qtbot, page)


def _to_preview(qtbot, page: ExchangePage, path: Path) -> None:
    importer = page.importer
    _open(qtbot, page, path)
    assert importer.wizard.step == Step.SHEET, page.banner.message
    _enter(qtbot, importer.sheet_step.sheets)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.MAPPING, page.banner.message
    _enter(qtbot, importer.mapping_step.table)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.PREVIEW, page.banner.message


def test_manifest_import_end_to_end_by_keyboard_creates_a_shipment(qtbot, page: ExchangePage,
                                                                   gui_services: Services, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "manifest.xlsx", [_lung(1), _lung(2), _lung(3)])
    importer = page.importer
    assert not importer.next_button.isEnabled()  # nothing typed yet: Enter does nothing
    _enter(qtbot, importer.file_step.path)
    assert importer.wizard.step == Step.FILE

    _to_preview(qtbot, page, path)
    mapping = importer.mapping_step.model
    fields = {mapping.row_at(r).header: mapping.row_at(r).field for r in range(mapping.rowCount())}
    assert fields["Sample barcode"] == "clinic_barcode" and fields["Material"] == "sample_type"
    assert importer.preview_step.preview.rowCount() == 3
    assert importer.preview_step.groups.rowCount() == 0

    _enter(qtbot, importer.preview_step.groups_view)  # Enter on the problem list shows, it does not go on
    assert importer.wizard.step == Step.PREVIEW and not importer.busy
    _enter(qtbot, importer.next_button)  # Enter = dry run (the step's focus is on its button)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DRY_RUN
    assert "all 3 rows can be imported" in importer.dry_step.headline.text()
    assert gui_services.exchange.import_history(SYSTEM) == []  # the dry run wrote nothing
    assert not importer.valid_only_button.isVisible()

    changed: list[object] = []
    page.session.events.changed.connect(changed.append)
    _enter(qtbot, importer.next_button)  # Enter = import all
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DONE, page.banner.message
    report = importer.wizard.report
    assert report is not None and report.shipment is not None
    assert report.shipment in importer.done_step.headline.text()
    assert gui_services.exchange.shipment_tube_count(report.shipment) == 3
    history = gui_services.exchange.import_history(SYSTEM)
    assert [(h.file_name, h.rows_imported, h.imported_by, h.shipment) for h in history] == \
        [("manifest.xlsx", 3, "tom", report.shipment)]
    assert changed and changed[0].touches("shipment", "import")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.history.rowCount() == 1, timeout=10_000)  # the history tab refreshed itself
    assert page.history.data(page.history.index(0, 3)) == "manifest.xlsx"
    assert gui_services.exchange.saved_mappings("CLINIC")  # the mapping was saved for the partner
    assert importer.restart_button.text() == "Import another file"
    qtbot.mouseClick(importer.restart_button, Qt.MouseButton.LeftButton)
    assert importer.wizard.step == Step.FILE
    _open(qtbot, page, make_xlsx(tmp_path / "next.xlsx", [_lung(7)]))  # the partner's next file...
    _enter(qtbot, importer.sheet_step.sheets)
    _idle(qtbot, page)
    assert "Started from the mapping saved for CLINIC" in importer.mapping_step.about.text()  # ...starts from it


def test_bad_cells_are_highlighted_grouped_refused_then_valid_rows_only_and_error_workbook(
        qtbot, page: ExchangePage, gui_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [_lung(1), _lung(2, Collected="31/02/2026"), _lung(3), _lung(4, Collected="31/02/2026"),
            _lung(5, **{"Volume (ml)": "lots"})]
    path = make_xlsx(tmp_path / "bad.xlsx", rows)
    importer = page.importer
    _to_preview(qtbot, page, path)
    step = importer.preview_step
    assert "3 with errors" in step.summary.text() and "2 valid" in step.summary.text()

    # the bad cells are highlighted: the Collected cell of spreadsheet row 5 (title, blank, header, rows from 4)
    collected = 1 + HEADERS.index("Collected")
    bad_row = step.preview.position_of(5)
    assert bad_row is not None
    assert step.preview.data(step.preview.index(bad_row, collected), Qt.ItemDataRole.BackgroundRole) == \
        QColor(ERROR_SOFT)
    assert step.preview.data(step.preview.index(bad_row, 1), Qt.ItemDataRole.BackgroundRole) is None
    assert "31/02/2026" in step.preview.data(step.preview.index(bad_row, 0), Qt.ItemDataRole.ToolTipRole)

    # grouped by cause; clicking a group lists its rows and jumps to the first
    texts = [step.groups.data(step.groups.index(r, 2)) for r in range(step.groups.rowCount())]
    date_group = next(i for i, t in enumerate(texts) if t.startswith("The same problem in 2 rows"))
    assert "31/02/2026" in texts[date_group]
    step.groups_view.clicked.emit(step.groups.index(date_group, 2))
    assert [step.rows.item(i).text() for i in range(step.rows.count())] == ["Row 5", "Row 7"]
    assert step.preview_view.currentIndex().row() == step.preview.position_of(5)
    step.rows.setCurrentRow(1)
    _enter(qtbot, step.rows)  # by keyboard: Enter on a row of the list shows it
    assert step.preview_view.currentIndex().row() == step.preview.position_of(7)
    assert importer.wizard.step == Step.PREVIEW
    step.only_problems.setChecked(True)
    assert step.preview.rowCount() == 3 and step.preview.position_of(4) is None

    qtbot.mouseClick(importer.next_button, Qt.MouseButton.LeftButton)  # dry run
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DRY_RUN
    assert importer.valid_only_button.isVisible() and "2 valid rows only" in importer.valid_only_button.text()
    before = _counts(gui_services)

    qtbot.mouseClick(importer.next_button, Qt.MouseButton.LeftButton)  # all-or-nothing: refused
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DRY_RUN
    assert page.banner.isVisible() and "3 row(s) have problems; nothing was imported" in page.banner.message
    assert _counts(gui_services) == before

    qtbot.mouseClick(importer.valid_only_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DONE, page.banner.message
    report = importer.wizard.report
    assert report is not None and report.rows_imported == 2 and report.shipment
    assert gui_services.exchange.shipment_tube_count(report.shipment) == 2
    assert importer.errors_button.isVisible()

    out = tmp_path / "returned" / "bad-errors.xlsx"
    out.parent.mkdir()
    monkeypatch.setattr(dialogs, "save_path", lambda *_a: out)
    qtbot.mouseClick(importer.errors_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert "Error workbook written" in page.banner.message
    sheet = openpyxl.load_workbook(out)["Rejected rows"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(values) if r and r[0] == ROW_COLUMN)
    assert values[header_at][-1] == ERROR_COLUMN
    rejected = [r for r in values[header_at + 1:] if r[0] is not None]
    assert [r[0] for r in rejected] == [5, 7, 8]
    assert rejected[0][1] == "053100002" and rejected[0][collected] == "31/02/2026"  # the original values
    assert "31/02/2026" in rejected[0][-1] and "lots" in rejected[2][-1]


def test_cancel_during_the_read_leaves_nothing(qtbot, page: ExchangePage, gui_services: Services,
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_xlsx(tmp_path / "slow.xlsx", [_lung(1), _lung(2)])
    real = import_wizard.load_table
    saw_cancel = threading.Event()

    def slow_read(source, name, *, progress, cancelled):  # type: ignore[no-untyped-def]
        progress(0.1, "reading")
        for _ in range(2000):  # until Cancel is pressed (at most ~20 s)
            if cancelled():
                saw_cancel.set()
                break
            threading.Event().wait(0.01)
        return real(source, name, progress=progress, cancelled=cancelled)

    monkeypatch.setattr(import_wizard, "load_table", slow_read)
    before = _counts(gui_services)
    importer = page.importer
    _open(qtbot, page, path)
    _enter(qtbot, importer.sheet_step.sheets)
    qtbot.waitUntil(lambda: visible_progress_dialog() is not None, timeout=10_000)
    dialog = visible_progress_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert saw_cancel.is_set()
    assert importer.wizard.step == Step.SHEET and importer.wizard.table is None
    assert "Reading cancelled" in page.banner.message
    assert _counts(gui_services) == before
    monkeypatch.setattr(import_wizard, "load_table", real)  # and the same file still reads afterwards
    _enter(qtbot, importer.sheet_step.sheets)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.MAPPING


def test_cancel_during_the_import_leaves_the_database_untouched(qtbot, page: ExchangePage, gui_services: Services,
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from biobank_desktop.core.services.exchange import writing

    path = make_xlsx(tmp_path / "m.xlsx", [_lung(n) for n in range(1, 6)])
    importer = page.importer
    _to_preview(qtbot, page, path)
    _enter(qtbot, importer.next_button)  # dry run (not held)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DRY_RUN
    real = writing.write_manifest

    def held_write(*args, **kwargs):  # type: ignore[no-untyped-def]
        code = real(*args, **kwargs)  # the tubes are written in the open transaction...
        for _ in range(2000):  # ...then it waits for Cancel (at most ~20 s) before the service commits
            if kwargs["cancelled"]():
                break
            threading.Event().wait(0.01)
        return code

    monkeypatch.setattr(writing, "write_manifest", held_write)
    before = _counts(gui_services)
    _enter(qtbot, importer.next_button)
    qtbot.waitUntil(lambda: visible_progress_dialog() is not None, timeout=10_000)
    dialog = visible_progress_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DRY_RUN and importer.wizard.report is None
    assert "Import cancelled" in page.banner.message
    assert _counts(gui_services) == before


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(qtbot, page: ExchangePage, gui_services: Services,
                                                                 tmp_path: Path) -> None:
    fake = tmp_path / "manifest.xlsx"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    before = _counts(gui_services)
    _open(qtbot, page, fake)
    assert page.importer.wizard.step == Step.FILE
    assert page.banner.isVisible() and "is a PDF document, not a spreadsheet" in page.banner.message
    assert _counts(gui_services) == before


def test_the_same_file_twice_is_refused_with_the_first_imports_date(qtbot, page: ExchangePage,
                                                                    gui_services: Services, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [_lung(1)])
    first = gui_services.exchange.import_file(page.session.actor, path, kind="manifest", partner="CLINIC").value
    copy = tmp_path / "renamed.xlsx"
    copy.write_bytes(path.read_bytes())
    _open(qtbot, page, copy)
    assert page.importer.wizard.step == Step.FILE
    day = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert f"already imported on {day}" in page.banner.message
    assert "by tom" in page.banner.message and str(first.shipment) in page.banner.message


def test_mapping_corrected_with_the_combo_and_a_direct_identifier_left_out(qtbot, page: ExchangePage,
                                                                           tmp_path: Path) -> None:
    headers = [*HEADERS, "Patient name", "Remarks"]
    rows = [[*_lung(n), f"Jane Doe {n}", "ok"] for n in (1, 2)]
    path = make_xlsx(tmp_path / "names.xlsx", rows, headers=headers)
    importer = page.importer
    _open(qtbot, page, path)
    _enter(qtbot, importer.sheet_step.sheets)
    _idle(qtbot, page)
    model = importer.mapping_step.model
    by_header = {model.row_at(r).header: r for r in range(model.rowCount())}
    name_row = by_header["Patient name"]
    assert model.row_at(name_row).left_out
    field_cell = model.index(name_row, MappingTableModel.FIELD_COLUMN)
    assert not model.flags(field_cell) & Qt.ItemFlag.ItemIsEditable
    assert model.data(field_cell).startswith("Left out:")
    assert "Patient name" in importer.mapping_step.left_out.text()
    # the technician corrects the mapping through the combos (persistent editors): "Remarks" not imported,
    # then "Timepoint" imported as the comments
    assert model.row_at(by_header["Remarks"]).field == "comments"
    table = importer.mapping_step.table
    remarks = table.indexWidget(model.index(by_header["Remarks"], MappingTableModel.FIELD_COLUMN))
    remarks.setCurrentIndex(remarks.findData(""))
    remarks.activated.emit(remarks.currentIndex())
    assert "comments" not in importer.wizard.mapped_headers() and model.row_at(by_header["Remarks"]).field is None
    timepoint = table.indexWidget(model.index(by_header["Timepoint"], MappingTableModel.FIELD_COLUMN))
    timepoint.setCurrentIndex(timepoint.findData("comments"))
    timepoint.activated.emit(timepoint.currentIndex())
    assert importer.wizard.mapped_headers()["comments"] == "Timepoint"
    assert model.data(model.index(by_header["Timepoint"], 4)) == "chosen by you"
    assert timepoint.currentData() == "comments"
    # un-mapping a required field disables Next and says which one
    barcode = model.index(by_header["Sample barcode"], MappingTableModel.FIELD_COLUMN)
    assert model.setData(barcode, "", Qt.ItemDataRole.EditRole)
    assert not importer.next_button.isEnabled() and importer.mapping_step.missing.isVisible()
    _enter(qtbot, importer.mapping_step.table)
    assert importer.wizard.step == Step.MAPPING


def test_a_word_the_mapping_does_not_know_is_asked_and_remembered(qtbot, page: ExchangePage,
                                                                  tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "words.xlsx", [_lung(1, Material="Glorp"), _lung(2)])
    importer = page.importer
    _open(qtbot, page, path)
    _enter(qtbot, importer.sheet_step.sheets)
    _idle(qtbot, page)
    combos = importer.mapping_step.value_combos
    assert ("sample_type", "Glorp") in combos and importer.mapping_step.values_box.isVisible()
    combo = combos[("sample_type", "Glorp")]
    combo.setCurrentIndex(combo.findData("SER"))
    combo.activated.emit(combo.currentIndex())
    assert importer.wizard.mapping is not None
    assert importer.wizard.mapping.value_maps["sample_type"]["glorp"] == "SER"
    assert not importer.mapping_step.values_box.isVisible()


def test_exports_write_through_the_service(qtbot, page: ExchangePage, gui_services: Services, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    gui_services.exchange.import_file(page.session.actor, make_xlsx(tmp_path / "m.xlsx", [_lung(1)]),
                                      kind="manifest", partner="CLINIC")
    exporter = page.exporter
    targets = iter([tmp_path / "template.xlsx", tmp_path / "audit.xlsx"])
    monkeypatch.setattr(dialogs, "save_path", lambda *_a: next(targets))
    exporter.template_site.setCurrentIndex(exporter.template_site.findData("CLINIC"))
    qtbot.mouseClick(exporter.template_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported" in page.banner.message, timeout=20_000)
    workbook = openpyxl.load_workbook(tmp_path / "template.xlsx")
    assert any("CLINIC" in str(c) for r in workbook.worksheets[0].iter_rows(values_only=True) for c in r if c)
    page.banner.hide()
    qtbot.mouseClick(exporter.audit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported" in page.banner.message, timeout=20_000)
    audit = openpyxl.load_workbook(tmp_path / "audit.xlsx").worksheets[0]
    assert any(c == "import.committed" for r in audit.iter_rows(values_only=True) for c in r)


# -- the models ---------------------------------------------------------------------------------------------


def test_the_exchange_models_pass_the_model_tester(qtmodeltester, qtbot, page: ExchangePage, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bad.xlsx", [_lung(n, Collected="31/02/2026" if n % 3 == 0 else
                                                   dt.datetime(2026, 11, 2, 8, 15)) for n in range(1, 460)])
    importer = page.importer
    _to_preview(qtbot, page, path)
    mapping = importer.mapping_step.model
    assert mapping.rowCount() == len(HEADERS)
    qtmodeltester.check(mapping)
    groups = importer.preview_step.groups
    assert groups.rowCount() >= 1
    qtmodeltester.check(groups)
    preview = importer.preview_step.preview
    assert preview.rowCount() == 200 and preview.canFetchMore(QModelIndex())  # lazy: a page at a time
    assert preview.position_of(459 + 3) == 458 and preview.rowCount() == 459  # a jump reads up to the row
    qtmodeltester.check(preview)
    qtbot.waitUntil(lambda: page.history is not None)
    history = ImportHistoryModel()
    history.set_rows(page.session.services.exchange.import_history(page.session.actor))
    qtmodeltester.check(history)


def test_the_preview_model_fetches_exact_pages(qtmodeltester) -> None:
    from biobank_desktop.core.flows.import_wizard import PreviewRow

    rows = [PreviewRow(n + 4, (f"a{n}", f"b{n}"), frozenset({1}) if n % 7 == 0 else frozenset(), frozenset(),
                       ("bad",) if n % 7 == 0 else ()) for n in range(45)]
    model = PreviewTableModel(page_size=10)
    model.set_source(["A · One", "B · Two"], len(rows), lambda s, c: rows[s:s + c],
                     {r.number: i for i, r in enumerate(rows)})
    assert model.rowCount() == 10
    qtmodeltester.check(model)
    assert model.data(model.index(0, 2), Qt.ItemDataRole.BackgroundRole) == QColor(ERROR_SOFT)
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole) is None
    assert model.position_of(44 + 4) == 44 and model.rowCount() == 45 and not model.canFetchMore(QModelIndex())
    assert model.position_of(3) is None
    group_model = ProblemGroupModel()
    qtmodeltester.check(group_model)


def test_search_exports_the_current_result_with_its_filters(qtbot, demo_services: Services, make_session,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from biobank_desktop.ui.pages.search.page import SearchPage

    session = make_session(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    search = SearchPage(session)
    qtbot.addWidget(search)
    search.show()
    search.set_criteria(SampleCriteria(sample_types=("SER",)))
    expected = demo_services.queries.count(SampleCriteria(sample_types=("SER",)))[0]
    out = tmp_path / "serum.xlsx"
    monkeypatch.setattr(search, "ask_export_path", lambda: out)
    qtbot.mouseClick(search.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported" in search.banner.message, timeout=30_000)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert any("SER" in str(c) for r in values[:8] for c in r if c)  # the filters are in the header block
    assert f"{expected:,}" in search.banner.message


def test_the_mapping_step_flags_an_undecided_or_contradicted_date_order(qtbot, page: ExchangePage,
                                                                        tmp_path: Path) -> None:
    importer = page.importer
    step = importer.mapping_step
    undecided = make_xlsx(tmp_path / "undecided.xlsx", [_lung(1, Collected="11/05/2026 08:15"),
                                                         _lung(2, Collected="11/06/2026 09:00")])
    _open(qtbot, page, undecided)
    _enter(qtbot, importer.sheet_step.sheets)
    _idle(qtbot, page)
    assert step.date_order.currentData() == "DMY"
    assert step.date_warning.isVisible() and "11/05/2026 08:15" in step.date_warning.text()
    assert "Day first" in step.date_warning.text()
    step.date_order.setCurrentIndex(step.date_order.findData("MDY"))
    step.date_order.activated.emit(step.date_order.currentIndex())
    assert importer.wizard.mapping is not None and importer.wizard.mapping.date_order == "MDY"
    assert step.date_warning.isVisible() and "Month first" in step.date_warning.text()

    importer.wizard.restart()
    decided = make_xlsx(tmp_path / "decided.xlsx", [_lung(1, Collected="11/05/2026 08:15"),
                                                     _lung(2, Collected="10/25/2026 09:00")])
    _open(qtbot, page, decided)
    _enter(qtbot, importer.sheet_step.sheets)
    _idle(qtbot, page)
    assert step.date_order.currentData() == "MDY" and not step.date_warning.isVisible()
    step.date_order.setCurrentIndex(step.date_order.findData("DMY"))
    step.date_order.activated.emit(step.date_order.currentIndex())
    assert step.date_warning.isVisible() and "10/25/2026 09:00" in step.date_warning.text()
    assert "cannot be read" in step.date_warning.text()
