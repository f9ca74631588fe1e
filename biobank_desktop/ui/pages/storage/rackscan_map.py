"""The map of a rack-scan reconciliation: the rack's grid with each position's outcome, and its legend.

Every outcome has its own fill, mark and border, so the map reads on a grey-scale screen or print:

- **confirmed**: light fill, "✓", thin border;
- **moved**: mid-tone fill, "→", a thick border;
- **unexpected**: white with diagonal hatching, "?", a solid border;
- **missing** (expected, not seen): white, "—", a dashed border (a position where a missing tube was expected
  and another tube now stands shows the other tube with a dashed inner frame);
- **unreadable**: black, a white "!" — the positions the technician must resolve;
- **left as it is** (an unreadable tube the technician marked): dark grey, "=";
- **empty**: white, the position in light grey;
- **checked out** (at the bench, absent as expected; left untouched): white, "↗", a dotted border;
- **checked in** (a checked-out tube seen back in its place; accepting checks it in): light fill, "↩", a
  dash-dot border.

The selected position has a thick black frame and a filled corner. The widget only shows and reports clicks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from biobank_desktop.core.domain.reconcile import Outcome, ReconItem

Cell = tuple[int, int]
LEFT = "left"  # an unreadable tube the technician marked to leave as it is (not an Outcome: it has no item)

#: state → (fill, mark, border pen style, border width, hatched)
STYLES: dict[str, tuple[str, str, Qt.PenStyle, int, bool]] = {
    Outcome.CONFIRMED.value: ("#cfe9d6", "✓", Qt.PenStyle.SolidLine, 1, False),
    Outcome.MOVED.value: ("#6f9fd8", "→", Qt.PenStyle.SolidLine, 4, False),
    Outcome.UNEXPECTED.value: ("#ffffff", "?", Qt.PenStyle.SolidLine, 2, True),
    Outcome.MISSING.value: ("#ffffff", "—", Qt.PenStyle.DashLine, 2, False),
    Outcome.UNREADABLE.value: ("#111111", "!", Qt.PenStyle.SolidLine, 2, False),
    LEFT: ("#6b6b6b", "=", Qt.PenStyle.SolidLine, 2, False),
    Outcome.EMPTY.value: ("#ffffff", "", Qt.PenStyle.SolidLine, 1, False),
    Outcome.CHECKED_OUT.value: ("#ffffff", "↗", Qt.PenStyle.DotLine, 2, False),
    Outcome.CHECKED_IN.value: ("#e3d7f2", "↩", Qt.PenStyle.DashDotLine, 2, False),
}
ORDER = (Outcome.CONFIRMED.value, Outcome.MOVED.value, Outcome.UNEXPECTED.value, Outcome.MISSING.value,
         Outcome.CHECKED_OUT.value, Outcome.CHECKED_IN.value, Outcome.UNREADABLE.value, LEFT, Outcome.EMPTY.value)
_HATCH = QBrush(QColor("#777777"), Qt.BrushStyle.BDiagPattern)
_MUTED = QColor("#9aa3ae")


def short_code(code: str | None) -> str:
    """The last 6 characters of a tube code: what fits a cell of a 96-well rack (the list shows it whole)."""
    return (code or "")[-6:]


def paint_outcome(painter: QPainter, rect: QRectF, state: str, *, text: str = "", font: QFont | None = None,
                  muted_text: str = "", missing_too: bool = False) -> None:
    """One position drawn in ``state`` (see the module docstring); the legend uses the same function."""
    fill, mark, style, width, hatched = STYLES[state]
    colour = QColor(fill)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRect(rect)
    if hatched:
        painter.setBrush(_HATCH)
        painter.drawRect(rect)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor("#000000") if state != Outcome.EMPTY.value else QColor("#8d96a3"), width, style))
    inset = width / 2
    painter.drawRect(rect.adjusted(inset, inset, -inset, -inset))
    if missing_too:
        painter.setPen(QPen(QColor("#000000"), 2, Qt.PenStyle.DashLine))
        painter.drawRect(rect.adjusted(6, 6, -6, -6))
    if font is None:
        return
    dark = colour.lightness() < 128
    ink = QColor("#ffffff") if dark else QColor("#000000")
    big = QFont(font)
    big.setPixelSize(max(9, int(font.pixelSize() * 1.5)))
    big.setBold(True)
    box = rect.adjusted(2, 2, -2, -2)
    if mark and text:
        painter.setFont(big)
        painter.setPen(ink)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), mark)
        painter.setFont(font)
        painter.drawText(box.adjusted(0, box.height() * 0.45, 0, 0),
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), text)
    elif mark:
        painter.setFont(big)
        painter.setPen(ink)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), mark)
    elif muted_text:
        painter.setFont(font)
        painter.setPen(_MUTED)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), muted_text)


class RackScanMap(QWidget):
    """The rack's grid with each position's outcome; feed it with :meth:`set_result`."""

    position_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rackScanMap")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 240)
        self.setMouseTracking(True)
        self.rows = 0
        self.columns = 0
        self.labels: dict[Cell, str] = {}
        self.items: dict[Cell, list[ReconItem]] = {}
        self.left: set[Cell] = set()
        self.selected: Cell | None = None

    def set_result(self, rows: int, columns: int, labels: Mapping[Cell, str], items: Iterable[ReconItem],
                   left: Iterable[Cell] = ()) -> None:
        self.rows, self.columns, self.labels = rows, columns, dict(labels)
        self.items = {}
        for item in items:
            self.items.setdefault((item.row, item.col), []).append(item)
        self.left = set(left)
        self.update()

    def clear(self) -> None:
        self.set_result(0, 0, {}, ())
        self.selected = None

    def select(self, cell: Cell | None) -> None:
        self.selected = cell
        self.update()

    def state_of(self, cell: Cell) -> tuple[str, bool]:
        """(the state drawn at ``cell``, whether a missing tube was also expected there)."""
        items = self.items.get(cell, [])
        present = [i for i in items if i.outcome is not Outcome.MISSING]
        missing = len(present) < len(items)
        if present:
            return present[0].outcome.value, missing
        if missing:
            return Outcome.MISSING.value, False
        return (LEFT if cell in self.left else Outcome.EMPTY.value), False

    # -- geometry --------------------------------------------------------------------------------------------

    def _geometry(self) -> tuple[float, float, float]:
        space = 26.0
        width, height = self.width() - space - 6, self.height() - space - 6
        size = max(8.0, min(width / max(1, self.columns), height / max(1, self.rows)))
        return space + (width - size * self.columns) / 2, space + (height - size * self.rows) / 2, size

    def cell_rect(self, row: int, col: int) -> QRectF:
        left, top, size = self._geometry()
        return QRectF(left + (col - 1) * size, top + (row - 1) * size, size, size)

    def cell_at(self, point: QPointF) -> Cell | None:
        if not self.rows:
            return None
        left, top, size = self._geometry()
        row, col = int((point.y() - top) // size) + 1, int((point.x() - left) // size) + 1
        return (row, col) if 1 <= row <= self.rows and 1 <= col <= self.columns else None

    def sizeHint(self) -> QSize:
        return QSize(620, 440)

    # -- painting --------------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#f4f6f9"))
        if not self.rows:
            painter.setPen(QColor("#4a5361"))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             self.tr("Import a rack-scanner file: each position of the rack appears here with "
                                     "what the scan found."))
            return
        left, top, size = self._geometry()
        font = QFont(self.font())
        pixels = 13
        while pixels > 7:  # the largest font with which 6 digits fit the cell
            font.setPixelSize(pixels)
            if QFontMetrics(font).horizontalAdvance("000000") <= size - 8 and pixels * 3.2 <= size:
                break
            pixels -= 1
        axis = QFont(self.font())
        axis.setPixelSize(12)
        painter.setFont(axis)
        painter.setPen(QColor("#14181f"))
        for col in range(1, self.columns + 1):
            painter.drawText(QRectF(left + (col - 1) * size, top - 22, size, 20), int(Qt.AlignmentFlag.AlignCenter),
                             str(col))
        for row in range(1, self.rows + 1):
            painter.drawText(QRectF(left - 26, top + (row - 1) * size, 22, size), int(Qt.AlignmentFlag.AlignCenter),
                             chr(64 + row) if row <= 26 else str(row))
        for row in range(1, self.rows + 1):
            for col in range(1, self.columns + 1):
                cell = (row, col)
                rect = QRectF(left + (col - 1) * size, top + (row - 1) * size, size, size)
                state, missing_too = self.state_of(cell)
                items = [i for i in self.items.get(cell, []) if i.outcome is not Outcome.MISSING] or \
                    self.items.get(cell, [])
                code = items[0].tube_code or items[0].sample_code if items else None
                paint_outcome(painter, rect, state, text=short_code(code), font=font,
                              muted_text=self.labels.get(cell, ""), missing_too=missing_too)
        if self.selected is not None and 1 <= self.selected[0] <= self.rows and 1 <= self.selected[1] <= self.columns:
            rect = self.cell_rect(*self.selected)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.drawRect(rect.adjusted(-4, -4, 4, 4))
            painter.setPen(QPen(QColor("#000000"), 4))
            painter.drawRect(rect.adjusted(-2, -2, 2, 2))
            corner = size * 0.3
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#000000"))
            painter.drawPolygon(QPolygonF([rect.topLeft(), rect.topLeft() + QPointF(corner, 0),
                                           rect.topLeft() + QPointF(0, corner)]))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.select(cell)
            self.position_clicked.emit(*cell)

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QHelpEvent.Type.ToolTip:
            cell = self.cell_at(QPointF(event.pos()))
            if cell is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(cell), self)
            return True
        return super().event(event)  # type: ignore[arg-type]

    def describe(self, cell: Cell) -> str:
        label = self.labels.get(cell, "")
        lines = [f"<b>{label}</b>"]
        for item in self.items.get(cell, []):
            lines.append(describe_item(self, item))
        if cell in self.left:
            lines.append(self.tr("Unreadable tube, left as it is"))
        if len(lines) == 1:
            lines.append(self.tr("Empty well"))
        return "<br>".join(lines)


def describe_item(widget: QWidget, item: ReconItem) -> str:
    """One outcome in words (tooltip and list)."""
    tr = widget.tr
    hand = tr(" (scanned by hand)") if item.resolved_by_hand else ""
    if item.outcome is Outcome.CONFIRMED:
        return tr("Confirmed: {code} is {sample}{hand}").format(code=item.tube_code, sample=item.sample_code,
                                                                hand=hand)
    if item.outcome is Outcome.MOVED:
        return tr("Moved: {code} ({sample}) was at {where}{hand}").format(
            code=item.tube_code, sample=item.sample_code, where=item.previously, hand=hand)
    if item.outcome is Outcome.UNEXPECTED:
        return tr("Unexpected: {code} is not known to the database{hand}").format(code=item.tube_code, hand=hand)
    if item.outcome is Outcome.MISSING:
        return tr("Missing: {sample} was expected here, not seen in the scan").format(sample=item.sample_code)
    if item.outcome is Outcome.CHECKED_OUT:
        return tr("Checked out: {sample} is out of its place, as expected; left as it is").format(
            sample=item.sample_code)
    if item.outcome is Outcome.CHECKED_IN:
        return tr("Back: {code} ({sample}) was checked out; accepting checks it in{hand}").format(
            code=item.tube_code, sample=item.sample_code, hand=hand)
    if item.outcome is Outcome.UNREADABLE:
        return tr("Unreadable: a tube is here but its code was not read")
    return tr("Empty well")


class RackScanLegend(QWidget):
    """Each outcome as drawn on the map, with how many positions have it."""

    ROW = 26

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rackScanLegend")
        self.counts: dict[str, int] = {}
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def names(self) -> dict[str, str]:
        return {Outcome.CONFIRMED.value: self.tr("Confirmed"), Outcome.MOVED.value: self.tr("Moved here"),
                Outcome.UNEXPECTED.value: self.tr("Unexpected (unknown code)"),
                Outcome.MISSING.value: self.tr("Missing (expected, not seen)"),
                Outcome.CHECKED_OUT.value: self.tr("Checked out, as expected"),
                Outcome.CHECKED_IN.value: self.tr("Back from check-out (checked in)"),
                Outcome.UNREADABLE.value: self.tr("Unreadable (to resolve)"),
                LEFT: self.tr("Unreadable, left as it is"), Outcome.EMPTY.value: self.tr("Empty well")}

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(250, 6 + self.ROW * len(ORDER))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        font = QFont(self.font())
        font.setPixelSize(13)
        small = QFont(font)
        small.setPixelSize(9)
        names = self.names()
        y = 3
        for state in ORDER:
            paint_outcome(painter, QRectF(2, y, 22, 22), state, font=small)
            painter.setFont(font)
            painter.setPen(QColor("#14181f"))
            painter.drawText(QRect(32, y, self.width() - 80, 22),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), names[state])
            count = self.counts.get(state)
            if count is not None:
                bold = QFont(font)
                bold.setBold(True)
                painter.setFont(bold)
                painter.drawText(QRect(self.width() - 46, y, 44, 22),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(count))
            y += self.ROW
