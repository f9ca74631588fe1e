"""Bench: 1,000 cryovial labels to PDF and to ZPL, against reportlab drawing the same bare shapes.

The baseline draws, on 1,000 pages of the label's size, exactly as many bare rectangles and
strings (same font, same sizes, same positions) as the real labels contain, with no layout, no
barcode encoding and no checks: the cost of reportlab alone. Each figure is the best of three
runs in the same process. Run: .venv/bin/python bench/bench_labels.py [count]
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from dataclasses import replace

from reportlab.pdfgen.canvas import Canvas

from biobank_desktop.core.labels.fonts import font_name
from biobank_desktop.core.labels.layout import (
    MM_PER_INCH,
    SAMPLE_LABEL_DATA,
    LabelLayout,
    printable_layouts,
)
from biobank_desktop.core.labels.model import LabelData, load_template
from biobank_desktop.core.labels.pdf import render_pdf
from biobank_desktop.core.labels.zpl import PrinterCalibration, render_zpl

TEMPLATE = "cryovial-25x13"
DPI = 300
RUNS = 3


def _labels(count: int) -> list[LabelData]:
    return [
        replace(
            SAMPLE_LABEL_DATA, sample_id=f"BB-2026-{number:06d}K-A{number % 100:02d}", participant=f"P-{number:05d}"
        )
        for number in range(count)
    ]


def _baseline(layouts: list[LabelLayout]) -> bytes:
    """reportlab alone: the same rectangles and strings, pre-computed, drawn one by one."""
    template = layouts[0].template
    pt = 72.0 / DPI
    page_w = template.width_mm / MM_PER_INCH * 72.0
    page_h = template.height_mm / MM_PER_INCH * 72.0
    shapes = []
    for layout in layouts:
        rects = [
            (r.x * pt, page_h - (r.y + r.height) * pt, r.width * pt, r.height * pt)
            for barcode in layout.barcodes()
            for r in barcode.rects()
        ]
        texts = [
            (font_name(bold=t.bold), t.font_size_pt, t.x * pt, page_h - (t.y + t.line_height) * pt, t.text)
            for t in layout.texts()
        ]
        shapes.append((rects, texts))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_w, page_h), invariant=True, pageCompression=1)
    for rects, texts in shapes:
        for x, y, w, h in rects:
            canvas.rect(x, y, w, h, stroke=0, fill=1)
        for name, size, x, y, text in texts:
            canvas.setFont(name, size)
            canvas.drawString(x, y, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _best(action: Callable[[], object]) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    template = load_template(TEMPLATE)
    labels = _labels(count)
    font_name(bold=False)  # register the fonts outside the timings
    layouts = printable_layouts(template, labels, dpi=DPI)
    rect_count = sum(len(b.rects()) for layout in layouts for b in layout.barcodes())
    text_count = sum(len(layout.texts()) for layout in layouts)

    t_layout, _ = _best(lambda: printable_layouts(template, labels, dpi=DPI))
    t_pdf, pdf = _best(lambda: render_pdf(template, labels, dpi=DPI))
    t_zpl, zpl = _best(lambda: render_zpl(template, labels, PrinterCalibration(dpi=DPI)))
    t_base, base = _best(lambda: _baseline(layouts))
    assert isinstance(pdf, bytes) and isinstance(zpl, str) and isinstance(base, bytes)

    print(f"{count} labels, template {TEMPLATE}, {DPI} dpi, best of {RUNS} runs")
    print(
        f"  per label: {rect_count / count:.0f} filled rectangles (DataMatrix runs), {text_count / count:.0f} strings"
    )
    print(f"  baseline  reportlab bare rects + strings : {t_base:6.3f} s  ({len(base) / 1e6:.2f} MB)")
    print(f"  layout only (encode + fit, no output)    : {t_layout:6.3f} s  = {t_layout / t_base:4.2f} x baseline")
    print(
        f"  PDF  render_pdf                          : {t_pdf:6.3f} s  = {t_pdf / t_base:4.2f} x baseline  "
        f"({len(pdf) / 1e6:.2f} MB, {t_pdf / count * 1e3:.2f} ms/label)"
    )
    print(
        f"  ZPL  render_zpl                          : {t_zpl:6.3f} s  = {t_zpl / t_base:4.2f} x baseline  "
        f"({len(zpl.encode()) / 1e3:.0f} kB, {t_zpl / count * 1e3:.2f} ms/label)"
    )


if __name__ == "__main__":
    main()
