"""Volumes that add up for a quality manager: the lineage's initial = drawn by children + dead volume + other
recorded changes + left, exactly; a void's dialog says what the void gives back (dead volume included)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.aliquoting import AliquotRequest
from tests.support.aliquot_kit import make_parent


def test_lineage_volumes_add_up_with_the_dead_volume(services: Services, technician: Actor, db_url: str) -> None:
    parent = make_parent(services, technician, 9000)
    services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 11, "500 µL", dead_volume="0,4 mL"))
    voided = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 1, "100 µL",
                                                                           dead_volume="50 µL")).value
    services.aliquoting.void(technician, voided.batch_id, "wrong volume")  # a voided batch counts for nothing
    family = services.aliquoting.lineage(parent)
    assert (family.initial_ul, family.drawn_ul, family.dead_ul, family.left_ul, family.other_ul) == (
        Decimal("9000.00"), Decimal("5500.00"), Decimal("400.00"), Decimal("3100.00"), Decimal("0.00"))
    assert family.drawn_ul + family.dead_ul + family.other_ul + family.left_ul == family.initial_ul
    engine = sa.create_engine(db_url)  # a change made outside aliquoting (a correction) is shown as such
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE samples SET volume_ul = 3000.25 WHERE sample_code = :c"), {"c": parent})
    finally:
        engine.dispose()
    family = services.aliquoting.lineage(parent)
    assert (family.left_ul, family.other_ul) == (Decimal("3000.25"), Decimal("99.75"))
    assert family.drawn_ul + family.dead_ul + family.other_ul + family.left_ul == family.initial_ul


def test_void_batch_items_carry_the_dead_volume_given_back(services: Services, technician: Actor) -> None:
    first = make_parent(services, technician, 9000)
    second = make_parent(services, technician, 3000, participant="P-2")
    done = services.aliquoting.aliquot(technician, AliquotRequest.simple(first, 3, "2,9 mL", dead_volume="100 µL"))
    batch = services.aliquoting.batch(done.value.batch_id)
    assert [i.dead_volume_ul for i in batch.items] == [Decimal("100.00"), Decimal(0), Decimal(0)]
    assert batch.returned == ((first, Decimal("8800.00")),)
    other = services.aliquoting.aliquot(technician, AliquotRequest.simple(second, 1, "2500 µL", dead_volume=200))
    said = services.aliquoting.batch(other.value.batch_id).returned
    services.aliquoting.void(technician, other.value.batch_id, "wrong parent scanned")
    services.aliquoting.void(technician, done.value.batch_id, "wrong parent scanned")
    assert said == ((second, Decimal("2700.00")),)
    assert services.aliquoting.parent_info(second).volume_ul == Decimal(300) + said[0][1]
    assert services.aliquoting.parent_info(first).volume_ul == Decimal(9000)
