"""After scanning: the accepted tubes' labels and their storage."""

from __future__ import annotations

from pathlib import Path

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from tests.support.reception_kit import manifest, tube


@pytest.fixture
def clinic(services: Services, supervisor: Actor) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return "CLINIC"


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
