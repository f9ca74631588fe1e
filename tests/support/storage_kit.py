"""A small storage tree for tests: a −80 °C freezer and an LN2 tank, racks and boxes, made through the service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage import NewContainer


@dataclass(frozen=True)
class Tree:
    freezer: str
    rack: str
    box: str  # 9 × 9 cryobox, row-first from the top-left
    box2: str  # a second 9 × 9 box in the same rack
    ln2: str
    ln2_rack: str
    ln2_box: str
    sbs: str  # 8 × 12 SBS rack, column-first


def build_tree(services: Services, supervisor: Actor) -> Tree:
    """Uses the container types every database is seeded with (migrations 0001 and 0004)."""
    st = services.storage
    codes = st.create_containers(supervisor, [
        NewContainer("Freezer F-01", "Upright freezer -80 °C", setpoint_c=Decimal(-80), freezer_kind="upright_-80",
                     room="B1.23"),
        NewContainer("Rack 01", "Freezer rack 4 × 5 boxes", "FRZ-0001"),
        NewContainer("Box 0001", "Cryobox 9 × 9", "RCK-000001"),
        NewContainer("Box 0002", "Cryobox 9 × 9", "RCK-000001"),
        NewContainer("SBS 0001", "SBS rack 96 (8 × 12)", "RCK-000001"),
        NewContainer("LN2 tank T-01", "Liquid nitrogen tank", freezer_kind="ln2_vapour"),
        NewContainer("Rack 01", "Freezer rack 4 × 5 boxes", "FRZ-0002"),
        NewContainer("Box 0001", "Cryobox 9 × 9", "RCK-000002"),
    ]).value
    freezer, rack, box, box2, sbs, ln2, ln2_rack, ln2_box = codes
    return Tree(freezer, rack, box, box2, ln2, ln2_rack, ln2_box, sbs)


def make_samples(services: Services, actor: Actor, n: int, study: str = "COLON", sample_type: str = "SER",
                 tag: str = "P") -> list[str]:
    return [services.samples.register(actor, NewSample(study, sample_type, participant=f"{tag}-{study}-{i}",
                                                       volume_ul=Decimal(500), primary_container="SST",
                                                       long_term_storage="X")).value
            for i in range(n)]
