"""The box map's legend: what each cell state looks like (drawn by the map's own painter) and the colours of
the sample types or statuses in the box shown."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from biobank_desktop.core.services.storage import BoxMap
from biobank_desktop.ui.widgets.box_map import (
    BLOCKED_FILL,
    EMPTY_FILL,
    HIGHLIGHT_INK,
    SELECT_INK,
    paint_state,
    status_colour,
    type_colour,
)


class BoxMapLegend(QWidget):
    """What the cells mean: the states (drawn exactly as on the map) and the colours of what this box holds."""

    ROW = 23

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boxMapLegend")
        self.colour_by = "type"
        self.keys: list[str] = []
        self.setMinimumWidth(190)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_box(self, box: BoxMap | None, colour_by: str) -> None:
        self.colour_by = colour_by
        values = set()
        for cell in box.cells if box else ():
            if cell.sample_code is not None:
                values.add((cell.sample_type if colour_by == "type" else cell.status) or "?")
        keys = sorted(values)
        if len(keys) != len(self.keys):
            self.updateGeometry()
        self.keys = keys
        self.update()

    def _entries(self) -> list[tuple[str, str, QColor, str]]:
        """(state, text, fill, mark-text) for each line of the legend."""
        grey = QColor("#9fb7d0")
        states = [("empty", self.tr("Empty"), QColor(EMPTY_FILL), ""),
                  ("occupied", self.tr("Tube"), grey, "ID"),
                  ("checked_out", self.tr("Checked out (kept)"), grey.lighter(130), "ID"),
                  ("reserved", self.tr("Reserved"), QColor(EMPTY_FILL), ""),
                  ("blocked", self.tr("Blocked"), QColor(BLOCKED_FILL), ""),
                  ("selected", self.tr("Selected"), grey, ""),
                  ("highlighted", self.tr("Scanned tube"), grey, ""),
                  ("preview", self.tr("Planned (find space)"), QColor(EMPTY_FILL), "")]
        colours = [("occupied", key, type_colour(key) if self.colour_by == "type" else status_colour(key), "")
                   for key in self.keys]
        return states + colours

    def sizeHint(self) -> QSize:
        return QSize(210, 8 + self.ROW * (len(self._entries()) + 1))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        font = QFont(self.font())
        font.setPixelSize(13)
        small = QFont(font)
        small.setPixelSize(8)
        small.setBold(True)
        y = 4
        entries = self._entries()
        for i, (state, text, fill, mark) in enumerate(entries):
            if i == 8:
                painter.setFont(font)
                painter.setPen(QColor("#14181f"))
                title = self.tr("Colour: sample type") if self.colour_by == "type" else self.tr("Colour: status")
                painter.drawText(QRect(0, y + 2, self.width(), self.ROW - 2), int(Qt.AlignmentFlag.AlignLeft), title)
                y += self.ROW
            rect = QRectF(2, y, 20, 20)
            base = state if state in ("empty", "occupied", "checked_out", "reserved", "blocked") else (
                "empty" if state == "preview" else "occupied")
            paint_state(painter, rect, base, fill, text=mark, font=small)
            if state == "selected":
                painter.setPen(QPen(QColor(SELECT_INK), 3))
                painter.drawRect(rect.adjusted(2, 2, -2, -2))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(SELECT_INK))
                painter.drawPolygon(QPolygonF([rect.topLeft(), rect.topLeft() + QPointF(7, 0),
                                               rect.topLeft() + QPointF(0, 7)]))
                painter.setBrush(Qt.BrushStyle.NoBrush)
            elif state == "highlighted":
                painter.setPen(QPen(QColor(HIGHLIGHT_INK), 3))
                painter.drawRect(rect)
            elif state == "preview":
                painter.setPen(QPen(QColor("#0b5cad"), 2, Qt.PenStyle.DashLine))
                painter.drawRect(rect.adjusted(2, 2, -2, -2))
            painter.setFont(font)
            painter.setPen(QColor("#14181f"))
            painter.drawText(QRect(30, y, self.width() - 32, 20),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
            y += self.ROW
