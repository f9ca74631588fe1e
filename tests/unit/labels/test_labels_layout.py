"""Layout: whole-dot barcodes that are never clipped, warnings for what will not print well, text fitting."""

from __future__ import annotations

from dataclasses import replace

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.barcodes import Rect
from biobank_desktop.core.labels.fonts import text_width_pt
from biobank_desktop.core.labels.layout import (
    ELLIPSIS,
    SAMPLE_LABEL_DATA,
    BarcodePrimitive,
    LabelLayout,
    TextPrimitive,
    layout_label,
    mm_to_dots,
    printable_layouts,
    rotate_rect,
)
from biobank_desktop.core.labels.model import LabelData, LabelElement, LabelTemplate, list_templates, load_template
from tests.support.labels_testkit import SAMPLE_IDS

SHIPPED = list_templates()


def _element_box(layout: LabelLayout, index: int) -> Rect:
    element = layout.template.elements[index]
    assert element.width_mm is not None and element.height_mm is not None
    x0, y0 = mm_to_dots(element.x_mm, layout.dpi), mm_to_dots(element.y_mm, layout.dpi)
    x1 = mm_to_dots(element.x_mm + element.width_mm, layout.dpi)
    y1 = mm_to_dots(element.y_mm + element.height_mm, layout.dpi)
    return Rect(x0, y0, x1 - x0, y1 - y0)


def _inside(inner: Rect, outer: Rect) -> bool:
    return (
        inner.x >= outer.x
        and inner.y >= outer.y
        and inner.x + inner.width <= outer.x + outer.width
        and inner.y + inner.height <= outer.y + outer.height
    )


def _with_quiet_zone(barcode: BarcodePrimitive) -> Rect:
    quiet = barcode.symbol.quiet_zone_modules * barcode.module_dots
    if barcode.symbology == "code128":  # quiet zones before and after the bars only
        if barcode.rotation in (90, 270):
            return Rect(barcode.x, barcode.y - quiet, barcode.width, barcode.height + 2 * quiet)
        return Rect(barcode.x - quiet, barcode.y, barcode.width + 2 * quiet, barcode.height)
    return Rect(barcode.x - quiet, barcode.y - quiet, barcode.width + 2 * quiet, barcode.height + 2 * quiet)


@pytest.mark.parametrize("dpi", [152, 203, 300, 600])
@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_barcodes_are_whole_dots_inside_their_box_with_their_quiet_zone(template: LabelTemplate, dpi: int) -> None:
    for sample_id in SAMPLE_IDS:
        layout = layout_label(template, replace(SAMPLE_LABEL_DATA, sample_id=sample_id), dpi=dpi)
        assert layout.printable, layout.errors
        barcodes = layout.barcodes()
        assert len(barcodes) == sum(1 for e in template.elements if e.is_barcode)
        for barcode in barcodes:
            assert barcode.content == sample_id
            box = _element_box(layout, barcode.element_index)
            assert _inside(_with_quiet_zone(barcode), box)
            module = barcode.module_dots
            assert module >= 1
            for rect in barcode.rects():
                assert _inside(rect, box)
                # Every bar edge sits on the module grid of the symbol.
                assert (rect.x - barcode.x) % module == 0
                assert (rect.y - barcode.y) % module == 0 or barcode.symbology == "code128"


def test_a_code128_too_long_for_its_box_is_refused_not_clipped() -> None:
    box_label = load_template("box-76x25")
    long_id = "BB-2026-000123W-A01/" + "ABCDEFGHIJ" * 5
    layout = layout_label(box_label, replace(SAMPLE_LABEL_DATA, sample_id=long_id), dpi=203)
    assert not layout.printable
    (error,) = layout.errors
    assert error.code == "barcode_too_long"
    assert "not printed cut short" in error.message
    assert layout.barcodes() == []  # nothing half-drawn
    good = replace(SAMPLE_LABEL_DATA, sample_id="BB-2026-000123W")
    with pytest.raises(ValidationError) as caught:
        printable_layouts(box_label, [good, replace(good, sample_id=long_id)], dpi=203)
    assert f"Label 2 of 2 ({long_id})" in str(caught.value)


def test_a_datamatrix_too_big_for_a_cap_spot_is_refused() -> None:
    cap = load_template("cap-9.5-round")
    data = LabelData(sample_id="BB-2026-000123W/" + "ABCDEFGHIJKLMNOPQRST" * 10)
    layout = layout_label(cap, data, dpi=203)
    assert [issue.code for issue in layout.errors] == ["barcode_too_big"]
    assert layout.barcodes() == []


def test_a_barcode_longer_than_the_templates_limit_is_refused() -> None:
    template = load_template("box-76x25")
    limited = replace(template, elements=(replace(template.elements[0], max_chars=15), *template.elements[1:]))
    layout = layout_label(limited, LabelData(sample_id="BB-2026-000123W-A01"), dpi=300)
    assert [issue.code for issue in layout.errors] == ["barcode_data_too_long"]
    assert layout_label(limited, LabelData(sample_id="BB-2026-000123W"), dpi=300).printable


def test_an_empty_barcode_field_is_an_error_and_an_empty_text_field_is_left_out() -> None:
    layout = layout_label(load_template("cryovial-25x13"), LabelData(participant="P-1"), dpi=203)
    assert [issue.code for issue in layout.errors] == ["barcode_empty"]
    assert [text.text for text in layout.texts()] == ["P-1"]


def test_a_barcode_with_characters_it_cannot_encode_is_an_error_naming_them() -> None:
    layout = layout_label(load_template("box-76x25"), LabelData(sample_id="BB-2026-Ç0123"), dpi=203)
    (error,) = layout.errors
    assert error.code == "barcode_unencodable"
    assert "'Ç'" in error.message


def test_a_module_below_the_printable_minimum_is_a_warning() -> None:
    box_label = load_template("box-76x25")
    data = replace(SAMPLE_LABEL_DATA, sample_id="BB-2026-000123W-A01")
    coarse = layout_label(box_label, data, dpi=152)
    assert coarse.barcodes()[0].module_dots == 1
    assert [issue.code for issue in coarse.warnings] == ["module_too_small"]
    assert "1 dot (0.17 mm) at 152 dpi" in coarse.warnings[0].message
    assert coarse.printable  # a warning, not an error
    fine = layout_label(box_label, data, dpi=300)
    assert fine.barcodes()[0].module_dots == 3
    assert fine.warnings == ()


def test_short_bars_are_a_warning() -> None:
    template = load_template("box-76x25")
    flat = replace(template, elements=(replace(template.elements[0], height_mm=4.0),))
    layout = layout_label(flat, LabelData(sample_id="BB-2026-000123W"), dpi=300)
    assert [issue.code for issue in layout.warnings] == ["bars_too_short"]


def _text_of(layout: LabelLayout, field: str) -> TextPrimitive:
    (text,) = [t for t in layout.texts() if layout.template.elements[t.element_index].field == field]
    return text


def test_text_that_does_not_fit_shrinks_down_to_the_minimum_without_a_warning() -> None:
    template = load_template("cryovial-25x13")
    participant = "P-0045-12-LONGER"
    layout = layout_label(template, replace(SAMPLE_LABEL_DATA, participant=participant), dpi=300)
    text = _text_of(layout, "participant")
    assert text.text == participant
    assert text.shrunk
    requested = template.elements[text.element_index].font_size_pt
    assert requested is not None
    assert 4.0 <= text.font_size_pt < requested
    assert text.text_width <= text.run_length
    assert layout.warnings == ()


def test_text_too_long_even_at_the_minimum_is_cut_with_an_ellipsis_and_a_warning() -> None:
    template = load_template("box-76x25")
    long_text = "Aliquots for the Luxembourg cardiology follow-up study, visit 3, kept at −80 °C " * 2
    layout = layout_label(template, replace(SAMPLE_LABEL_DATA, free_text=long_text), dpi=203)
    text = _text_of(layout, "free_text")
    assert text.truncated
    assert text.text.endswith(ELLIPSIS)
    assert long_text.startswith(text.text[: -len(ELLIPSIS)])
    assert text.font_size_pt == 4.0
    assert text.text_width <= text.run_length
    # The same text in the PDF font really fits the box.
    assert text_width_pt(text.text, text.font_size_pt, bold=False) * 203 / 72 <= text.run_length
    assert [issue.code for issue in layout.warnings] == ["text_truncated"]
    assert layout.printable


def test_text_longer_than_max_chars_is_cut_with_a_warning() -> None:
    template = load_template("box-76x25")
    study = template.elements[2]
    assert study.field == "study"
    limited = replace(template, elements=(*template.elements[:2], replace(study, max_chars=7), *template.elements[3:]))
    layout = layout_label(limited, replace(SAMPLE_LABEL_DATA, study="LUX-CARDIO"))
    text = _text_of(layout, "study")
    assert text.text == "LUX-" + ELLIPSIS
    assert [issue.code for issue in layout.warnings] == ["text_truncated"]
    assert "more than" not in layout.warnings[0].message
    assert "longer than the 7 characters" in layout.warnings[0].message


def test_unicode_text_is_kept_and_measured() -> None:
    data = replace(SAMPLE_LABEL_DATA, free_text="Garçon über µ-test", volume="500 µL")
    layout = layout_label(load_template("box-76x25"), data, dpi=203)
    assert _text_of(layout, "free_text").text == "Garçon über µ-test"
    assert text_width_pt("µ", 10, bold=False) > 0
    assert text_width_pt("Garçon über µ-test", 10, bold=False) > text_width_pt("Garcon uber u-test", 10, bold=False) - 1


def test_control_characters_and_line_breaks_become_spaces() -> None:
    layout = layout_label(load_template("box-76x25"), replace(SAMPLE_LABEL_DATA, free_text="line 1\nline\t2\x00"))
    assert _text_of(layout, "free_text").text == "line 1 line 2"


def test_rotating_a_rectangle_four_quarter_turns_gives_it_back() -> None:
    rect = Rect(3, 5, 7, 2)
    frame_w, frame_h = 20, 10
    turned = rotate_rect(rect, frame_w, frame_h, 90)
    assert turned == Rect(10 - 5 - 2, 3, 2, 7)
    back = rotate_rect(turned, frame_h, frame_w, 270)
    assert back == rect
    assert rotate_rect(rotate_rect(rect, frame_w, frame_h, 180), frame_w, frame_h, 180) == rect


def test_a_code128_turned_a_quarter_has_horizontal_bars_inside_its_box() -> None:
    template = LabelTemplate(
        name="turned",
        width_mm=30,
        height_mm=60,
        elements=(
            LabelElement(field="sample_id", render="code128", x_mm=5, y_mm=2, width_mm=15, height_mm=56, rotation=90),
        ),
    )
    layout = layout_label(template, LabelData(sample_id="BB-2026-000123W"), dpi=300)
    (barcode,) = layout.barcodes()
    box = _element_box(layout, 0)
    rects = barcode.rects()
    assert all(rect.width == box.width and rect.x == box.x for rect in rects)
    assert all(rect.height % barcode.module_dots == 0 for rect in rects)
    # Clockwise: the start character (first bars) is at the top.
    assert min(rect.y for rect in rects) == barcode.y


def test_an_impossible_resolution_is_refused() -> None:
    with pytest.raises(ValidationError, match="5000 dpi"):
        layout_label(load_template("cryovial-25x13"), SAMPLE_LABEL_DATA, dpi=5000)


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(ValidationError, match="no labels"):
        printable_layouts(load_template("cryovial-25x13"), [])
