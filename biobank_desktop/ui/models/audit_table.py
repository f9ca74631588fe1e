"""Audit events in a table: the audit trail (paged, newest first) and one sample's history (all of it).

Paging: give the model a ``loader(before_seq) -> events`` and it reads ``page_size`` events at a
time on a worker when the view scrolls to the end (keyset paging on ``seq``, so page 500 costs
what page 1 costs). Without a loader the model shows the events it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from biobank_desktop.core.services.audit import AuditEventInfo
from biobank_desktop.ui.background import JobRunner
from biobank_desktop.ui.formatting import DASH, action_text, audit_changes, local_time
from biobank_desktop.ui.models.base import AnyIndex, PagedTableModel

PageLoader = Callable[[int | None], Sequence[AuditEventInfo]]

HEADERS = ("#", "When", "User", "Workstation", "Action", "Record", "What happened", "Changes", "Reason")
WIDTHS = (64, 170, 110, 140, 170, 170, 320, 360, 240)


def _cell(ev: AuditEventInfo, column: int) -> str:
    if column == 0:
        return str(ev.seq)
    if column == 1:
        return local_time(ev.occurred_at, seconds=True)
    if column == 2:
        return ev.username
    if column == 3:
        return ev.workstation
    if column == 4:
        return action_text(ev.action)
    if column == 5:
        return f"{ev.entity_type} {ev.entity_id}"
    if column == 6:
        return ev.summary
    if column == 7:
        return audit_changes(ev.before, ev.after) or DASH
    return ev.reason or DASH


class AuditEventModel(PagedTableModel[AuditEventInfo]):
    ROW_NUMBERS = True
    ALIGN_CELLS = True

    def __init__(self, runner: JobRunner | None = None, *, page_size: int = 200,
                 columns: Sequence[int] = tuple(range(len(HEADERS)))) -> None:
        super().__init__()
        self.runner = runner
        self.page_size = page_size
        self.columns = tuple(columns)
        self._titles = tuple(HEADERS[c] for c in self.columns)
        self._loader: PageLoader | None = None

    # -- what the pages call --------------------------------------------------------------------------

    def set_events(self, events: Sequence[AuditEventInfo]) -> None:
        """Show exactly these events (a sample's history); no paging."""
        self.beginResetModel()
        self._generation += 1
        self._loader = None
        self._rows = list(events)
        self._exhausted, self._fetching = True, False
        self.endResetModel()

    def set_loader(self, loader: PageLoader) -> None:
        """Browse with ``loader(before_seq)``; reads the first page now."""
        if self.runner is None:
            raise RuntimeError("a paged AuditEventModel needs a JobRunner")
        self.beginResetModel()
        self._generation += 1
        self._loader = loader
        self._rows = []
        self._exhausted, self._fetching = False, False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def event_at(self, row: int) -> AuditEventInfo | None:
        return self.row_at(row)

    @property
    def events(self) -> list[AuditEventInfo]:
        return list(self._rows)

    def column_width(self, section: int) -> int:
        return WIDTHS[self.columns[section]]

    # -- Qt model interface -------------------------------------------------------------------------

    def titles(self) -> tuple[str, ...]:
        return self._titles

    def right_aligned(self, column: int) -> bool:
        return self.columns[column] == 0

    def cell(self, item: AuditEventInfo, column: int, role: int) -> Any:
        column = self.columns[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (6, 7, 8):
            return _cell(item, column)
        if role == Qt.ItemDataRole.UserRole:
            return item.seq
        return None

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._loader is not None and not self._exhausted

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid() or self._loader is None or self._exhausted or self._fetching or self.runner is None:
            return
        self._fetching = True
        self.loading_changed.emit(True)
        generation, loader = self._generation, self._loader
        before = self._rows[-1].seq if self._rows else None
        self.runner.call(lambda: list(loader(before)), on_result=lambda evs: self._arrived(generation, evs),
                         on_error=lambda exc: self._page_failed(generation, exc), owner=self)

    def _arrived(self, generation: int, events: list[AuditEventInfo]) -> None:
        if generation != self._generation:
            return
        if len(events) < self.page_size:
            self._exhausted = True
        if events:
            first = len(self._rows)
            # Still "fetching" while inserting: views and testers call fetchMore from inside the insert.
            self.beginInsertRows(QModelIndex(), first, first + len(events) - 1)
            self._rows.extend(events)
            self.endInsertRows()
        self._fetching = False
        self.loading_changed.emit(False)
