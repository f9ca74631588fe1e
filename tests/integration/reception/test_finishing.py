"""After scanning: the accepted tubes' labels and their storage."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.storage import PlacedTube
from tests.support.reception_kit import manifest, tube
from tests.support.storage_kit import add_primary_rack, build_tree


@pytest.fixture
def clinic(services: Services, supervisor: Actor) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return "CLINIC"


def _received(services: Services, technician: Actor, code: str, barcodes: Sequence[str]) -> dict[str, str]:
    return {bc: services.reception.receive(technician, code, bc).value.sample_code or "" for bc in barcodes}


@pytest.fixture
def received(services: Services, technician: Actor, supervisor: Actor, clinic: str,
             tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A shipment of a serum tube and two plasma tubes, received (barcode → sample ID), and storage to put them
    (primary tubes go to a rack made for them)."""
    add_primary_rack(services, supervisor, build_tree(services, supervisor))
    code = manifest(services, technician, tmp_path / "m.xlsx", [
        tube("CL0000001", "LU-001"),
        tube("CL0000002", "LU-002", material="PL1"),
        tube("CL0000003", "LU-003", material="PL1"),
    ], partner=clinic)
    return code, _received(services, technician, code, ("CL0000001", "CL0000002", "CL0000003"))


def _audited_placements(services: Services, sample: str) -> int:
    with services.db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE action = 'storage.placed' "
                                        "AND entity_id = :s"), {"s": sample}).scalar_one())


def test_a_group_refused_on_a_later_tube_is_left_whole_and_unaudited(
        services: Services, technician: Actor, received: tuple[str, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """place_found_in writes tube by tube: when it refuses a later tube of a group, the group's earlier tubes
    (placed and audited) are taken back with it; the other groups are stored."""
    code, samples = received
    real = services.storage.place_found_in

    def refuse_the_second_plasma_tube(uow: UnitOfWork, codes: Sequence[str], **kw: object) -> list[PlacedTube]:
        if samples["CL0000002"] not in codes:
            return real(uow, codes, **kw)  # type: ignore[arg-type]
        real(uow, codes[:1], **kw)  # type: ignore[arg-type]  # the first tube is placed and audited ...
        raise ValidationError(f"{codes[1]} is checked out and cannot be placed.")  # ... then the next one fails

    monkeypatch.setattr(services.storage, "place_found_in", refuse_the_second_plasma_tube)
    stored = services.reception.store_accepted(technician, code).value
    assert set(stored.left) == {samples["CL0000002"], samples["CL0000003"]}
    assert [p.sample_code for p in stored.placed] == [samples["CL0000001"]]
    assert services.storage.locate(samples["CL0000001"]) is not None
    assert services.storage.locate(samples["CL0000002"]) is None
    assert _audited_placements(services, samples["CL0000002"]) == 0
    assert services.reception.board(code).counts.stored == 1


def test_a_tube_discarded_after_reception_is_not_waiting_for_storage(
        services: Services, technician: Actor, received: tuple[str, dict[str, str]]) -> None:
    code, samples = received
    services.samples.change_status(technician, samples["CL0000003"], "discarded", "tube broke in the rack")
    stored = services.reception.store_accepted(technician, code).value
    assert stored.left == () and stored.problems == ()
    assert {p.sample_code for p in stored.placed} == {samples["CL0000001"], samples["CL0000002"]}
    assert services.storage.locate(samples["CL0000003"]) is None


def test_label_accepted_requeues_a_tube_whose_label_job_was_cancelled(
        services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    code = manifest(services, technician, tmp_path / "m.xlsx", [tube("CL0000001")], partner=clinic)
    services.reception.receive(technician, code, "CL0000001")
    jobs = services.reception.label_accepted(technician, code).value
    assert jobs
    assert services.reception.board(code).counts.labelled == 1
    assert services.reception.board(code).tubes[0].labelled
    services.labelling.cancel_job(technician, jobs[0], "printer out of labels, will print later")
    board = services.reception.board(code)
    assert board.counts.labelled == 0, "a cancelled job printed nothing"
    assert not board.tubes[0].labelled
    again = services.reception.label_accepted(technician, code).value
    assert again and again != jobs, "the tube has no label and no waiting job, yet 'Print labels' queues nothing"
    assert services.reception.label_accepted(technician, code).value == []  # the new job counts
