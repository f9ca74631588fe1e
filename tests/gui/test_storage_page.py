"""The storage page (issue 9): tree, box map, scans, placing, moves, check-out, changes from elsewhere.

Real widgets offscreen over a fresh SQLite database with a small storage tree made through the service
(tests/support/storage_kit.py); every database call runs on the worker, the tests wait with waitUntil.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QMessageBox

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services, open_database
from biobank_desktop.core.services.storage import BoxMap
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.models.storage_tree import ContainerSearchModel, StorageTreeModel
from biobank_desktop.ui.pages.storage.page import StoragePage
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.box_map import paint_state
from tests.gui.conftest import add_account
from tests.support.storage_kit import Tree, build_tree, make_samples

WAIT = 10_000


@pytest.fixture
def tree(gui_services: Services) -> Tree:
    supervisor = add_account(gui_services, "sue", Role.SUPERVISOR)
    return build_tree(gui_services, supervisor)


@pytest.fixture
def tech(gui_services: Services) -> Actor:
    return add_account(gui_services, "tom", Role.TECHNICIAN)


def _page(qtbot: object, make_session: Callable[[Services, Actor], UiSession], services: Services,
          actor: Actor) -> StoragePage:
    session = make_session(services, actor)
    page = StoragePage(session)
    session.events.changed.connect(page.data_changed)  # what the main window does for its pages
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.resize(1366, 700)
    page.show()
    qtbot.waitUntil(lambda: page.tree_loaded > 0, timeout=WAIT)  # type: ignore[attr-defined]
    return page


def _window_on_storage(qtbot: object, open_window: Callable[[Services, Actor], MainWindow], services: Services,
                       actor: Actor) -> tuple[MainWindow, StoragePage]:
    window = open_window(services, actor)
    page = window.open_page("storage")
    assert isinstance(page, StoragePage)
    qtbot.waitUntil(lambda: page.tree_loaded > 0, timeout=WAIT)  # type: ignore[attr-defined]
    return window, page


def _open(qtbot: object, page: StoragePage, code: str) -> BoxMap:
    page.box_panel.open_box(code)
    qtbot.waitUntil(lambda: page.box_panel.box is not None and page.box_panel.box.code == code,  # type: ignore
                    timeout=WAIT)
    assert page.box_panel.box is not None
    return page.box_panel.box


def _cells(box: BoxMap | None) -> dict[str, str | None]:
    assert box is not None
    return {c.position: (c.sample_code if c.sample_code else c.hold) for c in box.cells}


# -- models ---------------------------------------------------------------------------------------------------


def test_tree_and_search_models_pass_the_model_tester(qtmodeltester: object, gui_services: Services,
                                                      tree: Tree) -> None:
    nodes = gui_services.storage.tree()
    model = StorageTreeModel()
    model.set_nodes(nodes)
    assert model.rowCount() == 2  # the freezer and the LN2 tank: their children come when fetched
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    box = next(n for n in nodes if n.barcode == tree.box)
    index = model.index_of(box.id)
    assert index.isValid() and model.node(index) == box
    assert model.data(index.siblingAtColumn(1)) == "0/81"
    results = ContainerSearchModel()
    results.set_rows(gui_services.storage.search_containers("box 000"))
    qtmodeltester.check(results)  # type: ignore[attr-defined]
    assert results.rowCount() >= 2


def test_the_search_box_lists_containers_by_barcode_and_opens_the_box(qtbot, gui_services, tree, tech,
                                                                      make_session) -> None:
    page = _page(qtbot, make_session, gui_services, tech)
    page.search.setText(tree.box2)
    page.run_search()
    qtbot.waitUntil(lambda: page.left_stack.currentWidget() is page.results, timeout=WAIT)
    assert page.results_model.rowCount() == 1
    page._result_chosen(page.results_model.index(0, 0))
    qtbot.waitUntil(lambda: page.box_panel.box is not None and page.box_panel.box.code == tree.box2, timeout=WAIT)
    assert page.tree.current_node() is not None and page.tree.current_node().barcode == tree.box2


# -- scans ---------------------------------------------------------------------------------------------------


def test_scan_a_tube_opens_its_box_with_the_cell_highlighted(qtbot, gui_services, tree, tech, open_window) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box2, "C4")
    window, page = _window_on_storage(qtbot, open_window, gui_services, tech)
    window.scan.edit.setText(code)  # the main window's scan field, the storage page showing
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    panel = page.box_panel
    qtbot.waitUntil(lambda: panel.map.highlighted is not None, timeout=WAIT)
    assert panel.box is not None and panel.box.code == tree.box2
    assert panel.map.highlighted == (3, 4)
    assert panel.map.current_cell().sample_code == code
    assert "C4" in window.scan.feedback.text() and window.scan.state == "ok"
    # The page's own scan field does the same.
    panel.map.highlight(None, None)
    panel.scan.edit.setText(code)
    qtbot.keyClick(panel.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.map.highlighted == (3, 4), timeout=WAIT)


def test_scan_a_box_code_opens_that_box_from_any_page(qtbot, gui_services, tree, tech, open_window) -> None:
    window = open_window(gui_services, tech)
    assert window.current_key() == "search"
    window.scan.edit.setText(tree.box2)
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_key() == "storage", timeout=WAIT)
    page = window.page("storage")
    assert isinstance(page, StoragePage)
    qtbot.waitUntil(lambda: page.box_panel.box is not None, timeout=WAIT)
    assert page.box_panel.box.code == tree.box2
    assert page.box_panel.map.highlighted is None
    qtbot.waitUntil(lambda: page.tree.current_node() is not None, timeout=WAIT)
    assert page.tree.current_node().barcode == tree.box2
    window.session.navigate.open_box("NO-SUCH-BOX")
    qtbot.waitUntil(lambda: "not a known box" in window.scan.feedback.text(), timeout=WAIT)
    assert page.box_panel.box.code == tree.box2  # still showing the last box


# -- placing by scanning ------------------------------------------------------------------------------------


def test_scans_place_tubes_in_the_next_free_positions_and_a_clicked_cell(qtbot, gui_services, tree, tech,
                                                                         make_session) -> None:
    codes = make_samples(gui_services, tech, 3)
    page = _page(qtbot, make_session, gui_services, tech)
    _open(qtbot, page, tree.box)
    panel = page.box_panel
    panel.fill_mode.setChecked(True)
    assert "A1" in panel.next_label.text()
    panel.scan.edit.setText(codes[0])
    qtbot.keyClick(panel.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _cells(panel.box)["A1"] == codes[0], timeout=WAIT)
    assert panel.scan.state == "ok" and "A1" in panel.scan.feedback.text()
    assert (1, 1) in panel.map._flash  # the cell answers the scan
    assert "A2" in panel.next_label.text()
    # Click a cell, then scan: the tube goes there; then back to the fill order.
    qtbot.mouseClick(panel.map, Qt.MouseButton.LeftButton, pos=panel.map.cell_rect(5, 5).center().toPoint())
    assert "E5" in panel.next_label.text()
    panel.handle_scan(codes[1])
    qtbot.waitUntil(lambda: _cells(panel.box)["E5"] == codes[1], timeout=WAIT)
    panel.handle_scan(codes[2])
    qtbot.waitUntil(lambda: _cells(panel.box)["A2"] == codes[2], timeout=WAIT)
    where = gui_services.storage.locate(codes[1])
    assert where is not None and (where.box_code, where.position) == (tree.box, "E5")


def test_a_refused_scan_leaves_the_map_unchanged_and_says_why(qtbot, gui_services, tree, tech,
                                                              make_session) -> None:
    codes = make_samples(gui_services, tech, 2)
    gui_services.storage.place(tech, codes[0], tree.box, "A1")
    gui_services.storage.place(tech, codes[1], tree.box2, "B2")
    page = _page(qtbot, make_session, gui_services, tech)
    _open(qtbot, page, tree.box)
    panel = page.box_panel
    panel.fill_mode.setChecked(True)
    before = _cells(panel.box)
    panel.handle_scan(codes[1])  # stored in the other box, and "move" is off
    qtbot.waitUntil(lambda: panel.scan.state == "error", timeout=WAIT)
    assert tree.box2 in panel.scan.feedback.text() and "B2" in panel.scan.feedback.text()
    assert _cells(panel.box) == before
    assert (1, 2) in panel.map._flash  # the next free cell flashed red
    panel.handle_scan("NO-SUCH-TUBE")
    qtbot.waitUntil(lambda: "NO-SUCH-TUBE" in panel.scan.feedback.text(), timeout=WAIT)
    assert panel.scan.state == "error"
    assert _cells(panel.box) == before
    assert _cells(gui_services.storage.box_map(tree.box)) == before
    where = gui_services.storage.locate(codes[1])
    assert where is not None and (where.box_code, where.position) == (tree.box2, "B2")


# -- the map by keyboard -----------------------------------------------------------------------------------


def test_keyboard_moves_through_the_cells_and_enter_opens_the_sample(qtbot, gui_services, tree, tech,
                                                                     open_window) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "B3")
    window, page = _window_on_storage(qtbot, open_window, gui_services, tech)
    _open(qtbot, page, tree.box)
    grid = page.box_panel.map
    grid.setFocus()
    assert grid.current == (1, 1)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.current == (2, 3) and grid.current_cell().sample_code == code
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    qtbot.keyClick(grid, Qt.Key.Key_Up)  # stops at the edge
    assert grid.current == (1, 3)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    assert [c.sample_code for c in grid.selected_cells()] == [code]
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_key() == "sample", timeout=WAIT)
    assert code in grid.describe(grid.current_cell())  # what hovering the cell says


# -- moves, check-out ----------------------------------------------------------------------------------------


def _accept(qtbot: object, box: QMessageBox | None) -> None:
    assert box is not None and box.isVisible()
    accept = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]


def test_dragging_tubes_to_other_cells_moves_them_after_confirming(qtbot, gui_services, tree, tech,
                                                                   make_session) -> None:
    codes = make_samples(gui_services, tech, 2)
    gui_services.storage.place(tech, codes[0], tree.box, "A1")
    gui_services.storage.place(tech, codes[1], tree.box, "A2")
    page = _page(qtbot, make_session, gui_services, tech)
    _open(qtbot, page, tree.box)
    grid = page.box_panel.map
    grid.select([(1, 1), (1, 2)])
    grid.current = (1, 1)
    payload = grid.drag_payload()
    assert payload is not None and [t[0] for t in payload["tubes"]] == codes
    grid.tubes_dropped.emit(payload, 4, 5)  # what a drop on D5 emits
    confirm = page.box_panel.last_confirm
    assert confirm is not None and "2 tube(s)" in confirm.text()
    assert _cells(gui_services.storage.box_map(tree.box))["A1"] == codes[0]  # nothing moved before confirming
    _accept(qtbot, confirm)
    qtbot.waitUntil(lambda: _cells(page.box_panel.box)["D5"] == codes[0], timeout=WAIT)
    after = _cells(page.box_panel.box)
    assert after["D6"] == codes[1] and after["A1"] is None and after["A2"] is None
    # Dropped on another box in the tree: into its next free positions.
    node = next(n for n in page.model.nodes() if n.barcode == tree.box2)
    grid.select([(4, 5)])
    grid.current = (4, 5)
    page.drop_tubes_on_node(grid.drag_payload(), node)
    _accept(qtbot, page.box_panel.last_confirm)
    qtbot.waitUntil(lambda: _cells(gui_services.storage.box_map(tree.box2))["A1"] == codes[0], timeout=WAIT)


def test_check_out_from_the_cell_menu_shows_the_tube_as_out(qtbot, gui_services, tree, tech,
                                                            make_session) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "C3")
    page = _page(qtbot, make_session, gui_services, tech)
    box = _open(qtbot, page, tree.box)
    cell = box.cell(3, 3)
    menu = page.box_panel.cell_menu(cell)
    texts = [a.text() for a in menu.actions()]
    assert any("Check out" in t for t in texts) and any("Discard" in t for t in texts)
    dialog = page.box_panel.ask_check_out(cell)
    dialog.reason.setText("aliquoting")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.box_panel.box.cell(3, 3).state == "checked_out", timeout=WAIT)
    assert "checked out" in page.box_panel.info.text()
    where = gui_services.storage.locate(code)
    assert where is not None and where.checked_out_by == "tom" and where.position == "C3"
    checked_in = page.box_panel.cell_menu(page.box_panel.box.cell(3, 3))
    assert any("Check in" in a.text() for a in checked_in.actions())


def test_a_technician_sees_the_layout_actions_disabled(qtbot, gui_services, tree, tech, make_session) -> None:
    page = _page(qtbot, make_session, gui_services, tech)
    node = next(n for n in page.model.nodes() if n.barcode == tree.rack)
    actions = {a.text(): a.isEnabled() for a in page.container_menu(node).actions() if a.text()}
    assert actions[f"Rename {node.name}…"] is False
    assert actions[f"Move {node.name} into…"] is True
    assert page.new_button.isHidden()


# -- another workstation -------------------------------------------------------------------------------------


def test_another_workstations_placement_shows_after_the_poll(qtbot, gui_services, sqlite_url, tree, tech,
                                                             open_window) -> None:
    codes = make_samples(gui_services, tech, 1)
    window, page = _window_on_storage(qtbot, open_window, gui_services, tech)
    _open(qtbot, page, tree.box)
    qtbot.waitUntil(lambda: window._last_seq is not None, timeout=WAIT)  # the poll has its starting point
    other = build_services(open_database(sqlite_url), workstation="OTHER-WS")
    try:
        anna = add_account(other, "anna", Role.TECHNICIAN)
        other.storage.place(anna, codes[0], tree.box, "F6")
    finally:
        other.close()
    assert _cells(page.box_panel.box)["F6"] is None
    window.poll_changes()
    qtbot.waitUntil(lambda: _cells(page.box_panel.box)["F6"] == codes[0], timeout=WAIT)
    box_node = next(n for n in page.model.nodes() if n.barcode == tree.box)
    qtbot.waitUntil(lambda: page.model.node_by_id(box_node.id).occupied == 1, timeout=WAIT)


# -- grey scale ----------------------------------------------------------------------------------------------


def test_cell_states_differ_in_grey_scale() -> None:
    """Empty, tube, checked out, reserved and blocked cells never look alike once the colour is gone."""
    assert QApplication.instance() is not None or QApplication([])
    fill = QColor("#59a14f")
    looks = {}
    for state, colour in (("empty", QColor("#ffffff")), ("occupied", fill), ("checked_out", fill.lighter(160)),
                          ("reserved", QColor("#ffffff")), ("blocked", QColor("#3b3f46"))):
        image = QImage(40, 40, QImage.Format.Format_RGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        paint_state(painter, image.rect().toRectF(), state, colour)
        painter.end()
        grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
        looks[state] = bytes(grey.constBits())[: 40 * 40]
    assert len(set(looks.values())) == len(looks)


# -- find space, evacuation, capacity, exports, layout ---------------------------------------------------


def test_find_space_is_shown_on_the_map_before_it_is_reserved(qtbot, gui_services, tree, tech,
                                                              make_session) -> None:
    page = _page(qtbot, make_session, gui_services, tech)
    _open(qtbot, page, tree.box)
    panel = page.box_panel
    panel.plan_space(3, None, None, tree.box)
    qtbot.waitUntil(lambda: len(panel.map.preview) == 3, timeout=WAIT)
    assert panel.map.preview == {(1, 1), (1, 2), (1, 3)}
    assert "not yet reserved" in page.banner.message
    assert gui_services.storage.holds(tree.box) == []  # nothing written yet
    dialog = panel.reserve_plan()
    assert dialog is not None
    dialog.reason.setText("shipment SH-0042")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not panel.map.preview and panel.box.cell(1, 2).state == "reserved", timeout=WAIT)
    holds = gui_services.storage.holds(tree.box)
    assert [(h.position, h.kind, h.purpose) for h in holds] == [(p, "reserved", "shipment SH-0042")
                                                                 for p in ("A1", "A2", "A3")]
    assert "shipment SH-0042" in panel.map.describe(panel.box.cell(1, 1))


def test_evacuating_a_freezer_shows_the_plan_and_moves_every_box_in_one_go(qtbot, gui_services, tree, tech,
                                                                           make_session) -> None:
    from decimal import Decimal

    from biobank_desktop.core.services.storage import NewContainer

    supervisor = gui_services.accounts.authenticate("sue", "correct-horse-42")
    [spare] = gui_services.storage.create_containers(supervisor, [
        NewContainer("Freezer F-02", "Upright freezer -80 °C", setpoint_c=Decimal(-80), freezer_kind="upright_-80")
    ]).value
    gui_services.storage.create_containers(supervisor, [NewContainer("Rack 09", "Freezer rack 4 × 5 boxes", spare)])
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "A1")
    page = _page(qtbot, make_session, gui_services, tech)
    freezer = next(n for n in page.model.nodes() if n.barcode == tree.freezer)
    dialog = page.ask_evacuate(freezer)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=WAIT)
    assert dialog.model.rowCount() == 3  # two 9 × 9 boxes and the SBS rack
    assert dialog.commit_button.isEnabled()
    assert "3 box(es)" in dialog.summary.text()
    reason = dialog.ask_commit()
    reason.reason.setText("compressor failing")
    reason.ok_button.click()
    qtbot.waitUntil(lambda: "evacuated" in page.banner.message, timeout=WAIT)
    where = gui_services.storage.locate(code)
    assert where is not None and where.path[0] == "Freezer F-02" and where.position == "A1"


def test_capacity_view_warns_past_the_threshold(qtbot, gui_services, tree, tech, make_session) -> None:
    codes = make_samples(gui_services, tech, 9)
    for i, code in enumerate(codes):
        gui_services.storage.place(tech, code, tree.ln2_box, f"A{i + 1}")
    page = _page(qtbot, make_session, gui_services, tech)
    page.capacity.threshold.setValue(10)  # 9 tubes in the LN2 tank's only box: 9 of 81 = 11 %
    page.tabs.setCurrentWidget(page.capacity)
    qtbot.waitUntil(lambda: "LN2 tank" in page.capacity.warning.text(), timeout=WAIT)
    assert "Freezer F-01" not in page.capacity.warning.text()
    paths = [r.path for r in page.capacity.rows if r.over_threshold]
    assert "LN2 tank T-01" in paths
    assert page.capacity.bars.rows and page.capacity.model.rowCount() == len(page.capacity.rows)


def test_box_map_exports_are_written_on_the_worker_and_read_back(qtbot, gui_services, tree, tech, make_session,
                                                                 tmp_path) -> None:
    import openpyxl

    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "B2")
    page = _page(qtbot, make_session, gui_services, tech)
    _open(qtbot, page, tree.box)
    written: list[object] = []
    page.box_panel.export_to(tmp_path / "box.xlsx", on_done=written.append)
    page.box_panel.export_to(tmp_path / "box.pdf", on_done=written.append)
    qtbot.waitUntil(lambda: len(written) == 2, timeout=WAIT)
    book = openpyxl.load_workbook(tmp_path / "box.xlsx")
    values = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert any(code.split("-", 2)[2] in v or code in v for v in values)
    assert (tmp_path / "box.pdf").read_bytes().startswith(b"%PDF")


def test_a_supervisor_creates_a_box_from_the_tree(qtbot, gui_services, tree, make_session) -> None:
    supervisor = gui_services.accounts.authenticate("sue", "correct-horse-42")
    page = _page(qtbot, make_session, gui_services, supervisor)
    rack = next(n for n in page.model.nodes() if n.barcode == tree.rack)
    assert all(a.isEnabled() for a in page.container_menu(rack).actions() if a.text().startswith("Rename"))
    page.ask_new(rack)
    qtbot.waitUntil(lambda: page.last_dialog is not None and page.last_dialog.isVisible(), timeout=WAIT)
    dialog = page.last_dialog
    dialog.type_input.setCurrentIndex(dialog.type_input.findData("Cryobox 10 × 10"))
    dialog.name_input.setText("Box 0099")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: any(n.name == "Box 0099" for n in page.model.nodes()), timeout=WAIT)
    made = next(n for n in page.model.nodes() if n.name == "Box 0099")
    assert made.parent_id == rack.id and made.capacity == 100


def test_moving_a_box_into_another_rack_and_discarding_a_tube(qtbot, gui_services, tree, tech,
                                                              make_session) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box2, "A1")
    page = _page(qtbot, make_session, gui_services, tech)
    box2 = next(n for n in page.model.nodes() if n.barcode == tree.box2)
    ln2_rack = next(n for n in page.model.nodes() if n.barcode == tree.ln2_rack)
    page.drop_container_on_node(box2.id, ln2_rack)  # what dragging the box onto the rack in the tree does
    assert isinstance(page.last_dialog, QMessageBox) and "1 tube(s)" in page.last_dialog.informativeText()
    _accept(qtbot, page.last_dialog)
    qtbot.waitUntil(lambda: page.model.node_by_id(box2.id) is not None
                    and page.model.node_by_id(box2.id).parent_id == ln2_rack.id, timeout=WAIT)
    where = gui_services.storage.locate(code)
    assert where is not None and where.path[0] == "LN2 tank T-01"
    box = _open(qtbot, page, tree.box2)
    dialog = page.box_panel.ask_discard(box.cell(1, 1))
    dialog.reason.setText("tube cracked")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.box_panel.box.cell(1, 1).state == "empty", timeout=WAIT)
    assert gui_services.storage.locate(code) is None
    assert gui_services.queries.detail(code).status == "discarded"
