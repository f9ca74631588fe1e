"""SPREC (Standard PREanalytical Code): versioned code tables, validation, and derivation from raw facts.

The code tables are reference data in ``resources/reference/sprec/v<N>.json``: one file per SPREC
version, with every code's meaning, a ``note`` where the source could not be checked (⚠), and for
the time-based elements the range in minutes (lower bound inclusive, upper bound exclusive, as in
SPRECLib) and the holding-temperature class used to derive the code. A corrected or newer table
(SPREC 4.0) is a new data file plus an entry in :data:`_FILES`, not a code change.

A SPREC code is seven elements joined by '-':

* fluid: ``TYPE-CONTAINER-PRECENTRIFUGATION-CENTRIFUGATION-2ND_CENTRIFUGATION-POSTCENTRIFUGATION-STORAGE``
  (widths 3-3-1-1-1-1-1), e.g. ``SER-SST-A-D-N-A-D``;
* solid tissue: ``TYPE-COLLECTION-WARM_ISCHEMIA-COLD_ISCHEMIA-FIXATION-FIXATION_TIME-STORAGE``
  (widths 3-3-1-1-3-1-1), e.g. ``TIS-SRG-B-E-NBF-F-P``.

Temperature classes: ``'RT'`` (18–28 °C), ``'COLD'`` (2–10 °C), ``'BODY'`` (35–38 °C, pre-centrifugation
code O only).

Aliases: an element may list codes that other published lists use for one of its own codes
(``"aliases": {"ASN": "FNA"}``: SPRECLib writes fine-needle aspirate as ASN, the SPREC tables we ship
as FNA). An alias is accepted wherever a code is read (derivation, validation, :meth:`SprecTables.normalize`)
and the table's own code is what is stored, so one sample never carries two spellings of one fact.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.resources import resource_path

SampleKind = Literal["fluid", "solid"]
TemperatureClass = Literal["RT", "COLD", "BODY"]
Minutes = int | float | Decimal

#: Installed SPREC versions and their data files.
_FILES: dict[str, str] = {"2.0": "v2.json", "3.0": "v3.json"}
SPREC_VERSIONS: tuple[str, ...] = tuple(_FILES)
DEFAULT_SPREC_VERSION = "3.0"

_TEMPERATURES: tuple[str, ...] = ("RT", "COLD", "BODY")
_KINDS: tuple[str, ...] = ("fluid", "solid")
# Element 5 is one character for fluids and three for solid tissue: that tells the two apart.
_KIND_WIDTH_OF_ELEMENT_5 = {1: "fluid", 3: "solid"}


@dataclass(frozen=True)
class SprecCode:
    """One code of one element: 'A' = 'RT (18–28 °C), < 2 h', with its derivation range if it has one."""

    code: str
    meaning: str
    note: str | None = None
    temperature: str | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None  # None: open-ended

    @property
    def is_timed(self) -> bool:
        return self.min_minutes is not None

    def covers(self, minutes: float, temperature: str | None) -> bool:
        """True when a delay of ``minutes`` held at ``temperature`` falls in this code's range."""
        if self.min_minutes is None:
            return False
        if self.temperature is not None and self.temperature != temperature:
            return False
        return self.min_minutes <= minutes and (self.max_minutes is None or minutes < self.max_minutes)


@dataclass(frozen=True)
class SprecElement:
    """One of the seven elements of a fluid or solid code."""

    position: int  # 1..7
    key: str
    name: str
    width: int
    codes: tuple[SprecCode, ...]
    unknown_code: str | None
    other_code: str | None
    not_applicable_code: str | None
    derivation: str | None = None
    note: str | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # (alias, this table's code)

    def get(self, code: str) -> SprecCode | None:
        """The entry for ``code``, or None when the element has no such code."""
        for entry in self.codes:
            if entry.code == code:
                return entry
        return None

    def canonical(self, code: str) -> str:
        """``code`` as this table writes it: an alias ('ASN') becomes the table's code ('FNA')."""
        return dict(self.aliases).get(code, code)

    def options(self) -> list[tuple[str, str]]:
        """(code, meaning) pairs in table order, for a drop-down."""
        return [(entry.code, entry.meaning) for entry in self.codes]

    @property
    def has_temperature(self) -> bool:
        return any(entry.temperature is not None for entry in self.codes)

    def code_for(self, minutes: float, temperature: str | None = None) -> str:
        """The code whose range holds ``minutes`` (at ``temperature`` for elements that need one).

        A delay or temperature no range covers (35–38 °C for more than 2 h, fixation over 72 h)
        gives the element's "other" code.
        """
        for entry in self.codes:
            if entry.covers(minutes, temperature):
                return entry.code
        if self.other_code is None:  # pragma: no cover - every timed element has an "other" code
            raise ValidationError(f"No {self.name} code covers {minutes:g} minutes.")
        return self.other_code


@dataclass(frozen=True)
class SprecTables:
    """The code tables of one SPREC version. Get one with :func:`load_sprec_tables`."""

    version: str
    title: str
    note: str | None
    fluid: tuple[SprecElement, ...]
    solid: tuple[SprecElement, ...]

    def elements(self, kind: SampleKind) -> tuple[SprecElement, ...]:
        if kind == "fluid":
            return self.fluid
        if kind == "solid":
            return self.solid
        raise ValidationError(f"Unknown kind of sample '{kind}': use 'fluid' or 'solid'.")

    def element(self, kind: SampleKind, key: str) -> SprecElement:
        """The element called ``key`` ('sample_type', 'pre_centrifugation', …) of a fluid or solid code."""
        for element in self.elements(kind):
            if element.key == key:
                return element
        raise KeyError(f"SPREC {self.version} has no {kind} element {key!r}")

    def validate(self, code: str, kind: SampleKind) -> None:
        """Raise ValidationError naming the element, unless ``code`` is a valid ``kind`` code of this version.

        Surrounding spaces and lower case are tolerated; store ``code.strip().upper()``.
        """
        self._split(code, kind)

    def normalize(self, code: str, kind: SampleKind) -> str:
        """``code`` validated and written as it is stored: stripped, upper case, aliases replaced
        ('TIS-ASN-…' → 'TIS-FNA-…'). Raises ValidationError like :meth:`validate`."""
        return "-".join(self._split(code, kind))

    def describe(self, code: str, kind: SampleKind | None = None) -> list[tuple[str, str, str]]:
        """(element name, code, meaning) for each of the seven elements; validates first.

        Without ``kind`` the kind is told from the code's shape (element 5 is 1 character for fluids,
        3 for solid tissue).
        """
        chosen = kind if kind is not None else self.kind_of(code)
        parts = self._split(code, chosen)
        described: list[tuple[str, str, str]] = []
        for element, part in zip(self.elements(chosen), parts, strict=True):
            entry = element.get(part)
            assert entry is not None  # _split checked it
            described.append((element.name, part, entry.meaning))
        return described

    def kind_of(self, code: str) -> SampleKind:
        """'fluid' or 'solid', from the code's shape. Raises ValidationError when it is neither."""
        parts = code.strip().upper().split("-")
        if len(parts) == 7:
            kind = _KIND_WIDTH_OF_ELEMENT_5.get(len(parts[4]))
            if kind == "fluid":
                return "fluid"
            if kind == "solid":
                return "solid"
        raise ValidationError(f"'{code.strip()}' is not a SPREC code.", hint=_SHAPE_HINT)

    def _split(self, code: str, kind: SampleKind) -> list[str]:
        elements = self.elements(kind)
        cleaned = code.strip().upper() if isinstance(code, str) else ""
        parts = cleaned.split("-")
        if len(parts) != len(elements):
            raise ValidationError(
                f"SPREC code '{cleaned}' has {len(parts)} part{'s' if len(parts) != 1 else ''}; "
                f"a SPREC code has {len(elements)}.",
                hint=_SHAPE_HINT,
            )
        shape_kind = _KIND_WIDTH_OF_ELEMENT_5.get(len(parts[4]))
        if shape_kind is not None and shape_kind != kind:
            raise ValidationError(
                f"SPREC code '{cleaned}' looks like a {_KIND_WORDS[shape_kind]} code, "
                f"but the sample is {_KIND_WORDS[kind]}.",
                hint="Check the sample's material, or correct the code.",
            )
        parts = [element.canonical(part) for element, part in zip(elements, parts, strict=True)]
        for element, part in zip(elements, parts, strict=True):
            if element.get(part) is None:
                raise ValidationError(
                    f"SPREC code '{cleaned}': element {element.position} ({element.name}) '{part}' is not a "
                    f"{_KIND_WORDS[kind]} code of SPREC {self.version}.",
                    hint=f"Use one of {', '.join(entry.code for entry in element.codes)}.",
                )
        return parts


_KIND_WORDS = {"fluid": "fluid", "solid": "solid tissue"}
_SHAPE_HINT = (
    "A SPREC code is seven parts joined by '-', "
    "e.g. SER-SST-A-D-N-A-D (fluid) or TIS-SRG-B-E-NBF-F-P (solid tissue)."
)


# -- loading --------------------------------------------------------------------------------------------


def normalize_sprec_version(version: str) -> str:
    """'3', 'v3', 'V3.0', '3.0' → '3.0'. Raises ValidationError for a version that is not installed."""
    text = str(version).strip().lower().removeprefix("v")
    if text.isdigit():
        text += ".0"
    if text not in _FILES:
        raise ValidationError(
            f"SPREC version '{version}' is not installed.",
            hint=f"Installed versions: {', '.join(SPREC_VERSIONS)}.",
        )
    return text


def load_sprec_tables(version: str = DEFAULT_SPREC_VERSION) -> SprecTables:
    """The code tables of ``version`` ('2.0', '3.0'; '3' and 'v3' work too), read once and cached."""
    return _load(normalize_sprec_version(version))


@functools.cache  # lru_cache without a size limit: two small tables
def _load(version: str) -> SprecTables:
    path = resource_path("reference", "sprec", _FILES[version])
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        tables = _tables_from(raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"SPREC table {path} is malformed: {exc}. The installation is damaged; reinstall."
        ) from exc
    if tables.version != version:
        raise ValueError(f"SPREC table {path} says version {tables.version}, expected {version}.")
    return tables


def _tables_from(raw: Any) -> SprecTables:
    if not isinstance(raw, dict) or raw.get("format") != 1:
        raise ValueError("unknown file format")
    return SprecTables(
        version=_text(raw, "version"),
        title=_text(raw, "title"),
        note=_optional_text(raw, "note"),
        fluid=_elements_from(raw["fluid"]),
        solid=_elements_from(raw["solid"]),
    )


def _elements_from(raw: Any) -> tuple[SprecElement, ...]:
    if not isinstance(raw, list) or len(raw) != 7:
        raise ValueError("a code needs exactly 7 elements")
    elements: list[SprecElement] = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"element {position} is not an object")
        width = item["width"]
        if not isinstance(width, int) or width not in (1, 3):
            raise ValueError(f"element {position} has width {width!r}")
        codes = tuple(_code_from(entry) for entry in item["codes"])
        seen = [entry.code for entry in codes]
        if len(set(seen)) != len(seen):
            raise ValueError(f"element {position} lists a code twice")
        if any(len(entry.code) != width for entry in codes):
            raise ValueError(f"element {position} has a code that is not {width} characters long")
        element = SprecElement(
            position=position,
            key=_text(item, "key"),
            name=_text(item, "name"),
            width=width,
            codes=codes,
            unknown_code=_optional_text(item, "unknown_code"),
            other_code=_optional_text(item, "other_code"),
            not_applicable_code=_optional_text(item, "not_applicable_code"),
            derivation=_optional_text(item, "derivation"),
            note=_optional_text(item, "note"),
            aliases=_aliases_from(item.get("aliases")),
        )
        for special in (element.unknown_code, element.other_code, element.not_applicable_code):
            if special is not None and element.get(special) is None:
                raise ValueError(f"element {position} names special code {special!r} but does not list it")
        for alias, target in element.aliases:
            if element.get(alias) is not None or element.get(target) is None:
                raise ValueError(f"element {position}: alias {alias!r} → {target!r} must name a listed code "
                                 "and not be one")
        elements.append(element)
    return tuple(elements)


def _aliases_from(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError("aliases must map codes to codes")
    return tuple(raw.items())


def _code_from(raw: Any) -> SprecCode:
    if not isinstance(raw, dict):
        raise ValueError(f"code entry {raw!r} is not an object")
    temperature = _optional_text(raw, "temperature")
    if temperature is not None and temperature not in _TEMPERATURES:
        raise ValueError(f"unknown temperature class {temperature!r}")
    low, high = raw.get("min_minutes"), raw.get("max_minutes")
    for bound in (low, high):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int) or bound < 0):
            raise ValueError(f"bad minutes bound {bound!r} for code {raw.get('code')!r}")
    if high is not None and (low is None or high <= low):
        raise ValueError(f"bad range for code {raw.get('code')!r}")
    return SprecCode(
        code=_text(raw, "code"),
        meaning=_text(raw, "meaning"),
        note=_optional_text(raw, "note"),
        temperature=temperature,
        min_minutes=low,
        max_minutes=high,
    )


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key!r} must be a non-empty string")
    return value


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value


# -- lists for the UI -------------------------------------------------------------------------------------


def fluid_sample_types(version: str = DEFAULT_SPREC_VERSION) -> list[tuple[str, str]]:
    """(code, meaning) of every fluid sample type of ``version``, in table order."""
    return load_sprec_tables(version).element("fluid", "sample_type").options()


def solid_sample_types(version: str = DEFAULT_SPREC_VERSION) -> list[tuple[str, str]]:
    """(code, meaning) of every solid-tissue sample type of ``version``, in table order."""
    return load_sprec_tables(version).element("solid", "sample_type").options()


def primary_containers(version: str = DEFAULT_SPREC_VERSION) -> list[tuple[str, str]]:
    """(code, meaning) of every primary container of ``version``, in table order."""
    return load_sprec_tables(version).element("fluid", "primary_container").options()


# -- derivation -------------------------------------------------------------------------------------------


class FluidPreAnalytics(Protocol):
    """What SPREC derivation reads of a fluid tube: the fields a registration (``NewSample``), the demo's
    processing record or an import row all carry, so none of them needs to know the others' types."""

    @property
    def sample_type(self) -> str: ...
    @property
    def primary_container(self) -> str: ...
    @property
    def collected_at(self) -> dt.datetime | None: ...
    @property
    def centrifuged_at(self) -> dt.datetime | None: ...
    @property
    def frozen_at(self) -> dt.datetime | None: ...
    @property
    def pre_centrifugation_temp(self) -> str | None: ...
    @property
    def centrifugation(self) -> str | None: ...
    @property
    def second_centrifugation(self) -> str | None: ...
    @property
    def post_centrifugation_temp(self) -> str | None: ...
    @property
    def long_term_storage(self) -> str | None: ...
    @property
    def centrifugation_ended_at(self) -> dt.datetime | None: ...


class SolidPreAnalytics(Protocol):
    """What solid-tissue SPREC derivation reads (a registration's ``NewSample``, a stored sample)."""

    @property
    def sample_type(self) -> str: ...
    @property
    def collection_type(self) -> str | None: ...
    @property
    def warm_ischemia(self) -> int | str | None: ...
    @property
    def cold_ischemia(self) -> int | str | None: ...
    @property
    def fixation(self) -> str | None: ...
    @property
    def fixation_time(self) -> int | str | None: ...
    @property
    def long_term_storage(self) -> str | None: ...


def derive_fluid_sprec(
    version: str,
    *,
    sample_type: str,
    primary_container: str | None,
    collected_at: dt.datetime | None,
    centrifuged_at: dt.datetime | None,
    pre_centrifugation_temp: TemperatureClass | None,
    centrifugation: str | None,
    second_centrifugation: str | None,
    frozen_at: dt.datetime | None,
    post_centrifugation_temp: TemperatureClass | None,
    long_term_storage: str | None,
    centrifugation_ended_at: dt.datetime | None = None,
) -> str:
    """The SPREC code of a fluid sample from what was recorded at reception and processing.

    ``centrifuged_at`` is when the first centrifugation started; ``centrifugation_ended_at``, when
    known, when the last one ended. Codes (``centrifugation``, …) are the table codes; the time
    elements are derived (lower bound inclusive, upper exclusive). Rules:

    * A sample is centrifuged when ``centrifuged_at`` is given or ``centrifugation`` is a code
      other than 'N'.
    * Centrifuged: element 3 = collection → start of centrifugation, held at
      ``pre_centrifugation_temp``; element 4 = ``centrifugation`` ('X' when not recorded);
      element 5 = ``second_centrifugation`` (None means none was done: 'N'; pass 'X' when it is
      not known); element 6 = end of centrifugation → freezing at ``post_centrifugation_temp``.
      Without ``centrifugation_ended_at`` element 6 is only what the start time allows
      (:func:`post_delay_from_start`): the first range when start → freezing stays within it, else
      'X' — never a class chosen from a delay that includes the spin itself.
    * Not centrifuged (urine, whole blood, …): SPREC has no "not applicable" pre-centrifugation
      code, and the element is defined as the delay between collection and *processing*, so
      element 3 = collection → freezing at ``pre_centrifugation_temp``; elements 4, 5 and 6 are 'N'.
    * Anything needed for an element that is missing (a time, a temperature) makes that element
      'X' (unknown). A delay that no range covers at that temperature (35–38 °C for 2 h or more)
      is 'Z' (other).
    * ``primary_container`` None → 'XXX'; ``long_term_storage`` None → 'X'.

    Raises ValidationError for an unknown code, times in the wrong order, or contradictions
    (a centrifugation time with centrifugation 'N', a second centrifugation without a first).
    """
    tables = load_sprec_tables(version)
    el = tables.fluid
    type_code = _given_code(el[0], sample_type)
    container_code = _given_code(el[1], primary_container)
    first = _optional_code(el[3], centrifugation)
    second = _optional_code(el[4], second_centrifugation)
    for label, temperature in (
        ("pre-centrifugation", pre_centrifugation_temp),
        ("post-centrifugation", post_centrifugation_temp),
    ):
        if temperature is not None and temperature not in _TEMPERATURES:
            raise ValidationError(
                f"Unknown {label} temperature '{temperature}'.",
                hint="Use RT, COLD (2–10 °C) or BODY (35–38 °C).",
            )

    not_spun = el[3].not_applicable_code
    if first == not_spun and centrifuged_at is not None:
        raise ValidationError(
            "A centrifugation time is recorded, but the centrifugation says 'not centrifuged'.",
            hint="Remove the time or choose the centrifugation settings.",
        )
    spun = centrifuged_at is not None or (first is not None and first != not_spun)
    if not spun:
        if second is not None and second != el[4].not_applicable_code:
            raise ValidationError(
                "A second centrifugation is recorded for a sample that was not centrifuged.",
                hint="Record the first centrifugation, or remove the second.",
            )
        if centrifugation_ended_at is not None:
            raise ValidationError(
                "A centrifugation end time is recorded for a sample that was not centrifuged.",
                hint="Record the first centrifugation, or remove the end time.",
            )
        pre = _delay_code(
            el[2], (collected_at, "collection"), (frozen_at, "freezing"), pre_centrifugation_temp
        )
        centrifugation_codes = [_na(el[3]), _na(el[4]), _na(el[5])]
    else:
        pre = _delay_code(
            el[2], (collected_at, "collection"), (centrifuged_at, "centrifugation"), pre_centrifugation_temp
        )
        if (
            centrifuged_at is not None
            and centrifugation_ended_at is not None
            and centrifugation_ended_at < centrifuged_at
        ):
            raise ValidationError(
                f"Centrifugation ends ({_when(centrifugation_ended_at)}) "
                f"before it starts ({_when(centrifuged_at)}).",
                hint="Check the times.",
            )
        if centrifugation_ended_at is not None:
            post = _delay_code(el[5], (centrifugation_ended_at, "end of centrifugation"), (frozen_at, "freezing"),
                               post_centrifugation_temp)
        else:
            post = post_delay_from_start(el[5], centrifuged_at, frozen_at, post_centrifugation_temp)
        centrifugation_codes = [first or _unknown(el[3]), second or _na(el[4]), post]
    storage = _optional_code(el[6], long_term_storage) or _unknown(el[6])
    code = "-".join([type_code, container_code, pre, *centrifugation_codes, storage])
    tables.validate(code, "fluid")
    return code


def derive_solid_sprec(
    version: str,
    *,
    sample_type: str,
    collection_type: str,
    warm_ischemia_min: Minutes | str | None,
    cold_ischemia_min: Minutes | str | None,
    fixation: str | None,
    fixation_time_min: Minutes | str | None,
    long_term_storage: str | None,
) -> str:
    """The SPREC code of a solid-tissue sample.

    The three times are minutes (warm ischemia: clamping → excision; cold ischemia: excision →
    fixation or snap freezing; fixation time: start → end of fixation), or one of the element's
    non-time codes ('N' not applicable, 'X' unknown, 'Z' other), or None for unknown ('X').
    ``fixation`` None → 'XXX'; ``long_term_storage`` None → 'X'. A time beyond every range
    (fixation over 72 h) is 'Z'. Note the SPREC 3.0 cold-ischemia table carries a ⚠ note: its
    ranges are the 2.0 ones until checked.
    """
    tables = load_sprec_tables(version)
    el = tables.solid
    parts = [
        _given_code(el[0], sample_type),
        _given_code(el[1], collection_type),
        _minutes_code(el[2], warm_ischemia_min),
        _minutes_code(el[3], cold_ischemia_min),
        _optional_code(el[4], fixation) or _unknown(el[4]),
        _minutes_code(el[5], fixation_time_min),
        _optional_code(el[6], long_term_storage) or _unknown(el[6]),
    ]
    code = "-".join(parts)
    tables.validate(code, "solid")
    return code


def _given_code(element: SprecElement, value: str | None) -> str:
    code = _optional_code(element, value)
    if code is not None:
        return code
    if element.unknown_code is None:
        raise ValidationError(
            f"{element.name} is required for a SPREC code.", hint="Choose one from the list."
        )
    return element.unknown_code


def _optional_code(element: SprecElement, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = element.canonical(value.strip().upper())
    if element.get(code) is None:
        raise ValidationError(
            f"'{value.strip()}' is not a {element.name} code.",
            hint=f"Use one of {', '.join(entry.code for entry in element.codes)}.",
        )
    return code


def _unknown(element: SprecElement) -> str:
    assert element.unknown_code is not None, element.key
    return element.unknown_code


def _na(element: SprecElement) -> str:
    assert element.not_applicable_code is not None, element.key
    return element.not_applicable_code


def _delay_code(
    element: SprecElement,
    start: tuple[dt.datetime | None, str],
    end: tuple[dt.datetime | None, str],
    temperature: str | None,
) -> str:
    (start_at, start_name), (end_at, end_name) = start, end
    if start_at is None or end_at is None or temperature is None:
        return _unknown(element)
    if end_at < start_at:
        raise ValidationError(
            f"The {end_name} time ({_when(end_at)}) is before the {start_name} time ({_when(start_at)}).",
            hint="Check the times.",
        )
    return element.code_for((end_at - start_at).total_seconds() / 60, temperature)


def post_delay_from_start(element: SprecElement, started_at: dt.datetime | None, frozen_at: dt.datetime | None,
                          temperature: str | None) -> str:
    """The post-centrifugation code when only the START of centrifugation is known: never a guess.

    The spin ended somewhere between its start and freezing, so the delay from its end lies in [0, m) where m
    is start → freezing. When that whole interval falls in one range (m within the first range: a tube spun
    at 10:00:00 and frozen at 11:00:00 waited under 1 h, B at room temperature) that is the code; when it
    spans several ranges the code is 'X' (unknown).
    """
    if started_at is None or frozen_at is None or temperature is None:
        return _unknown(element)
    if frozen_at < started_at:
        raise ValidationError(
            f"The freezing time ({_when(frozen_at)}) is before the centrifugation time ({_when(started_at)}).",
            hint="Check the times.",
        )
    minutes = (frozen_at - started_at).total_seconds() / 60
    shortest = element.code_for(0, temperature)
    longest = element.code_for(max(minutes - 1e-6, 0), temperature)
    return shortest if shortest == longest else _unknown(element)


def _minutes_code(element: SprecElement, value: Minutes | str | None) -> str:
    if value is None:
        return _unknown(element)
    if isinstance(value, str):
        code = value.strip().upper()
        entry = element.get(code)
        if entry is None or entry.is_timed:
            specials = [
                c for c in (element.not_applicable_code, element.unknown_code, element.other_code) if c
            ]
            raise ValidationError(
                f"'{value.strip()}' is not a {element.name}.",
                hint=f"Give the time in minutes, or one of {', '.join(specials)}.",
            )
        return code
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValidationError(f"'{value}' is not a {element.name} in minutes.")
    minutes = float(value)
    if not math.isfinite(minutes) or minutes < 0:
        raise ValidationError(f"{element.name} of {value} minutes is not possible.", hint="Check the times.")
    return element.code_for(minutes)


def _when(moment: dt.datetime) -> str:
    """'2026-03-04 10:15' in messages, with the seconds when they are not zero (times are compared to the second)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")
