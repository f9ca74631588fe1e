"""The read-only table models' common part: rows in a list, column titles, flags, the bounds check;
and, for the models that read their rows a page at a time on a worker, the paging state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, Signal

AnyIndex = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


class ReadOnlyTableModel(QAbstractTableModel, Generic[T]):
    """A flat, read-only table over ``self._rows``; subclasses say what each cell shows.

    The horizontal header shows :meth:`titles` (``HEADERS`` unless overridden); with ``ROW_NUMBERS`` the
    vertical header numbers the rows from 1. With ``ALIGN_CELLS`` every cell is vertically centred and
    left-aligned, or right-aligned where :meth:`right_aligned` says so. :meth:`data` checks the index and
    hands every other role to :meth:`cell_at` (the row's number) and, by default, :meth:`cell` (the row).
    """

    HEADERS: tuple[str, ...] = ()
    ROW_NUMBERS = False
    ALIGN_CELLS = False

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[T] = []

    def titles(self) -> Sequence[str]:
        return self.HEADERS

    def right_aligned(self, column: int) -> bool:
        return False

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def cell_at(self, row: int, column: int, role: int) -> Any:
        return self.cell(self._rows[row], column, role)

    def cell(self, item: T, column: int, role: int) -> Any:
        raise NotImplementedError

    # -- Qt model interface -------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.titles())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = self.titles()
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(titles):
            return QCoreApplication.translate("TableHeaders", titles[section])
        if orientation == Qt.Orientation.Vertical and self.ROW_NUMBERS:
            return section + 1
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self.titles()):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and self.ALIGN_CELLS:
            right = self.right_aligned(index.column())
            horizontal = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return self.cell_at(index.row(), index.column(), role)


class PagedTableModel(ReadOnlyTableModel[T]):
    """A read-only table whose rows arrive a page at a time (``canFetchMore``/``fetchMore`` in the subclass).

    ``_generation`` is bumped by every new browse: a page that arrives for an older one is dropped.
    """

    loading_changed = Signal(bool)  # True while a page is being read
    load_failed = Signal(object)  # the exception

    def __init__(self) -> None:
        super().__init__()
        self._exhausted = True
        self._fetching = False
        self._generation = 0

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    @property
    def fetching(self) -> bool:
        return self._fetching

    def _page_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self.loading_changed.emit(False)
        self.load_failed.emit(exc)
