"""The sample page as a technician met it at the bench (issue 8): Add barcode, label events in the history,
consents, the status and reprint dialogs, stale messages, the scroll position; Settings → Change database."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.samples import NewSample
from tests.gui.conftest import SYSTEM, add_account
from tests.support.accounts import administrator


def _open_sample(qtbot, window, code):
    window.open_sample(code)
    page = window.page("sample")
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.sample_code == code, timeout=10_000)
    return page


def _codes(services, n=2):
    ids = services.queries.search_ids(SampleCriteria(statuses=("available",)), limit=n)
    return [r.sample_code for r in services.queries.rows(ids)]


# -- blocker 2: Add barcode --------------------------------------------------------------------------------


def test_add_barcode_refuses_another_samples_id_and_sends_the_focus_back(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    qtbot.waitExposed(window)
    mine, other = _codes(demo_services)
    page = _open_sample(qtbot, window, mine)
    window.activateWindow()  # offscreen, a worker's passing dialog leaves no window active
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    page.barcode_input.setFocus()
    qtbot.waitUntil(page.barcode_input.hasFocus, timeout=2000)
    qtbot.keyClicks(page.barcode_input, other)  # the next tube, scanned into the wrong field
    qtbot.keyClick(page.barcode_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.banner.message.startswith(f"{other} is the ID of another sample ({other})"),
                    timeout=10_000)
    assert page.banner.isVisible()
    assert other not in {b for b, _ in demo_services.queries.detail(mine).barcodes}
    qtbot.waitUntil(window.scan.edit.hasFocus, timeout=2000)  # the next scan opens that tube
    assert page.barcode_input.text() == ""

    page.barcode_input.setFocus()
    qtbot.waitUntil(page.barcode_input.hasFocus, timeout=2000)
    page.barcode_kind.setCurrentIndex(page.barcode_kind.findData("tube"))
    qtbot.keyClicks(page.barcode_input, "0153464097")
    qtbot.keyClick(page.barcode_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ("0153464097", "tube") in page.detail.barcodes, timeout=10_000)
    assert page.banner.message == f"Barcode 0153464097 (Tube maker's 2D code) added to {mine}."
    qtbot.waitUntil(window.scan.edit.hasFocus, timeout=2000)


def test_a_wrong_barcode_is_removed_with_a_reason(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    [code] = _codes(demo_services, 1)
    demo_services.samples.add_barcode(administrator(demo_services), code, "CLIN-WRONG-1")
    page = _open_sample(qtbot, window, code)
    dialog = page.remove_barcode()
    assert dialog.choice_value() in {b for b, _ in page.detail.barcodes}
    dialog.choice.setCurrentIndex(dialog.choice.findData("CLIN-WRONG-1"))
    assert not dialog.ok_button.isEnabled()
    dialog.suggestion_buttons[0].click()  # "Scanned from another tube", for gloved hands
    assert dialog.reason_text() == "Scanned from another tube"
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # Enter confirms a one-line reason
    qtbot.waitUntil(lambda: "CLIN-WRONG-1" not in {b for b, _ in page.detail.barcodes}, timeout=10_000)
    event = page.history[-1]
    assert (event.action, event.reason) == ("sample.barcode_removed", "Scanned from another tube")


# -- item 5: label events in the history -------------------------------------------------------------------


def test_label_events_show_in_the_sample_history(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    [code] = _codes(demo_services, 1)
    page = _open_sample(qtbot, window, code)
    before = len(page.history)
    tom = window.session.actor
    [job] = demo_services.labelling.enqueue(tom, [code]).value
    demo_services.labelling.cancel_job(tom, job.id, "wrong printer")
    page.reload()
    qtbot.waitUntil(lambda: len(page.history) == before + 2, timeout=10_000)
    assert [e.action for e in page.history[-2:]] == ["labels.queued", "labels.job_cancelled"]
    actions = {page.history_model.index(r, 2).data() for r in range(page.history_model.rowCount())}
    assert any("label" in str(a).lower() for a in actions)


# -- item 7: consents -----------------------------------------------------------------------------------------


def test_a_withdrawn_consent_cannot_be_missed(qtbot, gui_services, open_window):
    code = gui_services.samples.register(SYSTEM, NewSample(study_code="COLON", sample_type="SER",
                                                          participant="P-0042")).value
    consent = gui_services.participants.record_consent(SYSTEM, "COLON", "P-0042", version="v2.1",
                                                       scope="research use, genetic analyses",
                                                       signed_on=dt.date(2025, 3, 1)).value
    window = open_window(gui_services, add_account(gui_services, "tom", Role.TECHNICIAN))
    page = _open_sample(qtbot, window, code)
    assert not page.consent_alert.isVisible()
    line = page.findChild(type(page.title_label), f"consent_{consent}")
    assert line.text() == "Version v2.1 · research use, genetic analyses · given, signed 2025-03-01"

    gui_services.participants.withdraw_consent(administrator(gui_services), consent, dt.date(2026, 1, 5),
                                               "letter of 2026-01-05")
    page.reload()
    qtbot.waitUntil(page.consent_alert.isVisible, timeout=10_000)
    assert page.consent_alert.text() == ("⚠ Participant P-0042 WITHDREW consent v2.1 (research use, genetic "
                                         "analyses) on 2026-01-05: check before using this sample.")
    line = page.findChild(type(page.title_label), f"consent_{consent}")
    assert "WITHDRAWN" in line.text() and "withdrawn on 2026-01-05 (letter of 2026-01-05)" in line.text()
    page.sample_scroll.verticalScrollBar().setValue(page.sample_scroll.verticalScrollBar().maximum())
    assert page.consent_alert.isVisible()  # above the scrolled part: seen whatever is scrolled


# -- item 9: the database is an administrator's setting ----------------------------------------------------


def test_technicians_cannot_change_the_database(qtbot, gui_services, open_window, runner):
    from biobank_desktop.config import Settings
    from biobank_desktop.ui.dialogs.database import DatabaseDialog

    tom = add_account(gui_services, "tom", Role.TECHNICIAN)
    window = open_window(gui_services, tom)
    settings = window.open_page("settings")
    assert not settings.change_database_button.isEnabled()
    assert settings.change_database() is None
    assert settings.banner.message == "Only an administrator may change the database."
    dialog = DatabaseDialog(Settings(), runner, actor=tom)  # and the dialog itself refuses, if reached
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    dialog.save()
    assert dialog.message_text == "Only an administrator may change the database; Tom Tester is Technician."
    ada = add_account(gui_services, "ada", Role.ADMINISTRATOR)
    assert DatabaseDialog(Settings(), runner, actor=ada).save_button.isEnabled()


# -- minors ----------------------------------------------------------------------------------------------------


def test_the_status_dialog_chooses_nothing_for_the_technician_and_enter_confirms(qtbot, demo_services,
                                                                                   open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    [code] = _codes(demo_services, 1)
    page = _open_sample(qtbot, window, code)
    dialog = page.change_status()
    assert dialog.choice_value() is None  # an available tube: no status is offered as if it were chosen
    qtbot.keyClicks(dialog.reason, "Haemolysed")
    assert not dialog.ok_button.isEnabled()  # a reason, but no status yet
    dialog.choice.setCurrentIndex(dialog.choice.findData("quarantined"))
    assert dialog.ok_button.isEnabled()
    assert "Haemolysed" in [b.text() for b in dialog.suggestion_buttons]
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.detail.status == "quarantined", timeout=10_000)

    admin = administrator(demo_services)
    expected = demo_services.samples.register(admin, NewSample(study_code="COLON", sample_type="SER",
                                                               status="expected")).value
    page = _open_sample(qtbot, window, expected)
    dialog = page.change_status()
    assert dialog.choice_value() == "available"  # the most likely next status
    dialog.reject()


def test_reprint_offers_the_common_reasons(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    [code] = _codes(demo_services, 1)
    page = _open_sample(qtbot, window, code)
    dialog = page.reprint_label()
    texts = [b.text() for b in dialog.suggestion_buttons]
    assert {"Label smudged", "Label frosted off", "Label torn"} <= set(texts)
    dialog.suggestion_buttons[texts.index("Label torn")].click()
    qtbot.keyClicks(dialog.reason, " at the corner")  # free text after a choice
    assert dialog.reason_text() == "Label torn at the corner" and dialog.ok_button.isEnabled()
    dialog.reject()


def test_no_stale_message_of_another_sample_and_a_sample_opens_at_the_top(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    first, second = _codes(demo_services)
    window.scan.edit.setText(first)
    window.scan._submit()
    qtbot.waitUntil(lambda: window.page("sample") is not None and window.page("sample").sample_code == first,
                    timeout=10_000)
    page = window.page("sample")
    assert window.scan.feedback.text() == f"✔ Sample {first}"
    page.banner.show_message(f"Barcode X added to {first}.", "ok")
    page.sample_scroll.verticalScrollBar().setValue(page.sample_scroll.verticalScrollBar().maximum())
    assert page.sample_scroll.verticalScrollBar().value() > 0

    window.open_sample(second)  # from Search, a child link...
    qtbot.waitUntil(lambda: page.sample_code == second, timeout=10_000)
    assert window.scan.feedback.text() == ""  # "✔ Sample <first>" does not stay while <second> is shown
    assert not page.banner.isVisible()
    assert page.sample_scroll.verticalScrollBar().value() == 0  # the identity is in sight
