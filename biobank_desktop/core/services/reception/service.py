"""ReceptionService: shipments from partner sites received tube by tube, accessioned, labelled and stored.

One unit of work per scan or decision: the state is in the database after every scan, so several workstations
can receive the same shipment and see each other's scans (:meth:`ReceptionService.board`), and closing the
window loses nothing. Scans of one shipment are serialised on its row (two workstations accepting the same
unexpected tube: one wins, the other gets a ConflictError saying who got there first).

Accessioning goes through :meth:`SampleService.register_in`, labels through :meth:`LabellingService.enqueue_in`
(the print rules choose template and printer), positions through :meth:`StorageService.place_found_in`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.reception.dto import (
    ArrivalConditions,
    AttachmentInfo,
    Board,
    ConsentCheck,
    ScanResult,
    ShipmentDetails,
    ShipmentInfo,
    StoreResult,
)
from biobank_desktop.core.services.samples import NewSample, SampleService
from biobank_desktop.core.services.storage import StorageService

if TYPE_CHECKING:
    from biobank_desktop.core.services.labelling import LabellingService

#: The largest file kept with a shipment (a photo, a courier's slip, a logger's export).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class ReceptionService:
    """See the module docstring. ``labelling`` is the workstation's LabellingService (its print rules choose
    the printer); every method that changes data returns ``Result[T]``."""

    def __init__(self, db: Database, samples: SampleService, storage: StorageService,
                 labelling: LabellingService) -> None:
        self.db = db
        self.samples = samples
        self.storage = storage
        self.labelling = labelling

    # -- shipments -------------------------------------------------------------------------------------------

    def create_shipment(self, actor: Actor, partner: str,
                        details: ShipmentDetails | None = None) -> Result[ShipmentInfo]:
        """A shipment with no manifest (tubes are registered as they are scanned): status open."""
        raise NotImplementedError

    def update_details(self, actor: Actor, shipment: str, details: ShipmentDetails) -> Result[ShipmentInfo]:
        """Change sender, courier, tracking number, shipped-at time or notes (None fields stay as they are).
        Audited with before/after. Refused on a closed shipment."""
        raise NotImplementedError

    def record_arrival(self, actor: Actor, shipment: str, arrival: ArrivalConditions) -> Result[ShipmentInfo]:
        """Record (or correct) the condition on arrival; ``received_by`` becomes the actor, ``received_at`` now
        when not given. Validates the codes and the temperature (°C, −200 to 60). Audited with before/after."""
        raise NotImplementedError

    def shipments(self, *, status: str | None = None, partner: str | None = None, since: dt.date | None = None,
                  until: dt.date | None = None, limit: int = 500) -> list[ShipmentInfo]:
        """Shipments newest first. ``status``: ``open`` (nothing or part received), ``partly received``,
        ``closed``, ``cancelled`` or a stored status; ``partner``: its code; ``since``/``until``: creation day
        (inclusive, local days)."""
        raise NotImplementedError

    def shipment(self, shipment: str) -> ShipmentInfo:
        """One shipment by code (NotFoundError naming it when unknown)."""
        raise NotImplementedError

    def board(self, shipment: str) -> Board:
        """The reception board as the database holds it now (other workstations' scans included)."""
        raise NotImplementedError

    # -- attachments -----------------------------------------------------------------------------------------

    def attach_file(self, actor: Actor, shipment: str, path: Path, *, name: str | None = None,
                    mime_type: str | None = None) -> Result[AttachmentInfo]:
        """Keep the file at ``path`` with the shipment, in the database (at most :data:`MAX_ATTACHMENT_BYTES`;
        the same content twice on one shipment is refused). ``mime_type`` None: guessed from the name."""
        raise NotImplementedError

    def attachments(self, shipment: str) -> list[AttachmentInfo]:
        """The files kept with the shipment, oldest first (without their content)."""
        raise NotImplementedError

    def attachment_content(self, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
        """One file and its bytes (checked against its SHA-256)."""
        raise NotImplementedError

    def remove_attachment(self, actor: Actor, attachment_id: int, reason: str) -> Result[AttachmentInfo]:
        """Delete a file attached by mistake; the reason and the file's name and hash stay in the audit trail."""
        raise NotImplementedError

    # -- scanning --------------------------------------------------------------------------------------------

    def receive(self, actor: Actor, shipment: str, barcode: str, *, condition: str | None = None,
                comment: str = "", volume_ul: Decimal | None = None, label: bool = False,
                store: bool = False) -> Result[ScanResult]:
        """One scan into ``shipment``, in its own unit of work; never raises for what the scan itself finds.

        Outcomes (:class:`ScanOutcome`): ``expected`` (listed: received and accessioned at once, with the
        clinic's barcode as external barcode, participant created on first sight, the manifest's time points,
        the reception time now, SPREC derived; ``label``/``store``: its label queued / a position found in the
        same transaction), ``duplicate`` (already scanned here: who, when; nothing changed), ``unexpected``
        (recorded, waits for :meth:`accept_unexpected` or :meth:`reject`), ``consent_stop`` / ``time_stop``
        (recorded, waits for :meth:`quarantine` or :meth:`reject`), and, with nothing recorded,
        ``other_shipment`` (names it), ``accessioned`` (names the sample), ``shipment_closed``, ``not_a_tube``.
        ``condition`` (:data:`CONDITIONS`, default OK), ``comment`` and a corrected ``volume_ul`` are kept
        with the receipt. Raises NotFoundError (unknown shipment), ValidationError (bad condition or volume),
        PermissionDeniedError, DatabaseUnavailableError (the scan is then not recorded, or, when the connection
        broke during the commit, the message says it may have been: look at the board before scanning again).
        """
        raise NotImplementedError

    def accept_unexpected(self, actor: Actor, shipment: str, barcode: str, tube: NewSample, *,
                          label: bool = False, store: bool = False) -> Result[ScanResult]:
        """Register a scanned unlisted tube with what the technician knows (``tube``: study, sample type,
        pseudonym, times ...; its site, clinic barcode and reception time come from the shipment and the
        receipt). The consent and time rules apply (a stop raises ConsentStopError / ValidationError: quarantine
        or reject it instead). Two workstations accepting the same tube: the second gets a ConflictError."""
        raise NotImplementedError

    def register_unlabelled(self, actor: Actor, shipment: str, tube: NewSample, *,
                            condition: str | None = "UNLABELLED", comment: str = "", label: bool = True,
                            store: bool = False) -> Result[ScanResult]:
        """A tube with no (readable) barcode: recorded and registered at once from ``tube``; its label is queued
        (``label``) so it can be identified from now on."""
        raise NotImplementedError

    def quarantine(self, actor: Actor, shipment: str, barcode: str, reason: str, *,
                   tube: NewSample | None = None) -> Result[ScanResult]:
        """Accept a stopped tube (no valid consent, impossible times, or an unlisted one with ``tube`` given) as a
        sample in status ``quarantined``, with the reason, audited. An impossible collection time is not recorded
        on the sample (SPREC then says X for it); the note and the audit trail keep it."""
        raise NotImplementedError

    def reject(self, actor: Actor, shipment: str, barcode: str, reason: str) -> Result[ScanResult]:
        """Reject a waiting tube (or one just accepted by mistake, while it has no label and no position: its
        sample is then discarded), with the reason, audited. The tube stays on the discrepancy report."""
        raise NotImplementedError

    def update_tube(self, actor: Actor, shipment: str, barcode: str, *, condition: str | None = None,
                    comment: str | None = None, volume_ul: Decimal | None = None) -> Result[ScanResult]:
        """Correct a received tube's condition, comment or accepted volume (the sample's volume follows while
        nothing was taken from it). None leaves a field unchanged. Audited with before/after."""
        raise NotImplementedError

    # -- after scanning --------------------------------------------------------------------------------------

    def label_accepted(self, actor: Actor, shipment: str) -> Result[list[int]]:
        """Queue labels for the accepted (and quarantined) tubes that have none yet, in scan order, on the
        printer the print rules choose; the value is the print jobs' ids (empty: nothing to label)."""
        raise NotImplementedError

    def store_accepted(self, actor: Actor, shipment: str, *, within: str | None = None) -> Result[StoreResult]:
        """Find space for the accepted tubes not yet stored (``within`` a freezer, rack or box code) and place
        them, in scan order, grouped by study and sample type; all or nothing. The value says where each went."""
        raise NotImplementedError

    def close(self, actor: Actor, shipment: str, reason: str | None = None) -> Result[ShipmentInfo]:
        """Close the shipment. A reason is required while tubes are missing or waiting for a decision (they stay
        so, and are on the discrepancy report). Refused when already closed."""
        raise NotImplementedError

    def write_report(self, actor: Actor, shipment: str, out: Path) -> Result[Path]:
        """The discrepancy report to ``out``: .pdf (to print and file) or .xlsx (to send back to the clinic):
        arrival conditions; missing, unexpected, damaged, quarantined and rejected tubes with their conditions.
        Audited as an export."""
        raise NotImplementedError

    # -- walk-in and consent ---------------------------------------------------------------------------------

    def consent_check(self, study: str, pseudonym: str | None) -> ConsentCheck:
        """The consent rule for a participant (unknown participant: no consent recorded)."""
        raise NotImplementedError

    def register_walk_in(self, actor: Actor, new: NewSample, *, quarantine_reason: str | None = None,
                         label: bool = False, store: bool = False) -> Result[str]:
        """Register one sample brought by hand, under the reception rules: a participant without valid consent
        raises ConsentStopError unless ``quarantine_reason`` is given (the sample is then quarantined, audited);
        impossible time points raise ValidationError. Reception time defaults to now. Value: the sample ID."""
        raise NotImplementedError
