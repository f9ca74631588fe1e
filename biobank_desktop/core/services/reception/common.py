"""What the reception service's parts share: finding a shipment, the board's counters and lines, the consent
rule against the database, and building a sample from a listed tube."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.models import (
    Consent,
    ContainerType,
    ExpectedTube,
    Participant,
    PartnerSite,
    PrintJob,
    PrintJobItem,
    Sample,
    SampleLocation,
    Shipment,
    ShipmentAttachment,
    StorageContainer,
    Study,
    TubeReceipt,
)
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.clock import local_date
from biobank_desktop.core.domain.errors import ConsentStopError, NotFoundError, ValidationError
from biobank_desktop.core.domain.reception import STATUS_LABELS, ConsentVerdict, consent_verdict
from biobank_desktop.core.domain.volumes import QUANTUM
from biobank_desktop.core.services.reception.dto import (
    ArrivalConditions,
    BoardCounts,
    BoardTube,
    ShipmentDetails,
    ShipmentInfo,
)
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage.common import layout_of


def shipment_code(text: str) -> str:
    code = text.strip().upper()
    if not code:
        raise ValidationError("Give the shipment's code (e.g. SH-2026-00012).")
    return code


def find_shipment(session: Session, code: str, *, for_update: bool = False) -> Shipment:
    """The shipment ``code``; ``for_update`` locks its row (scans of one shipment take turns)."""
    stmt = select(Shipment).where(Shipment.code == shipment_code(code))
    if for_update:
        stmt = stmt.with_for_update()
    shipment = session.execute(stmt).scalar_one_or_none()
    if shipment is None:
        raise NotFoundError(f"There is no shipment {shipment_code(code)}.",
                            hint="Check the code on the manifest or in the shipment list.")
    return shipment


def counts_of(session: Session, shipment: Shipment) -> BoardCounts:
    """The board's counters, from the receipts as this transaction sees them."""
    r = TubeReceipt
    row = session.execute(select(
        func.count().filter(r.outcome == "expected"),
        func.count().filter(r.outcome != "expected"),
        func.count().filter(r.condition != "OK"),
        func.count().filter(r.decision == "accepted"),
        func.count().filter(r.decision == "quarantined"),
        func.count().filter(r.decision == "rejected"),
        func.count().filter(r.decision == "pending"),
        func.count().filter(labelled(r.sample_id)),
        func.count().filter(exists().where(SampleLocation.sample_id == r.sample_id)),
        func.count().filter(exists().where(PrintJobItem.sample_id == r.sample_id, PrintJobItem.job_id == PrintJob.id,
                                           PrintJob.status == "printed")),
    ).where(r.shipment_id == shipment.id)).one()
    received = int(row[0])
    return BoardCounts(expected=shipment.expected_count, received=received,
                       missing=max(shipment.expected_count - received, 0), unexpected=int(row[1]),
                       damaged=int(row[2]), accepted=int(row[3]), quarantined=int(row[4]), rejected=int(row[5]),
                       pending=int(row[6]), labelled=int(row[7]), stored=int(row[8]), printed=int(row[9]))


def shipment_info(session: Session, shipment: Shipment, counts: BoardCounts | None = None) -> ShipmentInfo:
    site = session.get(PartnerSite, shipment.partner_site_id)
    assert site is not None
    files = session.execute(select(func.count()).select_from(ShipmentAttachment)
                            .where(ShipmentAttachment.shipment_id == shipment.id)).scalar_one()
    return ShipmentInfo(
        id=shipment.id, code=shipment.code, partner=site.code, partner_name=site.name, status=shipment.status,
        status_label=STATUS_LABELS.get(shipment.status, shipment.status),
        has_manifest=shipment.manifest_sha256 is not None, manifest_file=shipment.manifest_file,
        details=ShipmentDetails(shipment.sender, shipment.courier, shipment.tracking_number, shipment.shipped_at,
                                shipment.notes),
        arrival=ArrivalConditions(shipment.received_at, shipment.transport_temperature, shipment.dry_ice_left,
                                  shipment.temperature_c, shipment.packaging, shipment.received_by),
        created_by=shipment.created_by, created_at=shipment.created_at, closed_at=shipment.closed_at,
        closed_by=shipment.closed_by, close_reason=shipment.close_reason,
        counts=counts if counts is not None else counts_of(session, shipment), attachments=int(files))


# -- board lines ----------------------------------------------------------------------------------------------



def labelled(sample_id: Any) -> Any:
    """The sample has a label printed or waiting to print: a print job item not skipped (a cancelled job skips
    its waiting labels, so its tubes count as unlabelled again and "Print labels" queues them anew)."""
    return exists().where(PrintJobItem.sample_id == sample_id, PrintJobItem.status != "skipped")


_LABELLED = labelled(Sample.id)
_PRINTED = exists().where(PrintJobItem.sample_id == Sample.id, PrintJobItem.job_id == PrintJob.id,
                          PrintJob.status == "printed")


def _tube_columns() -> tuple[Any, ...]:
    return (TubeReceipt, ExpectedTube, Study.code, Sample.sample_code, _LABELLED.label("labelled"),
            StorageContainer.barcode, StorageContainer.name, SampleLocation.row, SampleLocation.col,
            ContainerType, Participant.pseudonym, Sample.sample_type, Sample.initial_volume_ul,
            _PRINTED.label("printed"))


def _tube_of(row: Any) -> BoardTube:
    receipt: TubeReceipt | None = row[0]
    tube: ExpectedTube | None = row[1]
    location = None
    if row[7] is not None:
        layout = layout_of(row[9])
        where = layout.position_label(row[7], row[8]) if layout is not None else f"{row[7]}/{row[8]}"
        location = f"{row[5] or row[6]} {where}"
    if receipt is None:
        assert tube is not None
        return BoardTube(None, tube.id, tube.clinic_barcode, "missing", None, None, None, None, "", row[2],
                         tube.pseudonym, tube.sample_type, tube.volume_ul, None, None, None, None, None,
                         tube.source_row)
    state = "pending" if receipt.decision == "pending" else "received"
    # An unlisted or unlabelled tube has no manifest line: who, what and how much come from its sample.
    volume = receipt.volume_ul if receipt.volume_ul is not None else (tube.volume_ul if tube else row[12])
    return BoardTube(receipt.id, tube.id if tube else None, receipt.barcode, state, receipt.outcome,
                     receipt.decision, receipt.stop, receipt.condition, receipt.comment, row[2],
                     tube.pseudonym if tube else row[10], tube.sample_type if tube else row[11], volume, row[3],
                     receipt.decision_reason, receipt.scanned_by, receipt.scanned_at, receipt.workstation,
                     tube.source_row if tube else None, bool(row[4]), location, bool(row[13]))


def _joined(stmt: Any, study_on: Any) -> Any:
    return (stmt.outerjoin(Sample, Sample.id == TubeReceipt.sample_id)
            .outerjoin(Participant, Participant.id == Sample.participant_id)
            .outerjoin(Study, study_on)
            .outerjoin(SampleLocation, SampleLocation.sample_id == Sample.id)
            .outerjoin(StorageContainer, StorageContainer.id == SampleLocation.container_id)
            .outerjoin(ContainerType, ContainerType.id == StorageContainer.container_type_id))


def board_tubes(session: Session, shipment: Shipment) -> list[BoardTube]:
    """Every listed tube in manifest order (scanned or not), then the unlisted ones in scan order."""
    listed = _joined(select(*_tube_columns()).select_from(ExpectedTube)
                     .outerjoin(TubeReceipt, TubeReceipt.expected_tube_id == ExpectedTube.id),
                     Study.id == ExpectedTube.study_id)
    listed = listed.where(ExpectedTube.shipment_id == shipment.id).order_by(ExpectedTube.source_row,
                                                                           ExpectedTube.id)
    unlisted = _joined(select(*_tube_columns()).select_from(TubeReceipt)
                       .outerjoin(ExpectedTube, ExpectedTube.id == TubeReceipt.expected_tube_id),
                       Study.id == Sample.study_id)
    unlisted = unlisted.where(TubeReceipt.shipment_id == shipment.id,
                              TubeReceipt.expected_tube_id.is_(None)).order_by(TubeReceipt.id)
    return [_tube_of(r) for r in session.execute(listed)] + [_tube_of(r) for r in session.execute(unlisted)]


def receipt_line(session: Session, receipt: TubeReceipt) -> BoardTube:
    """The board line of one receipt, as this transaction sees it."""
    stmt = _joined(select(*_tube_columns()).select_from(TubeReceipt)
                   .outerjoin(ExpectedTube, ExpectedTube.id == TubeReceipt.expected_tube_id),
                   Study.id == case((ExpectedTube.id.is_(None), Sample.study_id), else_=ExpectedTube.study_id))
    return _tube_of(session.execute(stmt.where(TubeReceipt.id == receipt.id)).one())


def receipts_in_scan_order(session: Session, shipment: Shipment,
                           decisions: Iterable[str] = ("accepted", "quarantined")) -> Sequence[Any]:
    """(receipt id, sample code, study id, sample type, storage tube, labelled, stored, status) of the shipment's
    accessioned tubes, in scan order."""
    stored = exists().where(SampleLocation.sample_id == Sample.id)
    return session.execute(
        select(TubeReceipt.id, Sample.sample_code, Sample.study_id, Sample.sample_type, Sample.storage_tube,
               _LABELLED.label("labelled"), stored.label("stored"), Sample.status)
        .join(Sample, Sample.id == TubeReceipt.sample_id)
        .where(TubeReceipt.shipment_id == shipment.id, TubeReceipt.decision.in_(tuple(decisions)))
        .order_by(TubeReceipt.id)).all()


# -- consent --------------------------------------------------------------------------------------------------


def consent_statuses(session: Session, study_id: int, pseudonym: str | None) -> list[str]:
    """The participant's recorded consents for the study, newest first (none for an unknown participant)."""
    if not pseudonym or not pseudonym.strip():
        return []
    return list(session.execute(
        select(Consent.status).join(Participant, Participant.id == Consent.participant_id)
        .where(Participant.study_id == study_id, Participant.pseudonym == pseudonym.strip())
        .order_by(Consent.signed_on.desc(), Consent.id.desc())).scalars())


def study_of(session: Session, code: str) -> Study:
    study = session.execute(select(Study).where(Study.code == code.strip().upper())).scalar_one_or_none()
    if study is None:
        raise NotFoundError(f"There is no study {code.strip().upper()}.")
    return study


def verdict_for(session: Session, study_id: int, pseudonym: str | None, manifest: bool | None) -> ConsentVerdict:
    return consent_verdict(consent_statuses(session, study_id, pseudonym), manifest)


def refuse_without_consent(verdict: ConsentVerdict, who: str) -> None:
    if not verdict.valid:
        raise ConsentStopError(f"Consent stop for {who}: {verdict.reason}.",
                               hint="Accept the tube into quarantine with a reason, or reject it.")


def record_manifest_consent(uow: UnitOfWork, study: Study, pseudonym: str, *, source: str,
                            collected_at: dt.datetime | None) -> None:
    """Record the clinic's confirmation of consent (on the manifest) as the participant's consent, audited:
    the next tube of this participant finds it, and a withdrawal later is recorded against it."""
    session = uow.session
    person = session.execute(select(Participant).where(Participant.study_id == study.id,
                                                       Participant.pseudonym == pseudonym)).scalar_one()
    signed = local_date(collected_at) if collected_at is not None else local_date(dt.datetime.now(dt.UTC))
    scope = f"confirmed by the clinic on {source}"[:200]
    session.add(Consent(participant_id=person.id, version="clinic-confirmed", scope=scope, status="given",
                        signed_on=signed))
    uow.audit("consent.recorded", "participant", f"{study.code}/{pseudonym}",
              summary=f"Consent of {pseudonym} recorded as the clinic confirmed it ({source})",
              after={"version": "clinic-confirmed", "scope": scope, "signed_on": signed})


# -- samples from listed tubes -------------------------------------------------------------------------------


def checked_volume(volume_ul: Decimal | None) -> Decimal | None:
    if volume_ul is None:
        return None
    try:
        value = Decimal(volume_ul)
    except ArithmeticError as exc:
        raise ValidationError(f"'{volume_ul}' is not a volume in µL.") from exc
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise ValidationError(f"{volume_ul} µL is not a possible volume.", hint="Give the volume in µL, 0 or more.")
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def sample_from_listed(tube: ExpectedTube, study_code: str, partner: str, barcode: str, *, received_at: dt.datetime,
                       volume_ul: Decimal | None, status: str = "available", drop: Collection[str] = (),
                       note: str = "") -> NewSample:
    """The sample a listed tube becomes: the manifest's description and times, the reception time, the
    clinic's barcode as external barcode. ``drop``: fields of the manifest's (NewSample's names) not to record,
    e.g. impossible time points (SPREC says X for what they would time)."""
    notes = "\n".join(t for t in (tube.comments.strip(), note) if t)
    new = NewSample(
        study_code=study_code, sample_type=tube.sample_type, participant=tube.pseudonym, site_code=partner,
        primary_container=tube.primary_container or "XXX",
        volume_ul=volume_ul if volume_ul is not None else tube.volume_ul, external_barcodes=(barcode,),
        collected_at=tube.collected_at, received_at=received_at,
        centrifuged_at=tube.centrifugation_started_at, centrifugation_ended_at=tube.centrifugation_ended_at,
        frozen_at=tube.frozen_at, pre_centrifugation_temp=tube.pre_centrifugation_temp,
        post_centrifugation_temp=tube.post_centrifugation_temp, status=status, notes=notes,
        collection_type=tube.collection_type,
        warm_ischemia=tube.warm_ischemia, cold_ischemia=tube.cold_ischemia, fixation=tube.fixation,
        fixation_time=tube.fixation_time)
    unrecorded: dict[str, Any] = dict.fromkeys(drop)
    return dataclasses.replace(new, **unrecorded) if unrecorded else new


def other_open_shipment(session: Session, shipment: Shipment, barcode: str) -> tuple[str, str] | None:
    """(code, partner) of another open shipment whose manifest lists ``barcode`` and has not received it."""
    row = session.execute(
        select(Shipment.code, PartnerSite.code).join(ExpectedTube, ExpectedTube.shipment_id == Shipment.id)
        .join(PartnerSite, PartnerSite.id == Shipment.partner_site_id)
        .outerjoin(TubeReceipt, TubeReceipt.expected_tube_id == ExpectedTube.id)
        .where(and_(ExpectedTube.clinic_barcode == barcode, Shipment.id != shipment.id,
                    Shipment.status.in_(("expected", "receiving")), TubeReceipt.id.is_(None)))
        .order_by(Shipment.id).limit(1)).first()
    return (str(row[0]), str(row[1])) if row else None
