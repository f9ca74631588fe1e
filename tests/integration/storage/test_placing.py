"""Placing tubes through the storage service, alone and in another workflow's unit of work, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from biobank_desktop.core.db.models import Sample, SampleLocation
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.changes import CONTAINER, SAMPLE
from biobank_desktop.core.services.storage import Placement
from tests.support.storage_kit import Tree, build_tree, make_aliquots, make_samples


@pytest.fixture
def tree(services: Services, supervisor: Actor) -> Tree:
    return build_tree(services, supervisor)


def _positions(services: Services, box: str) -> dict[str, str]:
    grid = services.storage.box_map(box)
    return {c.position: c.sample_code for c in grid.cells if c.sample_code}


def test_place_one_tube_then_locate_it_in_the_box_convention(services: Services, technician: Actor,
                                                             tree: Tree) -> None:
    [code] = make_samples(services, technician, 1)
    result = services.storage.place(technician, code, tree.box, "E1")
    assert (result.value.position, result.value.box_code) == ("E1", tree.box)
    assert result.changes.touches(SAMPLE) and result.changes.touches(CONTAINER)
    where = services.storage.locate(code)
    assert where is not None
    assert (where.position, where.path) == ("E1", ("Freezer F-01", "Rack 01", "Box 0001"))
    assert where.placed_by == technician.username
    history = services.audit.history(technician, SAMPLE, code)
    assert [e.action for e in history if e.action.startswith("storage.")] == ["storage.placed"]


def test_place_in_a_batch_inside_the_callers_unit_of_work(services: Services, technician: Actor,
                                                         tree: Tree) -> None:
    codes = make_samples(services, technician, 3)
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
        placed = services.storage.place_in(uow, [Placement(c, tree.sbs) for c in codes])
        uow.commit()
    # The SBS rack fills column-first: A1, B1, C1.
    assert [p.position for p in placed] == ["A1", "B1", "C1"]
    assert _positions(services, tree.sbs) == dict(zip(["A1", "B1", "C1"], codes, strict=True))


def test_place_in_by_tube_barcode_with_leading_zeros(services: Services, technician: Actor, tree: Tree) -> None:
    from decimal import Decimal

    from biobank_desktop.core.services.samples import NewSample

    codes = [services.samples.register(technician, NewSample("COLON", "SER", participant=f"Z-{i}",
                                                             volume_ul=Decimal(100),
                                                             external_barcodes=(f"00{i}4534",))).value
             for i in range(3)]
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
        placed = services.storage.place_in(uow, [Placement(f"00{i}4534", tree.box) for i in range(3)])
        uow.commit()
    assert [p.sample_code for p in placed] == codes
    services.storage.place(technician, codes[0].lower(), tree.box2, move=True)
    assert _positions(services, tree.box) == {"A2": codes[1], "A3": codes[2]}
    assert _positions(services, tree.box2) == {"A1": codes[0]}


def test_place_in_writes_nothing_when_the_caller_does_not_commit(services: Services, technician: Actor,
                                                                 tree: Tree) -> None:
    codes = make_samples(services, technician, 2)
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
        services.storage.place_in(uow, [Placement(c, tree.box) for c in codes])
    assert _positions(services, tree.box) == {}


def test_a_bad_placement_in_a_batch_places_nothing(services: Services, technician: Actor, tree: Tree) -> None:
    codes = make_samples(services, technician, 3)
    services.storage.place(technician, codes[2], tree.box, "A3")
    with pytest.raises(ConflictError, match=f"Position A3 in box {tree.box} is already taken by {codes[2]} "
                                            r"\(placed by tom at "):
        services.storage.move_tubes(technician, [Placement(codes[0], tree.box, "A1"),
                                                 Placement(codes[1], tree.box, "A3")])
    assert _positions(services, tree.box) == {"A3": codes[2]}


@pytest.mark.parametrize(("position", "message"), [
    ("J1", r"Position J1 does not exist in a 9 × 9 box \(rows A–I, columns 1–9\)"),
    ("37", r"This box does not number its positions.*position 37 is E1"),
    ("iii-4", r"Position III4 does not exist in a 9 × 9 box"),
])
def test_positions_outside_the_box_or_in_another_convention(services: Services, technician: Actor, tree: Tree,
                                                            position: str, message: str) -> None:
    [code] = make_samples(services, technician, 1)
    with pytest.raises(ValidationError, match=message):
        services.storage.place(technician, code, tree.box, position)
    assert services.storage.locate(code) is None


def test_unknown_box_and_unknown_tube(services: Services, technician: Actor, tree: Tree) -> None:
    [code] = make_samples(services, technician, 1)
    with pytest.raises(NotFoundError, match="No box has the code 'BOX-999999'"):
        services.storage.place(technician, code, "BOX-999999", "A1")
    with pytest.raises(NotFoundError, match="No sample has the ID or tube barcode"):
        services.storage.place(technician, "NOPE-1", tree.box, "A1")
    with pytest.raises(ValidationError, match="has no positions for tubes"):
        services.storage.place(technician, code, tree.rack, "A1")


def test_already_stored_elsewhere_needs_move_and_says_where(services: Services, technician: Actor,
                                                            tree: Tree) -> None:
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, tree.box, "B4")
    where = rf"{tree.box} B4 \(Freezer F-01 / Rack 01 / Box 0001\)"
    with pytest.raises(ValidationError, match=rf"already stored in {where}") as refused:
        services.storage.place(technician, code, tree.box2, "A1")
    assert refused.value.reason == "already_stored" and "--" not in (refused.value.hint or "")  # no CLI flag
    moved = services.storage.place(technician, code, tree.box2, "A1", move=True).value
    assert moved.moved_from == f"{tree.box} B4 (Freezer F-01 / Rack 01 / Box 0001)"
    assert _positions(services, tree.box) == {}
    assert _positions(services, tree.box2) == {"A1": code}
    actions = [e.action for e in services.audit.history(technician, SAMPLE, code)]
    assert actions[-1] == "storage.moved"


def test_blocked_and_reserved_positions(services: Services, supervisor: Actor, technician: Actor,
                                        tree: Tree) -> None:
    codes = make_samples(services, technician, 3)
    services.storage.block_position(supervisor, tree.box, "A1", "cracked well")
    services.storage.reserve_positions(technician, tree.box, ["A2"], "shipment SH-0042")
    with pytest.raises(ValidationError, match=f"Position A1 in box {tree.box} is blocked: cracked well"):
        services.storage.place(technician, codes[0], tree.box, "A1")
    with pytest.raises(ValidationError, match="is reserved for shipment SH-0042 \\(by tom"):
        services.storage.place(technician, codes[0], tree.box, "A2")
    # The next free position skips both; the reservation's own tubes may take it.
    assert services.storage.place(technician, codes[0], tree.box).value.position == "A3"
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
        placed = services.storage.place_in(uow, [Placement(codes[1], tree.box)], reservation="shipment SH-0042")
        uow.commit()
    assert placed[0].position == "A2"
    assert [h.position for h in services.storage.holds(tree.box)] == ["A1"]


def test_the_database_refuses_a_tube_in_a_held_position(services: Services, supervisor: Actor,
                                                        technician: Actor, tree: Tree) -> None:
    [code] = make_samples(services, technician, 1)
    services.storage.block_position(supervisor, tree.box, "C3", "cracked")
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
        sample_id = uow.session.execute(select(Sample.id).where(Sample.sample_code == code)).scalar_one()
        box_id = services.storage.box_map(tree.box).box_id
        uow.session.add(SampleLocation(sample_id=sample_id, container_id=box_id, row=3, col=3, placed_by="x"))
        with pytest.raises(ConflictError, match="blocked or reserved"):
            uow.flush()


def test_restrictions_are_honoured(services: Services, supervisor: Actor, technician: Actor, tree: Tree) -> None:
    [colon] = make_samples(services, technician, 1)
    [lung] = make_samples(services, technician, 1, study="LUNG")
    services.storage.set_restrictions(supervisor, tree.rack, studies=["LUNG"])
    with pytest.raises(ValidationError, match=rf"{colon} cannot go in box {tree.box}: it is reserved for study LUNG"):
        services.storage.place(technician, colon, tree.box, "A1")
    services.storage.place(technician, lung, tree.box, "A1")
    with pytest.raises(ValidationError, match=rf"{lung} in {tree.box} would break the new rule: it is reserved "
                                              "for sample type PL1"):
        services.storage.set_restrictions(supervisor, tree.box, sample_types=["PL1"])


def test_the_same_tube_or_position_twice_in_a_batch(services: Services, technician: Actor, tree: Tree) -> None:
    codes = make_samples(services, technician, 2)
    with pytest.raises(ValidationError, match="is in the list twice"):
        services.storage.move_tubes(technician, [Placement(codes[0], tree.box), Placement(codes[0], tree.box)])
    with pytest.raises(ValidationError, match="Position B2 in box .* is given twice"):
        services.storage.move_tubes(technician, [Placement(codes[0], tree.box, "B2"),
                                                 Placement(codes[1], tree.box, "B2")])
    assert _positions(services, tree.box) == {}


def test_spec_storage_code_derived_and_rederived_across_classes(services: Services, supervisor: Actor,
                                                                technician: Actor, tree: Tree) -> None:
    codes = make_samples(services, technician, 2)
    codes[0] = make_aliquots(services, technician, 1, 1)[0]  # a primary tube is never a cryotube ('Y', not 'D')
    services.storage.place(technician, codes[0], tree.box, "A1")
    with services.db.new_session(write=False) as s:
        sample = s.execute(select(Sample).where(Sample.sample_code == codes[0])).scalar_one()
        assert sample.long_term_storage == "D"  # an aliquot in a cryobox: cryotube at −80 °C
        assert sample.sprec_code is not None and sample.sprec_code.endswith("-D")
    placed = services.storage.place(technician, codes[0], tree.ln2_box, "A1", move=True).value
    assert placed.storage_code == "C"  # cryotube in liquid nitrogen
    actions = [e.action for e in services.audit.history(technician, SAMPLE, codes[0])]
    assert actions.count("sprec.storage_derived") == 2
    # An override is kept when the tube moves.
    services.storage.place(technician, codes[1], tree.box, "A2")
    services.samples.override_sprec(supervisor, codes[1], "SER-SST-X-X-X-X-E", "programmable freezing")
    services.storage.place(technician, codes[1], tree.ln2_box, "A2", move=True)
    with services.db.new_session(write=False) as s:
        kept = s.execute(select(Sample).where(Sample.sample_code == codes[1])).scalar_one()
        assert kept.sprec_code == "SER-SST-X-X-X-X-E"
    actions = [e.action for e in services.audit.history(technician, SAMPLE, codes[1])]
    assert "sprec.storage_override_kept" in actions


def test_check_out_keeps_the_position_and_check_in_counts_a_freeze_thaw(services: Services, technician: Actor,
                                                                        tree: Tree) -> None:
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, tree.box, "D4")
    out = services.storage.check_out(technician, code, "aliquoting").value
    assert (out.position, out.reason) == ("D4", "aliquoting")
    cell = services.storage.box_map(tree.box).cell(4, 4)
    assert (cell.state, cell.sample_code) == ("checked_out", code)
    with pytest.raises(ConflictError, match="already checked out by tom"):
        services.storage.check_out(technician, code, "again")
    [other] = make_samples(services, technician, 1, tag="Q")
    with pytest.raises(ConflictError, match=f"already taken by {code}"):
        services.storage.place(technician, other, tree.box, "D4")
    back = services.storage.check_in(technician, code).value
    assert back.freeze_thaw_count == 1 and back.minutes_out is not None and back.minutes_out >= 0
    assert services.storage.box_map(tree.box).cell(4, 4).state == "occupied"
    [record] = services.storage.checkouts(code)
    assert (record.reason, record.out_by, record.position, record.minutes_out) == ("aliquoting", "tom", "D4", 0)
    with pytest.raises(ValidationError, match="is not checked out"):
        services.storage.check_in(technician, code)


def test_a_tube_kept_frozen_while_out_is_checked_in_without_a_freeze_thaw_cycle(services: Services,
                                                                               technician: Actor, tree: Tree) -> None:
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, tree.box, "D5")
    services.storage.check_out(technician, code, "aliquoting on dry ice")
    back = services.storage.check_in(technician, code, kept_frozen=True).value
    assert back.kept_frozen and back.freeze_thaw_count == 0
    event = services.audit.history(technician, SAMPLE, code)[-1]
    assert event.action == "storage.checked_in" and "kept frozen" in event.summary
    services.storage.check_out(technician, code, "aliquoting")
    assert services.storage.check_in(technician, code).value.freeze_thaw_count == 1  # thawed: counted


def test_discard_frees_the_position_and_keeps_the_sample(services: Services, technician: Actor, tree: Tree) -> None:
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, tree.box, "A1")
    with pytest.raises(ValidationError, match="Say why"):
        services.storage.discard(technician, code, " ")
    services.storage.discard(technician, code, "tube cracked", destroy=True)
    assert services.storage.locate(code) is None
    assert services.queries.lookup(code).kind == "sample"
    history = services.audit.history(technician, SAMPLE, code)
    assert history[-1].action == "storage.destroyed" and history[-1].reason == "tube cracked"
    with pytest.raises(ValidationError, match="discarded and cannot be placed"):
        services.storage.place(technician, code, tree.box, "A2")


def test_technicians_cannot_change_the_layout(services: Services, technician: Actor, tree: Tree) -> None:
    from biobank_desktop.core.domain.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.storage.block_position(technician, tree.box, "A1", "cracked")


def test_a_tube_from_a_fridge_counts_no_freeze_thaw(services: Services, supervisor: Actor,
                                                    technician: Actor) -> None:
    from decimal import Decimal

    from biobank_desktop.core.services.storage import NewContainer

    fridge, box = services.storage.create_containers(supervisor, [
        NewContainer("Fridge 1", "Refrigerator 4 °C", setpoint_c=Decimal(4)),
        NewContainer("Box 1", "Cryobox 9 × 9", "FRZ-0001")]).value
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, box, "A1")
    services.storage.check_out(technician, code, "analysis")
    assert services.storage.check_in(technician, code).value.freeze_thaw_count == 0
    assert services.storage.locate(code).temperature_class == "2_to_10"  # type: ignore[union-attr]
    assert fridge == "FRZ-0001"


def test_out_and_back_in_for_a_batch_counts_a_freeze_thaw_each_and_refuses_a_tube_out(
        services: Services, technician: Actor, tree: Tree) -> None:
    codes = make_samples(services, technician, 3, tag="O")
    for code, position in zip(codes, ("F1", "F2", "F3"), strict=True):
        services.storage.place(technician, code, tree.box, position)
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
        services.storage.out_and_back_in(uow, codes[:2], " aliquoting ")
        uow.commit()
    for code in codes[:2]:
        [record] = services.storage.checkouts(code)
        assert (record.reason, record.out_by, record.minutes_out) == ("aliquoting", "tom", 0)
        assert services.storage.box_map(tree.box).cell(6, 1 + codes.index(code)).state == "occupied"
        event = services.audit.history(technician, SAMPLE, code)[-1]
        assert event.action == "storage.checked_out_and_in" and "freeze–thaw cycles 0 → 1" in event.summary
    services.storage.check_out(technician, codes[2], "analysis")
    with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow, \
            pytest.raises(ConflictError, match="already checked out by tom"):
        services.storage.out_and_back_in(uow, codes, "aliquoting")
    assert [len(services.storage.checkouts(c)) for c in codes] == [1, 1, 1]  # nothing more written
