"""The search result table: lazy, so a million matching samples cost what a hundred cost.

The model holds the matching sample ids (a page of ``PAGE_SIZE`` at a time, fetched with keyset
paging when the view scrolls near the end: ``canFetchMore``/``fetchMore``) and a bounded cache of
table rows. A row not in the cache shows '…' and its block is read on a worker; ``dataChanged``
repaints it when it arrives. Every database read runs on a worker, never on the GUI thread.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from biobank_desktop.core.services.dto import SampleRow
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.ui.background import JobRunner
from biobank_desktop.ui.formatting import DASH, local_time, volume
from biobank_desktop.ui.models.base import AnyIndex, PagedTableModel
from biobank_desktop.ui.theme import STATUS_COLOURS, status_text

PAGE_SIZE = 500
BLOCK_SIZE = 200
CACHE_ROWS = 10_000
LOADING = "…"


class SampleSource(Protocol):
    """What the model reads through: :class:`QueryService` in the application, a fake in tests."""

    def search_ids(self, criteria: SampleCriteria, *, before_id: int | None = None,
                   limit: int = 500) -> list[int]: ...

    def rows(self, ids: Sequence[int]) -> list[SampleRow]: ...


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[SampleRow], str]
    align_right: bool = False
    width: int = 120


COLUMNS: tuple[Column, ...] = (
    Column("Sample ID", lambda r: r.sample_code, width=190),
    Column("Study", lambda r: r.study, width=82),
    Column("Participant", lambda r: r.participant or DASH, width=112),
    Column("Type", lambda r: r.sample_type, width=62),
    Column("Volume", lambda r: volume(r.volume_ul), align_right=True, width=92),
    Column("Status", lambda r: status_text(r.status), width=108),
    Column("Site", lambda r: r.site or DASH, width=76),
    Column("Collected", lambda r: local_time(r.collected_at), width=146),
    Column("Received", lambda r: local_time(r.received_at), width=146),
    Column("Kind", lambda r: r.lineage_kind.capitalize(), width=72),
)
STATUS_COLUMN = 5


class SampleTableModel(PagedTableModel[int]):
    """The rows are the matching sample ids; their table rows are in the cache (or on their way)."""

    HEADERS = tuple(column.title for column in COLUMNS)
    ROW_NUMBERS = True
    ALIGN_CELLS = True

    page_loaded = Signal(int)  # rows now loaded

    def __init__(self, source: SampleSource, runner: JobRunner, *, page_size: int = PAGE_SIZE,
                 block_size: int = BLOCK_SIZE, cache_rows: int = CACHE_ROWS) -> None:
        super().__init__()
        self.source = source
        self.runner = runner
        self.page_size = page_size
        self.block_size = block_size
        self.cache_rows = cache_rows
        self._criteria: SampleCriteria | None = None
        self._cache: OrderedDict[int, SampleRow] = OrderedDict()
        self._pending_blocks: set[int] = set()
        self._row_epoch = 0  # bumped by refresh_rows: blocks read before it are stale

    # -- what the page calls ------------------------------------------------------------------------

    def set_criteria(self, criteria: SampleCriteria) -> None:
        """Start a new search: clear the table and read the first page."""
        self.beginResetModel()
        self._generation += 1
        self._criteria = criteria
        self._rows = []
        self._cache.clear()
        self._pending_blocks.clear()
        self._exhausted = False
        self._fetching = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def refresh_rows(self) -> None:
        """Forget the cached rows (another workstation changed something); visible rows reload."""
        if not self._rows:
            return
        self._cache.clear()
        self._pending_blocks.clear()
        self._row_epoch += 1
        self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    @property
    def criteria(self) -> SampleCriteria | None:
        return self._criteria

    def sample_id(self, row: int) -> int | None:
        return self.row_at(row)

    def sample_row(self, row: int) -> SampleRow | None:
        sid = self.sample_id(row)
        return None if sid is None else self._cache.get(sid)

    def sample_code(self, row: int) -> str | None:
        found = self.sample_row(row)
        return found.sample_code if found is not None else None

    # -- Qt model interface -------------------------------------------------------------------------

    def right_aligned(self, column: int) -> bool:
        return COLUMNS[column].align_right

    def cell_at(self, row: int, column: int, role: int) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.UserRole,
                        Qt.ItemDataRole.ToolTipRole):
            return None
        sid = self._rows[row]
        found = self._cache.get(sid)
        if found is None:
            self._request_block(row // self.block_size)
            return LOADING if role == Qt.ItemDataRole.DisplayRole else None
        self._cache.move_to_end(sid)
        if role == Qt.ItemDataRole.UserRole:
            return found.sample_code
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == STATUS_COLUMN:
                return QColor(STATUS_COLOURS.get(found.status, ("#14181f", ""))[0])
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{found.sample_code} — double-click or press Enter to open" if column == 0 else None
        return COLUMNS[column].text(found)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._criteria is not None and not self._exhausted

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid() or self._criteria is None or self._exhausted or self._fetching:
            return
        self._fetching = True
        self.loading_changed.emit(True)
        generation, criteria = self._generation, self._criteria
        before = self._rows[-1] if self._rows else None
        source, limit = self.source, self.page_size

        def work() -> tuple[list[int], list[SampleRow]]:
            ids = source.search_ids(criteria, before_id=before, limit=limit)
            return ids, source.rows(ids)

        self.runner.call(work, on_result=lambda r: self._page_arrived(generation, r),
                         on_error=lambda exc: self._page_failed(generation, exc), owner=self)

    # -- results from the worker --------------------------------------------------------------------

    def _page_arrived(self, generation: int, result: tuple[list[int], list[SampleRow]]) -> None:
        if generation != self._generation:
            return  # a newer search replaced this one
        ids, rows = result
        if len(ids) < self.page_size:
            self._exhausted = True
        if ids:
            first = len(self._rows)
            # Still "fetching" while inserting: views and testers call fetchMore from inside the insert.
            self.beginInsertRows(QModelIndex(), first, first + len(ids) - 1)  # last row, not one past it
            self._rows.extend(ids)
            self._remember(rows)
            self.endInsertRows()
        self._fetching = False
        self.loading_changed.emit(False)
        self.page_loaded.emit(len(self._rows))

    def _request_block(self, block: int) -> None:
        if block in self._pending_blocks:
            return
        self._pending_blocks.add(block)
        start = block * self.block_size
        ids = self._rows[start:start + self.block_size]
        key, source = (self._generation, self._row_epoch), self.source
        self.runner.call(lambda: source.rows(ids), on_result=lambda rows: self._block_arrived(key, block, rows),
                         on_error=lambda exc: self._block_failed(key, exc), owner=self)

    def _block_arrived(self, key: tuple[int, int], block: int, rows: list[SampleRow]) -> None:
        if key != (self._generation, self._row_epoch):
            return
        self._pending_blocks.discard(block)
        self._remember(rows)
        start = block * self.block_size
        last = min(start + self.block_size, len(self._rows)) - 1
        if last >= start:
            self.dataChanged.emit(self.index(start, 0), self.index(last, len(COLUMNS) - 1))

    def _block_failed(self, key: tuple[int, int], exc: BaseException) -> None:
        if key == (self._generation, self._row_epoch):
            self.load_failed.emit(exc)
            # left in _pending_blocks on purpose: no retry storm while the database is away;
            # refresh_rows() (Refresh, or the connection coming back) clears it.

    def _remember(self, rows: Sequence[SampleRow]) -> None:
        for row in rows:
            self._cache[row.id] = row
            self._cache.move_to_end(row.id)
        while len(self._cache) > self.cache_rows:
            self._cache.popitem(last=False)
