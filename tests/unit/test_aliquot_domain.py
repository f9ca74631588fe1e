"""Aliquoting arithmetic, protocol text and the derivative rules (issue 12; issue 14 item 4), without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from biobank_desktop.core.domain.aliquot_plan import (
    PlanLine,
    ProtocolDefinition,
    parse_protocol_lines,
    plan_aliquots,
    plan_lines,
    protocol_from_json,
)
from biobank_desktop.core.domain.derivation import (
    DerivativeProcessing,
    ParentPreAnalytics,
    Step,
    allowed_children,
    check_child_type,
    check_processing_times,
    child_pre_analytics,
    parent_was_spun,
)
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.sprec import derive_fluid_sprec


def t(hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, minute, second)


def test_the_sum_available_minus_children_minus_dead_volume_is_what_is_left() -> None:
    plan = plan_aliquots(Decimal(1000), 6, "100 µL", dead_volume="50 µL")
    assert (plan.drawn_ul, plan.left_ul) == (Decimal(600), Decimal(350))
    assert plan.sum_text() == "1 mL − 6 × 100 µL − 50 µL dead volume = 350 µL left"


def test_mixed_units_and_a_decimal_comma_are_converted_exactly() -> None:
    plan = plan_aliquots(Decimal("1.5") * 1000, 3, "0,33 mL", dead_volume="0.01 mL")
    assert plan.lines[0].volume_ul == Decimal("330.00")
    assert plan.left_ul == Decimal("1500") - 3 * Decimal("330") - Decimal(10)
    assert plan_aliquots(Decimal(1000), 1, "0.001 mL").lines[0].volume_ul == Decimal("1.00")


def test_split_evenly_rounds_down_so_the_children_never_hold_more_than_was_there() -> None:
    plan = plan_aliquots(Decimal(1000), 3, None, dead_volume=Decimal(100))
    assert plan.split_evenly and plan.lines[0].volume_ul == Decimal("300.00")
    odd = plan_aliquots(Decimal(1000), 3)
    # what rounding leaves goes to the dead volume: the parent reaches exactly 0 (and is consumed)
    assert odd.lines[0].volume_ul == Decimal("333.33") and odd.left_ul == Decimal(0)
    assert odd.dead_volume_ul == Decimal("0.01") and odd.drawn_ul == Decimal("999.99")
    twelve = plan_aliquots(Decimal(700), 12, None, dead_volume=Decimal(100))
    assert (twelve.lines[0].volume_ul, twelve.dead_volume_ul, twelve.left_ul) == (Decimal("50.00"), Decimal("100.00"),
                                                                                  Decimal(0))
    seven = plan_aliquots(Decimal(9000), 7, None, dead_volume=Decimal(200))
    assert (seven.lines[0].volume_ul, seven.dead_volume_ul, seven.left_ul) == (Decimal("1257.14"), Decimal("200.02"),
                                                                               Decimal(0))


def test_a_child_below_one_microlitre_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="less than the 1 µL a child may hold") as caught:
        plan_aliquots(Decimal(1000), 12, "0,0001 mL")
    assert caught.value.hint == "Check the unit: µL or mL."
    with pytest.raises(ValidationError, match="less than the 1 µL a child may hold"):
        plan_aliquots(Decimal(5), 12)  # split evenly: 0.41 µL each
    assert plan_aliquots(Decimal(1000), 2, "1 µL").left_ul == Decimal(998)


@pytest.mark.parametrize(("count", "volume", "words"), [
    (7, "150 µL", "Over-draw: 1 mL − 7 × 150 µL = 50 µL short"),
    (1, "0 µL", "must be more than zero"),
    (1, "-5 µL", "must be more than zero"),
    (0, "10 µL", "make at least one"),
    (1, "abc", "is not a volume"),
])
def test_over_draws_and_bad_volumes_are_refused_with_the_sum(count: int, volume: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        plan_aliquots(Decimal(1000), count, volume)
    assert words in caught.value.message


def test_a_negative_dead_volume_and_a_parent_without_volume_are_refused() -> None:
    with pytest.raises(ValidationError, match="Dead volume"):
        plan_aliquots(Decimal(1000), 1, "10 µL", dead_volume="-1 µL")
    with pytest.raises(ValidationError, match="no recorded volume"):
        plan_aliquots(None, 1, "10 µL")


def test_a_dead_volume_given_as_a_decimal_is_checked_like_any_volume() -> None:
    """A protocol's dead volume reaches plan_lines as Decimal microlitres: negative is refused, 0.01 µL kept."""
    lines = [PlanLine(2, Decimal(100))]
    with pytest.raises(ValidationError, match="Dead volume"):
        plan_lines(Decimal(1000), lines, dead_volume=Decimal(-50))
    with pytest.raises(ValidationError, match="Dead volume.*0.01 µL"):
        plan_lines(Decimal(1000), lines, dead_volume=Decimal("0.001"))
    plan = plan_lines(Decimal(1000), lines, dead_volume=Decimal("10.004"))
    assert (plan.dead_volume_ul, plan.left_ul) == (Decimal("10.00"), Decimal("790.00"))
    assert plan_lines(Decimal(1000), lines, dead_volume=Decimal(0)).left_ul == Decimal(800)


def test_protocol_text_reads_decimal_commas_and_round_trips_through_json() -> None:
    lines = parse_protocol_lines("6xPL1:0.5mL, 2×BUF:0,25 mL; 1 x RBC : 1mL")
    assert [(x.count, x.sample_type, x.volume_ul) for x in lines] == [
        (6, "PL1", Decimal(500)), (2, "BUF", Decimal(250)), (1, "RBC", Decimal(1000))]
    definition = ProtocolDefinition(lines, "BLD", Decimal(100), consumes_parent=True, centrifugation="B")
    assert definition.text() == "6xPL1:500µL,2xBUF:250µL,1xRBC:1mL"
    assert protocol_from_json(definition.to_json()) == definition
    assert definition.needs_ul == Decimal(4600)
    assert "100 µL short" in str(definition.misfit("BLD", Decimal(4500)))
    assert definition.misfit("SER", Decimal(9000)) == "the protocol is for BLD tubes, this one is SER"
    assert definition.misfit("BLD", Decimal(9000)) is None
    with pytest.raises(ValidationError, match="Protocol line '6xPL1:0.5mL,two x BUF'"):
        parse_protocol_lines("6xPL1:0.5mL,two x BUF")
    with pytest.raises(ValidationError, match="is not a protocol"):
        parse_protocol_lines("plasma please")


def test_which_derivatives_a_parent_type_allows() -> None:
    assert allowed_children("bld")[0] == "BLD" and {"PL1", "SER", "BUF", "RBC", "DNA"} <= set(allowed_children("BLD"))
    assert allowed_children("RBC") == ("RBC",)
    check_child_type("PL1", "PL2")
    with pytest.raises(ValidationError) as caught:
        check_child_type("SER", "BUF")
    assert caught.value.message == "BUF cannot be made from a SER parent."
    assert caught.value.hint is not None and "DNA" in caught.value.hint


BLOOD = ParentPreAnalytics("BLD", "fluid", "BLD-PED-X-N-N-N-X", "3.0", "PED", t(9, 0), None, None, None, "RT", None,
                           None, None)
PLASMA = ParentPreAnalytics("PL1", "fluid", "PL1-PED-A-B-N-B-D", "3.0", "PED", t(9, 0), t(10, 0), t(10, 15),
                            t(11, 0), "RT", "B", "N", "RT")


def test_an_aliquot_of_a_frozen_parent_inherits_elements_1_to_6_and_waits_for_its_freezer() -> None:
    child = child_pre_analytics(PLASMA, "PL1")
    assert child.step is Step.ALIQUOT and child.sprec_code == "PL1-PED-A-B-N-B-X"
    assert [e.origin for e in child.elements] == ["inherited"] * 6 + ["unknown"]


def test_plasma_separated_from_blood_times_its_own_spin_from_its_end_to_the_second() -> None:
    spin = DerivativeProcessing(centrifuged_at=t(10, 0), centrifugation_ended_at=t(10, 15), centrifugation="B",
                                post_centrifugation_temp="RT", frozen_at=t(10, 59, 59))
    child = child_pre_analytics(BLOOD, "PL1", spin)
    assert child.step is Step.SEPARATION
    # 3: collection 09:00 → spin 10:00 = 60 min RT → A; 6: end 10:15 → frozen 10:59:59 = 44.98 min RT → B
    assert child.sprec_code == "PL1-PED-A-B-N-B-X"
    assert "from the end of centrifugation at 10:15:00 to freezing at 10:59:59" in child.elements[5].why
    assert (child.centrifuged_at, child.centrifugation_ended_at, child.frozen_at) == (t(10, 0), t(10, 15),
                                                                                     t(10, 59, 59))
    # One second later than an hour from the end of the spin: the next class (D, 1–2 h at RT).
    later = child_pre_analytics(BLOOD, "PL1", DerivativeProcessing(
        centrifuged_at=t(10, 0), centrifugation_ended_at=t(10, 15), centrifugation="B",
        post_centrifugation_temp="RT", frozen_at=t(11, 15, 0)))
    assert later.sprec_code.split("-")[5] == "D"


def test_a_second_spin_keeps_the_first_processing_and_gets_its_own_post_centrifugation_code() -> None:
    child = child_pre_analytics(PLASMA, "PL2", DerivativeProcessing(
        centrifuged_at=t(12, 0), centrifugation_ended_at=t(12, 15), centrifugation="D",
        post_centrifugation_temp="COLD", frozen_at=t(12, 44, 59)))
    assert child.step is Step.SECOND_SPIN
    assert child.sprec_code == "PL2-PED-A-B-D-A-X"  # 29.98 min at 2–10 °C → A
    assert [e.origin for e in child.elements[:5]] == ["derived", "inherited", "inherited", "inherited", "derived"]


def test_an_extract_is_other_in_sprec_element_1_and_gets_its_own_spin_codes() -> None:
    child = child_pre_analytics(PLASMA, "DNA", DerivativeProcessing(
        centrifuged_at=t(13, 0), centrifugation_ended_at=t(13, 10), centrifugation="I",
        post_centrifugation_temp="RT", frozen_at=t(16, 0)))
    assert child.step is Step.EXTRACTION and child.sample_type == "DNA"
    assert child.sprec_code == "ZZZ-PED-A-I-N-F-X"  # 2 h 50 min at RT → F
    unspun = child_pre_analytics(BLOOD, "DNA", DerivativeProcessing(centrifugation="N", extracted_at=t(10, 0),
                                                                    frozen_at=t(12, 0)))
    assert unspun.sprec_code == "ZZZ-PED-A-N-N-N-X"


def test_missing_times_give_x_and_times_in_the_wrong_order_are_refused() -> None:
    child = child_pre_analytics(BLOOD, "SER", DerivativeProcessing(centrifugation="B"))
    assert child.sprec_code == "SER-PED-X-B-N-X-X"
    assert child.elements[2].origin == "unknown" and "not known" in child.elements[2].why
    with pytest.raises(ValidationError, match="before"):
        child_pre_analytics(BLOOD, "PL1", DerivativeProcessing(centrifuged_at=t(10, 0),
                                                               centrifugation_ended_at=t(9, 59, 59)))
    with pytest.raises(ValidationError, match="cannot be made"):
        child_pre_analytics(PLASMA, "RBC")


def test_pl2_from_a_pl1_known_only_by_its_sprec_code_is_a_second_spin() -> None:
    """A PL1 whose processing is known only from its code (imported or overridden, no times, no centrifugation
    field) was spun: PL2 from it keeps its elements 3 and 4 (A, B) and its spin is element 5 — not a 'separation'
    re-timed from collection (C) with this spin as element 4 (D) and no second spin (N)."""
    parent = ParentPreAnalytics("PL1", "fluid", "PL1-PED-A-B-N-B-D", "3.0", "PED", t(9, 0), None, None, t(11, 0),
                                "RT", None, None, None)
    spin = DerivativeProcessing(centrifuged_at=t(12, 0), centrifugation_ended_at=t(12, 10), centrifugation="D",
                                post_centrifugation_temp="RT", frozen_at=t(12, 40))
    child = child_pre_analytics(parent, "PL2", spin)
    assert child.step is Step.SECOND_SPIN
    assert child.sprec_code == "PL2-PED-A-B-D-B-X"
    # the row says what the code says: first spin B (from the parent's code), second D
    assert (child.centrifugation, child.second_centrifugation) == ("B", "D")


@pytest.mark.parametrize(("sample_type", "code", "spun"), [
    ("PL1", None, True),  # a spun fraction by definition, even with nothing recorded
    ("SER", "SER-SST-X-X-N-X-X", True),
    ("BLD", "BLD-PED-A-B-N-B-D", True),  # blood whose code says it was centrifuged
    ("BLD", "BLD-PED-X-N-N-N-X", False),
    ("BLD", None, False),
    ("URN", "garbage", False),
])
def test_a_parent_is_spun_by_its_type_or_its_codes_element_4(sample_type: str, code: str | None,
                                                              spun: bool) -> None:
    parent = ParentPreAnalytics(sample_type, "fluid", code, "3.0", "PED", None, None, None, None, None, None, None,
                                None)
    assert parent_was_spun(parent) is spun


_SPIN = DerivativeProcessing(centrifuged_at=t(12, 0), centrifugation_ended_at=t(12, 15), centrifugation="D",
                             post_centrifugation_temp="RT", frozen_at=t(13, 10))
_SPIN_NO_END = DerivativeProcessing(centrifuged_at=t(12, 0), centrifugation="D", post_centrifugation_temp="RT",
                                    frozen_at=t(12, 50))
_FRESH_PLASMA = ParentPreAnalytics("PL1", "fluid", "PL1-PED-A-B-N-X-X", "3.0", "PED", t(9, 0), t(10, 0), None,
                                   None, "RT", "B", "N", "RT")


@pytest.mark.parametrize(("parent", "child_type", "processing"), [
    (PLASMA, "PL2", _SPIN), (PLASMA, "PL2", _SPIN_NO_END), (BLOOD, "PL1", _SPIN), (BLOOD, "SER", _SPIN_NO_END),
    (BLOOD, "DNA", _SPIN), (BLOOD, "DNA", _SPIN_NO_END), (PLASMA, "PL1", None),
    (_FRESH_PLASMA, "PL1", DerivativeProcessing(frozen_at=t(10, 40))),
])
def test_a_childs_stored_fields_give_back_its_code(parent: ParentPreAnalytics, child_type: str,
                                                  processing: DerivativeProcessing | None) -> None:
    """What the sample page does: derive the code again from the child's row. It must find the code the child
    was given — in particular after a second
    spin whose end was not recorded, where element 6 can only be what the row's one start (the first spin's)
    allows."""
    child = child_pre_analytics(parent, child_type, processing)
    again = derive_fluid_sprec(
        "3.0", sample_type=child.sprec_code[:3], primary_container=parent.primary_container,
        collected_at=parent.collected_at, centrifuged_at=child.centrifuged_at,
        centrifugation_ended_at=child.centrifugation_ended_at, pre_centrifugation_temp=child.pre_centrifugation_temp,  # type: ignore[arg-type]
        centrifugation=child.centrifugation, second_centrifugation=child.second_centrifugation,
        frozen_at=child.frozen_at, post_centrifugation_temp=child.post_centrifugation_temp,  # type: ignore[arg-type]
        long_term_storage=None)
    assert again == child.sprec_code


def test_a_second_spin_without_its_end_says_which_start_element_6_was_timed_from() -> None:
    child = child_pre_analytics(PLASMA, "PL2", DerivativeProcessing(centrifuged_at=t(12, 0), centrifugation="D",
                                                                    post_centrifugation_temp="RT", frozen_at=t(12, 5)))
    # first spin 10:00 → frozen 12:05: the end of the last spin lies anywhere in those 125 min: unknown
    assert child.sprec_code == "PL2-PED-A-B-D-X-X"
    assert child.elements[5].origin == "unknown" and "was not recorded" in child.elements[5].why
    assert (child.centrifuged_at, child.centrifugation_ended_at) == (t(10, 0), None)


def test_a_processing_time_in_the_future_or_before_collection_is_refused() -> None:
    now = dt.datetime.now(dt.UTC)
    fresh = ParentPreAnalytics("BLD", "fluid", None, "3.0", "PED", now - dt.timedelta(hours=8), None, None, None,
                               "RT", None, None, None)
    future = DerivativeProcessing(centrifuged_at=now + dt.timedelta(hours=5, minutes=42),
                                  centrifugation_ended_at=now + dt.timedelta(hours=5, minutes=52), centrifugation="B")
    with pytest.raises(ValidationError, match="in the future") as caught:
        child_pre_analytics(fresh, "PL1", future)
    assert caught.value.hint is not None and "Now" in caught.value.hint
    with pytest.raises(ValidationError, match="before the parent was collected"):
        check_processing_times(DerivativeProcessing(frozen_at=now - dt.timedelta(hours=9)), fresh.collected_at)
    # a time typed to the minute, the bench clock a minute ahead: accepted
    check_processing_times(DerivativeProcessing(centrifuged_at=now + dt.timedelta(minutes=1)), fresh.collected_at)
    assert child_pre_analytics(fresh, "PL1", DerivativeProcessing(
        centrifuged_at=now - dt.timedelta(hours=1), centrifugation_ended_at=now - dt.timedelta(minutes=50))).step \
        is Step.SEPARATION
