"""Whether a batch of labels can print, decided with one layout per ID shape instead of one per label.

:func:`check_printable` gives :func:`~biobank_desktop.core.labels.layout.printable_layouts`'s verdict (the same
ValidationError for the same first label) for queueing: a batch of 864 aliquots of 96 parents has a few dozen
shapes, not 864 labels to lay out (each a DataMatrix encoded).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.fonts import text_width_pt
from biobank_desktop.core.labels.layout import NEVER_CUT_FIELDS, describe_label, layout_label
from biobank_desktop.core.labels.model import LabelData, LabelTemplate

_ASCII_DIGITS: Final = {ord(d): "0" for d in "123456789"}


@functools.cache
def _tabular_digits(bold: bool) -> bool:
    """Whether every ASCII digit has the same advance width in the label font (DejaVu's figures do)."""
    return len({text_width_pt(d, 10.0, bold=bold) for d in "0123456789"}) == 1


def _shape(template: LabelTemplate, data: LabelData) -> tuple[str | None, ...]:
    """What decides whether a label has an error, with every ASCII digit written as 0.

    Only barcodes and the never-cut ID text can give an error. A barcode's verdict depends on its content's
    length, its characters' classes (Code 128 chooses code set C by ``isdigit`` runs; DataMatrix's ASCII
    encodation packs digit pairs: the symbol's size depends on where digits stand, not on which digits) and
    on ``_check_ascii`` (digits always pass). The ID text's verdict depends on its length and its width,
    which is a sum of advance widths: unchanged by the substitution when the font's digits are tabular
    (checked, per weight; otherwise the text is kept as it is)."""
    key: list[str | None] = []
    for element in template.elements:
        if element.is_barcode:
            content = element.content(data)
            key.append(None if content is None else content.translate(_ASCII_DIGITS))
        elif element.field in NEVER_CUT_FIELDS:
            content = element.content(data)
            if content is not None and _tabular_digits(element.bold):
                content = content.translate(_ASCII_DIGITS)
            key.append(content)
    return tuple(key)


def check_printable(template: LabelTemplate, labels: Sequence[LabelData], *, dpi: int | None = None) -> None:
    """:func:`printable_layouts`'s verdict (the same ValidationError for the same first label), without laying
    out every label: labels of one shape (:func:`_shape`, e.g. 864 aliquot IDs ``…-A01``…``…-A09``) share
    their verdict, so one layout per shape decides, and a label with an error is laid out itself for its
    message."""
    if not labels:
        raise ValidationError("There are no labels to print.", hint="Select at least one sample.")
    verdicts: dict[tuple[str | None, ...], bool] = {}
    for number, data in enumerate(labels, start=1):
        shape = _shape(template, data)
        fine = verdicts.get(shape)
        if fine is None:
            fine = verdicts[shape] = not layout_label(template, data, dpi=dpi).errors
        if not fine:
            layout_label(template, data, dpi=dpi).raise_for_errors(describe_label(data, number, len(labels)))
