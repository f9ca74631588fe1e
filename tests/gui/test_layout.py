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
from tests.gui.conftest import PASSWORD, add_account
from tests.gui.screens import hidden_buttons, layout_problems, render_pages

WAIT = 20_000


@pytest.fixture(autouse=True)
def themed(app_theme):
    """The application's own look (glove-sized fields, its fonts): layout faults only show with it."""


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


def test_the_window_starts_maximised_then_as_left_and_the_next_login_is_blank(qtbot, sqlite_url, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "workstation"))  # a workstation never used before
    from biobank_desktop.app import BiobankApp
    from biobank_desktop.config import Settings
    from biobank_desktop.core.services import build_services, open_database

    services = build_services(open_database(sqlite_url))
    add_account(services, "tom", Role.TECHNICIAN)
    services.close()
    biobank = BiobankApp(QApplication.instance(), database_url=sqlite_url, settings=Settings())
    try:
        biobank.start()

        def login_shown() -> LoginDialog:
            qtbot.waitUntil(lambda: isinstance(biobank.current_dialog, LoginDialog)
                            and biobank.current_dialog.connected, timeout=30_000)
            return biobank.current_dialog

        login = login_shown()
        login.fill("tom", PASSWORD)
        with qtbot.waitSignal(biobank.main_window_shown, timeout=WAIT) as shown:
            login.submit()
        window = shown.args[0]
        assert window.isMaximized()  # the first run at this workstation
        window.showNormal()
        window.setGeometry(40, 30, 1240, 690)
        QApplication.processEvents()
        biobank.logout()
        login = login_shown()
        assert login.username.text() == ""  # the next person types their own name
        login.fill("tom", PASSWORD)
        with qtbot.waitSignal(biobank.main_window_shown, timeout=WAIT) as shown:
            login.submit()
        window = shown.args[0]
        assert not window.isMaximized()
        # as it was left, across the logout (the offscreen screen is 800 px wide: Qt keeps a restored window
        # on the screen, so the width is the window's minimum there; the height and place are as left)
        assert (window.geometry().y(), window.height()) == (30, 690)
    finally:
        biobank.quit(0)


def test_darkness_is_offered_only_for_a_zpl_printer_and_printer_names_are_not_clipped(qtbot, demo_services,
                                                                                        open_window, tmp_path):
    from biobank_desktop.ui.pages.settings.printers import PrinterDialog

    dialog = PrinterDialog([])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_values(name="Bench-PDF", kind="pdf-file", address=str(tmp_path / "labels"))
    assert not dialog.darkness.isVisibleTo(dialog)
    dialog.set_values(name="Bench-1-Zebra", kind="zpl-tcp", address="127.0.0.1:9100")
    assert dialog.darkness.isVisibleTo(dialog)

    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    labels = window.open_page("labels")
    choice = labels.queue.printer_choice
    choice.addItem("Bench-PDF-cold-room-2 (300 dpi)", "Bench-PDF-cold-room-2")  # as fill_printers names one
    choice.setCurrentIndex(choice.count() - 1)
    QApplication.processEvents()
    assert layout_problems(window, choice) == []
