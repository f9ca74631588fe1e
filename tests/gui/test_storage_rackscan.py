"""Rack-scan reconciliation on the storage page: outcomes on the rack's map, hand scans, Accept, broken files.

Real widgets offscreen over a fresh SQLite database; the rack-scan files are written by each test in the three
shapes the instruments produce (DataPaq with a header and an unquoted comma in the date, FluidX without a rack
code, headerless rack/position/tube). What Accept commits is read back through the service.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QLabel, QMessageBox

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.changes import SAMPLE, Changes
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage import NewContainer, Placement
from biobank_desktop.ui.operations.files import read_scan_file
from biobank_desktop.ui.pages.storage.page import StoragePage
from biobank_desktop.ui.pages.storage.rackscan import RackScanView
from biobank_desktop.ui.pages.storage.rackscan_map import LEFT, ORDER, paint_outcome
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


def _tubes(services: Services, actor: Actor, codes: list[str]) -> list[str]:
    """Samples whose tubes carry these codes (external barcodes, leading zeros kept)."""
    return [services.samples.register(actor, NewSample("COLON", "PL1", participant=f"RS-{i}", volume_ul=Decimal(300),
                                                       external_barcodes=(code,))).value
            for i, code in enumerate(codes)]


def _view(qtbot: object, make_session: Callable[[Services, Actor], UiSession], services: Services,
          actor: Actor) -> tuple[StoragePage, RackScanView]:
    session = make_session(services, actor)
    page = StoragePage(session)
    session.events.changed.connect(page.data_changed)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.resize(1366, 700)
    page.show()
    qtbot.waitUntil(lambda: page.tree_loaded > 0, timeout=WAIT)  # type: ignore[attr-defined]
    page.tabs.setCurrentWidget(page.rackscan)
    return page, page.rackscan


def _load(qtbot: object, view: RackScanView, path: Path) -> None:
    before = (view.reviews, view.errors)
    view.load_file(path)
    qtbot.waitUntil(lambda: (view.reviews, view.errors) != before, timeout=WAIT)  # type: ignore[attr-defined]


def _states(view: RackScanView) -> dict[str, str]:
    """Position → the state drawn on the map, for every position that is not an empty well."""
    assert view.box is not None
    out = {}
    for cell in view.box.cells:
        state, _missing_too = view.map.state_of((cell.row, cell.col))
        if state != "empty":
            out[cell.position] = state
    return out


def _listed(view: RackScanView) -> dict[tuple[str, str], str]:
    rows = {}
    for i in range(view.list.topLevelItemCount()):
        item = view.list.topLevelItem(i)
        rows[(item.text(0), item.text(1))] = item.text(2)
    return rows


def _answer(view: RackScanView, *, yes: bool) -> None:
    """Click the confirmation's Accept (or Cancel) button."""
    box = view.last_confirm
    assert box is not None
    wanted = QMessageBox.ButtonRole.AcceptRole if yes else QMessageBox.ButtonRole.RejectRole
    next(b for b in box.buttons() if box.buttonRole(b) is wanted).click()


@pytest.fixture
def scene(gui_services: Services, tree: Tree, tech: Actor) -> list[str]:
    """Four tubes: 01 in A1 and 02 in B1 of the SBS rack, 03 in box A1, 04 nowhere."""
    samples = _tubes(gui_services, tech, ["0000000001", "0000000002", "0000000003", "0000000004"])
    gui_services.storage.move_tubes(tech, [Placement(samples[0], tree.sbs, "A1"),
                                           Placement(samples[1], tree.sbs, "B1"),
                                           Placement(samples[2], tree.box, "A1")])
    return samples


def test_datapaq_file_every_outcome_on_the_map_with_counts_and_codes(qtbot, gui_services, tree, tech, scene,
                                                                     make_session, tmp_path) -> None:
    wells = [("A", 1, "0000000001"), ("C", 1, "0000000003"), ("D", 1, "0999999999"), ("E", 1, "DECODE FAILURE"),
             ("F", 1, "EMPTY"), ("G", 1, "0000000004")]
    path = tmp_path / "datapaq.csv"
    path.write_text("Data,RackBarcode,Row,Col,tubeBarcode\n" + "".join(
        f"Nov 27, 2026 3:41:08 PM,{tree.sbs},{r},{c},{code}\n" for r, c, code in wells))
    _, view = _view(qtbot, make_session, gui_services, tech)
    _load(qtbot, view, path)
    assert view.message == ""
    assert _states(view) == {"A1": "confirmed", "B1": "missing", "C1": "moved", "D1": "unexpected",
                             "E1": "unreadable", "G1": "moved"}
    assert view.legend.counts["confirmed"] == 1 and view.legend.counts["moved"] == 2
    assert view.legend.counts["unexpected"] == 1 and view.legend.counts["missing"] == 1
    assert view.legend.counts["unreadable"] == 1
    listed = _listed(view)
    assert listed[("D1", "Unexpected")] == "0999999999"  # leading zeros kept
    assert listed[("C1", "Moved")] == "0000000003"
    assert ("B1", "Missing") in listed
    assert view.map.selected == (5, 1)  # the unreadable one is chosen for the technician
    assert not view.accept_button.isEnabled()
    assert "E1" in view.target.text()
    assert "was at" in view.map.describe((3, 1))  # the tooltip says where the moved tube was


def test_fluidx_unreadable_resolved_by_a_hand_scan_then_accept_commits(qtbot, gui_services, tree, tech, scene,
                                                                       make_session, tmp_path) -> None:
    path = tmp_path / "fluidx.txt"
    path.write_text("A01, 0000000001\nB01, NO READ\nC01, 0000000003\nD01, No Tube\n")
    page, view = _view(qtbot, make_session, gui_services, tech)
    view.rack_edit.setText(tree.sbs)  # a FluidX file names no rack
    _load(qtbot, view, path)
    assert _states(view) == {"A1": "confirmed", "B1": "unreadable", "C1": "moved"}
    assert view.map.selected == (2, 1)
    reviews = view.reviews
    view.scan.edit.setText("0000000002")
    qtbot.keyClick(view.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.reviews > reviews, timeout=WAIT)
    assert _states(view) == {"A1": "confirmed", "B1": "confirmed", "C1": "moved"}
    assert "scanned by hand" in view.map.describe((2, 1))
    assert view.accept_button.isEnabled()
    assert gui_services.storage.locate(scene[2]).box_code == tree.box  # type: ignore[union-attr]
    qtbot.mouseClick(view.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.review is not None and view.review.accepted, timeout=WAIT)
    moved = gui_services.storage.locate(scene[2])
    assert moved is not None and (moved.box_code, moved.position) == (tree.sbs, "C1")
    kept = gui_services.storage.locate(scene[1])
    assert kept is not None and (kept.box_code, kept.position) == (tree.sbs, "B1")
    qtbot.waitUntil(lambda: "accepted" in page.banner.text.text(), timeout=WAIT)
    assert not view.accept_button.isEnabled() and "accepted" in view.title.text()


def test_headerless_unreadable_left_as_it_is_and_missing_freed_on_accept(qtbot, gui_services, tree, tech, scene,
                                                                         make_session, tmp_path) -> None:
    path = tmp_path / "scan.csv"
    path.write_text(f"{tree.sbs},A1,0000000001\n{tree.sbs},H12,NOREAD\n")
    _, view = _view(qtbot, make_session, gui_services, tech)
    _load(qtbot, view, path)
    assert _states(view) == {"A1": "confirmed", "B1": "missing", "H12": "unreadable"}
    assert view.selected_label() == "H12"
    reviews = view.reviews
    qtbot.mouseClick(view.leave_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.reviews > reviews, timeout=WAIT)
    assert _states(view) == {"A1": "confirmed", "B1": "missing", "H12": LEFT}
    assert view.legend.counts[LEFT] == 1
    view.accept()
    assert view.last_confirm is not None and "1 tube(s)" in view.last_confirm.text()  # B1 would leave: asked
    assert scene[1] in view.last_confirm.informativeText()
    assert not view.review.wrong_rack_suspected  # type: ignore[union-attr]
    _answer(view, yes=True)
    qtbot.waitUntil(lambda: view.review is not None and view.review.accepted, timeout=WAIT)
    assert gui_services.storage.locate(scene[1]) is None  # missing: its position freed, the sample kept
    assert gui_services.storage.locate(scene[0]).position == "A1"  # type: ignore[union-attr]


def test_the_scan_of_another_rack_is_flagged_and_accept_asks_before_tubes_leave(qtbot, gui_services, tree, tech,
                                                                              scene, make_session, tmp_path) -> None:
    """QA: rack code given, the FluidX file of another rack: one click on Accept unstored the rack's tubes."""
    path = tmp_path / "fluidx.txt"
    path.write_text("A01, FX84903659\nB01, FX86910239\nC01, NO READ\nD01, FX55650450\n")
    _page, view = _view(qtbot, make_session, gui_services, tech)
    view.rack_edit.setText(tree.sbs)
    _load(qtbot, view, path)
    review = view.review
    assert review is not None and review.expected_count == 2 and len(review.leaving) == 2
    assert review.wrong_rack_suspected
    assert "another rack" in view.message and view.page.banner.message == view.message
    assert "2 of the 2 tubes" in view.message and "3 of the 3 codes" in view.message
    reviews = view.reviews
    view.handle_scan("FX00000001")  # the unreadable well, scanned by hand
    qtbot.waitUntil(lambda: view.reviews > reviews, timeout=WAIT)
    assert view.accept_button.isEnabled()
    qtbot.mouseClick(view.accept_button, Qt.MouseButton.LeftButton)
    box = view.last_confirm
    assert box is not None and box.isVisible() and "probably not the scan" in box.text()
    assert box.icon() is QMessageBox.Icon.Warning
    assert box.buttonRole(box.defaultButton()) is QMessageBox.ButtonRole.RejectRole  # Enter does not accept
    _answer(view, yes=False)
    assert not view.review.accepted  # type: ignore[union-attr]
    assert gui_services.storage.locate(scene[0]).position == "A1"  # type: ignore[union-attr]
    assert gui_services.storage.locate(scene[1]).position == "B1"  # type: ignore[union-attr]
    view.accept()
    _answer(view, yes=True)
    qtbot.waitUntil(lambda: view.review is not None and view.review.accepted, timeout=WAIT)
    assert gui_services.storage.locate(scene[0]) is None


@pytest.mark.parametrize(("content", "expected"), [
    ("{sbs},A1,0000000001\n{sbs},A2,00000", "cut off"),
    ("{sbs},A1,0000000001\n{sbs},A2,0000000001\n", "in the file twice"),
    ("RK-404,A1,0000000001\n", "does not know"),
    ("hello world\nthis is not a scan\n", "not a rack-scan export"),
])
def test_a_broken_file_gives_a_message_and_changes_nothing(qtbot, gui_services, tree, tech, scene, make_session,
                                                           tmp_path, content, expected) -> None:
    before = {code: gui_services.storage.locate(code) for code in scene}
    _, view = _view(qtbot, make_session, gui_services, tech)
    good = tmp_path / "good.csv"
    good.write_text(f"{tree.sbs},A1,0000000001\n")
    _load(qtbot, view, good)
    assert view.review is not None
    bad = tmp_path / "bad.csv"
    bad.write_text(content.format(sbs=tree.sbs))
    _load(qtbot, view, bad)
    assert expected in view.message and view.page.banner.kind == "error"
    assert "\n" in view.message  # the hint (what to do) on its own line
    assert view.review is None and _listed(view) == {} and not view.accept_button.isEnabled()
    assert {code: gui_services.storage.locate(code) for code in scene} == before


def test_a_main_window_scan_resolves_the_unreadable_tube(qtbot, gui_services, tree, tech, scene, make_session,
                                                         tmp_path) -> None:
    path = tmp_path / "scan.csv"
    path.write_text(f"{tree.sbs},A1,ERROR\n{tree.sbs},B1,0000000002\n")
    page, view = _view(qtbot, make_session, gui_services, tech)
    _load(qtbot, view, path)
    answers: list[tuple[str, str]] = []
    reviews = view.reviews
    page.handle_scan("0000000001", lambda state, text: answers.append((state, text)))
    qtbot.waitUntil(lambda: view.reviews > reviews, timeout=WAIT)
    assert answers and answers[0][0] == "ok" and "A1" in answers[0][1]
    assert _states(view) == {"A1": "confirmed", "B1": "confirmed"}
    assert page.tabs.currentWidget() is view


def test_every_outcome_is_told_apart_in_grey_scale(qapp: object) -> None:
    images = {}
    for state in ORDER:
        image = QImage(40, 40, QImage.Format.Format_RGB32)
        image.fill(QColor("#f4f6f9"))
        painter = QPainter(image)
        font = QFont()
        font.setPixelSize(9)
        paint_outcome(painter, QRectF(0, 0, 40, 40), state, font=font)
        painter.end()
        grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
        images[state] = bytes(grey.constBits())[: grey.sizeInBytes()]
    states = list(images)
    for i, a in enumerate(states):
        for b in states[i + 1:]:
            differing = sum(1 for x, y in zip(images[a], images[b], strict=True) if abs(x - y) > 40)
            assert differing > 40, f"{a} and {b} look alike in grey scale"


def test_render_the_reconciliation_at_1366x768(qtbot, gui_services, tree, tech, scene, make_session,
                                               tmp_path) -> None:
    path = tmp_path / "datapaq.csv"
    path.write_text("Data,RackBarcode,Row,Col,tubeBarcode\n" + "".join(
        f"Nov 27, 2026 3:41:08 PM,{tree.sbs},{r},{c},{code}\n" for r, c, code in
        [("A", 1, "0000000001"), ("C", 1, "0000000003"), ("D", 1, "0999999999"), ("E", 1, "DECODE FAILURE"),
         ("F", 1, "EMPTY"), ("G", 1, "0000000004"), ("A", 2, "NO READ")]))
    page, view = _view(qtbot, make_session, gui_services, tech)
    page.resize(1366, 768)
    _load(qtbot, view, path)
    reviews = view.reviews
    view.select((1, 2))
    qtbot.mouseClick(view.leave_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.reviews > reviews, timeout=WAIT)
    out = Path(os.environ.get("RACKSCAN_PNG", str(tmp_path / "rackscan.png")))
    assert page.grab().save(str(out))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)
    rect = view.map.cell_rect(5, 1).toRect().translated(view.map.mapTo(page, QPoint(0, 0)))
    assert QColor(image.pixel(rect.center() + QPoint(rect.width() // 3, rect.height() // 3))).lightness() < 60


def test_an_unexpected_tube_registered_on_the_spot_becomes_confirmed(qtbot, gui_services, tree, tech, scene,
                                                                     make_session, tmp_path) -> None:
    path = tmp_path / "scan.csv"
    path.write_text(f"{tree.sbs},A1,0000000001\n{tree.sbs},B1,0000000002\n{tree.sbs},D1,0999999999\n")
    _, view = _view(qtbot, make_session, gui_services, tech)
    _load(qtbot, view, path)
    assert _states(view)["D1"] == "unexpected" and not view.register_button.isEnabled()
    view.select((4, 1))
    assert view.register_button.isEnabled()
    qtbot.mouseClick(view.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.last_dialog is not None and view.last_dialog.isVisible(), timeout=WAIT)
    dialog = view.last_dialog
    assert dialog is not None and "0999999999" in dialog.findChild(QLabel).text()
    dialog.study.setCurrentIndex(dialog.study.findData("COLON"))
    dialog.sample_type.setCurrentIndex(dialog.sample_type.findData("PL1"))
    dialog.participant.setText("RS-new")
    reviews = view.reviews
    errors = view.errors
    dialog.accept()
    qtbot.waitUntil(lambda: view.reviews > reviews or view.errors > errors, timeout=WAIT)
    assert view.errors == errors, view.message
    assert _states(view) == {"A1": "confirmed", "B1": "confirmed", "D1": "confirmed"}
    assert gui_services.storage.review_rackscan(path.read_text()).counts["unexpected"] == 0


def test_the_evacuation_plan_is_drawn_beside_its_table(qtbot, gui_services, tree, tech, make_session) -> None:
    supervisor = gui_services.accounts.authenticate("sue", "correct-horse-42")
    [spare] = gui_services.storage.create_containers(supervisor, [
        NewContainer("Freezer F-02", "Upright freezer -80 °C", setpoint_c=Decimal(-80), freezer_kind="upright_-80")
    ]).value
    gui_services.storage.create_containers(supervisor, [NewContainer("Rack 09", "Freezer rack 4 × 5 boxes", spare)])
    page, _ = _view(qtbot, make_session, gui_services, tech)
    freezer = next(n for n in page.model.nodes() if n.barcode == tree.freezer)
    dialog = page.ask_evacuate(freezer)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=WAIT)
    assert dialog.plan is not None
    picture = dialog.picture
    assert [box for box, _target in picture.links] == [m.box_code for m in dialog.plan.moves]
    assert {tree.box, tree.box2, tree.sbs} <= {code for boxes in picture.sources.values() for code, _n, _ok in boxes}
    assert all("Freezer F-02" in key for key in picture.targets)
    out = Path(os.environ.get("EVACUATION_PNG", "")) if os.environ.get("EVACUATION_PNG") else None
    image = dialog.grab().toImage()
    if out is not None:
        image.save(str(out))
    drawn = picture.grab().toImage()
    blue = sum(1 for x in range(0, drawn.width(), 2) for y in range(0, drawn.height(), 2)
               if QColor(drawn.pixel(x, y)).blue() - QColor(drawn.pixel(x, y)).red() > 80)
    assert blue > 20  # the lines from each box to its new rack
    dialog.reject()


def test_a_tubes_check_out_history_from_the_cell_menu(qtbot, gui_services, tree, tech, make_session) -> None:
    [code] = make_samples(gui_services, tech, 1)
    gui_services.storage.place(tech, code, tree.box, "B2")
    gui_services.storage.check_out(tech, code, "aliquoting")
    gui_services.storage.check_in(tech, code)
    gui_services.storage.check_out(tech, code, "QC")
    page, _ = _view(qtbot, make_session, gui_services, tech)
    panel = page.box_panel
    page.tabs.setCurrentWidget(panel)
    panel.open_box(tree.box)
    qtbot.waitUntil(lambda: panel.box is not None, timeout=WAIT)
    assert panel.box is not None
    menu = panel.cell_menu(panel.box.cell(2, 2))
    [action] = [a for a in menu.actions() if a.text().startswith("Check-out history")]
    action.trigger()
    qtbot.waitUntil(lambda: panel.last_history is not None, timeout=WAIT)
    dialog = panel.last_history
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 2).text() == "QC" and dialog.table.item(0, 3).text() == "still out"
    assert dialog.table.item(1, 2).text() == "aliquoting" and dialog.table.item(1, 4).text().endswith("min")
    assert "2 check-out(s)" in dialog.summary.text() and "checked out now" in dialog.summary.text()
    dialog.reject()


def test_a_change_from_another_workstation_reviews_the_scan_again(qtbot, gui_services, tree, tech, scene,
                                                                  make_session, tmp_path) -> None:
    path = tmp_path / "scan.csv"
    path.write_text(f"{tree.sbs},A1,0000000001\n{tree.sbs},B1,0000000002\n{tree.sbs},C1,0000000004\n")
    page, view = _view(qtbot, make_session, gui_services, tech)
    _load(qtbot, view, path)
    assert _states(view)["C1"] == "moved"
    gui_services.storage.place(tech, scene[3], tree.sbs, "C1")  # someone else puts the tube where it was seen
    reviews = view.reviews
    page.data_changed(Changes(frozenset({SAMPLE})))  # what the main window's poll announces
    qtbot.waitUntil(lambda: view.reviews > reviews, timeout=WAIT)
    assert _states(view) == {"A1": "confirmed", "B1": "confirmed", "C1": "confirmed"}


def test_a_file_that_is_not_text_is_refused_with_what_to_do(tmp_path) -> None:
    path = tmp_path / "scan.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00binary\x00")
    with pytest.raises(ValidationError, match="not a text file") as caught:
        read_scan_file(path)
    assert caught.value.hint and "rack scanner" in caught.value.hint
    with pytest.raises(ValidationError, match="cannot be read"):
        read_scan_file(tmp_path / "nowhere.csv")


def test_the_legend_names_every_outcome_and_the_checked_out_ones_are_described(qapp: object) -> None:
    from biobank_desktop.core.domain.reconcile import Outcome, ReconItem
    from biobank_desktop.ui.pages.storage.rackscan_map import RackScanLegend, describe_item

    legend = RackScanLegend()
    assert set(ORDER) == {o.value for o in Outcome} | {LEFT} == set(legend.names())
    assert legend.names()[Outcome.CHECKED_OUT.value] == "Checked out, as expected"
    away = ReconItem(2, 1, "B1", Outcome.CHECKED_OUT, None, "BB-2026-000002D")
    assert describe_item(legend, away).startswith("Checked out: BB-2026-000002D")
    back = ReconItem(2, 1, "B1", Outcome.CHECKED_IN, "0000000002", "BB-2026-000002D")
    assert "checks it in" in describe_item(legend, back)
