"""Defects a QA engineer found driving the Storage page as a technician (each test failed before its fix)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.storage import BoxMap
from biobank_desktop.ui.pages.storage.page import StoragePage
from biobank_desktop.ui.session import UiSession
from tests.gui.conftest import add_account
from tests.support.storage_kit import Tree, build_tree, make_samples

WAIT = 10_000


@pytest.fixture
def tree(gui_services: Services) -> Tree:
    return build_tree(gui_services, add_account(gui_services, "sue", Role.SUPERVISOR))


@pytest.fixture
def tech(gui_services: Services) -> Actor:
    return add_account(gui_services, "tom", Role.TECHNICIAN)


def _page(qtbot: object, make_session: Callable[[Services, Actor], UiSession], services: Services,
          actor: Actor, box: str) -> StoragePage:
    session = make_session(services, actor)
    page = StoragePage(session)
    session.events.changed.connect(page.data_changed)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.resize(1366, 700)
    page.show()
    qtbot.waitUntil(lambda: page.tree_loaded > 0, timeout=WAIT)  # type: ignore[attr-defined]
    page.box_panel.open_box(box)
    qtbot.waitUntil(lambda: page.box_panel.box is not None and page.box_panel.box.code == box,  # type: ignore
                    timeout=WAIT)
    return page


def _cells(box: BoxMap | None) -> dict[str, str | None]:
    assert box is not None
    return {c.position: c.sample_code for c in box.cells}


def test_the_menu_key_opens_the_menu_of_the_current_cell_at_that_cell(qtbot, gui_services, tree, tech,
                                                                      make_session) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "B2")
    page = _page(qtbot, make_session, gui_services, tech, tree.box)
    panel, grid = page.box_panel, page.box_panel.map
    panel.fill_mode.setChecked(True)
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.current_cell().sample_code == code
    asked: list[tuple[str | None, QPoint]] = []
    grid.context_menu_requested.disconnect()
    grid.context_menu_requested.connect(lambda cell, where: asked.append((cell.sample_code, where)))
    centre = grid.rect().center()  # where Qt says a keyboard menu was asked for
    QApplication.sendEvent(grid, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, centre,
                                                   grid.mapToGlobal(centre)))
    assert [a[0] for a in asked] == [code]
    assert grid.cell_rect(2, 2).contains(grid.mapFromGlobal(asked[0][1]).toPointF())  # shown at B2
    assert grid.current == (2, 2)
    assert "E5" not in panel.next_label.text()  # the map's centre was not chosen for the next scan
