"""The box map: a box drawn as its grid at true proportions (square cells), the technician's main view.

Each cell shows the tube's short ID, filled with the colour of its sample type or status (``colour_by``). The
states that matter at the bench never rely on colour alone, so they survive a grey-scale screen or print:

- **empty**: white, thin border, the position label in light grey;
- **checked out** (position kept): the tube's colour washed out, diagonal hatching, a dashed border, "OUT";
- **blocked**: dark, crossed out, "✕";
- **reserved**: white with dense dots and a dotted border, "R";
- **selected**: a thick black inner frame and a filled corner triangle;
- **highlighted** (the tube just scanned): a thick double ring; **preview** (find space): a dashed frame and "+";
- the keyboard cursor: a dotted focus frame.

The widget only shows and reports: clicks, Enter, double-clicks, drags and drops become signals; the page
decides what they mean. Cells are ``(row, col)`` pairs, 1-based, as in :class:`BoxMap`.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

from biobank_desktop.core.services.storage import BoxMap, CellInfo

#: the mime type of tubes dragged out of a box map: JSON {"box": code, "tubes": [[sample, row, col], ...],
#: "anchor": [row, col]} (the cell the drag started from)
TUBES_MIME = "application/x-biobank-tubes"

Cell = tuple[int, int]

TYPE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                "#9c755f", "#86bcb6", "#d37295", "#a0cbe8")
STATUS_COLOURS = {"available": "#59a14f", "reserved": "#edc948", "expected": "#a0cbe8", "in_transit": "#76b7b2",
                  "quarantined": "#e15759", "consumed": "#bab0ac", "shipped": "#9c755f", "discarded": "#79706e",
                  "voided": "#79706e"}
EMPTY_FILL = "#ffffff"
GRID_LINE = "#8d96a3"
BLOCKED_FILL = "#3b3f46"
SELECT_INK = "#000000"
HIGHLIGHT_INK = "#0b5cad"
FLASH_OK = "#17a34a"
FLASH_ERROR = "#d11a1f"


_COLOURS: dict[tuple[str, str], QColor] = {}


def type_colour(sample_type: str) -> QColor:
    """A stable colour per sample type (the same in every box and every session)."""
    key = ("type", sample_type)
    if key not in _COLOURS:
        _COLOURS[key] = QColor(TYPE_COLOURS[zlib.crc32(sample_type.encode()) % len(TYPE_COLOURS)])
    return _COLOURS[key]


def status_colour(status: str) -> QColor:
    key = ("status", status)
    if key not in _COLOURS:
        _COLOURS[key] = QColor(STATUS_COLOURS.get(status, TYPE_COLOURS[zlib.crc32(status.encode()) %
                                                                      len(TYPE_COLOURS)]))
    return _COLOURS[key]


def ink_for(fill: QColor) -> QColor:
    """Black or white text, whichever reads better on ``fill``."""
    luminance = 0.299 * fill.red() + 0.587 * fill.green() + 0.114 * fill.blue()
    return QColor("#000000") if luminance > 140 else QColor("#ffffff")


def cell_fill(cell: CellInfo, colour_by: str) -> QColor:
    if cell.sample_code is None:
        return QColor(BLOCKED_FILL) if cell.hold == "blocked" else QColor(EMPTY_FILL)
    key = (cell.sample_type or "?") if colour_by == "type" else (cell.status or "?")
    colour = type_colour(key) if colour_by == "type" else status_colour(key)
    if cell.checked_out:
        colour = colour.lighter(160)
    return colour


_BLACK = QColor("#000000")
_WHITE = QColor("#ffffff")
_MUTED = QColor("#9aa3ae")
_BORDERS = {"checked_out": QPen(_BLACK, 2, Qt.PenStyle.DashLine), "blocked": QPen(_BLACK, 2),
            "reserved": QPen(_BLACK, 2, Qt.PenStyle.DotLine), "occupied": QPen(QColor("#333333"), 1)}
_THIN = QPen(QColor(GRID_LINE), 1)
_CROSS = QPen(_WHITE, 2)
_HATCH = QBrush(_BLACK, Qt.BrushStyle.BDiagPattern)
_DOTS = QBrush(QColor("#555555"), Qt.BrushStyle.Dense6Pattern)
_MARKS = {"checked_out": "OUT", "reserved": "R"}
_TOP = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
_INK: dict[int, QColor] = {}


def paint_state(painter: QPainter, rect: QRectF, state: str, fill: QColor, *, text: str = "",
                font: QFont | None = None, muted_text: str = "") -> None:
    """One cell's body in ``state`` (see the module docstring); shared with the legend so both always agree.

    Leaves the painter's pen, brush and font changed (the caller sets what it needs next)."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRect(rect)
    if state == "checked_out":
        painter.setBrush(_HATCH)
        painter.drawRect(rect)
    elif state == "blocked":
        painter.setPen(_CROSS)
        inset = rect.adjusted(4, 4, -4, -4)
        painter.drawLine(inset.topLeft(), inset.bottomRight())
        painter.drawLine(inset.topRight(), inset.bottomLeft())
    elif state == "reserved":
        painter.setBrush(_DOTS)
        painter.drawRect(rect)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_BORDERS.get(state, _THIN))
    painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
    if font is None:
        return
    mark = _MARKS.get(state, "")
    painter.setFont(font)
    if text:
        if state == "checked_out":
            painter.setPen(_BLACK)
        else:
            rgb = fill.rgb()
            if rgb not in _INK:
                _INK[rgb] = ink_for(fill)
            painter.setPen(_INK[rgb])
        box = rect.adjusted(2, 2, -2, -2)
        if mark:  # the mark on top, the ID below it
            painter.drawText(box, _TOP, mark)
            box = box.adjusted(0, box.height() * 0.22, 0, 0)
        painter.drawText(box, _CENTRE, fit_text(text, font, box.width()))
    elif mark:
        big = QFont(font)
        big.setPixelSize(max(8, int(font.pixelSize() * 1.5)))
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(_BLACK)
        painter.drawText(rect, _CENTRE, mark)
    elif muted_text:
        painter.setPen(_MUTED)
        painter.drawText(rect, _CENTRE, muted_text)


def fit_text(text: str, font: QFont, width: float) -> str:
    """Each line of ``text`` as it fits ``width``: a line too long loses its START ('…0036O'), never its end —
    the end of an ID tells tubes apart, and a line cut at both edges ('000036O' read as '000036C') misleads."""
    metrics = QFontMetricsF(font)
    return "\n".join(line if metrics.horizontalAdvance(line) <= width
                     else metrics.elidedText(line, Qt.TextElideMode.ElideLeft, width)
                     for line in text.split("\n"))


def cell_text(cell: CellInfo) -> str:
    """The short ID on two lines ('000123' / 'A01') so it fits a cell of a 12 × 12 box."""
    short = cell.short_id or cell.sample_code or ""
    head, sep, tail = short.rpartition("-")
    return f"{head}\n{tail}" if sep and head else short


class BoxMapWidget(QWidget):
    """See the module docstring. Feed it with :meth:`set_box`; it never reads the database."""

    current_changed = Signal(object)  # CellInfo under the keyboard cursor (a click moves it too)
    cell_activated = Signal(object)  # CellInfo: double-click or Enter
    selection_changed = Signal()
    context_menu_requested = Signal(object, QPoint)  # CellInfo, global position
    tubes_dropped = Signal(object, int, int)  # the TUBES_MIME payload (dict), target row, target col

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boxMap")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 320)
        self.setAccessibleName(self.tr("Box map"))
        self.box: BoxMap | None = None
        self.colour_by = "type"
        self.current: Cell | None = None
        self.selected: set[Cell] = set()
        self.highlighted: Cell | None = None
        self.preview: set[Cell] = set()
        self._flash: dict[Cell, tuple[QColor, int]] = {}
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(120)
        self._flash_timer.timeout.connect(self._flash_step)
        self._press: QPoint | None = None
        self._drop_target: Cell | None = None
        self._fonts: dict[int, QFont] = {}
        self._grid: QPixmap | None = None
        self._grid_key: tuple[object, ...] | None = None

    # -- what is shown -------------------------------------------------------------------------------------

    def set_box(self, box: BoxMap | None, *, keep_state: bool = False) -> None:
        """Show ``box``; ``keep_state``: the same box reloaded (keep cursor, selection, highlight)."""
        same = keep_state and box is not None and self.box is not None and box.box_id == self.box.box_id
        self.box = box
        if not same:
            self.selected.clear()
            self.preview.clear()
            self.highlighted = None
            self._flash.clear()
            self.current = (1, 1) if box is not None and box.cells else None
        else:
            self.selected = {c for c in self.selected if self._cell(c) is not None
                             and self._cell(c).sample_code is not None}  # type: ignore[union-attr]
        self.update()
        self.selection_changed.emit()

    def set_colour_by(self, mode: str) -> None:
        self.colour_by = mode
        self.update()

    def highlight(self, row: int | None, col: int | None) -> None:
        """Ring the cell (a scanned tube); the keyboard cursor moves there."""
        self.highlighted = (row, col) if row is not None and col is not None else None
        if self.highlighted is not None:
            self.current = self.highlighted
            self.current_changed.emit(self.current_cell())
        self.update()

    def set_preview(self, cells: Iterable[Cell]) -> None:
        """Mark where a plan (find space) would put tubes, before anything is committed."""
        self.preview = set(cells)
        self.update()

    def flash(self, row: int, col: int, ok: bool = True) -> None:
        """A short flash of the cell: the answer to a scan (green: placed; red: refused)."""
        self._flash[(row, col)] = (QColor(FLASH_OK if ok else FLASH_ERROR), 6)
        self._flash_timer.start()
        self.update()

    def current_cell(self) -> CellInfo | None:
        return self._cell(self.current) if self.current is not None else None

    def selected_cells(self) -> list[CellInfo]:
        """The selected cells holding tubes, in the box's order (row by row)."""
        cells = [self._cell(c) for c in sorted(self.selected)]
        return [c for c in cells if c is not None and c.sample_code is not None]

    def select(self, cells: Iterable[Cell]) -> None:
        self.selected = {c for c in cells if self._cell(c) is not None}
        self.update()
        self.selection_changed.emit()

    def _cell(self, at: Cell | None) -> CellInfo | None:
        if self.box is None or at is None:
            return None
        row, col = at
        if 1 <= row <= self.box.rows and 1 <= col <= self.box.columns:
            return self.box.cell(row, col)
        return None

    # -- geometry --------------------------------------------------------------------------------------------

    def _geometry(self) -> tuple[float, float, float]:
        """(left, top, cell size): square cells, centred, with room for the row and column labels."""
        assert self.box is not None
        label_space = 30.0
        width = self.width() - label_space - 8
        height = self.height() - label_space - 8
        size = max(8.0, min(width / self.box.columns, height / self.box.rows))
        left = label_space + (width - size * self.box.columns) / 2
        top = label_space + (height - size * self.box.rows) / 2
        return left, top, size

    def cell_rect(self, row: int, col: int) -> QRectF:
        left, top, size = self._geometry()
        return QRectF(left + (col - 1) * size, top + (row - 1) * size, size, size)

    def cell_at(self, point: QPoint | QPointF) -> Cell | None:
        if self.box is None:
            return None
        left, top, size = self._geometry()
        col = int((point.x() - left) // size) + 1
        row = int((point.y() - top) // size) + 1
        if 1 <= row <= self.box.rows and 1 <= col <= self.box.columns:
            return row, col
        return None

    def sizeHint(self) -> QSize:
        return QSize(640, 600)

    def _font(self, size: float) -> QFont:
        """The largest font (up to 16 px) with which 7 digits fit the cell's width: a short ID's long line."""
        key = int(size)
        if key not in self._fonts:
            font = QFont(self.font())
            font.setBold(False)
            pixels = 16
            while pixels > 6:
                font.setPixelSize(pixels)
                if QFontMetrics(font).horizontalAdvance("0000000") <= size - 6 and pixels * 2.4 <= size:
                    break
                pixels -= 1
            self._fonts[key] = font
        return self._fonts[key]

    # -- painting --------------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """The grid (labels and every cell's body) comes from a pixmap drawn once per box, colouring and size;
        the marks that change often (selection, scan ring, flash, plan, cursor, drop target) go on top."""
        painter = QPainter(self)
        if self.box is None:
            painter.fillRect(self.rect(), QColor("#f4f6f9"))
            painter.setPen(QColor("#4a5361"))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter),
                             self.tr("Choose a box in the tree, or scan a tube or a box."))
            return
        painter.drawPixmap(0, 0, self._grid_pixmap())
        left, top, size = self._geometry()
        marked = set(self._flash) | self.preview | self.selected
        for at in (self.highlighted, self._drop_target, self.current):
            if at is not None:
                marked.add(at)
        for row, col in marked:
            if 1 <= row <= self.box.rows and 1 <= col <= self.box.columns:
                rect = QRectF(left + (col - 1) * size, top + (row - 1) * size, size, size)
                self._paint_overlays(painter, rect, (row, col))

    def invalidate_grid(self) -> None:
        """Draw the grid again at the next paint (the bench measures a new box's first paint this way)."""
        self._grid_key = None

    def _grid_pixmap(self) -> QPixmap:
        assert self.box is not None
        ratio = self.devicePixelRatioF()
        key = (id(self.box), self.colour_by, self.width(), self.height(), ratio)
        if self._grid_key == key and self._grid is not None:
            return self._grid
        pixmap = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QColor("#f4f6f9"))
        painter = QPainter(pixmap)
        box = self.box
        left, top, size = self._geometry()
        font = self._font(size)
        label_font = QFont(self.font())
        label_font.setPixelSize(max(10, min(16, int(size * 0.3))))
        label_font.setBold(True)
        painter.setFont(label_font)
        painter.setPen(QColor("#14181f"))
        if not box.linear:
            for c, text in enumerate(box.column_labels, start=1):
                painter.drawText(QRectF(left + (c - 1) * size, top - 28, size, 26),
                                 int(Qt.AlignmentFlag.AlignCenter), text)
            for r, text in enumerate(box.row_labels, start=1):
                painter.drawText(QRectF(left - 30, top + (r - 1) * size, 26, size),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
        show_positions = size >= 34
        for cell in box.cells:
            rect = QRectF(left + (cell.col - 1) * size, top + (cell.row - 1) * size, size, size)
            state = cell.state
            paint_state(painter, rect, state, cell_fill(cell, self.colour_by),
                        text=cell_text(cell) if cell.sample_code else "", font=font,
                        muted_text=cell.position if state == "empty" and show_positions else "")
        painter.setPen(QPen(QColor("#14181f"), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(left, top, size * box.columns, size * box.rows))
        painter.end()
        self._grid, self._grid_key = pixmap, key
        return pixmap

    def _paint_overlays(self, painter: QPainter, rect: QRectF, at: Cell) -> None:
        if at in self._flash:
            colour, steps = self._flash[at]
            if steps % 2 == 0:
                painter.setPen(QPen(colour, 6))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(3, 3, -3, -3))
        if at in self.preview:
            painter.setPen(QPen(QColor("#0b5cad"), 3, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(11, 92, 173, 40))
            painter.drawRect(rect.adjusted(3, 3, -3, -3))
            painter.setPen(QColor("#0b5cad"))
            painter.drawText(rect.adjusted(0, 0, -4, 0), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                             "+")
        if at in self.selected:
            painter.setPen(QPen(QColor(SELECT_INK), 4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
            corner = min(rect.width(), rect.height()) * 0.3
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(SELECT_INK))
            painter.drawPolygon(QPolygonF([rect.topLeft(), rect.topLeft() + QPointF(corner, 0),
                                           rect.topLeft() + QPointF(0, corner)]))
        if at == self.highlighted:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#000000"), 2))
            painter.drawRect(rect.adjusted(-3, -3, 3, 3))
            painter.setPen(QPen(QColor(HIGHLIGHT_INK), 4))
            painter.drawRect(rect.adjusted(0, 0, 0, 0))
        if at == self._drop_target:
            painter.setPen(QPen(QColor("#0b5cad"), 4))
            painter.setBrush(QColor(11, 92, 173, 70))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        if at == self.current and self.hasFocus():
            painter.setPen(QPen(QColor("#000000"), 2, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(6, 6, -6, -6))

    def _flash_step(self) -> None:
        for at, (colour, steps) in list(self._flash.items()):
            if steps <= 1:
                del self._flash[at]
            else:
                self._flash[at] = (colour, steps - 1)
        if not self._flash:
            self._flash_timer.stop()
        self.update()

    # -- tooltip ---------------------------------------------------------------------------------------------

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QHelpEvent.Type.ToolTip:
            cell = self._cell(self.cell_at(event.pos()))
            if cell is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(cell), self)
            return True
        return super().event(event)  # type: ignore[arg-type]

    def describe(self, cell: CellInfo) -> str:
        """What hovering a cell says: the sample, or why the position is not free."""
        if cell.sample_code is not None:
            lines = [f"<b>{cell.sample_code}</b> — {cell.position}",
                     self.tr("{type} · {study} · {status}").format(type=cell.sample_type or "?",
                                                                  study=cell.study or "?", status=cell.status or "?")]
            if cell.placed_by:
                when = cell.placed_at.strftime("%Y-%m-%d %H:%M") if cell.placed_at else ""
                lines.append(self.tr("Placed by {who} {when}").format(who=cell.placed_by, when=when))
            if cell.checked_out:
                since = cell.checked_out_at.strftime("%Y-%m-%d %H:%M") if cell.checked_out_at else "?"
                lines.append(self.tr("<b>Checked out</b> since {since}; the position is kept.").format(since=since))
            lines.append(self.tr("Double-click or Enter opens the sample."))
            return "<br>".join(lines)
        if cell.hold == "blocked":
            return self.tr("{pos}: blocked — {why}").format(pos=cell.position, why=cell.hold_purpose or "")
        if cell.hold == "reserved":
            until = (self.tr(" until {d}").format(d=cell.hold_expires_at.strftime("%Y-%m-%d"))
                     if cell.hold_expires_at else "")
            return self.tr("{pos}: reserved for {what}{until}").format(pos=cell.position, what=cell.hold_purpose or "",
                                                                       until=until)
        return self.tr("{pos}: empty (number {index} in the fill order)").format(pos=cell.position, index=cell.index)

    # -- mouse -----------------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        at = self.cell_at(event.position())
        if at is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            self.selected ^= {at}
        elif mods & Qt.KeyboardModifier.ShiftModifier and self.current is not None:
            self.selected |= self._span(self.current, at)
        elif at not in self.selected:
            self.selected = {at}
        self._press = event.position().toPoint()
        self._move_cursor(at)
        self.selection_changed.emit()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        payload = self.drag_payload()
        if payload is None:
            return
        drag = QDrag(self)
        mime = QMimeData()
        mime.setData(TUBES_MIME, QByteArray(json.dumps(payload).encode()))
        mime.setText("\n".join(str(c.sample_code) for c in self.selected_cells()))
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and not event.modifiers():
            at = self.cell_at(event.position())
            if at is not None and self.selected != {at}:
                self.selected = {at}
                self.selection_changed.emit()
                self.update()
        self._press = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        at = self.cell_at(event.position())
        if at is not None:
            self._move_cursor(at)
            self.cell_activated.emit(self._cell(at))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """The menu of the cell clicked — or, from the keyboard (the Menu key, Shift+F10), of the current cell,
        shown at that cell (the event's position is then the widget's centre, not a cell the user chose)."""
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            at = self.current
            where = (self.mapToGlobal(self.cell_rect(*at).center().toPoint()) if at is not None and self.box
                     else event.globalPos())
        else:
            at, where = self.cell_at(event.pos()), event.globalPos()
        if at is None or self._cell(at) is None:
            return
        if at not in self.selected:
            self.selected = {at}
            self.selection_changed.emit()
        self._move_cursor(at)
        self.context_menu_requested.emit(self._cell(at), where)

    def drag_payload(self) -> dict[str, object] | None:
        """The selected tubes as a drag's payload (None when no tube is selected)."""
        if self.box is None:
            return None
        tubes = [[c.sample_code, c.row, c.col] for c in self.selected_cells()]
        if not tubes:
            return None
        anchor = list(self.current) if self.current in self.selected else tubes[0][1:]
        return {"box": self.box.code, "tubes": tubes, "anchor": anchor}

    # -- drops -----------------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(TUBES_MIME) and self.box is not None:
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        at = self.cell_at(event.position())
        if at != self._drop_target:
            self._drop_target = at
            self.update()
        if at is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: object) -> None:
        self._drop_target = None
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        at = self.cell_at(event.position())
        self._drop_target = None
        self.update()
        if at is None or not event.mimeData().hasFormat(TUBES_MIME):
            return
        payload = json.loads(bytes(event.mimeData().data(TUBES_MIME).data()).decode())
        event.acceptProposedAction()
        self.tubes_dropped.emit(payload, at[0], at[1])

    # -- keyboard --------------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.box is None:
            super().keyPressEvent(event)
            return
        steps = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1), Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0)}
        key = Qt.Key(event.key())
        row, col = self.current or (1, 1)
        if key in steps:
            dr, dc = steps[key]
            target = (min(max(1, row + dr), self.box.rows), min(max(1, col + dc), self.box.columns))
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.selected |= {(row, col), target}
                self.selection_changed.emit()
            self._move_cursor(target)
        elif key == Qt.Key.Key_Home:
            self._move_cursor((row, 1))
        elif key == Qt.Key.Key_End:
            self._move_cursor((row, self.box.columns))
        elif key == Qt.Key.Key_Space:
            self.selected ^= {(row, col)}
            self.selection_changed.emit()
            self.update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.cell_activated.emit(self._cell((row, col)))
        elif key == Qt.Key.Key_Escape and self.selected:
            self.select(())
        else:
            super().keyPressEvent(event)

    def _move_cursor(self, at: Cell) -> None:
        if at != self.current:
            self.current = at
            self.current_changed.emit(self._cell(at))
        self.update()

    def _span(self, a: Cell, b: Cell) -> set[Cell]:
        assert self.box is not None
        cols = self.box.columns
        lo, hi = sorted(((a[0] - 1) * cols + a[1] - 1, (b[0] - 1) * cols + b[1] - 1))
        return {(i // cols + 1, i % cols + 1) for i in range(lo, hi + 1)}

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()
