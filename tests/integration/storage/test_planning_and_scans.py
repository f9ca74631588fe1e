"""Find space, moving boxes, evacuating a freezer, rack-scan reconciliation — on both backends."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage import NewContainer, Placement
from tests.support.labels_testkit import pdf_text
from tests.support.storage_kit import Tree, build_tree, make_aliquots, make_samples


@pytest.fixture
def tree(services: Services, supervisor: Actor) -> Tree:
    return build_tree(services, supervisor)


def _fill(services: Services, actor: Actor, box: str, n: int, tag: str) -> list[str]:
    codes = make_samples(services, actor, n, tag=tag)
    services.storage.move_tubes(actor, [Placement(c, box) for c in codes])
    return codes


# -- find space ----------------------------------------------------------------------------------------------


def test_find_space_prefers_a_partly_filled_box_and_honours_restrictions(services: Services, supervisor: Actor,
                                                                         technician: Actor, tree: Tree) -> None:
    _fill(services, technician, tree.box2, 3, "F")
    services.storage.set_restrictions(supervisor, tree.sbs, studies=["LUNG"])
    plan = services.storage.find_space(4, study="COLON", sample_type="SER")
    assert plan.complete
    assert {s.box_code for s in plan.slots} == {tree.box2}
    assert [s.label for s in plan.slots] == ["A4", "A5", "A6", "A7"]
    assert any(tree.sbs in r for r in plan.refused)
    assert services.storage.box_map(tree.box2).occupied == 3  # nothing written


def test_place_found_in_keeps_each_parents_aliquots_together(services: Services, technician: Actor,
                                                             tree: Tree) -> None:
    codes = make_aliquots(services, technician, 2, 3)
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
        placed = services.storage.place_found_in(uow, codes, groups=[3, 3], within=tree.rack)
        uow.commit()
    assert len({p.box_id for p in placed[:3]}) == 1 and len({p.box_id for p in placed[3:]}) == 1
    assert [p.position for p in placed[:3]] == ["A1", "A2", "A3"]


def test_not_enough_space_says_how_many_positions_are_missing(services: Services, technician: Actor,
                                                              tree: Tree) -> None:
    plan = services.storage.find_space(83, within=tree.ln2_rack)
    assert (plan.complete, plan.missing, len(plan.slots)) == (False, 2, 81)
    all_but_one = [f"{r}{c}" for r in "ABCDEFGHI" for c in range(1, 10)][:-1]
    services.storage.reserve_positions(technician, tree.ln2_box, all_but_one, "project X")
    codes = make_aliquots(services, technician, 1, 2)
    with (UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow,
          pytest.raises(ValidationError, match=r"Not enough free positions: 2 positions needed, 1 free: 1 more")):
        services.storage.place_found_in(uow, codes, within=tree.ln2_rack)
    assert services.storage.locate(codes[0]) is None


# -- moving boxes and racks -----------------------------------------------------------------------------------


def test_a_box_moves_with_its_tubes_but_never_into_itself(services: Services, supervisor: Actor,
                                                          technician: Actor, tree: Tree) -> None:
    [code] = _fill(services, technician, tree.box, 1, "M")
    with pytest.raises(ValidationError, match="cannot go into itself"):
        services.storage.move_container(technician, tree.rack, tree.rack)
    new_rack = services.storage.create_containers(supervisor, [
        NewContainer("Rack 02", "Freezer rack 4 × 5 boxes", tree.freezer)]).value[0]
    services.storage.move_container(technician, tree.box, new_rack)
    where = services.storage.locate(code)
    assert where is not None and where.path == ("Freezer F-01", "Rack 02", "Box 0001")
    assert where.temperature_class == "-85_to_-60"
    with pytest.raises(ValidationError, match="already holds a container named Rack 01"):
        services.storage.move_container(technician, tree.rack, tree.ln2)
    services.storage.move_container(technician, new_rack, tree.ln2)
    where = services.storage.locate(code)
    assert where is not None and where.path == ("LN2 tank T-01", "Rack 02", "Box 0001")
    assert where.temperature_class == "below_-135"
    actions = [e.action for e in services.audit.history(technician, "sample", code)]
    assert actions[-2:] == ["storage.moved", "sprec.storage_derived"]


def test_moving_a_rack_into_a_box_inside_it_is_refused(services: Services, technician: Actor, tree: Tree) -> None:
    with pytest.raises(ValidationError, match="which is inside it|is a box"):
        services.storage.move_container(technician, tree.rack, tree.box)


# -- evacuation ------------------------------------------------------------------------------------------------


def test_evacuation_with_too_little_space_moves_nothing_then_succeeds(services: Services, supervisor: Actor,
                                                                      technician: Actor, tree: Tree,
                                                                      tmp_path: Path) -> None:
    [code] = _fill(services, technician, tree.box, 1, "E")
    with pytest.raises(ValidationError, match=r"3 box\(es\) do not fit: 3 more box place\(s\) are needed in "
                                              r"racks at −85 to −60 °C"):
        services.storage.evacuate(technician, tree.freezer, "compressor failure")
    assert services.storage.locate(code).path[0] == "Freezer F-01"  # type: ignore[union-attr]
    services.storage.create_containers(supervisor, [
        NewContainer("Freezer F-02", "Upright freezer -80 °C", setpoint_c=Decimal(-80)),
        NewContainer("Rack 01", "Freezer rack 4 × 5 boxes", "FRZ-0003")])
    plan = services.storage.plan_evacuation(tree.freezer)
    assert plan.complete and len(plan.moves) == 3
    pick = services.storage.export_pick_list(tree.freezer, tmp_path / "pick.xlsx")
    rows = [r for r in openpyxl.load_workbook(pick, read_only=True)["Pick list"].iter_rows(values_only=True) if r]
    assert [r[1] for r in rows if isinstance(r[0], int) and len(r) > 2] == [m.box_code for m in plan.moves]
    assert next(r for r in rows if len(r) > 2 and r[1] == tree.box)[2] == 1  # tubes in the box
    pdf = services.storage.export_pick_list(tree.freezer, tmp_path / "pick.pdf").read_bytes()
    assert tree.box in pdf_text(pdf)[0]
    result = services.storage.evacuate(technician, tree.freezer, "compressor failure")
    assert len(result.value.moves) == 3
    where = services.storage.locate(code)
    assert where is not None and where.path[:2] == ("Freezer F-02", "Rack 01")
    with pytest.raises(ValidationError, match="holds no boxes"):
        services.storage.evacuate(technician, tree.freezer, "again")


# -- rack scans ------------------------------------------------------------------------------------------------


def _tubes(services: Services, actor: Actor, codes: list[str]) -> list[str]:
    return [services.samples.register(actor, NewSample("COLON", "PL1", participant=f"RS-{i}", volume_ul=Decimal(300),
                                                       external_barcodes=(code,))).value
            for i, code in enumerate(codes)]


def _scan(rack: str, wells: dict[str, str]) -> str:
    return "".join(f"{rack},{pos},{code}\n" for pos, code in wells.items())


def test_rack_scan_every_outcome_then_accept(services: Services, technician: Actor, tree: Tree) -> None:
    samples = _tubes(services, technician, ["0000000001", "0000000002", "0000000003", "0000000004"])
    services.storage.move_tubes(technician, [Placement(samples[0], tree.sbs, "A1"),
                                             Placement(samples[1], tree.sbs, "B1"),
                                             Placement(samples[2], tree.box, "A1")])
    text = _scan(tree.sbs, {"A1": "0000000001", "C1": "0000000003", "D1": "0999999999", "E1": "NO READ",
                            "F1": "EMPTY", "G1": "0000000004"})
    review = services.storage.review_rackscan(text, "scan.csv")
    outcomes = {(i.label, i.outcome.value) for i in review.items}
    assert outcomes == {("A1", "confirmed"), ("B1", "missing"), ("C1", "moved"), ("D1", "unexpected"),
                        ("E1", "unreadable"), ("G1", "moved"), ("F1", "empty")}
    with pytest.raises(ValidationError, match="1 tube\\(s\\) could not be read: E1"):
        services.storage.accept_rackscan(technician, text, "scan.csv")
    assert services.storage.locate(samples[2]).box_code == tree.box  # type: ignore[union-attr]
    result = services.storage.accept_rackscan(technician, text, "scan.csv", resolutions={"E1": ""})
    assert result.value.accepted
    assert services.storage.locate(samples[1]) is None  # missing: position freed, sample kept
    moved = services.storage.locate(samples[2])
    assert moved is not None and (moved.box_code, moved.position) == (tree.sbs, "C1")
    assert services.storage.locate(samples[3]).position == "G1"  # type: ignore[union-attr]
    json_rows = {r["position"]: r for r in result.value.as_json()}
    assert json_rows["D1"]["tube_code"] == "0999999999" and json_rows["D1"]["outcome"] == "unexpected"
    # The unexpected tube registered on the spot, where the scanner saw it.
    placed = services.storage.register_and_place(technician, NewSample("COLON", "PL1", participant="RS-new",
                                                                       external_barcodes=("0999999999",)),
                                                 tree.sbs, "D1").value
    assert placed.position == "D1"
    again = services.storage.review_rackscan(text, "scan.csv", resolutions={"E1": ""})
    assert {i.label: i.outcome.value for i in again.items}["D1"] == "confirmed"


def test_an_unreadable_tube_resolved_by_a_hand_scan(services: Services, technician: Actor, tree: Tree) -> None:
    [sample] = _tubes(services, technician, ["FX00000042"])
    services.storage.place(technician, sample, tree.sbs, "A1")
    text = _scan(tree.sbs, {"A1": "NO READ"})
    review = services.storage.review_rackscan(text, resolutions={"A1": "FX00000042"})
    assert [(i.outcome.value, i.resolved_by_hand) for i in review.items] == [("confirmed", True)]


def test_rack_scan_faults(services: Services, technician: Actor, tree: Tree) -> None:
    with pytest.raises(NotFoundError, match="rack RK-404, which the database does not know"):
        services.storage.review_rackscan(_scan("RK-404", {"A1": "X1"}))
    with pytest.raises(ValidationError, match="not a rack-scan export"):
        services.storage.review_rackscan("hello\nworld\n")
    with pytest.raises(ValidationError, match="tube X1 is in the file twice"):
        services.storage.review_rackscan(_scan(tree.sbs, {"A1": "X1", "A2": "X1"}))
    with pytest.raises(ValidationError, match="Position I1 does not exist in an 8 × 12 box"):
        services.storage.review_rackscan(_scan(tree.sbs, {"A1": "X1", "I1": "X2"}))
    with pytest.raises(ValidationError, match="cut off"):
        services.storage.review_rackscan(_scan(tree.sbs, {"A1": "X1", "A2": "X2"}) + f"{tree.sbs},A3")
    with pytest.raises(ValidationError, match="names no rack"):
        services.storage.review_rackscan("A01, FX1\nB01, FX2\n")
    review = services.storage.review_rackscan("A01, FX1\nB01, No Tube\n", box=tree.sbs)
    assert [i.outcome.value for i in review.items] == ["unexpected", "empty"]
    with pytest.raises(ValidationError, match=f"scan of rack {tree.box}, not of {tree.sbs}"):
        services.storage.review_rackscan(_scan(tree.box, {"A1": "X1"}), box=tree.sbs)
