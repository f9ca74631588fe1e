"""Aliquoting one parent, and every refusal of issue 12's "Bad input and faults" (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from biobank_desktop.core.db.models import AliquotBatch, PrintJobItem, Sample
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.aliquoting import AliquotRequest, ChildLine
from tests.conftest import make_user
from tests.support.aliquot_kit import make_parent
from tests.support.storage_kit import build_tree


def counts(services: Services) -> tuple[int, int, int]:
    with services.db.new_session(write=False) as s:
        return (s.execute(select(func.count()).select_from(Sample)).scalar_one(),
                s.execute(select(func.count()).select_from(AliquotBatch)).scalar_one(),
                s.execute(select(func.count()).select_from(PrintJobItem)).scalar_one())


def volume_of(services: Services, code: str) -> Decimal | None:
    return services.aliquoting.parent_info(code).volume_ul


def test_six_aliquots_drawn_placed_labelled_and_the_parent_thawed_once(services: Services, supervisor: Actor,
                                                                       technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    parent = make_parent(services, technician, 1000, box=tree.box)
    done = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 6, "0,1 mL", dead_volume="50 µL",
                                                                         box=tree.box2)).value
    [outcome] = done.parents
    assert [c.sample_code for c in done.children] == [f"{parent}-A0{i}" for i in range(1, 7)]
    assert [c.position for c in done.children] == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert all(c.box_code == tree.box2 and c.volume_ul == Decimal(100) for c in done.children)
    assert (outcome.volume_before_ul, outcome.volume_after_ul, outcome.status_after) == (1000, 350, "available")
    assert outcome.freeze_thaw_count == 1  # checked out of −80 °C and back in
    info = services.aliquoting.parent_info(parent)
    assert info.volume_ul == Decimal("350.00") and info.children == 6
    child = services.aliquoting.parent_info(done.children[0].sample_code)
    # Elements 1–6 as the parent's, long-term storage derived from the cryotube in −80 °C (D).
    assert child.sprec_code == "PL1-PED-A-B-N-B-D" and child.freeze_thaw_count == 1 and child.lineage_kind == "aliquot"
    again = services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 1, "350 µL")).value
    assert again.children[0].sample_code == f"{parent}-A07"
    assert again.parents[0].status_after == "consumed" and volume_of(services, parent) == 0


def test_a_derivative_gets_the_d_letter_its_own_spin_and_the_container_of_its_tube(services: Services,
                                                                                  technician: Actor) -> None:
    blood = make_parent(services, technician, 9000, sample_type="BLD")
    t0 = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC)
    from biobank_desktop.core.services.aliquoting import DerivativeProcessing

    spin = DerivativeProcessing(centrifuged_at=t0, centrifugation_ended_at=t0 + dt.timedelta(minutes=15),
                                centrifugation="B", post_centrifugation_temp="RT",
                                frozen_at=t0 + dt.timedelta(minutes=59, seconds=59))
    done = services.aliquoting.aliquot(technician, AliquotRequest(
        blood, (ChildLine(2, "0.5 mL", "PL1"), ChildLine(1, "250 µL", "BUF")), processing=spin,
        consume_parent=True)).value
    assert [(c.sample_code[-4:], c.sample_type, c.lineage_kind) for c in done.children] == [
        ("-D01", "PL1", "derivative"), ("-D02", "PL1", "derivative"), ("-D03", "BUF", "derivative")]
    # collection 09:00 → spin 10:00 (RT): A; end 10:15 → frozen 10:59:59: B.
    assert done.children[0].sprec_code == "PL1-PED-A-B-N-B-X"
    assert done.parents[0].status_after == "consumed" and done.parents[0].volume_after_ul == Decimal(7750)


@pytest.mark.parametrize(("ended", "frozen", "code", "how"), [
    (dt.timedelta(hours=3, minutes=10), dt.timedelta(hours=3, minutes=40), "PL2-PED-A-B-D-B-X", "derived"),
    # the second spin's end not recorded: the row's one start is the first spin's (10:00); 10:00 → 12:05 spans
    # several ranges, so element 6 is unknown — the code and its explanation say the same
    (None, dt.timedelta(hours=3, minutes=5), "PL2-PED-A-B-D-X-X", "unknown"),
])
def test_the_sample_page_explains_a_second_spins_code(services: Services, technician: Actor,
                                                      ended: dt.timedelta | None, frozen: dt.timedelta, code: str,
                                                      how: str) -> None:
    """A PL2 child of PL1 (spun 10:00–10:15 B, collected 09:00): the sample page derives the code again from the
    child's row, and must find the code the child was given, element by element (nothing 'stale')."""
    from biobank_desktop.core.services.aliquoting import DerivativeProcessing
    from tests.support.aliquot_kit import T0

    plasma = make_parent(services, technician, 1000)
    spin = DerivativeProcessing(centrifuged_at=T0 + dt.timedelta(hours=3),
                                centrifugation_ended_at=T0 + ended if ended else None, centrifugation="D",
                                post_centrifugation_temp="RT", frozen_at=T0 + frozen)
    [child] = services.aliquoting.aliquot(technician, AliquotRequest.simple(
        plasma, 1, "200 µL", sample_type="PL2", processing=spin)).value.children
    assert child.sprec_code == code
    explained = services.queries.detail(child.sample_code).sprec_explanation
    assert explained is not None and explained.derived_code == code
    assert [e.how for e in explained.elements] == ["recorded", "recorded", "derived", "recorded", "recorded", how,
                                                   "unknown"]
    assert "end of centrifugation" in explained.elements[5].text


def test_a_processing_time_in_the_future_or_before_collection_writes_nothing(services: Services,
                                                                          technician: Actor) -> None:
    from biobank_desktop.core.services.aliquoting import DerivativeProcessing

    blood = make_parent(services, technician, 9000, sample_type="BLD")
    before = counts(services)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)
    for spin in (DerivativeProcessing(centrifuged_at=soon, centrifugation_ended_at=soon + dt.timedelta(minutes=10)),
                 DerivativeProcessing(centrifuged_at=dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))):  # 1 h early
        with pytest.raises(ValidationError, match="in the future|before the parent was collected"):
            services.aliquoting.aliquot(technician, AliquotRequest(blood, (ChildLine(2, "1 mL", "PL1"),),
                                                                   processing=spin))
    assert counts(services) == before and volume_of(services, blood) == Decimal(9000)


def test_mixed_units_are_converted_exactly(services: Services, technician: Actor) -> None:
    parent = make_parent(services, technician, "1001.01")
    done = services.aliquoting.aliquot(technician, AliquotRequest(
        parent, (ChildLine(1, "0,25 mL"), ChildLine(2, "125,5 µL"), ChildLine(1, 0.5)), default_unit="mL")).value
    assert [c.volume_ul for c in done.children] == [Decimal("250.00"), Decimal("125.50"), Decimal("125.50"),
                                                    Decimal("500.00")]
    assert volume_of(services, parent) == Decimal("0.01")


@pytest.mark.parametrize(("count", "volume", "words"), [
    (11, "100 µL", "Over-draw: 1 mL − 11 × PL1 100 µL = 100 µL short"),
    (2, "0 mL", "must be more than zero"),
    (2, "-10 µL", "must be more than zero"),
])
def test_over_draw_zero_and_negative_volumes_write_nothing(services: Services, technician: Actor, count: int,
                                                           volume: str, words: str) -> None:
    parent = make_parent(services, technician, 1000)
    before = counts(services)
    with pytest.raises(ValidationError) as caught:
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, count, volume))
    assert words in caught.value.message
    assert counts(services) == before and volume_of(services, parent) == 1000


def test_a_derivative_type_the_parent_does_not_allow_is_refused(services: Services, technician: Actor) -> None:
    parent = make_parent(services, technician, 1000, sample_type="SER")
    with pytest.raises(ValidationError) as caught:
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "100 µL", sample_type="BUF"))
    assert caught.value.message == "BUF cannot be made from a SER parent."
    assert volume_of(services, parent) == 1000


@pytest.mark.parametrize(("status", "words"), [
    ("consumed", "is consumed"), ("discarded", "is discarded"), ("voided", "is voided"),
    ("quarantined", "is in quarantine")])
def test_a_parent_in_a_state_that_forbids_it_is_refused_saying_which(services: Services, technician: Actor,
                                                                      status: str, words: str) -> None:
    parent = make_parent(services, technician, 1000)
    services.samples.change_status(technician, parent, status, "test")
    before = counts(services)
    with pytest.raises(ValidationError) as caught:
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "100 µL"))
    assert caught.value.message == f"{parent} {words}" + (" (used up)" if status == "consumed" else "") + (
        " (made by an aliquoting that was undone)" if status == "voided" else "") + ": it cannot be aliquoted."
    assert counts(services) == before
    assert services.aliquoting.parent_info(parent).refusal is not None


def test_a_participant_who_withdrew_consent_is_named(services: Services, technician: Actor) -> None:
    parent = make_parent(services, technician, 1000, participant="P-77")
    consent = services.participants.record_consent(technician, "COLON", "P-77", version="v2", scope="all",
                                                   signed_on=dt.date(2025, 1, 1)).value
    services.participants.withdraw_consent(technician, consent, dt.date(2026, 1, 5), "letter of 5 January")
    with pytest.raises(ValidationError) as caught:
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "100 µL"))
    assert caught.value.message == (f"{parent}: the participant's consent was withdrawn (P-77, on 2026-01-05): "
                                    "it cannot be aliquoted.")


def test_a_participant_whose_newest_consent_is_refused_is_not_aliquoted(services: Services,
                                                                        technician: Actor) -> None:
    """The house consent rule (reception's consent_verdict): anything but 'given' stops, 'refused' as well."""
    from biobank_desktop.core.db.models import Consent, Participant

    parent = make_parent(services, technician, 1000, participant="P-88")
    with services.db.new_session(write=True) as s:  # no service records a refusal: as an import would leave it
        person = s.execute(select(Participant).where(Participant.pseudonym == "P-88")).scalar_one()
        s.add(Consent(participant_id=person.id, version="v9", scope="all", status="refused",
                      signed_on=dt.date(2030, 1, 1)))
        s.commit()
    assert services.aliquoting.parent_info(parent).refusal == (f"{parent}: the participant's consent was refused "
                                                                "(P-88)")
    before = counts(services)
    with pytest.raises(ValidationError, match="consent was refused"):
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "100 µL"))
    assert counts(services) == before


def test_a_parent_checked_out_by_someone_else_is_refused_naming_them(services: Services, supervisor: Actor,
                                                                     technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    parent = make_parent(services, technician, 1000, box=tree.box)
    anna = make_user(services, "anna", Role.TECHNICIAN)
    services.storage.check_out(anna, parent, "analysis")
    with pytest.raises(ValidationError) as caught:
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 2, "100 µL"))
    assert f"{parent} is checked out by anna since" in caught.value.message
    done = services.aliquoting.aliquot(anna, AliquotRequest.simple(parent, 2, "100 µL")).value  # anna may
    assert done.parents[0].volume_after_ul == 800


def test_not_enough_free_positions_says_how_many_are_missing_and_writes_nothing(services: Services,
                                                                                supervisor: Actor,
                                                                                technician: Actor) -> None:
    tree = build_tree(services, supervisor)
    filler = make_parent(services, technician, 100000)
    services.aliquoting.aliquot(technician, AliquotRequest.simple(filler, 78, "10 µL", box=tree.box2))
    parent = make_parent(services, technician, 1000, participant="P-2")
    before = counts(services)
    with pytest.raises(BiobankError) as caught:
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 5, "100 µL", box=tree.box2))
    # 3 positions are free, but a parent's 5 children stay together in one box: 5 are missing.
    assert caught.value.message == ("Not enough free positions: 5 positions needed, 3 free: 2 more needed (a parent's "
                                    "children stay together in one box); no box for aliquot tubes ≤ 2 mL has free "
                                    "space for them: add one, or choose a box.")
    assert counts(services) == before and volume_of(services, parent) == 1000


def test_a_parent_changed_since_it_was_scanned_is_refused(services: Services, technician: Actor) -> None:
    parent = make_parent(services, technician, 1000)
    seen = services.aliquoting.parent_info(parent).version
    services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 1, "100 µL"))
    with pytest.raises(BiobankError) as caught:
        services.aliquoting.aliquot(technician, AliquotRequest.simple(parent, 1, "100 µL", expected_version=seen))
    assert "changed by someone else since you scanned it" in caught.value.message
    assert volume_of(services, parent) == 900


def test_the_preview_shows_the_sum_and_the_ids_without_writing(services: Services, technician: Actor) -> None:
    parent = make_parent(services, technician, 1000)
    before = counts(services)
    preview = services.aliquoting.check(AliquotRequest.simple(parent, 3, None, dead_volume="100 µL"))
    assert preview.plan.sum_text() == "1 mL − 3 × PL1 300 µL − 100 µL dead volume = 0 µL left"
    assert preview.child_codes == (f"{parent}-A01", f"{parent}-A02", f"{parent}-A03")
    assert counts(services) == before
