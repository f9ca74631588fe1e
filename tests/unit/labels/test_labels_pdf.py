"""PDF labels rasterised with pypdfium2 and decoded with zxing-cpp: every ID comes back exactly."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import Image

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.layout import SAMPLE_LABEL_DATA, layout_label, mm_to_dots
from biobank_desktop.core.labels.model import LabelData, LabelTemplate, list_templates, load_template
from biobank_desktop.core.labels.pdf import SheetPlacement, render_pdf, sheet_placements
from tests.support.labels_testkit import (
    DPIS,
    SAMPLE_IDS,
    decode,
    differing_pixels,
    ink_box,
    layout_barcode_image,
    pdf_page_sizes_pt,
    pdf_text,
    rasterize_pdf,
)

SHIPPED = list_templates()
MM_TO_PT = 72 / 25.4


def _labels() -> list[LabelData]:
    return [replace(SAMPLE_LABEL_DATA, sample_id=sample_id) for sample_id in SAMPLE_IDS]


def _cell(template: LabelTemplate, position: int, dpi: int) -> tuple[int, int, int, int]:
    assert template.sheet is not None
    x_mm, y_mm = template.sheet.label_origin_mm(position)
    left, top = mm_to_dots(x_mm, dpi), mm_to_dots(y_mm, dpi)
    return (left, top, left + mm_to_dots(template.width_mm, dpi), top + mm_to_dots(template.height_mm, dpi))


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_every_sample_id_decodes_back_from_the_pdf(template: LabelTemplate, dpi: int) -> None:
    barcodes_per_label = sum(1 for element in template.elements if element.is_barcode)
    pdf = render_pdf(template, _labels(), dpi=dpi)
    pages = rasterize_pdf(pdf, dpi)
    if template.sheet is None:
        assert len(pages) == len(SAMPLE_IDS)
        for page, sample_id in zip(pages, SAMPLE_IDS, strict=True):
            assert decode(page) == [sample_id] * barcodes_per_label
    else:
        (page,) = pages
        for position, sample_id in enumerate(SAMPLE_IDS, start=1):
            assert decode(page.crop(_cell(template, position, dpi))) == [sample_id] * barcodes_per_label


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_a_roll_page_is_the_label_and_a_sheet_page_is_the_paper(template: LabelTemplate) -> None:
    (size,) = pdf_page_sizes_pt(render_pdf(template, _labels()[:1]))
    if template.sheet is None:
        expected = (template.width_mm * MM_TO_PT, template.height_mm * MM_TO_PT)
    else:
        expected = (template.sheet.page_width_mm * MM_TO_PT, template.sheet.page_height_mm * MM_TO_PT)
    assert size == pytest.approx(expected, abs=0.01)


def test_the_pdf_draws_exactly_the_layouts_bars_on_the_dot_grid() -> None:
    # 25.4 x 12.7 mm is exactly 300 x 150 dots at 300 dpi, so the raster is the printer's grid.
    template = load_template("cryovial-25x13")
    data = _labels()[1]
    (page,) = rasterize_pdf(render_pdf(template, [data], dpi=300), 300)
    expected = layout_barcode_image(layout_label(template, data, dpi=300))
    assert page.size == expected.size == (300, 150)
    (barcode,) = layout_label(template, data, dpi=300).barcodes()
    box = (barcode.x - 3, barcode.y - 3, barcode.x + barcode.width + 3, barcode.y + barcode.height + 3)
    assert differing_pixels(page, expected, box) == 0
    # Crisp: no grey pixels inside the symbol (every edge on a pixel edge).
    assert all(value <= 5 or value >= 250 for value in page.crop(box).tobytes())


def test_a_calibration_offset_moves_the_whole_label() -> None:
    template = load_template("cryovial-25x13")
    data = _labels()[0]
    (plain,) = rasterize_pdf(render_pdf(template, [data], dpi=300), 300)
    (moved,) = rasterize_pdf(render_pdf(template, [data], dpi=300, offset_x_mm=1.0, offset_y_mm=0.5), 300)
    before, after = ink_box(plain), ink_box(moved)
    assert before is not None and after is not None
    dx, dy = mm_to_dots(1.0, 300), mm_to_dots(0.5, 300)
    assert (after[0], after[1]) == (before[0] + dx, before[1] + dy)


def test_a_sheet_starts_at_the_chosen_position_and_leaves_the_used_ones_blank() -> None:
    template = load_template("a4-sheet-38x21")
    dpi = 203
    (page,) = rasterize_pdf(render_pdf(template, _labels(), dpi=dpi, start_position=7), dpi)
    for position in range(1, 7):
        assert ink_box(page, _cell(template, position, dpi)) is None, f"position {position} must stay blank"
    for position, sample_id in zip(range(7, 10), SAMPLE_IDS, strict=True):
        assert decode(page.crop(_cell(template, position, dpi))) == [sample_id]
    assert ink_box(page, _cell(template, 10, dpi)) is None


def test_labels_that_do_not_fit_continue_on_a_new_sheet_from_the_first_position() -> None:
    template = load_template("letter-sheet-44x13")
    assert template.sheet is not None and template.sheet.positions == 80
    assert sheet_placements(template, 3, start_position=79) == [
        SheetPlacement(1, 79),
        SheetPlacement(1, 80),
        SheetPlacement(2, 1),
    ]
    dpi = 203
    pages = rasterize_pdf(render_pdf(template, _labels(), dpi=dpi, start_position=79), dpi)
    assert len(pages) == 2
    assert decode(pages[0].crop(_cell(template, 79, dpi))) == [SAMPLE_IDS[0]]
    assert decode(pages[0].crop(_cell(template, 80, dpi))) == [SAMPLE_IDS[1]]
    assert decode(pages[1].crop(_cell(template, 1, dpi))) == [SAMPLE_IDS[2]]
    assert ink_box(pages[1], _cell(template, 2, dpi)) is None


@pytest.mark.parametrize("position", [0, 66])
def test_a_start_position_off_the_sheet_is_refused(position: int) -> None:
    with pytest.raises(ValidationError, match="positions 1 to 65"):
        render_pdf(load_template("a4-sheet-38x21"), _labels(), start_position=position)


def test_unicode_text_is_printed_with_an_embedded_font() -> None:
    data = replace(SAMPLE_LABEL_DATA, free_text="Garçon über µ-test", volume="500 µL", participant="Ærøskøbing-7")
    pdf = render_pdf(load_template("slide-25x19"), [data])
    (text,) = pdf_text(render_pdf(load_template("box-76x25"), [data]))
    assert "Garçon über µ-test" in text
    (slide_text,) = pdf_text(pdf)
    assert "Ærøskøbing-7" in slide_text
    assert b"/FontFile2" in pdf  # the TrueType font travels with the PDF
    assert b"+DejaVuSansCondensed" in pdf  # a subset of the shipped font


def test_a_batch_with_one_bad_label_is_refused_before_anything_is_drawn() -> None:
    labels = [*_labels(), LabelData(sample_id="BB-2026-ç00123")]
    with pytest.raises(ValidationError) as caught:
        render_pdf(load_template("box-76x25"), labels)
    message = str(caught.value)
    assert "Label 4 of 4 (BB-2026-ç00123)" in message
    assert "'ç'" in message


def test_rotated_elements_decode_from_the_pdf() -> None:
    base = load_template("box-76x25")
    code128 = replace(base.elements[0], x_mm=1.0, y_mm=1.0, width_mm=14.0, height_mm=74.0, rotation=90)
    datamatrix = replace(load_template("cryovial-25x13").elements[1], x_mm=16.0, y_mm=2.0, rotation=270)
    text = replace(base.elements[1], x_mm=30.0, y_mm=1.0, width_mm=20.0, height_mm=70.0, rotation=180)
    turned = LabelTemplate(name="turned", width_mm=60.0, height_mm=76.0, elements=(code128, datamatrix, text))
    for dpi in DPIS:
        (page,) = rasterize_pdf(render_pdf(turned, _labels()[:1], dpi=dpi), dpi)
        assert sorted(decode(page)) == [SAMPLE_IDS[0]] * 2
        assert isinstance(page, Image.Image)
