"""Demo data: a national biobank's studies, partner sites, donors, consents, tubes and freezers.

:func:`generate_demo` fills a database with data shaped like a national biobank's (think IBBL,
Luxembourg): the national programmes' studies, Luxembourg hospitals and a few laboratories across
the borders, pseudonymised participants (never names or birth dates) with their consents (some
re-consented, a few withdrawn), primary tubes with external clinic barcodes, their aliquots in
cryoboxes, 96-tube racks and a liquid-nitrogen tank, and the demo accounts in :data:`DEMO_ACCOUNTS`
(only on a database without any account: their passwords are public). The setting ``demo_data = 1``
marks the database (:func:`is_demo_database`).

What a caller can rely on:

* All or nothing: one transaction. Cancelling (``cancelled()`` returning True, checked after every
  chunk) or any error rolls everything back; :class:`OperationCancelledError` is raised.
* Deterministic: the same ``seed``, ``until`` and starting database give the same data.
* Internal IDs come from the same counters real registrations use (one reservation per registration
  year), so the next sample registered in the application continues the sequence.
* Invariants the schema also guards: every aliquot has its parent; a parent's volume is its initial
  volume less its aliquots' (never negative); one tube per position; unique barcodes.
* One audit event, ``demo.generated``, summarises the run (not one per tube: a million tubes would
  otherwise bury the real trail).
* Speed: rows are built client-side (primary keys reserved first) and sent with Core
  ``insert(table)`` executemany in chunks of :data:`CHUNK` rows, with every row carrying every key
  (the effect ``render_nulls`` has for ORM bulk inserts: one statement shape, one batch).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from random import Random
from typing import Any

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import IntegrityError

from biobank_desktop.core.db import sequences
from biobank_desktop.core.db.conflicts import explain_integrity_error
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    Base,
    ContainerType,
    Participant,
    PartnerSite,
    Sample,
    Setting,
    StorageContainer,
    Study,
    User,
)
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import OperationCancelledError, ValidationError
from biobank_desktop.core.domain.ids import format_child_id
from biobank_desktop.core.domain.positions import BoxLayout, FillOrder, LabelScheme
from biobank_desktop.core.domain.roles import Permission, Role
from biobank_desktop.core.services.accounts import hash_password
from biobank_desktop.core.services.samples import NewSample, new_sample_codes
from biobank_desktop.core.services.sprec_info import CURRENT_VERSION, derive_fluid_code

#: The demo accounts the login dialog offers when the database holds demo data:
#: (user name, display name, role, password).
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str], ...] = (
    ("admin", "Demo Administrator", Role.ADMINISTRATOR, "biobank-admin"),
    ("supervisor", "Sophie Weber (demo supervisor)", Role.SUPERVISOR, "biobank-supervisor"),
    ("tech1", "Luc Schmit (demo technician)", Role.TECHNICIAN, "biobank-tech1"),
    ("tech2", "Marie Hoffmann (demo technician)", Role.TECHNICIAN, "biobank-tech2"),
)

#: The biobank-wide setting that marks a database holding demo data.
DEMO_SETTING = "demo_data"

#: Rows sent per executemany (and between two progress reports / cancel checks).
CHUNK = 10_000

# Counters for container barcodes, shared with the storage workflows: BOX-000123, RCK-000012, FRZ-0003.
BOX_BARCODE_SEQUENCE = "barcode:BOX"
RACK_BARCODE_SEQUENCE = "barcode:RCK"
FREEZER_BARCODE_SEQUENCE = "barcode:FRZ"


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


# -- reference data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    code: str
    name: str
    city: str
    country: str
    barcode: Callable[[int], str]  # the clinic's tube label, from a unique number
    abroad: bool = False


def _digits(n: int, width: int) -> int:
    # A bijection of 0 … 10**width - 1 (the multiplier is coprime to 10): distinct inputs never collide,
    # and the outputs look random, some with leading zeros.
    return (n * 7_919_173 + 104_729) % 10**width


_SITES: tuple[_Site, ...] = (
    _Site("CHL", "Centre Hospitalier de Luxembourg", "Luxembourg", "LU", lambda n: f"{_digits(n, 10):010d}"),
    _Site("HRS", "Hôpitaux Robert Schuman", "Luxembourg-Kirchberg", "LU", lambda n: f"R{_digits(n, 9):09d}"),
    _Site("CHEM", "Centre Hospitalier Emile Mayrisch (CHEM)", "Esch-sur-Alzette", "LU",
          lambda n: f"{_digits(n, 12):012d}"),
    _Site("CHDN", "Centre Hospitalier du Nord", "Ettelbruck", "LU",
          lambda n: f"N{_digits(n // 4, 8):08d}-{n % 4 + 1:02d}"),
    _Site("CHRMT", "CHR Metz-Thionville, laboratoire de biologie", "Metz", "FR",
          lambda n: f"MT{_digits(n, 10):010d}", abroad=True),
    _Site("UKS", "Universitätsklinikum des Saarlandes, Zentrallabor", "Homburg", "DE",
          lambda n: f"{_digits(n, 8):08d}", abroad=True),
    _Site("CHULG", "CHU de Liège, laboratoire de biologie clinique", "Liège", "BE",
          lambda n: f"L{_digits(n, 11):011d}", abroad=True),
)
_SITE_BY_CODE = {site.code: site for site in _SITES}


@dataclass(frozen=True)
class _Storage:
    """Where a kind of aliquot goes: a box type in a kind of freezer, with its SPREC storage code."""

    key: str
    box_type: str
    long_term_storage: str  # SPREC element 7
    freezer: str  # "m80" | "ln2"
    tube_barcodes: bool = False  # 2D-coded tubes (read by rack scanners)


_STORAGE: dict[str, _Storage] = {s.key: s for s in (
    _Storage("box81", "Cryobox 9 × 9", "D", "m80"),  # cryotubes 1–2 mL, −80 °C
    _Storage("sbs96", "SBS rack 96 (8 × 12)", "S", "m80", tube_barcodes=True),  # PP tubes ≤ 500 µL, −80 °C
    _Storage("box100", "Cryobox 10 × 10", "A", "m80"),  # PP tubes 0.5–2 mL, −80 °C
    _Storage("ln2", "Cryobox 10 × 10", "C", "ln2"),  # cryotubes in liquid nitrogen (viable cells)
)}


@dataclass(frozen=True)
class _Kind:
    """A sample type as a study collects and processes it."""

    sample_type: str
    container: str  # SPREC primary container
    volume: tuple[int, int]  # primary volume range, µL
    aliquot_ul: tuple[int, ...]
    aliquots: tuple[int, int]  # how many aliquots are made, volume permitting
    spin: tuple[str, ...] = ()  # first centrifugation codes to choose from; () = not centrifuged
    spin_share: float = 1.0  # share of the tubes that are centrifuged
    second_spin: str | None = None
    cold: bool = False  # processed on ice
    storage: str = "box81"


_SER = _Kind("SER", "SST", (2500, 4500), (250, 500), (6, 12), ("B", "B", "B", "D"))
_SER_96 = _Kind("SER", "SST", (2500, 4500), (250, 500), (6, 12), ("B", "B", "B", "D"), storage="sbs96")
_PL1 = _Kind("PL1", "PED", (3000, 5000), (500,), (4, 8), ("B", "D"))
_PL1_96 = _Kind("PL1", "PED", (3000, 5000), (250, 500), (6, 12), ("B", "D"), storage="sbs96")
_PL1_FLUORIDE = _Kind("PL1", "SPO", (2000, 3500), (250, 500), (4, 8), ("D",), cold=True)
_PL2 = _Kind("PL2", "PED", (2500, 4500), (250, 500), (6, 12), ("D",), second_spin="D", cold=True)
_PL2_96 = _Kind("PL2", "PED", (2500, 4500), (250, 500), (6, 12), ("D",), second_spin="D", cold=True,
                storage="sbs96")
_BUF = _Kind("BUF", "PED", (400, 1000), (200, 250), (2, 3), ("B",), storage="ln2")
_RBC = _Kind("RBC", "PED", (2000, 3500), (1000,), (2, 3), ("B",), storage="box100")
_BLD = _Kind("BLD", "PED", (2000, 4000), (1000,), (2, 3))
_URN = _Kind("URN", "PPS", (10000, 40000), (1000, 1500), (4, 8), ("B",), spin_share=0.3)
_CSF = _Kind("CSF", "PPS", (2000, 8000), (500,), (4, 10), ("D",), cold=True)
_SAL = _Kind("SAL", "ORG", (1500, 2500), (500,), (2, 4))


@dataclass(frozen=True)
class _StudyPlan:
    code: str
    name: str
    programme: str
    pseudonym_prefix: str
    weight: float
    start: dt.datetime
    kit: tuple[tuple[_Kind, float], ...]  # (kind, share of visits that give one)
    sites: tuple[tuple[str, float], ...]
    consent_versions: tuple[tuple[str, dt.date], ...]  # (version, in use from)
    scope: str
    female_share: float = 0.5


_LU_SITES = (("CHL", 0.38), ("HRS", 0.24), ("CHEM", 0.22), ("CHDN", 0.16))
_STUDIES: tuple[_StudyPlan, ...] = (
    _StudyPlan("COLON", "Colon cancer cohort", "Cancer", "COL", 0.24, dt.datetime(2019, 1, 7, tzinfo=dt.UTC),
               ((_SER_96, 1.0), (_PL2_96, 1.0), (_BUF, 0.7), (_URN, 0.5)),
               (*_LU_SITES, ("CHRMT", 0.08), ("CHULG", 0.05)),
               (("COLON-ICF v1.2", dt.date(2018, 11, 1)), ("COLON-ICF v2.0", dt.date(2023, 3, 1))),
               "Storage of blood and urine samples with clinical data for research on colorectal cancer; "
               "genetic analyses; sharing with research partners in the EU/EEA"),
    _StudyPlan("LUNG", "Lung cancer cohort", "Cancer", "LNG", 0.12, dt.datetime(2019, 4, 1, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL2, 1.0), (_BUF, 0.6), (_BLD, 0.4)),
               (*_LU_SITES, ("CHULG", 0.06)),
               (("LUNG-ICF v1.0", dt.date(2019, 3, 1)), ("LUNG-ICF v1.1", dt.date(2022, 9, 1))),
               "Storage of blood samples with clinical data for research on lung cancer; genetic analyses; "
               "sharing with research partners in the EU/EEA"),
    _StudyPlan("BREAST", "Breast cancer cohort", "Cancer", "BRC", 0.15, dt.datetime(2019, 6, 3, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL1, 1.0), (_BUF, 0.5)),
               (*_LU_SITES, ("CHRMT", 0.05)),
               (("BREAST-ICF v1.0", dt.date(2019, 5, 1)), ("BREAST-ICF v2.1", dt.date(2024, 1, 15))),
               "Storage of blood samples with clinical data for research on breast cancer; genetic analyses; "
               "recontact for follow-up studies", female_share=0.99),
    _StudyPlan("PARK", "Parkinson's disease cohort", "Parkinson's disease", "PRK", 0.19,
               dt.datetime(2019, 2, 4, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL1, 0.9), (_BLD, 0.6), (_URN, 0.6), (_SAL, 0.4), (_CSF, 0.15)),
               (("CHL", 0.45), ("HRS", 0.15), ("CHEM", 0.15), ("CHDN", 0.1), ("UKS", 0.1), ("CHRMT", 0.05)),
               (("PARK-ICF v3.0", dt.date(2018, 12, 1)), ("PARK-ICF v4.0", dt.date(2022, 4, 1))),
               "Storage of biosamples and clinical data for research on Parkinson's disease; genetic analyses; "
               "sharing with academic and industrial partners; recontact", female_share=0.42),
    _StudyPlan("T2D", "Type 2 diabetes cohort", "Type 2 diabetes", "T2D", 0.14,
               dt.datetime(2021, 9, 6, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL1_FLUORIDE, 1.0), (_URN, 0.8), (_RBC, 0.3)),
               (*_LU_SITES, ("UKS", 0.06)),
               (("T2D-ICF v1.0", dt.date(2021, 8, 1)),),
               "Storage of blood and urine samples with clinical data for research on type 2 diabetes; "
               "genetic analyses"),
    _StudyPlan("NPC", "Normal population cohort", "Normal population", "NPC", 0.16,
               dt.datetime(2022, 1, 10, tzinfo=dt.UTC),
               ((_SER_96, 1.0), (_PL1_96, 0.9), (_BUF, 0.5), (_URN, 0.7), (_SAL, 0.3)),
               _LU_SITES,
               (("NPC-ICF v1.0", dt.date(2021, 12, 1)), ("NPC-ICF v1.1", dt.date(2024, 6, 1))),
               "Storage of biosamples and questionnaire data from healthy volunteers for health research; "
               "genetic analyses; sharing with research partners in the EU/EEA"),
)

_SCOPE_LIMITS = ("; excluding commercial use", "; excluding genetic analyses", "; no recontact")
_WITHDRAWAL_REASONS = (
    "Participant's request by letter",
    "Participant's request by phone, confirmed in writing",
    "Withdrawal forwarded by the treating physician",
    "Participant no longer wishes to take part",
)
_SHIPPED_NOTES = ("Shipped to LIH proteomics platform (MTA 2023-014)", "Shipped to LCSB, University of Luxembourg",
                  "Shipped to BBMRI-ERIC partner biobank (MTA 2024-031)", "Shipped to external CRO for assay")
_CONSUMED_NOTES = ("Used in project P-2022-007 (metabolomics)", "Used in project P-2024-019 (cfDNA)",
                   "Used in quality control (SPREC biomarker panel)")
_DISCARDED_NOTES = ("Tube cracked at retrieval", "Label unreadable, identity not confirmed",
                    "Haemolysed, discarded after QC")
_QUARANTINE_NOTES = ("Freezer alarm: excursion to -55 °C for 3 h, under review",
                     "Volume below expected, pending check")

_M80_FREEZER_RACKS = 20  # an upright −80 °C freezer: 5 shelves × 4 racks
_LN2_TANK_RACKS = 16
_LN2_RACK_TYPE = ("LN2 tank rack 13 boxes", "rack", 13, 1, "row_major")
_CONTAINER_TYPES = {  # name → (kind, rows, columns, fill order): found by name, created when missing
    "Upright freezer -80 °C": ("freezer", None, None, "row_major"),
    "Liquid nitrogen tank": ("ln2_tank", None, None, "row_major"),
    "Freezer rack 4 × 5 boxes": ("rack", 4, 5, "row_major"),
    _LN2_RACK_TYPE[0]: _LN2_RACK_TYPE[1:],
    "Cryobox 9 × 9": ("box", 9, 9, "row_major"),
    "Cryobox 10 × 10": ("box", 10, 10, "row_major"),
    "SBS rack 96 (8 × 12)": ("box", 8, 12, "column_major"),
}


# -- the plan: who gave what, when ------------------------------------------------------------------------


@dataclass
class _Primary:
    kind: _Kind
    volume: int
    aliquot_ul: int
    aliquots: int


@dataclass
class _Visit:
    order: int
    participant: _Person
    site: str
    collected_at: dt.datetime
    primaries: list[_Primary]
    processed: bool = True
    expected: bool = False  # announced by the clinic, not received yet


@dataclass
class _Person:
    order: int
    study: _StudyPlan
    sex: str
    visits: list[_Visit] = field(default_factory=list)
    withdrawn_on: dt.date | None = None
    pseudonym: str = ""
    id: int = 0


@dataclass
class _Plan:
    people: list[_Person]
    visits: list[_Visit]  # in collection order
    rows: int


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


def _plan(rng: Random, target: int, until: dt.datetime) -> _Plan:
    """Participants and their visits until ``target`` sample rows (tubes and aliquots) are planned."""
    people: list[_Person] = []
    visits: list[_Visit] = []
    rows = 0
    last_day = until - dt.timedelta(hours=1)
    study_weights = [(s, s.weight) for s in _STUDIES if s.start < last_day]
    if not study_weights:
        first = min(s.start for s in _STUDIES)
        raise ValidationError(f"Demo data are collected from {first:%B %Y} on; choose a later end date.")
    while rows < target:
        study: _StudyPlan = _weighted(rng, study_weights)
        span = (last_day - study.start).total_seconds()
        person = _Person(len(people), study, _sex(rng, study.female_share))
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
            visit = _Visit(len(visits), person, site if rng.random() < 0.9 else _weighted(rng, study.sites),
                           when, [], processed=age > dt.timedelta(days=3))
            # The last days: tubes waiting to be processed; those from abroad (or from yesterday) still on the road.
            visit.expected = not visit.processed and (_SITE_BY_CODE[visit.site].abroad or age < dt.timedelta(days=1))
            for kind, share in study.kit:
                if rng.random() >= share or rows >= target:
                    continue
                volume = rng.randrange(kind.volume[0], kind.volume[1] + 1, 50)
                aliquot_ul = rng.choice(kind.aliquot_ul)
                n = min(rng.randint(*kind.aliquots), volume // aliquot_ul) if visit.processed else 0
                n = min(n, target - rows - 1)  # the last tube gets what is left of the target
                visit.primaries.append(_Primary(kind, volume, aliquot_ul, n))
                rows += 1 + n
            if visit.primaries:
                visits.append(visit)
                person.visits.append(visit)
        if person.visits:
            people.append(person)
    visits.sort(key=lambda v: (v.collected_at, v.order))
    return _Plan(people, visits, rows)


# -- consents ---------------------------------------------------------------------------------------------


def _consents(rng: Random, person: _Person, until: dt.date) -> list[dict[str, Any]]:
    study = person.study
    first_visit = person.visits[0].collected_at.date()
    signed = first_visit - dt.timedelta(days=rng.randrange(0, 15))
    scope = study.scope + (rng.choice(_SCOPE_LIMITS) if rng.random() < 0.12 else "")

    def version_at(day: dt.date) -> str:
        current = study.consent_versions[0][0]
        for version, since in study.consent_versions:
            if since <= day:
                current = version
        return current

    rows = [{"participant_id": person.id, "version": version_at(signed), "scope": scope, "status": "given",
             "signed_on": signed, "withdrawn_on": None, "withdrawal_reason": None}]
    for visit in person.visits[1:]:
        day = visit.collected_at.date()
        if version_at(day) != rows[-1]["version"] and rng.random() < 0.6:
            rows.append(rows[-1] | {"version": version_at(day), "signed_on": day})
    if rng.random() < 0.02:
        last = person.visits[-1].collected_at.date()
        withdrawn = last + dt.timedelta(days=rng.randrange(20, 900))
        if withdrawn < until:
            person.withdrawn_on = withdrawn
            reason = rng.choice(_WITHDRAWAL_REASONS)
            for row in rows:
                row.update(status="withdrawn", withdrawn_on=withdrawn, withdrawal_reason=reason)
    return rows


# -- storage ----------------------------------------------------------------------------------------------


@dataclass
class _BoxGroup:
    """The boxes of one storage kind, study and sample type, filled in processing order."""

    storage: _Storage
    study: str
    sample_type: str
    first_used: dt.datetime
    positions: list[tuple[int, int]]  # (row, col) in the box type's fill order
    slots: int = 0
    box_ids: list[int] = field(default_factory=list)
    next_slot: int = 0

    def take(self) -> tuple[int, int, int]:
        """(box id, row, column) of the next position; positions of tubes no longer there stay empty."""
        box, index = divmod(self.next_slot, len(self.positions))
        self.next_slot += 1
        row, col = self.positions[index]
        return self.box_ids[box], row, col


def _group_key(kind: _Kind, study: str) -> tuple[str, str, str]:
    return kind.storage, study, kind.sample_type


def _container_row(*, id: int, parent_id: int | None, container_type_id: int, name: str, barcode: str,
                   created_at: dt.datetime, temperature_c: Decimal | None = None,
                   location_note: str = "") -> dict[str, Any]:
    return {"id": id, "parent_id": parent_id, "container_type_id": container_type_id, "name": name,
            "barcode": barcode, "temperature_c": temperature_c, "location_note": location_note, "active": True,
            "created_at": created_at}


# -- the generator ----------------------------------------------------------------------------------------


def generate_demo(db: Database, actor: Actor, samples: int = 2000, *, seed: int = 2026,
                  progress: Callable[[float, str], None] | None = None,
                  cancelled: Callable[[], bool] | None = None,
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
    report_progress = progress or (lambda _f, _t: None)
    is_cancelled = cancelled or (lambda: False)
    if until is None:
        now = dt.datetime.now(dt.UTC)
        until = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if until.tzinfo is None:
        raise ValueError("until must be timezone-aware")
    until = until.astimezone(dt.UTC)
    rng = Random(seed)

    with db.connect_checked(), UnitOfWork(db, actor, Permission.MANAGE_DATABASE) as uow:
        session = uow.session
        if not allow_existing and session.execute(select(Sample.id).limit(1)).first() is not None:
            raise ValidationError(
                "This database already holds samples; demo data are only added to an empty database.",
                hint="Use a new database file for the demo (or allow adding to existing data).",
            )
        report_progress(0.0, "Planning participants and visits")
        plan = _plan(rng, samples, until)
        writer = _Writer(uow, rng=rng, plan=plan, until=until, progress=report_progress, cancelled=is_cancelled)
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


class _Writer:
    """Turns the plan into rows and writes them, chunk by chunk, in the unit of work's transaction."""

    def __init__(self, uow: UnitOfWork, *, rng: Random, plan: _Plan, until: dt.datetime,
                 progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> None:
        self.uow = uow
        self.session = uow.session
        self.conn: Connection = uow.session.connection()
        self.rng = rng
        self.plan = plan
        self.until = until
        self.progress = progress
        self.cancelled = cancelled
        self.tables = Base.metadata.tables
        self.placed_by = [name for name, _, role, _ in DEMO_ACCOUNTS if role is Role.TECHNICIAN]
        self.counts: Counter[str] = Counter()

    # -- helpers

    def _check_cancel(self) -> None:
        if self.cancelled():
            raise OperationCancelledError("Demo data generation cancelled: nothing was added.")

    def _insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            self.conn.execute(insert(self.tables[table]), rows[start:start + CHUNK])

    def _reserve_ids(self, table: str, count: int) -> list[int]:
        """``count`` primary keys for ``table`` that nobody else will use (this transaction holds them)."""
        if count == 0:
            return []
        if self.conn.dialect.name == "postgresql":
            values = self.conn.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": table, "n": count}).scalars().all()
            return sorted(int(v) for v in values)
        # SQLite: the transaction began with BEGIN IMMEDIATE, so no other writer can take ids meanwhile.
        first = int(self.conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one())
        return list(range(first, first + count))

    # -- the run

    def run(self) -> DemoReport:
        accounts = self._accounts()
        studies = self._studies()
        sites, sites_added = self._sites()
        self._check_cancel()
        self.progress(0.01, "Participants and consents")
        consents, withdrawn = self._participants(studies)
        self._check_cancel()
        self.progress(0.04, "Freezers, racks and boxes")
        groups, storage_counts = self._storage()
        self._check_cancel()
        self._samples(studies, sites, groups)
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
            freezers=storage_counts["freezers"], racks=storage_counts["racks"], boxes=storage_counts["boxes"],
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
        for study in _STUDIES:
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
        for site in _SITES:
            if site.code not in ids:
                row = PartnerSite(code=site.code, name=site.name, city=site.city, country=site.country)
                self.session.add(row)
                self.session.flush()
                ids[site.code] = row.id
                added += 1
        return ids, added

    def _participants(self, studies: dict[str, int]) -> tuple[int, int]:
        people = sorted(self.plan.people, key=lambda p: (p.visits[0].collected_at, p.order))
        ids = self._reserve_ids("participants", len(people))
        taken: dict[str, set[str]] = {}
        numbers: Counter[str] = Counter()
        rows: list[dict[str, Any]] = []
        consent_rows: list[dict[str, Any]] = []
        until = self.until.date()
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
            consent_rows.extend(_consents(self.rng, person, until))
        self._insert("participants", rows)
        self._check_cancel()
        self._insert("consents", consent_rows)
        return len(consent_rows), sum(1 for c in consent_rows if c["status"] == "withdrawn")

    def _container_types(self) -> dict[str, int]:
        ids = dict(self.session.execute(select(ContainerType.name, ContainerType.id)).all())
        for name, (kind, rows, cols, order) in _CONTAINER_TYPES.items():
            if name not in ids:
                row = ContainerType(name=name, kind=kind, rows=rows, columns=cols, fill_order=order)
                self.session.add(row)
                self.session.flush()
                ids[name] = row.id
        return ids

    def _storage(self) -> tuple[dict[tuple[str, str, str], _BoxGroup], Counter[str]]:
        """Freezers, racks and boxes enough for every aliquot of the plan, filled in processing order."""
        type_ids = self._container_types()
        layouts: dict[str, list[tuple[int, int]]] = {}
        for name, (kind, n_rows, n_cols, order) in _CONTAINER_TYPES.items():
            if kind == "box" and n_rows and n_cols:
                layout = BoxLayout(n_rows, n_cols, LabelScheme.LETTERS, LabelScheme.NUMBERS, FillOrder(order))
                layouts[name] = list(layout.positions())
        groups: dict[tuple[str, str, str], _BoxGroup] = {}
        for visit in self.plan.visits:
            study = visit.participant.study.code
            for primary in visit.primaries:
                if not primary.aliquots:
                    continue
                key = _group_key(primary.kind, study)
                group = groups.get(key)
                if group is None:
                    storage = _STORAGE[primary.kind.storage]
                    group = groups[key] = _BoxGroup(storage, study, primary.kind.sample_type, visit.collected_at,
                                                    positions=layouts[storage.box_type])
                group.slots += primary.aliquots
        ordered = sorted(groups.values(), key=lambda g: (g.storage.freezer, g.storage.key, g.study, g.sample_type))
        n_boxes = {id(g): math.ceil(g.slots / len(g.positions)) for g in ordered}

        # Racks per storage kind; freezers per freezer kind (−80 °C uprights, LN2 tanks).
        racks: list[tuple[str, list[_BoxGroup]]] = []  # (freezer kind, the group of each box in the rack)
        for storage in _STORAGE.values():
            capacity = _LN2_RACK_TYPE[2] if storage.freezer == "ln2" else 20
            in_rack: list[_BoxGroup] = []
            for group in ordered:
                if group.storage is not storage:
                    continue
                for _ in range(n_boxes[id(group)]):
                    if len(in_rack) == capacity:
                        racks.append((storage.freezer, in_rack))
                        in_rack = []
                    in_rack.append(group)
            if in_rack:
                racks.append((storage.freezer, in_rack))
        racks.sort(key=lambda r: r[0] != "ln2")  # LN2 racks first, then −80 °C, each in the order built
        freezer_racks: list[tuple[str, list[list[_BoxGroup]]]] = []
        for kind, rack in racks:
            limit = _LN2_TANK_RACKS if kind == "ln2" else _M80_FREEZER_RACKS
            if not freezer_racks or freezer_racks[-1][0] != kind or len(freezer_racks[-1][1]) == limit:
                freezer_racks.append((kind, []))
            freezer_racks[-1][1].append(rack)

        total_boxes = sum(n_boxes.values())
        counts: Counter[str] = Counter(freezers=len(freezer_racks), racks=len(racks), boxes=total_boxes)
        if not freezer_racks:
            return groups, counts
        ids = iter(self._reserve_ids("storage_containers", len(freezer_racks) + len(racks) + total_boxes))
        box_no = sequences.take(self.session, BOX_BARCODE_SEQUENCE, total_boxes)
        rack_no = sequences.take(self.session, RACK_BARCODE_SEQUENCE, len(racks))
        freezer_no = sequences.take(self.session, FREEZER_BARCODE_SEQUENCE, len(freezer_racks))
        used_names = set(self.session.execute(
            select(StorageContainer.name).where(StorageContainer.parent_id.is_(None))).scalars())
        since = min(g.first_used for g in ordered) - dt.timedelta(days=30)
        rows: list[dict[str, Any]] = []
        box_numbers: Counter[tuple[str, str, str]] = Counter()
        numbers = {"m80": 0, "ln2": 0}
        for f_index, (kind, f_racks) in enumerate(freezer_racks):
            ln2 = kind == "ln2"
            while True:
                numbers[kind] += 1
                name = f"LN2 tank T-{numbers[kind]:02d}" if ln2 else f"Freezer F-{numbers[kind]:02d} (-80 °C)"
                if name not in used_names:
                    break
            freezer_id = next(ids)
            rows.append(_container_row(
                id=freezer_id, parent_id=None, name=name, barcode=f"FRZ-{freezer_no + f_index:04d}",
                container_type_id=type_ids["Liquid nitrogen tank" if ln2 else "Upright freezer -80 °C"],
                temperature_c=Decimal("-190.0") if ln2 else Decimal("-80.0"), created_at=since,
                location_note="Cryo room, vapour phase" if ln2 else f"Freezer hall {1 + f_index % 2}"))
            for r_index, rack in enumerate(f_racks, start=1):
                rack_id = next(ids)
                rows.append(_container_row(
                    id=rack_id, parent_id=freezer_id, name=f"Rack {r_index:02d}", barcode=f"RCK-{rack_no:06d}",
                    container_type_id=type_ids[_LN2_RACK_TYPE[0] if ln2 else "Freezer rack 4 × 5 boxes"],
                    created_at=since))
                rack_no += 1
                for group in rack:
                    box_id = next(ids)
                    key = (group.storage.key, group.study, group.sample_type)
                    box_numbers[key] += 1
                    group.box_ids.append(box_id)
                    rows.append(_container_row(
                        id=box_id, parent_id=rack_id, name=f"{group.study} {group.sample_type} {box_numbers[key]:04d}",
                        barcode=f"BOX-{box_no:06d}", container_type_id=type_ids[group.storage.box_type],
                        created_at=group.first_used))
                    box_no += 1
        self._insert("storage_containers", rows)
        return groups, counts

    def _codes(self) -> list[str]:
        """Internal IDs for every primary tube in registration order: one reservation per year."""
        years = [visit.collected_at.year for visit in self.plan.visits for _ in visit.primaries]
        pools = {year: iter(new_sample_codes(self.session, count, year))
                 for year, count in sorted(Counter(years).items())}
        return [next(pools[year]) for year in years]

    def _samples(self, studies: dict[str, int], sites: dict[str, int],
                 groups: dict[tuple[str, str, str], _BoxGroup]) -> None:
        total = self.plan.rows
        ctx = _SampleContext(iter(self._reserve_ids("samples", total)), iter(self._codes()), studies, sites, groups)
        for visit in self.plan.visits:
            self._visit(visit, ctx)
            if len(ctx.batch.samples) >= CHUNK:
                self._flush(ctx.batch, total)
        self._flush(ctx.batch, total)

    def _flush(self, batch: _Batch, total: int) -> None:
        self._check_cancel()
        self._insert("samples", batch.samples)
        self._insert("sample_barcodes", batch.barcodes)
        self._insert("sample_locations", batch.locations)
        self.counts.update(samples=len(batch.samples), barcodes=len(batch.barcodes), placed=len(batch.locations))
        batch.clear()
        done = self.counts["samples"]
        self.progress(0.05 + 0.93 * done / total, f"Samples: {done:,} of {total:,}")

    def _visit(self, visit: _Visit, ctx: _SampleContext) -> None:
        rng, batch = self.rng, ctx.batch
        person = visit.participant
        study = person.study
        site = _SITE_BY_CODE[visit.site]
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
        age_years = (self.until - collected).days / 365.25
        for primary in visit.primaries:
            kind = primary.kind
            storage = _STORAGE[kind.storage]
            spun = bool(kind.spin) and rng.random() < kind.spin_share
            if spun:
                pre = wait + rng.randrange(0, 25)
                post: int | None = rng.randrange(20, 55) if rng.random() < 0.85 else rng.randrange(55, 200)
            else:
                pre, post = wait + rng.randrange(5, 60), None
            processing = _Processing(
                kind.sample_type, kind.container, pre_temp, rng.choice(kind.spin) if spun else None,
                kind.second_spin if spun else None, ("COLD" if kind.cold else "RT") if spun else None,
                storage.long_term_storage, pre, post)
            pid, code = next(ctx.ids), next(ctx.codes)
            used = primary.aliquots * primary.aliquot_ul
            if not visit.processed:
                status = "expected" if visit.expected else "available"
            elif withdrawn is not None:
                status = "discarded"
            else:
                status = "consumed" if primary.aliquots else "available"
            registered = collected if visit.expected else received
            row = {
                "id": pid, "sample_code": code, "study_id": ctx.studies[study.code], "participant_id": person.id,
                "partner_site_id": ctx.sites[site.code], "material": "fluid", "sample_type": kind.sample_type,
                "primary_container": kind.container, "volume_ul": primary.volume - used,
                "initial_volume_ul": primary.volume, "status": status, "parent_id": None, "lineage_kind": "primary",
                "freeze_thaw_count": 0, "collected_at": collected, "received_at": None if visit.expected else received,
                "centrifuged_at": None, "frozen_at": None, "pre_centrifugation_temp": None, "centrifugation": None,
                "second_centrifugation": None, "post_centrifugation_temp": None, "long_term_storage": None,
                "sprec_version": CURRENT_VERSION, "sprec_code": None, "sprec_overridden": False,
                "notes": f"Consent withdrawn on {withdrawn:%d.%m.%Y}" if withdrawn is not None else "",
                "created_at": registered, "updated_at": registered, "version": 1,
            }
            frozen = registered
            if visit.processed:  # not yet processed: time points and SPREC code come with processing
                fields = processing.fields(collected)
                frozen = fields["frozen_at"]
                row.update(fields, sprec_code=_derive_sprec(processing), updated_at=frozen)
            batch.samples.append(row)
            self.counts.update(primary=1, aliquots=primary.aliquots)
            if rng.random() < 0.93 or site.abroad:  # a few tubes arrive without the clinic's label
                batch.barcodes.append({"sample_id": pid, "barcode": site.barcode(pid), "kind": "clinic"})
            if not primary.aliquots:
                continue
            group = ctx.groups[_group_key(kind, study.code)]
            for n in range(1, primary.aliquots + 1):
                aid = next(ctx.ids)
                status, volume, thawed, notes = self._aliquot_state(primary.aliquot_ul, age_years, withdrawn)
                batch.samples.append(row | {
                    "id": aid, "sample_code": format_child_id(code, "aliquot", n), "status": status,
                    "volume_ul": volume, "initial_volume_ul": primary.aliquot_ul, "parent_id": pid,
                    "lineage_kind": "aliquot", "freeze_thaw_count": thawed, "notes": notes, "created_at": frozen})
                box, r, c = group.take()  # a tube no longer there leaves its position empty
                if storage.tube_barcodes:
                    batch.barcodes.append({"sample_id": aid, "barcode": f"FX{_digits(aid, 8):08d}", "kind": "tube"})
                if status in _STORED:
                    batch.locations.append({"sample_id": aid, "container_id": box, "row": r, "col": c,
                                            "placed_at": frozen + dt.timedelta(minutes=rng.randrange(1, 15)),
                                            "placed_by": rng.choice(self.placed_by)})

    def _aliquot_state(self, volume: int, age_years: float,
                       withdrawn: dt.date | None) -> tuple[str, int, int, str]:
        """(status, volume µL, freeze-thaw cycles, notes) of an aliquot; older ones are more often used."""
        rng = self.rng
        if withdrawn is not None:
            return "discarded", volume, 0, f"Destroyed after consent withdrawal ({withdrawn:%d.%m.%Y})"
        u = rng.random()
        used = 0.015 * age_years
        if u < used:
            return "consumed", 0, 1, rng.choice(_CONSUMED_NOTES)
        if u < 2 * used:
            return "shipped", volume, rng.choice((0, 0, 1)), rng.choice(_SHIPPED_NOTES)
        if u < 2 * used + 0.006:
            return "discarded", volume, 0, rng.choice(_DISCARDED_NOTES)
        if u < 2 * used + 0.012:
            return "quarantined", volume, 0, rng.choice(_QUARANTINE_NOTES)
        if u < 2 * used + 0.03:
            return "reserved", volume, 0, f"Reserved for access request AR-2026-{rng.randrange(10, 99):03d}"
        if u < 2 * used + 0.08 and volume > 200:
            return "available", volume - rng.randrange(1, volume // 100) * 50, 1, "Partly used"
        return "available", volume, 0, ""


_STORED = frozenset({"available", "reserved", "quarantined"})  # statuses of tubes still in the freezer


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
    groups: dict[tuple[str, str, str], _BoxGroup]
    batch: _Batch = field(default_factory=_Batch)


@dataclass(frozen=True)
class _Processing:
    """How a primary tube was processed: what is stored on it and what its SPREC code is derived from."""

    sample_type: str
    container: str
    pre_temp: str
    spin: str | None  # first centrifugation code; None: not centrifuged
    second_spin: str | None
    post_temp: str | None
    storage: str  # SPREC long-term storage code
    pre_minutes: int  # collection → centrifugation, or → freezing when not centrifuged
    post_minutes: int | None  # centrifugation → freezing

    def fields(self, collected: dt.datetime) -> dict[str, Any]:
        """The sample's pre-analytical columns for a tube collected at ``collected``."""
        start = collected + dt.timedelta(minutes=self.pre_minutes)
        return {
            "centrifuged_at": start if self.spin else None,
            "frozen_at": start + dt.timedelta(minutes=self.post_minutes or 0),
            "pre_centrifugation_temp": self.pre_temp,
            "centrifugation": self.spin or "N",
            "second_centrifugation": self.second_spin or "N",
            "post_centrifugation_temp": self.post_temp,
            "long_term_storage": self.storage,
        }


_REFERENCE_TIME = dt.datetime(2020, 1, 6, 8, 0, tzinfo=dt.UTC)


@lru_cache(maxsize=65536)
def _derive_sprec(processing: _Processing) -> str:
    """The SPREC code, derived by the services' own rules (times only matter as delays, hence the cache)."""
    fields = processing.fields(_REFERENCE_TIME)
    return derive_fluid_code(NewSample(
        study_code="-", sample_type=processing.sample_type, primary_container=processing.container,
        collected_at=_REFERENCE_TIME, centrifuged_at=fields["centrifuged_at"], frozen_at=fields["frozen_at"],
        pre_centrifugation_temp=processing.pre_temp, centrifugation=fields["centrifugation"],
        second_centrifugation=fields["second_centrifugation"], post_centrifugation_temp=processing.post_temp,
        long_term_storage=processing.storage))


def is_demo_database(db: Database) -> bool:
    """True when the database holds demo data (the login dialog then offers :data:`DEMO_ACCOUNTS`)."""
    with db.connect_checked(), db.new_session(write=False) as session:
        return session.execute(select(Setting.value).where(Setting.key == DEMO_SETTING)).scalar() == "1"


