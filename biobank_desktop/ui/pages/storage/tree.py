"""The storage tree view: fill bars on every node, boxes and racks dragged onto other containers, tubes dropped
onto a box. It only reports drops; the page confirms and writes."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView, QWidget

from biobank_desktop.core.services.storage import TreeNode
from biobank_desktop.ui.models.storage_tree import FILL_ROLE, NODE_ROLE, StorageTreeModel
from biobank_desktop.ui.theme import ROW_HEIGHT
from biobank_desktop.ui.widgets.box_map import TUBES_MIME

CONTAINER_MIME = "application/x-biobank-container"  # the dragged container's id, as text


class FillDelegate(QStyledItemDelegate):
    """The fill column: a bar (dark part filled) with the count written over it."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), ROW_HEIGHT - 4))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        fill = index.data(FILL_ROLE)
        if fill is None or index.column() != 1:
            super().paint(painter, option, index)
            return
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        rect: QRect = option.rect.adjusted(4, 3, -4, -3)
        painter.setPen(QPen(QColor("#4a5361"), 1))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRect(rect)
        width = int((rect.width() - 1) * min(1.0, float(fill)))
        done = QRect(rect.left() + 1, rect.top() + 1, width, rect.height() - 1)
        painter.fillRect(done, QColor("#f2a0a2") if fill >= 0.9 else QColor("#a9cdf0"))
        painter.setPen(QColor("#14181f"))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), str(index.data(Qt.ItemDataRole.DisplayRole)))
        painter.restore()


class StorageTreeView(QTreeView):
    tubes_dropped = Signal(object, object)  # TUBES_MIME payload (dict), target TreeNode
    container_dropped = Signal(int, object)  # dragged container id, target TreeNode

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storageTree")
        self.setUniformRowHeights(True)
        self.setIndentation(16)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setItemDelegate(FillDelegate(self))

    def storage_model(self) -> StorageTreeModel:
        model = self.model()
        assert isinstance(model, StorageTreeModel)
        return model

    def current_node(self) -> TreeNode | None:
        node = self.currentIndex().data(NODE_ROLE)
        return node if isinstance(node, TreeNode) else None

    def startDrag(self, supported: Qt.DropAction) -> None:
        node = self.current_node()
        if node is None or node.parent_id is None:  # freezers stay where they are
            return
        mime = QMimeData()
        mime.setData(CONTAINER_MIME, QByteArray(str(node.id).encode()))
        mime.setText(node.barcode or node.name)
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.MoveAction)

    def _target(self, event: QDragMoveEvent | QDropEvent) -> TreeNode | None:
        node = self.indexAt(event.position().toPoint()).data(NODE_ROLE)
        return node if isinstance(node, TreeNode) else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(TUBES_MIME) or event.mimeData().hasFormat(CONTAINER_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)
        if self._target(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        target = self._target(event)
        mime = event.mimeData()
        if target is None:
            event.ignore()
            return
        event.acceptProposedAction()
        if mime.hasFormat(TUBES_MIME):
            self.tubes_dropped.emit(json.loads(bytes(mime.data(TUBES_MIME).data()).decode()), target)
        elif mime.hasFormat(CONTAINER_MIME):
            self.container_dropped.emit(int(bytes(mime.data(CONTAINER_MIME).data()).decode()), target)
