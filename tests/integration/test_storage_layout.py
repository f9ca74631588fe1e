"""The storage tree built by services/storage_layout: barcodes from the shared counters, the nesting and
capacity rules, all inside the caller's transaction. Both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from biobank_desktop.core.db import sequences
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import StorageContainer
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.storage_layout import (
    BOX_BARCODE_SEQUENCE,
    FREEZER_BARCODE_SEQUENCE,
    RACK_BARCODE_SEQUENCE,
    ContainerTypeSpec,
    NewContainer,
    create_containers,
    ensure_container_types,
)

FREEZER = ContainerTypeSpec("Test freezer -80", "freezer")
RACK = ContainerTypeSpec("Test rack 2 x 2", "rack", 2, 2)
BOX = ContainerTypeSpec("Test box 9 x 9", "box", 9, 9)
SHELF = ContainerTypeSpec("Test shelf", "shelf")
WHEN = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def _freezer(name: str, racks: int = 2, boxes: int = 3) -> NewContainer:
    return NewContainer(FREEZER.name, name, [
        NewContainer(RACK.name, f"Rack {r}", [NewContainer(BOX.name, f"Box {r}.{b}") for b in range(1, boxes + 1)])
        for r in range(1, racks + 1)], created_at=WHEN, temperature_c=Decimal("-80.0"))


def _tree(db: Database) -> dict[str, tuple[str | None, str | None]]:
    """name → (barcode, parent's name) of every container."""
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT c.name, c.barcode, p.name FROM storage_containers c "
            "LEFT JOIN storage_containers p ON p.id = c.parent_id")).all()
    return {name: (barcode, parent) for name, barcode, parent in rows}


def _write(services: Services, actor: Actor, parent_id: int | None, containers: list[NewContainer]) -> list[int]:
    with UnitOfWork(services.db, actor) as uow:
        ensure_container_types(uow.session, (FREEZER, RACK, BOX, SHELF))
        created = create_containers(uow.session, parent_id, containers)
        uow.audit("storage.test", "storage", "test", summary="test")
        uow.commit()
    return [c.id for c in created]


def test_a_tree_gets_counter_barcodes_depth_first_and_its_shape(services: Services, admin: Actor) -> None:
    [freezer_id] = _write(services, admin, None, [_freezer("F-01")])
    tree = _tree(services.db)
    assert tree["F-01"] == ("FRZ-0001", None)
    assert tree["Rack 1"] == ("RCK-000001", "F-01") and tree["Rack 2"] == ("RCK-000002", "F-01")
    assert [tree[f"Box 1.{b}"] for b in (1, 2, 3)] == [(f"BOX-{b:06d}", "Rack 1") for b in (1, 2, 3)]
    assert tree["Box 2.3"] == ("BOX-000006", "Rack 2")
    with services.db.new_session(write=False) as session:
        assert sequences.peek(session, FREEZER_BARCODE_SEQUENCE) == 2
        assert sequences.peek(session, RACK_BARCODE_SEQUENCE) == 3
        assert sequences.peek(session, BOX_BARCODE_SEQUENCE) == 7
        freezer = session.get(StorageContainer, freezer_id)
        assert freezer is not None and freezer.created_at == WHEN and freezer.temperature_c == Decimal("-80.0")

    # Added later under an existing rack: the numbers continue; a shelf has no barcode.
    with services.db.new_session(write=False) as session:
        rack_id = session.execute(sa.select(StorageContainer.id).where(StorageContainer.name == "Rack 2")).scalar_one()
    _write(services, admin, rack_id, [NewContainer(BOX.name, "Box 2.4")])
    _write(services, admin, freezer_id, [NewContainer(SHELF.name, "Shelf A")])
    tree = _tree(services.db)
    assert tree["Box 2.4"] == ("BOX-000007", "Rack 2")
    assert tree["Shelf A"] == (None, "F-01")


@pytest.mark.parametrize(("parent", "containers", "message"), [
    (None, [NewContainer(BOX.name, "Loose box")], "cannot go at the top"),
    ("Box 1.1", [NewContainer(BOX.name, "Box in a box")], "cannot go inside a box"),
    ("Rack 1", [NewContainer(BOX.name, "Fifth box")], "holds at most 4"),
    ("F-01", [NewContainer(RACK.name, "Rack 1")], "already a container named Rack 1"),
    (None, [_freezer("F-02", racks=1, boxes=5)], "holds at most 4"),
    (None, [_freezer("F-02"), _freezer("F-02")], "already a container named F-02"),
])
def test_a_broken_rule_is_refused_before_anything_is_written(
        services: Services, admin: Actor, parent: str | None, containers: list[NewContainer], message: str) -> None:
    _write(services, admin, None, [_freezer("F-01", racks=2, boxes=4)])
    before = _tree(services.db)
    with services.db.new_session(write=False) as session:
        parent_id = None if parent is None else session.execute(
            sa.select(StorageContainer.id).where(StorageContainer.name == parent)).scalar_one()
    with pytest.raises(ValidationError, match=message):
        _write(services, admin, parent_id, containers)
    assert _tree(services.db) == before
    with services.db.new_session(write=False) as session:
        assert sequences.peek(session, BOX_BARCODE_SEQUENCE) == 9


def test_an_unknown_type_or_parent_is_refused(services: Services, admin: Actor) -> None:
    with pytest.raises(NotFoundError, match="Unknown container type: No such type"):
        _write(services, admin, None, [NewContainer("No such type", "X")])
    with pytest.raises(NotFoundError, match="no longer exists"):
        _write(services, admin, 999_999, [NewContainer(BOX.name, "Orphan")])
    assert _tree(services.db) == {}


def test_existing_container_types_are_kept(services: Services, admin: Actor) -> None:
    with UnitOfWork(services.db, admin) as uow:
        first = ensure_container_types(uow.session, (RACK,))
        again = ensure_container_types(uow.session, (ContainerTypeSpec(RACK.name, "rack", 8, 8), BOX))
        assert again[RACK.name].id == first[RACK.name].id and again[RACK.name].capacity == 4
        assert again[BOX.name].capacity == 81
