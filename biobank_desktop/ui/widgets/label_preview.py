"""A label at true size: what the designer, the print preview and the system printers draw.

:func:`paint_label` paints a :class:`~biobank_desktop.core.labels.layout.LabelLayout` (barcode
rectangles and text lines, all in printer dots) onto any paint device at a given number of device
pixels per printer dot. Bars are placed on whole device pixels, each edge rounded from its absolute
position, so neighbouring bars neither overlap nor leave gaps; text is the label font (DejaVu Sans
Condensed, the one the layout measured), drawn on its baseline and turned clockwise.

:class:`LabelPreview` scales the layout so that 1 mm on the label is 1 mm on the screen (from the
screen's physical resolution) times the zoom; :class:`LabelPreviewPanel` adds the printer resolution
and zoom controls and lists the layout's warnings and errors in words under the label.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.labels.layout import BarcodePrimitive, LabelLayout, LayoutIssue, TextPrimitive
from biobank_desktop.core.labels.model import LabelData, LabelTemplate
from biobank_desktop.core.resources import resource_path
from biobank_desktop.ui.theme import ACCENT, BORDER, ERROR, MUTED, OK, WARN
from biobank_desktop.ui.widgets.common import label

MM_PER_INCH = 25.4
ZOOMS = (1, 2, 4)
DEFAULT_ZOOM = 4
PREVIEW_DPIS = (203, 300, 600)
#: Text is set at this pixel size and scaled to the exact size (font sizes are fractions of a dot).
_TEXT_PIXELS = 200
_FONT_FILES = ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf")
_family: str | None = None

LayoutFn = Callable[[LabelTemplate, LabelData, int], LabelLayout]


def label_font_family() -> str:
    """The label font's family, registered with Qt on first use (call it on the GUI thread first)."""
    global _family
    if _family is None:
        family = "DejaVu Sans Condensed"
        for file_name in _FONT_FILES:
            try:
                path = resource_path("fonts", file_name)
            except FileNotFoundError:
                continue
            ident = QFontDatabase.addApplicationFont(str(path))
            families = QFontDatabase.applicationFontFamilies(ident) if ident >= 0 else []
            condensed = [f for f in families if "Condensed" in f]
            if condensed:
                family = condensed[0]
        _family = family
    return _family


def _label_font(bold: bool) -> QFont:
    font = QFont(label_font_family())
    font.setPixelSize(_TEXT_PIXELS)
    font.setBold(bold)
    font.setKerning(False)  # the layout measured the text without kerning
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return font


def paint_label(painter: QPainter, layout: LabelLayout, scale: float, *, origin: QPointF | None = None,
                background: bool = True, highlight: int | None = None,
                refused: Sequence[QRectF] = ()) -> None:
    """Paint ``layout`` with ``scale`` device pixels per printer dot, its top-left corner at ``origin``.

    ``background``: the white label with its outline (a circle for cap spots); off when printing.
    ``highlight``: the index of an element whose box is outlined (the designer's selected row).
    ``refused``: boxes (in dots) of barcodes the layout refused, hatched in red.
    """
    ox = origin.x() if origin is not None else 0.0
    oy = origin.y() if origin is not None else 0.0
    width, height = layout.width_dots * scale, layout.height_dots * scale
    painter.save()
    if background:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor("#5b6573"), 1.5))
        painter.setBrush(QBrush(QColor("#ffffff")))
        shape = QRectF(ox, oy, width, height)
        if layout.shape == "round":
            painter.drawEllipse(shape)
        else:
            painter.drawRect(shape)

    # Bars and modules: whole device pixels, every edge rounded from its absolute position.
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    black = QColor("#000000")
    for primitive in layout.primitives:
        if isinstance(primitive, BarcodePrimitive):
            for rect in primitive.rects():
                left, top = round(ox + rect.x * scale), round(oy + rect.y * scale)
                right = round(ox + (rect.x + rect.width) * scale)
                bottom = round(oy + (rect.y + rect.height) * scale)
                painter.fillRect(QRect(left, top, max(1, right - left), max(1, bottom - top)), black)

    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.setPen(QPen(black))
    fonts = {bold: _label_font(bold) for bold in (False, True)}
    for primitive in layout.primitives:
        if isinstance(primitive, TextPrimitive):
            bx, by = primitive.baseline_origin()
            factor = primitive.font_size_dots * scale / _TEXT_PIXELS
            painter.save()
            painter.translate(ox + bx * scale, oy + by * scale)
            painter.rotate(primitive.rotation)  # clockwise on a y-down device
            painter.scale(factor, factor)
            painter.setFont(fonts[primitive.bold])
            painter.drawText(QPointF(0.0, 0.0), primitive.text)
            painter.restore()

    for box in refused:
        target = QRectF(ox + box.x() * scale, oy + box.y() * scale, box.width() * scale, box.height() * scale)
        painter.setPen(QPen(QColor(ERROR), 2, Qt.PenStyle.DashLine))
        painter.setBrush(QBrush(QColor(ERROR), Qt.BrushStyle.BDiagPattern))
        painter.drawRect(target)
    chosen = element_box_dots(layout, highlight) if highlight is not None else None
    if chosen is not None:
        target = QRectF(ox + chosen.x() * scale, oy + chosen.y() * scale, chosen.width() * scale,
                        chosen.height() * scale)
        painter.setPen(QPen(QColor(ACCENT), 2, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(target.adjusted(-1, -1, 1, 1))
    painter.restore()


def element_box_dots(layout: LabelLayout, index: int) -> QRectF | None:
    """The box of element ``index`` in printer dots: its width/height, else what was drawn for it."""
    elements = layout.template.elements
    if not 0 <= index < len(elements):
        return None
    element = elements[index]
    k = layout.dpi / MM_PER_INCH
    if element.width_mm is not None and element.height_mm is not None:
        return QRectF(element.x_mm * k, element.y_mm * k, element.width_mm * k, element.height_mm * k)
    for primitive in layout.primitives:
        if primitive.element_index == index:
            return QRectF(primitive.x, primitive.y, primitive.width, primitive.height)
    return None


def refused_boxes(layout: LabelLayout) -> list[QRectF]:
    """Boxes (dots) of the elements the layout refused to print (a barcode that does not fit)."""
    boxes = [element_box_dots(layout, issue.element_index) for issue in layout.errors
             if issue.element_index is not None]
    return [box for box in boxes if box is not None]


def screen_dots_per_mm(widget: QWidget) -> float:
    """Logical pixels per millimetre on the widget's screen (its physical resolution; a screen that
    reports nonsense counts as its logical resolution)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return 96 / MM_PER_INCH
    dpi = screen.physicalDotsPerInch()
    if not 40 <= dpi <= 800:
        dpi = screen.logicalDotsPerInch()
    return dpi / max(1.0, screen.devicePixelRatio()) / MM_PER_INCH


def issue_text(issue: LayoutIssue) -> str:
    """One issue as a technician reads it."""
    row = f"Row {issue.element_index + 1}: " if issue.element_index is not None else ""
    if issue.severity == "error":
        return f"✖ Refused, not printable — {row}{issue.message}"
    return f"⚠ {row}{issue.message}"


class LabelPreview(QWidget):
    """One label painted at true size times the zoom (see the module docstring)."""

    MARGIN = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelPreview")
        self._layout: LabelLayout | None = None
        self._zoom = DEFAULT_ZOOM
        self._message = ""
        self.highlight: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        label_font_family()

    @property
    def label_layout(self) -> LabelLayout | None:
        return self._layout

    @property
    def zoom(self) -> int:
        return self._zoom

    def set_zoom(self, zoom: int) -> None:
        self._zoom = zoom
        self._resized()

    def set_layout(self, layout: LabelLayout | None, message: str = "") -> None:
        """Show ``layout``; None shows ``message`` instead (e.g. why the template cannot be laid out)."""
        self._layout = layout
        self._message = message
        self._resized()

    def set_highlight(self, index: int | None) -> None:
        self.highlight = index
        self.update()

    def pixels_per_mm(self) -> float:
        return screen_dots_per_mm(self) * self._zoom

    def scale(self) -> float:
        """Logical pixels per printer dot."""
        if self._layout is None:
            return 1.0
        return self.pixels_per_mm() * MM_PER_INCH / self._layout.dpi

    def label_rect(self) -> QRectF:
        """Where the label is painted, in widget pixels."""
        if self._layout is None:
            return QRectF()
        scale = self.scale()
        width, height = self._layout.width_dots * scale, self._layout.height_dots * scale
        x = max(float(self.MARGIN), (self.width() - width) / 2)
        y = max(float(self.MARGIN), (self.height() - height) / 2)
        return QRectF(round(x), round(y), width, height)

    def _resized(self) -> None:
        self.updateGeometry()
        self.setMinimumSize(self.sizeHint())
        self.update()

    def sizeHint(self) -> QSize:
        if self._layout is None:
            return QSize(360, 120)
        scale = self.scale()
        return QSize(math.ceil(self._layout.width_dots * scale) + 2 * self.MARGIN,
                     math.ceil(self._layout.height_dots * scale) + 2 * self.MARGIN)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#d9dfe6"))
        if self._layout is None:
            painter.setPen(QColor(ERROR if self._message else MUTED))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._message or "No label to show.")
            painter.end()
            return
        where = self.label_rect()
        paint_label(painter, self._layout, self.scale(), origin=where.topLeft(), highlight=self.highlight,
                    refused=refused_boxes(self._layout))
        painter.end()


class LabelPreviewPanel(QFrame):
    """The preview with its printer resolution and zoom controls, and the layout's issues below it.

    ``layout_fn(template, data, dpi)`` lays a label out (the designer passes
    ``LabellingService.preview``). Extra widgets (a scan field) go into :attr:`toolbar`, the column of
    controls beside the label (call :meth:`add_control`).
    """

    issues_changed = Signal()

    def __init__(self, layout_fn: LayoutFn, parent: QWidget | None = None, *, issues_height: int = 36) -> None:
        super().__init__(parent)
        self.layout_fn = layout_fn
        self._template: LabelTemplate | None = None
        self._data: LabelData | None = None
        self.error_message = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)

        # The controls beside the label (the height is for the label: 4x a vial label at 1366 x 768).
        self.toolbar = QVBoxLayout()
        self.toolbar.setSpacing(6)
        self.dpi = QComboBox()
        self.dpi.setObjectName("previewDpi")
        self.dpi.setToolTip(self.tr("The printer's resolution: barcodes are made of whole printer dots."))
        for dpi in PREVIEW_DPIS:
            self.dpi.addItem(self.tr("{dpi} dpi").format(dpi=dpi), dpi)
        self.zoom_group = QButtonGroup(self)
        self.zoom_group.setExclusive(True)
        dpi_row = QHBoxLayout()
        dpi_row.addWidget(label(self.tr("Printer"), "fieldname"))
        dpi_row.addWidget(self.dpi, 1)
        zoom_row = QHBoxLayout()
        zoom_row.setSpacing(6)
        zoom_row.addWidget(label(self.tr("Zoom"), "fieldname"))
        for zoom in ZOOMS:
            zoom_button = QPushButton(f"{zoom}×")
            zoom_button.setCheckable(True)
            zoom_button.setMinimumWidth(52)
            zoom_button.setToolTip(f"{zoom} times the real size" if zoom > 1 else "Real size")
            zoom_button.setChecked(zoom == DEFAULT_ZOOM)
            self.zoom_group.addButton(zoom_button, zoom)
            zoom_row.addWidget(zoom_button, 1)
        self.scale_note = label("", "fieldname", wrap=True)
        self.toolbar.addLayout(dpi_row)
        self.toolbar.addLayout(zoom_row)
        self.toolbar.addWidget(self.scale_note)
        controls_widget = QWidget()
        controls_widget.setLayout(self.toolbar)
        self.toolbar.setContentsMargins(0, 0, 4, 0)
        # On a short screen the column scrolls rather than squeezing its buttons over one another.
        controls = QScrollArea()
        controls.setObjectName("previewControls")
        controls.setWidget(controls_widget)
        controls.setWidgetResizable(True)
        controls.setFrameShape(QFrame.Shape.NoFrame)
        controls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        controls.setFixedWidth(300)
        controls.setMinimumHeight(60)

        self.canvas = LabelPreview()
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.canvas)
        self.scroller.setWidgetResizable(True)
        self.scroller.setMinimumHeight(120)
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.scroller, 1)
        row.addWidget(controls)
        outer.addLayout(row, 1)

        # The issues in words, as tall as they need (one line when all is well).
        self.issues = QLabel()
        self.issues.setObjectName("layoutIssues")
        self.issues.setWordWrap(True)
        self.issues.setTextFormat(Qt.TextFormat.RichText)
        self.issues.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.issues.setMinimumHeight(issues_height)
        self.issues.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.issues.setStyleSheet(f"QLabel#layoutIssues {{ background: #ffffff; border: 1px solid {BORDER}; "
                                  "border-radius: 6px; padding: 6px 8px; }")
        self._lines: list[tuple[str, str]] = []
        outer.addWidget(self.issues)

        self.toolbar.addStretch(1)
        self.dpi.currentIndexChanged.connect(lambda _i: self._relayout())
        self.zoom_group.idClicked.connect(self._zoomed)
        self._update_note()

    def add_control(self, widget: QWidget) -> None:
        """Put ``widget`` under the resolution and zoom controls."""
        self.toolbar.insertWidget(self.toolbar.count() - 1, widget)

    # -- what is shown ---------------------------------------------------------------------------------

    @property
    def label_layout(self) -> LabelLayout | None:
        return self.canvas.label_layout

    def chosen_dpi(self) -> int:
        return int(self.dpi.currentData())

    def set_dpi(self, dpi: int) -> None:
        index = self.dpi.findData(dpi)
        if index < 0:
            self.dpi.addItem(self.tr("{dpi} dpi").format(dpi=dpi), dpi)
            index = self.dpi.count() - 1
        self.dpi.setCurrentIndex(index)

    def set_zoom(self, zoom: int) -> None:
        button = self.zoom_group.button(zoom)
        if button is not None:
            button.setChecked(True)
        self._zoomed(zoom)

    def show_label(self, template: LabelTemplate, data: LabelData) -> LabelLayout | None:
        self._template, self._data, self.error_message = template, data, ""
        return self._relayout()

    def show_problem(self, message: str) -> None:
        """Nothing can be laid out (e.g. the template itself is invalid): say why, as an error."""
        self._template, self._data, self.error_message = None, None, message
        self.canvas.set_layout(None, message)
        self._list([("error", f"✖ {message}")])

    def clear(self, message: str = "") -> None:
        self._template, self._data, self.error_message = None, None, ""
        self.canvas.set_layout(None, message)
        self._list([])

    def _relayout(self) -> LabelLayout | None:
        if self._template is None or self._data is None:
            return None
        try:
            layout = self.layout_fn(self._template, self._data, self.chosen_dpi())
        except Exception as exc:  # a template the layout cannot handle must not break the window
            self.show_problem(str(exc))
            return None
        self.canvas.set_layout(layout)
        lines: list[tuple[str, str]] = [(issue.severity, issue_text(issue))
                                        for issue in (*layout.errors, *layout.warnings)]
        if not lines:
            lines = [("ok", "✔ No problems: this label prints as shown.")]
        self._list(lines)
        self._update_note()
        return layout

    def _list(self, lines: list[tuple[str, str]]) -> None:
        self._lines = list(lines)
        colours = {"error": ERROR, "warning": WARN, "ok": OK}
        self.issues.setText("<br>".join(
            f"<span style='color: {colours.get(kind, MUTED)}; font-weight: {600 if kind == 'error' else 400};'>"
            f"{html.escape(text)}</span>" for kind, text in lines))
        self.issues.setVisible(bool(lines))
        self.issues_changed.emit()

    def show_lines(self, lines: list[tuple[str, str]]) -> None:
        """Show these (kind, text) lines instead of the label's own issues (kind: error, warning or ok)."""
        self._list(lines)

    def issue_lines(self) -> list[tuple[str, str]]:
        """(kind, text) of each line under the preview: error, warning or ok."""
        return list(self._lines)

    def _zoomed(self, zoom: int) -> None:
        self.canvas.set_zoom(zoom)
        self._update_note()

    def _update_note(self) -> None:
        zoom = self.canvas.zoom
        size = "real size" if zoom == 1 else f"{zoom}× real size"
        layout = self.canvas.label_layout
        dims = f"{layout.template.width_mm:g} × {layout.template.height_mm:g} mm, " if layout else ""
        self.scale_note.setText(f"{dims}{size}")
