"""The label font: DejaVu Sans Condensed (regular and bold), shipped under resources/fonts/.

Text is measured with the same font the PDF embeds, so a text the layout says fits does fit on
the PDF. Its widths are close to those of the Zebra printers' scalable font 0, which the ZPL
renderer uses. DejaVu covers Latin, Greek and Cyrillic, so ç, ü, µ and ° print as typed.
"""

from __future__ import annotations

import threading
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from biobank_desktop.core.resources import resource_path

REGULAR: Final = "BiobankLabelSans"
BOLD: Final = "BiobankLabelSans-Bold"
_FILES: Final = {REGULAR: "DejaVuSansCondensed.ttf", BOLD: "DejaVuSansCondensed-Bold.ttf"}
#: Where the baseline sits below the top of a line of text, as a fraction of the font size. The
#: capitals' tops then touch the top of the line, as with ZPL ``^FO`` and font 0.
BASELINE_RATIO: Final = 0.73

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the label fonts with reportlab (once per process; safe from several threads)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, file_name in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
        _registered = True


def font_name(*, bold: bool) -> str:
    """The reportlab name of the label font (registering it on first use)."""
    register_fonts()
    return BOLD if bold else REGULAR


def text_width_pt(text: str, size_pt: float, *, bold: bool) -> float:
    """Width of ``text`` set in the label font at ``size_pt``, in points."""
    return float(pdfmetrics.stringWidth(text, font_name(bold=bold), size_pt))
