"""Outside checks for label tests: rasterise PDFs (pypdfium2), render ZPL (zplkit), decode (zxing-cpp).

zplkit is OSL-3.0: it is a test dependency only, never imported by the application.
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import zplkit
import zxingcpp
from PIL import Image, ImageDraw

from biobank_desktop.core.labels.layout import LabelLayout

SAMPLE_IDS = ("BB-2026-000123W", "BB-2026-000123W-A01", "BB-2025-999990U-A12")
DPIS = (203, 300)

# Commands that change printer settings; zplkit does not render them (see FIELD-NOTES).
_PRINTER_SETTINGS = re.compile(r"(\^PQ|\^MM|\^MD|\^PR|\^MN|\^JU|~SD)[^\^~]*")


def rasterize_pdf(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page of ``pdf`` as a greyscale image at ``dpi``."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document]
    finally:
        document.close()


def pdf_text(pdf: bytes) -> list[str]:
    """The text of every page, as a PDF reader extracts it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def pdf_page_sizes_pt(pdf: bytes) -> list[tuple[float, float]]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [tuple(page.get_size()) for page in document]
    finally:
        document.close()


def zplkit_images(zpl: str, dpi: int) -> list[Image.Image]:
    """Every ``^XA...^XZ`` format of ``zpl`` rendered by zplkit at ``dpi``, as greyscale images."""
    # zplkit's font cannot draw µ (real printers can, with ^CI28): swap it for a glyph it has.
    cleaned = _PRINTER_SETTINGS.sub("", zpl).replace("µ", "u")
    document = zplkit.render(cleaned, zplkit.Options(profile="specification", dpi=dpi))
    images = []
    for label in document.labels:
        raster = label.rasterize()
        images.append(Image.frombytes("L", (raster.width, raster.height), bytes(raster.pixels)))
    return images


def decode(image: Image.Image) -> list[str]:
    """The texts of every Code 128 and DataMatrix zxing-cpp finds in ``image``."""
    formats = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.DataMatrix])
    return [result.text for result in zxingcpp.read_barcodes(image, formats=formats)]


def layout_barcode_image(layout: LabelLayout) -> Image.Image:
    """The layout's barcode rectangles drawn on a white label (the geometry every renderer must match)."""
    image = Image.new("L", (layout.width_dots, layout.height_dots), 255)
    draw = ImageDraw.Draw(image)
    for barcode in layout.barcodes():
        for rect in barcode.rects():
            draw.rectangle((rect.x, rect.y, rect.x + rect.width - 1, rect.y + rect.height - 1), fill=0)
    return image


def black(image: Image.Image) -> Image.Image:
    """Threshold to pure black (0) and white (255)."""
    return image.point(lambda value: 0 if value < 128 else 255)


def differing_pixels(first: Image.Image, second: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels differ (after thresholding) inside ``box`` (left, top, right, bottom)."""
    a = black(first.crop(box)).tobytes()
    b = black(second.crop(box)).tobytes()
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


def ink_box(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the dark pixels, in image coordinates."""
    region = image.crop(box) if box else image
    found = black(region).point(lambda value: 255 - value).getbbox()
    if found is None or box is None:
        return found
    return (found[0] + box[0], found[1] + box[1], found[2] + box[0], found[3] + box[1])
