"""Defects a QA engineer found driving the Storage page as a technician (each test failed before its fix)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QFontMetricsF
from PySide6.QtWidgets import QApplication, QLabel

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.storage import BoxMap
from biobank_desktop.ui.pages.storage.page import StoragePage
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.box_map import cell_text, fit_text
from tests.gui.conftest import add_account
from tests.support.storage_kit import Tree, build_tree, make_samples

WAIT = 10_000


@pytest.fixture
def tree(gui_services: Services) -> Tree:
    return build_tree(gui_services, add_account(gui_services, "sue", Role.SUPERVISOR))


@pytest.fixture
def tech(gui_services: Services, tree: Tree) -> Actor:  # after the tree: sue is the first account
    return add_account(gui_services, "tom", Role.TECHNICIAN)


def _page(qtbot: object, make_session: Callable[[Services, Actor], UiSession], services: Services,
          actor: Actor, box: str, size: tuple[int, int] = (1366, 700)) -> StoragePage:
    """The storage page alone (changes wired as the main window does), showing ``box``."""
    session = make_session(services, actor)
    page = StoragePage(session)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    session.events.changed.connect(page.data_changed)
    page.resize(*size)
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


def test_while_filling_a_box_code_switches_box_and_a_rack_code_says_what_to_do(qtbot, gui_services, tree, tech,
                                                                             make_session) -> None:
    first, second = make_samples(gui_services, tech, 2)
    page = _page(qtbot, make_session, gui_services, tech, tree.box)
    panel = page.box_panel
    panel.fill_mode.setChecked(True)
    panel.handle_scan(first)
    panel.handle_scan(tree.box2)  # queued behind the tube: the tube still goes to the first box
    panel.handle_scan(second)
    qtbot.waitUntil(lambda: panel.box is not None and panel.box.code == tree.box2
                    and _cells(panel.box)["A1"] == second, timeout=WAIT)
    assert gui_services.storage.locate(first).box_code == tree.box  # type: ignore[union-attr]
    assert panel.fill_mode.isChecked()
    assert [a.message for a in panel.filling.answers] == [f"{second} → A1"]  # type: ignore[union-attr]
    panel.handle_scan(tree.rack)
    qtbot.waitUntil(lambda: panel.scan.state == "error", timeout=WAIT)
    assert "not a box" in panel.scan.message and tree.rack in panel.scan.message
    assert "No sample" not in panel.scan.message and panel.box.code == tree.box2
    panel.handle_scan(tree.box)
    qtbot.waitUntil(lambda: panel.box.code == tree.box, timeout=WAIT)  # type: ignore[union-attr]
    assert "Now filling box" in panel.scan.message and panel.scan.state == "ok"


def test_an_unknown_rack_is_mapped_to_a_box_in_rack_code_and_messages_name_window_controls(
        qtbot, gui_services, tree, tech, make_session, tmp_path) -> None:
    first, second = make_samples(gui_services, tech, 2)
    gui_services.storage.place(tech, first, tree.sbs, "A1")
    gui_services.storage.place(tech, second, tree.box2, "A1")
    page = _page(qtbot, make_session, gui_services, tech, tree.box)
    panel, view = page.box_panel, page.rackscan
    panel.fill_mode.setChecked(True)
    panel.handle_scan(second)  # stored in box2; Move from other boxes is off
    qtbot.waitUntil(lambda: panel.scan.state == "error", timeout=WAIT)
    assert "tick Move from other boxes" in panel.scan.message and "--" not in panel.scan.message
    page.tabs.setCurrentWidget(view)
    path = tmp_path / "scan.csv"
    path.write_text(f"RK-404,A1,{first}\n")
    errors = view.errors
    view.load_file(path)
    qtbot.waitUntil(lambda: view.errors > errors, timeout=WAIT)
    assert "does not know" in view.message and "Rack code" in view.message and "--" not in view.message
    reviews = view.reviews
    view.rack_edit.setFocus()
    qtbot.keyClicks(view.rack_edit, tree.sbs)
    qtbot.keyClick(view.rack_edit, Qt.Key.Key_Return)  # Enter reads the file again, as that box
    qtbot.waitUntil(lambda: view.reviews > reviews, timeout=WAIT)
    assert view.review is not None and view.review.box_code == tree.sbs and view.message == ""
    assert "RK-404" in view.title.text() and view.review.counts["confirmed"] == 1


def test_one_message_at_a_time_and_the_page_never_moves(qtbot, gui_services, tree, tech, make_session) -> None:
    page = _page(qtbot, make_session, gui_services, tech, tree.box)
    panel = page.box_panel
    qtbot.waitUntil(page.tabs.isVisible, timeout=WAIT)
    top = page.tabs.mapTo(page, QPoint(0, 0)).y()
    page.banner.show_message("Box map written to /tmp/box.pdf.", "ok")  # the last action's answer
    assert page.tabs.mapTo(page, QPoint(0, 0)).y() == top
    panel.handle_scan("NO-SUCH-TUBE-77")
    qtbot.waitUntil(lambda: panel.scan.state == "error", timeout=WAIT)
    assert "NO-SUCH-TUBE-77" in page.banner.message and page.banner.kind == "error"  # replaced, not beside it
    assert not panel.scan.feedback.isVisible()  # no second answer line under the field
    qtbot.keyClicks(panel.scan.edit, "B")  # typing the next code: the old answer goes
    assert page.banner.message == ""
    assert page.tabs.mapTo(page, QPoint(0, 0)).y() == top  # the banner coming and going never moved the page


def test_the_check_out_dialog_names_the_tube_and_suggests_a_check_out_reason(qtbot, gui_services, tree, tech,
                                                                           make_session) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "C3")
    page = _page(qtbot, make_session, gui_services, tech, tree.box)
    dialog = page.box_panel.ask_check_out(page.box_panel.box.cell(3, 3))  # type: ignore[union-attr]
    shown = " ".join(w.text() for w in dialog.findChildren(QLabel))  # the window title may not show (no WM)
    assert code in shown and f"{tree.box} C3" in shown
    assert code in dialog.ok_button.text()
    assert "crack" not in dialog.reason.placeholderText() and "aliquoting" in dialog.reason.placeholderText()
    dialog.reject()


def test_check_in_asks_whether_the_tube_stayed_frozen(qtbot, gui_services, tree, tech, make_session) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "C3")  # a −80 °C freezer
    gui_services.storage.check_out(tech, code, "aliquoting")
    page = _page(qtbot, make_session, gui_services, tech, tree.box)
    panel = page.box_panel
    panel.check_in(panel.box.cell(3, 3))  # type: ignore[union-attr]
    box = panel.last_confirm
    assert box is not None and box.isVisible() and code in box.text()
    assert gui_services.storage.box_map(tree.box).cell(3, 3).checked_out  # nothing before the answer
    next(b for b in box.buttons() if "Kept frozen" in b.text()).click()
    qtbot.waitUntil(lambda: "checked in" in page.banner.message, timeout=WAIT)
    assert "no cycle counted" in page.banner.message
    assert gui_services.queries.detail(code).freeze_thaw_count == 0


def test_after_losing_a_cell_to_another_workstation_the_map_refreshes_and_filling_goes_on(
        qtbot, gui_services, tree, tech, make_session) -> None:
    mine, theirs, next_one = make_samples(gui_services, tech, 3)
    page = _page(qtbot, make_session, gui_services, tech, tree.box)
    panel = page.box_panel
    panel.fill_mode.setChecked(True)
    panel.choose_cell(panel.box.cell(4, 7))  # type: ignore[union-attr]  # the technician clicked D7
    assert "D7" in panel.next_label.text()
    anna = add_account(gui_services, "anna", Role.TECHNICIAN)
    gui_services.storage.place(anna, theirs, tree.box, "D7")  # the other workstation, a second faster
    panel.handle_scan(mine)
    qtbot.waitUntil(lambda: panel.scan.state == "error", timeout=WAIT)
    assert "D7" in panel.scan.message
    assert _cells(panel.box)["D7"] == theirs  # the map shows the other workstation's tube
    assert "D7" not in panel.next_label.text() and "A1" in panel.next_label.text()
    panel.handle_scan(mine)  # scanned again: it goes to the next free position, not refused again
    qtbot.waitUntil(lambda: _cells(panel.box)["A1"] == mine, timeout=WAIT)
    panel.handle_scan(next_one)
    qtbot.waitUntil(lambda: _cells(panel.box)["A2"] == next_one, timeout=WAIT)


def test_a_tube_id_too_wide_for_its_cell_keeps_its_end(qtbot, gui_services, tree, tech, make_session) -> None:
    codes = make_samples(gui_services, tech, 2)
    gui_services.storage.place(tech, codes[0], tree.sbs, "A1")
    page = _page(qtbot, make_session, gui_services, tech, tree.sbs, size=(1280, 650))
    grid = page.box_panel.map
    size = grid.cell_rect(1, 1).width()
    font = grid._font(size)
    width = size - 4  # the text's box in the cell
    cell = page.box_panel.box.cell(1, 1)  # type: ignore[union-attr]
    lines = fit_text(cell_text(cell), font, width).split("\n")
    metrics = QFontMetricsF(font)
    assert all(metrics.horizontalAdvance(line) <= width for line in lines)
    assert cell_text(cell).split("\n")[0].endswith(lines[0].lstrip("…"))  # the start goes, the end stays
    assert fit_text("BB-2026\n000036O", font, metrics.horizontalAdvance("036O") + 2 * metrics.horizontalAdvance("…")
                    ).split("\n")[1].endswith("036O")
