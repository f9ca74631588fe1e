"""Find space puts a tube only in a box made for its kind (core/domain/tube_fit.py) — on both backends.

The QA finding behind it: reception's "Store accepted" put 9 mL EDTA primary tubes and tissue into 2 mL
cryoboxes holding plasma, and coded the primary tube's SPREC long-term storage as a cryotube ('D').
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage import PlacedTube
from tests.support.storage_kit import Tree, add_primary_rack, build_tree, make_aliquots

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def tree(services: Services, supervisor: Actor) -> Tree:
    return build_tree(services, supervisor)


def _edta_9ml(services: Services, actor: Actor, n: int = 1, *, study: str = "LUNG") -> list[str]:
    """Whole blood in 9 mL K-EDTA vacutainers, as reception registers them (no storage tube recorded)."""
    return [services.samples.register(actor, NewSample(study, "BLD", participant=f"V-{i}", primary_container="PED",
                                                       volume_ul=Decimal(9000), collected_at=T0)).value
            for i in range(n)]


def _tissue(services: Services, actor: Actor, fixation: str, participant: str = "T-1") -> str:
    return services.samples.register(actor, NewSample("LUNG", "TIS", participant=participant, material="solid",
                                                      collection_type="SRG", fixation=fixation,
                                                      collected_at=T0)).value


def _place_found(services: Services, actor: Actor, codes: list[str], **kw: object) -> list[PlacedTube]:
    with UnitOfWork(services.db, actor, Permission.RECORD_SAMPLES) as uow:
        placed = services.storage.place_found_in(uow, codes, **kw)  # type: ignore[arg-type]
        uow.commit()
    return placed


def test_a_primary_tube_is_never_placed_in_a_cryobox_and_the_message_says_what_box_is_missing(
        services: Services, technician: Actor, tree: Tree) -> None:
    [code] = _edta_9ml(services, technician)
    with pytest.raises(ValidationError) as caught:
        _place_found(services, technician, [code])
    assert "no box for primary tubes (9 mL, Potassium EDTA) has free space" in caught.value.message
    assert "add one, or choose a box" in caught.value.message
    assert services.storage.locate(code) is None  # nothing written
    assert services.storage.box_map(tree.box).occupied == 0


def test_a_primary_tube_goes_to_a_rack_for_primary_tubes_and_is_coded_as_a_primary_container(
        services: Services, supervisor: Actor, technician: Actor, tree: Tree) -> None:
    rack = add_primary_rack(services, supervisor, tree)
    codes = _edta_9ml(services, technician, 2)
    placed = _place_found(services, technician, codes)
    assert [(p.box_code, p.position) for p in placed] == [(rack, "A1"), (rack, "A2")]
    detail = services.queries.detail(codes[0])
    # −80 °C freezer, original primary container: 'Y' (never 'D', the cryotube code of the box next to it).
    assert detail.long_term_storage == "Y"
    assert placed[0].storage_code == "Y"


def test_a_primary_tube_placed_by_hand_in_a_cryobox_is_still_coded_as_a_primary_container(
        services: Services, technician: Actor, tree: Tree) -> None:
    [code] = _edta_9ml(services, technician)
    placed = services.storage.place(technician, code, tree.box).value  # a person chose the box
    assert placed.storage_code == "Y"
    assert services.queries.detail(code).long_term_storage == "Y"


def test_a_cryotube_aliquot_still_goes_to_a_cryobox_not_to_the_primary_rack(
        services: Services, supervisor: Actor, technician: Actor, tree: Tree) -> None:
    rack = add_primary_rack(services, supervisor, tree)
    codes = make_aliquots(services, technician, 1, 3)
    placed = _place_found(services, technician, codes, within=tree.rack)
    assert {p.box_code for p in placed} == {tree.box} and rack not in {p.box_code for p in placed}
    assert {services.queries.detail(c).long_term_storage for c in codes} == {"D"}  # cryotube at −80 °C


def test_tissue_goes_to_a_box_for_its_kind_that_holds_no_plasma(
        services: Services, supervisor: Actor, technician: Actor, tree: Tree) -> None:
    plasma = make_aliquots(services, technician, 1, 2)
    _place_found(services, technician, plasma, within=tree.rack)  # tree.box: partly filled with plasma
    frozen = _tissue(services, technician, "SNP")
    [placed] = _place_found(services, technician, [frozen], within=tree.rack)
    assert placed.box_code == tree.box2  # a cryobox, but not the one with plasma in it
    ffpe = _tissue(services, technician, "NBF", participant="T-2")
    with pytest.raises(ValidationError, match=r"no box for paraffin blocks \(fixed tissue\) has free space"):
        _place_found(services, technician, [ffpe])
    assert services.storage.locate(ffpe) is None


def test_a_fluid_aliquot_does_not_go_into_a_box_restricted_to_tissue(
        services: Services, supervisor: Actor, technician: Actor, tree: Tree) -> None:
    services.storage.set_restrictions(supervisor, tree.box, sample_types=["TIS"])
    codes = make_aliquots(services, technician, 1, 2)
    placed = _place_found(services, technician, codes, within=tree.rack)
    assert {p.box_code for p in placed} == {tree.box2}


def test_find_space_for_a_tube_kind_and_a_bad_kind(services: Services, supervisor: Actor, tree: Tree) -> None:
    plan = services.storage.find_space(2, container="primary_container")
    assert (plan.complete, plan.slots, plan.missing) == (False, (), 2)
    assert "no box for primary tubes has free space" in plan.shortfall()
    rack = add_primary_rack(services, supervisor, tree)
    assert {s.box_code for s in services.storage.find_space(2, container="primary_container").slots} == {rack}
    assert {s.box_code for s in services.storage.find_space(2, container="pp_40_500ul").slots} == {tree.sbs}
    with pytest.raises(ValidationError, match="not a tube kind"):
        services.storage.find_space(1, container="jam jar")
