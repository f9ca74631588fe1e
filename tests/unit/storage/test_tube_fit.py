"""Which tube fits which box (core/domain/tube_fit.py), and find_space honouring it — no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from biobank_desktop.core.domain.cold_chain import StorageTube, TemperatureClass, derive_storage_code
from biobank_desktop.core.domain.positions import BoxLayout
from biobank_desktop.core.domain.space import BoxSpace, Restrictions, find_space
from biobank_desktop.core.domain.tube_fit import FITS, PLURALS, UNKNOWN_TUBE, of_kind, tube_kind_of

T = StorageTube
EDTA_9ML = tube_kind_of(storage_tube=None, primary=True, material="fluid", primary_container="PED",
                        volume_ul=Decimal(9000), container_label="Potassium EDTA")
ALIQUOT = tube_kind_of(storage_tube=None, primary=False, material="fluid")


def test_the_table_names_every_tube_kind_and_a_kind_fits_its_own_box() -> None:
    assert set(FITS) == set(StorageTube) == set(PLURALS)
    assert all(kind in FITS[kind] for kind in StorageTube)
    assert T.PRIMARY not in FITS[T.CRYOTUBE_1_2_ML] and T.CRYOTUBE_1_2_ML not in FITS[T.PRIMARY]


def test_a_9_ml_edta_primary_tube_fits_only_a_box_for_primary_tubes() -> None:
    assert EDTA_9ML.tube is T.PRIMARY and EDTA_9ML.description == "primary tubes (9 mL, Potassium EDTA)"
    assert EDTA_9ML.fits(T.PRIMARY)
    assert not any(EDTA_9ML.fits(box) for box in (T.CRYOTUBE_1_2_ML, T.PP_05_2_ML, T.PP_40_500_UL, None))
    # Wherever it stands, SPREC codes it as the original primary container: 'Y' at −80 °C, never 'D'.
    assert EDTA_9ML.in_box(T.CRYOTUBE_1_2_ML) is T.PRIMARY
    assert derive_storage_code(EDTA_9ML.in_box(T.CRYOTUBE_1_2_ML), TemperatureClass.M85_TO_M60).code == "Y"


def test_an_aliquot_tube_takes_the_kind_of_a_box_for_aliquot_tubes() -> None:
    assert [ALIQUOT.fits(b) for b in (T.CRYOTUBE_1_2_ML, T.PP_40_500_UL, None, T.PRIMARY, T.PARAFFIN_BLOCK)] == [
        True, True, True, False, False]
    assert ALIQUOT.in_box(T.PP_40_500_UL) is T.PP_40_500_UL and ALIQUOT.in_box(T.PRIMARY) is None


@pytest.mark.parametrize(("fixation", "kind"), [("NBF", T.PARAFFIN_BLOCK), ("SNP", T.CRYOTUBE_1_2_ML), ("OCT", None),
                                                (None, None)])
def test_tissue_by_its_fixation(fixation: str | None, kind: StorageTube | None) -> None:
    tissue = tube_kind_of(storage_tube=None, primary=True, material="solid", fixation=fixation)
    assert tissue.tube is kind
    if kind is None:  # unknown: only a box that declares no kind
        assert tissue.fits(None) and not tissue.fits(T.CRYOTUBE_1_2_ML)


def test_a_recorded_storage_tube_wins_and_unknown_fits_only_undeclared_boxes() -> None:
    bag = tube_kind_of(storage_tube="bag", primary=True, material="fluid", primary_container="PED")
    assert bag == of_kind(T.BAG) and bag.fits(T.BAG) and not bag.fits(None)
    assert UNKNOWN_TUBE.fits(None) and not UNKNOWN_TUBE.fits(T.CRYOTUBE_1_2_ML)


def _box(box_id: int, tube: StorageTube | None, materials: frozenset[str] = frozenset(),
         taken: frozenset[tuple[int, int]] = frozenset()) -> BoxSpace:
    return BoxSpace(box_id, f"BOX-{box_id}", BoxLayout(3, 3), taken, tube_kind=tube, materials=materials)


def test_find_space_skips_boxes_made_for_other_tubes_and_says_what_is_missing() -> None:
    cryo = _box(1, T.CRYOTUBE_1_2_ML, frozenset({"fluid"}), frozenset({(1, 1)}))
    plan = find_space([cryo], [1], tube=EDTA_9ML, material="fluid")
    assert (plan.slots, plan.missing) == ((), 1)
    assert plan.shortfall() == ("1 position needed, 0 free: 1 more needed; no box for primary tubes (9 mL, "
                                "Potassium EDTA) has free space for them: add one, or choose a box.")
    plan = find_space([cryo, _box(2, T.PRIMARY)], [2], tube=EDTA_9ML, material="fluid")
    assert plan.complete and {s.box_id for s in plan.slots} == {2}


def test_find_space_puts_no_tissue_among_fluids() -> None:
    tissue = tube_kind_of(storage_tube=None, primary=True, material="solid", fixation="SNP")
    boxes = [_box(1, T.CRYOTUBE_1_2_ML, frozenset({"fluid"}), frozenset({(1, 1)})), _box(2, T.CRYOTUBE_1_2_ML)]
    plan = find_space(boxes, [1], tube=tissue, material="solid")
    assert [s.box_id for s in plan.slots] == [2]
    assert plan.refused == ("BOX-1: it holds fluid samples, not solid",)


def test_a_container_restriction_is_checked_against_the_tube_in_that_box() -> None:
    sbs = BoxSpace(1, "BOX-1", BoxLayout(3, 3), frozenset(), Restrictions(containers=frozenset({"pp_40_500ul"})),
                   tube_kind=T.PP_40_500_UL)
    assert find_space([sbs], [1], tube=ALIQUOT).complete  # the aliquot is a 40–500 µL tube in that rack
    assert not find_space([sbs], [1], tube=of_kind(T.CRYOTUBE_1_2_ML)).slots
