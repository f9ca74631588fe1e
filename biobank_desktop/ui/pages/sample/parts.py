"""The sample page's pieces that are not the page itself: field rows, captions, the common reasons offered to
gloved hands, and how consents and pre-analytical codes read."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout

from biobank_desktop.core.services.dto import ConsentInfo, SampleDetail, SampleLink
from biobank_desktop.ui import formatting
from biobank_desktop.ui.formatting import DASH
from biobank_desktop.ui.theme import status_text
from biobank_desktop.ui.widgets.common import label

#: The status a tube most likely goes to next (offered first); elsewhere nothing is chosen for the technician.
LIKELY_NEXT_STATUS = {"expected": "available", "in_transit": "available"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("SamplePage", text)


def barcode_kinds() -> list[tuple[str, str]]:
    """The kinds of external barcode (value, shown text), as the service stores them."""
    return [("clinic", _tr("Clinic tube barcode")), ("tube", _tr("Tube maker's 2D code")), ("other", _tr("Other"))]


def status_reasons() -> list[str]:
    return [_tr("Received at the biobank"), _tr("Tube cracked or leaking"), _tr("Haemolysed"),
            _tr("Volume used up"), _tr("Freezer alarm"), _tr("Consent withdrawn"), _tr("Sent to a partner"),
            _tr("Found again after a search")]


def reprint_reasons() -> list[str]:
    return [_tr("Label smudged"), _tr("Label frosted off"), _tr("Label torn"), _tr("Barcode does not scan"),
            _tr("Label came off on thawing"), _tr("Wrong label size")]


def barcode_removal_reasons() -> list[str]:
    return [_tr("Scanned from another tube"), _tr("Wrong label scanned"), _tr("Typing error"),
            _tr("Duplicate of another barcode")]


def link_text(link: SampleLink) -> str:
    return (f"{link.sample_code}  ·  {link.lineage_kind}, {link.sample_type}, {status_text(link.status)}, "
            f"{formatting.volume(link.volume_ul)}")


class Fields(QFormLayout):
    """Label/value rows whose values can be selected and copied."""

    def __init__(self, *rows: tuple[str, str]) -> None:
        """``rows``: (key, caption) of the rows to add now, in order."""
        super().__init__()
        self.setHorizontalSpacing(16)
        self.setVerticalSpacing(6)
        self.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.values: dict[str, QLabel] = {}
        for key, caption in rows:
            self.add(key, caption)

    def add(self, key: str, caption: str) -> QLabel:
        value = label(DASH, "value", wrap=True, selectable=True)
        value.setObjectName(f"field_{key}")
        self.addRow(label(caption, "fieldname"), value)
        self.values[key] = value
        return value

    def set(self, key: str, text: str | None) -> None:
        self.values[key].setText(text if text not in (None, "") else DASH)


def group(title: str, content: QFormLayout | QVBoxLayout) -> QGroupBox:
    box = QGroupBox(title)
    box.setLayout(content)
    return box


def explained(d: SampleDetail) -> Callable[[str | None, int], str | None]:
    """'B — RT, 10–15 min, < 3000 g' for a raw code that is also SPREC element ``index`` of the sample's code."""

    def explain(code: str | None, index: int) -> str | None:
        if code and d.material == "fluid" and len(d.sprec_elements) == 7 and d.sprec_elements[index][1] == code:
            return f"{code} — {d.sprec_elements[index][2]}"
        return code

    return explain


def temperature(value: str | None) -> str | None:
    return {"RT": "Room temperature (18–28 °C)", "COLD": "Cold (2–10 °C)",
            "BODY": "Body temperature (35–38 °C)"}.get(value or "", value)


def consent_text(c: ConsentInfo) -> str:
    status = {"given": _tr("given"), "withdrawn": _tr("WITHDRAWN"), "refused": _tr("REFUSED")}.get(c.status, c.status)
    text = _tr("Version {0} · {1} · {2}, signed {3}").format(c.version, c.scope, status, c.signed_on.isoformat())
    if c.status == "withdrawn":
        text += _tr(" · withdrawn on {0}").format(c.withdrawn_on.isoformat() if c.withdrawn_on else DASH)
        if c.withdrawal_reason:
            text += f" ({c.withdrawal_reason})"
    return text


def consent_alert(c: ConsentInfo, participant: str) -> str:
    if c.status == "refused":
        return _tr("Participant {0} REFUSED consent {1} ({2}).").format(participant, c.version, c.scope)
    when = c.withdrawn_on.isoformat() if c.withdrawn_on else DASH
    return _tr("Participant {0} WITHDREW consent {1} ({2}) on {3}: check before using this sample.").format(
        participant, c.version, c.scope, when)
