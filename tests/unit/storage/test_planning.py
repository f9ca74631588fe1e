"""Reconciliation classifier, find-space and evacuation planners, temperature classes and storage codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from biobank_desktop.core.domain.cold_chain import (
    StorageTube,
    TemperatureClass,
    derive_storage_code,
    replace_storage_element,
    temperature_class,
)
from biobank_desktop.core.domain.positions import BoxLayout, FillOrder
from biobank_desktop.core.domain.rackscan import WellState
from biobank_desktop.core.domain.reconcile import MARKED, KnownTube, Outcome, SeenWell, classify
from biobank_desktop.core.domain.space import (
    BoxSpace,
    BoxToMove,
    RackRoom,
    Restrictions,
    find_space,
    plan_evacuation,
)

RACK = 7


def _w(row: int, col: int, state: WellState = WellState.TUBE, code: str | None = None) -> SeenWell:
    return SeenWell(row, col, f"{'ABCDEFGH'[row - 1]}{col}", state, code)


# -- reconciliation ----------------------------------------------------------------------------------------


def test_every_outcome() -> None:
    seen = [_w(1, 1, code="T1"), _w(1, 2, code="T9"), _w(1, 3, code="NEW"), _w(1, 4, WellState.UNREADABLE),
            _w(1, 5, WellState.EMPTY), _w(1, 6, code="T6")]
    expected = {(1, 1): "S1", (1, 2): "S2", (1, 5): "S5", (1, 6): "S7"}
    known = {"T1": KnownTube("S1", RACK, 1, 1), "T9": KnownTube("S9", 99, 3, 3, "BOX-9 C3"),
             "T6": KnownTube("S6", RACK, 2, 2, "RK B2")}
    result = classify(seen, RACK, expected, known)
    outcomes = [(i.label, i.outcome, i.sample_code) for i in result.items]
    assert outcomes == [
        ("A1", Outcome.CONFIRMED, "S1"),
        ("A2", Outcome.MOVED, "S9"), ("A2", Outcome.MISSING, "S2"),
        ("A3", Outcome.UNEXPECTED, None),
        ("A4", Outcome.UNREADABLE, None),
        ("A5", Outcome.MISSING, "S5"),
        ("A6", Outcome.MOVED, "S6"), ("A6", Outcome.MISSING, "S7"),
    ]
    assert result.items[1].previously == "BOX-9 C3"
    assert [i.label for i in result.blocking] == ["A4"]
    assert result.counts == {"confirmed": 1, "moved": 2, "unexpected": 1, "missing": 3, "unreadable": 1, "empty": 0,
                             "checked_out": 0, "checked_in": 0}


def test_checked_out_tubes_are_absent_as_expected_or_back() -> None:
    """S2 is at the bench and the well is empty: checked out, not missing. S1 was checked out and is back in its
    place: checked in. S3 was checked out of another box and is seen here: moved (and said to be checked out)."""
    seen = [_w(1, 1, code="T1"), _w(1, 2, WellState.EMPTY), _w(1, 3, code="T3")]
    expected = {(1, 1): "S1", (1, 2): "S2"}
    known = {"T1": KnownTube("S1", RACK, 1, 1), "T3": KnownTube("S3", 99, 1, 1, "BOX-9 A1")}
    result = classify(seen, RACK, expected, known, checked_out={"S1", "S2", "S3"})
    assert [(i.label, i.outcome, i.sample_code) for i in result.items] == [
        ("A1", Outcome.CHECKED_IN, "S1"), ("A2", Outcome.CHECKED_OUT, "S2"), ("A3", Outcome.MOVED, "S3")]
    assert result.items[2].previously == "BOX-9 A1 (checked out)"
    assert result.counts["checked_out"] == 1 and result.counts["missing"] == 0 and result.counts["checked_in"] == 1


def test_a_tube_moved_within_the_rack_is_not_missing() -> None:
    seen = [_w(1, 1, WellState.EMPTY), _w(1, 2, code="T1")]
    result = classify(seen, RACK, {(1, 1): "S1"}, {"T1": KnownTube("S1", RACK, 1, 1, "RK A1")})
    assert [(i.label, i.outcome) for i in result.items] == [("A2", Outcome.MOVED)]


def test_an_empty_well_where_nothing_is_expected() -> None:
    result = classify([_w(2, 2, WellState.EMPTY)], RACK, {}, {})
    assert [i.outcome for i in result.items] == [Outcome.EMPTY]
    assert not result.blocking


def test_unreadable_resolved_by_a_hand_scan_or_marked() -> None:
    seen = [_w(1, 1, WellState.UNREADABLE), _w(1, 2, WellState.UNREADABLE)]
    expected = {(1, 1): "S1", (1, 2): "S2"}
    known = {"T1": KnownTube("S1", RACK, 1, 1)}
    result = classify(seen, RACK, expected, known, resolutions={(1, 1): "T1", (1, 2): MARKED})
    assert [(i.label, i.outcome, i.resolved_by_hand) for i in result.items] == [("A1", Outcome.CONFIRMED, True)]
    assert not result.blocking  # the marked one keeps its expected tube, neither missing nor unreadable


def test_expected_tubes_outside_the_scanned_wells_are_missing_with_the_racks_label() -> None:
    result = classify([], RACK, {(3, 4): "S1"}, {}, label_of=lambda r, c: f"R{r}C{c}")
    assert [(i.label, i.outcome) for i in result.items] == [("R3C4", Outcome.MISSING)]


# -- find space ----------------------------------------------------------------------------------------------


def _box(box_id: int, taken: set[tuple[int, int]] = frozenset(), restrictions: Restrictions = Restrictions(),
         layout: BoxLayout = BoxLayout(3, 3)) -> BoxSpace:
    return BoxSpace(box_id, f"BOX-{box_id}", layout, frozenset(taken), restrictions)


def test_n_tubes_in_one_consecutive_run() -> None:
    boxes = [_box(1, {(1, 2), (2, 2), (3, 2)}), _box(2, {(1, 1)})]  # box 1: no run of 4
    plan = find_space(boxes, [1] * 4)
    assert plan.complete
    assert [(s.box_id, s.label) for s in plan.slots] == [(2, "A2"), (2, "A3"), (2, "B1"), (2, "B2")]


def test_not_consecutive_when_no_box_has_a_run() -> None:
    boxes = [_box(1, {(1, 2), (2, 2), (3, 2)}), _box(2, {(1, 2), (2, 2), (3, 2)})]
    plan = find_space(boxes, [1] * 5)
    assert plan.complete
    assert [(s.box_id, s.label) for s in plan.slots] == [(1, "A1"), (1, "A3"), (1, "B1"), (1, "B3"), (1, "C1")]


def test_a_parents_aliquots_stay_in_one_box() -> None:
    first_two_rows = {(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)}
    boxes = [_box(1, first_two_rows), _box(2, {(1, 1), (1, 2), (1, 3), (2, 1), (2, 2)})]  # 3 + 4 free
    plan = find_space(boxes, [2, 2, 2])
    assert plan.complete
    assert [(s.group, s.box_id, s.label) for s in plan.slots] == [
        (0, 1, "C1"), (0, 1, "C2"), (1, 2, "B3"), (1, 2, "C1"), (2, 2, "C2"), (2, 2, "C3")]


def test_restrictions_are_honoured_and_reported() -> None:
    lung = Restrictions(studies=frozenset({"LUNG"}))
    plan = find_space([_box(1, restrictions=lung), _box(2)], [1, 1], study="COLON", sample_type="PL1")
    assert {s.box_id for s in plan.slots} == {2}
    assert plan.refused == ("BOX-1: it is reserved for study LUNG (not COLON)",)
    plasma_only = Restrictions(sample_types=frozenset({"PL1"}))
    assert plasma_only.refusal("X", "SER", None) == "it is reserved for sample type PL1 (not SER)"


def test_not_enough_space_says_how_many_are_missing() -> None:
    plan = find_space([_box(1, {(1, 1)})], [3, 3, 3])
    assert not plan.complete
    assert plan.missing == 3
    assert len(plan.slots) == 6
    assert plan.shortfall() == ("9 positions needed, 8 free: 1 more needed (a parent's children stay together in "
                                "one box).")


def test_find_space_follows_the_box_fill_order() -> None:
    layout = BoxLayout(3, 3, fill_order=FillOrder.COLUMN_MAJOR_BOTTOM_RIGHT)
    plan = find_space([_box(1, layout=layout)], [1, 1])
    assert [s.label for s in plan.slots] == ["C3", "B3"]


# -- evacuation ----------------------------------------------------------------------------------------------


M80 = TemperatureClass.M85_TO_M60


def _boxes(n: int, study: str = "COLON") -> list[BoxToMove]:
    return [BoxToMove(i, f"BOX-{i}", "F-01 / Rack 01", 81, contents=Restrictions(studies=frozenset({study})))
            for i in range(1, n + 1)]


def test_evacuation_into_racks_of_the_same_class_in_other_freezers() -> None:
    racks = [RackRoom(100, "RCK-100", "F-01 / Rack 02", 1, M80, 5),  # the failing freezer itself
             RackRoom(200, "RCK-200", "F-09 (-20) / Rack 01", 9, TemperatureClass.M35_TO_M18, 9),
             RackRoom(300, "RCK-300", "F-02 / Rack 01", 2, M80, 2),
             RackRoom(400, "RCK-400", "F-03 / Rack 01", 3, M80, 2)]
    plan = plan_evacuation(_boxes(4), racks, 1, M80)
    assert plan.complete
    assert [m.rack_id for m in plan.moves] == [300, 300, 400, 400]


def test_evacuation_honours_rack_restrictions_and_freezer_status() -> None:
    racks = [RackRoom(300, "RCK-300", "F-02 / Rack 01", 2, M80, 5, Restrictions(studies=frozenset({"LUNG"}))),
             RackRoom(400, "RCK-400", "F-03 / Rack 01", 3, M80, 5, status_ok=False),
             RackRoom(500, "RCK-500", "F-04 / Rack 01", 4, M80, 1)]
    plan = plan_evacuation(_boxes(2) + _boxes(1, "LUNG"), racks, 1, M80)
    assert [(m.box_code, m.rack_id) for m in plan.moves] == [("BOX-1", 500), ("BOX-1", 300)]
    assert not plan.complete and plan.missing == 1
    assert "1 more box place(s) are needed in racks at −85 to −60 °C" in plan.shortfall()
    assert "study COLON" in plan.shortfall()
    assert plan.notes == ("F-03 / Rack 01: its freezer is not in service",)


# -- temperature classes and storage codes -------------------------------------------------------------------


@pytest.mark.parametrize(("setpoint", "klass"), [
    (-196, TemperatureClass.BELOW_M135), (-150, TemperatureClass.BELOW_M135), (-135, None),
    (-85, TemperatureClass.M85_TO_M60), (-80, TemperatureClass.M85_TO_M60), (-60, None), (-70.5, M80),
    (-35, TemperatureClass.M35_TO_M18), (-20, TemperatureClass.M35_TO_M18), (-18, None), (-50, None),
    (4, TemperatureClass.FRIDGE), (20, TemperatureClass.ROOM), (None, None)])
def test_temperature_classes_lower_inclusive_upper_exclusive(setpoint: float | None,
                                                              klass: TemperatureClass | None) -> None:
    assert temperature_class(setpoint) is klass


def test_storage_codes() -> None:
    assert derive_storage_code(StorageTube.CRYOTUBE_1_2_ML, M80).code == "D"
    assert derive_storage_code(StorageTube.CRYOTUBE_1_2_ML, TemperatureClass.BELOW_M135).code == "C"
    assert derive_storage_code(StorageTube.PP_05_2_ML, TemperatureClass.M35_TO_M18).code == "B"
    assert derive_storage_code(StorageTube.PP_40_500_UL, TemperatureClass.BELOW_M135).code == "W"
    assert derive_storage_code(None, M80).code == "X"
    between = derive_storage_code(StorageTube.CRYOTUBE_1_2_ML, None, Decimal(-50))
    assert between.code == "Z" and "between" in between.reason
    other = derive_storage_code(StorageTube.CRYOTUBE_1_2_ML, TemperatureClass.M35_TO_M18, Decimal(-20))
    assert other.code == "Z" and "no code" in other.reason


def test_replace_storage_element() -> None:
    assert replace_storage_element("SER-SST-A-B-N-A-D", "C") == "SER-SST-A-B-N-A-C"
    assert replace_storage_element(None, "C") is None
