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


def make_aliquots(services: Services, actor: Actor, parents: int, each: int, *, tag: str = "AL") -> list[str]:
    """``each`` 100 µL aliquots of ``parents`` new COLON PL1 parents (made through aliquoting, not placed),
    parent by parent: tubes whose kind is the small aliquot tube a cryobox is made for."""
    from biobank_desktop.core.services.aliquoting import AliquotRequest
    from tests.support.aliquot_kit import make_parent

    codes: list[str] = []
    for i in range(parents):
        parent = make_parent(services, actor, 1000, participant=f"{tag}-{i}")
        outcome = services.aliquoting.aliquot(actor, AliquotRequest.simple(parent, each, "100 µL")).value
        codes.extend(c.sample_code for p in outcome.parents for c in p.children)
    return codes


def add_primary_rack(services: Services, supervisor: Actor, tree: Tree, name: str = "Primary 0001") -> str:
    """A 5 × 10 rack for primary tubes (its type made for 'primary_container') in the tree's −80 °C rack."""
    types = {t.name for t in services.storage.container_types()}
    if "Primary tube rack 5 × 10" not in types:
        services.storage.add_container_type(supervisor, "Primary tube rack 5 × 10", "box", 5, 10,
                                               tube_kind="primary_container")
    [code] = services.storage.create_containers(supervisor, [
        NewContainer(name, "Primary tube rack 5 × 10", tree.rack)]).value
    return code
