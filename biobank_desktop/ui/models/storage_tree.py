"""The storage tree (freezer → rack/shelf → box, any depth) as a lazy Qt item model, and the search results.

The tree's nodes arrive in one read (:meth:`StorageService.tree`, fill levels included), but the model hands
Qt a parent's children only when the view asks for them (``canFetchMore``/``fetchMore`` on expanding), so a
tree of thousands of boxes costs rows only for what is open. Indexes carry the container's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from biobank_desktop.core.services.storage import TreeNode
from biobank_desktop.ui.models.base import ReadOnlyTableModel

AnyIndex = QModelIndex | QPersistentModelIndex
NODE_ROLE = Qt.ItemDataRole.UserRole + 1  # the TreeNode
FILL_ROLE = Qt.ItemDataRole.UserRole + 2  # fill fraction 0..1 (None when the node holds no positions)

KIND_NAMES = {"freezer": "Freezer", "refrigerator": "Fridge", "ln2_tank": "LN2 tank", "room": "Room",
              "rack": "Rack", "shelf": "Shelf", "drawer": "Drawer", "box": "Box", "sbs_rack": "SBS rack"}


def fill_text(node: TreeNode) -> str:
    if not node.capacity:
        return "—"
    return f"{node.occupied}/{node.capacity}"


class StorageTreeModel(QAbstractItemModel):
    """Columns: the container (name, barcode) and its fill level. Children are fetched when expanded."""

    HEADERS = ("Container", "Filled")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._nodes: dict[int, TreeNode] = {}
        self._children: dict[int | None, list[int]] = {}
        self._shown: dict[int | None, int] = {}  # parent id → how many children Qt knows of
        self._row: dict[int, int] = {}

    def set_nodes(self, nodes: Sequence[TreeNode]) -> None:
        self.beginResetModel()
        self._nodes = {n.id: n for n in nodes}
        self._children = {}
        for n in nodes:  # parents before children, in the service's order
            parent = n.parent_id if n.parent_id in self._nodes else None
            siblings = self._children.setdefault(parent, [])
            self._row[n.id] = len(siblings)
            siblings.append(n.id)
        self._shown = {None: len(self._children.get(None, []))}
        self.endResetModel()

    def node(self, index: AnyIndex) -> TreeNode | None:
        return self._nodes.get(index.internalId()) if index.isValid() else None

    def node_by_id(self, node_id: int) -> TreeNode | None:
        return self._nodes.get(node_id)

    def nodes(self) -> list[TreeNode]:
        return list(self._nodes.values())

    def index_of(self, node_id: int) -> QModelIndex:
        """The index of a node, fetching its ancestors' children on the way (for select/expand)."""
        node = self._nodes.get(node_id)
        if node is None:
            return QModelIndex()
        parent_id = node.parent_id if node.parent_id in self._nodes else None
        parent = QModelIndex() if parent_id is None else self.index_of(parent_id)
        if self.canFetchMore(parent):
            self.fetchMore(parent)
        return self.createIndex(self._row[node_id], 0, node_id)

    def _parent_id(self, index: AnyIndex) -> int | None:
        return index.internalId() if index.isValid() else None

    # -- Qt model interface ----------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        pid = self._parent_id(parent)
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        if not 0 <= column < len(self.HEADERS) or not 0 <= row < self._shown.get(pid, 0):
            return QModelIndex()
        return self.createIndex(row, column, self._children[pid][row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self._nodes.get(index.internalId())
        if node is None or node.parent_id is None or node.parent_id not in self._nodes:
            return QModelIndex()
        return self.createIndex(self._row[node.parent_id], 0, node.parent_id)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return self._shown.get(self._parent_id(parent), 0)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return False
        return bool(self._children.get(self._parent_id(parent)))

    def canFetchMore(self, parent: AnyIndex) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        pid = self._parent_id(parent)
        return self._shown.get(pid, 0) < len(self._children.get(pid, []))

    def fetchMore(self, parent: AnyIndex) -> None:
        if not self.canFetchMore(parent):
            return
        pid = self._parent_id(parent)
        have, total = self._shown.get(pid, 0), len(self._children[pid])
        self.beginInsertRows(parent, have, total - 1)
        self._shown[pid] = total
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and \
                0 <= section < len(self.HEADERS):
            return self.tr(self.HEADERS[section])
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
                | Qt.ItemFlag.ItemIsDropEnabled)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None:
            return None
        if role == NODE_ROLE:
            return node
        if role == FILL_ROLE:
            return node.fill if node.capacity else None
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                code = f"  ({node.barcode})" if node.barcode else ""
                retired = self.tr(" — retired") if not node.active else ""
                return f"{node.name}{code}{retired}"
            return fill_text(node)
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = self.tr(KIND_NAMES.get(node.kind, node.kind))
            lines = [f"{kind} {node.name}" + (f" ({node.barcode})" if node.barcode else ""), node.type_name]
            if node.capacity:
                lines.append(self.tr("{occ} of {cap} positions filled ({pct} %) in {boxes} box(es)").format(
                    occ=node.occupied, cap=node.capacity, pct=round(100 * node.fill), boxes=node.boxes))
            if node.temperature_c is not None:
                lines.append(self.tr("Set-point {t} °C").format(t=node.temperature_c))
            if node.status and node.status != "in_service":
                lines.append(self.tr("Status: {s}").format(s=node.status.replace("_", " ")))
            return "\n".join(lines)
        if role == Qt.ItemDataRole.AccessibleTextRole and index.column() == 1:
            return fill_text(node)
        return None


class ContainerSearchModel(ReadOnlyTableModel[TreeNode]):
    """Containers whose name or barcode matched the search box: where they are and how full."""

    HEADERS = ("Container", "Barcode", "Kind", "Filled")

    def __init__(self, path_of: Any = None) -> None:
        super().__init__()
        self.path_of = path_of

    def titles(self) -> Sequence[str]:
        return [self.tr(h) for h in self.HEADERS]

    def cell(self, item: TreeNode, column: int, role: int) -> Any:
        if role == NODE_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            kind = self.tr(KIND_NAMES.get(item.kind, item.kind))
            return (item.name, item.barcode or "", kind, fill_text(item))[column]
        if role == Qt.ItemDataRole.ToolTipRole and self.path_of is not None:
            return self.path_of(item.id)
        return None
