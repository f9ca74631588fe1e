"""PDF labels through reportlab: a roll (one label per page, page = label) or sheets of labels.

Every label is laid out at the printer's resolution first (:mod:`~biobank_desktop.core.labels.layout`)
and drawn from those primitives: barcodes as filled rectangles on the dot grid (the label's
origin is snapped to whole dots from the page's top-left corner, so on a printer of that resolution
every bar edge falls on a dot edge), text in the embedded DejaVu Sans Condensed.

On a sheet, printing starts at any position (1 = top-left, row by row), so a half-used sheet is
not wasted; labels that do not fit continue on new sheets from position 1.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.fonts import font_name
from biobank_desktop.core.labels.layout import (
    MM_PER_INCH,
    BarcodePrimitive,
    LabelLayout,
    TextPrimitive,
    mm_to_dots,
    printable_layouts,
)
from biobank_desktop.core.labels.model import LabelData, LabelTemplate

_PT_PER_INCH = 72.0


@dataclass(frozen=True, slots=True)
class SheetPlacement:
    """Where one label of a batch lands: sheet ``page`` (1-based) and ``position`` on it (1-based)."""

    page: int
    position: int


def sheet_placements(template: LabelTemplate, count: int, *, start_position: int = 1) -> list[SheetPlacement]:
    """Where ``count`` labels land on sheets when printing starts at ``start_position``.

    For a roll template every label is its own page at position 1.
    """
    if template.sheet is None:
        return [SheetPlacement(page=number, position=1) for number in range(1, count + 1)]
    positions = template.sheet.positions
    if not 1 <= start_position <= positions:
        raise ValidationError(
            f"Start position {start_position} does not exist on template {template.name!r}: "
            f"its sheet has positions 1 to {positions} (row by row from the top-left).",
        )
    out: list[SheetPlacement] = []
    slot = start_position - 1
    for _ in range(count):
        out.append(SheetPlacement(page=slot // positions + 1, position=slot % positions + 1))
        slot += 1
    return out


def render_pdf(
    template: LabelTemplate,
    labels: Sequence[LabelData],
    *,
    dpi: int | None = None,
    start_position: int = 1,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
    title: str | None = None,
) -> bytes:
    """Lay out and draw ``labels`` with ``template``; the PDF file's bytes.

    ``dpi`` is the resolution of the printer the PDF is for (the template's default when None):
    barcodes are sized in whole dots of it. ``offset_x_mm``/``offset_y_mm`` move everything on
    the page (printer calibration: positive is right/down). Raises ValidationError, naming the
    label, when any label cannot be printed as designed; nothing is drawn then.
    """
    layouts = printable_layouts(template, labels, dpi=dpi)
    return render_layouts_pdf(
        layouts,
        start_position=start_position,
        offset_x_mm=offset_x_mm,
        offset_y_mm=offset_y_mm,
        title=title,
    )


def render_layouts_pdf(
    layouts: Sequence[LabelLayout],
    *,
    start_position: int = 1,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
    title: str | None = None,
) -> bytes:
    """Draw already laid-out labels (all of one template and resolution); see :func:`render_pdf`."""
    if not layouts:
        raise ValidationError("There are no labels to print.", hint="Select at least one sample.")
    template = layouts[0].template
    dpi = layouts[0].dpi
    if any(layout.template != template or layout.dpi != dpi for layout in layouts):
        raise ValueError("all layouts of one PDF must share the template and the resolution")
    placements = sheet_placements(template, len(layouts), start_position=start_position)
    pt_per_dot = _PT_PER_INCH / dpi
    if template.sheet is not None:
        page_w_mm, page_h_mm = template.sheet.page_width_mm, template.sheet.page_height_mm
    else:
        page_w_mm, page_h_mm = template.width_mm, template.height_mm
    page_w_pt = page_w_mm / MM_PER_INCH * _PT_PER_INCH
    page_h_pt = page_h_mm / MM_PER_INCH * _PT_PER_INCH
    shift_x = mm_to_dots(offset_x_mm, dpi)
    shift_y = mm_to_dots(offset_y_mm, dpi)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_w_pt, page_h_pt), invariant=True, pageCompression=1)
    canvas.setTitle(title or f"Labels - {template.name}")
    canvas.setCreator("Biobank Desktop")
    canvas.setAuthor("Biobank Desktop")
    canvas.setSubject(f"{len(layouts)} label(s), template {template.name}, {dpi} dpi")
    page = 1
    for layout, placement in zip(layouts, placements, strict=True):
        if placement.page != page:
            canvas.showPage()
            page = placement.page
        if template.sheet is not None:
            x_mm, y_mm = template.sheet.label_origin_mm(placement.position)
            origin = (mm_to_dots(x_mm, dpi) + shift_x, mm_to_dots(y_mm, dpi) + shift_y)
        else:
            origin = (shift_x, shift_y)
        _draw_label(canvas, layout, origin, pt_per_dot, page_h_pt)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_label(
    canvas: Canvas, layout: LabelLayout, origin: tuple[int, int], pt_per_dot: float, page_h_pt: float
) -> None:
    origin_x, origin_y = origin
    canvas.setFillColorRGB(0, 0, 0)
    for primitive in layout.primitives:
        if isinstance(primitive, BarcodePrimitive):
            path = canvas.beginPath()
            for rect in primitive.rects():
                path.rect(
                    (origin_x + rect.x) * pt_per_dot,
                    page_h_pt - (origin_y + rect.y + rect.height) * pt_per_dot,
                    rect.width * pt_per_dot,
                    rect.height * pt_per_dot,
                )
            canvas.drawPath(path, stroke=0, fill=1)
        else:
            _draw_text(canvas, primitive, origin, pt_per_dot, page_h_pt)


def _draw_text(
    canvas: Canvas, text: TextPrimitive, origin: tuple[int, int], pt_per_dot: float, page_h_pt: float
) -> None:
    base_x, base_y = text.baseline_origin()
    x_pt = (origin[0] + base_x) * pt_per_dot
    y_pt = page_h_pt - (origin[1] + base_y) * pt_per_dot
    canvas.setFont(font_name(bold=text.bold), text.font_size_pt)
    if text.rotation == 0:
        canvas.drawString(x_pt, y_pt, text.text)
        return
    canvas.saveState()
    canvas.translate(x_pt, y_pt)
    canvas.rotate(-text.rotation)  # the label's rotations are clockwise; PDF's are counter-clockwise
    canvas.drawString(0, 0, text.text)
    canvas.restoreState()
