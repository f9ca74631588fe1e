"""QA round on the Exchange page: Enter goes on from the sheet step, the import kind changes only by a
deliberate choice, the counts of a dry run agree, the refused button is not the default one, the export tab
keeps its room after a message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QGroupBox

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.flows.import_wizard import Step
from biobank_desktop.core.services import Services
from biobank_desktop.ui.pages.exchange.page import ExchangePage
from biobank_desktop.ui.session import UiSession
from tests.gui.conftest import add_account
from tests.gui.test_exchange import _idle, _lung, exchange_page
from tests.unit.spreadsheets.helpers import make_xlsx


@pytest.fixture
def page(qtbot, gui_services: Services, make_session: Callable[..., UiSession]) -> ExchangePage:
    return exchange_page(qtbot, gui_services, make_session)


def _focus(qtbot, page: ExchangePage, widget) -> None:
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=5_000)
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=5_000)


def test_enter_on_the_sheet_step_goes_on_where_the_focus_is(qtbot, page: ExchangePage, tmp_path: Path) -> None:
    importer = page.importer
    step = importer.file_step
    _focus(qtbot, page, step.path)
    qtbot.keyClicks(step.path, str(make_xlsx(tmp_path / "manifest.xlsx", [_lung(1), _lung(2)])))
    assert step.select_partner("CLINIC")
    qtbot.keyClick(step.path, Qt.Key.Key_Return)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.SHEET, page.banner.message
    focused = QApplication.focusWidget()
    assert focused is importer.sheet_step.sheets  # the page says "press Enter": the key reaches the wizard
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    _idle(qtbot, page)
    assert importer.wizard.step == Step.MAPPING, page.banner.message


def test_tab_then_down_does_not_turn_a_manifest_into_an_inventory(qtbot, page: ExchangePage) -> None:
    step = page.importer.file_step
    assert step.kind.value() == "manifest"
    _focus(qtbot, page, step.path)
    qtbot.keyClick(step.path, Qt.Key.Key_Tab)  # past the path ...
    focused = QApplication.focusWidget()
    if focused is step.browse:
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
    assert focused is not None and step.kind.isAncestorOf(focused)  # ... onto the kind
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Right, Qt.Key.Key_Down):
        qtbot.keyClick(QApplication.focusWidget(), key)
    assert step.kind.value() == "manifest"  # arrows move the focus, they choose nothing
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # a deliberate choice
    assert step.kind.value() == "inventory"
    step.kind.set_value("manifest")
    assert step.kind.value() == "manifest"


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_the_export_tab_keeps_its_groups_whole_after_a_message(qtbot, app_theme, gui_services: Services,
                                                               open_window, size: tuple[int, int]) -> None:
    window = open_window(gui_services, add_account(gui_services, "tom", Role.TECHNICIAN))
    window.showNormal()
    window.resize(*size)
    page = window.open_page("exchange")
    page.tabs.setCurrentWidget(page.exporter)
    page.banner.show_message("Exported 5,000 rows to /tmp/qa1/files/inventory.xlsx.", "ok")
    QApplication.processEvents()
    exporter = page.exporter
    for group in exporter.findChildren(QGroupBox):
        assert group.height() >= group.minimumSizeHint().height(), group.title()  # never squashed
    button = exporter.inventory_button
    for field in (exporter.collected_from, exporter.collected_to):
        assert field.height() >= field.minimumSizeHint().height()
        assert not field.geometry().intersects(button.geometry())
    assert button.height() >= button.minimumSizeHint().height()


def test_when_all_rows_would_be_refused_the_valid_rows_only_is_the_default(qtbot, page: ExchangePage,
                                                                          tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "manifest.xlsx", [_lung(1), _lung(2, **{"Volume (ml)": "lots"}), _lung(3)])
    importer = page.importer
    _focus(qtbot, page, importer.file_step.path)
    qtbot.keyClicks(importer.file_step.path, str(path))
    assert importer.file_step.select_partner("CLINIC")
    for wanted in (Step.SHEET, Step.MAPPING, Step.PREVIEW, Step.DRY_RUN):  # Enter where the focus is, each step
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        _idle(qtbot, page)
        assert importer.wizard.step == wanted, page.banner.message
    assert "2 valid, 1 with errors" in importer.preview_step.summary.text()
    assert "data rows read" in importer.preview_step.summary.text()
    assert "2 of 3 data rows" in importer.dry_step.headline.text()  # the same count, the same words
    assert importer.valid_only_button.property("primary") and not importer.next_button.property("primary")
    assert QApplication.focusWidget() is importer.valid_only_button
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Enter = the action that works
    _idle(qtbot, page)
    assert importer.wizard.step == Step.DONE, page.banner.message
    assert importer.wizard.report is not None and importer.wizard.report.rows_imported == 2
