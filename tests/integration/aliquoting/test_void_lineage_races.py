"""Lineage, the same-day void, and two workstations aliquoting the same parent at once (two real connections)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ConflictError, PermissionDeniedError, ValidationError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.aliquoting import AliquotRequest
from tests.conftest import make_user
from tests.support.aliquot_kit import make_parent
from tests.support.storage_kit import build_tree


def test_lineage_from_any_sample_shows_the_family_with_volumes_and_positions(services: Services, supervisor: Actor,
                                                                              technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    parent = make_parent(services, technician, 1000, box=tree.box)
    first = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "300 µL", box=tree.box2)).value
    child = first.children[0].sample_code
    services.aliquoting.aliquot(technician, AliquotRequest.simple(child, 2, "100 µL", sample_type="PL2"))
    family = services.aliquoting.lineage(f"{child}-D02")
    assert family.ancestors == (child, parent)
    assert [(r.sample_code, r.depth) for r in family.rows] == [
        (parent, 0), (child, 1), (f"{child}-D01", 2), (f"{child}-D02", 2), (first.children[1].sample_code, 1)]
    top = services.aliquoting.lineage(parent)
    assert (top.drawn_ul, top.left_ul) == (Decimal(600), Decimal(400))
    assert top.rows[1].drawn_ul == Decimal(200) and top.rows[1].volume_ul == Decimal(100)
    assert top.rows[1].position == f"{tree.box2} A1" and top.rows[0].position == f"{tree.box} A1"
    assert len(top.descendants) == 4 and top.root.children[0].children[1].row.sample_type == "PL2"


def test_lineage_lists_siblings_by_child_number(services: Services, technician: Actor) -> None:
    """…-A11 before …-A100 (not text order, which puts A100 right after A10)."""
    parent = make_parent(services, technician, 1000)
    services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 101, "5 µL"))
    rows = services.aliquoting.lineage(parent).rows
    assert [r.sample_code for r in rows] == [parent] + [f"{parent}-A{i:02d}" for i in range(1, 102)]


def test_a_void_frees_the_positions_gives_the_volume_back_and_cancels_waiting_labels(
        services: Services, supervisor: Actor, technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    parent = make_parent(services, technician, 500)
    done = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 5, "100 µL", box=tree.box2)).value
    assert done.parents[0].status_after == "consumed"
    anna = make_user(services, "anna", Role.TECHNICIAN)
    with pytest.raises(PermissionDeniedError, match="only they or a supervisor"):
        services.aliquoting.void(anna, done.batch_id, "not mine")
    with pytest.raises(ValidationError, match="Say why"):
        services.aliquoting.void(technician, done.batch_id, "  ")
    services.aliquoting.void(technician, done.batch_id, "wrong parent scanned")
    info = services.aliquoting.parent_info(parent)
    assert (info.volume_ul, info.status) == (Decimal(500), "available")
    for child in done.children:
        assert services.aliquoting.parent_info(child.sample_code).status == "voided"
        assert services.storage.locate(child.sample_code) is None
    jobs = [services.labelling.job(j) for j in done.label_jobs]
    assert [j.status for j in jobs] == ["cancelled"]
    batch = services.aliquoting.batch(done.batch_id)
    assert (batch.status, batch.voided_by, batch.void_reason) == ("voided", "tom", "wrong parent scanned")
    assert services.aliquoting.lineage(parent).drawn_ul == 0
    with pytest.raises(ValidationError, match="already voided"):
        services.aliquoting.void(supervisor, done.batch_id, "again")
    again = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 1, "100 µL")).value
    assert again.children[0].sample_code == f"{parent}-A06"  # a voided child's ID is never given again


def test_a_supervisor_may_void_anothers_batch(services: Services, supervisor: Actor, technician: Actor) -> None:
    parent = make_parent(services, technician, 500)
    done = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "100 µL")).value
    services.aliquoting.void(supervisor, done.batch_id, "duplicate")
    assert services.aliquoting.parent_info(parent).volume_ul == 500


def test_a_void_after_children_were_used_is_refused_naming_them(services: Services, supervisor: Actor,
                                                                technician: Actor) -> None:
    parent = make_parent(services, technician, 1000)
    done = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 3, "100 µL")).value
    used, further, fine = (c.sample_code for c in done.children)
    services.samples.change_status(technician, used, "shipped", "to the lab")
    services.aliquoting.aliquot(technician, AliquotRequest.simple(further, 2, "20 µL"))
    with pytest.raises(ConflictError) as caught:
        services.aliquoting.void(supervisor, done.batch_id, "mistake")
    assert f"{used} is shipped" in caught.value.message and f"{further} was aliquoted further" in caught.value.message
    assert fine not in caught.value.message
    assert services.aliquoting.parent_info(parent).volume_ul == 700
    assert services.aliquoting.parent_info(fine).status == "available"


def test_a_batch_whose_childs_own_aliquoting_was_voided_can_still_be_voided(services: Services,
                                                                           technician: Actor) -> None:
    """The grandchildren were voided (the child has its volume back): the child was not 'aliquoted further'."""
    parent = make_parent(services, technician, 1000)
    first = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "200 µL")).value
    child = first.children[0].sample_code
    second = services.aliquoting.aliquot(technician, AliquotRequest.simple(child, 2, "50 µL")).value
    services.aliquoting.void(technician, second.batch_id, "wrong tube")
    assert services.aliquoting.parent_info(child).volume_ul == Decimal("200.00")
    services.aliquoting.void(technician, first.batch_id, "wrong parent too")
    assert services.aliquoting.parent_info(parent).volume_ul == Decimal("1000.00")
    assert services.aliquoting.parent_info(child).status == "voided"


def test_a_void_says_which_cancelled_labels_had_failed_and_may_have_printed(services: Services,
                                                                             technician: Actor) -> None:
    parent = make_parent(services, technician, 1000)
    done = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 3, "100 µL")).value
    [job] = done.label_jobs
    _template, pending = services.labelling.claim_external(technician, job, "Office")
    first = pending[0][0]  # the spooler may hold the first label; the others go back to the queue
    services.labelling.record_print_failed(technician, job, "Office", "driver error", maybe_printed=[first])
    doubtful = [i.sample_code for i in services.labelling.job(job).items if i.status == "failed"]
    assert len(doubtful) == 1
    outcome = services.aliquoting.void(technician, done.batch_id, "wrong parent").value
    assert (outcome.labels_cancelled, outcome.maybe_printed) == (3, tuple(doubtful))
    assert outcome.message.endswith(f"1 of them had failed and may have printed anyway: find and destroy the "
                                    f"labels of {doubtful[0]}.")
    quiet = services.aliquoting.void(technician, services.aliquoting.aliquot(
        technician, AliquotRequest.simple(parent, 1, "100 µL")).value.batch_id, "again").value
    assert quiet.maybe_printed == () and "may have printed" not in quiet.message


@pytest.mark.parametrize("expected_version", [False, True])
def test_two_workstations_aliquoting_one_parent_one_wins_the_volume_is_never_double_counted(
        services: Services, technician: Actor, db_url: str, expected_version: bool) -> None:
    parent = make_parent(services, technician, 1000)
    version = services.aliquoting.parent_info(parent).version if expected_version else None
    other_db = Database(db_url)  # the second workstation: its own engine and connection
    other = build_services(other_db, workstation="TEST-WS-2")
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def workstation(name: str, svc: Services) -> None:
        barrier.wait(10)
        try:
            outcome[name] = svc.aliquoting.aliquot(technician, AliquotRequest.simple(
                parent, 6, "100 µL", expected_version=version)).value
        except BiobankError as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=workstation, args=(n, s)) for n, s in (("one", services), ("two", other))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        other_db.dispose()
    errors = [v for v in outcome.values() if isinstance(v, BaseException)]
    assert len(outcome) == 2 and len(errors) == 1, outcome
    message = str(errors[0])
    assert ("changed by someone else" in message) if expected_version else ("Over-draw" in message)
    info = services.aliquoting.parent_info(parent)
    assert info.volume_ul == Decimal(400) and info.children == 6
