"""The evacuation plan as a picture: the failing freezer's racks and boxes on the left, the racks they go to on the
right, a line from each box to its new place. A box with no room found is hatched and crossed ("no room"), so
the picture reads in grey scale too. Shown beside the plan's table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from biobank_desktop.core.domain.space import EvacuationPlan

ROW = 24
HEADER = 22
GAP = 8


class EvacuationPicture(QWidget):
    """See the module docstring; feed it with :meth:`set_plan`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evacuationPicture")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.plan: EvacuationPlan | None = None
        self.sources: dict[str, list[tuple[str, int, bool]]] = {}  # rack path → [(box, tubes, has room)]
        self.targets: dict[str, list[str]] = {}  # 'path (rack code)' → boxes
        self.links: list[tuple[str, str]] = []  # (box, target key)

    def set_plan(self, plan: EvacuationPlan | None) -> None:
        self.plan = plan
        self.sources, self.targets, self.links = {}, {}, []
        for move in plan.moves if plan else ():
            key = f"{move.to_path} ({move.rack_code})"
            self.sources.setdefault(move.from_path, []).append((move.box_code, move.tubes, True))
            self.targets.setdefault(key, []).append(move.box_code)
            self.links.append((move.box_code, key))
        for box in plan.unplaced if plan else ():
            self.sources.setdefault(box.path, []).append((box.code, box.tubes, False))
        self.setFixedHeight(max(self._height(self.sources), self._height(self.targets)) + HEADER + 2 * GAP)
        self.update()

    @staticmethod
    def _height(groups: Mapping[str, Sequence[object]]) -> int:
        return sum(HEADER + ROW * len(boxes) + GAP for boxes in groups.values())

    def sizeHint(self) -> QSize:
        return QSize(420, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        font = QFont(self.font())
        font.setPixelSize(12)
        bold = QFont(font)
        bold.setBold(True)
        ink = QColor("#14181f")
        width = self.width()
        column = max(120.0, (width - 80) / 2)
        right_x = width - column - 4
        painter.setFont(bold)
        painter.setPen(ink)
        painter.drawText(QRectF(4, 2, column, HEADER), int(Qt.AlignmentFlag.AlignLeft), self.tr("From"))
        painter.drawText(QRectF(right_x, 2, column, HEADER), int(Qt.AlignmentFlag.AlignLeft), self.tr("To"))
        if self.plan is None:
            return
        metrics = QFontMetrics(bold)
        left_at: dict[str, QPointF] = {}
        y = HEADER + GAP
        for path, boxes in self.sources.items():
            painter.setFont(bold)
            painter.setPen(ink)
            painter.drawText(QRectF(4, y, column, HEADER),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             metrics.elidedText(path, Qt.TextElideMode.ElideMiddle, int(column)))
            y += HEADER
            for code, tubes, has_room in boxes:
                rect = QRectF(14, y + 2, column - 10, ROW - 4)
                self._box(painter, rect, code, self.tr("{n} tube(s)").format(n=tubes) if has_room
                          else self.tr("✕ no room"), font, has_room=has_room)
                left_at[code] = QPointF(rect.right(), rect.center().y())
                y += ROW
            y += GAP
        right_at: dict[tuple[str, str], QPointF] = {}
        y = HEADER + GAP
        for key, codes in self.targets.items():
            painter.setFont(bold)
            painter.setPen(ink)
            painter.drawText(QRectF(right_x, y, column, HEADER),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             metrics.elidedText(key, Qt.TextElideMode.ElideMiddle, int(column)))
            y += HEADER
            for code in codes:
                rect = QRectF(right_x + 10, y + 2, column - 10, ROW - 4)
                self._box(painter, rect, code, "", font, has_room=True)
                right_at[(code, key)] = QPointF(rect.left(), rect.center().y())
                y += ROW
            y += GAP
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#0b5cad"), 1.5))
        for code, key in self.links:
            start, end = left_at[code], right_at[(code, key)]
            painter.drawLine(start, end)
            painter.setBrush(QColor("#0b5cad"))
            painter.drawEllipse(end, 3, 3)
            painter.setBrush(Qt.BrushStyle.NoBrush)

    def _box(self, painter: QPainter, rect: QRectF, code: str, note: str, font: QFont, *, has_room: bool) -> None:
        painter.setPen(QPen(QColor("#000000"), 1 if has_room else 2, Qt.PenStyle.SolidLine if has_room
                            else Qt.PenStyle.DashLine))
        painter.setBrush(QColor("#dfe8f3") if has_room else QBrush(QColor("#555555"), Qt.BrushStyle.BDiagPattern))
        painter.drawRect(rect)
        painter.setFont(font)
        painter.setPen(QColor("#14181f"))
        painter.drawText(rect.adjusted(6, 0, -6, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         code)
        if note:
            painter.drawText(rect.adjusted(6, 0, -6, 0),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), note)
