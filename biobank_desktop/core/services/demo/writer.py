"""The demo writer: turns a :class:`~biobank_desktop.core.services.demo.plan.DemoPlan` into rows, chunk by chunk.

Everything goes in one unit of work (all or nothing); cancellation is checked between chunks, before the
commit. The writer adds only what the database decides: primary keys (reserved up front, see
:mod:`biobank_desktop.core.db.bulk`), internal IDs (the registration counters), pseudonyms and freezer
names not already in use, and the storage tree, built by :mod:`biobank_desktop.core.services.storage_layout`
(the same counters and rules the storage workflows use).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError

from biobank_desktop.core.db import bulk
from biobank_desktop.core.db.conflicts import explain_integrity_error
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import Participant, PartnerSite, Sample, Setting, StorageContainer, Study, User
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.ids import format_child_id
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from biobank_desktop.core.services.accounts import hash_password
from biobank_desktop.core.services.demo.catalogue import (
    CONTAINER_TYPES,
    DEMO_ACCOUNTS,
    DEMO_SETTING,
    LN2_RACK,
    LN2_TANK,
    M80_FREEZER,
    M80_RACK,
    PRIMARY_RACK,
    PRIMARY_RACKS_PER_SHELF,
    PRIMARY_SHELVES,
    SHELF,
    SITE_BY_CODE,
    SITES,
    STUDIES,
    digits,
)
from biobank_desktop.core.services.demo.plan import (
    BoxGroup,
    DemoPlan,
    StoragePlan,
    VisitTubes,
    group_key,
    make_plan,
    storage_plan,
)
from biobank_desktop.core.services.samples import new_sample_codes
from biobank_desktop.core.services.sprec_info import CURRENT_VERSION
from biobank_desktop.core.services.storage_layout import NewContainer, create_containers, ensure_container_types

#: Rows sent per executemany (and between two progress reports / cancel checks).
CHUNK = bulk.CHUNK

_CANCELLED = "Demo data generation cancelled: nothing was added."


@dataclass(frozen=True)
class DemoReport:
    """What :func:`generate_demo` added."""

    samples: int
    primary_samples: int
    aliquots: int
    participants: int
    consents: int
    consents_withdrawn: int
    partner_sites: int
    external_barcodes: int
    freezers: int
    racks: int
    boxes: int
    positions_used: int
    accounts_created: tuple[str, ...]
    first_collected: dt.datetime | None
    last_collected: dt.datetime | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def generate_demo(db: Database, actor: Actor, samples: int = 2000, *, seed: int = 2026,
                  progress: ProgressFn | None = None, cancelled: CancelledFn | None = None,
                  allow_existing: bool = False, until: dt.datetime | None = None) -> DemoReport:
    """Fill the database with ``samples`` sample rows (primary tubes plus their aliquots) and all around them.

    Needs ``Permission.MANAGE_DATABASE``. Refuses (ValidationError) a database that already holds
    samples unless ``allow_existing``. ``until`` (default: the start of today, UTC) is the end of the
    collection period; with the same ``seed`` and ``until`` the data are the same. The schema must be
    at head. Raises OperationCancelledError when ``cancelled()`` turns True; nothing is kept then.
    """
    if samples < 1:
        raise ValidationError("Ask for at least one demo sample.")
    started = time.perf_counter()
    report_progress = progress or no_progress
    is_cancelled = cancelled or never_cancelled
    if until is None:
        now = dt.datetime.now(dt.UTC)
        until = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if until.tzinfo is None:
        raise ValueError("until must be timezone-aware")
    until = until.astimezone(dt.UTC)

    with db.connect_checked(), UnitOfWork(db, actor, Permission.MANAGE_DATABASE) as uow:
        session = uow.session
        if not allow_existing and session.execute(select(Sample.id).limit(1)).first() is not None:
            raise ValidationError(
                "This database already holds samples; demo data are only added to an empty database.",
                hint="Use a new database file for the demo (or allow adding to existing data).",
            )
        report_progress(0.0, "Planning participants and visits")
        plan = make_plan(seed, samples, until)
        writer = _Writer(uow, plan, progress=report_progress, cancelled=is_cancelled)
        try:
            report = writer.run()
        except IntegrityError as exc:
            raise explain_integrity_error(exc) from exc
        report = DemoReport(**(report.as_dict() | {"seconds": round(time.perf_counter() - started, 2)}))
        uow.audit("demo.generated", "database", "demo",
                  summary=f"Demo data generated: {report.samples:,} samples ({report.primary_samples:,} primary, "
                          f"{report.aliquots:,} aliquots) from {report.participants:,} participants",
                  after=report.as_dict() | {"seed": seed, "until": until})
        report_progress(0.99, "Saving")
        uow.commit()
    if db.backend == "postgresql":
        # Fresh planner statistics: the bulk load would otherwise wait for autovacuum to notice it.
        with db.connect_checked(), db.engine.begin() as conn:
            conn.execute(text("ANALYZE samples, sample_barcodes, sample_locations, participants"))
    report_progress(1.0, "Done")
    return report


def is_demo_database(db: Database) -> bool:
    """True when the database holds demo data (the login dialog then offers :data:`DEMO_ACCOUNTS`)."""
    with db.connect_checked(), db.new_session(write=False) as session:
        return session.execute(select(Setting.value).where(Setting.key == DEMO_SETTING)).scalar() == "1"


@dataclass
class _Batch:
    """Rows waiting to be sent, at most about one chunk."""

    samples: list[dict[str, Any]] = field(default_factory=list)
    barcodes: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)

    def clear(self) -> None:
        self.samples.clear()
        self.barcodes.clear()
        self.locations.clear()


@dataclass
class _SampleContext:
    ids: Iterator[int]  # reserved primary keys, in order
    codes: Iterator[str]  # reserved internal IDs of the primary tubes, in order
    studies: dict[str, int]
    sites: dict[str, int]
    groups: dict[tuple[str, str, str], BoxGroup]
    batch: _Batch = field(default_factory=_Batch)


class _Writer:
    """Writes the plan in the unit of work's transaction."""

    def __init__(self, uow: UnitOfWork, plan: DemoPlan, *, progress: ProgressFn, cancelled: CancelledFn) -> None:
        self.session = uow.session
        self.conn: Connection = uow.session.connection()
        self.plan = plan
        self.progress = progress
        self.cancelled = cancelled
        self.counts: Counter[str] = Counter()

    def _insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        bulk.insert_rows(self.conn, table, rows, CHUNK)

    def run(self) -> DemoReport:
        accounts = self._accounts()
        studies = self._studies()
        sites, sites_added = self._sites()
        check_cancelled(self.cancelled, _CANCELLED)
        self.progress(0.01, "Participants and consents")
        consents, withdrawn = self._participants(studies)
        check_cancelled(self.cancelled, _CANCELLED)
        self.progress(0.04, "Freezers, racks and boxes")
        storage = storage_plan(self.plan.visits)
        extra_freezers, extra_boxes = self._storage(storage)
        check_cancelled(self.cancelled, _CANCELLED)
        self._samples(studies, sites, storage.groups)
        existing = self.session.get(Setting, DEMO_SETTING)
        if existing is None:
            self.session.add(Setting(key=DEMO_SETTING, value="1"))
        else:
            existing.value = "1"
        visits = self.plan.visits
        return DemoReport(
            samples=self.counts["samples"], primary_samples=self.counts["primary"],
            aliquots=self.counts["aliquots"], participants=len(self.plan.people), consents=consents,
            consents_withdrawn=withdrawn, partner_sites=sites_added, external_barcodes=self.counts["barcodes"],
            freezers=len(storage.freezers) + extra_freezers, racks=storage.racks, boxes=storage.boxes + extra_boxes,
            positions_used=self.counts["placed"], accounts_created=accounts,
            first_collected=visits[0].collected_at if visits else None,
            last_collected=visits[-1].collected_at if visits else None, seconds=0.0)

    def _accounts(self) -> tuple[str, ...]:
        """The demo accounts, on a database without any account only: their passwords are public."""
        if self.session.execute(select(User.id).limit(1)).first() is not None:
            return ()
        for username, display_name, role, password in DEMO_ACCOUNTS:
            self.session.add(User(username=username, display_name=display_name, role=role.value,
                                  password_hash=hash_password(password), must_change_password=False))
        self.session.flush()
        return tuple(username for username, *_ in DEMO_ACCOUNTS)

    def _studies(self) -> dict[str, int]:
        ids = dict(self.session.execute(select(Study.code, Study.id)).all())
        for study in STUDIES:
            if study.code not in ids:
                row = Study(code=study.code, name=study.name, programme=study.programme,
                            description=f"{study.name} (demo)", created_at=study.start)
                self.session.add(row)
                self.session.flush()
                ids[study.code] = row.id
        return ids

    def _sites(self) -> tuple[dict[str, int], int]:
        ids = dict(self.session.execute(select(PartnerSite.code, PartnerSite.id)).all())
        added = 0
        for site in SITES:
            if site.code not in ids:
                row = PartnerSite(code=site.code, name=site.name, city=site.city, country=site.country)
                self.session.add(row)
                self.session.flush()
                ids[site.code] = row.id
                added += 1
        return ids, added

    def _participants(self, studies: dict[str, int]) -> tuple[int, int]:
        people = self.plan.people  # in enrolment order
        ids = bulk.reserve_ids(self.conn, "participants", len(people))
        taken: dict[str, set[str]] = {}
        numbers: Counter[str] = Counter()
        rows: list[dict[str, Any]] = []
        consent_rows: list[dict[str, Any]] = []
        for person, pid in zip(people, ids, strict=True):
            study = person.study
            if study.code not in taken:
                taken[study.code] = set(self.session.execute(
                    select(Participant.pseudonym).where(Participant.study_id == studies[study.code])).scalars())
            while True:  # pseudonyms in order of enrolment, skipping any a real registration already uses
                numbers[study.code] += 1
                pseudonym = f"{study.pseudonym_prefix}-{numbers[study.code]:05d}"
                if pseudonym not in taken[study.code]:
                    break
            person.id, person.pseudonym = pid, pseudonym
            rows.append({"id": pid, "study_id": studies[study.code], "pseudonym": pseudonym, "sex": person.sex,
                         "created_at": person.visits[0].collected_at})
            consent_rows.extend(
                {"participant_id": pid, "version": c.version, "scope": c.scope, "status": c.status,
                 "signed_on": c.signed_on, "withdrawn_on": c.withdrawn_on, "withdrawal_reason": c.withdrawal_reason}
                for c in person.consents)
        self._insert("participants", rows)
        check_cancelled(self.cancelled, _CANCELLED)
        self._insert("consents", consent_rows)
        return len(consent_rows), sum(1 for c in consent_rows if c["status"] == "withdrawn")

    def _storage(self, storage: StoragePlan) -> tuple[int, int]:
        """The planned freezers, racks and boxes, built by the storage layout rules; boxes' ids into the groups.
        Then one more −80 °C freezer with empty racks for primary tubes (reception stores whole tubes there).
        Returns the freezers and boxes made beyond the plan."""
        ensure_container_types(self.session, CONTAINER_TYPES.values())
        if not storage.freezers:
            return 0, 0
        used_names = set(self.session.execute(
            select(StorageContainer.name).where(StorageContainer.parent_id.is_(None))).scalars())
        since = min(g.first_used for g in storage.groups.values()) - dt.timedelta(days=30)
        box_numbers: Counter[tuple[str, str, str]] = Counter()
        numbers = {False: 0, True: 0}
        freezers: list[NewContainer] = []
        for f_index, freezer in enumerate(storage.freezers):
            ln2 = freezer.ln2
            while True:
                numbers[ln2] += 1
                name = f"LN2 tank T-{numbers[ln2]:02d}" if ln2 else f"Freezer F-{numbers[ln2]:02d} (-80 °C)"
                if name not in used_names:
                    break
            racks = []
            for r_index, rack in enumerate(freezer.racks, start=1):
                boxes = []
                for group in rack:
                    key = (group.storage.key, group.study, group.sample_type)
                    box_numbers[key] += 1
                    boxes.append(NewContainer(group.storage.box_type,
                                              f"{group.study} {group.sample_type} {box_numbers[key]:04d}",
                                              created_at=group.first_used))
                racks.append(NewContainer((LN2_RACK if ln2 else M80_RACK).name, f"Rack {r_index:02d}", boxes,
                                          created_at=since))
            freezers.append(NewContainer(
                (LN2_TANK if ln2 else M80_FREEZER).name, name, racks, created_at=since,
                temperature_c=Decimal("-190.0") if ln2 else Decimal("-80.0"),
                location_note="Cryo room, vapour phase" if ln2 else f"Freezer hall {1 + f_index % 2}"))
        while True:
            numbers[False] += 1
            name = f"Freezer F-{numbers[False]:02d} (-80 °C)"
            if name not in used_names:
                break
        per_shelf = PRIMARY_RACKS_PER_SHELF
        shelves = [NewContainer(SHELF.name, f"Shelf {s}", [
            NewContainer(PRIMARY_RACK.name, f"Primary tubes {(s - 1) * per_shelf + r:04d}", created_at=since)
            for r in range(1, per_shelf + 1)], created_at=since) for s in range(1, PRIMARY_SHELVES + 1)]
        primary = NewContainer(M80_FREEZER.name, name, shelves, created_at=since, temperature_c=Decimal("-80.0"),
                               location_note="Freezer hall 1, primary tubes kept whole")
        created = create_containers(self.session, None, [*freezers, primary])
        for freezer_plan, freezer_made in zip(storage.freezers, created[:-1], strict=True):
            for rack_plan, rack_made in zip(freezer_plan.racks, freezer_made.children, strict=True):
                for group, box in zip(rack_plan, rack_made.children, strict=True):
                    group.box_ids.append(box.id)
        return 1, PRIMARY_SHELVES * PRIMARY_RACKS_PER_SHELF

    def _codes(self) -> list[str]:
        """Internal IDs for every primary tube in registration order: one reservation per year."""
        years = [visit.collected_at.year for visit in self.plan.visits for _ in visit.primaries]
        pools = {year: iter(new_sample_codes(self.session, count, year))
                 for year, count in sorted(Counter(years).items())}
        return [next(pools[year]) for year in years]

    def _samples(self, studies: dict[str, int], sites: dict[str, int],
                 groups: dict[tuple[str, str, str], BoxGroup]) -> None:
        total = self.plan.rows
        ids = iter(bulk.reserve_ids(self.conn, "samples", total))
        ctx = _SampleContext(ids, iter(self._codes()), studies, sites, groups)
        for visit in self.plan.tubes():
            self._visit(visit, ctx)
            if len(ctx.batch.samples) >= CHUNK:
                self._flush(ctx.batch, total)
        self._flush(ctx.batch, total)

    def _flush(self, batch: _Batch, total: int) -> None:
        check_cancelled(self.cancelled, _CANCELLED)
        self._insert("samples", batch.samples)
        self._insert("sample_barcodes", batch.barcodes)
        self._insert("sample_locations", batch.locations)
        self.counts.update(samples=len(batch.samples), barcodes=len(batch.barcodes), placed=len(batch.locations))
        batch.clear()
        done = self.counts["samples"]
        self.progress(0.05 + 0.93 * done / total, f"Samples: {done:,} of {total:,}")

    def _visit(self, planned: VisitTubes, ctx: _SampleContext) -> None:
        batch = ctx.batch
        visit = planned.visit
        person = visit.participant
        study = person.study
        site = SITE_BY_CODE[visit.site]
        for tube in planned.tubes:
            primary = tube.primary
            kind = primary.kind
            pid, code = next(ctx.ids), next(ctx.codes)
            used = primary.aliquots * primary.aliquot_ul
            row = {
                "id": pid, "sample_code": code, "study_id": ctx.studies[study.code], "participant_id": person.id,
                "partner_site_id": ctx.sites[site.code], "material": "fluid", "sample_type": kind.sample_type,
                "primary_container": kind.container, "volume_ul": primary.volume - used,
                "initial_volume_ul": primary.volume, "status": tube.status, "parent_id": None,
                "lineage_kind": "primary", "freeze_thaw_count": 0, "collected_at": visit.collected_at,
                "received_at": tube.received_at, "centrifuged_at": None, "centrifugation_ended_at": None,
                "frozen_at": None,
                "pre_centrifugation_temp": None, "centrifugation": None, "second_centrifugation": None,
                "post_centrifugation_temp": None, "long_term_storage": None, "sprec_version": CURRENT_VERSION,
                "sprec_code": None, "sprec_overridden": False, "notes": tube.notes,
                "created_at": tube.registered_at, "updated_at": tube.registered_at, "version": 1,
            }
            if tube.processed is not None:
                row.update(tube.processed, sprec_code=tube.sprec_code, updated_at=tube.frozen_at)
            batch.samples.append(row)
            self.counts.update(primary=1, aliquots=primary.aliquots)
            if tube.clinic_label:
                batch.barcodes.append({"sample_id": pid, "barcode": site.barcode(pid), "kind": "clinic"})
            if not tube.aliquots:
                continue
            group = ctx.groups[group_key(kind, study.code)]
            for aliquot in tube.aliquots:
                aid = next(ctx.ids)
                batch.samples.append(row | {
                    "id": aid, "sample_code": format_child_id(code, "aliquot", aliquot.n), "status": aliquot.status,
                    "volume_ul": aliquot.volume, "initial_volume_ul": primary.aliquot_ul, "parent_id": pid,
                    "lineage_kind": "aliquot", "freeze_thaw_count": aliquot.freeze_thaw, "notes": aliquot.notes,
                    "created_at": tube.frozen_at})
                box, r, c = group.take()  # a tube no longer there leaves its position empty
                if group.storage.tube_barcodes:
                    batch.barcodes.append({"sample_id": aid, "barcode": f"FX{digits(aid, 8):08d}", "kind": "tube"})
                if aliquot.placed_at is not None:
                    batch.locations.append({"sample_id": aid, "container_id": box, "row": r, "col": c,
                                            "placed_at": aliquot.placed_at, "placed_by": aliquot.placed_by})
