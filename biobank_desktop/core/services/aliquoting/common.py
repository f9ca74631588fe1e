"""What the parts of the aliquoting service share: locking parents, why a parent is refused, positions, DTOs."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.models import (
    AliquotBatch,
    AliquotBatchItem,
    Consent,
    Participant,
    Sample,
    SampleLocation,
    Study,
)
from biobank_desktop.core.domain.derivation import EXTRACT_TYPES, ParentPreAnalytics, allowed_children
from biobank_desktop.core.domain.errors import ConflictError, ValidationError
from biobank_desktop.core.domain.reception import consent_verdict
from biobank_desktop.core.services.aliquoting.dto import ParentInfo
from biobank_desktop.core.services.reception.common import consent_statuses
from biobank_desktop.core.services.sprec_info import sample_type_meaning
from biobank_desktop.core.services.storage.common import find_samples, position_of

ZERO = Decimal("0.00")

# Why a parent in each status other than 'available' cannot be aliquoted (what the technician reads).
_STATUS_REFUSALS = {
    "consumed": "is consumed (used up)",
    "discarded": "is discarded",
    "voided": "is voided (made by an aliquoting that was undone)",
    "quarantined": "is in quarantine",
    "expected": "is expected but not received yet",
    "in_transit": "is in transit",
    "shipped": "has been shipped away",
    "reserved": "is reserved",
}


def lock_parents(session: Session, scanned: Sequence[str], *, missing_ok: bool = False) -> list[Sample]:
    """The parents (by ID or external barcode, in the order given), their rows locked for the rest of the
    transaction in id order (SELECT … FOR UPDATE on PostgreSQL — two workstations locking overlapping batches
    cannot deadlock; SQLite's write transaction is already exclusive), re-read after the lock so the volume
    and version are the newest committed ones. An unknown ID raises NotFoundError; with ``missing_ok`` it is
    left out (a batch names every unknown parent with the other refusals)."""
    found = find_samples(session, scanned, missing_ok=missing_ok)
    ids = sorted({s.id for s in found})
    for start in range(0, len(ids), 500):
        session.execute(select(Sample).where(Sample.id.in_(ids[start:start + 500])).order_by(Sample.id)
                        .with_for_update().execution_options(populate_existing=True)).scalars().all()
    return found


def consent_stop(session: Session, sample: Sample) -> str | None:
    """"the participant's consent was withdrawn (P-0042, on 2026-01-05)" when the house consent rule stops the
    tube: reception's :func:`~biobank_desktop.core.domain.reception.consent_verdict` on the participant's
    recorded consents, newest first (anything but 'given' stops). A participant with none recorded is not
    stopped here: the tube was accessioned, and reception judged the missing consent then."""
    person = session.get(Participant, sample.participant_id) if sample.participant_id is not None else None
    if person is None:
        return None
    statuses = consent_statuses(session, sample.study_id, person.pseudonym)
    verdict = consent_verdict(statuses, None)
    if not statuses or verdict.valid:
        return None
    newest = session.execute(select(Consent).where(Consent.participant_id == person.id)
                             .order_by(Consent.signed_on.desc(), Consent.id.desc()).limit(1)).scalar_one()
    when = f", on {newest.withdrawn_on:%Y-%m-%d}" if newest.withdrawn_on else ""
    return f"{verdict.reason} ({person.pseudonym}{when})"


def refusal(session: Session, sample: Sample, username: str) -> str | None:
    """Why ``sample`` cannot be aliquoted by ``username`` now (a sentence beginning with its ID), or None."""
    code = sample.sample_code
    if sample.status != "available":
        return f"{code} {_STATUS_REFUSALS.get(sample.status, f'is {sample.status}')}"
    consent = consent_stop(session, sample)
    if consent is not None:
        return f"{code}: {consent}"
    loc = session.get(SampleLocation, sample.id)
    if loc is not None and loc.checked_out_at is not None and loc.checked_out_by != username:
        return f"{code} is checked out by {loc.checked_out_by} since {loc.checked_out_at:%Y-%m-%d %H:%M}"
    if sample.volume_ul is None:
        return f"{code} has no recorded volume"
    if sample.volume_ul <= 0:
        return f"{code} has no volume left"
    return None


def refuse(session: Session, sample: Sample, username: str) -> None:
    reason = refusal(session, sample, username)
    if reason is not None:
        raise ValidationError(f"{reason}: it cannot be aliquoted.", hint="Nothing was written. Check the tube.")


def check_version(sample: Sample, expected: int | None) -> None:
    if expected is not None and sample.version != expected:
        raise ConflictError(f"{sample.sample_code} was changed by someone else since you scanned it (its volume is "
                            f"now {sample.volume_ul} µL).", hint="Nothing was written. Scan it again and check.")


def position_text(session: Session, sample_id: int) -> str | None:
    loc = session.get(SampleLocation, sample_id)
    if loc is None:
        return None
    box, label = position_of(session, loc)
    return f"{box} {label}"


def parent_pre_analytics(sample: Sample) -> ParentPreAnalytics:
    return ParentPreAnalytics(
        sample.sample_type, sample.material, sample.sprec_code, sample.sprec_version, sample.primary_container,
        sample.collected_at, sample.centrifuged_at, sample.centrifugation_ended_at, sample.frozen_at,
        sample.pre_centrifugation_temp, sample.centrifugation, sample.second_centrifugation,
        sample.post_centrifugation_temp)


def type_meaning(sample: Sample, code: str) -> str:
    if code in EXTRACT_TYPES:
        return EXTRACT_TYPES[code]
    return sample_type_meaning(sample.sprec_version, sample.material, code)


def parent_info(session: Session, sample: Sample, username: str) -> ParentInfo:
    study = session.get_one(Study, sample.study_id).code
    loc = session.get(SampleLocation, sample.id)
    children = session.execute(select(func.count()).select_from(Sample)
                               .where(Sample.parent_id == sample.id)).scalar_one()
    return ParentInfo(
        sample.sample_code, study, sample.sample_type, type_meaning(sample, sample.sample_type), sample.material,
        sample.status, sample.volume_ul, sample.version, sample.lineage_kind, position_text(session, sample.id),
        loc.checked_out_by if loc is not None and loc.checked_out_at is not None else None,
        sample.freeze_thaw_count, sample.sprec_code, int(children),
        tuple((t, type_meaning(sample, t)) for t in allowed_children(sample.sample_type)),
        refusal(session, sample, username))


def _batch_sums(session: Session, sample_ids: Sequence[int], column: Any) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    ids = list(sample_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(AliquotBatchItem.parent_id, func.sum(column))
            .join(AliquotBatch, AliquotBatch.id == AliquotBatchItem.batch_id)
            .where(AliquotBatchItem.parent_id.in_(ids[start:start + 500]), AliquotBatch.status == "done")
            .group_by(AliquotBatchItem.parent_id))
        for parent_id, total in rows:
            out[parent_id] = Decimal(total).quantize(Decimal("0.01"))
    return out


def drawn_from(session: Session, sample_ids: Sequence[int]) -> dict[int, Decimal]:
    """What the children of live (not voided) batches took from each of ``sample_ids``."""
    return _batch_sums(session, sample_ids, AliquotBatchItem.volume_drawn_ul)


def dead_from(session: Session, sample_ids: Sequence[int]) -> dict[int, Decimal]:
    """The dead volume live (not voided) batches lost from each of ``sample_ids``."""
    return _batch_sums(session, sample_ids, AliquotBatchItem.dead_volume_ul)
