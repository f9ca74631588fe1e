"""The scan-to-fill session over the real storage service (both backends)."""

from __future__ import annotations

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.flows.box_filling import BoxFilling, StorageBackend, Verdict
from biobank_desktop.core.services import Services
from tests.support.storage_kit import build_tree, make_samples


def test_scans_fill_the_box_in_fill_order_and_a_clicked_cell_first(services: Services, supervisor: Actor,
                                                                   technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    codes = make_samples(services, technician, 4)
    session = BoxFilling(StorageBackend(services.storage, technician), tree.sbs)
    assert session.next_position == "A1"
    first = session.scan(codes[0] + "\r\n")
    assert (first.verdict, first.position) == (Verdict.PLACED, "A1")
    session.choose_cell("H12")
    assert session.scan(codes[1]).position == "H12"
    assert session.scan(codes[2]).position == "B1"  # back to the fill order (column-first)
    again = session.scan(codes[0])
    assert again.verdict is Verdict.ALREADY_HERE and "scanned twice" in again.message
    unknown = session.scan("NOT-A-TUBE")
    assert unknown.verdict is Verdict.REFUSED and "No sample has the ID" in unknown.message
    assert session.box.occupied == 3
    assert [a.ok for a in session.answers] == [True, True, True, True, False]
    with pytest.raises(ValidationError, match="not a position of box"):
        session.choose_cell("Z99")


def test_a_tube_stored_elsewhere_is_refused_unless_moving(services: Services, supervisor: Actor,
                                                          technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, tree.box, "C3")
    session = BoxFilling(StorageBackend(services.storage, technician), tree.box2)
    refused = session.scan(code)
    assert refused.verdict is Verdict.REFUSED and f"already stored in {tree.box} C3" in refused.message
    moving = BoxFilling(StorageBackend(services.storage, technician), tree.box2, move=True)
    assert moving.scan(code).verdict is Verdict.PLACED
    with pytest.raises(NotFoundError):
        BoxFilling(StorageBackend(services.storage, technician), "BOX-404404")
