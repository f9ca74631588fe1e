"""Protocols and batches: one transaction, progress and cancel, placement together, labels in placement order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import OperationCancelledError, PermissionDeniedError, ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.aliquoting import BatchRequest, ProtocolDefinition, parse_protocol_lines
from tests.integration.aliquoting.test_one_parent import counts
from tests.support.aliquot_kit import make_parent
from tests.support.labels_testkit import decode, rasterize_pdf
from tests.support.storage_kit import build_tree

PROTOCOL = ProtocolDefinition(parse_protocol_lines("3xPL1:100µL,2xPL2:50µL"), "PL1", Decimal(10),
                              centrifugation="D")


def test_protocols_are_written_by_supervisors_and_versioned(services: Services, supervisor: Actor,
                                                            technician: Actor) -> None:
    with pytest.raises(PermissionDeniedError):
        services.aliquoting.save_protocol(technician, "COLON", "Plasma std", PROTOCOL)
    first = services.aliquoting.save_protocol(supervisor, "COLON", "Plasma std", PROTOCOL).value
    second = services.aliquoting.save_protocol(supervisor, "colon", "plasma STD", PROTOCOL,
                                               description="same, again").value
    assert (first.version, second.version, second.name) == (1, 2, "Plasma std")
    assert [p.version for p in services.aliquoting.protocols("COLON")] == [2]
    assert second.text == "3xPL1:100µL,2xPL2:50µL"
    services.aliquoting.set_protocol_active(supervisor, "COLON", "Plasma std", False, "replaced")
    assert services.aliquoting.protocols("COLON") == []
    with pytest.raises(ValidationError, match="RBC cannot be made from a PL1 parent"):
        services.aliquoting.save_protocol(supervisor, "COLON", "Bad", ProtocolDefinition(
            parse_protocol_lines("1xRBC:1mL"), "PL1"))


def test_a_batch_is_one_transaction_children_together_and_labels_in_placement_order(
        services: Services, supervisor: Actor, technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    services.aliquoting.save_protocol(supervisor, "COLON", "Plasma std", PROTOCOL)
    parents = [make_parent(services, technician, 1000, participant=f"P-{i}") for i in range(4)]
    seen: list[float] = []
    done = services.aliquoting.apply_protocol(technician, BatchRequest(tuple(parents), "plasma std", box=tree.box,
                                                                      source="test rack"),
                                              progress=lambda f, _t: seen.append(f)).value
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert len(done.children) == 20 and all(p.volume_after_ul == Decimal(590) for p in done.parents)
    # Each parent's children of a type together, consecutive in the box's fill order (row-first 9 × 9); the
    # PL2 children (another sample type: placed in a call of its own) after the PL1 ones.
    assert [(c.parent_code, c.sample_type, c.position) for c in done.children][:4] == [
        (parents[0], "PL1", "A1"), (parents[0], "PL1", "A2"), (parents[0], "PL1", "A3"), (parents[1], "PL1", "A4")]
    assert [(c.parent_code, c.position) for c in done.children if c.sample_type == "PL2"][:3] == [
        (parents[0], "B4"), (parents[0], "B5"), (parents[1], "B6")]
    # The labels, decoded from the rendered job, come out in the order the tubes stand in the box.
    codes: list[str] = []
    for job in done.label_jobs:
        template, labels = services.labelling.job_labels(job, pending_only=True)
        pdf = services.labelling.render([label.sample_id or "" for _, label in labels], template.name, "pdf",
                                        dpi=300)
        codes += [next(t for t in decode(page) if t.startswith(parents[0][:8])) for page in rasterize_pdf(pdf, 300)]
    assert codes == [c.sample_code for c in done.children] == list(done.placement_order)
    batch = services.aliquoting.batch(done.batch_id)
    assert (batch.parents, batch.children, batch.protocol, batch.source) == (4, 20, "COLON/Plasma std v1",
                                                                              "test rack")
    pl2 = services.aliquoting.parent_info(next(c.sample_code for c in done.children if c.sample_type == "PL2"))
    assert pl2.sample_type == "PL2" and pl2.sprec_code is not None and pl2.sprec_code.split("-")[4] == "D"


def test_one_parent_that_does_not_fit_refuses_the_batch_naming_it(services: Services, supervisor: Actor,
                                                                   technician: Actor) -> None:
    services.aliquoting.save_protocol(supervisor, "COLON", "Plasma std", PROTOCOL)
    good = make_parent(services, technician, 1000, participant="P-1")
    small = make_parent(services, technician, 300, participant="P-2")
    serum = make_parent(services, technician, 1000, participant="P-3", sample_type="SER")
    checks = services.aliquoting.check_batch(BatchRequest((good, small, serum), "Plasma std"))
    assert [c.problem is None for c in checks] == [True, False, False]
    assert "short" in str(checks[1].problem) and "for PL1 tubes, this one is SER" in str(checks[2].problem)
    before = counts(services)
    with pytest.raises(ValidationError) as caught:
        services.aliquoting.apply_protocol(technician, BatchRequest((good, small, serum), "Plasma std"))
    assert "2 of 3 parent(s) cannot be aliquoted" in caught.value.message
    assert small in caught.value.message and serum in caught.value.message
    assert counts(services) == before


def test_unknown_ids_in_a_batch_are_named_with_the_other_refusals(services: Services, supervisor: Actor,
                                                                   technician: Actor) -> None:
    """Every parent that cannot be aliquoted is named at once, unknown IDs included (as check_batch shows them),
    not just the first unknown ID."""
    services.aliquoting.save_protocol(supervisor, "COLON", "Plasma std", PROTOCOL)
    good = make_parent(services, technician, 1000)
    request = BatchRequest((good, "COL-2026-999999Z", "NO-SUCH-TUBE"), "Plasma std")
    checks = services.aliquoting.check_batch(request)
    assert [c.problem is not None for c in checks] == [False, True, True]
    before = counts(services)
    with pytest.raises(ValidationError) as caught:
        services.aliquoting.apply_protocol(technician, request)
    assert caught.value.message.startswith("2 of 3 parent(s) cannot be aliquoted with protocol 'Plasma std': ")
    assert "'COL-2026-999999Z'" in caught.value.message and "'NO-SUCH-TUBE'" in caught.value.message
    assert counts(services) == before


def test_cancel_leaves_nothing_behind(services: Services, supervisor: Actor, technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    services.aliquoting.save_protocol(supervisor, "COLON", "Plasma std", PROTOCOL)
    parents = [make_parent(services, technician, 1000, participant=f"P-{i}", box=tree.box2) for i in range(3)]
    before = counts(services)
    calls = iter([False, False, True])
    with pytest.raises(OperationCancelledError):
        services.aliquoting.apply_protocol(technician, BatchRequest(tuple(parents), "Plasma std", box=tree.box),
                                           cancelled=lambda: next(calls, True))
    assert counts(services) == before
    assert all(services.aliquoting.parent_info(p).volume_ul == 1000 for p in parents)
    assert all(services.aliquoting.parent_info(p).freeze_thaw_count == 0 for p in parents)
    assert services.storage.box_map(tree.box).cell(1, 1).sample_code is None


def test_parents_of_a_scanned_rack_in_fill_order(services: Services, supervisor: Actor, technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    parents = [make_parent(services, technician, 1000, participant=f"P-{i}", box=tree.box2) for i in range(3)]
    assert services.aliquoting.parents_in_container(tree.box2) == parents
