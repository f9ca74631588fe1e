"""Capacity: how full every freezer and rack is, as bars (a warning past the threshold) and as a table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.services.storage import CapacityRow
from biobank_desktop.ui.models.base import ReadOnlyTableModel
from biobank_desktop.ui.operations import file_dialogs
from biobank_desktop.ui.operations.writes import WritingPage
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import button, label, table_view

BAR_KINDS = ("freezer", "refrigerator", "ln2_tank", "room", "rack", "shelf", "drawer")


class CapacityModel(ReadOnlyTableModel[CapacityRow]):
    HEADERS = ("Container", "Kind", "Boxes", "Filled", "Capacity", "Fill", "")
    ALIGN_CELLS = True

    def titles(self) -> Sequence[str]:
        return [self.tr(h) for h in self.HEADERS]

    def right_aligned(self, column: int) -> bool:
        return column in (2, 3, 4, 5)

    def cell(self, item: CapacityRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            warn = self.tr("⚠ over the threshold") if item.over_threshold else ""
            return (item.path, item.kind, item.boxes, item.occupied, item.capacity, f"{round(100 * item.fill)} %",
                    warn)[column]
        if role == Qt.ItemDataRole.ForegroundRole and item.over_threshold and column in (5, 6):
            return QColor("#a4161a")
        return None


class CapacityBars(QWidget):
    """One bar per freezer and rack: filled part dark, the rest light; past the threshold hatched and marked ⚠."""

    ROW = 30

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CapacityRow] = []
        self.threshold = 0.9

    def set_rows(self, rows: Sequence[CapacityRow], threshold: float) -> None:
        self.rows = [r for r in rows if r.kind in BAR_KINDS]
        self.threshold = threshold
        self.setMinimumHeight(self.ROW * len(self.rows) + 10)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, self.ROW * len(self.rows) + 10)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        name_width = min(360, self.width() // 2)
        bar_width = max(100, self.width() - name_width - 90)
        for i, row in enumerate(self.rows):
            y = 4 + i * self.ROW
            indent = 14 * row.path.count(" / ")
            painter.setPen(QColor("#14181f"))
            painter.drawText(QRectF(indent, y, name_width - indent - 8, self.ROW - 6),
                             int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                             row.path.rsplit(" / ", 1)[-1])
            frame = QRectF(name_width, y + 3, bar_width, self.ROW - 12)
            painter.setPen(QPen(QColor("#4a5361"), 1))
            painter.setBrush(QColor("#ffffff"))
            painter.drawRect(frame)
            filled = QRectF(frame.left(), frame.top(), frame.width() * min(1.0, row.fill), frame.height())
            over = row.over_threshold
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#a4161a" if over else "#0b5cad"))
            painter.drawRect(filled)
            if over:
                painter.setBrush(QBrush(QColor("#ffffff"), Qt.BrushStyle.BDiagPattern))
                painter.drawRect(filled)
            mark_x = frame.left() + frame.width() * self.threshold
            painter.setPen(QPen(QColor("#000000"), 2, Qt.PenStyle.DashLine))
            painter.drawLine(int(mark_x), int(frame.top() - 3), int(mark_x), int(frame.bottom() + 3))
            painter.setPen(QColor("#a4161a" if over else "#14181f"))
            text = f"{round(100 * row.fill)} %" + (" ⚠" if over else "")
            painter.drawText(QRectF(frame.right() + 6, y, 84, self.ROW - 6),
                             int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)


class CapacityView(QWidget):
    """The capacity tab: threshold, bars, table, and the capacity exports (.pdf, .xlsx) on the worker."""

    def __init__(self, page: WritingPage, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page, self.session = page, session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(10, 100)
        self.threshold.setSuffix(" %")
        self.threshold.setDecimals(0)
        self.threshold.setValue(90)
        self.threshold.valueChanged.connect(self.reload)
        self.warning = label("", "subtitle", wrap=True)
        self.warning.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.warning.setObjectName("capacityWarning")
        top.addWidget(label(self.tr("Warn above")))
        top.addWidget(self.threshold)
        top.addWidget(self.warning, 1)
        top.addWidget(button(self.tr("Capacity to PDF…"), on_click=lambda: self._export(".pdf")))
        top.addWidget(button(self.tr("Capacity to Excel…"), on_click=lambda: self._export(".xlsx")))
        layout.addLayout(top)
        split = QSplitter(Qt.Orientation.Vertical)
        self.bars = CapacityBars()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.bars)
        self.model = CapacityModel()
        self.table = table_view("capacityTable", self.model, widths=(330, 70, 60, 70, 80, 60, 170))
        split.addWidget(scroll)
        split.addWidget(self.table)
        split.setSizes([340, 260])
        layout.addWidget(split, 1)
        self.rows: list[CapacityRow] = []

    def reload(self) -> None:
        storage, threshold = self.session.services.storage, self.threshold.value() / 100
        self.session.runner.call(lambda: storage.capacity(threshold), on_result=self._loaded,
                                 on_error=self.page.show_error, owner=self)

    def _loaded(self, rows: list[CapacityRow]) -> None:
        self.rows = rows
        threshold = self.threshold.value() / 100
        self.bars.set_rows(rows, threshold)
        self.model.set_rows(rows)
        over = [r for r in rows if r.over_threshold and r.kind in BAR_KINDS]
        if over:
            self.warning.setText(self.tr("⚠ {n} freezer(s) or rack(s) are filled past {t} %: {names}").format(
                n=len(over), t=round(100 * threshold), names=", ".join(r.path for r in over[:4])))
            self.warning.setStyleSheet("color: #a4161a; font-weight: 600;")
        else:
            self.warning.setText(self.tr("No freezer or rack is past the threshold."))
            self.warning.setStyleSheet("")

    def _export(self, suffix: str) -> None:
        path = file_dialogs.save_file(self, self.tr("Capacity"), f"capacity{suffix}")
        if path is not None:
            self.export_to(path)

    def export_to(self, out: Path, on_done: Callable[[Path], None] | None = None) -> None:
        storage, threshold, who = self.session.services.storage, self.threshold.value() / 100, \
            self.session.actor.username

        def done(path: Path) -> None:
            self.page.banner.show_message(self.tr("Capacity written to {p}.").format(p=path), "ok")
            if on_done:
                on_done(path)

        self.session.runner.call(lambda: storage.export_capacity(out, threshold=threshold, printed_by=who),
                                 on_result=done, on_error=self.page.show_error, owner=self,
                                 title=self.tr("Writing the capacity report"))
