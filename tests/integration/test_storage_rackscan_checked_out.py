"""A rack scan taken while a tube is checked out (at the bench) leaves the check-out alone; a checked-out tube the
scanner sees in the rack is checked in properly (issue 9 review). SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from biobank_desktop.core.db.models import Sample, SampleLocation, StorageCheckout
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage import Placement
from tests.support.storage_kit import Tree, build_tree


def _two_tubes_one_out(services: Services, technician: Actor, supervisor: Actor) -> tuple[Tree, list[str]]:
    """Two tubes in the SBS rack (A1, B1); B1's is checked out (at the bench)."""
    tree = build_tree(services, supervisor)
    codes = [services.samples.register(technician, NewSample("COLON", "PL1", participant=f"RS-{i}",
                                                             volume_ul=Decimal(300),
                                                             external_barcodes=(bc,))).value
             for i, bc in enumerate(["0000000001", "0000000002"])]
    services.storage.move_tubes(technician, [Placement(codes[0], tree.sbs, "A1"), Placement(codes[1], tree.sbs, "B1")])
    services.storage.check_out(technician, codes[1], "aliquoting")
    return tree, codes


def _state(services: Services, code: str) -> tuple[int, int, bool, int]:
    """(open check-out records, freeze–thaw count, checked out now, row*100+col of its position)."""
    with services.db.new_session(write=False) as s:
        sample = s.execute(sa.select(Sample).where(Sample.sample_code == code)).scalar_one()
        open_records = s.execute(sa.select(sa.func.count()).select_from(StorageCheckout)
                                 .where(StorageCheckout.sample_id == sample.id,
                                        StorageCheckout.back_at.is_(None))).scalar_one()
        loc = s.get_one(SampleLocation, sample.id)
        return open_records, sample.freeze_thaw_count, loc.checked_out_at is not None, loc.row * 100 + loc.col


def test_rack_scan_with_a_checked_out_tube_keeps_its_check_out(services: Services, technician: Actor,
                                                               supervisor: Actor) -> None:
    tree = build_tree(services, supervisor)
    codes = [services.samples.register(technician, NewSample("COLON", "PL1", participant=f"RS-{i}",
                                                             volume_ul=Decimal(300),
                                                             external_barcodes=(bc,))).value
             for i, bc in enumerate(["0000000001", "0000000002"])]
    services.storage.move_tubes(technician, [Placement(codes[0], tree.sbs, "A1"), Placement(codes[1], tree.sbs, "B1")])
    services.storage.check_out(technician, codes[1], "aliquoting")  # B1 is at the bench
    text = f"{tree.sbs},A1,0000000001\n{tree.sbs},B1,EMPTY\n"  # the scanner sees B1 empty, as it is
    review = services.storage.review_rackscan(text, "scan.csv")
    outcomes = {i.label: i.outcome.value for i in review.items}
    services.storage.accept_rackscan(technician, text, "scan.csv")
    problem: BiobankError | None = None
    try:
        info = services.storage.check_in(technician, codes[1]).value  # the tube comes back from the bench
    except BiobankError as exc:
        problem = exc
    with services.db.new_session(write=False) as s:
        open_records = s.execute(sa.select(sa.func.count()).select_from(StorageCheckout)
                                 .where(StorageCheckout.back_at.is_(None))).scalar_one()
    assert problem is None, (f"B1 was '{outcomes['B1']}' in the review; after accepting, check-in says: "
                             f"{problem.message if problem else ''} (open check-out records left: {open_records})")
    assert info.position == "B1"
    assert outcomes["B1"] == "checked_out" and review.counts["missing"] == 0
    assert info.freeze_thaw_count == 1 and open_records == 0  # the cycle is counted, the record closed


def test_a_checked_out_tube_seen_back_in_its_place_is_checked_in(services: Services, technician: Actor,
                                                                 supervisor: Actor) -> None:
    tree, codes = _two_tubes_one_out(services, technician, supervisor)
    text = f"{tree.sbs},A1,0000000001\n{tree.sbs},B1,0000000002\n"  # put back without checking in
    review = services.storage.review_rackscan(text, "scan.csv")
    assert {i.label: i.outcome.value for i in review.items}["B1"] == "checked_in"
    assert _state(services, codes[1]) == (1, 0, True, 201)
    services.storage.accept_rackscan(technician, text, "scan.csv")
    assert _state(services, codes[1]) == (0, 1, False, 201)  # closed, counted, in its place
    assert _state(services, codes[0]) == (0, 0, False, 101)


def test_a_checked_out_tube_seen_elsewhere_is_checked_in_then_moved(services: Services, technician: Actor,
                                                                    supervisor: Actor) -> None:
    tree, codes = _two_tubes_one_out(services, technician, supervisor)
    text = f"{tree.sbs},A1,0000000001\n{tree.sbs},B1,EMPTY\n{tree.sbs},C1,0000000002\n"
    review = services.storage.review_rackscan(text, "scan.csv")
    assert {i.label: i.outcome.value for i in review.items}["C1"] == "moved"
    services.storage.accept_rackscan(technician, text, "scan.csv")
    assert _state(services, codes[1]) == (0, 1, False, 301)


def test_a_tube_scanned_in_the_place_of_a_checked_out_one_is_refused(services: Services, technician: Actor,
                                                                     supervisor: Actor) -> None:
    tree, codes = _two_tubes_one_out(services, technician, supervisor)
    text = f"{tree.sbs},A1,EMPTY\n{tree.sbs},B1,0000000001\n"  # tube 1 put where tube 2 belongs
    with pytest.raises(BiobankError, match="checked out") as caught:
        services.storage.accept_rackscan(technician, text, "scan.csv")
    assert caught.value.hint and caught.value.hint.startswith("Nothing was changed")
    assert _state(services, codes[0]) == (0, 0, False, 101)
    assert _state(services, codes[1]) == (1, 0, True, 201)
