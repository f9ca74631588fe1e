"""ZPL rendered by zplkit (an independent renderer) and decoded with zxing-cpp.

zplkit's built-in font 0 has no glyphs for ç, ü or µ (Zebra printers have them), so the labels
rendered here carry ASCII text; the Unicode test checks the bytes sent instead.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.layout import SAMPLE_LABEL_DATA, layout_label, mm_to_dots
from biobank_desktop.core.labels.model import LabelData, LabelTemplate, list_templates, load_template
from biobank_desktop.core.labels.zpl import PrinterCalibration, field_data, render_zpl, render_zpl_labels
from tests.support.labels_testkit import (
    DPIS,
    SAMPLE_IDS,
    decode,
    differing_pixels,
    ink_box,
    layout_barcode_image,
    zplkit_images,
)

ROLLS = [template for template in list_templates() if not template.is_sheet]
ASCII_DATA = replace(SAMPLE_LABEL_DATA, free_text="Garcon uber u-test", volume="500 uL")


def _labels() -> list[LabelData]:
    return [replace(ASCII_DATA, sample_id=sample_id) for sample_id in SAMPLE_IDS]


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("template", ROLLS, ids=lambda t: t.name)
def test_every_sample_id_decodes_back_from_the_zpl(template: LabelTemplate, dpi: int) -> None:
    barcodes_per_label = sum(1 for element in template.elements if element.is_barcode)
    images = zplkit_images(render_zpl(template, _labels(), PrinterCalibration(dpi=dpi)), dpi)
    assert len(images) == len(SAMPLE_IDS)
    for image, sample_id in zip(images, SAMPLE_IDS, strict=True):
        assert decode(image) == [sample_id] * barcodes_per_label


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("template", ROLLS, ids=lambda t: t.name)
def test_the_printer_draws_the_layouts_barcodes_dot_for_dot(template: LabelTemplate, dpi: int) -> None:
    data = _labels()[1]
    layout = layout_label(template, data, dpi=dpi)
    (image,) = zplkit_images(render_zpl(template, [data], PrinterCalibration(dpi=dpi)), dpi)
    assert image.size == (layout.width_dots, layout.height_dots)
    expected = layout_barcode_image(layout)
    for barcode in layout.barcodes():
        box = (barcode.x - 4, barcode.y - 4, barcode.x + barcode.width + 4, barcode.y + barcode.height + 4)
        assert differing_pixels(image, expected, box) == 0


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("template", ROLLS, ids=lambda t: t.name)
def test_printed_text_stays_inside_its_box(template: LabelTemplate, dpi: int) -> None:
    layout = layout_label(template, ASCII_DATA, dpi=dpi)
    (image,) = zplkit_images(render_zpl(template, [ASCII_DATA], PrinterCalibration(dpi=dpi)), dpi)
    blanked = image.copy()
    for barcode in layout.barcodes():
        blanked.paste(255, (barcode.x, barcode.y, barcode.x + barcode.width, barcode.y + barcode.height))
    for text in layout.texts():
        element = template.elements[text.element_index]
        # The printer's font 0 may put a glyph's top a dot above the field origin: 2 dots of slack.
        box = (
            mm_to_dots(element.x_mm, dpi) - 2,
            mm_to_dots(element.y_mm, dpi) - 2,
            mm_to_dots(element.x_mm + (element.width_mm or template.width_mm), dpi) + 2,
            mm_to_dots(element.y_mm + (element.height_mm or template.height_mm), dpi) + 2,
        )
        inside = ink_box(blanked, box)
        assert inside is not None, f"{text.text!r} was not printed"
        blanked.paste(255, box)
    assert ink_box(blanked) is None, "some text spilled out of its box"


def test_each_label_is_one_complete_format_with_the_label_size_and_utf8() -> None:
    template = load_template("cryovial-33x13")
    formats = render_zpl_labels(template, _labels(), PrinterCalibration(dpi=300))
    assert len(formats) == len(SAMPLE_IDS)
    for zpl, data in zip(formats, _labels(), strict=True):
        layout = layout_label(template, data, dpi=300)
        sample_id = data.sample_id
        assert zpl.startswith("^XA^CI28")
        assert zpl.rstrip().endswith("^XZ")
        assert zpl.count("^XA") == zpl.count("^XZ") == 1
        assert f"^PW{layout.width_dots}^LL{layout.height_dots}" in zpl
        (barcode_field,) = re.findall(r"\^BX[^\^]*\^FD[^\^]*", zpl)
        size = 16 if sample_id == "BB-2026-000123W" else 18
        assert barcode_field.startswith(f"^BXN,{layout.barcodes()[0].module_dots},200,{size},{size},6,`")
        assert barcode_field.endswith(f"^FD{sample_id}")


def test_sheet_templates_are_refused_for_a_label_printer() -> None:
    with pytest.raises(ValidationError, match="Print it as PDF"):
        render_zpl_labels(load_template("a4-sheet-38x21"), _labels(), PrinterCalibration())


def test_a_calibration_offset_moves_everything_by_whole_dots() -> None:
    template = load_template("cryovial-25x13")
    data = _labels()[0]
    (plain,) = zplkit_images(render_zpl(template, [data], PrinterCalibration(dpi=203)), 203)
    moved_zpl = render_zpl(template, [data], PrinterCalibration(dpi=203, offset_x_mm=1.0, offset_y_mm=0.5))
    (moved,) = zplkit_images(moved_zpl, 203)
    before, after = ink_box(plain), ink_box(moved)
    assert before is not None and after is not None
    assert (after[0] - before[0], after[1] - before[1]) == (mm_to_dots(1.0, 203), mm_to_dots(0.5, 203)) == (8, 4)
    assert decode(moved) == [data.sample_id]


def test_a_negative_offset_that_pushes_a_field_off_the_label_is_refused() -> None:
    with pytest.raises(ValidationError, match="calibration offset pushes part of the label"):
        render_zpl(load_template("cryovial-25x13"), _labels(), PrinterCalibration(dpi=203, offset_x_mm=-2.0))


def test_darkness_is_sent_with_every_label() -> None:
    formats = render_zpl_labels(load_template("cryovial-25x13"), _labels(), PrinterCalibration(darkness=15))
    assert all(zpl.startswith("~SD15^XA") for zpl in formats)
    assert len(zplkit_images("".join(formats), 203)) == len(formats)


@pytest.mark.parametrize(
    ("calibration", "message"),
    [
        ({"dpi": 250}, "250 dpi does not exist"),
        ({"darkness": 31}, "Darkness 31 is out of range"),
        ({"offset_y_mm": 40.0}, "not plausible"),
    ],
)
def test_impossible_printer_settings_are_refused(calibration: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PrinterCalibration(**calibration)  # type: ignore[arg-type]


def test_zpl_special_characters_are_hex_escaped_so_they_cannot_start_commands() -> None:
    assert field_data("a^b~c_d") == "^FH_^FDa_5Eb_7Ec_5Fd^FS"
    assert field_data("BB-2026-000123W") == "^FDBB-2026-000123W^FS"
    data = replace(ASCII_DATA, sample_id="AB>C^D~E_F", free_text="50% ^XZ~JA done_")
    zpl = render_zpl(load_template("box-76x25"), [data], PrinterCalibration(dpi=203))
    assert "^XZ~JA" not in zpl
    assert "^BC" not in zpl  # the '>' makes the bars go out as ^GB boxes
    (image,) = zplkit_images(zpl, 203)  # one label: '^XZ' in the text did not end the format
    assert decode(image) == ["AB>C^D~E_F"]
    layout = layout_label(load_template("box-76x25"), data, dpi=203)
    expected = layout_barcode_image(layout)
    (barcode,) = layout.barcodes()
    box = (barcode.x - 4, barcode.y - 4, barcode.x + barcode.width + 4, barcode.y + barcode.height + 4)
    assert differing_pixels(image, expected, box) == 0


def test_bars_wider_than_zpl_allows_go_out_as_boxes() -> None:
    template = load_template("box-76x25")
    wide = replace(template, width_mm=150.0, elements=(replace(template.elements[0], width_mm=148.0),))
    data = LabelData(sample_id="A1")
    (barcode,) = layout_label(wide, data, dpi=203).barcodes()
    assert barcode.module_dots > 10
    zpl = render_zpl(wide, [data], PrinterCalibration(dpi=203))
    assert "^BY" not in zpl and "^GB" in zpl
    (image,) = zplkit_images(zpl, 203)
    assert decode(image) == ["A1"]


def test_a_backslash_in_text_is_printed_without_a_field_block() -> None:
    data = replace(ASCII_DATA, free_text=r"C:\labels\&new")
    zpl = render_zpl(load_template("box-76x25"), [data], PrinterCalibration(dpi=203))
    (line,) = [line for line in zpl.splitlines() if "labels" in line]
    assert "^FB" not in line
    (image,) = zplkit_images(zpl, 203)
    assert decode(image) == [data.sample_id]


def test_unicode_text_is_sent_as_utf8_after_ci28() -> None:
    data = replace(SAMPLE_LABEL_DATA, free_text="Garçon über µ-test", volume="500 µL")
    zpl = render_zpl(load_template("box-76x25"), [data], PrinterCalibration(dpi=203))
    assert zpl.index("^CI28") < zpl.index("^FD")
    assert "^FDGarçon über µ-test^FS" in zpl
    encoded = zpl.encode("utf-8")
    assert "ç".encode() in encoded and "µ".encode() in encoded


def test_rotated_barcodes_match_the_layout_in_zpl() -> None:
    base = load_template("box-76x25")
    turned = LabelTemplate(
        name="turned",
        width_mm=60.0,
        height_mm=76.0,
        elements=(
            replace(base.elements[0], x_mm=1.0, y_mm=1.0, width_mm=14.0, height_mm=74.0, rotation=90),
            replace(base.elements[0], x_mm=16.0, y_mm=1.0, width_mm=14.0, height_mm=74.0, rotation=270),
            replace(load_template("cryovial-25x13").elements[1], x_mm=32.0, y_mm=2.0, rotation=90),
            replace(load_template("cryovial-25x13").elements[1], x_mm=32.0, y_mm=14.0, rotation=180),
            replace(base.elements[1], x_mm=44.0, y_mm=1.0, width_mm=5.0, height_mm=70.0, rotation=90),
        ),
    )
    data = _labels()[0]
    for dpi in DPIS:
        layout = layout_label(turned, data, dpi=dpi)
        (image,) = zplkit_images(render_zpl(turned, [data], PrinterCalibration(dpi=dpi)), dpi)
        assert sorted(decode(image)) == [data.sample_id] * 4
        expected = layout_barcode_image(layout)
        for barcode in layout.barcodes():
            box = (barcode.x - 4, barcode.y - 4, barcode.x + barcode.width + 4, barcode.y + barcode.height + 4)
            assert differing_pixels(image, expected, box) == 0, (barcode.symbology, barcode.rotation)
