"""ZPL II for Zebra printers: one ``^XA ... ^XZ`` format per label, from the same layout as the PDF.

Per label: ``^CI28`` (UTF-8 text), ``^PW``/``^LL`` (label size in dots at the printer's
resolution), then one field per primitive with ``^FO`` in dots (plus the printer's calibration
offset):

* Code 128: ``^BY`` module width in dots, ``^BC`` in mode N with the code set switches spelt out,
  so the printer draws exactly the symbol the layout measured (content with a ``>``, which ZPL
  renderers read differently, and bars wider than 10 dots are sent as ``^GB`` boxes instead);
* DataMatrix: ``^BX`` quality 200 (ECC200) with the module size in dots, the symbol size the
  layout chose, and an explicit escape character (:data:`DATAMATRIX_ZPL_ESCAPE`) that IDs never
  contain (a printer's default differs between models);
* text: the printer's scalable font 0 at the layout's size, in a one-line ``^FB`` field block
  (the printer aligns the text and never lets it spill out of its box); ``^FH`` hex escapes for
  ``^``, ``~`` and ``_`` in the data.

Sheet templates are for PDF only. The text's glyphs are the printer's, so text widths can differ
slightly from the PDF and the designer's preview; barcodes are identical dot for dot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.barcodes import DATAMATRIX_ZPL_ESCAPE, Code128Symbol, Rect
from biobank_desktop.core.labels.layout import (
    BarcodePrimitive,
    LabelLayout,
    TextPrimitive,
    mm_to_dots,
    printable_layouts,
    rotate_rect,
)
from biobank_desktop.core.labels.model import LabelData, LabelTemplate

_ORIENTATION = {0: "N", 90: "R", 180: "I", 270: "B"}
_JUSTIFY = {"left": "L", "center": "C", "right": "R"}
_HEX_INDICATOR = "_"
# Characters that would end the field or start a command, and the hex indicator itself.
_NEEDS_HEX = frozenset("^~" + _HEX_INDICATOR)
# ^BY module width and ^BX module size: ZPL accepts 1-10 and 1 up to the label's size.
_MAX_BY = 10


@dataclass(frozen=True, slots=True)
class PrinterCalibration:
    """What differs from one Zebra printer to another.

    ``dpi`` is the print head's resolution (152, 203, 300 or 600). ``offset_x_mm``/``offset_y_mm``
    move everything on the label (positive: right/down) to correct a printer that prints off
    centre. ``darkness`` (0-30, ZPL ``~SD``) is sent with every label when set; None leaves the
    printer's own setting.
    """

    dpi: int = 203
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    darkness: int | None = None

    def __post_init__(self) -> None:
        if self.dpi not in (152, 203, 300, 600):
            raise ValidationError(
                f"A Zebra print head of {self.dpi} dpi does not exist.",
                hint="Set the printer's resolution to 152, 203, 300 or 600 dpi (see its configuration label).",
            )
        if self.darkness is not None and not 0 <= self.darkness <= 30:
            raise ValidationError(
                f"Darkness {self.darkness} is out of range.", hint="Use a value from 0 to 30, or none."
            )
        for name in ("offset_x_mm", "offset_y_mm"):
            if abs(getattr(self, name)) > 20:
                raise ValidationError(
                    f"A calibration offset of {getattr(self, name)} mm is not plausible.",
                    hint="Offsets correct a printer by a few millimetres at most (-20 to 20 mm).",
                )


def render_zpl_labels(
    template: LabelTemplate, labels: Sequence[LabelData], calibration: PrinterCalibration
) -> list[str]:
    """One ZPL format (``^XA ... ^XZ``) per label, in order; send them one by one to learn which
    labels reached the printer. ValidationError (naming the label) when any label cannot be printed."""
    if template.is_sheet:
        raise ValidationError(
            f"Template {template.name!r} is a sheet of labels for an office printer; it cannot be sent to a "
            f"Zebra label printer.",
            hint="Print it as PDF, or choose a roll template for the label printer.",
        )
    layouts = printable_layouts(template, labels, dpi=calibration.dpi)
    return [layout_to_zpl(layout, calibration) for layout in layouts]


def render_zpl(template: LabelTemplate, labels: Sequence[LabelData], calibration: PrinterCalibration) -> str:
    """All labels as one ZPL document (for a file or a print queue)."""
    return "".join(render_zpl_labels(template, labels, calibration))


def layout_to_zpl(layout: LabelLayout, calibration: PrinterCalibration) -> str:
    """The ZPL format of one laid-out label (its resolution must be the printer's)."""
    if layout.dpi != calibration.dpi:
        raise ValueError(f"layout made at {layout.dpi} dpi for a {calibration.dpi} dpi printer")
    shift = (mm_to_dots(calibration.offset_x_mm, layout.dpi), mm_to_dots(calibration.offset_y_mm, layout.dpi))
    darkness = "" if calibration.darkness is None else f"~SD{calibration.darkness:02d}"
    parts = [f"{darkness}^XA^CI28^PW{layout.width_dots}^LL{layout.height_dots}^LH0,0"]
    for primitive in layout.primitives:
        if isinstance(primitive, BarcodePrimitive):
            parts.append(_barcode_field(primitive, shift))
        else:
            parts.append(_text_field(primitive, shift))
    parts.append("^XZ")
    return "\n".join(parts) + "\n"


def _origin(x: int, y: int, shift: tuple[int, int]) -> str:
    fx, fy = x + shift[0], y + shift[1]
    if fx < 0 or fy < 0:
        raise ValidationError(
            "The printer's calibration offset pushes part of the label past its top or left edge.",
            hint="Reduce the negative offset in the printer settings, or move the element away from the edge.",
        )
    return f"^FO{fx},{fy}"


def field_data(text: str) -> str:
    """``^FD`` data for ``text``: ``^FH`` with hex escapes when it holds ``^``, ``~`` or ``_``."""
    if not any(char in _NEEDS_HEX for char in text):
        return f"^FD{text}^FS"
    escaped = "".join(f"{_HEX_INDICATOR}{ord(char):02X}" if char in _NEEDS_HEX else char for char in text)
    return f"^FH{_HEX_INDICATOR}^FD{escaped}^FS"


def _barcode_field(barcode: BarcodePrimitive, shift: tuple[int, int]) -> str:
    orientation = _ORIENTATION[barcode.rotation]
    origin = _origin(barcode.x, barcode.y, shift)
    symbol = barcode.symbol
    if isinstance(symbol, Code128Symbol):
        if ">" in symbol.content or barcode.module_dots > _MAX_BY:
            return _boxes(barcode, shift)
        return (
            f"{origin}^BY{barcode.module_dots}^BC{orientation},{barcode.local_height},N,N,N,N"
            f"{field_data(symbol.zpl_field_data())}"
        )
    return (
        f"{origin}^BX{orientation},{barcode.module_dots},200,{symbol.size},{symbol.size},6,"
        f"{DATAMATRIX_ZPL_ESCAPE}{field_data(symbol.content)}"
    )


def _boxes(barcode: BarcodePrimitive, shift: tuple[int, int]) -> str:
    """The symbol as filled ``^GB`` boxes, one per bar: the exact geometry, for the rare content
    ``^BC`` cannot carry reliably (a ``>``) or bars wider than ``^BY`` allows (10 dots)."""
    return "\n".join(
        f"{_origin(rect.x, rect.y, shift)}^GB{rect.width},{rect.height},{min(rect.width, rect.height)}^FS"
        for rect in barcode.rects()
    )


def _text_field(text: TextPrimitive, shift: tuple[int, int]) -> str:
    orientation = _ORIENTATION[text.rotation]
    height = max(1, round(text.font_size_dots))
    font = f"^A0{orientation},{height},{height}"
    if "\\" in text.text:
        # In a field block a backslash starts a formatting code; place the text ourselves instead.
        start = rotate_rect(
            Rect(round(text.start_offset), 0, max(1, round(text.text_width)), text.line_height),
            text.run_length,
            text.line_height,
            text.rotation,
        )
        return f"{_origin(text.x + start.x, text.y + start.y, shift)}{font}{field_data(text.text)}"
    block = f"^FB{text.run_length},1,0,{_JUSTIFY[text.align]},0"
    return f"{_origin(text.x, text.y, shift)}{font}{block}{field_data(text.text)}"
