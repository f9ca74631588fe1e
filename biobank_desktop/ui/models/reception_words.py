"""The reception page's words that come from tables (a tube's condition, how a parcel travelled, the dry ice and
packaging on arrival, a shipment's status, the reasons offered in the decision dialogs), marked for translation.

``pyside6-lupdate`` only extracts string literals, so ``tr(variable)`` leaves its text out of the translation
files. Every table the reception page shows is therefore written here with ``QT_TRANSLATE_NOOP("Reception", …)``
(its English equal to the core table's: tests/test_codebase.py checks both, and that lupdate extracts every
value) and shown through :func:`shown` (``QCoreApplication.translate("Reception", text)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:  # PySide6's stub says it returns object; it returns the text unchanged
    def QT_TRANSLATE_NOOP(context: str, source: str) -> str: ...
else:
    from PySide6.QtCore import QT_TRANSLATE_NOOP

CONTEXT: Final = "Reception"

#: core.domain.reception.CONDITIONS, marked.
CONDITIONS: Final[dict[str, str]] = {
    "OK": QT_TRANSLATE_NOOP("Reception", "OK"),
    "HAEMOLYSED": QT_TRANSLATE_NOOP("Reception", "haemolysed"),
    "LIPAEMIC": QT_TRANSLATE_NOOP("Reception", "lipaemic"),
    "ICTERIC": QT_TRANSLATE_NOOP("Reception", "icteric"),
    "CLOTTED": QT_TRANSLATE_NOOP("Reception", "clotted"),
    "LEAKING": QT_TRANSLATE_NOOP("Reception", "leaking"),
    "BROKEN": QT_TRANSLATE_NOOP("Reception", "broken"),
    "THAWED": QT_TRANSLATE_NOOP("Reception", "thawed"),
    "LOW_VOLUME": QT_TRANSLATE_NOOP("Reception", "insufficient volume"),
    "UNLABELLED": QT_TRANSLATE_NOOP("Reception", "unlabelled or illegible"),
    "WRONG_TUBE": QT_TRANSLATE_NOOP("Reception", "wrong tube type"),
}
#: Shorter words on the condition keys where the condition's name is long (the tooltip says it in full).
SHORT_NAMES: Final[dict[str, str]] = {
    "LOW_VOLUME": QT_TRANSLATE_NOOP("Reception", "low volume"),
    "UNLABELLED": QT_TRANSLATE_NOOP("Reception", "unlabelled"),
    "WRONG_TUBE": QT_TRANSLATE_NOOP("Reception", "wrong tube"),
}
#: core.domain.reception.TRANSPORT_TEMPERATURES, marked.
TRANSPORT_TEMPERATURES: Final[dict[str, str]] = {
    "ambient": QT_TRANSLATE_NOOP("Reception", "ambient"),
    "cold": QT_TRANSLATE_NOOP("Reception", "2–8 °C"),
    "dry_ice": QT_TRANSLATE_NOOP("Reception", "frozen on dry ice"),
    "ln2": QT_TRANSLATE_NOOP("Reception", "LN2 dry shipper"),
}
#: core.domain.reception.DRY_ICE_LEFT, marked.
DRY_ICE_LEFT: Final[dict[str, str]] = {
    "yes": QT_TRANSLATE_NOOP("Reception", "dry ice left"),
    "no": QT_TRANSLATE_NOOP("Reception", "no dry ice left"),
    "na": QT_TRANSLATE_NOOP("Reception", "not applicable"),
}
#: core.domain.reception.PACKAGING, marked.
PACKAGING: Final[dict[str, str]] = {
    "intact": QT_TRANSLATE_NOOP("Reception", "packaging intact"),
    "damaged": QT_TRANSLATE_NOOP("Reception", "packaging damaged"),
}
#: core.domain.reception.STATUS_LABELS (a shipment's status as the technician reads it), marked.
STATUS_LABELS: Final[dict[str, str]] = {
    "expected": QT_TRANSLATE_NOOP("Reception", "open"),
    "receiving": QT_TRANSLATE_NOOP("Reception", "partly received"),
    "closed": QT_TRANSLATE_NOOP("Reception", "closed"),
    "cancelled": QT_TRANSLATE_NOOP("Reception", "cancelled"),
}
#: Reasons offered (editable) when a waiting tube is quarantined / rejected, and when a shipment is closed.
QUARANTINE_REASONS: Final = (
    QT_TRANSLATE_NOOP("Reception", "Consent to be confirmed with the clinic"),
    QT_TRANSLATE_NOOP("Reception", "Collection time to be confirmed with the clinic"),
    QT_TRANSLATE_NOOP("Reception", "Accepted on the study lead's instruction"),
)
REJECT_REASONS: Final = (
    QT_TRANSLATE_NOOP("Reception", "Not for this biobank: returned to the clinic"),
    QT_TRANSLATE_NOOP("Reception", "Tube broken, nothing usable"),
    QT_TRANSLATE_NOOP("Reception", "Participant withdrew consent"),
    QT_TRANSLATE_NOOP("Reception", "Duplicate tube: the clinic sent it twice"),
)
CLOSE_REASONS: Final = (
    QT_TRANSLATE_NOOP("Reception", "The clinic did not send the missing tubes"),
    QT_TRANSLATE_NOOP("Reception", "The missing tubes follow in another shipment"),
    QT_TRANSLATE_NOOP("Reception", "Waiting tubes returned to the clinic"),
)
#: Every marked table, by name (the codebase test compares them with core's and with what lupdate extracts).
TABLES: Final[dict[str, dict[str, str] | tuple[str, ...]]] = {
    "CONDITIONS": CONDITIONS, "SHORT_NAMES": SHORT_NAMES, "TRANSPORT_TEMPERATURES": TRANSPORT_TEMPERATURES,
    "DRY_ICE_LEFT": DRY_ICE_LEFT, "PACKAGING": PACKAGING, "STATUS_LABELS": STATUS_LABELS,
    "QUARANTINE_REASONS": QUARANTINE_REASONS, "REJECT_REASONS": REJECT_REASONS, "CLOSE_REASONS": CLOSE_REASONS,
}


def shown(text: str) -> str:
    """``text`` (a value of one of the tables above) in the user's language."""
    return QCoreApplication.translate(CONTEXT, text)


def shown_of(table: dict[str, str], key: str | None) -> str:
    """The translated word for ``key`` in ``table`` ("" for None, the key itself when the table lacks it)."""
    if key is None:
        return ""
    return shown(table.get(key, key))


def shown_table(table: dict[str, str]) -> dict[str, str]:
    """``table`` with its words translated (for a combo box)."""
    return {key: shown(text) for key, text in table.items()}


def condition_word(code: str) -> str:
    """A condition as a label reads it: "Haemolysed", "OK"."""
    return shown_of(CONDITIONS, code).capitalize() if code != "OK" else "OK"
