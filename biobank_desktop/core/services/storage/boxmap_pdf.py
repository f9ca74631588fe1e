"""Box maps and capacity as PDF (reportlab): one A4 landscape page per box, the true grid with the IDs,
readable on a freezer door and unmistakable in grey scale; and a capacity report with bars.

Cells: a stored tube is shaded with its short ID in two lines; a checked-out tube is white with a dashed
frame and "OUT"; a blocked position is crossed; a reserved one carries diagonal hatching and "R"; an
empty one is white. The legend on every page says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from biobank_desktop.core.domain.space import EvacuationPlan
from biobank_desktop.core.labels.fonts import font_name, text_width_pt
from biobank_desktop.core.services.storage.dto import BoxMap, CapacityRow, CellInfo

PAGE = landscape(A4)
MARGIN = 12 * mm
TUBE_GREY = (0.82, 0.82, 0.82)


def write_box_maps_pdf(boxes: Sequence[BoxMap], out: Path, *, printed_by: str = "") -> Path:
    """One page per box into ``out`` (written to a temporary file and moved, so a reader never sees half)."""
    tmp = out.with_name(out.name + ".part")
    canvas = Canvas(str(tmp), pagesize=PAGE, pageCompression=1)
    canvas.setTitle("Box maps" if len(boxes) != 1 else f"Box map {boxes[0].code}")
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    for box in boxes:
        _draw_box(canvas, box, f"Printed {stamp}" + (f" by {printed_by}" if printed_by else ""))
        canvas.showPage()
    canvas.save()
    tmp.replace(out)
    return out


def _fit(text: str, size: float, width: float, *, bold: bool = False) -> float:
    while size > 4 and text_width_pt(text, size, bold=bold) > width:
        size -= 0.25
    return size


def _draw_box(c: Canvas, box: BoxMap, footer: str) -> None:
    width, height = PAGE
    regular, bold = font_name(bold=False), font_name(bold=True)
    c.setFont(bold, 16)
    c.drawString(MARGIN, height - MARGIN - 10, f"{box.code} — {box.name}")
    c.setFont(regular, 9.5)
    c.drawString(MARGIN, height - MARGIN - 25, " / ".join(box.path))
    c.drawString(MARGIN, height - MARGIN - 37,
                 f"{box.type_name} · positions {box.convention} · {box.occupied} of {box.capacity} occupied"
                 + (f" · holds {box.restrictions}" if box.restrictions != "anything" else ""))
    legend_h = 16 * mm
    top = height - MARGIN - 48
    avail_w = width - 2 * MARGIN - 10 * mm
    avail_h = top - MARGIN - legend_h - 6 * mm
    cell = min(avail_w / box.columns, avail_h / box.rows)  # square cells: the true proportions of the box
    grid_w, grid_h = cell * box.columns, cell * box.rows
    x0 = MARGIN + 10 * mm + (avail_w - grid_w) / 2
    y_top = top - 6 * mm
    label_size = min(11.0, cell * 0.35)
    c.setFont(bold, label_size)
    for col, text in enumerate(box.column_labels):
        c.drawCentredString(x0 + (col + 0.5) * cell, y_top + 2, text)
    for row, text in enumerate(box.row_labels):
        c.drawRightString(x0 - 3, y_top - (row + 0.5) * cell - label_size / 3, text)
    for info in box.cells:
        _draw_cell(c, info, x0 + (info.col - 1) * cell, y_top - info.row * cell, cell)
    c.setLineWidth(1.6)
    c.setStrokeColorRGB(0, 0, 0)
    c.rect(x0, y_top - grid_h, grid_w, grid_h)
    _legend(c, MARGIN, MARGIN + 4 * mm)
    c.setFont(regular, 7.5)
    c.drawRightString(width - MARGIN, MARGIN - 2 * mm, footer)


def _draw_cell(c: Canvas, info: CellInfo, x: float, y: float, size: float) -> None:
    regular, bold = font_name(bold=False), font_name(bold=True)
    c.setLineWidth(0.5)
    c.setStrokeColorRGB(0.25, 0.25, 0.25)
    c.setDash()
    state = info.state
    if state == "occupied":
        c.setFillColorRGB(*TUBE_GREY)
        c.rect(x, y, size, size, fill=1)
    elif state == "checked_out":
        c.setFillColorRGB(1, 1, 1)
        c.rect(x, y, size, size, fill=1)
        c.setDash(2, 2)
        c.setLineWidth(1.2)
        c.rect(x + 1.5, y + 1.5, size - 3, size - 3)
        c.setDash()
        c.setLineWidth(0.5)
    else:
        c.setFillColorRGB(1, 1, 1)
        c.rect(x, y, size, size, fill=1)
    if state == "blocked":
        c.setLineWidth(1.2)
        c.line(x + 2, y + 2, x + size - 2, y + size - 2)
        c.line(x + 2, y + size - 2, x + size - 2, y + 2)
        c.setLineWidth(0.5)
    if state == "reserved":
        c.saveState()
        path = c.beginPath()
        path.rect(x, y, size, size)
        c.clipPath(path, stroke=0)
        c.setLineWidth(0.4)
        step = max(size / 6, 3)
        offset = -size
        while offset < size:
            c.line(x + offset, y, x + offset + size, y + size)
            offset += step
        c.restoreState()
    c.setFillColorRGB(0, 0, 0)
    small = max(4.0, min(7.0, size * 0.16))
    c.setFont(regular, small)
    if info.index:  # the fill-order number, in every convention (none in the legend)
        c.drawString(x + 1.5, y + size - small - 0.5, str(info.index))
    inner = size - 4
    if info.sample_code and info.short_id:
        head, _, tail = info.short_id.rpartition("-")
        lines = [head, tail] if head else [tail]
        sizes = [_fit(t, min(10.0, size * 0.22), inner, bold=True) for t in lines]
        font = min(sizes)
        c.setFont(bold, font)
        middle = y + size / 2 - font * 0.35
        for i, text in enumerate(lines):
            dy = (len(lines) - 1) * font * 0.6 - i * font * 1.2
            c.drawCentredString(x + size / 2, middle + dy, text)
        if state == "checked_out":
            c.setFont(bold, small)
            c.drawRightString(x + size - 1.5, y + 1.5, "OUT")
    elif state == "reserved":
        c.setFont(bold, min(12.0, size * 0.3))
        c.drawCentredString(x + size / 2, y + size / 2 - size * 0.1, "R")


def _legend(c: Canvas, x: float, y: float) -> None:
    regular = font_name(bold=False)
    entries = (("occupied", "tube stored"), ("checked_out", "checked out (position kept)"),
               ("reserved", "reserved"), ("blocked", "blocked"), ("empty", "empty"))
    size = 8 * mm
    for state, text in entries:
        _draw_cell(c, CellInfo(1, 1, "", 0, sample_code="X" if state in ("occupied", "checked_out") else None,
                               short_id=None, checked_out=state == "checked_out",
                               hold=state if state in ("reserved", "blocked") else None), x, y, size)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(regular, 8.5)
        c.drawString(x + size + 2 * mm, y + size / 2 - 3, text)
        x += size + 2 * mm + text_width_pt(text, 8.5, bold=False) + 8 * mm


def write_capacity_pdf(rows: Sequence[CapacityRow], out: Path, *, threshold: float) -> Path:
    """Occupancy per freezer, rack and box as bars with figures; rows past ``threshold`` marked."""
    tmp = out.with_name(out.name + ".part")
    c = Canvas(str(tmp), pagesize=A4, pageCompression=1)
    c.setTitle("Storage capacity")
    width, height = A4
    regular, bold = font_name(bold=False), font_name(bold=True)
    y = height - MARGIN

    def header() -> float:
        c.setFont(bold, 14)
        c.drawString(MARGIN, height - MARGIN - 8, "Storage capacity")
        c.setFont(regular, 8.5)
        c.drawString(MARGIN, height - MARGIN - 22, f"Marked ▲: at or above {threshold:.0%} full")
        return height - MARGIN - 40

    y = header()
    bar_x, bar_w = width - MARGIN - 70 * mm, 45 * mm
    for row in rows:
        if y < MARGIN + 10:
            c.showPage()
            y = header()
        indent = row.path.count(" / ") * 4 * mm
        c.setFont(bold if row.kind not in ("box", "plate") else regular, 8.5)
        label = row.path.rsplit(" / ", 1)[-1]
        c.drawString(MARGIN + indent, y, ("▲ " if row.over_threshold else "") + label)
        c.setFillColorRGB(1, 1, 1)
        c.setStrokeColorRGB(0, 0, 0)
        c.rect(bar_x, y - 1, bar_w, 8, fill=1)
        shade = 0.3 if row.over_threshold else 0.65
        c.setFillColorRGB(shade, shade, shade)
        c.rect(bar_x, y - 1, bar_w * row.fill, 8, fill=1, stroke=0)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(regular, 8)
        c.drawString(bar_x + bar_w + 3 * mm, y, f"{row.occupied}/{row.capacity} ({row.fill:.0%})")
        y -= 12
    c.save()
    tmp.replace(out)
    return out


def write_pick_list_pdf(plan: EvacuationPlan, freezer: str, out: Path) -> Path:
    """An evacuation plan to carry out by hand: numbered boxes, from where, to which rack, a box to tick."""
    tmp = out.with_name(out.name + ".part")
    c = Canvas(str(tmp), pagesize=A4, pageCompression=1)
    c.setTitle(f"Evacuation pick list {freezer}")
    width, height = A4
    regular, bold = font_name(bold=False), font_name(bold=True)
    rows = [(str(i), m.box_code, m.from_path, m.rack_code, m.to_path) for i, m in enumerate(plan.moves, start=1)]
    rows += [("", b.code, b.path, "—", "NO PLACE") for b in plan.unplaced]
    xs = (MARGIN, MARGIN + 10 * mm, MARGIN + 38 * mm, MARGIN + 100 * mm, MARGIN + 125 * mm)

    def header() -> float:
        c.setFont(bold, 14)
        c.drawString(MARGIN, height - MARGIN - 8, f"Evacuation of {freezer}: {len(plan.moves)} box(es)")
        c.setFont(regular, 9)
        if not plan.complete:
            c.drawString(MARGIN, height - MARGIN - 22, plan.shortfall()[:140])
        c.setFont(bold, 9)
        y = height - MARGIN - 40
        for x, text in zip(xs, ("#", "Box", "From", "To rack", "To"), strict=True):
            c.drawString(x, y, text)
        c.drawRightString(width - MARGIN, y, "Done")
        return y - 14

    y = header()
    for row in rows:
        if y < MARGIN + 10:
            c.showPage()
            y = header()
        c.setFont(regular, 8.5)
        for x, text, room in zip(xs, row, (9, 27, 60, 24, 55), strict=True):
            c.drawString(x, y, text if text_width_pt(text, 8.5, bold=False) <= room * mm else text[:40] + "…")
        c.rect(width - MARGIN - 8, y - 2, 8, 8)
        y -= 13
    c.save()
    tmp.replace(out)
    return out
