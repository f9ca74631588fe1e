"""Scanning tubes into a shipment and deciding what becomes of them; one unit of work per scan or decision."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    ExpectedTube,
    PartnerSite,
    Sample,
    SampleBarcode,
    Shipment,
    Study,
    TubeReceipt,
)
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.ids import normalize_scan
from biobank_desktop.core.domain.reception import (
    ScanOutcome,
    checked_condition,
    impossible_times,
    time_order_problem,
)
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import MAX_NOTE_LENGTH, checked_reason, checked_text
from biobank_desktop.core.services.changes import SHIPMENT, Result
from biobank_desktop.core.services.reception.common import (
    checked_volume,
    counts_of,
    find_shipment,
    other_open_shipment,
    receipt_line,
    record_manifest_consent,
    refuse_without_consent,
    sample_from_listed,
    study_of,
    verdict_for,
)
from biobank_desktop.core.services.reception.dto import ScanResult
from biobank_desktop.core.services.reception.matching import correction_headline, not_a_tube, receipt_to_correct
from biobank_desktop.core.services.reception.shipments import refuse_closed
from biobank_desktop.core.services.samples import NewSample, SampleService, refuse_internal_code
from biobank_desktop.core.services.sprec_info import invalid_tissue_inputs
from biobank_desktop.core.services.storage import PlacedTube, StorageService

if TYPE_CHECKING:
    from biobank_desktop.core.services.labelling import LabellingService


_TIME_WORDS = {"collected_at": "collection time", "centrifuged_at": "centrifugation start",
               "centrifugation_ended_at": "centrifugation end", "frozen_at": "freezing time"}
#: NewSample's time fields → the listed tube's (ExpectedTube) columns.
_LISTED = {"collected_at": "collected_at", "centrifuged_at": "centrifugation_started_at",
           "centrifugation_ended_at": "centrifugation_ended_at", "frozen_at": "frozen_at"}


_TISSUE = ("collection_type", "fixation", "warm_ischemia", "cold_ischemia", "fixation_time")
_STOPS = {"consent": (ScanOutcome.CONSENT_STOP, "Consent stop"),
          "time": (ScanOutcome.TIME_STOP, "Time points impossible"),
          "data": (ScanOutcome.DATA_STOP, "No SPREC code from the manifest")}


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M on %Y-%m-%d") if moment else "?"


class ScanningMixin:
    db: Database
    samples: SampleService
    storage: StorageService
    labelling: LabellingService

    # -- the scan --------------------------------------------------------------------------------------------

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
        code = checked_text(normalize_scan(barcode), "The scanned code", 64, required=True)
        state = checked_condition(condition)
        note = checked_text(comment, "The comment", MAX_NOTE_LENGTH, multiline=True)
        volume = checked_volume(volume_ul)
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            row = find_shipment(session, shipment, for_update=True)
            refused, tube = self._refusal(session, row, code)
            if refused is not None:
                return Result(refused)
            receipt = TubeReceipt(shipment_id=row.id, expected_tube_id=tube.id if tube else None, barcode=code,
                                  outcome="expected" if tube else "unexpected", condition=state, comment=note,
                                  volume_ul=volume, decision="pending", scanned_by=uow.username,
                                  scanned_at=utcnow(), workstation=uow.actor.workstation)
            session.add(receipt)
            self._mark_receiving(uow, row)
            if tube is None:
                uow.flush()
                uow.audit("reception.unexpected", SHIPMENT, row.code,
                          summary=f"{code} scanned into {row.code}: not on its manifest, waiting for a decision",
                          after=_receipt_after(receipt))
                manual = row.manifest_sha256 is None
                message = (f"New tube {code}: register it" if manual else f"Not on this manifest: {code}")
                return self._done(uow, row, receipt, ScanOutcome.UNEXPECTED, message,
                                  hint="Register it with what you know, or reject it.")
            study = session.get_one(Study, tube.study_id)
            verdict = verdict_for(session, study.id, tube.pseudonym, tube.consent_confirmed)
            problem = time_order_problem(tube.collected_at, centrifuged_at=tube.centrifugation_started_at,
                                         centrifugation_ended_at=tube.centrifugation_ended_at,
                                         frozen_at=tube.frozen_at, received_at=receipt.scanned_at)
            if not verdict.valid or problem is not None:
                why = "; ".join(w for w in ((verdict.reason if not verdict.valid else ""), problem or "") if w)
                return self._stopped(uow, row, receipt, "consent" if not verdict.valid else "time", why)
            try:
                with uow.savepoint():  # a description SPREC cannot code is refused by register_in: a stop, recorded
                    sample = self._accession_listed(uow, row, receipt, tube, study, status="available",
                                                    from_manifest=verdict.record_from_manifest)
            except ValidationError as exc:
                return self._stopped(uow, row, receipt, "data", exc.message.rstrip("."))
            jobs, placed = self._after_accession(uow, [sample], label=label, store=store)
            uow.audit("reception.received", SHIPMENT, row.code, summary=f"{code} received into {row.code} as {sample}",
                      after=_receipt_after(receipt) | {"sample": sample}, samples=[sample])
            return self._done(uow, row, receipt, ScanOutcome.EXPECTED, f"Expected: {sample}",
                              hint=f"{study.code} {tube.sample_type}, participant {tube.pseudonym}", sample_code=sample,
                              jobs=jobs, placed=placed)

    def _stopped(self, uow: UnitOfWork, row: Shipment, receipt: TubeReceipt, stop: str,
                 why: str) -> Result[ScanResult]:
        """Record the listed tube as stopped (``stop``: consent, time or data), audited, waiting for a decision."""
        receipt.stop = stop
        uow.flush()
        code = receipt.barcode
        uow.audit(f"reception.{stop}_stop", SHIPMENT, row.code,
                  summary=f"{code} stopped at reception into {row.code}: {why}",
                  after=_receipt_after(receipt) | {"why": why})
        outcome, title = _STOPS[stop]
        advice = f"{why[:1].upper()}{why[1:]}. Accept it into quarantine with a reason, or reject it."
        return self._done(uow, row, receipt, outcome, f"{title}: {code}", hint=advice)

    def _refusal(self, session: Session, row: Shipment, code: str) -> tuple[ScanResult | None, ExpectedTube | None]:
        """The answer to a scan that records nothing (closed shipment, duplicate, not a tube, taken), else None;
        and the manifest's line for the code in this shipment, if it has one."""
        tube = session.execute(select(ExpectedTube).where(ExpectedTube.shipment_id == row.id,
                                                          ExpectedTube.clinic_barcode == code)).scalar()
        return self._refused(session, row, code, tube), tube

    def _refused(self, session: Session, row: Shipment, code: str, tube: ExpectedTube | None) -> ScanResult | None:
        if row.status not in ("expected", "receiving"):
            return ScanResult(code, ScanOutcome.SHIPMENT_CLOSED, f"Shipment {row.code} is {row.status}",
                              "Nothing was recorded: a closed shipment receives no more tubes. Open a new "
                              "shipment (without manifest) for late tubes.")
        seen = session.execute(select(TubeReceipt).where(TubeReceipt.shipment_id == row.id,
                                                         TubeReceipt.barcode == code)).scalar()
        if seen is not None:
            line = receipt_line(session, seen)
            became = f" → {line.sample_code}" if line.sample_code else f" ({seen.decision})"
            return ScanResult(code, ScanOutcome.DUPLICATE, f"Already scanned: {code}{became}",
                              f"Scanned by {seen.scanned_by} at {_when(seen.scanned_at)} on {seen.workstation}. "
                              "Nothing was changed.", sample_code=line.sample_code, tube=line,
                              counts=counts_of(session, row))
        if tube is None:  # a barcode this manifest lists is the clinic's, whatever it looks like
            try:
                refuse_internal_code(session, code, None)
            except ValidationError as exc:
                return not_a_tube(session, code, exc)
        owner = session.execute(select(Sample.sample_code).join(SampleBarcode)
                                .where(SampleBarcode.barcode == code)).scalar()
        if owner is not None:
            where = session.execute(select(Shipment.code).join(TubeReceipt, TubeReceipt.shipment_id == Shipment.id)
                                    .join(Sample, Sample.id == TubeReceipt.sample_id)
                                    .where(Sample.sample_code == owner)).scalar()
            return ScanResult(code, ScanOutcome.ACCESSIONED, f"{code} is already sample {owner}",
                              (f"It was received in shipment {where}. " if where else "")
                              + "Nothing was recorded: put the tube aside and check it.", sample_code=owner)
        other = other_open_shipment(session, row, code) if tube is None else None
        if other is not None:
            return ScanResult(code, ScanOutcome.OTHER_SHIPMENT,
                              f"{code} belongs to shipment {other[0]} (from {other[1]})",
                              f"Nothing was recorded: put it with the tubes of {other[0]} and receive it there.",
                              other_shipment=other[0])
        return None

    @staticmethod
    def _mark_receiving(uow: UnitOfWork, row: Shipment) -> None:
        if row.status == "expected":
            row.status = "receiving"
        if row.received_at is None:
            row.received_at, row.received_by = utcnow(), uow.username

    def _done(self, uow: UnitOfWork, row: Shipment, receipt: TubeReceipt, outcome: ScanOutcome, message: str, *,
              hint: str, sample_code: str | None = None, jobs: list[int] | None = None,
              placed: list[PlacedTube] | None = None) -> Result[ScanResult]:
        uow.flush()
        session = uow.session
        result = ScanResult(receipt.barcode, outcome, message, hint, sample_code=sample_code,
                            tube=receipt_line(session, receipt), counts=counts_of(session, row),
                            label_jobs=tuple(jobs or ()), placed=tuple(placed or ()), recorded=True)
        return Result(result, uow.commit())

    # -- accessioning ----------------------------------------------------------------------------------------

    def _accession_listed(self, uow: UnitOfWork, row: Shipment, receipt: TubeReceipt, tube: ExpectedTube,
                          study: Study, *, status: str, from_manifest: bool, drop: tuple[str, ...] = (),
                          note: str = "") -> str:
        partner = uow.session.get_one(PartnerSite, row.partner_site_id).code
        new = sample_from_listed(tube, study.code, partner, receipt.barcode or "", received_at=receipt.scanned_at,
                                 volume_ul=receipt.volume_ul, status=status, drop=drop, note=note)
        return self._register(uow, receipt, new, study, from_manifest=from_manifest,
                              source=f"manifest {row.manifest_file or row.code}")

    def _register(self, uow: UnitOfWork, receipt: TubeReceipt, new: NewSample, study: Study, *,
                  from_manifest: bool = False, source: str = "") -> str:
        code = self.samples.register_in(uow, new)
        if from_manifest and new.participant:
            record_manifest_consent(uow, study, new.participant.strip(), source=source,
                                    collected_at=new.collected_at)
        receipt.sample_id = uow.session.execute(select(Sample.id).where(Sample.sample_code == code)).scalar_one()
        receipt.decision = "quarantined" if new.status == "quarantined" else "accepted"
        receipt.decided_by, receipt.decided_at = uow.username, utcnow()
        return code

    def _after_accession(self, uow: UnitOfWork, codes: list[str], *, label: bool,
                         store: bool) -> tuple[list[int], list[PlacedTube]]:
        jobs = self.labelling.enqueue_in(uow, codes, source="reception") if label else []
        placed = self.storage.place_found_in(uow, codes) if store else []
        return jobs, placed

    def _listed_sample(self, uow: UnitOfWork, row: Shipment, receipt: TubeReceipt, given: NewSample,
                       *, status: str) -> NewSample:
        partner = uow.session.get_one(PartnerSite, row.partner_site_id).code
        return dataclasses.replace(given, site_code=partner, external_barcodes=(receipt.barcode,) if receipt.barcode
                                   else (), received_at=receipt.scanned_at, status=status,
                                   volume_ul=receipt.volume_ul if given.volume_ul is None else given.volume_ul)

    # -- decisions -------------------------------------------------------------------------------------------

    def _waiting(self, uow: UnitOfWork, shipment: str, barcode: str) -> tuple[Shipment, TubeReceipt]:
        """The shipment (locked) and its receipt of ``barcode``, which must still wait for a decision."""
        session = uow.session
        row = find_shipment(session, shipment, for_update=True)
        code = normalize_scan(barcode)
        receipt = session.execute(select(TubeReceipt).where(TubeReceipt.shipment_id == row.id,
                                                            TubeReceipt.barcode == code)).scalar()
        if receipt is None:
            raise NotFoundError(f"{code} has not been scanned into shipment {row.code}.",
                                hint="Scan the tube first.")
        if receipt.decision != "pending":
            became = ""
            if receipt.sample_id is not None:
                became = " as " + session.execute(select(Sample.sample_code)
                                                  .where(Sample.id == receipt.sample_id)).scalar_one()
            raise ConflictError(f"{code} was already {receipt.decision}{became} by {receipt.decided_by} at "
                                f"{_when(receipt.decided_at)}.", hint="Nothing was changed. Reload the board.")
        if row.status not in ("expected", "receiving"):
            raise ConflictError(f"Shipment {row.code} is {row.status}: its tubes can no longer be decided.")
        return row, receipt

    def accept_unexpected(self, actor: Actor, shipment: str, barcode: str, tube: NewSample, *,
                          label: bool = False, store: bool = False) -> Result[ScanResult]:
        """Register a scanned unlisted tube with what the technician knows (``tube``: study, sample type,
        pseudonym, times ...; its site, clinic barcode and reception time come from the shipment and the
        receipt). The consent and time rules apply (a stop raises ConsentStopError / ValidationError: quarantine
        or reject it instead). Two workstations accepting the same tube: the second gets a ConflictError."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            row, receipt = self._waiting(uow, shipment, barcode)
            if receipt.outcome == "expected":
                raise ValidationError(f"{receipt.barcode} is on the manifest but stopped ({receipt.stop}): it can be "
                                      "accepted into quarantine or rejected.", hint="Use Quarantine or Reject.")
            new = self._listed_sample(uow, row, receipt, tube, status="available")
            study = study_of(uow.session, new.study_code)
            refuse_without_consent(verdict_for(uow.session, study.id, new.participant, None),
                                   f"{receipt.barcode} (participant {new.participant or 'not given'})")
            code = self._register(uow, receipt, new, study)
            jobs, placed = self._after_accession(uow, [code], label=label, store=store)
            uow.audit("reception.accepted", SHIPMENT, row.code,
                      summary=f"Unlisted tube {receipt.barcode} accepted into {row.code} as {code}",
                      after=_receipt_after(receipt) | {"sample": code}, samples=[code])
            return self._done(uow, row, receipt, ScanOutcome.DECIDED, f"Registered: {code}",
                              hint=f"{new.study_code} {new.sample_type}", sample_code=code, jobs=jobs, placed=placed)

    def register_unlabelled(self, actor: Actor, shipment: str, tube: NewSample, *,
                            condition: str | None = "UNLABELLED", comment: str = "", label: bool = True,
                            store: bool = False, quarantine_reason: str | None = None) -> Result[ScanResult]:
        """A tube with no (readable) barcode: recorded and registered at once from ``tube``; its label is queued
        (``label``) so it can be identified from now on. The consent rule applies as for a walk-in: a participant
        without valid consent raises ConsentStopError unless ``quarantine_reason`` is given; with it the tube is
        registered in quarantine, the reason and the consent verdict audited (``tube.status`` "quarantined"
        without a reason is refused: every quarantine says why)."""
        state = checked_condition(condition)
        note = checked_text(comment, "The comment", MAX_NOTE_LENGTH, multiline=True)
        why = checked_reason(quarantine_reason) if quarantine_reason is not None else None
        if why is None and tube.status == "quarantined":
            raise ValidationError("Give the reason for registering the tube in quarantine: it is kept in the audit "
                                  "trail.", hint="Write why in the quarantine reason.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            row = find_shipment(session, shipment, for_update=True)
            refuse_closed(row, "registering tubes into it")
            receipt = TubeReceipt(shipment_id=row.id, barcode=None, outcome="unlabelled", condition=state,
                                  comment=note, volume_ul=checked_volume(tube.volume_ul), decision="pending",
                                  scanned_by=uow.username, workstation=uow.actor.workstation, scanned_at=utcnow())
            session.add(receipt)
            self._mark_receiving(uow, row)
            new = self._listed_sample(uow, row, receipt, tube, status="quarantined" if why else tube.status)
            study = study_of(session, new.study_code)
            verdict = verdict_for(session, study.id, new.participant, None)
            if why is None:
                refuse_without_consent(verdict, f"the unlabelled tube (participant {new.participant or 'not given'})")
            code = self._register(uow, receipt, new, study)
            receipt.decision_reason = why.strip() if why else None
            jobs, placed = self._after_accession(uow, [code], label=label, store=store)
            where = "in quarantine " if why else ""
            uow.audit("reception.unlabelled_registered", SHIPMENT, row.code,
                      summary=f"A tube without barcode registered {where}in {row.code} as {code}"
                              + ("" if verdict.valid else f": {verdict.reason}"),
                      after=_receipt_after(receipt) | {"sample": code, "consent": verdict.reason},
                      reason=why.strip() if why else None, samples=[code])
            return self._done(uow, row, receipt, ScanOutcome.UNLABELLED, f"Registered: {code}",
                              hint="Its label is queued: print it from Labels (or when a printer is set), then "
                                   "stick it on the tube." if jobs else "Print its label, stick it on the tube.",
                              sample_code=code, jobs=jobs, placed=placed)

    def quarantine(self, actor: Actor, shipment: str, barcode: str, reason: str, *,
                   tube: NewSample | None = None) -> Result[ScanResult]:
        """Accept a stopped tube (no valid consent, impossible times, or an unlisted one with ``tube`` given) as a
        sample in status ``quarantined``, with the reason, audited. An impossible collection time is not recorded
        on the sample (SPREC then says X for it); the note and the audit trail keep it."""
        why = checked_reason(reason, "Give the reason for accepting the tube into quarantine: it is kept in the "
                                     "audit trail.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            row, receipt = self._waiting(uow, shipment, barcode)
            session = uow.session
            if receipt.outcome == "expected":
                listed = session.get_one(ExpectedTube, receipt.expected_tube_id)
                study = session.get_one(Study, listed.study_id)
                # Whatever stopped the tube (a consent stop may hide impossible times too), its impossible time
                # points are left unrecorded, named in the note.
                drop = impossible_times(listed.collected_at, centrifuged_at=listed.centrifugation_started_at,
                                        centrifugation_ended_at=listed.centrifugation_ended_at,
                                        frozen_at=listed.frozen_at, received_at=receipt.scanned_at)
                dropped = " ".join(f"The manifest's {_TIME_WORDS[key]} {when.isoformat()} was impossible and is not "
                                   "recorded." for key in drop if (when := getattr(listed, _LISTED[key])) is not None)
                # and its tissue codes SPREC does not have (a "data" stop): SPREC then says X for them
                tissue = invalid_tissue_inputs({key: getattr(listed, key) for key in _TISSUE})
                dropped += "".join(f" The manifest's {key.replace('_', ' ')} '{getattr(listed, key)}' is not a SPREC "
                                   "code and is not recorded." for key in tissue)
                drop += tissue
                code = self._accession_listed(uow, row, receipt, listed, study, status="quarantined",
                                              from_manifest=False, drop=drop, note=dropped)
            else:
                if tube is None:
                    raise ValidationError(f"{receipt.barcode} is not on the manifest: say what it is (study, sample "
                                          "type, participant) to register it in quarantine.")
                new = self._listed_sample(uow, row, receipt, tube, status="quarantined")
                code = self._register(uow, receipt, new, study_of(session, new.study_code))
            receipt.decision_reason = why.strip()
            uow.audit("reception.quarantined", SHIPMENT, row.code,
                      summary=f"{receipt.barcode} accepted into quarantine in {row.code} as {code}",
                      after=_receipt_after(receipt) | {"sample": code}, reason=why.strip(), samples=[code])
            return self._done(uow, row, receipt, ScanOutcome.DECIDED, f"In quarantine: {code}", hint=why.strip(),
                              sample_code=code)

    def reject(self, actor: Actor, shipment: str, barcode: str, reason: str) -> Result[ScanResult]:
        """Reject a tube waiting for a decision (unlisted, or stopped by consent or time), with the reason,
        audited; it stays on the discrepancy report. An accepted tube is a sample: change its status on its own
        page instead (ConflictError says so)."""
        why = checked_reason(reason, "Give the reason for rejecting the tube: it goes on the discrepancy report.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            row, receipt = self._waiting(uow, shipment, barcode)
            receipt.decision, receipt.decision_reason = "rejected", why.strip()
            receipt.decided_by, receipt.decided_at = uow.username, utcnow()
            uow.flush()
            uow.audit("reception.rejected", SHIPMENT, row.code, summary=f"{receipt.barcode} rejected in {row.code}",
                      after=_receipt_after(receipt), reason=why.strip())
            return self._done(uow, row, receipt, ScanOutcome.DECIDED, f"Rejected: {receipt.barcode}",
                              hint="Put the tube aside; it is on the discrepancy report.")

    def update_tube(self, actor: Actor, shipment: str, barcode: str | None = None, *, receipt_id: int | None = None,
                    condition: str | None = None, comment: str | None = None,
                    volume_ul: Decimal | None = None) -> Result[ScanResult]:
        """Correct a received tube's condition, comment or accepted volume (the sample's volume follows while
        nothing was taken from it); the tube by its ``barcode`` or its ``receipt_id`` (one with no barcode). None
        leaves a field unchanged. Audited with before/after. Refused on a closed shipment (its discrepancy report
        is final)."""
        state = checked_condition(condition) if condition is not None else None
        note = checked_text(comment, "The comment", MAX_NOTE_LENGTH, multiline=True) if comment is not None else None
        volume = checked_volume(volume_ul)
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            row = find_shipment(session, shipment, for_update=True)
            refuse_closed(row, "correcting its tubes")
            receipt, code = receipt_to_correct(session, row.id, row.code, barcode, receipt_id)
            before = _receipt_after(receipt)
            if state is not None:
                receipt.condition = state
            if note is not None:
                receipt.comment = note
            samples: list[str] = []
            if volume is not None:
                receipt.volume_ul = volume
                if receipt.sample_id is not None:
                    samples.append(self._correct_volume(uow, receipt.sample_id, volume))
            after = _receipt_after(receipt)
            if after == before:
                raise ValidationError("Nothing was changed.", hint="Change the condition, comment or volume first.")
            uow.flush()
            uow.audit("reception.tube_updated", SHIPMENT, row.code, summary=f"{code} in {row.code} corrected",
                      before=before, after=after, samples=samples)
            sample = session.execute(select(Sample.sample_code).where(Sample.id == receipt.sample_id)).scalar()
            return self._done(uow, row, receipt, ScanOutcome.DECIDED, correction_headline(code, sample, before, after),
                              hint="", sample_code=sample)

    @staticmethod
    def _correct_volume(uow: UnitOfWork, sample_id: int, volume: Decimal) -> str:
        sample = uow.session.get_one(Sample, sample_id)
        if sample.volume_ul != sample.initial_volume_ul:
            raise ConflictError(f"Some of {sample.sample_code} was already used: its received volume can no "
                                "longer be corrected here.", hint="Correct the sample's volume on its own page.")
        before = sample.volume_ul
        sample.volume_ul = sample.initial_volume_ul = volume
        uow.audit("sample.volume_corrected", "sample", sample.sample_code,
                  summary=f"Received volume of {sample.sample_code} corrected to {volume} µL",
                  before={"volume_ul": before}, after={"volume_ul": volume})
        return sample.sample_code


def _receipt_after(receipt: TubeReceipt) -> dict[str, object]:
    return {"barcode": receipt.barcode, "outcome": receipt.outcome, "condition": receipt.condition,
            "comment": receipt.comment, "volume_ul": receipt.volume_ul, "decision": receipt.decision,
            "stop": receipt.stop}
