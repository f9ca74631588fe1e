"""Why a sample has its SPREC code: every element explained with the inputs it came from.

:func:`explain_sprec` takes the stored code, the recorded pre-analytical inputs (:class:`FluidInputs`,
:class:`SolidInputs`), what the tube's storage place gives (a :class:`~biobank_desktop.core.domain.cold_chain.
StorageCode`) and, for an overridden code, who overrode it and why (:class:`OverrideNote`). It derives the
code again from the inputs (with :func:`~biobank_desktop.core.domain.sprec.derive_fluid_sprec` or
``derive_solid_sprec``, so the explanation can never disagree with the derivation) and says, for each of
the seven elements, in one line:

* a timed element: the delay to the second and between which recorded moments, at which temperature —
  "45 min from the end of centrifugation at 10:15 to freezing at 11:00, room temperature (18–28 °C)"; a
  post-centrifugation delay timed from the start of centrifugation says so;
* X (unknown): which input is missing; Z (other): why no range covers the value; N: why not applicable;
* an element the stored code does not share with the derivation: overridden (who, when, why, and what the
  data give), or stored before the data changed;
* the ⚠ note of our table (an entry not checked against the ISBER document) beside the code it concerns.

Times are shown in ``tz`` (None: the workstation's zone); naive datetimes are taken as already local.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Literal

from biobank_desktop.core.domain.cold_chain import StorageCode
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.sprec import (
    Minutes,
    SampleKind,
    SprecElement,
    derive_fluid_sprec,
    derive_solid_sprec,
    load_sprec_tables,
)

How = Literal["derived", "recorded", "unknown", "other", "not_applicable", "overridden", "stale"]
_Reason = tuple[How, str]
WARNING_MARK = "⚠"
_TEMPERATURE_WORDS = {"RT": "room temperature (18–28 °C)", "COLD": "2–10 °C", "BODY": "body temperature (35–38 °C)"}


@dataclass(frozen=True)
class FluidInputs:
    """What was recorded of a fluid tube: the keyword arguments of ``derive_fluid_sprec``."""

    sample_type: str
    primary_container: str | None = None
    collected_at: dt.datetime | None = None
    centrifuged_at: dt.datetime | None = None
    centrifugation_ended_at: dt.datetime | None = None
    pre_centrifugation_temp: str | None = None
    centrifugation: str | None = None
    second_centrifugation: str | None = None
    frozen_at: dt.datetime | None = None
    post_centrifugation_temp: str | None = None
    long_term_storage: str | None = None


@dataclass(frozen=True)
class SolidInputs:
    """What was recorded of a solid-tissue sample: the keyword arguments of ``derive_solid_sprec``."""

    sample_type: str
    collection_type: str | None = None
    warm_ischemia_min: Minutes | str | None = None
    cold_ischemia_min: Minutes | str | None = None
    fixation: str | None = None
    fixation_time_min: Minutes | str | None = None
    long_term_storage: str | None = None


@dataclass(frozen=True)
class OverrideNote:
    """The audited override of a sample's code: who, when, why."""

    by: str
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class ElementExplanation:
    """One element of a code: its code and meaning, how it came about, and the ⚠ note that concerns it."""

    position: int
    name: str
    code: str
    meaning: str
    how: How
    text: str
    warning: str | None = None

    @property
    def line(self) -> str:
        """'Post-centrifugation delay B (< 1 h, RT (18–28 °C)): 45 min from … ⚠ …' — one line per element."""
        line = f"{self.name} {self.code} ({self.meaning}): {self.text}"
        return f"{line} {self.warning}" if self.warning else line


@dataclass(frozen=True)
class SprecExplanation:
    version: str
    kind: SampleKind
    code: str
    derived_code: str | None  # what the recorded inputs give now; None when they contradict each other
    problem: str | None  # why they give no code
    override: OverrideNote | None
    elements: tuple[ElementExplanation, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.warning for e in self.elements if e.warning))

    def lines(self) -> list[str]:
        return [e.line for e in self.elements]


def explain_sprec(version: str, code: str, inputs: FluidInputs | SolidInputs, *,
                  override: OverrideNote | None = None, storage: StorageCode | None = None,
                  tz: dt.tzinfo | None = None) -> SprecExplanation:
    """Explain every element of the stored ``code`` (see the module docstring).

    ``override`` is given only for a code marked overridden; ``storage`` is what the tube's current place
    derives (None when the tube is in no place with a known temperature). Raises ValidationError only when
    ``code`` itself is not a valid code of ``version`` for the kind of ``inputs``.
    """
    tables = load_sprec_tables(version)
    kind: SampleKind = "fluid" if isinstance(inputs, FluidInputs) else "solid"
    stored = tables.normalize(code, kind).split("-")
    arguments = {f.name: getattr(inputs, f.name) for f in fields(inputs)}
    derived: str | None
    problem: str | None = None
    try:
        if isinstance(inputs, FluidInputs):
            derived = derive_fluid_sprec(version, **arguments)
        else:
            derived = derive_solid_sprec(version, **arguments)
    except ValidationError as exc:
        derived, problem = None, exc.message
    words = _Words(tz)
    reasons: list[_Reason]
    if derived is None:
        reasons = [("recorded", "as stored; the recorded data give no code: " + (problem or ""))] * 7
        derived_parts = stored
    else:
        derived_parts = derived.split("-")
        if isinstance(inputs, FluidInputs):
            reasons = _fluid_reasons(tables.elements(kind), derived_parts, inputs, storage, words)
        else:
            reasons = _solid_reasons(tables.elements(kind), derived_parts, inputs, storage)
    elements: list[ElementExplanation] = []
    for element, part, want, reason in zip(tables.elements(kind), stored, derived_parts, reasons, strict=True):
        how, text = reason if part == want or derived is None else _differs(element, want, reason[1], override,
                                                                            words)
        entry = element.get(part)
        assert entry is not None  # normalize() checked it
        elements.append(ElementExplanation(element.position, element.name, part, entry.meaning, how, text,
                                           _warning(element, part)))
    return SprecExplanation(tables.version, kind, "-".join(stored), derived, problem, override, tuple(elements))


# -- words -----------------------------------------------------------------------------------------------


class _Words:
    """Moments and durations as the explanation writes them, in one time zone."""

    def __init__(self, tz: dt.tzinfo | None) -> None:
        self.tz = tz

    def local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(self.tz) if self.tz is not None else moment.astimezone()

    def clock(self, moment: dt.datetime, other: dt.datetime | None = None) -> str:
        """'10:15' (or '10:15:30' when the seconds are not zero); with the date when ``other`` is another day."""
        local = self.local(moment)
        text = local.strftime("%H:%M:%S" if local.second else "%H:%M")
        if other is not None and self.local(other).date() != local.date():
            text = f"{local.date().isoformat()} {text}"
        return text

    def stamp(self, moment: dt.datetime) -> str:
        return self.local(moment).strftime("%Y-%m-%d %H:%M")


def duration(seconds: float) -> str:
    """'45 min', '1 h 30 min', '59 min 59 s', '2 h' — to the second."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 min"


def _temperature(value: str | None) -> str:
    return _TEMPERATURE_WORDS.get(value or "", value or "")


def _missing(names: list[str]) -> str:
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"the {listed} {'was' if len(names) == 1 else 'were'} not recorded"


def _warning(element: SprecElement, code: str) -> str | None:
    """The ⚠ notes that concern ``code`` of ``element``: the code's own, and the element's for a timed code."""
    entry = element.get(code)
    notes = [entry.note if entry is not None else None]
    if entry is not None and entry.is_timed:
        notes.append(element.note)
    found = [n for n in notes if n and n.startswith(WARNING_MARK)]
    return " ".join(found) or None


def _differs(element: SprecElement, want: str, why: str, override: OverrideNote | None,
             words: _Words) -> tuple[How, str]:
    gives = f"the recorded data give {want} ({why})"
    if override is not None:
        return "overridden", (f"overridden by {override.by} on {words.stamp(override.at)} "
                              f"(reason: {override.reason}); {gives}")
    return "stale", f"as stored, not derived: {gives}"


# -- fluid -----------------------------------------------------------------------------------------------


def _fluid_reasons(elements: tuple[SprecElement, ...], parts: list[str], given: FluidInputs,
                   storage: StorageCode | None, words: _Words) -> list[_Reason]:
    pre_el, first_el, second_el, post_el = elements[2], elements[3], elements[4], elements[5]
    spun = parts[3] != first_el.not_applicable_code
    not_spun = "the sample was not centrifuged (no centrifugation time or settings recorded)"
    if spun:
        pre = _timed(pre_el, parts[2], words, start=("collection", given.collected_at),
                     end=("the start of centrifugation", given.centrifuged_at),
                     temperature=given.pre_centrifugation_temp,
                     names=("collection time", "centrifugation start time",
                            "holding temperature before centrifugation"))
        if parts[3] == first_el.unknown_code and given.centrifugation is None:
            first: _Reason = ("unknown", "the sample was centrifuged, but the centrifuge settings were not recorded")
        else:
            first = ("recorded", "as recorded")
        if given.second_centrifugation is None:
            second: _Reason = ("not_applicable", "no second centrifugation was recorded")
        else:
            second = _recorded(second_el, parts[4])
        post = _post(post_el, parts[5], given, words)
    else:
        pre = _timed(pre_el, parts[2], words, start=("collection", given.collected_at),
                     end=("freezing", given.frozen_at), temperature=given.pre_centrifugation_temp,
                     names=("collection time", "freezing time", "holding temperature"),
                     note="not centrifuged, so the delay runs to freezing")
        first = second = post = ("not_applicable", not_spun)
    container: _Reason = (("unknown", "the primary container was not recorded")
                          if given.primary_container in (None, "", "XXX") else ("recorded", "as recorded"))
    return [("recorded", "as recorded"), container, pre, first, second, post,
            _storage(elements[6], parts[6], given.long_term_storage, storage)]


def _post(element: SprecElement, code: str, given: FluidInputs, words: _Words) -> _Reason:
    names = ("end of centrifugation time", "freezing time", "holding temperature after centrifugation")
    freezing, temperature = ("freezing", given.frozen_at), given.post_centrifugation_temp
    if given.centrifugation_ended_at is not None:
        return _timed(element, code, words, start=("the end of centrifugation", given.centrifugation_ended_at),
                      end=freezing, temperature=temperature, names=names)
    if given.centrifuged_at is None:
        return _timed(element, code, words, start=("centrifugation", None), end=freezing, temperature=temperature,
                      names=("centrifugation time (start or end)", names[1], names[2]))
    if given.frozen_at is None or temperature is None:
        return _timed(element, code, words, start=("the start of centrifugation", given.centrifuged_at),
                      end=freezing, temperature=temperature, names=names)
    seconds = (given.frozen_at - given.centrifuged_at).total_seconds()
    span = (f"the end of centrifugation was not recorded; from its START at "
            f"{words.clock(given.centrifuged_at, given.frozen_at)} to freezing at "
            f"{words.clock(given.frozen_at, given.centrifuged_at)} is {duration(seconds)}, "
            f"{_temperature(temperature)}")
    if code == element.unknown_code:
        return "unknown", (f"{span}, so the delay from the end lies between 0 and {duration(seconds)}, which spans "
                           "more than one SPREC range: record when centrifugation ended")
    return "derived", f"{span}, so the delay from the end was under {duration(seconds)}, within one range"


def _timed(element: SprecElement, code: str, words: _Words, *, start: tuple[str, dt.datetime | None],
           end: tuple[str, dt.datetime | None], temperature: str | None, names: tuple[str, str, str],
           note: str | None = None) -> _Reason:
    (start_name, start_at), (end_name, end_at) = start, end
    if start_at is None or end_at is None or temperature is None:
        missing = [name for name, value in zip(names, (start_at, end_at, temperature), strict=True) if value is None]
        return "unknown", _missing(missing)
    seconds = (end_at - start_at).total_seconds()
    text = (f"{duration(seconds)} from {start_name} at {words.clock(start_at, end_at)} to {end_name} at "
            f"{words.clock(end_at, start_at)}, {_temperature(temperature)}")
    if note:
        text += f" — {note}"
    if code == element.other_code:
        return "other", f"{text}: {_beyond(element, temperature)}"
    return "derived", text


def _beyond(element: SprecElement, temperature: str | None) -> str:
    """Why a value is 'Z': no range covers it (at that temperature)."""
    ranges = [c for c in element.codes if c.is_timed and (c.temperature in (None, temperature))]
    at = f" at {_temperature(temperature)}" if element.has_temperature else ""
    if not ranges:
        return f"SPREC has no {element.name.lower()} range{at}"
    ends = [c.max_minutes for c in ranges]
    if None in ends:  # pragma: no cover - an open range covers every longer value
        return "no range covers it"
    return f"out of every range: SPREC's ranges{at} end at {duration(60 * max(e for e in ends if e))}"


def _recorded(element: SprecElement, code: str) -> _Reason:
    if code == element.unknown_code:
        return "unknown", "recorded as unknown"
    if code == element.not_applicable_code:
        return "not_applicable", "recorded as not applicable"
    if code == element.other_code:
        return "other", "recorded as other"
    return "recorded", "as recorded"


def _storage(element: SprecElement, code: str, recorded: str | None, storage: StorageCode | None) -> _Reason:
    if storage is not None and storage.code == code:
        how: How = "other" if code == element.other_code else "derived"
        return how, f"from where the tube is stored: {storage.reason}"
    if recorded is None:
        return "unknown", "no long-term storage was recorded and the tube is in no freezer with a known temperature"
    return _recorded(element, code)


# -- solid tissue ----------------------------------------------------------------------------------------


def _solid_reasons(elements: tuple[SprecElement, ...], parts: list[str], given: SolidInputs,
                   storage: StorageCode | None) -> list[_Reason]:
    # solid times are recorded as minutes, not moments: no clock to show
    fixation: _Reason = (("unknown", "the fixation was not recorded") if given.fixation is None
                         else _recorded(elements[4], parts[4]))
    return [
        ("recorded", "as recorded"),
        ("recorded", "as recorded"),
        _minutes(elements[2], parts[2], given.warm_ischemia_min, "warm ischaemia (clamping to excision)"),
        _minutes(elements[3], parts[3], given.cold_ischemia_min,
                 "cold ischaemia (excision to fixation or snap freezing)"),
        fixation,
        _minutes(elements[5], parts[5], given.fixation_time_min, "fixation"),
        _storage(elements[6], parts[6], given.long_term_storage, storage),
    ]


def _minutes(element: SprecElement, code: str, value: Minutes | str | None, what: str) -> _Reason:
    if value is None:
        return "unknown", f"the {what} time was not recorded"
    if isinstance(value, str):
        if code == element.not_applicable_code:
            return "not_applicable", f"recorded as not applicable (no {what.split(' (', maxsplit=1)[0]})"
        return _recorded(element, code)
    text = f"{duration(float(value) * 60)} of {what}"
    if code == element.other_code:
        return "other", f"{text}: {_beyond(element, None)}"
    return "derived", text
