"""The demo plan: what to create, as plain dataclasses, deterministic from a seed, without a database.

:func:`make_plan` draws participants, their visits and tubes, and their consents; :meth:`DemoPlan.tubes`
then yields, visit by visit, how each tube was processed and what became of each aliquot; and
:func:`storage_plan` works out the freezers, racks and boxes that hold them. The writer
(:mod:`~biobank_desktop.core.services.demo.writer`) only adds what the database decides: primary keys,
internal IDs, barcodes and names not already taken.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from random import Random
from typing import Any

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.positions import BoxLayout, FillOrder, LabelScheme
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.demo.catalogue import (
    CONSUMED_NOTES,
    CONTAINER_TYPES,
    DEMO_ACCOUNTS,
    DISCARDED_NOTES,
    LN2_RACK,
    LN2_TANK_RACKS,
    M80_FREEZER_RACKS,
    M80_RACK,
    QUARANTINE_NOTES,
    SCOPE_LIMITS,
    SHIPPED_NOTES,
    SITE_BY_CODE,
    STORAGE,
    STUDIES,
    WITHDRAWAL_REASONS,
    Kind,
    StorageKind,
    StudyPlan,
)
from biobank_desktop.core.services.sprec_info import derive_fluid_code

#: Aliquot statuses of tubes still in the freezer (they keep their position).
STORED = frozenset({"available", "reserved", "quarantined"})

_PLACED_BY = tuple(name for name, _, role, _ in DEMO_ACCOUNTS if role is Role.TECHNICIAN)


@dataclass
class Primary:
    kind: Kind
    volume: int
    aliquot_ul: int
    aliquots: int


@dataclass
class Visit:
    order: int
    participant: Person
    site: str
    collected_at: dt.datetime
    primaries: list[Primary]
    processed: bool = True
    expected: bool = False  # announced by the clinic, not received yet


@dataclass
class Consent:
    version: str
    scope: str
    status: str
    signed_on: dt.date
    withdrawn_on: dt.date | None = None
    withdrawal_reason: str | None = None


@dataclass
class Person:
    order: int
    study: StudyPlan
    sex: str
    visits: list[Visit] = field(default_factory=list)
    withdrawn_on: dt.date | None = None
    consents: list[Consent] = field(default_factory=list)
    pseudonym: str = ""  # given by the writer (skipping pseudonyms already in use)
    id: int = 0  # given by the writer


@dataclass
class DemoPlan:
    """Participants (in enrolment order, with their consents) and visits (in collection order)."""

    people: list[Person]
    visits: list[Visit]
    rows: int  # sample rows: primary tubes and aliquots
    until: dt.datetime
    tube_state: Any = field(repr=False, default=None)  # the generator's state where :meth:`tubes` starts

    def tubes(self) -> Iterator[VisitTubes]:
        """Visit by visit (collection order), how each tube was processed and what became of its aliquots.

        Deterministic: every call yields the same.
        """
        rng = Random()
        rng.setstate(self.tube_state)
        for visit in self.visits:
            yield _visit_tubes(rng, visit, self.until)


def make_plan(seed: int, target: int, until: dt.datetime) -> DemoPlan:
    """Participants and their visits until ``target`` sample rows (tubes and aliquots) are planned."""
    rng = Random(seed)
    people, visits, rows = _people_and_visits(rng, target, until)
    people.sort(key=lambda p: (p.visits[0].collected_at, p.order))
    for person in people:
        person.consents = _consents(rng, person, until.date())
    return DemoPlan(people, visits, rows, until, rng.getstate())


def _sex(rng: Random, female_share: float) -> str:
    u = rng.random()
    if u < 0.012:
        return "unknown"
    if u < 0.0125:
        return "undifferentiated"
    return "female" if rng.random() < female_share else "male"


def _weighted(rng: Random, items: Sequence[tuple[Any, float]]) -> Any:
    total = sum(w for _, w in items)
    u = rng.random() * total
    for item, w in items:
        u -= w
        if u < 0:
            return item
    return items[-1][0]


def _working_time(rng: Random, day: dt.datetime) -> dt.datetime:
    """A weekday morning or early afternoon (06:30–15:30 UTC) on or after ``day``."""
    day = day.replace(hour=0, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day + dt.timedelta(minutes=390 + rng.randrange(0, 540))


def _people_and_visits(rng: Random, target: int, until: dt.datetime) -> tuple[list[Person], list[Visit], int]:
    """Participants and their visits until ``target`` sample rows (tubes and aliquots) are planned."""
    people: list[Person] = []
    visits: list[Visit] = []
    rows = 0
    last_day = until - dt.timedelta(hours=1)
    study_weights = [(s, s.weight) for s in STUDIES if s.start < last_day]
    if not study_weights:
        first = min(s.start for s in STUDIES)
        raise ValidationError(f"Demo data are collected from {first:%B %Y} on; choose a later end date.")
    while rows < target:
        study: StudyPlan = _weighted(rng, study_weights)
        span = (last_day - study.start).total_seconds()
        person = Person(len(people), study, _sex(rng, study.female_share))
        site = _weighted(rng, study.sites)
        # Enrolment grows over the years: more participants recently.
        first = study.start + dt.timedelta(seconds=span * rng.random() ** 0.7)
        n_visits = _weighted(rng, ((1, 0.55), (2, 0.25), (3, 0.13), (4, 0.07)))
        when = _working_time(rng, first)
        for v in range(n_visits):
            if v:
                when = _working_time(rng, when + dt.timedelta(days=rng.randrange(180, 730)))
            if when >= last_day:
                break
            age = until - when
            visit = Visit(len(visits), person, site if rng.random() < 0.9 else _weighted(rng, study.sites),
                           when, [], processed=age > dt.timedelta(days=3))
            # The last days: tubes waiting to be processed; those from abroad (or from yesterday) still on the road.
            visit.expected = not visit.processed and (SITE_BY_CODE[visit.site].abroad or age < dt.timedelta(days=1))
            for kind, share in study.kit:
                if rng.random() >= share or rows >= target:
                    continue
                volume = rng.randrange(kind.volume[0], kind.volume[1] + 1, 50)
                aliquot_ul = rng.choice(kind.aliquot_ul)
                n = min(rng.randint(*kind.aliquots), volume // aliquot_ul) if visit.processed else 0
                n = min(n, target - rows - 1)  # the last tube gets what is left of the target
                visit.primaries.append(Primary(kind, volume, aliquot_ul, n))
                rows += 1 + n
            if visit.primaries:
                visits.append(visit)
                person.visits.append(visit)
        if person.visits:
            people.append(person)
    visits.sort(key=lambda v: (v.collected_at, v.order))
    return people, visits, rows


def _consents(rng: Random, person: Person, until: dt.date) -> list[Consent]:
    study = person.study
    first_visit = person.visits[0].collected_at.date()
    signed = first_visit - dt.timedelta(days=rng.randrange(0, 15))
    scope = study.scope + (rng.choice(SCOPE_LIMITS) if rng.random() < 0.12 else "")

    def version_at(day: dt.date) -> str:
        current = study.consent_versions[0][0]
        for version, since in study.consent_versions:
            if since <= day:
                current = version
        return current

    consents = [Consent(version_at(signed), scope, "given", signed)]
    for visit in person.visits[1:]:
        day = visit.collected_at.date()
        if version_at(day) != consents[-1].version and rng.random() < 0.6:
            consents.append(dataclasses.replace(consents[-1], version=version_at(day), signed_on=day))
    if rng.random() < 0.02:
        last = person.visits[-1].collected_at.date()
        withdrawn = last + dt.timedelta(days=rng.randrange(20, 900))
        if withdrawn < until:
            person.withdrawn_on = withdrawn
            reason = rng.choice(WITHDRAWAL_REASONS)
            for consent in consents:
                consent.status, consent.withdrawn_on, consent.withdrawal_reason = "withdrawn", withdrawn, reason
    return consents


# -- tubes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Processing:
    """How a primary tube was processed: what is stored on it and what its SPREC code is derived from."""

    sample_type: str
    container: str
    pre_temp: str
    spin: str | None  # first centrifugation code; None: not centrifuged
    second_spin: str | None
    post_temp: str | None
    storage: str  # SPREC long-term storage code
    pre_minutes: int  # collection → centrifugation, or → freezing when not centrifuged
    post_minutes: int | None  # end of the last centrifugation → freezing

    @property
    def spin_minutes(self) -> int:
        """How long the centrifugation runs: 15 min per spin (SPREC's 10–15 min), 30 min for a density gradient."""
        if not self.spin:
            return 0
        return (30 if self.spin == "M" else 15) + (15 if self.second_spin else 0)

    def fields(self, collected: dt.datetime) -> dict[str, Any]:
        """The sample's pre-analytical columns for a tube collected at ``collected``: the post-centrifugation
        delay runs from the end of the last spin, as SPREC times it."""
        start = collected + dt.timedelta(minutes=self.pre_minutes)
        ended = start + dt.timedelta(minutes=self.spin_minutes)
        return {
            "centrifuged_at": start if self.spin else None,
            "centrifugation_ended_at": ended if self.spin else None,
            "frozen_at": ended + dt.timedelta(minutes=self.post_minutes or 0),
            "pre_centrifugation_temp": self.pre_temp,
            "centrifugation": self.spin or "N",
            "second_centrifugation": self.second_spin or "N",
            "post_centrifugation_temp": self.post_temp,
            "long_term_storage": self.storage,
        }


@dataclass(frozen=True)
class _SprecInput:
    """The pre-analytical fields SPREC derivation reads (``FluidPreAnalytics``)."""

    sample_type: str
    primary_container: str
    collected_at: dt.datetime | None
    centrifuged_at: dt.datetime | None
    frozen_at: dt.datetime | None
    pre_centrifugation_temp: str | None
    centrifugation: str | None
    second_centrifugation: str | None
    post_centrifugation_temp: str | None
    long_term_storage: str | None
    centrifugation_ended_at: dt.datetime | None = None


_REFERENCE_TIME = dt.datetime(2020, 1, 6, 8, 0, tzinfo=dt.UTC)


@lru_cache(maxsize=65536)
def derive_sprec(processing: Processing) -> str:
    """The SPREC code, derived by the services' own rules (times only matter as delays, hence the cache)."""
    fields = processing.fields(_REFERENCE_TIME)
    return derive_fluid_code(_SprecInput(
        sample_type=processing.sample_type, primary_container=processing.container,
        collected_at=_REFERENCE_TIME, centrifuged_at=fields["centrifuged_at"], frozen_at=fields["frozen_at"],
        pre_centrifugation_temp=processing.pre_temp, centrifugation=fields["centrifugation"],
        second_centrifugation=fields["second_centrifugation"], post_centrifugation_temp=processing.post_temp,
        long_term_storage=processing.storage, centrifugation_ended_at=fields["centrifugation_ended_at"]))


@dataclass(slots=True)
class PlannedAliquot:
    n: int  # 1, 2, … : the suffix of its ID
    status: str
    volume: int
    freeze_thaw: int
    notes: str
    placed_at: dt.datetime | None  # None: no longer in its box (its position stays empty)
    placed_by: str | None


@dataclass(slots=True)
class PlannedTube:
    """A primary tube of a visit and its aliquots."""

    primary: Primary
    status: str
    received_at: dt.datetime | None
    registered_at: dt.datetime
    processed: dict[str, Any] | None  # the pre-analytical columns, once processed
    sprec_code: str | None
    frozen_at: dt.datetime  # when its aliquots were made (the registration time while unprocessed)
    notes: str
    clinic_label: bool  # arrived with the clinic's barcode
    aliquots: list[PlannedAliquot]


@dataclass(slots=True)
class VisitTubes:
    visit: Visit
    tubes: list[PlannedTube]


def _visit_tubes(rng: Random, visit: Visit, until: dt.datetime) -> VisitTubes:
    person = visit.participant
    site = SITE_BY_CODE[visit.site]
    collected = visit.collected_at
    # Transport: an hour or two within Luxembourg, a courier day (cooled) from abroad.
    if site.abroad:
        transit = rng.randrange(240, 1500)
        pre_temp = "COLD" if rng.random() < 0.85 else "RT"
    else:
        transit = rng.randrange(25, 200)
        pre_temp = "RT" if rng.random() < 0.88 else "COLD"
    received = collected + dt.timedelta(minutes=transit)
    start = received + dt.timedelta(minutes=rng.randrange(10, 70))
    if rng.random() < 0.04:  # arrived late: kept cold overnight, processed the next morning
        start = (received + dt.timedelta(days=1)).replace(hour=7, minute=rng.randrange(0, 50))
        pre_temp = "COLD"
    wait = int((start - collected).total_seconds() // 60)
    withdrawn = person.withdrawn_on
    age_years = (until - collected).days / 365.25
    tubes: list[PlannedTube] = []
    for primary in visit.primaries:
        kind = primary.kind
        storage = STORAGE[kind.storage]
        spun = bool(kind.spin) and rng.random() < kind.spin_share
        if spun:
            pre = wait + rng.randrange(0, 25)
            post: int | None = rng.randrange(20, 55) if rng.random() < 0.85 else rng.randrange(55, 200)
        else:
            pre, post = wait + rng.randrange(5, 60), None
        processing = Processing(
            kind.sample_type, kind.container, pre_temp, rng.choice(kind.spin) if spun else None,
            kind.second_spin if spun else None, ("COLD" if kind.cold else "RT") if spun else None,
            storage.long_term_storage, pre, post)
        if not visit.processed:
            status = "expected" if visit.expected else "available"
        elif withdrawn is not None:
            status = "discarded"
        else:
            status = "consumed" if primary.aliquots else "available"
        registered = collected if visit.expected else received
        frozen = registered
        fields: dict[str, Any] | None = None
        if visit.processed:  # not yet processed: time points and SPREC code come with processing
            fields = processing.fields(collected)
            frozen = fields["frozen_at"]
        tube = PlannedTube(
            primary, status, None if visit.expected else received, registered, fields,
            derive_sprec(processing) if fields is not None else None, frozen,
            f"Consent withdrawn on {withdrawn:%d.%m.%Y}" if withdrawn is not None else "",
            rng.random() < 0.93 or site.abroad,  # a few tubes arrive without the clinic's label
            [])
        tubes.append(tube)
        for n in range(1, primary.aliquots + 1):
            a_status, volume, thawed, notes = _aliquot_state(rng, primary.aliquot_ul, age_years, withdrawn)
            placed_at, placed_by = None, None
            if a_status in STORED:
                placed_at = frozen + dt.timedelta(minutes=rng.randrange(1, 15))
                placed_by = rng.choice(_PLACED_BY)
            tube.aliquots.append(PlannedAliquot(n, a_status, volume, thawed, notes, placed_at, placed_by))
    return VisitTubes(visit, tubes)


def _aliquot_state(rng: Random, volume: int, age_years: float,
                   withdrawn: dt.date | None) -> tuple[str, int, int, str]:
    """(status, volume µL, freeze-thaw cycles, notes) of an aliquot; older ones are more often used."""
    if withdrawn is not None:
        return "discarded", volume, 0, f"Destroyed after consent withdrawal ({withdrawn:%d.%m.%Y})"
    u = rng.random()
    used = 0.015 * age_years
    if u < used:
        return "consumed", 0, 1, rng.choice(CONSUMED_NOTES)
    if u < 2 * used:
        return "shipped", volume, rng.choice((0, 0, 1)), rng.choice(SHIPPED_NOTES)
    if u < 2 * used + 0.006:
        return "discarded", volume, 0, rng.choice(DISCARDED_NOTES)
    if u < 2 * used + 0.012:
        return "quarantined", volume, 0, rng.choice(QUARANTINE_NOTES)
    if u < 2 * used + 0.03:
        return "reserved", volume, 0, f"Reserved for access request AR-2026-{rng.randrange(10, 99):03d}"
    if u < 2 * used + 0.08 and volume > 200:
        return "available", volume - rng.randrange(1, volume // 100) * 50, 1, "Partly used"
    return "available", volume, 0, ""


# -- storage ----------------------------------------------------------------------------------------------


@dataclass
class BoxGroup:
    """The boxes of one storage kind, study and sample type, filled in processing order."""

    storage: StorageKind
    study: str
    sample_type: str
    first_used: dt.datetime
    positions: list[tuple[int, int]]  # (row, col) in the box type's fill order
    slots: int = 0
    boxes: int = 0
    box_ids: list[int] = field(default_factory=list)  # given by the writer once the boxes exist
    next_slot: int = 0

    def take(self) -> tuple[int, int, int]:
        """(box id, row, column) of the next position; positions of tubes no longer there stay empty."""
        box, index = divmod(self.next_slot, len(self.positions))
        self.next_slot += 1
        row, col = self.positions[index]
        return self.box_ids[box], row, col


def group_key(kind: Kind, study: str) -> tuple[str, str, str]:
    return kind.storage, study, kind.sample_type


@dataclass
class FreezerPlan:
    ln2: bool  # a liquid-nitrogen tank; else an upright −80 °C freezer
    racks: list[list[BoxGroup]]  # for each rack, the group of each of its boxes


@dataclass
class StoragePlan:
    groups: dict[tuple[str, str, str], BoxGroup]
    freezers: list[FreezerPlan]  # LN2 tanks first, then −80 °C freezers

    @property
    def racks(self) -> int:
        return sum(len(f.racks) for f in self.freezers)

    @property
    def boxes(self) -> int:
        return sum(g.boxes for g in self.groups.values())


def storage_plan(visits: Sequence[Visit]) -> StoragePlan:
    """Freezers, racks and boxes enough for every aliquot of ``visits``, filled in processing order."""
    layouts: dict[str, list[tuple[int, int]]] = {}
    for spec in CONTAINER_TYPES.values():
        if spec.kind == "box" and spec.rows and spec.columns:
            layout = BoxLayout(spec.rows, spec.columns, LabelScheme.LETTERS, LabelScheme.NUMBERS,
                               FillOrder(spec.fill_order))
            layouts[spec.name] = list(layout.positions())
    groups: dict[tuple[str, str, str], BoxGroup] = {}
    for visit in visits:
        study = visit.participant.study.code
        for primary in visit.primaries:
            if not primary.aliquots:
                continue
            key = group_key(primary.kind, study)
            group = groups.get(key)
            if group is None:
                storage = STORAGE[primary.kind.storage]
                group = groups[key] = BoxGroup(storage, study, primary.kind.sample_type, visit.collected_at,
                                               positions=layouts[storage.box_type])
            group.slots += primary.aliquots
    ordered = sorted(groups.values(), key=lambda g: (g.storage.freezer, g.storage.key, g.study, g.sample_type))
    for group in ordered:
        group.boxes = math.ceil(group.slots / len(group.positions))

    # Racks per storage kind; freezers per freezer kind (−80 °C uprights, LN2 tanks).
    racks: list[tuple[str, list[BoxGroup]]] = []  # (freezer kind, the group of each box in the rack)
    for storage in STORAGE.values():
        capacity = (LN2_RACK if storage.freezer == "ln2" else M80_RACK).capacity or 0
        in_rack: list[BoxGroup] = []
        for group in ordered:
            if group.storage is not storage:
                continue
            for _ in range(group.boxes):
                if len(in_rack) == capacity:
                    racks.append((storage.freezer, in_rack))
                    in_rack = []
                in_rack.append(group)
        if in_rack:
            racks.append((storage.freezer, in_rack))
    racks.sort(key=lambda r: r[0] != "ln2")  # LN2 racks first, then −80 °C, each in the order built
    freezers: list[FreezerPlan] = []
    for kind, rack in racks:
        limit = LN2_TANK_RACKS if kind == "ln2" else M80_FREEZER_RACKS
        ln2 = kind == "ln2"
        if not freezers or freezers[-1].ln2 != ln2 or len(freezers[-1].racks) == limit:
            freezers.append(FreezerPlan(ln2, []))
        freezers[-1].racks.append(rack)
    return StoragePlan(groups, freezers)
