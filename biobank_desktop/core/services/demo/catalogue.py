"""What the demo draws from: studies, partner sites, sample kinds, storage kinds, container types, accounts.

Plain constants, shaped like a national biobank's (think IBBL, Luxembourg); the plan
(:mod:`~biobank_desktop.core.services.demo.plan`) draws from them with a seeded random generator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.storage_layout import ContainerTypeSpec

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


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    city: str
    country: str
    barcode: Callable[[int], str]  # the clinic's tube label, from a unique number
    abroad: bool = False


def digits(n: int, width: int) -> int:
    # A bijection of 0 … 10**width - 1 (the multiplier is coprime to 10): distinct inputs never collide,
    # and the outputs look random, some with leading zeros.
    return (n * 7_919_173 + 104_729) % 10**width


SITES: tuple[Site, ...] = (
    Site("CHL", "Centre Hospitalier de Luxembourg", "Luxembourg", "LU", lambda n: f"{digits(n, 10):010d}"),
    Site("HRS", "Hôpitaux Robert Schuman", "Luxembourg-Kirchberg", "LU", lambda n: f"R{digits(n, 9):09d}"),
    Site("CHEM", "Centre Hospitalier Emile Mayrisch (CHEM)", "Esch-sur-Alzette", "LU",
          lambda n: f"{digits(n, 12):012d}"),
    Site("CHDN", "Centre Hospitalier du Nord", "Ettelbruck", "LU",
          lambda n: f"N{digits(n // 4, 8):08d}-{n % 4 + 1:02d}"),
    Site("CHRMT", "CHR Metz-Thionville, laboratoire de biologie", "Metz", "FR",
          lambda n: f"MT{digits(n, 10):010d}", abroad=True),
    Site("UKS", "Universitätsklinikum des Saarlandes, Zentrallabor", "Homburg", "DE",
          lambda n: f"{digits(n, 8):08d}", abroad=True),
    Site("CHULG", "CHU de Liège, laboratoire de biologie clinique", "Liège", "BE",
          lambda n: f"L{digits(n, 11):011d}", abroad=True),
)
SITE_BY_CODE = {site.code: site for site in SITES}


@dataclass(frozen=True)
class StorageKind:
    """Where a kind of aliquot goes: a box type in a kind of freezer, with its SPREC storage code."""

    key: str
    box_type: str
    long_term_storage: str  # SPREC element 7
    freezer: str  # "m80" | "ln2"
    tube_barcodes: bool = False  # 2D-coded tubes (read by rack scanners)


STORAGE: dict[str, StorageKind] = {s.key: s for s in (
    StorageKind("box81", "Cryobox 9 × 9", "D", "m80"),  # cryotubes 1–2 mL, −80 °C
    StorageKind("sbs96", "SBS rack 96 (8 × 12)", "S", "m80", tube_barcodes=True),  # PP tubes ≤ 500 µL, −80 °C
    StorageKind("box100", "Cryobox 10 × 10", "A", "m80"),  # PP tubes 0.5–2 mL, −80 °C
    StorageKind("ln2", "Cryobox 10 × 10", "C", "ln2"),  # cryotubes in liquid nitrogen (viable cells)
)}


@dataclass(frozen=True)
class Kind:
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


_SER = Kind("SER", "SST", (2500, 4500), (250, 500), (6, 12), ("B", "B", "B", "D"))
_SER_96 = Kind("SER", "SST", (2500, 4500), (250, 500), (6, 12), ("B", "B", "B", "D"), storage="sbs96")
_PL1 = Kind("PL1", "PED", (3000, 5000), (500,), (4, 8), ("B", "D"))
_PL1_96 = Kind("PL1", "PED", (3000, 5000), (250, 500), (6, 12), ("B", "D"), storage="sbs96")
_PL1_FLUORIDE = Kind("PL1", "SPO", (2000, 3500), (250, 500), (4, 8), ("D",), cold=True)
_PL2 = Kind("PL2", "PED", (2500, 4500), (250, 500), (6, 12), ("D",), second_spin="D", cold=True)
_PL2_96 = Kind("PL2", "PED", (2500, 4500), (250, 500), (6, 12), ("D",), second_spin="D", cold=True,
                storage="sbs96")
_BUF = Kind("BUF", "PED", (400, 1000), (200, 250), (2, 3), ("B",), storage="ln2")
_RBC = Kind("RBC", "PED", (2000, 3500), (1000,), (2, 3), ("B",), storage="box100")
_BLD = Kind("BLD", "PED", (2000, 4000), (1000,), (2, 3))
_URN = Kind("URN", "PPS", (10000, 40000), (1000, 1500), (4, 8), ("B",), spin_share=0.3)
_CSF = Kind("CSF", "PPS", (2000, 8000), (500,), (4, 10), ("D",), cold=True)
_SAL = Kind("SAL", "ORG", (1500, 2500), (500,), (2, 4))


@dataclass(frozen=True)
class StudyPlan:
    code: str
    name: str
    programme: str
    pseudonym_prefix: str
    weight: float
    start: dt.datetime
    kit: tuple[tuple[Kind, float], ...]  # (kind, share of visits that give one)
    sites: tuple[tuple[str, float], ...]
    consent_versions: tuple[tuple[str, dt.date], ...]  # (version, in use from)
    scope: str
    female_share: float = 0.5


_LU_SITES = (("CHL", 0.38), ("HRS", 0.24), ("CHEM", 0.22), ("CHDN", 0.16))
STUDIES: tuple[StudyPlan, ...] = (
    StudyPlan("COLON", "Colon cancer cohort", "Cancer", "COL", 0.24, dt.datetime(2019, 1, 7, tzinfo=dt.UTC),
               ((_SER_96, 1.0), (_PL2_96, 1.0), (_BUF, 0.7), (_URN, 0.5)),
               (*_LU_SITES, ("CHRMT", 0.08), ("CHULG", 0.05)),
               (("COLON-ICF v1.2", dt.date(2018, 11, 1)), ("COLON-ICF v2.0", dt.date(2023, 3, 1))),
               "Storage of blood and urine samples with clinical data for research on colorectal cancer; "
               "genetic analyses; sharing with research partners in the EU/EEA"),
    StudyPlan("LUNG", "Lung cancer cohort", "Cancer", "LNG", 0.12, dt.datetime(2019, 4, 1, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL2, 1.0), (_BUF, 0.6), (_BLD, 0.4)),
               (*_LU_SITES, ("CHULG", 0.06)),
               (("LUNG-ICF v1.0", dt.date(2019, 3, 1)), ("LUNG-ICF v1.1", dt.date(2022, 9, 1))),
               "Storage of blood samples with clinical data for research on lung cancer; genetic analyses; "
               "sharing with research partners in the EU/EEA"),
    StudyPlan("BREAST", "Breast cancer cohort", "Cancer", "BRC", 0.15, dt.datetime(2019, 6, 3, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL1, 1.0), (_BUF, 0.5)),
               (*_LU_SITES, ("CHRMT", 0.05)),
               (("BREAST-ICF v1.0", dt.date(2019, 5, 1)), ("BREAST-ICF v2.1", dt.date(2024, 1, 15))),
               "Storage of blood samples with clinical data for research on breast cancer; genetic analyses; "
               "recontact for follow-up studies", female_share=0.99),
    StudyPlan("PARK", "Parkinson's disease cohort", "Parkinson's disease", "PRK", 0.19,
               dt.datetime(2019, 2, 4, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL1, 0.9), (_BLD, 0.6), (_URN, 0.6), (_SAL, 0.4), (_CSF, 0.15)),
               (("CHL", 0.45), ("HRS", 0.15), ("CHEM", 0.15), ("CHDN", 0.1), ("UKS", 0.1), ("CHRMT", 0.05)),
               (("PARK-ICF v3.0", dt.date(2018, 12, 1)), ("PARK-ICF v4.0", dt.date(2022, 4, 1))),
               "Storage of biosamples and clinical data for research on Parkinson's disease; genetic analyses; "
               "sharing with academic and industrial partners; recontact", female_share=0.42),
    StudyPlan("T2D", "Type 2 diabetes cohort", "Type 2 diabetes", "T2D", 0.14,
               dt.datetime(2021, 9, 6, tzinfo=dt.UTC),
               ((_SER, 1.0), (_PL1_FLUORIDE, 1.0), (_URN, 0.8), (_RBC, 0.3)),
               (*_LU_SITES, ("UKS", 0.06)),
               (("T2D-ICF v1.0", dt.date(2021, 8, 1)),),
               "Storage of blood and urine samples with clinical data for research on type 2 diabetes; "
               "genetic analyses"),
    StudyPlan("NPC", "Normal population cohort", "Normal population", "NPC", 0.16,
               dt.datetime(2022, 1, 10, tzinfo=dt.UTC),
               ((_SER_96, 1.0), (_PL1_96, 0.9), (_BUF, 0.5), (_URN, 0.7), (_SAL, 0.3)),
               _LU_SITES,
               (("NPC-ICF v1.0", dt.date(2021, 12, 1)), ("NPC-ICF v1.1", dt.date(2024, 6, 1))),
               "Storage of biosamples and questionnaire data from healthy volunteers for health research; "
               "genetic analyses; sharing with research partners in the EU/EEA"),
)

SCOPE_LIMITS = ("; excluding commercial use", "; excluding genetic analyses", "; no recontact")
WITHDRAWAL_REASONS = (
    "Participant's request by letter",
    "Participant's request by phone, confirmed in writing",
    "Withdrawal forwarded by the treating physician",
    "Participant no longer wishes to take part",
)
SHIPPED_NOTES = ("Shipped to LIH proteomics platform (MTA 2023-014)", "Shipped to LCSB, University of Luxembourg",
                  "Shipped to BBMRI-ERIC partner biobank (MTA 2024-031)", "Shipped to external CRO for assay")
CONSUMED_NOTES = ("Used in project P-2022-007 (metabolomics)", "Used in project P-2024-019 (cfDNA)",
                   "Used in quality control (SPREC biomarker panel)")
DISCARDED_NOTES = ("Tube cracked at retrieval", "Label unreadable, identity not confirmed",
                    "Haemolysed, discarded after QC")
QUARANTINE_NOTES = ("Freezer alarm: excursion to -55 °C for 3 h, under review",
                     "Volume below expected, pending check")

M80_FREEZER_RACKS = 20  # an upright −80 °C freezer: 5 shelves × 4 racks
LN2_TANK_RACKS = 16
M80_FREEZER = ContainerTypeSpec("Upright freezer -80 °C", "freezer")
LN2_TANK = ContainerTypeSpec("Liquid nitrogen tank", "ln2_tank")
M80_RACK = ContainerTypeSpec("Freezer rack 4 × 5 boxes", "rack", 4, 5)
LN2_RACK = ContainerTypeSpec("LN2 tank rack 13 boxes", "rack", 13, 1)
SHELF = ContainerTypeSpec("Shelf", "shelf")
#: Racks for primary tubes (13–16 mm vacutainers, 2–10 mL) on a shelf of a −80 °C freezer: where reception's
#: "Store accepted" puts primary tubes kept whole (find space never puts them in a 2 mL cryobox).
PRIMARY_RACK = ContainerTypeSpec("Primary tube rack 5 × 10", "box", 5, 10, tube_kind="primary_container")
PRIMARY_SHELVES = 2
PRIMARY_RACKS_PER_SHELF = 4
#: Found by name, created when missing (in this order).
CONTAINER_TYPES: dict[str, ContainerTypeSpec] = {spec.name: spec for spec in (
    M80_FREEZER, LN2_TANK, M80_RACK, LN2_RACK, SHELF, PRIMARY_RACK,
    ContainerTypeSpec("Cryobox 9 × 9", "box", 9, 9),
    ContainerTypeSpec("Cryobox 10 × 10", "box", 10, 10),
    ContainerTypeSpec("SBS rack 96 (8 × 12)", "box", 8, 12, "column_major"),
)}
