"""The main window: the global scan field, role-dependent pages, connection health, changes from elsewhere."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from biobank_desktop.core.domain.errors import DatabaseUnavailableError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.ui.main_window import PAGES
from tests.gui.conftest import add_account


def _first_sample(services) -> str:
    ids = services.queries.search_ids(SampleCriteria(), limit=1)
    return services.queries.rows(ids)[0].sample_code


def test_scanning_a_sample_id_opens_it(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _first_sample(demo_services)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    qtbot.keyClicks(window.scan.edit, code.lower())  # scanners in the wrong keyboard mode send lower case
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page("sample") is not None and window.page("sample").detail is not None,
                    timeout=10_000)
    page = window.page("sample")
    assert window.current_key() == "sample"
    assert page.detail.sample_code == code
    assert page.identity.values["sample_code"].text() == code
    assert window.scan.state == "ok"


def test_scanning_an_external_barcode_opens_its_sample(qtbot, demo_services, open_window):
    tom = add_account(demo_services, "tom", Role.TECHNICIAN)
    window = open_window(demo_services, tom)
    code = _first_sample(demo_services)
    demo_services.samples.add_barcode(tom, code, "CLINIC-0042-XYZ")
    qtbot.keyClicks(window.scan.edit, "CLINIC-0042-XYZ")
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page("sample") is not None and window.page("sample").detail is not None,
                    timeout=10_000)
    assert window.page("sample").detail.sample_code == code


def test_an_unknown_code_is_answered_in_the_field(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    window.scan.sound = False
    qtbot.keyClicks(window.scan.edit, "NO-SUCH-TUBE-77")
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.scan.state == "error", timeout=10_000)
    assert "NO-SUCH-TUBE-77 is not a known sample, barcode, box or participant" in window.scan.feedback.text()
    assert window.scan.edit.property("state") == "error"
    assert window.scan.edit.selectedText() == "NO-SUCH-TUBE-77"  # the next scan replaces it
    assert QApplication.focusWidget() is window.scan.edit  # and goes there: the field kept the focus
    assert window.current_key() == "search"  # nothing else moved
    qtbot.keyClicks(window.scan.edit, "X")  # typing again clears the alarm
    assert window.scan.state == ""


def test_scanning_a_pseudonym_lists_the_participants_samples(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    code = _first_sample(demo_services)
    pseudonym = demo_services.queries.detail(code).participant
    qtbot.keyClicks(window.scan.edit, pseudonym)
    qtbot.keyClick(window.scan.edit, Qt.Key.Key_Return)
    search = window.page("search")
    qtbot.waitUntil(lambda: search.model.criteria is not None and search.model.criteria.participant == pseudonym
                    and search.model.rowCount() > 0 and not search.model.fetching, timeout=10_000)
    rows = [search.model.sample_row(r) for r in range(search.model.rowCount())]
    assert {r.participant for r in rows} == {pseudonym}
    assert window.scan.state == "ok"


def test_f2_and_ctrl_l_focus_the_scan_field(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    qtbot.waitExposed(window)
    window.activateWindow()
    search = window.page("search")
    for keys in (Qt.Key.Key_F2, QKeySequence("Ctrl+L")):
        search.text.setFocus()
        qtbot.waitUntil(search.text.hasFocus, timeout=2000)
        if isinstance(keys, QKeySequence):
            qtbot.keyClick(search.text, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        else:
            qtbot.keyClick(search.text, keys)
        qtbot.waitUntil(window.scan.edit.hasFocus, timeout=2000)


class _WindowsShown(QObject):
    """Every widget shown as a window of its own (a top-level widget), by class and text."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[QWidget] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            self.shown.append(watched)
        return False


def test_building_the_pages_shows_no_window_of_its_own(qtbot, demo_services, open_window):
    # A widget made visible before it is in a page is, for that moment, a window: it takes the activation from
    # the main window, and the scan field loses the focus and its selected code (the next scan is appended).
    spy = _WindowsShown()
    QApplication.instance().installEventFilter(spy)
    try:
        for role, name in ((Role.TECHNICIAN, "tom"), (Role.SUPERVISOR, "sam"), (Role.ADMINISTRATOR, "ada")):
            window = open_window(demo_services, add_account(demo_services, name, role))
            for spec in PAGES:
                window.open_page(spec.key)
            qtbot.wait(50)  # what the pages start when shown (their first loads) runs too
            found = [f"{type(w).__name__} {getattr(w, 'text', str)()!r}" for w in spy.shown if w is not window]
            assert found == [], "\n".join([name, *found])
            spy.shown.clear()
    finally:
        QApplication.instance().removeEventFilter(spy)


def test_users_page_is_not_offered_to_a_technician(qtbot, gui_services, open_window):
    window = open_window(gui_services, add_account(gui_services, "tom", Role.TECHNICIAN))
    titles = [window.nav.item(r).text() for r in range(window.nav.count())]
    assert titles == ["Search", "Sample", "Reception", "Storage", "Aliquoting", "Exchange", "Labels", "Audit trail",
                      "Settings"]
    assert window.open_page("users") is None
    assert window.statusBar().currentMessage() == "Only administrators manage user accounts."
    assert window.page("users") is None


def test_users_page_refuses_a_technician_even_when_built(qtbot, gui_services, make_session):
    from biobank_desktop.ui.pages.users.page import UsersPage

    page = UsersPage(make_session(gui_services, add_account(gui_services, "tom", Role.TECHNICIAN)))
    qtbot.addWidget(page)
    page.show()
    page.reload()
    qtbot.waitUntil(lambda: page.banner.message != "", timeout=10_000)
    assert "may not manage users" in page.banner.message
    assert page.model.rowCount() == 0


def test_status_bar_shows_who_and_where(qtbot, gui_services, open_window):
    window = open_window(gui_services, add_account(gui_services, "ada", Role.ADMINISTRATOR))
    assert window.who_label.text().startswith("Ada Tester (Administrator)")
    assert window.database_label.text() == f"SQLite file: {gui_services.system.info.description}"
    qtbot.waitUntil(lambda: window.health.healthy is True, timeout=10_000)
    assert window.health.text.text() == "Connected"
    assert not window.health.retry.isVisible()


def test_a_lost_connection_turns_red_and_retry_recovers(qtbot, gui_services, open_window, monkeypatch):
    window = open_window(gui_services, add_account(gui_services, "ada", Role.ADMINISTRATOR))
    qtbot.waitUntil(lambda: window.health.healthy is True, timeout=10_000)
    real_ping = gui_services.system.ping

    def down() -> None:
        raise DatabaseUnavailableError("The PostgreSQL server at bb@db:5432/biobank cannot be reached.")

    monkeypatch.setattr(gui_services.system, "ping", down)
    with qtbot.waitSignal(window.session.events.connection_changed, timeout=10_000) as lost:
        window.check_connection()
    assert lost.args[0] is False
    assert window.health.text.text() == (
        "Connection lost: The PostgreSQL server at bb@db:5432/biobank cannot be reached.")
    assert window.health.retry.isVisible()
    monkeypatch.setattr(gui_services.system, "ping", real_ping)
    with qtbot.waitSignal(window.session.events.connection_changed, timeout=10_000) as back:
        qtbot.mouseClick(window.health.retry, Qt.MouseButton.LeftButton)
    assert back.args[0] is True
    assert window.health.text.text() == "Connected"


def test_a_change_made_elsewhere_is_announced(qtbot, demo_services, open_window):
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    qtbot.waitUntil(lambda: window._last_seq is not None, timeout=10_000)
    code = _first_sample(demo_services)
    other = add_account(demo_services, "eve", Role.TECHNICIAN)  # "another workstation"
    demo_services.samples.change_status(other, code, "quarantined", "freezer alarm")
    with qtbot.waitSignal(window.session.events.changed, timeout=10_000) as changed:
        window.poll_changes()
    news = changed.args[0]
    assert news.last_audit_seq == demo_services.audit.last_seq()
    assert news.touches("sample") and news.ids_of("sample") == {code}
    search = window.page("search")
    row = next(r for r in range(search.model.rowCount()) if search.model.sample_id(r) is not None
               and search.model.sample_id(r) == demo_services.queries.detail(code).id)
    qtbot.waitUntil(lambda: search.model.sample_row(row) is not None
                    and search.model.sample_row(row).status == "quarantined", timeout=10_000)
