"""The aliquoting page (issue 12): scans typed + Enter, the arithmetic as typed, an over-draw refused before anything
is written, children placed and shown on the box map, a batch with misfits and Cancel, protocols, void, lineage.

Real widgets offscreen in a main window over a fresh SQLite database; the database is checked through the services.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.aliquoting import ProtocolDefinition, ProtocolLine
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.pages.aliquoting.page import AliquotingPage
from tests.gui.conftest import add_account, cancel_running_jobs, visible_progress_dialog
from tests.support.aliquot_kit import make_parent
from tests.support.storage_kit import Tree, build_tree

WAIT = 15_000


@pytest.fixture
def tree(gui_services: Services) -> Tree:
    return build_tree(gui_services, add_account(gui_services, "sue", Role.SUPERVISOR))


@pytest.fixture
def tech(gui_services: Services) -> Actor:
    return add_account(gui_services, "tom", Role.TECHNICIAN)


def _page(qtbot, open_window, services: Services, actor: Actor) -> tuple[MainWindow, AliquotingPage]:
    window = open_window(services, actor)
    page = window.open_page("aliquoting")
    assert isinstance(page, AliquotingPage)
    return window, page


def _scan(qtbot, edit, text: str) -> None:
    """What a USB scanner does: the code typed, then Enter."""
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def _type(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def _scan_parent(qtbot, page: AliquotingPage, code: str) -> None:
    _scan(qtbot, page.one.scan.edit, code)
    qtbot.waitUntil(lambda: page.one.info is not None and page.one.info.sample_code == code, timeout=WAIT)


# -- one parent ---------------------------------------------------------------------------------------------------


def test_the_arithmetic_follows_the_typing_and_an_over_draw_is_refused_before_anything_is_written(
        qtbot, gui_services, tree, tech, open_window) -> None:
    parent = make_parent(gui_services, tech, 9000, box=tree.box)
    _, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    one, form = page.one, page.one.form
    assert one.fact_labels["volume"].text() == "9 mL"
    assert one.fact_labels["position"].text().startswith(tree.box)
    _type(qtbot, form.count, "6")
    _type(qtbot, form.each, "0,5 mL")
    _type(qtbot, form.dead, "0,2 mL")
    assert form.arithmetic == "available 9,00 mL − 6 × 0,50 mL − 0,20 mL dead = 5,80 mL left"
    assert one.ok_button.isEnabled()
    _type(qtbot, form.each, "500 µL")  # the unit typed is the unit shown
    assert form.arithmetic == "available 9000 µL − 6 × 500 µL − 200 µL dead = 5800 µL left"
    _type(qtbot, form.count, "20")
    assert form.arithmetic.endswith("= 1200 µL too little")
    assert not one.ok_button.isEnabled()
    assert "Over-draw" in form.reason_label.text() and form.reason_label.isVisible()
    one.submit()  # even a direct call writes nothing while the form says no
    QApplication.processEvents()
    assert gui_services.queries.detail(parent, tech).volume_ul == Decimal(9000)
    assert gui_services.queries.detail(parent, tech).children == ()
    _type(qtbot, form.each, "0.5")
    assert "unit" in form.reason_label.text() and not one.ok_button.isEnabled()  # 0.5 µL or mL? never guessed


def test_aliquots_go_to_the_scanned_box_and_the_map_shows_where(qtbot, gui_services, tree, tech,
                                                                 open_window) -> None:
    parent = make_parent(gui_services, tech, 9000, box=tree.box)
    window, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    form = page.one.form
    _type(qtbot, form.count, "6")
    _type(qtbot, form.each, "0.5 mL")
    _type(qtbot, form.dead, "0.2 mL")
    page.one.print_after.setChecked(False)
    window.scan.edit.setText(tree.box2)  # the window's scan field, this page showing: the box for the children
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.one.box.text() == tree.box2, timeout=WAIT)
    qtbot.mouseClick(page.one.ok_button, Qt.MouseButton.LeftButton)
    result = page.one.result
    qtbot.waitUntil(lambda: result.outcome is not None and result.box is not None, timeout=WAIT)
    detail = gui_services.queries.detail(parent, tech)
    assert detail.volume_ul == Decimal(5800)
    children = [c.sample_code for c in detail.children]
    assert len(children) == 6 and all(code.startswith(f"{parent}-A0") for code in children)
    box = gui_services.storage.box_map(tree.box2)
    placed = [c.sample_code for c in sorted(box.cells, key=lambda c: c.index) if c.sample_code]
    assert placed == [c.sample_code for c in result.outcome.children]  # consecutive, in label order
    assert result.selected_on_map() == set(children)
    assert result.table.rowCount() == 6 and result.table.item(0, 2).text().startswith(tree.box2 + " ")
    assert "6 tubes made from" in result.heading.text() and "5.8 mL left" in result.heading.text()
    assert result.print_button.isEnabled()  # the labels were queued; printing is offered


@pytest.fixture
def themed(qapp):
    """The application's own look (its fonts and glove-sized fields): what is cut at 1280×720 shows only with it."""
    from biobank_desktop.ui.theme import apply_theme

    style, palette, font, sheet = qapp.style().name(), qapp.palette(), qapp.font(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)
    qapp.setStyle(style)


def test_the_parent_id_keeps_its_check_character_at_1280x720(qtbot, gui_services, tech, open_window, themed) -> None:
    parent = make_parent(gui_services, tech, 9000, sample_type="BLD")
    window, page = _page(qtbot, open_window, gui_services, tech)
    window.showNormal()
    window.resize(1280, 720)
    _scan_parent(qtbot, page, parent)
    for _ in range(3):
        QApplication.processEvents()
    shown = page.one.fact_labels["sample_code"]
    assert shown.text() == parent
    assert shown.contentsRect().width() >= shown.fontMetrics().horizontalAdvance(parent)  # all of it, to the end


def test_the_happy_path_without_the_mouse_box_enter_then_ctrl_enter(qtbot, gui_services, tree, tech, open_window,
                                                                    themed) -> None:
    parent = make_parent(gui_services, tech, 9000, box=tree.box)
    window, page = _page(qtbot, open_window, gui_services, tech)
    window.showNormal()
    window.resize(1280, 720)
    _scan_parent(qtbot, page, parent)
    one = page.one
    assert not one.form.reason_label.isVisible()  # nothing typed yet: no red "Write how many children"
    assert not one.ok_button.isEnabled() and "how many" in one.ok_button.toolTip()
    for _ in range(3):
        QApplication.processEvents()
    # the box field is in sight at 1280×720 without scrolling
    assert one.box.visibleRegion().boundingRect().size() == one.box.size()
    assert "Ctrl+Enter" in one.ok_button.text()
    _type(qtbot, one.form.count, "2")
    assert one.form.reason_label.isVisible() and "volume" in one.form.reason_label.text()
    _type(qtbot, one.form.each, "0,5 mL")
    one.print_after.setChecked(False)
    _scan(qtbot, one.box, parent)  # a tube is not a box: said, and not taken as the parent either
    qtbot.waitUntil(lambda: "is not a box" in page.banner.message, timeout=WAIT)
    assert one.info is not None and one.info.sample_code == parent
    _scan(qtbot, one.box, tree.box2)
    qtbot.waitUntil(lambda: f"go to box {tree.box2}" in page.banner.message, timeout=WAIT)
    window.activateWindow()  # a shortcut reaches the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: one.result.outcome is not None, timeout=WAIT)
    assert {c.box_code for c in one.result.outcome.children} == {tree.box2}


def test_the_tab_scan_field_names_the_parent_loaded_from_elsewhere(qtbot, gui_services, tech, open_window) -> None:
    first = make_parent(gui_services, tech, 1000, participant="P-1")
    second = make_parent(gui_services, tech, 1000, participant="P-2")
    window, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, first)
    assert page.one.scan.edit.text() == first
    window.scan.edit.setText(second)  # the window's scan field
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.one.info is not None and page.one.info.sample_code == second, timeout=WAIT)
    assert page.one.scan.edit.text() == second and page.one.scan.edit.selectedText() == second
    page.one.next_parent()
    assert page.one.scan.edit.text() == ""


def test_the_over_draw_reason_is_whole_and_in_the_separator_typed(qtbot, gui_services, tech, open_window,
                                                                   themed) -> None:
    parent = make_parent(gui_services, tech, 9000)
    window, page = _page(qtbot, open_window, gui_services, tech)
    window.showNormal()
    window.resize(1280, 720)
    _scan_parent(qtbot, page, parent)
    form = page.one.form
    _type(qtbot, form.count, "6")
    _type(qtbot, form.dead, "0,2 mL")
    _type(qtbot, form.each, "2 mL")  # no separator in this one: the comma typed before
    for _ in range(3):
        QApplication.processEvents()
    reason = form.reason_label
    assert reason.text() == "Over-draw: the tube holds 9,00 mL; 6 × 2,00 mL + 0,20 mL dead volume need 12,20 mL."
    assert form.arithmetic == "available 9,00 mL − 6 × 2,00 mL − 0,20 mL dead = 3,20 mL too little"
    assert reason.visibleRegion().boundingRect().width() == reason.width()  # not cut by the form's right edge
    assert reason.height() >= reason.heightForWidth(reason.width())  # wrapped, every line shown


def test_split_evenly_uses_the_parent_up_exactly_and_shows_no_stale_volume(qtbot, gui_services, tech,
                                                                          open_window) -> None:
    parent = make_parent(gui_services, tech, 700)
    _, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    form = page.one.form
    _type(qtbot, form.count, "12")
    _type(qtbot, form.each, "0,0001 mL")  # 0.1 µL: a typo no pipette draws
    assert "less than the 1 µL a child may hold" in form.reason_label.text() and not page.one.ok_button.isEnabled()
    _type(qtbot, form.each, "0,5 mL")
    form.split.setChecked(True)
    assert form.each.text() == "" and form.each.placeholderText() == "58,33 µL each"  # not the stale 0,5 mL
    assert form.arithmetic == "available 700 µL − 12 × 58,33 µL − 0,04 µL dead = 0 µL left"
    page.one.print_after.setChecked(False)
    page.one.ok_button.click()
    qtbot.waitUntil(lambda: page.one.result.outcome is not None, timeout=WAIT)
    detail = gui_services.queries.detail(parent, tech)
    assert (detail.volume_ul, detail.status) == (Decimal(0), "consumed")  # no 0.04 µL ghost left Available
    assert {c.volume_ul for c in page.one.result.outcome.children} == {Decimal("58.33")}
    form.split.setChecked(False)
    assert form.each.text() == "0,5 mL"  # what was typed comes back


def test_a_derivative_asks_for_its_processing_and_refuses_a_spin_ending_before_it_started(
        qtbot, gui_services, tech, open_window) -> None:
    parent = make_parent(gui_services, tech, 4000, sample_type="BLD")
    _, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    form = page.one.form
    assert not form.processing.isVisible()
    form.child_type.setCurrentIndex(form.child_type.findData("PL1"))
    assert form.processing.isVisible()
    _type(qtbot, form.count, "2")
    _type(qtbot, form.each, "1 mL")
    _type(qtbot, form.processing.spin_start.edit, "14:20")
    _type(qtbot, form.processing.spin_end.edit, "14:05")
    assert not page.one.ok_button.isEnabled()
    assert "cannot end before" in form.reason_label.text()
    _type(qtbot, form.processing.spin_end.edit, "14:35")
    assert page.one.ok_button.isEnabled()
    page.one.ok_button.click()
    qtbot.waitUntil(lambda: page.one.result.outcome is not None, timeout=WAIT)
    [made] = gui_services.queries.detail(parent, tech).children[:1]
    child = gui_services.queries.detail(made.sample_code, tech)
    assert child.sample_type == "PL1" and child.lineage_kind == "derivative"
    assert child.centrifuged_at is not None  # its own spin was recorded (start and END), not the parent's


def test_a_spin_time_in_the_future_is_refused_with_the_reason(qtbot, gui_services, tech, open_window) -> None:
    import datetime as dt

    parent = make_parent(gui_services, tech, 4000, sample_type="BLD")
    _, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    form = page.one.form
    form.child_type.setCurrentIndex(form.child_type.findData("PL1"))
    _type(qtbot, form.count, "2")
    _type(qtbot, form.each, "1 mL")
    later = dt.datetime.now() + dt.timedelta(hours=5, minutes=42)  # 23:00 typed at 17:18
    _type(qtbot, form.processing.spin_start.edit, later.strftime("%Y-%m-%d %H:%M"))
    _type(qtbot, form.processing.spin_end.edit, (later + dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M"))
    assert not page.one.ok_button.isEnabled()
    assert "in the future" in form.reason_label.text()
    form.processing.spin_start.set_now()
    form.processing.spin_end.clear()
    assert page.one.ok_button.isEnabled()


def test_void_from_the_result_gives_the_volume_back(qtbot, gui_services, tree, tech, open_window) -> None:
    parent = make_parent(gui_services, tech, 1000, box=tree.box)
    _, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    _type(qtbot, page.one.form.count, "4")
    page.one.form.split.setChecked(True)
    page.one.print_after.setChecked(False)
    assert page.one.form.arithmetic == "available 1.00 mL − 4 × 0.25 mL = 0.00 mL left"
    page.one.box.setText(tree.box2)
    page.one.print_after.setChecked(False)
    page.one.ok_button.click()
    qtbot.waitUntil(lambda: page.one.result.outcome is not None, timeout=WAIT)
    assert gui_services.queries.detail(parent, tech).status == "consumed"
    assert page.one.result.print_button.isEnabled()
    page.one.result.void_button.click()
    qtbot.waitUntil(lambda: page.batches.last_dialog is not None and page.batches.last_dialog.isVisible(),
                    timeout=WAIT)
    dialog = page.batches.last_dialog
    assert not dialog.ok_button.isEnabled()  # a reason first
    dialog.reason.setText("Wrong parent scanned")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: gui_services.queries.detail(parent, tech).volume_ul == Decimal(1000), timeout=WAIT)
    assert gui_services.queries.detail(parent, tech).status != "consumed"
    assert all(c.sample_code is None or not c.sample_code.startswith(parent + "-")
               for c in gui_services.storage.box_map(tree.box2).cells)  # the children left their positions
    result = page.one.result  # the screen follows: the parent has its volume, the map is empty, no Void/Print
    qtbot.waitUntil(lambda: page.one.fact_labels["volume"].text() == "1 mL", timeout=WAIT)
    qtbot.waitUntil(lambda: result.box is not None and not any(
        c.sample_code and c.sample_code.startswith(parent + "-") for c in result.box.cells), timeout=WAIT)
    assert "VOIDED" in result.heading.text()
    assert not result.void_button.isEnabled() and not result.print_button.isEnabled()


# -- batches -----------------------------------------------------------------------------------------------------


def _protocol(services: Services, lines: tuple[ProtocolLine, ...], name: str = "Plasma 2x") -> None:
    supervisor = services.accounts.authenticate("sue", "correct-horse-42")
    services.aliquoting.save_protocol(supervisor, "COLON", name, ProtocolDefinition(lines))


def test_a_batch_says_which_parents_do_not_fit_before_anything_is_written(qtbot, gui_services, tree, tech,
                                                                           open_window) -> None:
    _protocol(gui_services, (ProtocolLine(2, "PL1", Decimal(300)),))
    fits = [make_parent(gui_services, tech, 1000, participant=f"P-{i}") for i in range(3)]
    short = make_parent(gui_services, tech, 500, participant="P-9")
    window, page = _page(qtbot, open_window, gui_services, tech)
    window.aliquot_samples([*fits, short])  # what Search's "Aliquot…" does
    batch = page.batch
    assert page.tabs.currentWidget() is batch and batch.parents == [*fits, short]
    qtbot.waitUntil(lambda: batch.protocol.count() > 1, timeout=WAIT)
    batch.choose_protocol("Plasma 2x")
    qtbot.waitUntil(lambda: batch.checks is not None, timeout=WAIT)
    assert [c.parent for c in batch.misfits()] == [short]
    assert batch.table.item(3, 2).text().startswith("✖")  # the reason, on its row
    assert not batch.run_button.isEnabled()
    assert gui_services.queries.detail(short, tech).children == ()
    batch.remove_button.click()
    qtbot.waitUntil(lambda: batch.checks is not None and batch.run_button.isEnabled(), timeout=WAIT)
    batch.box.setText(tree.box2)
    batch.check()
    qtbot.waitUntil(lambda: batch.checks is not None and batch.run_button.isEnabled(), timeout=WAIT)
    batch.run_button.click()
    qtbot.waitUntil(lambda: batch.result.outcome is not None, timeout=WAIT)
    assert len(batch.result.outcome.children) == 6
    assert all(gui_services.queries.detail(p, tech).volume_ul == Decimal(400) for p in fits)
    assert batch.result.boxes.text().startswith(tree.box2)
    batch.shipment.setText("SH-2026-00002")  # what the list came from, the last time
    batch.result.next_button.click()  # Another batch: an empty list, and nothing says it came from somewhere
    assert batch.parents == [] and batch.shipment.text() == "" and batch.scan.edit.text() == ""


def test_cancelling_a_batch_leaves_nothing(qtbot, gui_services, tree, tech, open_window, hold, runner) -> None:
    _protocol(gui_services, (ProtocolLine(2, "PL1", Decimal(300)),))
    parents = [make_parent(gui_services, tech, 1000, participant=f"P-{i}") for i in range(3)]
    _window, page = _page(qtbot, open_window, gui_services, tech)
    batch = page.batch
    page.tabs.setCurrentWidget(batch)
    for code in parents:  # scanned one by one into the batch's field
        _scan(qtbot, batch.scan.edit, code)
        qtbot.waitUntil(lambda c=code: c in batch.parents, timeout=WAIT)
    qtbot.waitUntil(lambda: batch.protocol.count() > 1, timeout=WAIT)
    batch.choose_protocol("Plasma 2x")
    qtbot.waitUntil(batch.run_button.isEnabled, timeout=WAIT)
    held = hold(gui_services.aliquoting, "apply_protocol")
    batch.run_button.click()
    assert held.entered.wait(10)
    qtbot.waitUntil(lambda: visible_progress_dialog() is not None, timeout=WAIT)  # progress, with Cancel
    visible_progress_dialog().cancel_button.click()
    assert cancel_running_jobs(runner) >= 1
    held.release.set()
    qtbot.waitUntil(lambda: not batch.running, timeout=WAIT)
    assert "nothing was written" in page.banner.message
    assert all(gui_services.queries.detail(p, tech).volume_ul == Decimal(1000) for p in parents)
    assert all(gui_services.queries.detail(p, tech).children == () for p in parents)
    assert gui_services.aliquoting.batches() == []


# -- protocols and lineage ----------------------------------------------------------------------------------------


def test_a_supervisor_writes_a_protocol_and_saving_again_makes_a_new_version(qtbot, gui_services, tree,
                                                                              open_window) -> None:
    supervisor = gui_services.accounts.authenticate("sue", "correct-horse-42")
    _, page = _page(qtbot, open_window, gui_services, supervisor)
    view = page.protocols
    page.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.study.count() > 1, timeout=WAIT)
    dialog = view.new_protocol()
    dialog.name.setText("EDTA 9 mL")
    dialog.study.setCurrentIndex(dialog.study.findData("COLON"))
    dialog.parent_type.setCurrentIndex(dialog.parent_type.findData("BLD"))
    spin, kind, each, _remove = dialog.lines[0]
    spin.setValue(6)
    kind.setCurrentIndex(kind.findData("PL1"))
    each.setText("0,5 mL")
    dialog.add_line(2, "BUF", "0.25 mL")
    assert "9" not in dialog.summary.text() or "3500" in dialog.summary.text().replace(",", "")
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=WAIT)
    [saved] = gui_services.aliquoting.protocols("COLON")
    assert (saved.version, saved.definition.children, saved.definition.needs_ul) == (1, 8, Decimal(3500))
    view.table.selectRow(0)
    again = view.new_version()
    assert again.name.isReadOnly() and len(again.lines) == 2
    again.dead.setText("0.2 mL")
    again.ok_button.click()
    qtbot.waitUntil(lambda: view.table.rowCount() == 1 and view.table.item(0, 2).text() == "v2", timeout=WAIT)
    assert [p.version for p in gui_services.aliquoting.protocol_versions("COLON", "EDTA 9 mL")] == [2, 1]


def test_the_sample_page_shows_the_family_tree_and_opens_a_child(qtbot, gui_services, tech, open_window) -> None:
    parent = make_parent(gui_services, tech, 1000)
    from biobank_desktop.core.services.aliquoting import AliquotRequest

    gui_services.aliquoting.aliquot(tech, AliquotRequest.simple(parent, 3, "200 µL"))
    window = open_window(gui_services, tech)
    window.open_sample(parent)
    sample = window.page("sample")
    view = sample.lineage_view
    qtbot.waitUntil(lambda: view.lineage is not None and view.lineage.sample_code == parent, timeout=WAIT)
    root = view.tree.topLevelItem(0)
    assert root.text(0) == parent and root.childCount() == 3
    assert root.child(0).text(3) == "200 µL"
    assert "600 µL" in view.totals.text() and "400 µL" in view.totals.text()
    assert view.table.rowCount() == 4
    child = root.child(1)
    code = child.text(0)
    view.tree.itemDoubleClicked.emit(child, 0)
    qtbot.waitUntil(lambda: sample.detail is not None and sample.detail.sample_code == code, timeout=WAIT)
    qtbot.waitUntil(lambda: view.lineage is not None and view.lineage.sample_code == code, timeout=WAIT)
    assert view.lineage.ancestors == (parent,)


def test_a_change_from_elsewhere_refreshes_the_parent_shown(qtbot, gui_services, tech, open_window) -> None:
    from biobank_desktop.core.services.aliquoting import AliquotRequest

    parent = make_parent(gui_services, tech, 1000)
    window, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    _type(qtbot, page.one.form.count, "3")
    _type(qtbot, page.one.form.each, "300 µL")
    assert page.one.ok_button.isEnabled()
    changes = gui_services.aliquoting.aliquot(tech, AliquotRequest.simple(parent, 2, "300 µL")).changes
    window.session.events.changed.emit(changes)  # what the poll announces for another workstation's write
    qtbot.waitUntil(lambda: page.one.fact_labels["volume"].text() == "400 µL", timeout=WAIT)
    assert page.one.form.arithmetic.endswith("too little")  # the sum follows: 3 × 300 µL no longer fit
    assert not page.one.ok_button.isEnabled()


def test_a_draw_refused_because_another_workstation_drew_first_resets_the_numbers(
        qtbot, gui_services, tech, open_window) -> None:
    from biobank_desktop.core.services.aliquoting import AliquotRequest

    parent = make_parent(gui_services, tech, 1000)
    _, page = _page(qtbot, open_window, gui_services, tech)
    _scan_parent(qtbot, page, parent)
    _type(qtbot, page.one.form.count, "12")
    page.one.form.split.setChecked(True)
    page.one.print_after.setChecked(False)
    assert page.one.ok_button.isEnabled()
    gui_services.aliquoting.aliquot(tech, AliquotRequest.simple(parent, 2, "300 µL"))  # no event: elsewhere
    page.one.ok_button.click()
    qtbot.waitUntil(lambda: "now holds 400 µL" in page.banner.message, timeout=WAIT)
    form = page.one.form
    assert (form.count.text(), form.each.text(), form.split.isChecked()) == ("", "", False)
    assert not page.one.ok_button.isEnabled()
    assert page.one.fact_labels["volume"].text() == "400 µL"
    assert len(gui_services.queries.detail(parent, tech).children) == 2  # nothing written by the refused draw


def test_search_hands_its_selection_to_the_aliquoting_page(qtbot, gui_services, tech, open_window) -> None:
    codes = [make_parent(gui_services, tech, 1000, participant=f"S-{i}") for i in range(3)]
    window = open_window(gui_services, tech)
    search = window.open_page("search")
    qtbot.waitUntil(lambda: search.model.rowCount() == 3 and not search.model.fetching, timeout=WAIT)
    search.table.selectRow(0)
    search.table.selectionModel().select(search.model.index(2, 0), search.table.selectionModel().SelectionFlag.Select
                                         | search.table.selectionModel().SelectionFlag.Rows)
    search.aliquot_button.click()
    page = window.page("aliquoting")
    assert window.current_key() == "aliquoting" and page.tabs.currentWidget() is page.batch
    assert sorted(page.batch.parents) == sorted([search.model.sample_code(0), search.model.sample_code(2)])
    assert set(page.batch.parents) <= set(codes)


@pytest.mark.parametrize(("count", "each", "dead", "split", "expected"), [
    ("6", "0.5 mL", "0.2 mL", False, "available 9.00 mL − 6 × 0.50 mL − 0.20 mL dead = 5.80 mL left"),
    ("6", "0,5 ml", "0", False, "available 9,00 mL − 6 × 0,50 mL = 6,00 mL left"),
    ("3", "250 uL", "", False, "available 9000 µL − 3 × 250 µL = 8250 µL left"),
    ("7", "", "0.2 mL", True, "available 9.00 mL − 7 × 1.25714 mL − 0.20002 mL dead = 0.00 mL left"),
])
def test_the_sum_reads_exactly_and_answers_in_the_units_typed(count, each, dead, split, expected) -> None:
    from biobank_desktop.ui.pages.aliquoting.arithmetic import Units, draw

    result = draw(Decimal(9000), count, each, dead, split_evenly=split, fallback=Units("mL"))
    assert (result.text(), result.ok) == (expected, True)
    assert result.drawn + result.dead + result.left == Decimal(9000)  # nothing lost to rounding
    if split:  # what rounding leaves is dead volume: the parent is used up exactly
        assert (result.each, result.dead, result.left) == (Decimal("1257.14"), Decimal("200.02"), Decimal(0))
