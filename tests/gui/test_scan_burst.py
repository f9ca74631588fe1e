"""A scanner's burst while a widget that takes no text has the focus (QA: keys lost on the box map, or its Enter
opening the clicked cell's sample): the burst reaches the scan field (on the storage, reception and aliquoting
pages the page's own); a person's keys reach the widget."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.ui.pages.aliquoting.page import AliquotingPage
from biobank_desktop.ui.pages.storage.page import StoragePage
from biobank_desktop.ui.widgets.scan_burst import ScanBurstFilter, takes_text
from tests.gui.conftest import add_account
from tests.gui.reception_support import SCAN_TUBES, open_board
from tests.support.aliquot_kit import make_parent
from tests.support.storage_kit import build_tree, make_samples

WAIT = 10_000


class _Keys(QWidget):
    """A widget that takes keys but no text (like the box map): records what reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.keys: list[str] = []

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.keys.append("⏎" if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) else event.text())


class _Clock:
    def __init__(self, step: float) -> None:
        self.now, self.step = 100.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def bench(qtbot) -> tuple[QWidget, _Keys, QLineEdit, list[str]]:
    window = QWidget()
    keys, edit = _Keys(), QLineEdit()
    layout = QVBoxLayout(window)
    layout.addWidget(keys)
    layout.addWidget(edit)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    bursts: list[str] = []
    return window, keys, edit, bursts


def _filter(window: QWidget, bursts: list[str], step: float) -> ScanBurstFilter:
    burst_filter = ScanBurstFilter(window, clock=_Clock(step))
    burst_filter.burst.connect(bursts.append)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(burst_filter)
    return burst_filter


def _scan(qtbot, bench, widget: QWidget, text: str, step: float) -> None:
    """Type ``text`` + Enter into ``widget`` (focused), ``step`` seconds between keys."""
    window, _keys, _edit, bursts = bench
    _filter(window, bursts, step)
    widget.setFocus()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_fast_burst_ending_with_enter_goes_to_the_scan_and_not_to_the_widget(qtbot, bench) -> None:
    _window, keys, _edit, bursts = bench
    _scan(qtbot, bench, keys, "BB-2026-000015W", 0.005)
    assert bursts == ["BB-2026-000015W"]
    assert keys.keys == []  # neither the characters nor the Enter reached the map


def test_a_person_typing_slowly_loses_nothing(qtbot, bench) -> None:
    _window, keys, _edit, bursts = bench
    _scan(qtbot, bench, keys, "abcde", 0.2)  # 200 ms between keys: a person
    assert bursts == []
    assert keys.keys == ["a", "b", "c", "d", "e", "⏎"]


def test_a_short_fast_burst_and_other_keys_are_delivered_in_order(qtbot, bench) -> None:
    window, keys, _edit, bursts = bench
    _filter(window, bursts, 0.005)
    keys.setFocus()
    qtbot.keyClicks(keys, "ab")
    qtbot.keyClick(keys, Qt.Key.Key_Return)  # too short for a code
    qtbot.keyClicks(keys, "xy")
    qtbot.keyClick(keys, Qt.Key.Key_Down)
    assert bursts == []
    assert keys.keys == ["a", "b", "⏎", "x", "y", ""]
    qtbot.keyClicks(keys, "q")
    qtbot.waitUntil(lambda: keys.keys[-1:] == ["q"], timeout=WAIT)  # alone, delivered when no key follows


def test_a_text_field_keeps_its_own_keys(qtbot, bench) -> None:
    _window, _keys, edit, bursts = bench
    _scan(qtbot, bench, edit, "BOX-000057", 0.005)
    assert bursts == [] and edit.text() == "BOX-000057"


def test_a_scan_while_the_box_map_has_the_focus_opens_the_tube_in_the_page(qtbot, gui_services, open_window) -> None:
    tree = build_tree(gui_services, add_account(gui_services, "sue", Role.SUPERVISOR))
    tech = add_account(gui_services, "tom", Role.TECHNICIAN)
    first, second = make_samples(gui_services, tech, 2)
    gui_services.storage.place(tech, first, tree.box, "A1")
    gui_services.storage.place(tech, second, tree.box2, "C4")
    window = open_window(gui_services, tech)
    page = window.open_page("storage")
    assert isinstance(page, StoragePage)
    panel = page.box_panel
    panel.open_box(tree.box)
    qtbot.waitUntil(lambda: panel.box is not None and panel.box.code == tree.box, timeout=WAIT)
    panel.map.setFocus()
    assert panel.map.current_cell().sample_code == first  # A1 (a tube) is current: its Enter would open it
    window.scan_bursts.clock = _Clock(0.004)
    qtbot.keyClicks(panel.map, second)
    qtbot.keyClick(panel.map, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.box is not None and panel.box.code == tree.box2, timeout=WAIT)
    assert panel.scan.text() == second and panel.map.highlighted == (3, 4)
    assert window.current_key() == "storage"  # the Enter did not open A1's sample


def _burst_into(qtbot, window, widget: QWidget, code: str) -> None:
    """A scanner's burst (4 ms a key) while ``widget``, which takes no text, has the focus."""
    assert widget.isVisible() and not takes_text(widget)
    widget.setFocus()
    window.scan_bursts.clock = _Clock(0.004)
    qtbot.keyClicks(widget, code)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_a_scan_while_the_reception_board_table_has_the_focus_is_a_tube_of_the_board(
        qtbot, gui_services, tom, shipment, open_window) -> None:
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    assert page.scan_field() is page.board.scan
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        _burst_into(qtbot, window, page.board.table, SCAN_TUBES[0])
    assert answered.args[0].result is not None and answered.args[0].result.barcode == SCAN_TUBES[0]
    assert page.board.scan.text() == SCAN_TUBES[0] and window.scan.text() == ""


def test_a_scan_while_an_aliquoting_checkbox_has_the_focus_is_the_parent(qtbot, gui_services, open_window) -> None:
    build_tree(gui_services, add_account(gui_services, "sue", Role.SUPERVISOR))  # study COLON, the freezers
    tech = add_account(gui_services, "tom", Role.TECHNICIAN)
    parent = make_parent(gui_services, tech)
    window = open_window(gui_services, tech)
    page = window.open_page("aliquoting")
    assert isinstance(page, AliquotingPage) and page.scan_field() is page.one.scan
    _burst_into(qtbot, window, page.one.take_out, parent)
    qtbot.waitUntil(lambda: page.one.info is not None and page.one.info.sample_code == parent, timeout=WAIT)
    assert page.one.scan.text() == parent and window.current_key() == "aliquoting"
    page.tabs.setCurrentWidget(page.batch)
    assert page.scan_field() is page.batch.scan  # the tab shown takes the bursts
