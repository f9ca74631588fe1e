"""Matching what the bench has to the manifest when the scan alone cannot: a tube whose barcode cannot be read
(the technician says which manifest line it is), a scan typed with caps lock on (the manifest's barcode
differs only in case), and the answers a scan of this biobank's own codes gets at reception (a sample's ID label,
a box's barcode), worded for the reception bench."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import ContainerType, ExpectedTube, Sample, StorageContainer, TubeReceipt
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.ids import looks_like_sample_id, normalize_scan
from biobank_desktop.core.domain.reception import CONDITIONS, ScanOutcome
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.reception.common import find_shipment
from biobank_desktop.core.services.reception.dto import ScanResult
from biobank_desktop.core.services.reception.shipments import refuse_closed

_SHIPMENT_CODE = re.compile(r"SH-[0-9]{4}-[0-9]{3,}", re.IGNORECASE)
SCAN_THE_CLINIC_BARCODE = "Nothing was recorded: scan the clinic's barcode on the tube."


class MatchingMixin:
    db: Database

    def receive(self, actor: Actor, shipment: str, barcode: str, *, condition: str | None = None,
                comment: str = "", volume_ul: Decimal | None = None, label: bool = False,
                store: bool = False) -> Result[ScanResult]:  # provided by ScanningMixin
        raise NotImplementedError

    def listed_barcode(self, shipment: str, scanned: str) -> str | None:
        """The manifest's barcode that differs from ``scanned`` only in letter case (a scan typed with caps lock
        on), when exactly one line of ``shipment`` has it; None otherwise (an exact match included)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            row = find_shipment(session, shipment)
            found = session.execute(select(ExpectedTube.clinic_barcode).where(
                ExpectedTube.shipment_id == row.id,
                func.upper(ExpectedTube.clinic_barcode) == scanned.upper()).limit(2)).scalars().all()
            if len(found) != 1 or found[0] == scanned:
                return None
            return str(found[0])

    def receive_listed(self, actor: Actor, shipment: str, expected_tube_id: int, *, comment: str = "",
                       volume_ul: Decimal | None = None, label: bool = True) -> Result[ScanResult]:
        """Receive a tube whose barcode cannot be read as the manifest line ``expected_tube_id`` of ``shipment``
        (the technician identified it by participant and sample type): exactly as a scan of the line's barcode
        would (accessioned, or stopped by consent or time), with condition "unlabelled or illegible", a comment
        saying who identified it, and its label queued (``label``) so the tube can be identified from now on.

        Refused (ConflictError, nothing changed) when the line was already received (by a scan, or by another
        workstation a moment ago) or the shipment is closed; NotFoundError when the line is not this shipment's."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            row = find_shipment(session, shipment)
            refuse_closed(row, "receiving tubes into it")
            line = session.get(ExpectedTube, expected_tube_id)
            if line is None or line.shipment_id != row.id:
                raise NotFoundError(f"Shipment {row.code} has no manifest line {expected_tube_id}.",
                                    hint="Choose one of the lines still missing on the board.")
            barcode, where = line.clinic_barcode, f"manifest row {line.source_row}" if line.source_row else "manifest"
            taken = session.execute(select(TubeReceipt.scanned_by).where(
                TubeReceipt.expected_tube_id == line.id)).scalar()
            if taken is not None:
                raise ConflictError(f"The tube {barcode} ({line.pseudonym}, {line.sample_type}) of {row.code} was "
                                    f"already received by {taken}.",
                                    hint="Nothing was changed: choose another missing line, or register the tube "
                                         "as a new one.")
        note = (f"No readable barcode: identified by {actor.username} as {where} ({line.pseudonym}, "
                f"{line.sample_type})" + (f". {comment.strip()}" if comment.strip() else ""))
        # The scan of the line's own barcode, in one unit of work: the same rules, the same audit event (its
        # receipt keeps the note), and a second receipt of the line is impossible (the scan finds it received).
        return self.receive(actor, row.code, barcode, condition="UNLABELLED", comment=note, volume_ul=volume_ul,
                            label=label)


def not_a_tube(session: Session, code: str, refusal: ValidationError) -> ScanResult:
    """The reception bench's answer to a scan of this biobank's own code (``refusal`` from
    :func:`~biobank_desktop.core.services.samples.refuse_internal_code`): a sample's ID label or a storage
    container's barcode, never the sample-page wording ("it was not added")."""
    if looks_like_sample_id(code):
        known = session.execute(select(Sample.sample_code).where(Sample.sample_code == code)).scalar()
        what = "already a sample of this biobank (ID label)" if known else "a sample ID label of this biobank"
        return ScanResult(code, ScanOutcome.NOT_A_TUBE, f"{code} is {what}",
                          f"{SCAN_THE_CLINIC_BARCODE} The ID label is ours, not the clinic's.")
    kind = session.execute(select(ContainerType.kind).join(StorageContainer)
                           .where(StorageContainer.barcode == code)).scalar()
    if kind is None:
        prefix = code[:3].upper()
        kind = {"BOX": "box", "RCK": "rack", "FRZ": "freezer"}.get(prefix)
    if kind is None:
        return ScanResult(code, ScanOutcome.NOT_A_TUBE, refusal.message, SCAN_THE_CLINIC_BARCODE)
    return ScanResult(code, ScanOutcome.NOT_A_TUBE, f"{code} is a {kind.replace('_', ' ')}'s barcode, not a tube's",
                      SCAN_THE_CLINIC_BARCODE)


def correction_headline(code: str, sample: str | None, before: dict[str, object], after: dict[str, object]) -> str:
    """'Haemolysed recorded for 0CHL… (BB-2026-…)': what a correction changed, named, and the tube's sample."""
    said = []
    if after["condition"] != before["condition"]:
        condition = str(after["condition"])
        said.append(CONDITIONS.get(condition, condition).capitalize() if condition != "OK" else "Condition OK")
    if after["volume_ul"] != before["volume_ul"]:
        said.append(f"volume {after['volume_ul']} µL" if said else f"Volume {after['volume_ul']} µL")
    if after["comment"] != before["comment"]:
        said.append("comment" if said else "Comment")
    return f"{', '.join(said)} recorded for {code}" + (f" ({sample})" if sample else "")


def looks_like_shipment_code(text: str) -> bool:
    """``text`` has the shape of a shipment's code (SH-2026-00012): a scan of it opens the shipment's board."""
    return _SHIPMENT_CODE.fullmatch(text.strip()) is not None


def receipt_to_correct(session: Session, shipment_id: int, shipment: str, barcode: str | None,
                       receipt_id: int | None) -> tuple[TubeReceipt, str]:
    """The receipt a correction addresses, by the tube's ``barcode`` or by ``receipt_id`` (a tube registered
    without a barcode has only its id: ``BoardTube.receipt_id``), and how to name it in the answer."""
    if (barcode is None) == (receipt_id is None):
        raise ValidationError("Say which tube to correct: its barcode or its receipt, not both or neither.")
    if receipt_id is not None:
        match, named = TubeReceipt.id == receipt_id, f"Receipt {receipt_id}"
    else:
        named = normalize_scan(barcode or "")
        match = TubeReceipt.barcode == named
    receipt = session.execute(select(TubeReceipt).where(TubeReceipt.shipment_id == shipment_id, match)).scalar()
    if receipt is None:
        raise NotFoundError(f"{named} has not been scanned into shipment {shipment}.",
                            hint="Reload the board: the tube may belong to another shipment.")
    return receipt, receipt.barcode or "the tube with no barcode"
