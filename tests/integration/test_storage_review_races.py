"""Two workstations racing on the storage tree (issue 9 review), PostgreSQL.

SQLite takes the write lock at BEGIN IMMEDIATE, so these interleavings cannot happen there; on PostgreSQL
(READ COMMITTED) the services take the tree's advisory lock and lock the rows they check. Each test runs
workstation B's action at the exact moment workstation A is between its check and its write (a patched helper
of A's service): B must wait for A's lock, and (B's lock_timeout shortened to 2 s so the test does not wait
30 s) is refused with a message; A completes; the invariant holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import SampleLocation, StorageContainer
from biobank_desktop.core.domain.errors import BiobankError, ConflictError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.storage import NewContainer
from biobank_desktop.core.services.storage import placing as placing_mod
from biobank_desktop.core.services.storage import planning as planning_mod
from tests.conftest import make_user
from tests.support.storage_kit import build_tree, make_samples

pytestmark = pytest.mark.postgres


@pytest.fixture
def two(pg_url: str) -> Iterator[tuple[Services, Services]]:
    db_a, db_b = Database(pg_url), Database(pg_url)

    def short_lock_timeout(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET lock_timeout = 2000")
        dbapi_connection.autocommit = False

    event.listen(db_b.engine, "connect", short_lock_timeout)
    yield build_services(db_a, workstation="WS-A"), build_services(db_b, workstation="WS-B")
    db_a.dispose()
    db_b.dispose()


class _Once:
    """Run B's action once, keeping what it raised (B's refusal must not abort A)."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.fired = False
        self.refused: BiobankError | None = None

    def __call__(self) -> None:
        if not self.fired:
            self.fired = True
            try:
                self.fn()
            except BiobankError as exc:
                self.refused = exc


_once = _Once


def test_two_workstations_moving_two_racks_into_each_other_make_a_cycle(
        two: tuple[Services, Services], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two
    sup = make_user(a, "sam", Role.SUPERVISOR)
    tree = build_tree(a, sup)
    [rack2] = a.storage.create_containers(sup, [NewContainer("Rack 02", "Freezer rack 4 × 5 boxes",
                                                             tree.freezer)]).value
    original = planning_mod.restrictions_of
    other = _once(lambda: b.storage.move_container(sup, rack2, tree.rack))  # B: Rack 02 into Rack 01

    def restrictions_then_b(session: Any, ids: Any) -> Any:  # A is past its "not into itself" check
        other()
        return original(session, ids)

    monkeypatch.setattr(planning_mod, "restrictions_of", restrictions_then_b)
    # Were the cycle made, A's walk of the tubes inside (samples_inside, storage/common.py) would meet it with A's
    # transaction open. This guard turns that walk into an exception so the test can finish and say so.
    original_inside = planning_mod.samples_inside

    def bounded_inside(session: Any, container_id: int) -> Any:
        parents = dict(session.execute(select(StorageContainer.id, StorageContainer.parent_id)).all())
        seen, cur = set(), container_id
        while cur is not None:
            if cur in seen:
                raise RuntimeError("cycle in the container tree: the unpatched walk below would never end")
            seen.add(cur)
            cur = parents.get(cur)
        return original_inside(session, container_id)

    monkeypatch.setattr(planning_mod, "samples_inside", bounded_inside)
    outcome: Exception | None = None
    try:
        a.storage.move_container(sup, tree.rack, rack2)  # A: Rack 01 into Rack 02
    except (BiobankError, RuntimeError) as exc:
        outcome = exc
    assert not isinstance(outcome, RuntimeError), str(outcome)
    with a.db.new_session(write=False) as s:
        parents = dict(s.execute(select(StorageContainer.barcode, StorageContainer.parent_id)).all())
        ids = dict(s.execute(select(StorageContainer.barcode, StorageContainer.id)).all())
    # Invariant: never Rack 01 inside Rack 02 inside Rack 01.
    cycle = parents[tree.rack] == ids[rack2] and parents[rack2] == ids[tree.rack]
    assert not cycle, f"the tree has a cycle (A's outcome: {outcome!r}); both racks and their boxes left the tree"
    assert outcome is None and parents[tree.rack] == ids[rack2]  # A's move went through
    assert other.fired and isinstance(other.refused, ConflictError)  # B waited on A's lock and was told so
    assert "another workstation" in other.refused.message.lower()


def test_a_box_retired_while_another_workstation_places_a_tube_in_it(
        two: tuple[Services, Services], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two
    sup = make_user(a, "sam", Role.SUPERVISOR)
    tech = make_user(a, "tom", Role.TECHNICIAN)
    tree = build_tree(a, sup)
    [code] = make_samples(a, tech, 1)
    original = placing_mod.load_box_state
    other = _once(lambda: b.storage.retire_container(sup, tree.box, "broken"))

    def load_then_b(session: Any, box: Any, layout: Any) -> Any:  # A found the box active
        other()
        return original(session, box, layout)

    monkeypatch.setattr(placing_mod, "load_box_state", load_then_b)
    outcome: BiobankError | None = None
    try:
        a.storage.place(tech, code, tree.box, "A1")
    except BiobankError as exc:
        outcome = exc
    with a.db.new_session(write=False) as s:
        box = s.execute(select(StorageContainer).where(StorageContainer.barcode == tree.box)).scalar_one()
        tubes = s.execute(select(SampleLocation).where(SampleLocation.container_id == box.id)).scalars().all()
        retired_with_tubes = (not box.active) and len(tubes) > 0
    assert not retired_with_tubes, f"a retired box holds {len(tubes)} tube(s) (A's outcome: {outcome!r})"
    assert outcome is None and box.active and len(tubes) == 1  # A placed its tube
    assert other.fired and isinstance(other.refused, ConflictError)  # B could not retire a box being filled


def test_a_retired_box_refuses_a_tube_placed_after_it(two: tuple[Services, Services]) -> None:
    """The other order: B retires first and commits; A then reads the box (FOR SHARE, fresh) and is refused."""
    a, b = two
    sup = make_user(a, "sam", Role.SUPERVISOR)
    tech = make_user(a, "tom", Role.TECHNICIAN)
    tree = build_tree(a, sup)
    [code] = make_samples(a, tech, 1)
    b.storage.retire_container(sup, tree.box, "broken")
    with pytest.raises(BiobankError, match="retired"):
        a.storage.place(tech, code, tree.box, "A1")


def test_two_workstations_filling_the_last_place_of_a_rack(
        two: tuple[Services, Services], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two
    sup = make_user(a, "sam", Role.SUPERVISOR)
    tree = build_tree(a, sup)
    # Rack 01 (4 × 5 = 20 places) holds 3 boxes; fill it to 19, then two boxes from elsewhere race for the last.
    a.storage.create_containers(sup, [NewContainer(f"Box F{i:02}", "Cryobox 9 × 9", tree.rack) for i in range(16)])
    [rack2] = a.storage.create_containers(sup, [NewContainer("Rack 02", "Freezer rack 4 × 5 boxes",
                                                             tree.freezer)]).value
    x, y = a.storage.create_containers(sup, [NewContainer("Box X", "Cryobox 9 × 9", rack2),
                                             NewContainer("Box Y", "Cryobox 9 × 9", rack2)]).value
    original = planning_mod.restrictions_of
    other = _once(lambda: b.storage.move_container(sup, y, tree.rack))

    def restrictions_then_b(session: Any, ids: Any) -> Any:  # A counted 19 of 20
        other()
        return original(session, ids)

    monkeypatch.setattr(planning_mod, "restrictions_of", restrictions_then_b)
    outcome: BiobankError | None = None
    try:
        a.storage.move_container(sup, x, tree.rack)
    except BiobankError as exc:
        outcome = exc
    with a.db.new_session(write=False) as s:
        rack_id = s.execute(select(StorageContainer.id).where(StorageContainer.barcode == tree.rack)).scalar_one()
        n = len(s.execute(select(StorageContainer.id).where(StorageContainer.parent_id == rack_id,
                                                            StorageContainer.active.is_(True))).all())
    assert n <= 20, f"a 4 × 5 rack now holds {n} boxes"
    assert outcome is None and n == 20  # A took the last place
    assert other.fired and isinstance(other.refused, ConflictError)  # B waited and was refused
    with pytest.raises(BiobankError, match="full"):  # B trying again is told the rack is full
        b.storage.move_container(sup, y, tree.rack)
