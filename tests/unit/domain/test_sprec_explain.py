"""Every element of a SPREC code explained with its inputs, to the second (issue 14)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import fields, replace

import pytest

from biobank_desktop.core.domain.cold_chain import StorageCode
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.sprec import derive_fluid_sprec, derive_solid_sprec
from biobank_desktop.core.domain.sprec_explain import (
    FluidInputs,
    OverrideNote,
    SolidInputs,
    SprecExplanation,
    duration,
    explain_sprec,
)

UTC = dt.UTC


def at(hour: int, minute: int, second: int = 0, day: int = 4) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


SPUN = FluidInputs("SER", "SST", collected_at=at(9, 0), centrifuged_at=at(10, 0), centrifugation_ended_at=at(10, 15),
                   pre_centrifugation_temp="RT", centrifugation="B", frozen_at=at(11, 0),
                   post_centrifugation_temp="RT")


def derived(inputs: FluidInputs | SolidInputs) -> str:
    arguments = {f.name: getattr(inputs, f.name) for f in fields(inputs)}
    if isinstance(inputs, FluidInputs):
        return derive_fluid_sprec("3.0", **arguments)
    return derive_solid_sprec("3.0", **arguments)


def explain(inputs: FluidInputs | SolidInputs, **kwargs: object) -> SprecExplanation:
    code = kwargs.pop("code", None) or derived(inputs)
    return explain_sprec("3.0", str(code), inputs, tz=UTC, **kwargs)  # type: ignore[arg-type]


def line(explanation: SprecExplanation, position: int) -> str:
    return explanation.elements[position - 1].line


def test_post_centrifugation_delay_from_the_end_of_the_spin() -> None:
    e = explain(SPUN)
    assert e.code == e.derived_code == "SER-SST-A-B-N-B-X"
    assert line(e, 6) == ("Post-centrifugation delay B (< 1 h, RT (18–28 °C)): 45 min from the end of centrifugation "
                          "at 10:15 to freezing at 11:00, room temperature (18–28 °C)")
    assert line(e, 3).endswith("1 h from collection at 09:00 to the start of centrifugation at 10:00, "
                               "room temperature (18–28 °C)")
    assert [x.how for x in e.elements] == ["recorded", "recorded", "derived", "recorded", "not_applicable",
                                           "derived", "unknown"]


def test_only_the_start_of_centrifugation_known_says_so() -> None:
    e = explain(replace(SPUN, centrifugation_ended_at=None))
    assert e.elements[5].code == "B"  # 1 h from the START: the delay from the end was under 1 h whatever the spin
    assert e.elements[5].text == ("the end of centrifugation was not recorded; from its START at 10:00 to freezing "
                                  "at 11:00 is 1 h, room temperature (18–28 °C), so the delay from the end was "
                                  "under 1 h, within one range")
    later = explain(replace(SPUN, centrifugation_ended_at=None, frozen_at=at(11, 0, 1)))
    assert (later.elements[5].code, later.elements[5].how) == ("X", "unknown")  # under 1 h or over: not known
    assert later.elements[5].text.endswith("lies between 0 and 1 h 1 s, which spans more than one SPREC "
                                           "range: record when centrifugation ended")


def test_times_to_the_second_and_across_midnight() -> None:
    e = explain(replace(SPUN, centrifugation_ended_at=at(10, 0, 1), frozen_at=at(11, 0, 0)))
    assert e.elements[5].code == "B"  # 59 min 59 s is still below one hour
    assert "59 min 59 s from the end of centrifugation at 10:00:01 to freezing at 11:00" in e.elements[5].text
    late = explain(replace(SPUN, collected_at=at(22, 30, day=3)))
    assert late.elements[2].code == "G"  # RT, 8–12 h
    assert "11 h 30 min from collection at 2026-03-03 22:30 to the start of centrifugation at 2026-03-04 10:00" \
        in late.elements[2].text


@pytest.mark.parametrize(("seconds", "text"), [(0, "0 min"), (45 * 60, "45 min"), (3600, "1 h"),
                                               (3599, "59 min 59 s"), (5430, "1 h 30 min 30 s")])
def test_durations(seconds: int, text: str) -> None:
    assert duration(seconds) == text


def test_unknown_elements_name_the_missing_inputs() -> None:
    e = explain(replace(SPUN, collected_at=None, post_centrifugation_temp=None, centrifugation=None,
                        primary_container="XXX"))
    assert e.code == "SER-XXX-X-X-N-X-X"
    assert e.elements[1].text == "the primary container was not recorded"
    assert e.elements[2].text == "the collection time was not recorded"
    assert e.elements[3].text == "the sample was centrifuged, but the centrifuge settings were not recorded"
    assert e.elements[5].text == "the holding temperature after centrifugation was not recorded"
    nothing = explain(FluidInputs("SER", "SST", centrifugation="B"))
    assert nothing.elements[2].text == ("the collection time, centrifugation start time and holding temperature "
                                        "before centrifugation were not recorded")
    assert nothing.elements[5].text.startswith("the centrifugation time (start or end), freezing time and")


def test_other_says_which_range_is_exceeded_at_which_temperature() -> None:
    e = explain(replace(SPUN, pre_centrifugation_temp="BODY", collected_at=at(8, 0)))
    assert e.elements[2].code == "Z" and e.elements[2].how == "other"
    assert e.elements[2].text == ("2 h from collection at 08:00 to the start of centrifugation at 10:00, body "
                                  "temperature (35–38 °C): out of every range: SPREC's ranges at body temperature "
                                  "(35–38 °C) end at 2 h")
    within = explain(replace(SPUN, pre_centrifugation_temp="BODY", collected_at=at(8, 0, 1)))
    assert within.elements[2].code == "O"  # 1 h 59 min 59 s at body temperature


def test_not_centrifuged_sample() -> None:
    e = explain(FluidInputs("URN", "PPS", collected_at=at(9, 0), frozen_at=at(21, 0, 5),
                            pre_centrifugation_temp="COLD"))
    assert e.code == "URN-PPS-J-N-N-N-X"
    assert e.elements[2].text == ("12 h 5 s from collection at 09:00 to freezing at 21:00:05, 2–10 °C — not "
                                  "centrifuged, so the delay runs to freezing")
    for element in e.elements[3:6]:
        assert element.how == "not_applicable"
        assert element.text.startswith("the sample was not centrifuged")


def test_storage_explained_from_the_place_and_override_with_its_author() -> None:
    placed = replace(SPUN, long_term_storage="D")
    where = StorageCode("D", "cryotube 1–2 mL at −80 °C (−85 to −60 °C)")
    e = explain(placed, storage=where)
    assert e.elements[6].how == "derived"
    assert e.elements[6].text == "from where the tube is stored: cryotube 1–2 mL at −80 °C (−85 to −60 °C)"
    note = OverrideNote("sam", at(12, 5), "programmable freezing")
    overridden = explain(placed, storage=where, override=note, code="SER-SST-A-B-N-B-E")
    storage = overridden.elements[6]
    assert (storage.code, storage.how) == ("E", "overridden")
    assert storage.text.startswith("overridden by sam on 2026-03-04 12:05 (reason: programmable freezing); "
                                   "the recorded data give D (from where the tube is stored")
    assert [x.how for x in overridden.elements[:6]] == [x.how for x in e.elements[:6]]  # agreeing parts: derived
    stale = explain(placed, code="SER-SST-A-B-N-D-D")
    assert stale.elements[5].how == "stale" and "the recorded data give B" in stale.elements[5].text


def test_warnings_shown_wherever_the_code_is_explained() -> None:
    e = explain(FluidInputs("PLP", "LHB", long_term_storage="U"))
    assert [x.warning is not None for x in e.elements] == [True, True, False, False, False, False, True]
    assert all(w.startswith("⚠") for w in e.warnings)
    assert "⚠ Found in one implementation only" in e.lines()[6]
    tissue = SolidInputs("TIS", "ASN", warm_ischemia_min=15, cold_ischemia_min=45.5, fixation="NBF",
                         fixation_time_min=80 * 60, long_term_storage="P")
    t = explain(tissue)
    assert t.code == "TIS-FNA-C-E-NBF-Z-P"
    assert t.elements[1].warning is not None and "ASN" in t.elements[1].warning
    assert t.elements[3].text == "45 min 30 s of cold ischaemia (excision to fixation or snap freezing)"
    assert t.elements[3].warning is not None and "SPREC 2.0 ranges" in t.elements[3].warning
    assert t.elements[5].text == "80 h of fixation: out of every range: SPREC's ranges end at 72 h"
    not_timed = explain(replace(tissue, cold_ischemia_min="N"))
    assert not_timed.elements[3].warning is None  # the ranges' warning concerns only a timed code
    assert not_timed.elements[3].text == "recorded as not applicable (no cold ischaemia)"
    assert explain(replace(tissue, warm_ischemia_min=None)).elements[2].text == (
        "the warm ischaemia (clamping to excision) time was not recorded")


def test_the_explanation_names_the_code_the_derivation_gives() -> None:
    """Over a grid of inputs the explained codes are the derived ones, and every line says something."""
    moments = [None, at(9, 0), at(7, 59, 59)]
    for collected, ended, frozen, temp in itertools.product(moments, [None, at(10, 15)], [None, at(11, 0)],
                                                            [None, "RT", "COLD", "BODY"]):
        inputs = replace(SPUN, collected_at=collected, centrifugation_ended_at=ended, frozen_at=frozen,
                         pre_centrifugation_temp=temp, post_centrifugation_temp=temp if temp != "BODY" else "RT")
        e = explain(inputs)
        assert "-".join(x.code for x in e.elements) == derived(inputs)
        assert all(x.how in ("derived", "recorded", "unknown", "other", "not_applicable") for x in e.elements)
        assert all(x.text for x in e.elements)


def test_contradicting_inputs_still_explain_the_stored_code() -> None:
    bad = replace(SPUN, frozen_at=at(9, 30))  # frozen before the end of centrifugation
    e = explain_sprec("3.0", "SER-SST-A-B-N-B-X", bad, tz=UTC)
    assert e.derived_code is None and e.problem is not None and "freezing" in e.problem
    assert all("give no code" in x.text for x in e.elements)
    with pytest.raises(ValidationError):
        explain_sprec("3.0", "SER-SST", SPUN)
