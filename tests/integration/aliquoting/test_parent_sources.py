"""A batch's parents from a scanned shipment code (every tube accessioned from it, on the manifest or not) or a
scanned box/rack barcode."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from tests.support.aliquot_kit import make_parent
from tests.support.reception_kit import manifest, tube
from tests.support.storage_kit import build_tree


def test_shipment_parents_include_unexpected_and_unlabelled_tubes(services: Services, technician: Actor,
                                                                  supervisor: Actor, tmp_path: Path) -> None:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    shipment = manifest(services, technician, tmp_path / "m.xlsx",
                        [tube("CL0000001"), tube("CL0000002", "LU-002"), tube("CL0000003", "LU-003")])
    services.samples.register(technician, NewSample("LUNG", "SER", participant="LU-050"))
    services.participants.record_consent(technician, "LUNG", "LU-050", version="v1", scope="all",
                                         signed_on=dt.date(2026, 1, 5))
    second = services.reception.receive(technician, shipment, "CL0000002").value.sample_code
    services.reception.receive(technician, shipment, "ZZ-1")
    unexpected = services.reception.accept_unexpected(technician, shipment, "ZZ-1", NewSample(
        "LUNG", "SER", participant="LU-050", volume_ul=Decimal(800))).value.sample_code
    unlabelled = services.reception.register_unlabelled(technician, shipment, NewSample(
        "LUNG", "SER", participant="LU-050")).value.sample_code
    first = services.reception.receive(technician, shipment, "CL0000001").value.sample_code
    services.reception.receive(technician, shipment, "ZZ-2")  # scanned, never accepted: no sample
    expected = [first, second, unexpected, unlabelled]  # the manifest's order, then the others as received
    assert None not in expected
    assert services.aliquoting.parents_of_shipment(shipment) == expected
    scanned = services.aliquoting.parents_of_scan(f" {shipment.lower()} ")
    assert scanned.codes == tuple(expected) and scanned.source == f"shipment {shipment}"


def test_a_scanned_box_barcode_gives_its_tubes_and_anything_else_is_named(services: Services, technician: Actor,
                                                                          supervisor: Actor) -> None:
    tree = build_tree(services, supervisor)
    one = make_parent(services, technician, 500, box=tree.box)
    two = make_parent(services, technician, 500, box=tree.box, participant="P-2")
    scanned = services.aliquoting.parents_of_scan(tree.box.lower())
    assert scanned.codes == (one, two) and tree.box in scanned.source
    with pytest.raises(NotFoundError, match="not a known sample, shipment, box or rack"):
        services.aliquoting.parents_of_scan("SH-2099-99999")
