"""Every page at the screens a lab has (issue 8): rendered to PNGs and checked for cut or overlapping widgets.

The PNGs land in pytest's temporary folder (``screens-<size>``); look at them after a layout change.
``tests/gui/render_screenshots.py --resources`` writes the README's shots to ``resources/screenshots``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.ui.dialogs.login import LoginDialog
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.theme import apply_theme
from tests.gui.conftest import add_account
from tests.gui.screens import hidden_buttons, layout_problems, render_pages

WAIT = 20_000


@pytest.fixture(autouse=True)
def themed(qapp):
    """The application's own look (glove-sized fields, its fonts): layout faults only show with it."""
    app = QApplication.instance()
    style, palette, font, sheet = app.style().name(), app.palette(), app.font(), app.styleSheet()
    apply_theme(app)
    yield
    app.setStyleSheet(sheet)
    app.setPalette(palette)
    app.setFont(font)
    app.setStyle(style)


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_every_page_fits_the_screen(qtbot, demo_services, open_window, tmp_path_factory, size):
    window = open_window(demo_services, add_account(demo_services, "ada", Role.ADMINISTRATOR))
    out: Path = tmp_path_factory.mktemp(f"screens-{size[0]}x{size[1]}", numbered=False)
    faults = render_pages(window, out, *size, wait=lambda c: qtbot.waitUntil(c, timeout=WAIT))
    assert sorted(p.name.split("-")[0] for p in out.glob("*.png"))  # the shots exist to be looked at
    assert {name: f for name, f in faults.items() if f} == {}
    login = LoginDialog(demo_services, window.session.runner, database="SQLite file test.sqlite")
    qtbot.addWidget(login)
    login.show()
    qtbot.waitExposed(login)
    login.grab().save(str(out / f"login-{size[0]}x{size[1]}.png"))
    assert layout_problems(login) == []


def test_search_filters_do_not_overlap_at_the_smallest_window(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    window.showNormal()
    window.resize(1200, 700)
    search = window.open_page("search")
    qtbot.waitUntil(lambda: search.model.rowCount() > 0, timeout=WAIT)
    QApplication.processEvents()
    assert layout_problems(window, search, size=(1200, 700)) == []
    assert hidden_buttons(window, [search.clear_button, search.search_button, search.received_to]) == []


def test_the_designer_fits_a_maximised_window_above_a_taskbar(qtbot, demo_services, open_window):
    window: MainWindow = open_window(demo_services, add_account(demo_services, "sue", Role.SUPERVISOR))
    window.showNormal()
    window.resize(1366, 698)
    labels = window.open_page("labels")
    labels.show_tab(labels.DESIGNER)
    qtbot.waitUntil(lambda: labels.designer.current is not None, timeout=WAIT)
    QApplication.processEvents()
    designer = labels.designer
    assert layout_problems(window, labels, size=(1366, 698)) == []
    assert hidden_buttons(window, [designer.save_button, designer.add_button, designer.remove_button,
                                   designer.example_button]) == []
    assert designer.preview.height() >= 200  # the preview is there to be read
