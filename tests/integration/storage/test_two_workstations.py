"""Two workstations placing into the same position at once, with two real connections on each backend."""

from __future__ import annotations

import threading

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ConflictError
from biobank_desktop.core.domain.roles import Permission, Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.storage import Placement
from tests.conftest import make_user
from tests.support.storage_kit import build_tree, make_samples


def test_one_tube_per_position_the_loser_is_told_who_won(services: Services, supervisor: Actor,
                                                         technician: Actor, db_url: str) -> None:
    tree = build_tree(services, supervisor)
    anna = make_user(services, "anna", Role.TECHNICIAN)
    first, second = make_samples(services, technician, 2)
    other_db = Database(db_url)  # the second workstation: its own engine, its own connection
    other = build_services(other_db, workstation="TEST-WS-2")
    outcome: dict[str, BaseException | None] = {}
    started = threading.Event()

    def second_workstation() -> None:
        started.set()
        try:
            other.storage.place(technician, second, tree.box, "B4")
            outcome["error"] = None
        except BaseException as exc:
            outcome["error"] = exc

    try:
        with UnitOfWork(services.db, anna, Permission.RECORD_SAMPLES) as uow:
            services.storage.place_in(uow, [Placement(first, tree.box, "B4")])
            thread = threading.Thread(target=second_workstation)
            thread.start()
            started.wait(5)
            thread.join(0.5)  # let it reach the database and wait there (if it can) before we commit
            uow.commit()
        thread.join(30)
        assert not thread.is_alive()
    finally:
        other_db.dispose()
    error = outcome["error"]
    assert isinstance(error, ConflictError), error
    assert isinstance(error, BiobankError)
    assert f"B4 in box {tree.box}" in error.message
    assert first in error.message and "placed by anna" in error.message
    grid = services.storage.box_map(tree.box)
    assert grid.cell(2, 4).sample_code == first
    assert services.storage.locate(second) is None


def test_one_position_per_tube_across_workstations(services: Services, supervisor: Actor, technician: Actor,
                                                   db_url: str) -> None:
    tree = build_tree(services, supervisor)
    [tube] = make_samples(services, technician, 1)
    other_db = Database(db_url)
    other = build_services(other_db, workstation="TEST-WS-2")
    errors: list[BaseException] = []

    def place_elsewhere() -> None:
        try:
            other.storage.place(technician, tube, tree.box2, "A1")
        except BaseException as exc:
            errors.append(exc)

    try:
        with UnitOfWork(services.db, technician, Permission.RECORD_SAMPLES) as uow:
            services.storage.place_in(uow, [Placement(tube, tree.box, "A1")])
            thread = threading.Thread(target=place_elsewhere)
            thread.start()
            thread.join(0.5)
            uow.commit()
        thread.join(30)
    finally:
        other_db.dispose()
    assert len(errors) == 1
    assert isinstance(errors[0], (ConflictError, BiobankError))
    assert tube in str(errors[0]) and tree.box in str(errors[0])
    where = services.storage.locate(tube)
    assert where is not None and where.box_code == tree.box

