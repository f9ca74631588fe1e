"""Reception rules in plain Python: arrival conditions, per-tube condition codes, what a scan's outcome is,
the consent rule and the order of a tube's time points.

The service (``core.services.reception``) applies these to what the database holds; the scan session
(``core.flows.reception``) turns a scan's outcome into the feedback a technician sees from a step away.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from biobank_desktop.core.domain.errors import ValidationError

# -- shipments ----------------------------------------------------------------------------------------------

#: Shipment statuses as stored: ``expected`` is open with nothing received yet, ``receiving`` is partly
#: received, ``closed`` is done (missing tubes allowed with a reason), ``cancelled`` never arrived.
SHIPMENT_STATUSES: Final = ("expected", "receiving", "closed", "cancelled")
OPEN_STATUSES: Final = ("expected", "receiving")
STATUS_LABELS: Final[dict[str, str]] = {"expected": "open", "receiving": "partly received", "closed": "closed",
                                        "cancelled": "cancelled"}
#: What a shipment list may be filtered on (the words the technician sees) → stored statuses.
STATUS_FILTERS: Final[dict[str, tuple[str, ...]]] = {
    "open": OPEN_STATUSES, "partly received": ("receiving",), "closed": ("closed",), "cancelled": ("cancelled",),
}

#: How the parcel travelled (its temperature class).
TRANSPORT_TEMPERATURES: Final[dict[str, str]] = {
    "ambient": "ambient", "cold": "2–8 °C", "dry_ice": "frozen on dry ice", "ln2": "LN2 dry shipper",
}
#: Was dry ice left in the box on arrival: yes, no, not applicable (no dry ice in this transport).
DRY_ICE_LEFT: Final[dict[str, str]] = {"yes": "dry ice left", "no": "no dry ice left", "na": "not applicable"}
PACKAGING: Final[dict[str, str]] = {"intact": "packaging intact", "damaged": "packaging damaged"}
#: A logger or probe reading outside this range is a typing error, not a temperature.
TEMPERATURE_RANGE_C: Final = (-200, 60)

#: The largest file kept with a shipment (a photo, a courier's slip, a logger's export).
MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024

# -- tubes --------------------------------------------------------------------------------------------------

#: Per-tube condition codes and what the technician reads. Anything but OK counts as "damaged" on the board.
CONDITIONS: Final[dict[str, str]] = {
    "OK": "OK",
    "HAEMOLYSED": "haemolysed",
    "LIPAEMIC": "lipaemic",
    "ICTERIC": "icteric",
    "CLOTTED": "clotted",
    "LEAKING": "leaking",
    "BROKEN": "broken",
    "THAWED": "thawed",
    "LOW_VOLUME": "insufficient volume",
    "UNLABELLED": "unlabelled or illegible",
    "WRONG_TUBE": "wrong tube type",
}
_CONDITION_WORDS: Final[dict[str, str]] = {
    "HEMOLYSED": "HAEMOLYSED", "HEMOLYZED": "HAEMOLYSED", "HAEMOLYZED": "HAEMOLYSED", "LIPEMIC": "LIPAEMIC",
    "INSUFFICIENT_VOLUME": "LOW_VOLUME", "ILLEGIBLE": "UNLABELLED", "WRONG_TUBE_TYPE": "WRONG_TUBE",
}

#: Where a scanned tube stands in its shipment (the ``outcome`` column of a receipt).
RECEIPT_OUTCOMES: Final = ("expected", "unexpected", "unlabelled")
#: What was decided for it: ``pending`` waits for the technician (an unexpected tube, a consent or time stop).
DECISIONS: Final = ("pending", "accepted", "quarantined", "rejected")
#: Why a listed tube was stopped at the scan: no valid consent, impossible time points, or a description that
#: gives no SPREC code (a tissue code SPREC does not have, a tissue without its type of collection).
STOPS: Final = ("consent", "time", "data")


class ScanOutcome(StrEnum):
    """The answer to one scan. The first three are the issue's ``expected`` / ``duplicate`` / ``unexpected``."""

    EXPECTED = "expected"  # on this manifest, received and accessioned (✓)
    DUPLICATE = "duplicate"  # already scanned into this shipment (⚠): nothing changed
    UNEXPECTED = "unexpected"  # not on this manifest (or a shipment without one): recorded, waits for a decision
    OTHER_SHIPMENT = "other_shipment"  # on another open shipment's manifest (✗, names it): nothing recorded
    ACCESSIONED = "accessioned"  # the barcode already belongs to a sample (✗): nothing recorded
    SHIPMENT_CLOSED = "shipment_closed"  # the shipment is closed (✗): nothing recorded
    CONSENT_STOP = "consent_stop"  # listed, but no valid consent (✗): recorded, quarantine or reject
    TIME_STOP = "time_stop"  # listed, but collected after its reception (✗): recorded, quarantine or reject
    DATA_STOP = "data_stop"  # listed, but its description gives no SPREC code (✗): recorded, quarantine or reject
    NOT_A_TUBE = "not_a_tube"  # a sample ID or storage barcode of this biobank (✗): nothing recorded
    UNLABELLED = "unlabelled"  # a tube with no barcode, registered by hand (✓)
    DECIDED = "decided"  # the answer to a decision (accepted / quarantined / rejected)


#: How each outcome looks: tone ("ok" green ✓, "warning" amber ⚠, "error" red ✗).
OUTCOME_TONES: Final[dict[ScanOutcome, str]] = {
    ScanOutcome.EXPECTED: "ok", ScanOutcome.UNLABELLED: "ok", ScanOutcome.DECIDED: "ok",
    ScanOutcome.DUPLICATE: "warning", ScanOutcome.UNEXPECTED: "warning",
    ScanOutcome.OTHER_SHIPMENT: "error", ScanOutcome.ACCESSIONED: "error", ScanOutcome.SHIPMENT_CLOSED: "error",
    ScanOutcome.CONSENT_STOP: "error", ScanOutcome.TIME_STOP: "error", ScanOutcome.DATA_STOP: "error",
    ScanOutcome.NOT_A_TUBE: "error",
}
TONE_SYMBOLS: Final[dict[str, str]] = {"ok": "✓", "warning": "⚠", "error": "✗"}
#: Outcomes that leave a receipt waiting for the technician's decision.
NEEDS_DECISION: Final = frozenset({ScanOutcome.UNEXPECTED, ScanOutcome.CONSENT_STOP, ScanOutcome.TIME_STOP,
                                   ScanOutcome.DATA_STOP})


def checked_condition(code: str | None) -> str:
    """The canonical condition code for ``code`` (case, spaces and the usual spellings forgiven; None: OK)."""
    if code is None or not code.strip():
        return "OK"
    key = re.sub(r"[\s\-]+", "_", code.strip().upper())
    key = _CONDITION_WORDS.get(key, key)
    if key in CONDITIONS:
        return key
    for canonical, label in CONDITIONS.items():
        if re.sub(r"[\s\-]+", "_", label.upper()) == key:
            return canonical
    raise ValidationError(f"'{code.strip()}' is not a tube condition.",
                          hint="Use one of: " + ", ".join(CONDITIONS) + ".")


def checked_choice(value: str | None, choices: dict[str, str], what: str) -> str | None:
    """``value`` as one of ``choices``' keys (None or blank stays None), else ValidationError naming them."""
    if value is None or not value.strip():
        return None
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    if key in choices:
        return key
    for code, label in choices.items():
        if label.lower() == value.strip().lower():
            return code
    raise ValidationError(f"'{value.strip()}' is not a {what}.", hint="Use one of: " + ", ".join(choices) + ".")


# -- consent ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentVerdict:
    """Whether a tube may be accessioned as far as consent goes, and why (the technician's words)."""

    valid: bool
    reason: str
    record_from_manifest: bool = False  # the clinic's confirmation is to be recorded as the participant's consent


def consent_verdict(statuses: Iterable[str], manifest_confirmed: bool | None) -> ConsentVerdict:
    """The consent rule of reception (and of a walk-in registration, with ``manifest_confirmed=None``).

    ``statuses``: the participant's recorded consents for the study, newest first (``given``, ``withdrawn``,
    ``refused``). The newest recorded consent decides: given → valid; withdrawn or refused → stop, whatever the
    manifest says. With none recorded, the clinic's confirmation on the manifest counts as consent (the clinic
    holds the signed form; the service then records it as the participant's consent, audited), a manifest
    saying "no" is a refusal, and no information at all is a stop.
    """
    recorded = list(statuses)
    if recorded:
        newest = recorded[0]
        if newest == "given":
            return ConsentVerdict(True, "consent recorded")
        return ConsentVerdict(False, f"the participant's consent was {newest}")
    if manifest_confirmed is True:
        return ConsentVerdict(True, "consent confirmed by the clinic on the manifest", record_from_manifest=True)
    if manifest_confirmed is False:
        return ConsentVerdict(False, "the manifest says the participant did not consent")
    return ConsentVerdict(False, "no consent is recorded for this participant in this study")


# -- time points --------------------------------------------------------------------------------------------

_TIME_NAMES: Final = {"collected_at": "collection", "centrifuged_at": "centrifugation start",
                      "centrifugation_ended_at": "centrifugation end", "frozen_at": "freezing",
                      "received_at": "reception"}
#: (earlier, later, the one not to record when they are in the wrong order): the collection comes before
#: everything; centrifugation ends after it starts; freezing (of the processed tube) comes after centrifugation.
_TIME_ORDER: Final = (
    *(("collected_at", key, "collected_at")
      for key in ("centrifuged_at", "centrifugation_ended_at", "frozen_at", "received_at")),
    ("centrifuged_at", "centrifugation_ended_at", "centrifugation_ended_at"),
    ("centrifuged_at", "frozen_at", "frozen_at"),
    ("centrifugation_ended_at", "frozen_at", "frozen_at"),
)


def _wrong_order(times: dict[str, dt.datetime | None]) -> tuple[str, str, str] | None:
    for earlier, later, suspect in _TIME_ORDER:
        first, second = times.get(earlier), times.get(later)
        if first is not None and second is not None and second < first:
            return earlier, later, suspect
    return None


def time_order_problem(collected_at: dt.datetime | None, **later: dt.datetime | None) -> str | None:
    """What is wrong with a tube's time points, or None: every time point given in ``later``
    (``centrifuged_at``, ``centrifugation_ended_at``, ``frozen_at``, ``received_at``) must be at or after
    the collection, the end of centrifugation at or after its start, and the freezing at or after the
    centrifugation (start and end). Unknown times are not checked."""
    times = {"collected_at": collected_at, **later}
    wrong = _wrong_order(times)
    if wrong is None:
        return None
    earlier, after, _ = wrong
    first, second = times[earlier], times[after]
    assert first is not None and second is not None
    if earlier == "collected_at":
        return f"the collection time ({_shown_time(first)}) is after the {_TIME_NAMES[after]} ({_shown_time(second)})"
    if after == "centrifugation_ended_at":
        return f"the centrifugation ends ({_shown_time(second)}) before it starts ({_shown_time(first)})"
    return (f"the {_TIME_NAMES[after]} ({_shown_time(second)}) is before the {_TIME_NAMES[earlier]} "
            f"({_shown_time(first)})")


def impossible_times(collected_at: dt.datetime | None, **later: dt.datetime | None) -> tuple[str, ...]:
    """The time points to leave unrecorded so that the others are in a possible order (see
    :func:`time_order_problem`): the collection when it is after a later step, the end of centrifugation when
    it is before its start, the freezing when it is before the centrifugation. ``received_at`` is never one.
    Empty when the times are possible. A tube accepted into quarantine with impossible times keeps the others
    (SPREC says X for what the dropped ones would time)."""
    times = {"collected_at": collected_at, **later}
    dropped: list[str] = []
    while (wrong := _wrong_order(times)) is not None:
        times[wrong[2]] = None
        dropped.append(wrong[2])
    return tuple(dropped)


def _shown_time(value: dt.datetime) -> str:
    """To the minute, or to the second when the time has seconds (SPREC times are recorded to the second): a
    spin ending at 10:00:30 must not read 'ends (10:00) before it starts (10:00)'."""
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


# -- study sample ID prefixes -------------------------------------------------------------------------------

#: Prefixes a study may not take: this biobank's storage barcodes, and words that read as something else.
RESERVED_PREFIXES: Final = frozenset({"BOX", "RCK", "FRZ", "RACK", "SH", "SHP", "JOB", "TMP", "TEST", "NULL",
                                      "NONE", "NA", "XXX"})
_PREFIX_RE: Final = re.compile(r"[A-Z]{2,5}")


def checked_prefix(prefix: str) -> str:
    """A study's own sample ID prefix: 2–5 letters A–Z (upper-cased), not a reserved one."""
    value = prefix.strip().upper()
    if not _PREFIX_RE.fullmatch(value):
        raise ValidationError(f"'{prefix.strip()}' is not a sample ID prefix: use 2 to 5 letters A–Z (e.g. LUNG).",
                              hint="Digits, dashes and accents are not allowed: they would make IDs ambiguous.")
    if value in RESERVED_PREFIXES:
        raise ValidationError(f"{value} cannot be a sample ID prefix: it reads as another kind of code "
                              "of this biobank (storage or shipment barcodes).", hint="Choose another prefix.")
    return value
