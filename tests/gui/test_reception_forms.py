"""The reception page's forms and the board's order and faults, against a real database: arrival conditions,
files, a tube with no barcode, a burst of scans, a scan the database could not take, the manifest import
reached through navigation, a study's sample ID prefix in Settings."""

from __future__ import annotations

from PySide6.QtCore import Qt

from biobank_desktop.core.domain.errors import DatabaseUnavailableError
from biobank_desktop.core.domain.roles import Role
from tests.gui.conftest import PASSWORD, add_account
from tests.gui.reception_support import SCAN_TUBES, WAIT, open_board, scan, tile


def test_arrival_conditions_are_recorded_and_shown(qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    assert "arrival conditions not recorded" in page.summary.full_text()
    page.record_arrival()
    dialog = page.last_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    assert not dialog.ok_button.isEnabled()
    dialog.temperature.setCurrentIndex(dialog.temperature.findData("dry_ice"))
    dialog.dry_ice.setCurrentIndex(dialog.dry_ice.findData("no"))
    dialog.temperature_c.setText("-12,5")
    dialog.damaged.setChecked(True)
    dialog.notes.setPlainText("Lid cracked, box sealed with tape")
    loads = page.board.loads
    qtbot.keyClick(dialog.temperature_c, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.board.loads > loads and "Arrival conditions saved" in page.banner.message,
                    timeout=WAIT)
    info = gui_services.reception.shipment(shipment)
    arrival = info.arrival
    assert (arrival.transport_temperature, arrival.dry_ice_left, str(arrival.temperature_c), arrival.packaging,
            arrival.received_by) == ("dry_ice", "no", "-12.5", "damaged", "tom")
    assert info.details.notes == "Lid cracked, box sealed with tape"
    assert "packaging damaged" in page.summary.full_text() and "-12.5 °C" in page.summary.full_text()


def test_files_are_kept_with_the_shipment_and_saved_back(qtbot, gui_services, tom, shipment, open_window,
                                                        monkeypatch, tmp_path):
    slip = tmp_path / "courier-slip.pdf"
    slip.write_bytes(b"%PDF-1.4 courier slip " + bytes(range(256)))
    monkeypatch.setattr("biobank_desktop.ui.pages.reception.attachments.choose_file", lambda *_a: slip)
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    dialog = page.show_files()
    qtbot.waitUntil(lambda: dialog.loads > 0, timeout=WAIT)
    assert dialog.list.count() == 0 and not dialog.save_button.isEnabled()
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=WAIT)
    assert "courier-slip.pdf" in dialog.list.item(0).text() and "tom" in dialog.list.item(0).text()
    copy = tmp_path / "copy.pdf"
    monkeypatch.setattr("biobank_desktop.ui.pages.reception.attachments.choose_target", lambda *_a: copy)
    dialog.save_selected()
    qtbot.waitUntil(lambda: copy.exists() and "Saved" in dialog.banner.message, timeout=WAIT)
    assert copy.read_bytes() == slip.read_bytes()
    dialog.add_button.click()  # the same file again is refused, in words
    qtbot.waitUntil(lambda: page.banner.kind == "error" or dialog.banner.kind == "error", timeout=WAIT)
    assert [a.file_name for a in gui_services.reception.attachments(shipment)] == ["courier-slip.pdf"]
    dialog.accept()
    qtbot.waitUntil(lambda: page.files_button.text() == "Files (1)…", timeout=WAIT)


def test_a_tube_without_barcode_is_registered_and_its_label_queued(qtbot, gui_services, tom, shipment,
                                                                  open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    scan(qtbot, page, SCAN_TUBES[0])  # LU-001's consent comes with the manifest
    qtbot.waitUntil(lambda: bool(page.board_actions.studies), timeout=WAIT)
    dialog = page.board_actions.register_unlabelled()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    dialog.study.setCurrentIndex(dialog.study.findData("LUNG"))
    dialog.pseudonym.setText("LU-001")
    dialog.sample_type.setCurrentIndex(dialog.sample_type.findData("SER"))
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        dialog.ok_button.click()
    answer = answered.args[0]
    assert answer.verdict == "ok" and answer.result.sample_code
    qtbot.waitUntil(lambda: "no label printer" in page.banner.message, timeout=WAIT)
    queued = [item.sample_code for job in gui_services.labelling.jobs()
              for item in gui_services.labelling.job(job.id).items]
    assert answer.result.sample_code in queued
    assert page.board.current_tube().barcode is None and tile(page, "unexpected") == 1


def test_a_tube_without_barcode_and_without_consent_goes_into_quarantine_with_the_reason_given(
        qtbot, gui_services, tom, shipment, open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    scan(qtbot, page, SCAN_TUBES[0])
    qtbot.waitUntil(lambda: bool(page.board_actions.studies), timeout=WAIT)
    dialog = page.board_actions.register_unlabelled()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    dialog.study.setCurrentIndex(dialog.study.findData("LUNG"))
    dialog.pseudonym.setText("NOBODY-9")  # no consent recorded, none on a manifest
    dialog.sample_type.setCurrentIndex(dialog.sample_type.findData("SER"))
    dialog.quarantine.setText("Consent form to be sent by the clinic")
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        dialog.ok_button.click()
    code = answered.args[0].result.sample_code
    assert code and gui_services.queries.detail(code).status == "quarantined"
    line = next(t for t in gui_services.reception.board(shipment).tubes if t.sample_code == code)
    assert line.decision_reason == "Consent form to be sent by the clinic"


def test_a_burst_of_scans_is_answered_in_the_order_scanned(qtbot, gui_services, tom, shipment,
                                                           open_window):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)
    answers: list[str] = []
    page.board.answered.connect(lambda a: answers.append(a.result.barcode if a.result else ""))
    edit = page.board.scan.edit
    for code in reversed(SCAN_TUBES):  # four scans typed before the first answer arrives
        qtbot.keyClicks(edit, code)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert page.board.busy
    qtbot.waitUntil(lambda: len(answers) == 4, timeout=WAIT)
    assert answers == list(reversed(SCAN_TUBES))
    tubes = [t for t in gui_services.reception.board(shipment).tubes if t.scanned_at is not None]
    assert [t.barcode for t in sorted(tubes, key=lambda t: t.receipt_id or 0)] == list(reversed(SCAN_TUBES))


def test_a_scan_the_database_could_not_take_says_it_was_not_recorded(qtbot, gui_services, tom, shipment,
                                                                      open_window, monkeypatch):
    window = open_window(gui_services, tom)
    page = open_board(qtbot, window, shipment)

    def gone(*_args, **_kwargs):
        raise DatabaseUnavailableError("The database server does not answer.", hint="Check the network cable.")

    monkeypatch.setattr(gui_services.reception, "receive", gone)
    answer = scan(qtbot, page, SCAN_TUBES[1])
    assert answer.verdict == "error" and "NOT recorded" in page.board.verdict.headline.text()
    assert tile(page, "received") == 0
    monkeypatch.undo()
    assert scan(qtbot, page, SCAN_TUBES[1]).verdict == "ok"


def test_new_shipment_from_a_manifest_opens_the_import_ready_for_it(qtbot, gui_services, tom, shipment,
                                                                    open_window):
    window = open_window(gui_services, tom)
    page = window.open_page("reception")
    qtbot.waitUntil(lambda: page.shipments.partner.count() > 1, timeout=WAIT)
    page.shipments.partner.setCurrentIndex(page.shipments.partner.findData("CLINIC"))
    page.shipments.manifest_button.click()
    exchange = window.page("exchange")
    assert window.current_key() == "exchange" and exchange.tabs.currentWidget() is exchange.importer
    step = exchange.importer.file_step
    qtbot.waitUntil(lambda: step.partner.currentData() == "CLINIC", timeout=WAIT)
    assert step.kind.value() == "manifest"


def test_a_supervisor_gives_a_study_its_own_sample_id_prefix(qtbot, gui_services, open_window):
    sam = add_account(gui_services, "sam", Role.SUPERVISOR)
    window = open_window(gui_services, sam)
    settings = window.open_page("settings")
    section = settings.study_prefixes
    qtbot.waitUntil(lambda: section.study.count() > 0, timeout=WAIT)
    section.study.setCurrentIndex(section.study.findData("LUNG"))
    section.prefix.setText("lung")
    dialog = section.ask_save()
    qtbot.keyClicks(dialog.reason, "The lung cohort numbers its own samples")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "saved" in settings.banner.message, timeout=WAIT)
    lung = next(s for s in gui_services.reference.studies() if s.code == "LUNG")
    assert lung.sample_id_prefix == "LUNG"
    qtbot.waitUntil(lambda: "(LUNG)" in section.study.currentText(), timeout=WAIT)
    technician = open_window(gui_services, add_account(gui_services, "tina", Role.TECHNICIAN))
    assert not technician.open_page("settings").study_prefixes.isVisibleTo(technician)
    assert gui_services.accounts.authenticate("sam", PASSWORD).username == "sam"


