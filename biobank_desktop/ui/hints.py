"""What to do, in this window's terms, for the errors whose remedy is a control (``BiobankError.reason``).

The services say what to do in words any front end may show; where the remedy is a control, the window names
its own ("tick Move from other boxes") as the command line names its flags (cli/context.py ``CLI_HINTS``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def ui_hint(reason: str | None, hint: str | None) -> str | None:
    """The window's words for ``reason``, else the service's ``hint``."""
    tr = QCoreApplication.translate
    hints = {
        "already_stored": tr("hints", "Nothing was placed. To move it here, tick Move from other boxes (or drag it "
                                      "on the map)."),
        "rack_not_named": tr("hints", "Type or scan the rack's barcode in Rack code, then press Enter."),
        "rack_unknown": tr("hints", "If the database knows it as one of its boxes, type or scan that box's barcode "
                                    "in Rack code, then press Enter; otherwise register the rack in the storage "
                                    "tree."),
        "other_rack": tr("hints", "Clear Rack code to read it as the rack it names, or import the right file."),
        "partner_missing": tr("hints", "Choose the partner site that sent it."),
    }
    return hints.get(reason or "", hint)
