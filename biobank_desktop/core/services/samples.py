"""Recording samples: register a tube, attach barcodes, change status, override the SPREC code.

Reception and aliquoting (later workflows) build on :meth:`SampleService.register` and
:func:`new_sample_codes`; every change writes an audit event with before/after values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from biobank_desktop.core.db import sequences
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    SAMPLE_STATUSES,
    ContainerType,
    IdSequence,
    Participant,
    PartnerSite,
    Sample,
    SampleBarcode,
    Setting,
    StorageContainer,
    Study,
)
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.clock import local_today
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.ids import format_sample_id, looks_like_sample_id, normalize_scan, parse_sample_id
from biobank_desktop.core.domain.reception import time_order_problem
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import MAX_NOTE_LENGTH, checked_reason, checked_text
from biobank_desktop.core.domain.volumes import QUANTUM
from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.core.services.sprec_info import (
    CURRENT_VERSION,
    OVERRIDE_ACTION,
    canonical_code,
    derive_fluid_code,
    derive_solid_code,
    material_of,
    normalize_sprec,
    tissue_time_text,
)

DEFAULT_PREFIX = "BB"
#: What an external barcode is: the clinic's tube label, the tube maker's 2D code, or something else.
BARCODE_KINDS = ("clinic", "tube", "other")
# The storage counters' barcodes (storage_layout.BARCODE_FORMATS): FRZ-0003, RCK-000012, BOX-000345.
_CONTAINER_BARCODE_RE = re.compile(r"(BOX|RCK|FRZ)-[0-9]{4,}", re.IGNORECASE)
_CONTAINER_WORDS = {"BOX": "box", "RCK": "rack", "FRZ": "freezer"}


@dataclass(frozen=True)
class NewSample:
    """What is known about a primary tube when it is registered."""

    study_code: str
    sample_type: str  # SPREC element 1 code, e.g. "SER"
    participant: str | None = None  # pseudonym within the study; created when new
    site_code: str | None = None
    primary_container: str = "XXX"
    volume_ul: Decimal | None = None
    external_barcodes: tuple[str, ...] = ()  # the clinic's (kind "clinic")
    other_barcodes: tuple[str, ...] = ()  # e.g. a migrated collection's own former sample ID (kind "other")
    freeze_thaw_count: int = 0  # cycles before registration (a migrated collection's history)
    collected_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    centrifuged_at: dt.datetime | None = None  # start of the (first) centrifugation
    centrifugation_ended_at: dt.datetime | None = None  # end of the last one (SPREC's post-centrifugation delay)
    frozen_at: dt.datetime | None = None
    pre_centrifugation_temp: str | None = None  # "RT" | "COLD"
    centrifugation: str | None = None
    second_centrifugation: str | None = None
    post_centrifugation_temp: str | None = None
    long_term_storage: str | None = None
    status: str = "available"
    notes: str = ""
    material: str | None = None  # "fluid" | "solid"; None: from the sample type (fluid where SPREC allows both)
    # Solid tissue: SPREC type of collection and fixation codes; the times in whole minutes or a non-time code.
    collection_type: str | None = None
    warm_ischemia: int | str | None = None
    cold_ischemia: int | str | None = None
    fixation: str | None = None
    fixation_time: int | str | None = None


def sample_id_prefix(session: Session) -> str:
    value = session.execute(select(Setting.value).where(Setting.key == "sample_id_prefix")).scalar()
    return value or DEFAULT_PREFIX


def new_sample_codes(session: Session, count: int, year: int | None = None, *,
                     study_id: int | None = None) -> list[str]:
    """``count`` fresh internal sample IDs (with check character), reserved in the caller's transaction: with the
    study's own prefix when it has one (``LUNG-2026-000123K``), else the biobank-wide one. Each prefix has its
    own yearly counter."""
    prefix = None
    if study_id is not None:
        prefix = session.execute(select(Study.sample_id_prefix).where(Study.id == study_id)).scalar()
    prefix = prefix or sample_id_prefix(session)
    year = year or local_today().year
    first = sequences.take(session, f"sample:{prefix}:{year}", count)
    return [format_sample_id(prefix, year, first + i) for i in range(count)]


def own_prefixes(session: Session) -> set[str]:
    """The sample ID prefixes of this biobank: the biobank-wide one, the studies' own, and every prefix an ID
    was ever issued under (its counters), so a prefix changed since still counts."""
    issued = session.execute(select(IdSequence.name).where(IdSequence.name.like("sample:%"))).scalars()
    studies = session.execute(select(Study.sample_id_prefix).where(Study.sample_id_prefix.is_not(None))).scalars()
    return {sample_id_prefix(session), DEFAULT_PREFIX, *(p for p in studies if p),
            *(name.split(":")[1] for name in issued if name.count(":") == 2)}


def is_own_sample_id_shape(session: Session, value: str) -> bool:
    """``value`` has the shape of an internal ID (check character not verified) under one of this biobank's
    prefixes. A clinic's barcode of the same shape under another prefix (``UKL-2026-0001234``) is not one."""
    return looks_like_sample_id(value) and value.split("-", 1)[0].upper() in own_prefixes(session)


def refuse_internal_code(session: Session, value: str, own_code: str | None) -> None:
    """Raise ValidationError when ``value`` is one of this biobank's own codes, not a tube's external barcode:
    an internal sample ID under one of :func:`own_prefixes` (this sample's, another sample's, or a valid one
    not yet used, and one with a wrong check character), or a storage container's barcode (any the storage
    tables hold, or a BOX-/RCK-/FRZ- one). A code of the same shape under another prefix is a clinic's.

    A scanner fed the wrong label must not attach it to a sample: the next scan would open the wrong tube.
    """
    if is_own_sample_id_shape(session, value):
        try:
            parse_sample_id(value)
        except ValidationError as exc:
            raise ValidationError(f"{value} looks like a sample ID of this biobank (with a wrong check character), "
                                  "not an external barcode; it was not added.",
                                  hint="Scan the tube's clinic or maker's barcode, not a sample label.") from exc
        if value == own_code:
            raise ValidationError(f"{value} is this sample's own ID, not an external barcode; it was not added.",
                                  hint="Scan the clinic's or the tube maker's barcode on the tube.")
        other = session.execute(select(Sample.sample_code).where(Sample.sample_code == value)).scalar()
        what = f"the ID of another sample ({other})" if other else "a sample ID of this biobank"
        raise ValidationError(f"{value} is {what}, not an external barcode; it was not added.",
                              hint="Was the next tube scanned into this field? Scan it in the scan field at the "
                              "top (F2) instead.")
    box = session.execute(select(StorageContainer.name, ContainerType.kind).join(ContainerType)
                          .where(StorageContainer.barcode == value)).first()
    if box is not None:
        raise ValidationError(f"{value} is the barcode of the {box.kind.replace('_', ' ')} {box.name} (a storage "
                              "container), not a tube's barcode; it was not added.",
                              hint="Scan the clinic's or the tube maker's barcode on the tube.")
    shaped = _CONTAINER_BARCODE_RE.fullmatch(value)
    if shaped is not None:
        raise ValidationError(f"{value} has the form of a {_CONTAINER_WORDS[shaped.group(1).upper()]} barcode of "
                              "this biobank (a storage container), not a tube's barcode; it was not added.",
                              hint="Scan the clinic's or the tube maker's barcode on the tube.")


def sample_snapshot(sample: Sample) -> dict[str, object]:
    """The audited fields of a sample, for before/after values."""
    return {
        "sample_code": sample.sample_code, "status": sample.status, "sample_type": sample.sample_type,
        "primary_container": sample.primary_container, "volume_ul": sample.volume_ul,
        "freeze_thaw_count": sample.freeze_thaw_count, "sprec_code": sample.sprec_code,
        "collected_at": sample.collected_at, "received_at": sample.received_at,
        "centrifuged_at": sample.centrifuged_at, "centrifugation_ended_at": sample.centrifugation_ended_at,
        "frozen_at": sample.frozen_at, "notes": sample.notes,
    }


class SampleService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def register(self, actor: Actor, new: NewSample) -> Result[str]:
        """Register one primary sample; the result's value is its new internal ID."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            code = self.register_in(uow, new)
            return Result(code, uow.commit())

    def register_in(self, uow: UnitOfWork, new: NewSample) -> str:
        """The same inside a caller's unit of work (reception registers a whole shipment in one)."""
        s = uow.session
        if new.status not in SAMPLE_STATUSES:
            raise ValidationError(f"'{new.status}' is not a sample status.")
        volume = None
        if new.volume_ul is not None:
            if new.volume_ul < 0:
                raise ValidationError("A volume cannot be negative.")
            # Stored and audited at the same precision (0.01 µL) on both backends.
            volume = Decimal(new.volume_ul).quantize(QUANTUM, rounding=ROUND_HALF_UP)
        notes = checked_text(new.notes, "The note", MAX_NOTE_LENGTH, multiline=True)
        study = s.execute(select(Study).where(Study.code == new.study_code.upper())).scalar_one_or_none()
        if study is None:
            raise NotFoundError(f"There is no study {new.study_code}.")
        participant_id = None
        if new.participant and new.participant.strip():
            participant_id = self._participant(uow, study, checked_text(new.participant, "The pseudonym", 40))
        site_id = None
        if new.site_code:
            site_id = s.execute(select(PartnerSite.id).where(PartnerSite.code == new.site_code.upper())).scalar()
            if site_id is None:
                raise NotFoundError(f"There is no partner site {new.site_code}.")
        if new.freeze_thaw_count < 0:
            raise ValidationError("A freeze–thaw count cannot be negative.")
        kinds: dict[str, str] = {}
        for kind, given in (("clinic", new.external_barcodes), ("other", new.other_barcodes)):
            for b in given:
                if b.strip():
                    kinds.setdefault(checked_text(normalize_scan(b), f"Barcode {b.strip()[:20]}", 64), kind)
        barcodes = list(kinds)
        for barcode in barcodes:
            refuse_internal_code(s, barcode, None)
            owner = s.execute(select(Sample.sample_code).join(SampleBarcode)
                              .where(SampleBarcode.barcode == barcode)).scalar()
            if owner is not None:
                raise ConflictError(f"Barcode {barcode} already belongs to sample {owner}.",
                                    hint="Check the tube: it may have been scanned twice.")
        problem = time_order_problem(new.collected_at, centrifuged_at=new.centrifuged_at,
                                     centrifugation_ended_at=new.centrifugation_ended_at, frozen_at=new.frozen_at,
                                     received_at=new.received_at)
        if problem is not None:
            raise ValidationError(f"The tube's time points cannot all be right: {problem}.",
                                  hint="Check the times: nothing is processed, frozen or received before it was "
                                       "collected.")
        material = material_of(new.sample_type, new.material)
        if material == "solid":
            sprec = derive_solid_code(new)
            tissue = {"collection_type": canonical_code(CURRENT_VERSION, "solid", "collection_type",
                                                        new.collection_type),  # ASN is stored as FNA
                      "warm_ischemia": tissue_time_text(new.warm_ischemia),
                      "cold_ischemia": tissue_time_text(new.cold_ischemia),
                      "fixation": (new.fixation or "").upper() or None,
                      "fixation_time": tissue_time_text(new.fixation_time)}
        else:
            sprec = derive_fluid_code(new)
            tissue = {}
        code = new_sample_codes(s, 1, study_id=study.id)[0]
        sample = Sample(
            sample_code=code, study_id=study.id, participant_id=participant_id, partner_site_id=site_id,
            material=material, sample_type=new.sample_type.upper(), primary_container=new.primary_container.upper(),
            volume_ul=volume, initial_volume_ul=volume, status=new.status, lineage_kind="primary",
            collected_at=new.collected_at, received_at=new.received_at, centrifuged_at=new.centrifuged_at,
            centrifugation_ended_at=new.centrifugation_ended_at,
            frozen_at=new.frozen_at, pre_centrifugation_temp=new.pre_centrifugation_temp,
            centrifugation=new.centrifugation, second_centrifugation=new.second_centrifugation,
            post_centrifugation_temp=new.post_centrifugation_temp, long_term_storage=new.long_term_storage,
            sprec_code=sprec, notes=notes, freeze_thaw_count=new.freeze_thaw_count, **tissue,
            barcodes=[SampleBarcode(barcode=b, kind=k) for b, k in kinds.items()],
        )
        s.add(sample)
        uow.flush()
        after = sample_snapshot(sample) | {"study": study.code, "participant": new.participant,
                                           "site": new.site_code, "barcodes": barcodes}
        uow.audit("sample.registered", "sample", code, summary=f"Registered {new.sample_type} sample {code}",
                  after=after)
        return code

    @staticmethod
    def _participant(uow: UnitOfWork, study: Study, pseudonym: str) -> int:
        s = uow.session
        pid = s.execute(select(Participant.id).where(Participant.study_id == study.id,
                                                     Participant.pseudonym == pseudonym)).scalar()
        if pid is not None:
            return int(pid)
        person = Participant(study_id=study.id, pseudonym=pseudonym)
        s.add(person)
        uow.flush()
        uow.audit("participant.added", "participant", f"{study.code}/{pseudonym}",
                  summary=f"New participant {pseudonym} in {study.code}", after={"pseudonym": pseudonym})
        return person.id

    def _load(self, uow: UnitOfWork, code: str, expected_version: int | None) -> Sample:
        sample = uow.session.execute(select(Sample).where(Sample.sample_code == normalize_scan(code).upper())
                                     ).scalar_one_or_none()
        if sample is None:
            raise NotFoundError(f"There is no sample {code}.")
        if expected_version is not None and sample.version != expected_version:
            raise ConflictError(f"Sample {sample.sample_code} was changed by someone else since you opened it.",
                                hint="Reload it and make your change again.")
        return sample

    def change_status(self, actor: Actor, code: str, status: str, reason: str,
                      expected_version: int | None = None) -> Changes:
        if status not in SAMPLE_STATUSES:
            raise ValidationError(f"'{status}' is not a sample status.")
        reason = checked_reason(reason, "Give a reason for the status change: it is kept in the audit trail.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            sample = self._load(uow, code, expected_version)
            if sample.status == status:
                raise ValidationError(f"Sample {sample.sample_code} is already {status}.")
            before = {"status": sample.status}
            sample.status = status
            uow.audit("sample.status_changed", "sample", sample.sample_code,
                      summary=f"{sample.sample_code}: {before['status']} → {status}", before=before,
                      after={"status": status}, reason=reason.strip())
            return uow.commit()

    def add_barcode(self, actor: Actor, code: str, barcode: str, kind: str = "clinic") -> Changes:
        """Attach an external barcode of ``kind`` (:data:`BARCODE_KINDS`) to a sample. Refuses this biobank's
        own codes (see :func:`refuse_internal_code`) and a barcode another sample has."""
        value = checked_text(normalize_scan(barcode), "The barcode", 64, required=True)
        if kind not in BARCODE_KINDS:
            raise ValidationError(f"'{kind}' is not a kind of barcode ({', '.join(BARCODE_KINDS)}).")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            sample = self._load(uow, code, None)
            refuse_internal_code(uow.session, value, sample.sample_code)
            owner = uow.session.execute(select(Sample.sample_code).join(SampleBarcode)
                                        .where(SampleBarcode.barcode == value)).scalar()
            if owner == sample.sample_code:
                raise ConflictError(f"Barcode {value} is already one of {owner}'s barcodes.")
            if owner is not None:
                raise ConflictError(f"Barcode {value} already belongs to sample {owner}.")
            uow.session.add(SampleBarcode(sample_id=sample.id, barcode=value, kind=kind))
            uow.audit("sample.barcode_added", "sample", sample.sample_code,
                      summary=f"Barcode {value} ({kind}) added to {sample.sample_code}",
                      after={"barcode": value, "kind": kind})
            return uow.commit()

    def remove_barcode(self, actor: Actor, code: str, barcode: str, reason: str) -> Changes:
        """Take a wrongly added external barcode off a sample; the reason is kept in the audit trail."""
        if not reason.strip():
            raise ValidationError("Give a reason for removing the barcode: it is kept in the audit trail.")
        value = normalize_scan(barcode)
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            sample = self._load(uow, code, None)
            row = uow.session.execute(select(SampleBarcode).where(SampleBarcode.sample_id == sample.id,
                                                                  SampleBarcode.barcode == value)).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"{value} is not a barcode of {sample.sample_code} (any more).",
                                    hint="Reload the sample to see its barcodes.")
            kind = row.kind
            uow.session.delete(row)
            uow.audit("sample.barcode_removed", "sample", sample.sample_code,
                      summary=f"Barcode {value} ({kind}) removed from {sample.sample_code}",
                      before={"barcode": value, "kind": kind}, reason=reason.strip())
            return uow.commit()

    def override_sprec(self, actor: Actor, code: str, sprec_code: str, reason: str) -> Changes:
        """A supervisor corrects the derived SPREC code; the reason goes into the audit trail."""
        reason = checked_reason(reason, "Give a reason for overriding the SPREC code.")
        with UnitOfWork(self.db, actor, Permission.OVERRIDE_SPREC) as uow:
            sample = self._load(uow, code, None)
            value = normalize_sprec(sample.sprec_version, sample.material, sprec_code)  # ASN is stored as FNA
            before = {"sprec_code": sample.sprec_code, "sprec_overridden": sample.sprec_overridden}
            sample.sprec_code, sample.sprec_overridden = value, True
            uow.audit(OVERRIDE_ACTION, "sample", sample.sample_code,
                      summary=f"SPREC of {sample.sample_code} set to {value}", before=before,
                      after={"sprec_code": value, "sprec_overridden": True}, reason=reason.strip())
            return uow.commit()

    def update_notes(self, actor: Actor, code: str, notes: str, expected_version: int | None = None) -> Changes:
        notes = checked_text(notes, "The note", MAX_NOTE_LENGTH, multiline=True)
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            sample = self._load(uow, code, expected_version)
            before = {"notes": sample.notes}
            sample.notes = notes
            uow.audit("sample.notes_changed", "sample", sample.sample_code,
                      summary=f"Notes of {sample.sample_code} changed", before=before, after={"notes": notes})
            return uow.commit()
