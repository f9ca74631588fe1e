"""Search, sample detail, audit trail and users pages driven like a technician would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from biobank_desktop.core.domain.errors import AuthenticationError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.ui.background import WRITE_CANCEL_NOTE
from tests.gui.conftest import PASSWORD, add_account, cancel_running_jobs, visible_progress_dialog


def _ready(model) -> bool:
    return model.criteria is not None and not model.fetching


# -- search ------------------------------------------------------------------------------------------------


def test_search_filters_and_lazy_loading(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    search = window.page("search")
    model = search.model
    model.page_size = 100  # the demo holds 300 samples: page through them
    search.search()
    qtbot.waitUntil(lambda: _ready(model) and model.rowCount() == 100, timeout=10_000)
    qtbot.waitUntil(lambda: search.count_label.text() == "300 samples", timeout=10_000)
    assert model.canFetchMore(QModelIndex())
    search.table.scrollToBottom()  # the view asks for more when it reaches the end
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=10_000)

    search.status.setCurrentIndex(search.status.findData("available"))  # applies at once
    qtbot.waitUntil(lambda: _ready(model) and model.criteria.statuses == ("available",), timeout=10_000)
    expected = demo_services.queries.count(SampleCriteria(statuses=("available",)))[0]
    qtbot.waitUntil(lambda: search.count_label.text().startswith(f"{expected:,} sample"), timeout=10_000)
    statuses = {model.sample_row(r).status for r in range(model.rowCount())}
    assert statuses == {"available"}
    assert 0 < model.rowCount() <= expected

    first = model.sample_code(0)
    search.text.setText(first[:-1])  # an ID prefix
    qtbot.keyClick(search.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _ready(model) and model.criteria.text == first[:-1], timeout=10_000)
    assert first in {model.sample_code(r) for r in range(model.rowCount())}
    assert all(model.sample_code(r).startswith(first[:-1]) for r in range(model.rowCount()))

    search.clear_filters()
    qtbot.waitUntil(lambda: _ready(model) and model.criteria == SampleCriteria(), timeout=10_000)
    assert search.status.currentIndex() == 0 and search.text.text() == ""


def test_search_by_collection_date_range(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    search = window.page("search")
    qtbot.waitUntil(lambda: _ready(search.model) and search.model.rowCount() > 0, timeout=10_000)
    newest = search.model.sample_row(0)
    day = newest.collected_at.date()
    search.collected_from.set_value(day)
    search.collected_to.set_value(day)
    qtbot.waitUntil(lambda: _ready(search.model) and search.model.criteria.collected_to == day, timeout=10_000)
    rows = [search.model.sample_row(r) for r in range(search.model.rowCount())]
    assert rows and all(r.collected_at.date() == day for r in rows)


def test_enter_on_a_result_opens_the_sample(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    search = window.page("search")
    qtbot.waitUntil(lambda: _ready(search.model) and search.model.rowCount() > 3, timeout=10_000)
    code = search.model.sample_code(2)
    search.table.setFocus()
    search.table.setCurrentIndex(search.model.index(2, 0))
    qtbot.keyClick(search.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page("sample") is not None and window.page("sample").detail is not None,
                    timeout=10_000)
    assert window.page("sample").detail.sample_code == code


# -- sample detail -------------------------------------------------------------------------------------------


def _open_sample(qtbot, window, code):
    window.open_sample(code)
    page = window.page("sample")
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.sample_code == code, timeout=10_000)
    return page


def _a_code(services, status="available"):
    ids = services.queries.search_ids(SampleCriteria(statuses=(status,)), limit=1)
    return services.queries.rows(ids)[0].sample_code


def test_changing_the_status_asks_a_reason_and_writes_history(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _a_code(demo_services)
    page = _open_sample(qtbot, window, code)
    events_before = len(page.history)

    dialog = page.change_status()
    assert not dialog.ok_button.isEnabled()  # no reason yet
    dialog.choice.setCurrentIndex(dialog.choice.findData("quarantined"))
    qtbot.keyClicks(dialog.reason, "Freezer alarm: excursion to -60 °C")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: page.detail.status == "quarantined" and len(page.history) == events_before + 1,
                    timeout=10_000)
    event = page.history[-1]
    assert (event.action, event.username, event.reason) == ("sample.status_changed", "tom",
                                                             "Freezer alarm: excursion to -60 °C")
    assert (event.before, event.after) == ({"status": "available"}, {"status": "quarantined"})
    top = page.history_model.index(0, 4)  # newest first: Changes column
    assert page.history_model.data(top) == "status: available → quarantined"
    assert page.status_chip.text() == "Quarantined"
    assert demo_services.queries.detail(code).status == "quarantined"


def test_a_conflicting_change_is_explained_with_reload(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _a_code(demo_services)
    page = _open_sample(qtbot, window, code)
    other = add_account(demo_services, "eve", Role.TECHNICIAN)
    demo_services.samples.change_status(other, code, "reserved", "access request AR-7")  # another workstation

    page.notes.setPlainText("thawed once for QC")
    page.save_notes()  # still on the version opened before eve's change
    qtbot.waitUntil(lambda: page.banner.message != "", timeout=10_000)
    assert "was changed by someone else since you opened it" in page.banner.message
    assert page.banner.action.isVisible() and page.banner.action.text() == "Reload"
    assert demo_services.queries.detail(code).notes != "thawed once for QC"  # nothing was saved

    qtbot.mouseClick(page.banner.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.detail.status == "reserved", timeout=10_000)
    assert not page.banner.isVisible()


def test_adding_a_barcode_by_scan(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _a_code(demo_services)
    page = _open_sample(qtbot, window, code)
    qtbot.keyClicks(page.barcode_input, "LAB-77-0001")
    qtbot.keyClick(page.barcode_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "LAB-77-0001" in page.identity.values["barcodes"].text(), timeout=10_000)
    assert demo_services.queries.lookup("LAB-77-0001").key == code
    assert page.history[-1].action == "sample.barcode_added"


def test_lineage_links_navigate(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    ids = demo_services.queries.search_ids(SampleCriteria(lineage_kinds=("aliquot",)), limit=1)
    aliquot = demo_services.queries.rows(ids)[0].sample_code
    page = _open_sample(qtbot, window, aliquot)
    parent = page.detail.parent.sample_code
    qtbot.mouseClick(page.parent_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.detail.sample_code == parent, timeout=10_000)
    assert page.children_list.count() == len(page.detail.children) > 0
    children = page.children_list
    assert aliquot in [children.item(r).data(Qt.ItemDataRole.UserRole) for r in range(children.count())]


def test_sprec_override_is_for_supervisors(qtbot, demo_services, open_window):
    tom = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _a_code(demo_services)
    assert not _open_sample(qtbot, tom, code).override_button.isVisibleTo(tom)
    sam = open_window(demo_services, add_account(demo_services, "sam", Role.SUPERVISOR))
    page = _open_sample(qtbot, sam, code)
    assert page.override_button.isVisibleTo(sam)
    dialog = page.override_sprec()
    old = page.detail.sprec_code
    parts = old.split("-")
    parts[-1] = "X"  # long-term storage unknown
    code_input = dialog.findChild(type(page.barcode_input), "sprecInput")
    code_input.setText("-".join(parts))
    qtbot.keyClicks(dialog.reason, "Storage temperature not documented")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.detail.sprec_code == "-".join(parts), timeout=10_000)
    assert page.detail.sprec_overridden
    assert "overridden" in page.sprec_note.text()


# -- audit trail ------------------------------------------------------------------------------------------------


def test_audit_trail_filters_and_verify(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _a_code(demo_services)
    demo_services.samples.change_status(window.session.actor, code, "reserved", "for AR-9")
    audit = window.open_page("audit")
    qtbot.waitUntil(lambda: audit.model.rowCount() > 0 and not audit.model.fetching, timeout=10_000)
    audit.action.setCurrentIndex(audit.action.findData("sample."))
    qtbot.waitUntil(lambda: not audit.model.fetching and audit.model.rowCount() == 1
                    and audit.model.event_at(0).entity_id == code, timeout=10_000)
    audit.table.selectRow(0)
    html = audit.details.toPlainText()
    assert "for AR-9" in html and "available" in html and "reserved" in html

    audit.verify()
    qtbot.waitUntil(lambda: audit.banner.message != "", timeout=20_000)
    assert audit.banner.message.startswith("The audit trail is intact")
    assert audit.banner.property("kind") == "ok"


# -- users --------------------------------------------------------------------------------------------------------


def test_administrator_adds_and_deactivates_a_user(qtbot, gui_services, open_window):
    window = open_window(gui_services, add_account(gui_services, "ada", Role.ADMINISTRATOR))
    users = window.open_page("users")
    qtbot.waitUntil(lambda: users.model.rowCount() == 1, timeout=10_000)

    dialog = users.add_user()
    form = dialog.form
    username, full_name, _role, passwords = (form.itemAt(row, form.ItemRole.FieldRole).widget() for row in range(4))
    qtbot.keyClicks(username, "JDupont")
    qtbot.keyClicks(full_name, "Jeanne Dupont")
    passwords.first.setText(PASSWORD)
    passwords.second.setText("something-else")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "The two passwords are not the same."
    passwords.second.setText(PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: users.model.row_of("jdupont") >= 0, timeout=10_000)
    assert users.selected_user().username == "jdupont"

    deactivate = users.toggle_active()
    qtbot.keyClicks(deactivate.reason, "Left the biobank")
    qtbot.mouseClick(deactivate.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: users.selected_user() is not None and not users.selected_user().active, timeout=10_000)
    assert users.active_button.text() == "Reactivate…"
    assert "jdupont deactivated." in users.banner.message


def test_administrator_unlocks_a_locked_account(qtbot, gui_services, open_window):
    window = open_window(gui_services, add_account(gui_services, "ada", Role.ADMINISTRATOR))
    add_account(gui_services, "tom", Role.TECHNICIAN)
    for _ in range(5):  # the fifth wrong password locks the account
        with pytest.raises(AuthenticationError):
            gui_services.accounts.authenticate("tom", "wrong-password")
    users = window.open_page("users")
    qtbot.waitUntil(lambda: users.model.row_of("tom") >= 0, timeout=10_000)
    users.table.selectRow(users.model.row_of("tom"))
    assert users.model.data(users.model.index(users.model.row_of("tom"), 3)).startswith("Locked until")
    assert users.unlock_button.isEnabled()
    qtbot.mouseClick(users.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: users.selected_user() is not None and not users.selected_user().is_locked,
                    timeout=10_000)
    assert gui_services.accounts.authenticate("tom", PASSWORD).username == "tom"


# -- a write cancelled meanwhile (Cancel, or a logout) is still reported -----------------------------------------


def _status_change(qtbot, page):
    dialog = page.change_status()
    dialog.choice.setCurrentIndex(dialog.choice.findData("quarantined"))
    qtbot.keyClicks(dialog.reason, "Freezer alarm")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return lambda: page.detail.status == "quarantined"


def _barcode(qtbot, page):
    qtbot.keyClicks(page.barcode_input, "LAB-77-0002")
    qtbot.keyClick(page.barcode_input, Qt.Key.Key_Return)
    return lambda: page.banner.message == f"Barcode LAB-77-0002 added to {page.detail.sample_code}." and \
        "LAB-77-0002" in page.identity.values["barcodes"].text()


def _notes(qtbot, page):
    page.notes.setPlainText("thawed once for QC")
    page.save_notes()
    return lambda: page.detail.notes == "thawed once for QC" and not page.save_notes_button.isEnabled()


def _sprec(qtbot, page):
    dialog = page.override_sprec()
    parts = page.detail.sprec_code.split("-")
    parts[-1] = "X"
    dialog.findChild(type(page.barcode_input), "sprecInput").setText("-".join(parts))
    qtbot.keyClicks(dialog.reason, "Storage temperature not documented")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return lambda: page.detail.sprec_overridden and page.detail.sprec_code == "-".join(parts)


@pytest.mark.parametrize(("write", "method"), [(_status_change, "change_status"), (_barcode, "add_barcode"),
                                               (_notes, "update_notes"), (_sprec, "override_sprec")],
                         ids=["status", "barcode", "notes", "sprec"])
def test_a_sample_change_cancelled_while_saving_is_still_shown(qtbot, demo_services, open_window, runner, hold,
                                                               write, method):
    window = open_window(demo_services, add_account(demo_services, "sam", Role.SUPERVISOR))
    code = _a_code(demo_services)
    page = _open_sample(qtbot, window, code)
    held = hold(demo_services.samples, method)
    shown = write(qtbot, page)
    qtbot.waitUntil(held.entered.is_set, timeout=10_000)
    assert cancel_running_jobs(runner) >= 1  # logging out now: the change commits all the same
    with qtbot.waitSignal(window.session.events.changed, timeout=10_000) as changed:
        held.release.set()  # the page reports it (not dropped as if nothing happened) ...
    assert changed.args[0].ids_of("sample") == {code}
    qtbot.waitUntil(shown, timeout=10_000)  # ... and shows it


def test_cancelling_a_status_change_says_a_saved_change_is_kept(qtbot, demo_services, open_window, hold):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _a_code(demo_services)
    page = _open_sample(qtbot, window, code)
    held = hold(demo_services.samples, "change_status")
    shown = _status_change(qtbot, page)
    qtbot.waitUntil(lambda: held.entered.is_set() and visible_progress_dialog() is not None, timeout=10_000)
    dialog = visible_progress_dialog()
    dialog.cancel_button.click()
    assert dialog.text.text() == WRITE_CANCEL_NOTE  # not "nothing is kept": the change cannot stop halfway
    with qtbot.waitSignal(window.session.events.changed, timeout=10_000):
        held.release.set()
    qtbot.waitUntil(shown, timeout=10_000)
    assert demo_services.queries.detail(code).status == "quarantined"


def test_an_account_change_cancelled_while_saving_is_still_shown(qtbot, gui_services, open_window, runner, hold):
    window = open_window(gui_services, add_account(gui_services, "ada", Role.ADMINISTRATOR))
    add_account(gui_services, "tom", Role.TECHNICIAN)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            gui_services.accounts.authenticate("tom", "wrong-password")
    users = window.open_page("users")
    qtbot.waitUntil(lambda: users.model.row_of("tom") >= 0, timeout=10_000)
    users.table.selectRow(users.model.row_of("tom"))
    held = hold(gui_services.accounts, "unlock")
    qtbot.mouseClick(users.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(held.entered.is_set, timeout=10_000)
    assert cancel_running_jobs(runner) >= 1
    held.release.set()
    qtbot.waitUntil(lambda: users.banner.message == "tom unlocked.", timeout=10_000)
