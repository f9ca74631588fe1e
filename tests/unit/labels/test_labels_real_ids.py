"""Every shipped template with real sample IDs (valid check characters, aliquots, chained children).

IDs are made by :mod:`biobank_desktop.core.domain.ids`, so they are the IDs the application
really prints; each must come back exactly from the PDF (pypdfium2) and the ZPL (zplkit) at 203
and 300 dpi, and from the PDF at 600 dpi. An ID too long for a template is refused, never clipped.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import pytest

from biobank_desktop.core.domain.errors import PrinterError, ValidationError
from biobank_desktop.core.domain.ids import format_child_id, format_sample_id, parse_sample_id
from biobank_desktop.core.labels.layout import SAMPLE_LABEL_DATA, layout_label, mm_to_dots
from biobank_desktop.core.labels.model import LabelData, LabelTemplate, list_templates, load_template
from biobank_desktop.core.labels.pdf import render_pdf
from biobank_desktop.core.labels.transports import (
    CupsRawQueueTransport,
    FileTransport,
    PrintJobInterruptedError,
)
from biobank_desktop.core.labels.zpl import PrinterCalibration, render_zpl
from tests.support.labels_testkit import decode, ink_box, rasterize_pdf, zplkit_images

PRIMARY = format_sample_id("BB", 2026, 123)
ALIQUOT = format_child_id(PRIMARY, "aliquot", 1)
#: The longest ID a biobank makes in practice: aliquot 12 of the first derivative.
LONGEST = format_child_id(format_child_id(PRIMARY, "derivative", 1), "aliquot", 12)
REAL_IDS = (PRIMARY, ALIQUOT, format_sample_id("BB", 2025, 999990), LONGEST)

SHIPPED = list_templates()
ROLLS = [template for template in SHIPPED if not template.is_sheet]
ASCII = replace(SAMPLE_LABEL_DATA, free_text="Garcon uber u-test", volume="500 uL")


def _labels(data: LabelData = SAMPLE_LABEL_DATA) -> list[LabelData]:
    return [replace(data, sample_id=sample_id) for sample_id in REAL_IDS]


def _cell(template: LabelTemplate, position: int, dpi: int) -> tuple[int, int, int, int]:
    assert template.sheet is not None
    x_mm, y_mm = template.sheet.label_origin_mm(position)
    left, top = mm_to_dots(x_mm, dpi), mm_to_dots(y_mm, dpi)
    return (left, top, left + mm_to_dots(template.width_mm, dpi), top + mm_to_dots(template.height_mm, dpi))


def _barcodes(template: LabelTemplate) -> int:
    return sum(1 for element in template.elements if element.is_barcode)


def test_the_ids_are_real() -> None:
    assert LONGEST == "BB-2026-000123W-D01-A12"
    for sample_id in REAL_IDS:
        assert str(parse_sample_id(sample_id)) == sample_id


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_every_real_id_decodes_back_from_the_pdf(template: LabelTemplate, dpi: int) -> None:
    for data in _labels():
        assert layout_label(template, data, dpi=dpi).printable, (data.sample_id, dpi)
    pages = rasterize_pdf(render_pdf(template, _labels(), dpi=dpi), dpi)
    if template.sheet is None:
        assert len(pages) == len(REAL_IDS)
        for page, sample_id in zip(pages, REAL_IDS, strict=True):
            assert decode(page) == [sample_id] * _barcodes(template)
    else:
        (page,) = pages
        for position, sample_id in enumerate(REAL_IDS, start=1):
            assert decode(page.crop(_cell(template, position, dpi))) == [sample_id] * _barcodes(template)


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("template", ROLLS, ids=lambda t: t.name)
def test_every_real_id_decodes_back_from_the_zpl(template: LabelTemplate, dpi: int) -> None:
    images = zplkit_images(render_zpl(template, _labels(ASCII), PrinterCalibration(dpi=dpi)), dpi)
    assert len(images) == len(REAL_IDS)
    for image, sample_id in zip(images, REAL_IDS, strict=True):
        assert decode(image) == [sample_id] * _barcodes(template)


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_the_longest_id_is_whole_on_every_template(template: LabelTemplate, dpi: int) -> None:
    layout = layout_label(template, replace(SAMPLE_LABEL_DATA, sample_id=LONGEST), dpi=dpi)
    assert layout.printable
    assert len(layout.barcodes()) == _barcodes(template)
    for barcode in layout.barcodes():
        assert barcode.content == LONGEST
        assert barcode.x >= 0 and barcode.x + barcode.width <= layout.width_dots
        assert barcode.y >= 0 and barcode.y + barcode.height <= layout.height_dots
    for text in layout.texts():
        if template.elements[text.element_index].field == "sample_id":
            assert text.text == LONGEST and not text.truncated


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_an_id_too_long_for_the_template_is_refused_never_cut(template: LabelTemplate, dpi: int) -> None:
    # A 5-letter prefix, an 8-digit number and three generations: longer than any template takes.
    chained = format_sample_id("BBANK", 2026, 12345678)
    for kind, number in (("derivative", 1), ("derivative", 2), ("aliquot", 12)):
        chained = format_child_id(chained, kind, number)  # type: ignore[arg-type]
    data = replace(SAMPLE_LABEL_DATA, sample_id=chained)
    layout = layout_label(template, data, dpi=dpi)
    for text in layout.texts():
        if template.elements[text.element_index].field == "sample_id":
            assert text.text == chained, "the printed ID is never cut short"
    if layout.printable:
        # Shrunk, never clipped: every barcode whole on the label, with the whole ID in it.
        assert [barcode.content for barcode in layout.barcodes()] == [chained] * _barcodes(template)
        for barcode in layout.barcodes():
            assert barcode.x >= 0 and barcode.x + barcode.width <= layout.width_dots
            assert barcode.y >= 0 and barcode.y + barcode.height <= layout.height_dots
        if not layout.warnings:
            (page, *_) = rasterize_pdf(render_pdf(template, [data], dpi=dpi), dpi)
            if template.sheet is not None:
                page = page.crop(_cell(template, 1, dpi))
            assert decode(page) == [chained] * _barcodes(template)
    else:
        with pytest.raises(ValidationError, match="not printed"):
            render_pdf(template, [data], dpi=dpi)


def test_an_id_whose_text_would_be_cut_refuses_the_label() -> None:
    chained = format_child_id(
        format_child_id(format_sample_id("BBANK", 2026, 12345678), "derivative", 1), "aliquot", 12
    )
    data = replace(SAMPLE_LABEL_DATA, sample_id=chained)
    layout = layout_label(load_template("slide-25x19"), data, dpi=300)
    assert [issue.code for issue in layout.errors] == ["id_text_too_long"]
    assert not any("..." in text.text for text in layout.texts())
    with pytest.raises(ValidationError, match="cut short"):
        render_pdf(load_template("slide-25x19"), [data], dpi=300)
    with pytest.raises(ValidationError, match="cut short"):
        render_zpl(load_template("slide-25x19"), [data], PrinterCalibration(dpi=300))
    # Other text is still shortened with a warning, as before.
    long_note = replace(SAMPLE_LABEL_DATA, sample_id=LONGEST, free_text="x" * 400)
    assert layout_label(load_template("box-76x25"), long_note, dpi=203).printable


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("template", [t for t in SHIPPED if t.is_sheet], ids=lambda t: t.name)
def test_a_half_used_sheet_gets_the_labels_where_expected(template: LabelTemplate, dpi: int) -> None:
    assert template.sheet is not None
    start = template.sheet.columns + 2  # second row, second column
    (page,) = rasterize_pdf(render_pdf(template, _labels(), dpi=dpi, start_position=start), dpi)
    for position in range(1, start):
        assert ink_box(page, _cell(template, position, dpi)) is None, f"position {position} must stay blank"
    for position, sample_id in enumerate(REAL_IDS, start=start):
        assert decode(page.crop(_cell(template, position, dpi))) == [sample_id] * _barcodes(template)
    assert ink_box(page, _cell(template, start + len(REAL_IDS), dpi)) is None


# --- Transports that hand the whole job over -------------------------------------------------------

FORMATS = [f"^XA^FO20,20^A0N,30,30^FDlabel {number}^FS^XZ\n" for number in range(1, 6)]


class _FailingStream:
    """A device that takes ``good`` writes, then fails (a printer share gone, a full disk)."""

    def __init__(self, good: int) -> None:
        self.good = good
        self.data: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> int:
        if len(self.data) >= self.good:
            raise OSError(28, "No space left on device")
        self.data.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def __enter__(self) -> _FailingStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


def test_an_append_that_fails_part_way_says_which_labels_went_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _FailingStream(good=2)

    def fake_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> IO[bytes]:
        assert mode == "ab"
        return stream  # type: ignore[return-value]

    monkeypatch.setattr(Path, "open", fake_open)
    with pytest.raises(PrintJobInterruptedError) as caught:
        FileTransport(tmp_path / "printer", append=True).send_labels(FORMATS)
    assert (caught.value.labels_confirmed, caught.value.labels_unconfirmed) == (2, 1)
    assert "Labels 4-5 were not sent" in str(caught.value)
    assert stream.data == [label.encode() for label in FORMATS[:2]]


def test_an_append_that_cannot_open_says_nothing_was_written(tmp_path: Path) -> None:
    with pytest.raises(PrinterError) as caught:
        FileTransport(tmp_path / "nowhere" / "labels.zpl", append=True).send_labels(FORMATS)
    assert not isinstance(caught.value, PrintJobInterruptedError)
    assert "Nothing was written" in str(caught.value)


def test_a_print_queue_that_times_out_leaves_every_label_in_doubt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "lp"
    script.write_text("#!/bin/sh\ncat > /dev/null\nexec sleep 5\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path), "/usr/bin", "/bin"]))
    with pytest.raises(PrintJobInterruptedError) as caught:
        CupsRawQueueTransport("zebra_lab", timeout=0.5).send_labels(FORMATS)
    # lp may have queued the job: no label may go back to the queue as "not printed".
    assert (caught.value.labels_confirmed, caught.value.labels_unconfirmed) == (0, len(FORMATS))
    assert "may or may not have printed" in str(caught.value)


@pytest.mark.parametrize("make", [lambda p: FileTransport(p / "x.zpl"), lambda p: CupsRawQueueTransport("q")])
def test_a_whole_job_cancelled_before_it_starts_sends_nothing(make: Any, tmp_path: Path) -> None:
    transport = make(tmp_path)
    report = transport.send_labels(FORMATS, cancelled=lambda: True)
    assert report.cancelled and report.labels_confirmed == 0
    assert transport.query_status() is None
    assert not (tmp_path / "x.zpl").exists()
