"""Every custom Qt model passes pytest-qt's model tester, and the lazy ones really page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.audit import AuditEventInfo, AuditFilter
from biobank_desktop.core.services.dto import SampleRow
from biobank_desktop.core.services.labelling import JobInfo, JobItemInfo, RuleInfo
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.ui.models.audit_table import AuditEventModel
from biobank_desktop.ui.models.sample_table import COLUMNS, LOADING, SampleTableModel
from biobank_desktop.ui.models.user_table import UserTableModel
from biobank_desktop.ui.pages.labels.models import JobItemModel, JobTableModel, RuleTableModel
from tests.gui.conftest import add_account


class FakeSource:
    """search_ids/rows over an in-memory list of ids, counting the reads."""

    def __init__(self, n: int) -> None:
        self.ids = list(range(n, 0, -1))  # newest first
        self.row_reads: list[int] = []

    def search_ids(self, criteria: SampleCriteria, *, before_id: int | None = None, limit: int = 500) -> list[int]:
        ids = [i for i in self.ids if before_id is None or i < before_id]
        if criteria.text:
            ids = [i for i in ids if str(i).startswith(criteria.text)]
        return ids[:limit]

    def rows(self, ids: Sequence[int]) -> list[SampleRow]:
        self.row_reads.extend(ids)
        when = dt.datetime(2026, 3, 4, 13, 2, tzinfo=dt.UTC)
        return [SampleRow(i, f"BB-2026-{i:06d}X", "COLON", f"COL-{i:05d}", "SER", Decimal(250), "available",
                          "CHL", when, when, "primary") for i in ids]


def test_sample_model_passes_the_model_tester_and_pages(qtmodeltester, qtbot, runner):
    source = FakeSource(130)
    model = SampleTableModel(source, runner, page_size=50, block_size=20, cache_rows=60)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.set_criteria(SampleCriteria())
    assert model.rowCount() == 50
    assert model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)  # it calls fetchMore itself: the insert must be exact (first, first + n - 1)
    qtbot.waitUntil(lambda: not model.fetching, timeout=5000)
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.page_loaded, timeout=5000):
            model.fetchMore(QModelIndex())
    assert model.rowCount() == 130
    assert model.exhausted
    assert model.sample_id(0) == 130 and model.sample_id(129) == 1
    qtmodeltester.check(model)


def test_sample_model_reads_evicted_rows_again_on_demand(qtbot, runner):
    source = FakeSource(130)
    model = SampleTableModel(source, runner, page_size=130, block_size=20, cache_rows=40)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.set_criteria(SampleCriteria())
    # Only the 40 newest rows read stay cached: row 0 was evicted.
    first = model.index(0, 0)
    reads = len(source.row_reads)
    assert model.data(first) == LOADING
    qtbot.waitUntil(lambda: model.data(first) != LOADING, timeout=5000)
    assert model.data(first) == "BB-2026-000130X"
    assert source.row_reads[reads:] == list(range(130, 110, -1))  # one block of 20 around the row
    assert model.data(model.index(0, 0), Qt.ItemDataRole.UserRole) == "BB-2026-000130X"


def test_sample_model_headers_alignment_and_tooltips(qtbot, runner):
    source = FakeSource(3)
    model = SampleTableModel(source, runner, page_size=10)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.set_criteria(SampleCriteria())
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [c.title for c in COLUMNS]
    assert model.headerData(0, Qt.Orientation.Vertical) == 1
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None
    align = Qt.ItemDataRole.TextAlignmentRole
    assert model.data(model.index(0, 4), align) == int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(0, 0), align) == int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole).startswith("BB-2026-000003X")
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) is None
    assert model.data(model.index(0, 1), Qt.ItemDataRole.EditRole) is None
    assert model.data(model.index(3, 0)) is None and model.sample_id(3) is None


def test_a_new_search_drops_the_old_pages(qtbot, runner):
    source = FakeSource(300)
    model = SampleTableModel(source, runner, page_size=100)
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.set_criteria(SampleCriteria())
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        model.set_criteria(SampleCriteria(text="12"))
    codes = {model.sample_code(r) for r in range(model.rowCount())}
    assert codes == {"BB-2026-000012X", *(f"BB-2026-{i:06d}X" for i in range(120, 130))}
    assert model.exhausted


def test_sample_model_on_a_real_database_fetches_more_rows(qtmodeltester, qtbot, runner, demo_services):
    model = SampleTableModel(demo_services.queries, runner, page_size=100)
    with qtbot.waitSignal(model.page_loaded, timeout=10_000):
        model.set_criteria(SampleCriteria())
    assert model.rowCount() == 100
    with qtbot.waitSignal(model.page_loaded, timeout=10_000):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 200
    ids = [model.sample_id(r) for r in range(200)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 200  # keyset pages: newest first, no overlap
    qtmodeltester.check(model)


def _event(seq: int) -> AuditEventInfo:
    return AuditEventInfo(seq, dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=seq), "anna",
                          "WS-1", "sample.status_changed", "sample", f"BB-{seq}", f"event {seq}",
                          {"status": "available"}, {"status": "reserved"}, "thawed")


def test_audit_model_pages_by_seq(qtmodeltester, qtbot, runner):
    events = [_event(s) for s in range(95, 0, -1)]
    calls: list[int | None] = []

    def loader(before: int | None) -> list[AuditEventInfo]:
        calls.append(before)
        return [e for e in events if before is None or e.seq < before][:40]

    model = AuditEventModel(runner, page_size=40)
    with qtbot.waitSignal(model.loading_changed, timeout=5000, check_params_cb=lambda busy: not busy):
        model.set_loader(loader)
    assert model.rowCount() == 40
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: not model.fetching, timeout=5000)
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.loading_changed, timeout=5000, check_params_cb=lambda busy: not busy):
            model.fetchMore(QModelIndex())
    assert model.rowCount() == 95
    assert calls[:3] == [None, 56, 16]
    assert model.data(model.index(0, 7)) == "status: available → reserved"


def test_audit_model_on_the_real_trail(qtmodeltester, qtbot, runner, gui_services):
    ada = add_account(gui_services, "ada", Role.ADMINISTRATOR)
    model = AuditEventModel(runner, page_size=200)
    with qtbot.waitSignal(model.loading_changed, timeout=5000, check_params_cb=lambda busy: not busy):
        model.set_loader(lambda before: gui_services.audit.browse(ada, AuditFilter(), before_seq=before))
    assert model.event_at(0) is not None and model.event_at(0).action == "login.succeeded"
    assert model.event_at(1) is not None and model.event_at(1).action == "user.added"
    qtmodeltester.check(model)


def test_user_model(qtmodeltester, gui_services):
    ada = add_account(gui_services, "ada", Role.ADMINISTRATOR)
    add_account(gui_services, "bob", Role.TECHNICIAN, must_change=True)
    model = UserTableModel()
    model.set_users(gui_services.accounts.list_users(ada))
    qtmodeltester.check(model)
    assert [model.data(model.index(r, 0)) for r in range(2)] == ["ada", "bob"]
    assert model.data(model.index(1, 2)) == "Technician"
    assert model.data(model.index(1, 4)) == "Must be changed"
    assert model.user(1).username == "bob" and model.user(2) is None and model.row_of("bob") == 1
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    assert model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) is None


def test_audit_model_with_given_events_and_some_columns(qtmodeltester):
    model = AuditEventModel(columns=(1, 4, 0, 7))
    model.set_events([_event(s) for s in (3, 2, 1)])
    qtmodeltester.check(model)
    assert not model.canFetchMore(QModelIndex())
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == ["When", "Action", "#", "Changes"]
    assert model.headerData(2, Qt.Orientation.Vertical) == 3  # rows are numbered
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    align = Qt.ItemDataRole.TextAlignmentRole
    assert [model.data(model.index(0, c), align) for c in range(4)] == [left, left, right, left]
    assert model.data(model.index(0, 2)) == "3" and model.data(model.index(0, 2), Qt.ItemDataRole.UserRole) == 3
    assert model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole) == "status: available → reserved"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) is None
    assert model.event_at(2) is not None and model.event_at(2).seq == 1 and model.event_at(3) is None


def test_label_list_models_over_given_rows(qtmodeltester):
    when = dt.datetime(2026, 3, 4, 13, 2, tzinfo=dt.UTC)
    items = (JobItemInfo(position=1, sample_code="BB-1", status="sent", sent_at=when),
             JobItemInfo(position=2, sample_code="BB-2", status="failed", sent_at=None))
    job = JobInfo(id=7, created_at=when, created_by="tom", workstation="WS-1", source="cli",
                  template_name="cryovial", printer_name=None, status="partial", is_reprint=True, reason="smudged",
                  message="out of labels", printed_at=None, total=2, sent=1, items=items)
    rule = RuleInfo(id=3, study_code="COLON", sample_type=None, workstation=None, template_name="cryovial",
                    printer_name=None)
    jobs, job_items, rules = JobTableModel(), JobItemModel(), RuleTableModel()
    jobs.set_rows([job])
    job_items.set_rows(items)
    rules.set_rows([rule])
    for model in (jobs, job_items, rules):
        qtmodeltester.check(model)
        assert model.headerData(0, Qt.Orientation.Vertical) is None  # no row numbers
        assert model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) is None
        assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag.NoItemFlags
    assert jobs.job(0) == job and jobs.job(1) is None and jobs.row_of(7) == 0 and jobs.row_of(8) == -1
    assert jobs.data(jobs.index(0, 2)) == "cli (reprint)"
    assert jobs.data(jobs.index(0, 2), Qt.ItemDataRole.ToolTipRole) == "Reason: smudged"
    assert job_items.items() == list(items) and job_items.item(1) == items[1]
    assert job_items.data(job_items.index(1, 1)) == "BB-2"
    assert rules.rule(0) == rule and rules.data(rules.index(0, 1)) == "Any type"
    assert rules.data(rules.index(0, 0), Qt.ItemDataRole.UserRole) == 3


class BrokenSource(FakeSource):
    def search_ids(self, criteria: SampleCriteria, *, before_id: int | None = None, limit: int = 500) -> list[int]:
        raise RuntimeError("database away")


def test_a_page_that_fails_says_so_and_stops_fetching(qtbot, runner):
    def broken(before: int | None) -> list[AuditEventInfo]:
        raise RuntimeError("database away")

    audit = AuditEventModel(runner)
    samples = SampleTableModel(BrokenSource(0), runner)
    for model, start in ((audit, lambda: audit.set_loader(broken)),
                         (samples, lambda: samples.set_criteria(SampleCriteria()))):
        with qtbot.waitSignal(model.load_failed, timeout=5000) as failed:
            start()
        assert str(failed.args[0]) == "database away"
        assert not model.fetching and not model.exhausted and model.rowCount() == 0
