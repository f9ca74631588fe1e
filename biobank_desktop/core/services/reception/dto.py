"""Frozen records the reception service hands to the GUI and the CLI (never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from biobank_desktop.core.domain.reception import OUTCOME_TONES, TONE_SYMBOLS, ScanOutcome
from biobank_desktop.core.services.storage.dto import PlacedTube


@dataclass(frozen=True)
class ShipmentDetails:
    """What a shipment says about itself (typed from the courier's slip). ``None`` leaves a field unchanged
    in :meth:`ReceptionService.update_details`; an empty string clears a text field."""

    sender: str | None = None  # the person or department at the partner site that sent it
    courier: str | None = None
    tracking_number: str | None = None
    shipped_at: dt.datetime | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ArrivalConditions:
    """The parcel's condition on arrival. Codes: :data:`~biobank_desktop.core.domain.reception.TRANSPORT_TEMPERATURES`
    (``ambient``, ``cold`` = 2–8 °C, ``dry_ice``, ``ln2``), dry ice left ``yes``/``no``/``na``, packaging
    ``intact``/``damaged``; ``temperature_c``: the logger's reading or the probe's, in °C.
    ``received_at`` None: now (when recorded); ``received_by`` is always the account that records it."""

    received_at: dt.datetime | None = None
    transport_temperature: str | None = None
    dry_ice_left: str | None = None
    temperature_c: Decimal | None = None
    packaging: str | None = None
    received_by: str | None = None  # read back only: who recorded the arrival


@dataclass(frozen=True)
class BoardCounts:
    """The reception board's counters. ``expected``: tubes on the manifest; ``received``: receipts of them
    (whatever was decided); ``missing``: listed but not scanned; ``unexpected``: scanned but not listed
    (including unlabelled tubes); ``damaged``: receipts with a condition other than OK; ``pending``: waiting for a
    decision; ``labelled`` / ``stored``: accepted tubes with a label queued / a position."""

    expected: int = 0
    received: int = 0
    missing: int = 0
    unexpected: int = 0
    damaged: int = 0
    accepted: int = 0
    quarantined: int = 0
    rejected: int = 0
    pending: int = 0
    labelled: int = 0
    stored: int = 0
    printed: int = 0  # of the labelled: the label came out of a printer (the rest wait in the print queue)


@dataclass(frozen=True)
class BoardTube:
    """One line of the board: a listed tube (scanned or not) or a scanned unlisted one.

    ``state``: ``missing`` (listed, not scanned), ``received`` (decided: see ``decision``), ``pending``
    (waiting for a decision, see ``stop`` / ``outcome``). ``receipt_id`` None: not scanned yet."""

    receipt_id: int | None
    expected_tube_id: int | None
    barcode: str | None  # as scanned (None: a tube without a barcode)
    state: str
    outcome: str | None  # expected | unexpected | unlabelled (None: not scanned)
    decision: str | None  # pending | accepted | quarantined | rejected
    stop: str | None  # consent | time (why a listed tube waits)
    condition: str | None
    comment: str
    study: str | None
    pseudonym: str | None
    sample_type: str | None
    volume_ul: Decimal | None  # the accepted volume: corrected at reception, else the manifest's
    sample_code: str | None
    decision_reason: str | None
    scanned_by: str | None
    scanned_at: dt.datetime | None
    workstation: str | None
    source_row: int | None  # the manifest row
    labelled: bool = False
    location: str | None = None  # "BOX-000012 C4" once stored
    printed: bool = False  # its label was printed (``labelled`` alone: queued, waiting for a printer)


@dataclass(frozen=True)
class ShipmentInfo:
    """One shipment with its arrival conditions and counters. ``status``: expected | receiving | closed |
    cancelled; ``status_label``: open | partly received | closed | cancelled (what the technician reads)."""

    id: int
    code: str
    partner: str
    partner_name: str
    status: str
    status_label: str
    has_manifest: bool
    manifest_file: str | None
    details: ShipmentDetails
    arrival: ArrivalConditions
    created_by: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: str | None
    close_reason: str | None
    counts: BoardCounts
    attachments: int = 0


@dataclass(frozen=True)
class Board:
    """The reception board: the shipment, its counters and its tubes (manifest order, then unlisted tubes in
    scan order)."""

    shipment: ShipmentInfo
    counts: BoardCounts
    tubes: tuple[BoardTube, ...]


@dataclass(frozen=True)
class ScanResult:
    """The answer to one scan (or one decision). ``message`` is the headline for the big feedback, ``hint`` what
    to do next; ``other_shipment`` names the open shipment the tube belongs to (outcome ``other_shipment``);
    ``tube`` is the receipt as it stands now (None when nothing was recorded); ``counts`` the board's counters
    after it; ``label_jobs`` / ``placed``: labels queued and positions taken by this action."""

    barcode: str | None
    outcome: ScanOutcome
    message: str
    hint: str = ""
    sample_code: str | None = None
    other_shipment: str | None = None
    tube: BoardTube | None = None
    counts: BoardCounts | None = None
    label_jobs: tuple[int, ...] = ()
    placed: tuple[PlacedTube, ...] = ()
    recorded: bool = False  # True: this action changed the database

    @property
    def tone(self) -> str:
        """``ok`` (green ✓), ``warning`` (amber ⚠) or ``error`` (red ✗)."""
        if self.outcome is ScanOutcome.DECIDED and self.tube is not None and self.tube.decision in ("rejected",
                                                                                                    "quarantined"):
            return "warning"  # quarantine is not acceptance: amber ⚠, never the green ✓
        return OUTCOME_TONES[self.outcome]

    @property
    def symbol(self) -> str:
        return TONE_SYMBOLS[self.tone]

    @property
    def needs_decision(self) -> bool:
        """True while the tube waits for accept / quarantine / reject."""
        return self.tube is not None and self.tube.decision == "pending"


@dataclass(frozen=True)
class AttachmentInfo:
    """A file kept with a shipment, in the database (so every workstation sees it)."""

    id: int
    shipment: str
    file_name: str
    mime_type: str
    size_bytes: int
    sha256: str
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class StoreResult:
    """What "store accepted" did: where each tube went (in scan order), and what was left and why."""

    placed: tuple[PlacedTube, ...]
    left: tuple[str, ...] = field(default=())  # sample codes not placed (see ``problems``)
    problems: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ConsentCheck:
    """Whether a participant may give a sample, as reception and walk-in registration decide it."""

    valid: bool
    reason: str
