"""Second QA round on the Storage page at the lab's screens, in the application's own look (each test failed
before its fix): the rack code field shows a whole box code, a long message keeps the banner at two lines."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from biobank_desktop.core.domain.roles import Role
from tests.gui.conftest import add_account

WAIT = 20_000


@pytest.fixture(autouse=True)
def themed(app_theme):
    """The application's own look (glove-sized fields, its fonts): layout faults only show with it."""


def _storage(open_window, services, size: tuple[int, int]):
    window = open_window(services, add_account(services, "tom", Role.TECHNICIAN))
    window.showNormal()
    window.resize(*size)
    page = window.open_page("storage")
    QApplication.processEvents()
    return window, page


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_the_rack_code_field_shows_a_whole_box_code(qtbot, gui_services, open_window, size) -> None:
    _window, page = _storage(open_window, gui_services, size)
    page.tabs.setCurrentWidget(page.rackscan)
    edit = page.rackscan.rack_edit
    edit.setText("BOX-000057")
    edit.setFocus()
    QApplication.processEvents()
    # the text, the field's padding (8 px), border (2 px when focused) and QLineEdit's own margin (2 px) each side
    assert edit.width() >= edit.fontMetrics().horizontalAdvance("BOX-000057") + 2 * (8 + 2 + 2) + 1


def test_a_long_message_keeps_the_banner_at_two_lines_and_the_page_in_place(qtbot, gui_services,
                                                                             open_window) -> None:
    _window, page = _storage(open_window, gui_services, (1366, 768))
    banner = page.banner
    page.tabs.setCurrentWidget(page.rackscan)
    QApplication.processEvents()
    tabs_top = page.tabs.mapTo(page, page.tabs.rect().topLeft()).y()
    long = ("The file is the scan of rack RK00001234, which the database does not know. " * 3 +
            "\nRegister the rack in the storage tree, or give the rack's code (--box).\n"
            "Check the file and the Rack code before you accept.\nA fourth line.")
    banner.show_message(long, "error")
    QApplication.processEvents()
    assert page.tabs.mapTo(page, page.tabs.rect().topLeft()).y() == tabs_top  # the page did not move
    lines = banner.text.fontMetrics().lineSpacing()
    assert banner.text.heightForWidth(banner.text.width()) <= 2 * lines + 4  # two lines at most
    assert banner.text.text().endswith("…")
    assert banner.message == long  # the whole text is kept ...
    assert banner.toolTip() == long or banner.text.toolTip() == long  # ... and shown on hover
    assert banner.more_button.isVisible()
    banner.more_button.click()  # "More…" shows it all, over the page, not pushing it
    QApplication.processEvents()
    assert banner.full_view is not None and banner.full_view.isVisible() and long in banner.full_view.text()
    assert page.tabs.mapTo(page, page.tabs.rect().topLeft()).y() == tabs_top
    banner.full_view.close()
    banner.show_message("Placed.", "ok")  # a short one: no "More…"
    QApplication.processEvents()
    assert not banner.more_button.isVisible() and banner.text.text() == "Placed."
