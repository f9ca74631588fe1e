"""The reception board at the bench, as the QA technician drove it: a tube with no barcode matched to its
manifest line, the last-tube panel after another workstation decided, volumes and times as people write them,
the words a label queued but not printed gets, and the board's bottom row at 1280 pixels."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import build_services, open_database
from biobank_desktop.core.services.reception import ShipmentDetails
from tests.gui.conftest import PASSWORD, add_account
from tests.gui.reception_support import NO_CONSENT, SCAN_TUBES, WAIT, open_board, scan, tile
from tests.support.storage_kit import add_primary_rack, build_tree


def test_a_tube_without_barcode_is_received_as_its_manifest_line(qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    page.unlabelled_button.click()
    dialog = page.last_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)
    assert dialog.objectName() == "manifestLineDialog"
    qtbot.keyClicks(dialog.filter, "LU-003")  # the pseudonym read on the tube narrows the list to its line
    line = next(t for t in page.board.board.tubes if t.barcode == SCAN_TUBES[2])
    assert dialog.chosen() == line.expected_tube_id
    dialog.comment.setText("label torn off")
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        dialog.ok_button.click()
    assert answered.args[0].verdict == "ok", answered.args[0]
    # Received as the expected tube: not missing and extra at once; its label is queued.
    assert (tile(page, "received"), tile(page, "missing"), tile(page, "unexpected")) == (1, 4, 0)
    row = next(t for t in gui_services.reception.board(shipment).tubes if t.barcode == SCAN_TUBES[2])
    assert row.decision == "accepted" and row.sample_code and row.labelled
    assert "label torn off" in row.comment and row.condition == "UNLABELLED"
    # Its barcode scanned later (it was readable after all): already received, nothing changes.
    again = scan(qtbot, page, SCAN_TUBES[2])
    assert again.verdict == "warn" and tile(page, "received") == 1


def test_none_of_these_registers_a_new_tube_with_its_comment_on_the_receipt(qtbot, gui_services, tom, shipment,
                                                                            open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    scan(qtbot, page, SCAN_TUBES[0])  # LU-001's consent, confirmed on the manifest, is recorded with it
    qtbot.waitUntil(lambda: bool(page.board_actions.studies), timeout=WAIT)
    page.unlabelled_button.click()
    chooser = page.last_dialog
    qtbot.waitUntil(lambda: chooser is not None and chooser.isVisible(), timeout=WAIT)
    chooser.lines.setCurrentRow(0)
    chooser.ok_button.click()
    dialog = page.board_actions.last_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)
    dialog.study.setCurrentIndex(dialog.study.findData("LUNG"))
    dialog.pseudonym.setText("LU-001")
    dialog.sample_type.setCurrentIndex(dialog.sample_type.findData("SER"))
    dialog.volume.setText("1,5 mL")
    dialog.collected.setText("30.11.2026 08:15")
    dialog.comment.setText("found loose in the box")
    assert dialog.ok_button.isEnabled(), dialog.problem()
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        dialog.ok_button.click()
    assert answered.args[0].verdict == "ok", answered.args[0]
    row = next(t for t in gui_services.reception.board(shipment).tubes if t.outcome == "unlabelled")
    assert row.comment == "found loose in the box"  # on the receipt, so on the report
    detail = gui_services.queries.detail(row.sample_code)
    assert detail.volume_ul == Decimal("1500") and detail.participant == "LU-001"
    # The board's line says who and how much, like a listed tube's.
    assert (row.pseudonym, row.sample_type, row.volume_ul) == ("LU-001", "SER", Decimal("1500.00"))
    model = page.board.model
    shown = model.row_of(row)
    assert shown is not None and "LU-001" in model.data(model.index(shown, 3))
    assert model.data(model.index(shown, 4))


def test_the_board_volume_takes_units_and_a_decimal_comma(qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    scan(qtbot, page, SCAN_TUBES[0])
    panel = page.board.tube_panel
    panel.volume.setText("0,85 mL")
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        qtbot.keyClick(panel.volume, Qt.Key.Key_Return)
    assert answered.args[0].verdict == "ok", answered.args[0]
    assert "850" in answered.args[0].headline
    row = next(t for t in gui_services.reception.board(shipment).tubes if t.barcode == SCAN_TUBES[0])
    assert row.volume_ul == Decimal("850.00")


def test_the_last_tube_panel_follows_another_workstations_decision(qtbot, gui_services, sqlite_url, tom, shipment,
                                                                   open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    stopped = scan(qtbot, page, NO_CONSENT)
    panel = page.board.tube_panel
    assert stopped.verdict == "error" and panel.decision_row.isVisibleTo(panel)
    # Reject here: the reason dialog opens; meanwhile BENCH-2 rejects the same tube.
    panel.reject_button.click()
    dialog = page.board_actions.last_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=WAIT)
    other = build_services(open_database(sqlite_url), workstation="BENCH-2")
    try:
        anna = add_account(other, "anna", Role.TECHNICIAN)
        other.reception.reject(anna, shipment, NO_CONSENT, "Participant withdrew consent")
    finally:
        other.close()
    dialog.reason.setText("Tube broken, nothing usable")
    loads = page.board.loads
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        dialog.ok_button.click()
    answer = answered.args[0]
    assert answer.verdict == "error" and "anna" in answer.headline
    assert answer.detail == "Nothing was changed; the board was reloaded."  # no command to look for
    qtbot.waitUntil(lambda: page.board.loads > loads, timeout=WAIT)
    # The panel shows the tube as the board now has it: rejected, no decision keys left.
    assert panel.tube is not None and panel.tube.decision == "rejected"
    assert not panel.decision_row.isVisibleTo(panel) and "Rejected" in panel.heading.text()


def test_labels_queued_are_not_called_printed_and_the_bottom_row_fits_1280(qtbot, gui_services, tom, shipment,
                                                                          open_window):
    sam = gui_services.accounts.authenticate("sam", PASSWORD)
    add_primary_rack(gui_services, sam, build_tree(gui_services, sam))  # primary tubes go to a rack for them
    window = open_window(gui_services, tom)
    window.resize(1280, 720)
    page = open_board(qtbot, window, shipment)
    for code in SCAN_TUBES[:3]:
        scan(qtbot, page, code)
    page.labels_button.click()  # no label printer here: queued only
    qtbot.waitUntil(lambda: page.board.counts.labelled == 3, timeout=WAIT)
    stats = page.board.stats.text()
    assert "0 printed, 3 queued" in stats and "labelled" not in stats
    model = page.board.model
    shown = [model.data(model.index(r, 6)) for r in range(model.rowCount()) if model.row_at(r).sample_code]
    assert shown == ["label queued"] * 3
    page.store_button.click()
    qtbot.waitUntil(lambda: bool([w for w in page.findChildren(QPushButton)
                                  if w.objectName() == "storedBoxLink" and w.isVisible()]), timeout=WAIT)
    qtbot.wait(50)
    right = page.mapToGlobal(page.rect().topRight()).x()
    for widget in (page.board.stats, *[w for w in page.findChildren(QPushButton)
                                       if w.objectName() == "storedBoxLink" or w is page.store_button]):
        edge = widget.mapToGlobal(widget.rect().topRight()).x()
        assert edge <= right and widget.width() >= min(widget.sizeHint().width(), 60), widget.objectName()
    stats_label = page.board.stats
    assert stats_label.heightForWidth(stats_label.width()) <= stats_label.height() + 1  # wrapped, not cut


def test_a_shipment_code_scanned_anywhere_opens_its_board(qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    window.open_page("search")
    window.scan.submit(shipment.lower())
    page = window.page("reception")
    qtbot.waitUntil(lambda: window.current_key() == "reception" and page.board.board is not None
                    and page.board.board.shipment.code == shipment, timeout=WAIT)
    # On a board, another shipment's code opens that board instead of becoming an unexpected tube.
    other = gui_services.reception.create_shipment(tom, "CLINIC", ShipmentDetails()).value.code
    with qtbot.waitSignal(page.board.loaded, timeout=WAIT):
        qtbot.keyClicks(page.board.scan.edit, other)
        qtbot.keyClick(page.board.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.board.board is not None and page.board.board.shipment.code == other, timeout=WAIT)
    assert gui_services.reception.board(shipment).counts.unexpected == 0


def test_a_tube_with_no_barcode_is_corrected_from_the_board(qtbot, gui_services, tom, shipment, open_window):
    from biobank_desktop.core.services.samples import NewSample

    done = gui_services.reception.register_unlabelled(tom, shipment, NewSample("LUNG", "SER", participant="LU-077"),
                                                      quarantine_reason="consent form to be sent").value
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    tube = next(t for t in page.board.board.tubes if t.sample_code == done.sample_code)
    assert tube.barcode is None
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        page.board_actions.set_condition(tube, "HAEMOLYSED")
    assert answered.args[0].verdict != "error", answered.args[0]  # "warn": the tube is in quarantine
    assert answered.args[0].headline == f"Haemolysed recorded for the tube with no barcode ({done.sample_code})"
    row = next(t for t in gui_services.reception.board(shipment).tubes if t.sample_code == done.sample_code)
    assert row.condition == "HAEMOLYSED"
