"""The read side: the global scan field, sample search (paged for a million samples) and sample detail.

Search pages by keyset (``id < last id seen``, newest first) so page 500 costs what page 1 costs;
counts are capped so a broad filter on a million samples answers at once with "10,000+".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    Consent,
    ContainerType,
    IdSequence,
    Participant,
    PartnerSite,
    Sample,
    SampleBarcode,
    SampleLocation,
    StorageContainer,
    Study,
)
from biobank_desktop.core.db.uow import check_actor
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.clock import local_midnight_utc
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.ids import format_sample_id, normalize_scan
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.dto import (
    ConsentInfo,
    LocationInfo,
    ParticipantDetail,
    SampleDetail,
    SampleLink,
    SampleRow,
    ScanResult,
)
from biobank_desktop.core.services.sprec_info import describe_sprec, explain_sample, sample_type_meaning
from biobank_desktop.core.services.storage.common import storage_code_of

COUNT_CAP = 10_000
#: The counters internal IDs are numbered from (``samples.new_sample_codes``): "sample:PREFIX:YEAR".
SAMPLE_COUNTER = "sample:"
MAX_NUMBER_DIGITS = 9


@dataclass(frozen=True)
class SampleCriteria:
    """A search. Empty fields do not filter. ``text`` matches a sample ID (prefix), a barcode or a pseudonym."""

    text: str = ""  # also the number part of an ID alone: "000092" or "92" finds BB-2026-000092X
    study_codes: tuple[str, ...] = ()
    sample_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    site_codes: tuple[str, ...] = ()
    participant: str = ""
    collected_from: dt.date | None = None
    collected_to: dt.date | None = None  # inclusive
    received_from: dt.date | None = None
    received_to: dt.date | None = None  # inclusive
    lineage_kinds: tuple[str, ...] = field(default=())


def _prefix_range(column: object, prefix: str) -> object:
    # A range, not LIKE: uses the unique index on both backends and is case-exact like the IDs.
    return (column >= prefix) & (column < prefix + "\U0010ffff")  # type: ignore[operator]


def container_path(session: Session, container_id: int) -> list[StorageContainer]:
    """The chain of containers from the top (freezer) down to ``container_id``."""
    chain: list[StorageContainer] = []
    current = session.get(StorageContainer, container_id)
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        chain.append(current)
        current = session.get(StorageContainer, current.parent_id) if current.parent_id else None
    return list(reversed(chain))


def location_info(session: Session, loc: SampleLocation) -> LocationInfo:
    from biobank_desktop.core.domain.positions import BoxLayout, FillOrder, LabelScheme

    chain = container_path(session, loc.container_id)
    box = chain[-1]
    ctype: ContainerType = box.container_type
    layout = BoxLayout(ctype.rows or max(loc.row, 1), ctype.columns or max(loc.col, 1),
                       LabelScheme(ctype.row_scheme), LabelScheme(ctype.column_scheme), FillOrder(ctype.fill_order),
                       linear=ctype.linear)
    return LocationInfo(box.id, box.name, box.barcode, loc.row, loc.col, layout.position_label(loc.row, loc.col),
                        tuple(c.name for c in chain))


def number_part_codes(session: Session, text: str) -> list[str]:
    """The internal IDs whose number is ``text`` (digits only, leading zeros allowed), one per ID counter
    (prefix and year) in use: "000092" → ["BB-2025-000092…", "BB-2026-000092…"]. Bounded by the number of
    counters (one per prefix and year), so a search by number part stays a few index ranges on 1M samples."""
    digits = text.strip()
    if not digits.isdigit() or len(digits) > MAX_NUMBER_DIGITS or int(digits) == 0:
        return []
    counters = session.execute(select(IdSequence.name).where(
        _prefix_range(IdSequence.name, SAMPLE_COUNTER))).scalars()  # type: ignore[arg-type]
    codes = []
    for name in counters:
        _, prefix, year = name.split(":", 2)
        if year.isdigit():
            try:
                codes.append(format_sample_id(prefix, int(year), int(digits)))
            except ValidationError:  # a counter of a prefix or year the ID scheme does not take
                continue
    return codes


class QueryService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the global scan field ------------------------------------------------------------------

    def lookup(self, scanned: str) -> ScanResult:
        """What a scanned or typed code refers to: a sample (ID or external barcode), a container, a participant."""
        code = normalize_scan(scanned)
        if not code:
            return ScanResult("none", "", "Nothing was scanned.")
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            hit = s.execute(select(Sample.sample_code).where(Sample.sample_code == code.upper())).scalar()
            if hit is None:
                hit = s.execute(select(Sample.sample_code).join(SampleBarcode)
                                .where(SampleBarcode.barcode == code)).scalar()
            if hit is not None:
                return ScanResult("sample", hit, f"Sample {hit}")
            box = s.execute(select(StorageContainer.id, StorageContainer.name)
                            .where(StorageContainer.barcode == code)).first()
            if box is not None:
                above = [c.name for c in container_path(s, box.id)[:-1]]
                where = f" in {' › '.join(above)}" if above else ""
                return ScanResult("container", str(box.id), f"Container {box.name}{where}")
            people = s.execute(select(Study.code, Participant.pseudonym).join(Study)
                               .where(Participant.pseudonym == code)).all()
            if people:
                keys = tuple(f"{p.code}/{p.pseudonym}" for p in people)
                return ScanResult("participant", keys[0], f"Participant {code}", keys)
        return ScanResult("none", code, f"{code} is not a known sample, barcode, box or participant.")

    def sample_code_for_barcode(self, barcode: str) -> str | None:
        """The sample ID for an internal ID or an external barcode, or None. The fast path of a scan."""
        code = normalize_scan(barcode)
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            hit = s.execute(select(Sample.sample_code).where(Sample.sample_code == code.upper())).scalar()
            if hit is None:
                hit = s.execute(select(Sample.sample_code).join(SampleBarcode)
                                .where(SampleBarcode.barcode == code)).scalar()
            return hit

    # -- search ---------------------------------------------------------------------------------

    def _where(self, stmt: Select, c: SampleCriteria, session: Session) -> Select:
        text = normalize_scan(c.text) if c.text.strip() else ""
        if text:
            by_barcode = select(SampleBarcode.sample_id).where(SampleBarcode.barcode == text)
            by_person = select(Participant.id).where(Participant.pseudonym == text)
            # One indexed range per ID counter, as a UNION: an OR of many ranges makes the planner scan samples.
            numbered = [select(Sample.id).where(_prefix_range(Sample.sample_code, code))  # type: ignore[arg-type]
                        for code in number_part_codes(session, text)]
            by_number = [Sample.id.in_(union_all(*numbered))] if numbered else []
            stmt = stmt.where(or_(_prefix_range(Sample.sample_code, text.upper()),  # type: ignore[arg-type]
                                  Sample.id.in_(by_barcode), Sample.participant_id.in_(by_person), *by_number))
        if c.study_codes:
            stmt = stmt.where(Sample.study_id.in_(select(Study.id).where(Study.code.in_(c.study_codes))))
        if c.site_codes:
            stmt = stmt.where(Sample.partner_site_id.in_(
                select(PartnerSite.id).where(PartnerSite.code.in_(c.site_codes))))
        if c.sample_types:
            stmt = stmt.where(Sample.sample_type.in_(c.sample_types))
        if c.statuses:
            stmt = stmt.where(Sample.status.in_(c.statuses))
        if c.lineage_kinds:
            stmt = stmt.where(Sample.lineage_kind.in_(c.lineage_kinds))
        if c.participant.strip():
            stmt = stmt.where(Sample.participant_id.in_(
                select(Participant.id).where(Participant.pseudonym == c.participant.strip())))
        if c.collected_from:
            stmt = stmt.where(Sample.collected_at >= local_midnight_utc(c.collected_from))
        if c.collected_to:
            stmt = stmt.where(Sample.collected_at < local_midnight_utc(c.collected_to + dt.timedelta(days=1)))
        if c.received_from:
            stmt = stmt.where(Sample.received_at >= local_midnight_utc(c.received_from))
        if c.received_to:
            stmt = stmt.where(Sample.received_at < local_midnight_utc(c.received_to + dt.timedelta(days=1)))
        return stmt

    def ids_statement(self, criteria: SampleCriteria) -> Select:
        """The SELECT of the matching samples' ids (for exports that stream a whole search)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:  # the ID counters a number names
            return self._where(select(Sample.id), criteria, s)

    def search_ids(self, criteria: SampleCriteria, *, before_id: int | None = None, limit: int = 500) -> list[int]:
        """Ids of matching samples, newest first; pass the last id of a page as ``before_id`` for the next."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            stmt = self._where(select(Sample.id), criteria, s)
            if before_id is not None:
                stmt = stmt.where(Sample.id < before_id)
            stmt = stmt.order_by(Sample.id.desc()).limit(limit)
            return list(s.execute(stmt).scalars())

    def count(self, criteria: SampleCriteria, cap: int = COUNT_CAP) -> tuple[int, bool]:
        """(count, exact). Stops counting at ``cap`` so a broad search on a million samples stays instant."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            inner = self._where(select(Sample.id), criteria, s).limit(cap + 1).subquery()
            n = int(s.execute(select(func.count()).select_from(inner)).scalar_one())
        return (cap, False) if n > cap else (n, True)

    def rows(self, ids: Sequence[int]) -> list[SampleRow]:
        """Table rows for ``ids``, in the order given (missing ids are left out)."""
        if not ids:
            return []
        site = aliased(PartnerSite)
        stmt = (select(Sample.id, Sample.sample_code, Study.code, Participant.pseudonym, Sample.sample_type,
                       Sample.volume_ul, Sample.status, site.code, Sample.collected_at, Sample.received_at,
                       Sample.lineage_kind)
                .join(Study, Sample.study_id == Study.id)
                .outerjoin(Participant, Sample.participant_id == Participant.id)
                .outerjoin(site, Sample.partner_site_id == site.id)
                .where(Sample.id.in_(list(ids))))
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            found = {r[0]: SampleRow(*r) for r in s.execute(stmt)}
        return [found[i] for i in ids if i in found]

    # -- detail ---------------------------------------------------------------------------------

    def detail(self, sample_code: str, actor: Actor | None = None) -> SampleDetail:
        """One sample with its lineage, location and consents. With ``actor`` (the window passes its session's),
        who reads is checked in the database first: a deactivated account's open window reads nothing."""
        code = normalize_scan(sample_code)
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            if actor is not None:
                check_actor(s, actor, Permission.VIEW_SAMPLES)
            sample = s.execute(select(Sample).where(Sample.sample_code == code.upper())).scalar_one_or_none()
            if sample is None:
                sid = s.execute(select(SampleBarcode.sample_id).where(SampleBarcode.barcode == code)).scalar()
                sample = s.get(Sample, sid) if sid is not None else None
            if sample is None:
                raise NotFoundError(f"There is no sample {code}.", hint="Check the ID, or scan the tube again.")
            children = s.execute(select(Sample).where(Sample.parent_id == sample.id).order_by(Sample.id)).scalars()
            parent = sample.parent
            return SampleDetail(
                id=sample.id, sample_code=sample.sample_code,
                barcodes=tuple((b.barcode, b.kind) for b in sample.barcodes),
                study_code=sample.study.code, study_name=sample.study.name,
                participant=sample.participant.pseudonym if sample.participant else None,
                consents=_consents(s, sample.participant_id),
                site_code=sample.partner_site.code if sample.partner_site else None,
                site_name=sample.partner_site.name if sample.partner_site else None,
                material=sample.material, sample_type=sample.sample_type,
                sample_type_meaning=sample_type_meaning(sample.sprec_version, sample.material, sample.sample_type),
                primary_container=sample.primary_container, volume_ul=sample.volume_ul,
                initial_volume_ul=sample.initial_volume_ul, status=sample.status, lineage_kind=sample.lineage_kind,
                freeze_thaw_count=sample.freeze_thaw_count, collected_at=sample.collected_at,
                received_at=sample.received_at, centrifuged_at=sample.centrifuged_at,
                centrifugation_ended_at=sample.centrifugation_ended_at, frozen_at=sample.frozen_at,
                pre_centrifugation_temp=sample.pre_centrifugation_temp, centrifugation=sample.centrifugation,
                second_centrifugation=sample.second_centrifugation,
                post_centrifugation_temp=sample.post_centrifugation_temp,
                long_term_storage=sample.long_term_storage, sprec_version=sample.sprec_version,
                sprec_code=sample.sprec_code, sprec_overridden=sample.sprec_overridden,
                sprec_elements=describe_sprec(sample.sprec_version, sample.material, sample.sprec_code),
                sprec_explanation=explain_sample(s, sample, storage_code_of(s, sample)),
                notes=sample.notes, created_at=sample.created_at, updated_at=sample.updated_at,
                version=sample.version,
                location=location_info(s, sample.location) if sample.location else None,
                parent=_link(parent) if parent else None,
                children=tuple(_link(c) for c in children),
            )


    def participant(self, study_code: str, pseudonym: str) -> ParticipantDetail:
        """A participant with their consents and how many samples they gave."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            person = s.execute(select(Participant).join(Study).where(
                Study.code == study_code.upper(), Participant.pseudonym == pseudonym.strip())).scalar_one_or_none()
            if person is None:
                raise NotFoundError(f"There is no participant {pseudonym} in study {study_code}.")
            count = s.execute(select(func.count()).select_from(Sample)
                              .where(Sample.participant_id == person.id)).scalar_one()
            return ParticipantDetail(study_code.upper(), person.pseudonym, person.sex, _consents(s, person.id),
                                     int(count))


def _consents(session: Session, participant_id: int | None) -> tuple[ConsentInfo, ...]:
    if participant_id is None:
        return ()
    rows = session.execute(select(Consent).where(Consent.participant_id == participant_id)
                           .order_by(Consent.signed_on, Consent.id)).scalars()
    return tuple(ConsentInfo(c.id, c.version, c.scope, c.status, c.signed_on, c.withdrawn_on, c.withdrawal_reason)
                 for c in rows)


def _link(sample: Sample) -> SampleLink:
    return SampleLink(sample.sample_code, sample.lineage_kind, sample.sample_type, sample.status, sample.volume_ul)
