"""A container tree damaged into a loop (as two racks moved into each other could before the tree lock) ends in a
message, never in an endless walk (issue 9 review); SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from biobank_desktop.core.db.conflicts import explain_integrity_error
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import StorageContainer
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.storage import NewContainer
from tests.conftest import make_user
from tests.support.storage_kit import build_tree


def _loop(services: Services, supervisor: Actor) -> tuple[str, str, str]:
    """Rack 01 inside Rack 02 inside Rack 01 (written behind the service's back)."""
    tree = build_tree(services, supervisor)
    [rack2] = services.storage.create_containers(
        supervisor, [NewContainer("Rack 02", "Freezer rack 4 × 5 boxes", tree.freezer)]).value
    with services.db.new_session(write=True) as s:
        ids = dict(s.execute(select(StorageContainer.barcode, StorageContainer.id)).all())
        if services.db.backend == "postgresql":  # the schema refuses a loop: damage it as an old version could
            s.execute(text("ALTER TABLE storage_containers DISABLE TRIGGER storage_containers_no_loop"))
        s.execute(update(StorageContainer).where(StorageContainer.id == ids[tree.rack]).values(parent_id=ids[rack2]))
        s.execute(update(StorageContainer).where(StorageContainer.id == ids[rack2]).values(parent_id=ids[tree.rack]))
        if services.db.backend == "postgresql":
            s.execute(text("ALTER TABLE storage_containers ENABLE TRIGGER storage_containers_no_loop"))
        s.commit()
    return tree.rack, rack2, tree.box2


def test_moving_a_rack_of_a_looped_tree_back_into_a_freezer_repairs_it(services: Services,
                                                                       supervisor: Actor) -> None:
    rack, rack2, box2 = _loop(services, supervisor)
    with pytest.raises(ConflictError, match="damaged"):
        services.storage.find_space(1, within=rack)
    services.storage.move_container(supervisor, rack2, "FRZ-0002")  # the repair the message's hint names
    with services.db.new_session(write=False) as s:
        ids = dict(s.execute(select(StorageContainer.barcode, StorageContainer.id)).all())
        parents = dict(s.execute(select(StorageContainer.barcode, StorageContainer.parent_id)).all())
    assert parents[rack2] == ids["FRZ-0002"] and parents[rack] == ids[rack2]
    plan = services.storage.find_space(1, within=rack)  # the walk ends again
    with services.db.new_session(write=False) as s:
        in_rack = set(s.execute(select(StorageContainer.id).where(StorageContainer.parent_id == ids[rack])).scalars())
    assert plan.missing == 0 and plan.slots[0].box_id in in_rack and ids[box2] in in_rack


def test_retiring_and_searching_space_in_a_looped_tree_say_so(services: Services, supervisor: Actor) -> None:
    rack, _rack2, _box2 = _loop(services, supervisor)
    with pytest.raises(ConflictError, match="damaged") as caught:
        services.storage.retire_container(supervisor, rack, "gone")
    assert caught.value.hint and "freezer" in caught.value.hint
    with pytest.raises(ConflictError, match="damaged"):
        services.storage.find_space(1, within=rack)


@pytest.mark.postgres
def test_postgresql_refuses_a_loop_written_behind_the_services_back(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        services = build_services(db, workstation="WS-A")
        tree = build_tree(services, make_user(services, "sam", Role.SUPERVISOR))
        with db.new_session(write=True) as s:
            ids = dict(s.execute(select(StorageContainer.barcode, StorageContainer.id)).all())
            with pytest.raises(IntegrityError, match="storage_containers.parent_id: a container cannot go inside"):
                s.execute(update(StorageContainer).where(StorageContainer.id == ids[tree.rack])
                          .values(parent_id=ids[tree.box]))
        assert "inside itself" in explain_integrity_error(_loop_error(db, ids[tree.rack], ids[tree.box])).message
    finally:
        db.dispose()


def _loop_error(db: Database, child: int, parent: int) -> IntegrityError:
    with db.new_session(write=True) as s:
        try:
            s.execute(update(StorageContainer).where(StorageContainer.id == child).values(parent_id=parent))
        except IntegrityError as exc:
            return exc
    raise AssertionError("the loop was not refused")
