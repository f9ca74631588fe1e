"""Resolve a template and one label's data into positioned primitives at a printer resolution.

Everything is in whole printer dots from the label's top-left corner, at the resolution asked
for, so what the designer paints (at true scale), the PDF and the ZPL all come from the same
numbers. A barcode module is always a whole number of dots.

What the layout checks:

* a barcode that cannot fit in its box at one dot per module is an **error** (the label is not
  printable); a barcode is never clipped or squeezed;
* a barcode module below :data:`MIN_MODULE_MM` or :data:`MIN_MODULE_DOTS` is a **warning**
  (printers smear single dots; scanners miss thin bars);
* text that does not fit shrinks down to the element's minimum size, then is cut with an ellipsis
  and a **warning**; the sample ID's text is never cut or dropped: that is an **error** (a
  cut-short ID names another sample, or none).

:func:`layout_label` never raises for a label's data: the designer shows the issues. The
renderers use :func:`printable_layouts`, which raises ValidationError when a label has an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.barcodes import (
    Code128Symbol,
    DataMatrixSymbol,
    Rect,
    encode_code128,
    encode_datamatrix,
)
from biobank_desktop.core.labels.fonts import BASELINE_RATIO, text_width_pt
from biobank_desktop.core.labels.model import FIELD_LABELS, LabelData, LabelElement, LabelTemplate

MM_PER_INCH: Final = 25.4
#: Smallest barcode module (narrowest bar / DataMatrix cell) that prints and scans reliably.
MIN_MODULE_MM: Final = 0.19
#: A one-dot module smears on thermal printers whatever the resolution.
MIN_MODULE_DOTS: Final = 2
#: Code 128 bars shorter than this fraction of the symbol's length are hard to hit with a scanner.
MIN_BAR_HEIGHT_RATIO: Final = 0.15
#: Text shrinks down to this size (unless the element sets its own minimum) before it is cut.
DEFAULT_MIN_FONT_PT: Final = 4.0
#: Three full stops rather than "…": every printer font has them (zplkit's font 0 has no "…").
ELLIPSIS: Final = "..."

Severity = Literal["warning", "error"]
_WHITESPACE: Final = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")

#: Realistic values for the designer's preview and for checking a template before it is saved.
SAMPLE_LABEL_DATA: Final = LabelData(
    sample_id="BB-2026-000123W-A01",
    participant="P-0045-12",
    study="LUX-CARDIO",
    sample_type="Plasma EDTA",
    volume="500 µL",
    collection_date="2026-03-14",
    aliquot_number="A01",
    sprec="PL1-SST-A-B-N-A-A",
    free_text="Garçon über µ-test",
)


def mm_to_dots(mm: float, dpi: int) -> int:
    """``mm`` in whole printer dots (rounded to the nearest dot)."""
    return round(mm * dpi / MM_PER_INCH)


def dots_to_mm(dots: float, dpi: int) -> float:
    return dots * MM_PER_INCH / dpi


@dataclass(frozen=True, slots=True)
class LayoutIssue:
    """Something the technician should know about one label (``element_index`` is 0-based)."""

    severity: Severity
    code: str  # module_too_small, bars_too_short, text_truncated, text_dropped, barcode_*
    message: str
    element_index: int | None = None


def rotate_rect(rect: Rect, frame_width: int, frame_height: int, rotation: int) -> Rect:
    """``rect`` in an unrotated frame of ``frame_width`` x ``frame_height`` dots, after turning the
    frame clockwise by ``rotation`` degrees; the result is relative to the turned frame's top-left."""
    if rotation == 0:
        return rect
    if rotation == 90:
        return Rect(frame_height - rect.y - rect.height, rect.x, rect.height, rect.width)
    if rotation == 180:
        x = frame_width - rect.x - rect.width
        return Rect(x, frame_height - rect.y - rect.height, rect.width, rect.height)
    if rotation == 270:
        return Rect(rect.y, frame_width - rect.x - rect.width, rect.height, rect.width)
    raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")


def rotate_point(u: float, v: float, frame_width: float, frame_height: float, rotation: int) -> tuple[float, float]:
    """Point (u, v) of an unrotated frame after turning the frame clockwise (see :func:`rotate_rect`)."""
    if rotation == 0:
        return u, v
    if rotation == 90:
        return frame_height - v, u
    if rotation == 180:
        return frame_width - u, frame_height - v
    if rotation == 270:
        return v, frame_width - u
    raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")


def _turned(width: int, height: int, rotation: int) -> tuple[int, int]:
    """Size on the label of a ``width`` x ``height`` frame turned by ``rotation``."""
    return (height, width) if rotation in (90, 270) else (width, height)


@dataclass(frozen=True, slots=True)
class BarcodePrimitive:
    """A barcode placed on the label: the symbol, its module size and where it sits.

    ``x``, ``y``, ``width``, ``height`` is the symbol on the label in dots (quiet zones excluded,
    rotation applied). ``local_width`` x ``local_height`` is the symbol before rotation: for
    Code 128 the bars run along ``local_width`` and are ``local_height`` dots tall.
    """

    element_index: int
    symbol: Code128Symbol | DataMatrixSymbol
    x: int
    y: int
    local_width: int
    local_height: int
    module_dots: int
    rotation: int
    dpi: int

    @property
    def symbology(self) -> Literal["code128", "datamatrix"]:
        return "code128" if isinstance(self.symbol, Code128Symbol) else "datamatrix"

    @property
    def content(self) -> str:
        return self.symbol.content

    @property
    def width(self) -> int:
        return _turned(self.local_width, self.local_height, self.rotation)[0]

    @property
    def height(self) -> int:
        return _turned(self.local_width, self.local_height, self.rotation)[1]

    @property
    def module_mm(self) -> float:
        return dots_to_mm(self.module_dots, self.dpi)

    def rects(self) -> list[Rect]:
        """The dark bars/modules as rectangles in label dots: what every renderer fills."""
        if isinstance(self.symbol, Code128Symbol):
            local = self.symbol.local_rects(self.module_dots, self.local_height)
        else:
            local = self.symbol.local_rects(self.module_dots)
        out: list[Rect] = []
        for rect in local:
            turned = rotate_rect(rect, self.local_width, self.local_height, self.rotation)
            out.append(Rect(self.x + turned.x, self.y + turned.y, turned.width, turned.height))
        return out


@dataclass(frozen=True, slots=True)
class TextPrimitive:
    """One line of text placed on the label.

    ``x``, ``y``, ``width``, ``height`` is the line's box on the label in dots, rotation applied:
    ``run_length`` dots along the text and ``line_height`` dots (the font size) across it, the
    capitals' tops on the box's top edge (as seen in the text's own direction). ``text_width`` is
    the measured width of ``text`` in dots; ``align`` places it within ``run_length``.
    """

    element_index: int
    text: str
    x: int
    y: int
    run_length: int
    line_height: int
    font_size_pt: float
    bold: bool
    rotation: int
    align: str
    text_width: float
    shrunk: bool
    truncated: bool
    dpi: int

    @property
    def width(self) -> int:
        return _turned(self.run_length, self.line_height, self.rotation)[0]

    @property
    def height(self) -> int:
        return _turned(self.run_length, self.line_height, self.rotation)[1]

    @property
    def font_size_dots(self) -> float:
        return self.font_size_pt * self.dpi / 72.0

    @property
    def start_offset(self) -> float:
        """Dots from the start of the box to the start of the text, along the text."""
        if self.align == "center":
            return max(0.0, (self.run_length - self.text_width) / 2)
        if self.align == "right":
            return max(0.0, self.run_length - self.text_width)
        return 0.0

    def baseline_origin(self) -> tuple[float, float]:
        """Label position (dots) where the text starts on its baseline: where a painter draws it,
        then turns the text clockwise by ``rotation`` around that point."""
        u, v = rotate_point(
            self.start_offset,
            BASELINE_RATIO * self.font_size_dots,
            self.run_length,
            self.line_height,
            self.rotation,
        )
        return self.x + u, self.y + v


Primitive = BarcodePrimitive | TextPrimitive


@dataclass(frozen=True, slots=True)
class LabelLayout:
    """One label resolved at ``dpi``: its size in dots, what to draw, and what is wrong with it."""

    template: LabelTemplate
    dpi: int
    width_dots: int
    height_dots: int
    primitives: tuple[Primitive, ...]
    issues: tuple[LayoutIssue, ...]

    @property
    def shape(self) -> str:
        return self.template.shape

    @property
    def warnings(self) -> tuple[LayoutIssue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    @property
    def errors(self) -> tuple[LayoutIssue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "error")

    @property
    def printable(self) -> bool:
        return not self.errors

    def barcodes(self) -> list[BarcodePrimitive]:
        return [item for item in self.primitives if isinstance(item, BarcodePrimitive)]

    def texts(self) -> list[TextPrimitive]:
        return [item for item in self.primitives if isinstance(item, TextPrimitive)]

    def raise_for_errors(self, which: str = "The label") -> None:
        """ValidationError with the first error when the label cannot be printed as designed."""
        errors = self.errors
        if errors:
            more = f" ({len(errors) - 1} more problem(s) on this label.)" if len(errors) > 1 else ""
            raise ValidationError(f"{which}: {errors[0].message}{more}")


# --- Barcodes --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Box:
    """An element's box in dots, and its frame along/across the element's direction."""

    x: int
    y: int
    width: int
    height: int
    rotation: int

    @property
    def along(self) -> int:
        return self.height if self.rotation in (90, 270) else self.width

    @property
    def across(self) -> int:
        return self.width if self.rotation in (90, 270) else self.height

    def place(self, local: Rect) -> Rect:
        """``local`` (in the element's unrotated frame) on the label."""
        turned = rotate_rect(local, self.along, self.across, self.rotation)
        return Rect(self.x + turned.x, self.y + turned.y, turned.width, turned.height)


class _RefusedError(Exception):
    """A barcode that cannot be printed; becomes an error issue of the layout."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _element_box(template: LabelTemplate, element: LabelElement, dpi: int, line_dots: int) -> _Box:
    label_w = mm_to_dots(template.width_mm, dpi)
    label_h = mm_to_dots(template.height_mm, dpi)
    x0 = mm_to_dots(element.x_mm, dpi)
    y0 = mm_to_dots(element.y_mm, dpi)
    sideways = element.rotation in (90, 270)
    if element.width_mm is not None:
        x1 = min(label_w, mm_to_dots(element.x_mm + element.width_mm, dpi))
    else:  # text: across the label when horizontal, one line wide when turned
        x1 = min(label_w, x0 + line_dots) if sideways else label_w
    if element.height_mm is not None:
        y1 = min(label_h, mm_to_dots(element.y_mm + element.height_mm, dpi))
    else:
        y1 = label_h if sideways else min(label_h, y0 + line_dots)
    return _Box(x0, y0, max(0, x1 - x0), max(0, y1 - y0), element.rotation)


def _field_name(element: LabelElement) -> str:
    return FIELD_LABELS.get(element.field, element.field).lower().replace("id", "ID")


def _module_warning(element: LabelElement, index: int, module: int, dpi: int) -> LayoutIssue | None:
    module_mm = dots_to_mm(module, dpi)
    if module >= MIN_MODULE_DOTS and module_mm >= MIN_MODULE_MM - 1e-9:
        return None
    return LayoutIssue(
        "warning",
        "module_too_small",
        f"{element.describe()}: one module is {module} dot{'s' if module != 1 else ''} "
        f"({module_mm:.2f} mm) at {dpi} dpi. Below {MIN_MODULE_MM} mm or {MIN_MODULE_DOTS} dots, printers "
        f"smear and scanners miss it: make the box larger or print at a higher resolution.",
        index,
    )


def _layout_code128(
    element: LabelElement, index: int, symbol: Code128Symbol, box: _Box, dpi: int
) -> tuple[BarcodePrimitive | None, list[LayoutIssue]]:
    needed = symbol.width_modules + 2 * symbol.quiet_zone_modules
    module = box.along // needed
    if module < 1 or box.across < 1:
        need_mm = dots_to_mm(needed, dpi)
        raise _RefusedError(
            "barcode_too_long",
            f"{element.describe()}: {symbol.content!r} needs {need_mm:.1f} mm for its bars and quiet zones "
            f"even at one dot per bar at {dpi} dpi, but the box is {dots_to_mm(box.along, dpi):.1f} mm long. "
            f"The barcode is not printed cut short: use a template that prints this {_field_name(element)} "
            f"as DataMatrix, or a longer box.",
        )
    if element.module_mm is not None:
        module = min(module, max(1, mm_to_dots(element.module_mm, dpi)))
    length = module * symbol.width_modules
    local = Rect((box.along - length) // 2, 0, length, box.across)
    placed = box.place(local)
    primitive = BarcodePrimitive(
        element_index=index,
        symbol=symbol,
        x=placed.x,
        y=placed.y,
        local_width=length,
        local_height=box.across,
        module_dots=module,
        rotation=element.rotation,
        dpi=dpi,
    )
    issues = [issue for issue in (_module_warning(element, index, module, dpi),) if issue]
    if box.across < MIN_BAR_HEIGHT_RATIO * length:
        issues.append(
            LayoutIssue(
                "warning",
                "bars_too_short",
                f"{element.describe()}: the bars are {dots_to_mm(box.across, dpi):.1f} mm tall for a "
                f"{dots_to_mm(length, dpi):.1f} mm long barcode; scanners need at least "
                f"{MIN_BAR_HEIGHT_RATIO:.0%} of the length "
                f"({dots_to_mm(MIN_BAR_HEIGHT_RATIO * length, dpi):.1f} mm). Make the box taller.",
                index,
            )
        )
    return primitive, issues


def _layout_datamatrix(
    element: LabelElement, index: int, symbol: DataMatrixSymbol, box: _Box, dpi: int
) -> tuple[BarcodePrimitive | None, list[LayoutIssue]]:
    needed = symbol.size + 2 * symbol.quiet_zone_modules
    module = min(box.along, box.across) // needed
    if module < 1:
        raise _RefusedError(
            "barcode_too_big",
            f"{element.describe()}: {symbol.content!r} makes a {symbol.size} x {symbol.size} DataMatrix that "
            f"needs {dots_to_mm(needed, dpi):.1f} mm with its quiet zone at {dpi} dpi, but the box is only "
            f"{dots_to_mm(min(box.along, box.across), dpi):.1f} mm. The barcode is not printed cut short: "
            f"use a larger box, a higher resolution, or a shorter {_field_name(element)}.",
        )
    if element.module_mm is not None:
        module = min(module, max(1, mm_to_dots(element.module_mm, dpi)))
    side = module * symbol.size
    local = Rect((box.along - side) // 2, (box.across - side) // 2, side, side)
    placed = box.place(local)
    primitive = BarcodePrimitive(
        element_index=index,
        symbol=symbol,
        x=placed.x,
        y=placed.y,
        local_width=side,
        local_height=side,
        module_dots=module,
        rotation=element.rotation,
        dpi=dpi,
    )
    return primitive, [issue for issue in (_module_warning(element, index, module, dpi),) if issue]


def _layout_barcode(
    template: LabelTemplate, element: LabelElement, index: int, data: LabelData, dpi: int
) -> tuple[BarcodePrimitive | None, list[LayoutIssue]]:
    content = element.content(data)
    what = _field_name(element)
    try:
        if content is None or not content.strip():
            raise _RefusedError(
                "barcode_empty",
                f"{element.describe()}: the {what} is empty, so the barcode cannot be printed.",
            )
        if element.max_chars is not None and len(content) > element.max_chars:
            raise _RefusedError(
                "barcode_data_too_long",
                f"{element.describe()}: {content!r} has {len(content)} characters; this template's barcode "
                f"takes at most {element.max_chars}. The barcode is not printed cut short: use a template "
                f"made for longer IDs.",
            )
        try:
            symbol: Code128Symbol | DataMatrixSymbol = (
                encode_code128(content, what=what)
                if element.render == "code128"
                else encode_datamatrix(content, what=what)
            )
        except ValidationError as error:
            raise _RefusedError("barcode_unencodable", str(error)) from None
        box = _element_box(template, element, dpi, 0)
        if isinstance(symbol, Code128Symbol):
            return _layout_code128(element, index, symbol, box, dpi)
        return _layout_datamatrix(element, index, symbol, box, dpi)
    except _RefusedError as refused:
        return None, [LayoutIssue("error", refused.code, refused.message, index)]


# --- Text ------------------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """One line of printable text: runs of whitespace and control characters become one space."""
    return _WHITESPACE.sub(" ", value).strip()


def _fit_prefix(text: str, size_pt: float, bold: bool, limit_pt: float) -> str | None:
    """The longest start of ``text`` that fits in ``limit_pt`` with an ellipsis, or None."""
    low, high = 0, len(text)
    best: str | None = None
    while low <= high:
        middle = (low + high) // 2
        candidate = text[:middle].rstrip() + ELLIPSIS
        if text_width_pt(candidate, size_pt, bold=bold) <= limit_pt:
            best = candidate
            low = middle + 1
        else:
            high = middle - 1
    return best


def _layout_text(
    template: LabelTemplate, element: LabelElement, index: int, data: LabelData, dpi: int
) -> tuple[TextPrimitive | None, list[LayoutIssue]]:
    raw = element.content(data)
    if raw is None or not clean_text(raw):
        return None, []
    text = clean_text(element.prefix + raw)
    issues: list[LayoutIssue] = []
    requested = element.font_size_pt or DEFAULT_MIN_FONT_PT
    box = _element_box(template, element, dpi, math.ceil(requested * dpi / 72.0))
    along_pt = box.along * 72.0 / dpi
    across_pt = box.across * 72.0 / dpi
    truncated = False
    if element.max_chars is not None and len(text) > element.max_chars:
        shown = text[: max(0, element.max_chars - len(ELLIPSIS))].rstrip() + ELLIPSIS
        issues.append(
            LayoutIssue(
                "warning",
                "text_truncated",
                f"{element.describe()}: {text!r} is longer than the {element.max_chars} characters this "
                f"template allows; it prints as {shown!r}.",
                index,
            )
        )
        text, truncated = shown, True
    size = min(requested, math.floor(across_pt * 10) / 10)
    minimum = min(element.min_font_size_pt or DEFAULT_MIN_FONT_PT, requested)
    if size < minimum:
        issues.append(
            LayoutIssue(
                "warning",
                "text_dropped",
                f"{element.describe()}: the box is {dots_to_mm(box.across, dpi):.1f} mm tall, too little for "
                f"text of {minimum:g} pt; {text!r} is not printed. Make the box taller.",
                index,
            )
        )
        return None, issues
    width = text_width_pt(text, size, bold=element.bold)
    if width > along_pt:
        fitting = math.floor(size * along_pt / width * 10) / 10
        if fitting >= minimum:
            size = fitting
        else:
            size = minimum
            shown_or_none = _fit_prefix(text, size, element.bold, along_pt)
            if shown_or_none is None:
                issues.append(
                    LayoutIssue(
                        "warning",
                        "text_dropped",
                        f"{element.describe()}: the box is too small for even one character at {size:g} pt; "
                        f"{text!r} is not printed. Make the box larger.",
                        index,
                    )
                )
                return None, issues
            issues.append(
                LayoutIssue(
                    "warning",
                    "text_truncated",
                    f"{element.describe()}: {text!r} does not fit in {dots_to_mm(box.along, dpi):.1f} mm "
                    f"even at {size:g} pt; it prints as {shown_or_none!r}. Make the box wider or the text "
                    f"shorter.",
                    index,
                )
            )
            text, truncated = shown_or_none, True
        width = text_width_pt(text, size, bold=element.bold)
    line = min(box.across, math.ceil(size * dpi / 72.0))
    placed = box.place(Rect(0, 0, box.along, line))
    primitive = TextPrimitive(
        element_index=index,
        text=text,
        x=placed.x,
        y=placed.y,
        run_length=box.along,
        line_height=line,
        font_size_pt=size,
        bold=element.bold,
        rotation=element.rotation,
        align=element.align,
        text_width=width * dpi / 72.0,
        shrunk=size < requested,
        truncated=truncated,
        dpi=dpi,
    )
    return primitive, issues


# --- Public entry points ---------------------------------------------------------------------------

#: Fields whose human-readable text identifies the tube: cut short ("BB-2026-000123W-D0...") it
#: would name another sample (or none), so such a label is refused instead of printed.
NEVER_CUT_FIELDS: Final = frozenset({"sample_id"})
_CUT_CODES: Final = frozenset({"text_truncated", "text_dropped"})


def _id_text_refused(element: LabelElement, index: int, data: LabelData, found: Sequence[LayoutIssue]) -> LayoutIssue:
    dropped = any(issue.code == "text_dropped" for issue in found)
    return LayoutIssue(
        "error",
        "id_text_too_long",
        f"{element.describe()}: {element.content(data)!r} does not fit in its box "
        f"{'at all' if dropped else 'even at the smallest font size'}. The label is not printed with the "
        f"{_field_name(element)} cut short or left out (it would name another sample, or none): use a "
        f"template with a larger box for the {_field_name(element)}.",
        index,
    )


def layout_label(template: LabelTemplate, data: LabelData, *, dpi: int | None = None) -> LabelLayout:
    """Lay out one label at ``dpi`` (the template's default when None). Never raises for the data:
    what cannot be printed is an ``error`` issue; a barcode with an error is left out."""
    dpi = dpi or template.dpi
    if not 72 <= dpi <= 2400:
        raise ValidationError(f"A printer resolution of {dpi} dpi is not possible; use 203, 300 or 600 dpi.")
    primitives: list[Primitive] = []
    issues: list[LayoutIssue] = []
    for index, element in enumerate(template.elements):
        primitive: Primitive | None
        if element.is_barcode:
            primitive, found = _layout_barcode(template, element, index, data, dpi)
        else:
            primitive, found = _layout_text(template, element, index, data, dpi)
            if element.field in NEVER_CUT_FIELDS and any(issue.code in _CUT_CODES for issue in found):
                primitive, found = None, [_id_text_refused(element, index, data, found)]
        issues.extend(found)
        if primitive is not None:
            primitives.append(primitive)
    return LabelLayout(
        template=template,
        dpi=dpi,
        width_dots=mm_to_dots(template.width_mm, dpi),
        height_dots=mm_to_dots(template.height_mm, dpi),
        primitives=tuple(primitives),
        issues=tuple(issues),
    )


def describe_label(data: LabelData, number: int, total: int) -> str:
    """'Label 3 of 40 (BB-2026-000123W)' for messages about one label of a batch."""
    which = f"Label {number} of {total}" if total > 1 else "The label"
    return f"{which} ({data.sample_id})" if data.sample_id else which


def printable_layouts(
    template: LabelTemplate, labels: Sequence[LabelData], *, dpi: int | None = None
) -> list[LabelLayout]:
    """Lay out every label; ValidationError naming the first label that cannot be printed.

    All labels are checked before anything is rendered, so a batch is printed whole or not at all.
    """
    if not labels:
        raise ValidationError("There are no labels to print.", hint="Select at least one sample.")
    layouts = [layout_label(template, data, dpi=dpi) for data in labels]
    for number, (data, layout) in enumerate(zip(labels, layouts, strict=True), start=1):
        layout.raise_for_errors(describe_label(data, number, len(labels)))
    return layouts

