"""One change record end to end: a change made on another workstation (another ``Services`` on the same
database) reaches this window as a ``Changes`` through the poll of the audit trail, and only the pages it
concerns refresh; this window's own writes go out on the same signal."""

from __future__ import annotations

import pytest

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services, open_database
from biobank_desktop.core.services.changes import SAMPLE, USER, Changes
from biobank_desktop.core.services.queries import SampleCriteria
from tests.gui.conftest import add_account


@pytest.fixture
def elsewhere(sqlite_url: str, demo_services: Services):
    """Another workstation on the same database file."""
    other = build_services(open_database(sqlite_url), workstation="OTHER-WS")
    yield other
    other.close()


def _codes(services: Services, n: int) -> list[str]:
    return [r.sample_code for r in services.queries.rows(services.queries.search_ids(SampleCriteria(), limit=n))]


def _count_calls(monkeypatch: pytest.MonkeyPatch, obj: object, name: str) -> list[object]:
    calls: list[object] = []
    real = getattr(obj, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, counted)
    return calls


def _window_on_sample(qtbot, open_window, services: Services, code: str):
    window = open_window(services, add_account(services, "ada", Role.ADMINISTRATOR))
    qtbot.waitUntil(lambda: window._last_seq is not None, timeout=10_000)
    window.session.navigate.open_sample(code)
    sample = window.page("sample")
    qtbot.waitUntil(lambda: sample.detail is not None and sample.detail.sample_code == code, timeout=10_000)
    return window, sample


def _poll(qtbot, window) -> Changes:
    with qtbot.waitSignal(window.session.events.changed, timeout=10_000) as changed:
        window.poll_changes()
    return changed.args[0]


def test_a_sample_changed_elsewhere_refreshes_its_page_and_not_the_users_page(
        qtbot, monkeypatch, demo_services, elsewhere, open_window):
    code = _codes(demo_services, 1)[0]
    eve = add_account(elsewhere, "eve", Role.TECHNICIAN)  # before the window starts watching
    window, sample = _window_on_sample(qtbot, open_window, demo_services, code)
    users = window.open_page("users")
    qtbot.waitUntil(lambda: users.model.row_of("eve") >= 0, timeout=10_000)
    user_reloads = _count_calls(monkeypatch, users, "reload")

    elsewhere.samples.change_status(eve, code, "quarantined", "freezer alarm")
    news = _poll(qtbot, window)

    assert news.touches(SAMPLE) and not news.touches(USER)
    assert news.ids_of(SAMPLE) == {code}
    qtbot.waitUntil(lambda: sample.detail.status == "quarantined", timeout=10_000)
    assert user_reloads == []


def test_an_account_changed_elsewhere_refreshes_the_users_page_and_not_the_sample_page(
        qtbot, monkeypatch, demo_services, elsewhere, open_window):
    code = _codes(demo_services, 1)[0]
    boss = add_account(elsewhere, "boss", Role.ADMINISTRATOR)
    add_account(elsewhere, "tom", Role.TECHNICIAN)
    window, sample = _window_on_sample(qtbot, open_window, demo_services, code)
    users = window.open_page("users")
    qtbot.waitUntil(lambda: users.model.row_of("tom") >= 0, timeout=10_000)
    sample_loads = _count_calls(monkeypatch, sample, "_load")

    elsewhere.accounts.set_role(boss, "tom", Role.SUPERVISOR, "new team lead")
    news = _poll(qtbot, window)

    assert news.touches(USER) and not news.touches(SAMPLE)
    qtbot.waitUntil(lambda: users.model.user(users.model.row_of("tom")).role is Role.SUPERVISOR, timeout=10_000)
    assert sample_loads == []


def test_another_sample_changed_elsewhere_leaves_the_open_sample_alone_but_refreshes_search(
        qtbot, monkeypatch, demo_services, elsewhere, open_window):
    shown, other_code = _codes(demo_services, 2)
    eve = add_account(elsewhere, "eve", Role.TECHNICIAN)
    window, sample = _window_on_sample(qtbot, open_window, demo_services, shown)
    search = window.page("search")
    sample_loads = _count_calls(monkeypatch, sample, "_load")
    search_refreshes = _count_calls(monkeypatch, search.model, "refresh_rows")

    elsewhere.samples.add_barcode(eve, other_code, "CLIN-ELSEWHERE-1")
    news = _poll(qtbot, window)

    assert news.ids_of(SAMPLE) == {other_code}
    assert sample_loads == []
    assert len(search_refreshes) == 1


def test_this_windows_own_write_goes_out_as_changes_once_saved(qtbot, demo_services, open_window):
    code = _codes(demo_services, 1)[0]
    window, sample = _window_on_sample(qtbot, open_window, demo_services, code)
    sample.barcode_input.setText("CLIN-HERE-7")
    with qtbot.waitSignal(window.session.events.changed, timeout=10_000) as changed:
        sample.add_barcode()
    own = changed.args[0]
    assert own.ids_of(SAMPLE) == {code}
    assert own.last_audit_seq == demo_services.audit.last_seq()
    assert sample.banner.isVisible() and "CLIN-HERE-7" in sample.banner.text.text()


def test_open_box_says_what_the_box_is_and_where(qtbot, demo_services, open_window):
    from sqlalchemy import select

    from biobank_desktop.core.db.models import StorageContainer

    with demo_services.db.new_session(write=False) as s:
        box = s.execute(select(StorageContainer).where(StorageContainer.parent_id.is_not(None))
                        .where(StorageContainer.barcode.is_not(None)).limit(1)).scalar_one()
        barcode, name = box.barcode, box.name
        parent = s.get(StorageContainer, box.parent_id).name
    window = open_window(demo_services, add_account(demo_services, "tom", Role.TECHNICIAN))
    window.session.navigate.open_box(barcode)
    qtbot.waitUntil(lambda: name in window.scan.feedback.text(), timeout=10_000)
    assert parent in window.scan.feedback.text()
    window.session.navigate.open_box("NO-SUCH-BOX")
    qtbot.waitUntil(lambda: "not a known box" in window.scan.feedback.text(), timeout=10_000)
