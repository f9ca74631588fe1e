"""The sample page's family view: a sample's ancestors and descendants as a tree (and as a table) from its primary
tube down, with volumes, statuses and positions; what was drawn from it and what is left. A double-click opens a
sample. It reads on its own (``AliquotingService.lineage``) so the sample page only tells it which sample shows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.services.aliquoting import Lineage, LineageNode, LineageRow
from biobank_desktop.ui.formatting import DASH, tr, tr_n, volume
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ROW_HEIGHT, status_text
from biobank_desktop.ui.widgets.common import button, label

COLUMNS = ("Sample", "Kind", "Type", "Volume", "Drawn by children", "Status", "Position")
KIND_TEXT = {"primary": "Primary tube", "aliquot": "Aliquot", "derivative": "Derivative"}


def _cells(row: LineageRow) -> tuple[str, ...]:
    left = volume(row.volume_ul)
    initial = volume(row.initial_volume_ul)
    shown = left if initial in (left, DASH) else f"{left} / {initial}"
    kind = tr("LineageView", KIND_TEXT[row.lineage_kind]) if row.lineage_kind in KIND_TEXT else row.lineage_kind
    return (row.sample_code, kind, row.sample_type, shown,
            volume(row.drawn_ul) if row.drawn_ul else DASH, status_text(row.status), row.position or DASH)


class LineageView(QWidget):
    """See the module docstring. :meth:`show_sample` after the sample page has loaded a sample."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.lineage: Lineage | None = None
        self._token = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.totals = label("", "value", wrap=True, selectable=True)
        self.totals.setObjectName("lineageTotals")
        self.tree_button = self._toggle(self.tr("Tree"), 0)
        self.table_button = self._toggle(self.tr("Table"), 1)
        self.tree_button.setChecked(True)
        top.addWidget(self.totals, 1)
        top.addWidget(self.tree_button)
        top.addWidget(self.table_button)
        layout.addLayout(top)
        self.stack = QStackedWidget()
        self.tree = QTreeWidget()
        self.tree.setObjectName("lineageTree")
        self.tree.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.tree.setUniformRowHeights(True)
        self.tree.setStyleSheet("QTreeView::item { min-height: 30px; }")  # rows a gloved finger can hit
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._open(item.data(0, Qt.ItemDataRole.UserRole)))
        self.tree.itemActivated.connect(lambda item, _c: self._open(item.data(0, Qt.ItemDataRole.UserRole)))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("lineageTable")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setAlternatingRowColors(True)
        self.table.itemDoubleClicked.connect(lambda item: self._open(item.data(Qt.ItemDataRole.UserRole)))
        for header in (self.tree.header(), self.table.horizontalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setStretchLastSection(True)
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.table)
        self.stack.setMinimumHeight(200)
        layout.addWidget(self.stack, 1)

    def as_layout(self) -> QVBoxLayout:
        """This view inside a layout (the sample page's group boxes take layouts)."""
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self)
        return box

    def _toggle(self, text: str, index: int) -> QPushButton:
        widget = button(text)
        widget.setCheckable(True)
        widget.setAutoExclusive(True)
        widget.clicked.connect(lambda: self.stack.setCurrentIndex(index))
        return widget

    def show_sample(self, code: str) -> None:
        """Read ``code``'s family on the worker and show it (a newer request wins over an older answer)."""
        self._token += 1
        token = self._token
        aliquoting = self.session.services.aliquoting

        def shown(lineage: Lineage) -> None:
            if token == self._token:
                self.show_lineage(lineage)

        def failed(exc: BaseException) -> None:
            if token == self._token:
                self.lineage = None
                self.tree.clear()
                self.table.setRowCount(0)
                why = str(exc) if isinstance(exc, BiobankError) else type(exc).__name__
                self.totals.setText(self.tr("The family of {code} cannot be shown: {why}").format(code=code, why=why))

        self.session.runner.call(lambda: aliquoting.lineage(code), on_result=shown, on_error=failed, owner=self)

    def show_lineage(self, lineage: Lineage) -> None:
        self.lineage = lineage
        me = next((r for r in lineage.rows if r.sample_code == lineage.sample_code), None)
        parts = [tr_n("LineageView", "%n ancestor(s)", len(lineage.ancestors)) + ", "
                 + tr_n("LineageView", "%n descendant(s)", len(lineage.descendants))]
        parts.append(self.volume_sum(lineage))
        self.totals.setText(" · ".join(parts))
        bold = QFont(self.font())
        bold.setBold(True)

        self.tree.clear()

        def add(node: LineageNode, under: QTreeWidget | QTreeWidgetItem) -> QTreeWidgetItem:
            item = QTreeWidgetItem(under, list(_cells(node.row)))
            item.setData(0, Qt.ItemDataRole.UserRole, node.row.sample_code)
            if node.row.sample_code == lineage.sample_code:
                for col in range(len(COLUMNS)):
                    item.setFont(col, bold)
                self.tree.setCurrentItem(item)
            for child in node.children:
                add(child, item)
            return item

        add(lineage.root, self.tree)
        self.tree.expandAll()
        self.table.setRowCount(len(lineage.rows))
        for row, entry in enumerate(lineage.rows):
            for col, text in enumerate(_cells(entry)):
                cell = QTableWidgetItem(("    " * entry.depth + text) if col == 0 else text)
                cell.setData(Qt.ItemDataRole.UserRole, entry.sample_code)
                if entry is me:
                    cell.setFont(bold)
                self.table.setItem(row, col, cell)

    def volume_sum(self, lineage: Lineage) -> str:
        """'initial 9 mL = drawn by children 5.5 mL + dead volume 400 µL + left 3.1 mL': the sample's volumes adding
        up exactly (the service's Decimals), any other recorded change named; only what is left when the initial
        volume is not recorded."""
        left = self.tr("left {left}").format(left=volume(lineage.left_ul))
        if lineage.initial_ul is None or lineage.other_ul is None:
            return left
        terms = []
        if lineage.drawn_ul:
            terms.append(self.tr("drawn by children {v}").format(v=volume(lineage.drawn_ul)))
        if lineage.dead_ul:
            terms.append(self.tr("dead volume {v}").format(v=volume(lineage.dead_ul)))
        if lineage.other_ul > 0:
            terms.append(self.tr("other recorded changes {v}").format(v=volume(lineage.other_ul)))
        text = self.tr("initial {v} = ").format(v=volume(lineage.initial_ul)) + " + ".join([*terms, left])
        if lineage.other_ul < 0:
            text += " − " + self.tr("volume added later {v}").format(v=volume(-lineage.other_ul))
        return text

    def _open(self, code: object) -> None:
        if code and (self.lineage is None or code != self.lineage.sample_code):
            self.session.navigate.open_sample(str(code))
