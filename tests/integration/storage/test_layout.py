"""Changing the storage layout: create, edit, retire (only when empty), duplicate as a template, conventions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.changes import CONTAINER
from biobank_desktop.core.services.storage import NewContainer
from tests.support.storage_kit import build_tree, make_samples


def test_retiring_a_freezer_that_is_not_empty_is_refused(services: Services, supervisor: Actor,
                                                         technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, tree.box, "A1")
    with pytest.raises(ValidationError, match=r"FRZ-0001 \(Freezer F-01\) is not empty: 1 tube\(s\)"):
        services.storage.retire_container(supervisor, tree.freezer, "replaced")
    services.storage.discard(technician, code, "used up")
    with pytest.raises(ValidationError, match="still holds"):
        services.storage.retire_container(supervisor, tree.freezer, "replaced")
    services.storage.retire_container(supervisor, tree.box2, "cracked lid")
    assert all(n.barcode != tree.box2 for n in services.storage.tree())
    with pytest.raises(ValidationError, match="is retired"):
        services.storage.place(technician, make_samples(services, technician, 1, tag="R")[0], tree.box2, "A1")


def test_duplicate_a_rack_with_its_boxes_as_a_template(services: Services, supervisor: Actor) -> None:
    tree = build_tree(services, supervisor)
    result = services.storage.duplicate_container(supervisor, tree.rack, copies=3)
    assert len(result.value) == 3 and result.changes.touches(CONTAINER)
    nodes = services.storage.tree()
    freezer = next(n for n in nodes if n.barcode == tree.freezer)
    racks = [n for n in nodes if n.parent_id == freezer.id]
    assert [r.name for r in racks] == ["Rack 01", "Rack 02", "Rack 03", "Rack 04"]
    assert all(r.boxes == 3 and r.capacity == 81 * 2 + 96 and r.occupied == 0 for r in racks)
    assert freezer.capacity == 4 * (81 * 2 + 96)
    with pytest.raises(ValidationError, match="freezer is not duplicated"):
        services.storage.duplicate_container(supervisor, tree.freezer)


def test_create_refuses_bad_nesting_and_duplicates(services: Services, supervisor: Actor) -> None:
    tree = build_tree(services, supervisor)
    with pytest.raises(ValidationError, match="cannot go"):
        services.storage.create_containers(supervisor, [NewContainer("Box X", "Cryobox 9 × 9", tree.box)])
    with pytest.raises(ValidationError, match="cannot go at the top"):
        services.storage.create_containers(supervisor, [NewContainer("Box X", "Cryobox 9 × 9")])
    with pytest.raises(ValidationError, match="already a container named Box 0001"):
        services.storage.create_containers(supervisor, [NewContainer("Box 0001", "Cryobox 9 × 9", tree.rack)])
    with pytest.raises(NotFoundError, match="No container type is named"):
        services.storage.create_containers(supervisor, [NewContainer("X", "Teapot", tree.rack)])
    with pytest.raises(ValidationError, match="needs its set-point"):
        services.storage.create_containers(supervisor, [NewContainer("F-9", "Upright freezer -80 °C")])
    with pytest.raises(ConflictError, match="barcode BOX-000001 already exists"):
        services.storage.create_containers(supervisor, [NewContainer("Box 9", "Cryobox 9 × 9", tree.rack,
                                                                     barcode="BOX-000001")])
    made = services.storage.create_containers(supervisor, [NewContainer("Rack TR", "SBS rack 96 (8 × 12)",
                                                                        tree.rack, barcode="TR00012345")])
    assert made.value == ["TR00012345"]


def test_edit_a_set_point_reclasses_the_freezer(services: Services, supervisor: Actor) -> None:
    tree = build_tree(services, supervisor)
    services.storage.edit_container(supervisor, tree.freezer, setpoint_c=Decimal(-20), status="defrosting")
    node = next(n for n in services.storage.tree() if n.barcode == tree.freezer)
    assert (node.temperature_class, node.status, node.freezer_kind) == ("-35_to_-18", "defrosting", "upright_-80")
    with pytest.raises(ValidationError, match="is not a storage temperature"):
        services.storage.edit_container(supervisor, tree.freezer, setpoint_c=Decimal(900))
    with pytest.raises(ValidationError, match="Unknown status"):
        services.storage.edit_container(supervisor, tree.freezer, status="broken")


def test_container_types_with_roman_rows_and_linear_numbers(services: Services, supervisor: Actor,
                                                            technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    services.storage.add_container_type(supervisor, "Partner box 9 × 9 numbered", "box", 9, 9, linear=True)
    services.storage.add_container_type(supervisor, "Roman box 10 × 10", "box", 10, 10, row_scheme="roman",
                                        fill_order="column_major_br")
    codes = services.storage.create_containers(supervisor, [
        NewContainer("Numbered", "Partner box 9 × 9 numbered", tree.rack),
        NewContainer("Roman", "Roman box 10 × 10", tree.rack)]).value
    samples = make_samples(services, technician, 2)
    assert services.storage.place(technician, samples[0], codes[0], "37").value.position == "37"
    grid = services.storage.box_map(codes[0])
    assert grid.cell(5, 1).sample_code == samples[0] and grid.convention.startswith("1 … 81")
    assert services.storage.place(technician, samples[1], codes[1]).value.position == "x-10"  # from bottom-right
    with pytest.raises(ValidationError, match="Unknown convention"):
        services.storage.add_container_type(supervisor, "Bad", "box", 9, 9, fill_order="spiral")
    with pytest.raises(ValidationError, match="1 to 64 rows"):
        services.storage.add_container_type(supervisor, "Huge", "box", 99, 9)
