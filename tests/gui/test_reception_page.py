"""The reception page driven as a technician does: scans typed into the scan field with Enter (what a USB
scanner sends), Alt + a letter for a condition or a decision, the forms filled and confirmed; the big verdict,
the counters and the tube list checked on screen, the database checked through the services."""

from __future__ import annotations

import openpyxl
from PySide6.QtCore import Qt

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import build_services, open_database
from tests.gui.conftest import PASSWORD, add_account
from tests.gui.reception_support import NO_CONSENT, SCAN_TUBES, WAIT, open_board, scan, tile
from tests.support.reception_kit import manifest, tube
from tests.support.storage_kit import add_primary_rack, build_tree


def test_a_shipment_is_received_from_the_keyboard_alone(qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    window.open_page("reception")
    qtbot.keyClicks(window.scan.edit, shipment)  # the window's scan field: a shipment code opens its board
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    page = window.page("reception")
    qtbot.waitUntil(lambda: page.board.board is not None, timeout=WAIT)
    assert page.board.scan.edit.hasFocus()
    assert (tile(page, "all"), tile(page, "missing"), tile(page, "received")) == (5, 5, 0)

    answer = scan(qtbot, page, SCAN_TUBES[0])
    assert answer.verdict == "ok" and page.board.verdict.symbol.text() == "✓"
    sample = answer.result.sample_code
    assert sample and sample in page.board.verdict.headline.text()
    assert (tile(page, "received"), tile(page, "missing")) == (1, 4)
    current = page.board.current_tube()
    assert current is not None and current.barcode == SCAN_TUBES[0] and current.sample_code == sample
    assert page.board.scan.edit.selectedText() == SCAN_TUBES[0]  # the next scan replaces the code

    qtbot.keyClick(page.board.scan.edit, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)  # haemolysed
    qtbot.waitUntil(lambda: tile(page, "damaged") == 1, timeout=WAIT)
    assert page.board.tube_panel.condition_buttons["HAEMOLYSED"].isChecked()

    again = scan(qtbot, page, SCAN_TUBES[0])
    assert again.verdict == "warn" and page.board.verdict.symbol.text() == "⚠"
    assert tile(page, "received") == 1

    board = gui_services.reception.board(shipment)
    assert board.counts.received == 1 and board.counts.damaged == 1
    first = next(t for t in board.tubes if t.barcode == SCAN_TUBES[0])
    assert first.condition == "HAEMOLYSED" and first.sample_code == sample and first.scanned_by == "tom"
    assert gui_services.queries.lookup(sample).kind == "sample"


def test_refusals_are_red_and_say_why(qtbot, gui_services, tom, shipment, open_window, tmp_path):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    first = scan(qtbot, page, SCAN_TUBES[0])
    sample = first.result.sample_code
    not_a_tube = scan(qtbot, page, sample)  # the biobank's own sample ID is not a clinic tube
    assert not_a_tube.verdict == "error" and page.board.verdict.symbol.text() == "✗"
    supervisor = gui_services.accounts.authenticate("sam", PASSWORD)
    other = manifest(gui_services, supervisor, tmp_path / "other.xlsx", [tube("CL0000500", "LU-500")])
    elsewhere = scan(qtbot, page, "CL0000500")
    assert elsewhere.verdict == "error" and other in elsewhere.headline + elsewhere.detail
    assert tile(page, "received") == 1 and gui_services.reception.board(shipment).counts.received == 1


def test_consent_stop_goes_to_quarantine_with_a_reason(qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    stopped = scan(qtbot, page, NO_CONSENT)
    assert stopped.verdict == "error" and "consent" in (stopped.headline + stopped.detail).lower()
    panel = page.board.tube_panel
    assert panel.quarantine_button.isVisible() and not panel.accept_button.isVisible()
    assert tile(page, "pending") == 1
    qtbot.keyClick(page.board.scan.edit, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    dialog = page.board_actions.last_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        qtbot.keyClicks(dialog.reason, "Consent form to be checked with the clinic")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert answered.args[0].verdict == "warn" and tile(page, "pending") == 0  # quarantine is no acceptance: amber
    receipt = next(t for t in gui_services.reception.board(shipment).tubes if t.barcode == NO_CONSENT)
    assert receipt.decision == "quarantined" and receipt.decision_reason == "Consent form to be checked with the clinic"
    assert gui_services.queries.detail(receipt.sample_code).status == "quarantined"


def test_an_unexpected_tube_is_registered_on_the_spot(qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    scan(qtbot, page, SCAN_TUBES[0])  # LU-001's consent, confirmed on the manifest, is recorded with it
    qtbot.waitUntil(lambda: bool(page.board_actions.studies), timeout=WAIT)
    unlisted = scan(qtbot, page, "ZZ-UNLISTED-1")
    assert unlisted.verdict == "warn" and tile(page, "unexpected") == 1
    assert page.board.tube_panel.accept_button.isVisible()
    qtbot.keyClick(page.board.scan.edit, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    dialog = page.board_actions.last_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)
    dialog.study.setCurrentIndex(dialog.study.findData("LUNG"))
    dialog.pseudonym.setText("LU-001")
    dialog.sample_type.setCurrentIndex(dialog.sample_type.findData("SER"))
    dialog.volume.setText("450")
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        dialog.ok_button.click()
    assert answered.args[0].verdict == "ok", answered.args[0]
    row = next(t for t in gui_services.reception.board(shipment).tubes if t.barcode == "ZZ-UNLISTED-1")
    assert row.decision == "accepted" and row.sample_code
    detail = gui_services.queries.detail(row.sample_code)
    assert (detail.study_code, detail.participant) == ("LUNG", "LU-001")
    assert page.board.current_tube().sample_code == row.sample_code


def test_another_workstations_scan_appears_on_the_board(qtbot, gui_services, sqlite_url, tom, shipment,
                                                       open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    loads = page.board.loads
    other = build_services(open_database(sqlite_url), workstation="BENCH-2")
    try:
        anna = add_account(other, "anna", Role.TECHNICIAN)
        done = other.reception.receive(anna, shipment, SCAN_TUBES[2]).value
        assert done.sample_code
    finally:
        other.close()
    window.poll_changes()  # what the window's timer does every few seconds
    qtbot.waitUntil(lambda: page.board.loads > loads and tile(page, "received") == 1, timeout=WAIT)
    row = page.board.model.row_of(next(t for t in page.board.model.tubes() if t.barcode == SCAN_TUBES[2]))
    line = page.board.model.row_at(row)
    assert line.sample_code == done.sample_code and line.workstation == "BENCH-2"


def test_closing_with_missing_tubes_asks_why_then_refuses_scans(qtbot, gui_services, tom, shipment, open_window,
                                                               monkeypatch, tmp_path):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    scan(qtbot, page, SCAN_TUBES[0])
    dialog = page.close_shipment()
    assert "4 tube(s) were not received" in dialog.findChild(type(page.title_label)).text()
    assert not dialog.ok_button.isEnabled()
    dialog.suggestion_buttons[1].click()
    loads = page.board.loads
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.board.loads > loads and page.board.board.shipment.status == "closed",
                    timeout=WAIT)
    assert gui_services.reception.shipment(shipment).close_reason == "The missing tubes follow in another shipment"
    refused = scan(qtbot, page, SCAN_TUBES[1])
    assert refused.verdict == "error" and page.board.verdict.symbol.text() == "✗"

    target = tmp_path / "report.xlsx"
    monkeypatch.setattr("biobank_desktop.ui.pages.reception.page.choose_target", lambda *_a: target)
    page.save_report("xlsx")
    qtbot.waitUntil(lambda: "saved" in page.banner.message, timeout=WAIT)
    cells = {str(c.value) for ws in openpyxl.load_workbook(target).worksheets for r in ws.iter_rows() for c in r
             if c.value is not None}
    assert SCAN_TUBES[3] in cells and SCAN_TUBES[0] not in cells  # a missing tube is listed, a received one not


def test_a_shipment_without_manifest_registers_tubes_as_scanned(qtbot, gui_services, tom, open_window):
    supervisor = add_account(gui_services, "sam", Role.SUPERVISOR)
    gui_services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    window = open_window(gui_services, tom)
    page = window.open_page("reception")
    qtbot.waitUntil(lambda: page.shipments.loaded > 0 and page.shipments.partner.count() > 1, timeout=WAIT)
    page.new_shipment()
    qtbot.waitUntil(lambda: page.last_dialog is not None and page.last_dialog.isVisible(), timeout=WAIT)
    dialog = page.last_dialog
    dialog.partner.setCurrentIndex(dialog.partner.findData("CLINIC"))
    qtbot.keyClicks(dialog.tracking, "1Z-TRACK-9")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.board.board is not None, timeout=WAIT)
    code = page.board.code
    info = gui_services.reception.shipment(code)
    assert info.partner == "CLINIC" and info.details.tracking_number == "1Z-TRACK-9" and not info.has_manifest
    answer = scan(qtbot, page, "NEW-TUBE-1")
    assert answer.verdict == "warn" and tile(page, "unexpected") == 1
    page.show_list()
    qtbot.waitUntil(lambda: code in [s.code for s in page.shipments.model.shipments()], timeout=WAIT)



def test_accepted_tubes_are_labelled_in_scan_order_and_stored_with_a_link_to_the_map(qtbot, gui_services, tom,
                                                                                    shipment, open_window):
    sam = gui_services.accounts.authenticate("sam", PASSWORD)
    add_primary_rack(gui_services, sam, build_tree(gui_services, sam))  # primary tubes go to a rack for them
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    order = [SCAN_TUBES[2], SCAN_TUBES[0], SCAN_TUBES[1]]
    samples = [scan(qtbot, page, code).result.sample_code for code in order]
    assert page.labels_button.text() == "Print labels (3)" and page.store_button.text() == "Store accepted (3)"

    page.labels_button.click()  # no label printer at this workstation: queued, and the page says where they wait
    qtbot.waitUntil(lambda: "no label printer" in page.banner.message, timeout=WAIT)
    jobs = sorted(gui_services.labelling.jobs(), key=lambda j: j.id)
    queued = [item.sample_code for job in jobs for item in gui_services.labelling.job(job.id).items]
    assert queued == samples and {job.source for job in jobs} == {"reception"}

    page.store_button.click()
    qtbot.waitUntil(lambda: "stored" in page.banner.message, timeout=WAIT)
    places = [gui_services.storage.locate(code) for code in samples]
    assert all(place is not None for place in places)
    box = places[0].box_code
    assert box in page.banner.message
    def links() -> list:
        return [w for w in page.findChildren(type(page.store_button)) if w.objectName() == "storedBoxLink"
                and w.isVisible()]

    qtbot.waitUntil(lambda: bool(links()), timeout=WAIT)
    assert [w.text() for w in links()] == [box]
    links()[0].click()
    storage = window.page("storage")
    qtbot.waitUntil(lambda: storage is not None and storage.box_panel.box is not None
                    and storage.box_panel.box.code == box, timeout=WAIT)
    assert window.current_key() == "storage"
