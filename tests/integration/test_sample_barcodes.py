"""Add barcode refuses this biobank's own codes and keeps the kind; a wrong one is removed with a reason
(issue 8, blocker 2). On both backends."""

from __future__ import annotations

import pytest

from biobank_desktop.core.db.models import StorageContainer
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.ids import format_sample_id
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage_layout import (
    ContainerTypeSpec,
    NewContainer,
    create_containers,
    ensure_container_types,
)


def _two(services: Services, actor: Actor) -> tuple[str, str]:
    one = services.samples.register(actor, NewSample(study_code="COLON", sample_type="SER")).value
    two = services.samples.register(actor, NewSample(study_code="COLON", sample_type="SER")).value
    return one, two


def _barcodes(services: Services, code: str) -> tuple[tuple[str, str], ...]:
    return services.queries.detail(code).barcodes


def test_internal_ids_are_refused_saying_what_they_are(services: Services, technician: Actor) -> None:
    one, two = _two(services, technician)
    with pytest.raises(ValidationError, match=f"{one} is this sample's own ID"):
        services.samples.add_barcode(technician, one, one)
    with pytest.raises(ValidationError, match=f"is the ID of another sample \\({two}\\)"):
        services.samples.add_barcode(technician, one, two.lower())  # as a scanner in lower case may send it
    unused = format_sample_id("BB", 2026, 999_999)
    with pytest.raises(ValidationError, match=f"{unused} is a sample ID of this biobank"):
        services.samples.add_barcode(technician, one, unused)
    mistyped = unused[:-1] + ("0" if unused[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="looks like a sample ID of this biobank .with a wrong check character"):
        services.samples.add_barcode(technician, one, mistyped)
    assert _barcodes(services, one) == ()


def test_container_barcodes_are_refused_saying_what_they_are(services: Services, technician: Actor,
                                                             admin: Actor) -> None:
    one, _two_code = _two(services, technician)
    freezer = ContainerTypeSpec("Barcode test freezer", "freezer")
    box = ContainerTypeSpec("Barcode test box", "box", 9, 9)
    with UnitOfWork(services.db, admin) as uow:
        ensure_container_types(uow.session, (freezer, box))
        create_containers(uow.session, None, [NewContainer(freezer.name, "F-test", [NewContainer(box.name,
                                                                                                 "Old box 7")])])
        old = uow.session.query(StorageContainer).filter_by(name="Old box 7").one()
        old.barcode = "RB-0007"  # a barcode from before the counters
        uow.audit("storage.test", "storage", "test", summary="test")
        uow.commit()
    with pytest.raises(ValidationError, match="RB-0007 is the barcode of the box Old box 7 .a storage container"):
        services.samples.add_barcode(technician, one, "RB-0007")
    for code, word in (("BOX-000001", "box"), ("rck-000012", "rack"), ("FRZ-0003", "freezer")):
        with pytest.raises(ValidationError, match=f"has the form of a {word} barcode"):
            services.samples.add_barcode(technician, one, code)
    with pytest.raises(ValidationError, match="a storage container"):
        services.samples.register(technician, NewSample(study_code="COLON", sample_type="SER",
                                                        external_barcodes=("BOX-000009",)))
    assert _barcodes(services, one) == ()


def test_the_kind_is_kept_and_a_wrong_barcode_is_removed_with_a_reason(services: Services,
                                                                       technician: Actor) -> None:
    one, _ = _two(services, technician)
    services.samples.add_barcode(technician, one, "0153464097", kind="tube")
    services.samples.add_barcode(technician, one, "CLIN-42", kind="clinic")
    assert set(_barcodes(services, one)) == {("0153464097", "tube"), ("CLIN-42", "clinic")}
    with pytest.raises(ValidationError, match="not a kind of barcode"):
        services.samples.add_barcode(technician, one, "X-1", kind="sticker")
    with pytest.raises(ValidationError, match="Give a reason"):
        services.samples.remove_barcode(technician, one, "CLIN-42", "  ")
    changes = services.samples.remove_barcode(technician, one, "CLIN-42", "scanned from the neighbouring tube")
    assert changes.ids_of("sample") == frozenset({one})
    assert _barcodes(services, one) == (("0153464097", "tube"),)
    with pytest.raises(NotFoundError, match="is not a barcode of"):
        services.samples.remove_barcode(technician, one, "CLIN-42", "again")
    event = services.audit.history(technician, "sample", one)[-1]
    assert (event.action, event.before, event.reason) == (
        "sample.barcode_removed", {"barcode": "CLIN-42", "kind": "clinic"}, "scanned from the neighbouring tube")
    assert services.queries.sample_code_for_barcode("CLIN-42") is None
