"""Which children a parent's material allows, and which SPREC elements a child inherits (issue 14, item 4).

Plain Python. The SPREC tables themselves are :mod:`biobank_desktop.core.domain.sprec`; this module only
decides, element by element, whether a child keeps its parent's code or gets its own.

Kinds of child (:class:`Step`):

* ``aliquot`` — the same material in another tube. Elements 1–6 are the parent's (they describe how that
  material was collected and processed); 7 (long-term storage) follows the child's own tube and freezer
  (derived when it is placed). Exception: a parent not yet frozen (fresh plasma aliquoted before freezing)
  hands on its times, and the child's post-centrifugation delay (or, not spun, its pre-centrifugation
  delay) runs to the *child's* freezing.
* ``separation`` — an unspun parent (whole blood, cord blood, marrow, a body fluid) spun into fractions
  (plasma, serum, buffy coat, RBC, mononuclear cells, cells). Element 2 (primary container) is the
  parent's; 3 is collection → the start of this spin at the parent's pre-centrifugation temperature;
  4 is this spin; 5 this second spin, if any (PL2); 6 the end of the last spin → the child's freezing.
* ``second_spin`` — an already spun parent spun again (PL1 → PL2). Elements 2, 3, 4 are the parent's; 5 is
  this spin; 6 runs from the end of this spin to the child's freezing. A parent is spun when its type is a
  spun fraction or its processing (recorded, else its code's element 4) says so (:func:`parent_was_spun`).

Element 6 with only the start of a spin known is what that start allows (``sprec.post_delay_from_start``),
never a guess; the child's row keeps exactly the inputs the code came from, so the sample page derives the
same code again (after a second spin the row's one start is the first spin's).
* ``extraction`` — nucleic acids (DNA, RNA). SPREC v3 has no sample type for an extract: its element 1 is
  ``ZZZ`` (other) while the sample's own type says DNA/RNA. Element 2 is the parent's; 3 is the parent's
  when the parent was processed already (spun or frozen), else collection → the start of extraction;
  4 is the extraction's own spin (``N`` when it used none, ``X`` when not recorded), 5 ``N``, 6 the end
  of that spin → freezing of the extract (``N`` without a spin).
* ``preparation`` — a change of form without a spin: dried blood spots (DWB) from blood, cells dissociated
  from tissue. Fluid: as ``extraction`` with no spin but element 1 the child's type; solid tissue:
  element 1 is the child's type, 2–6 (collection type, ischaemia, fixation) the parent's.

An element the known times do not give is ``X``, never a guess; a third spin (a parent that had two
already) cannot be written in SPREC and gives ``Z`` with the reason in the explanation.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from enum import StrEnum

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.sprec import SprecElement, load_sprec_tables, post_delay_from_start


class Step(StrEnum):
    ALIQUOT = "aliquot"
    SEPARATION = "separation"
    SECOND_SPIN = "second_spin"
    EXTRACTION = "extraction"
    PREPARATION = "preparation"


#: Sample types outside the SPREC type table that aliquoting may make (SPREC element 1 is then ZZZ).
EXTRACT_TYPES: dict[str, str] = {"DNA": "DNA (extracted)", "RNA": "RNA (extracted)"}

# Which derivative types a parent type allows (SPREC v3 element-1 codes, plus the extracts above). Written
# down from what each material physically yields at the bench; sources: ISBER SPREC v3.0 type list (the
# meanings in resources/reference/sprec/v3.json), and the usual blood-processing workflows (a spin of
# anticoagulated blood gives plasma, buffy coat and red cells; of clotted blood, serum; a density gradient
# gives mononuclear cells; nucleic acids are extracted from any cell-containing or cell-free fraction).
# A type not listed here allows aliquots only.
_BLOOD = ("PL1", "PL2", "SER", "BUF", "BFF", "RBC", "CEL", "PEL", "CTC", "DWB", "DNA", "RNA")
_BODY_FLUID = ("CEN", "CLN", "PEN", "DNA", "RNA")
DERIVATIVES: dict[str, tuple[str, ...]] = {
    # fluids
    "BLD": _BLOOD,  # whole blood
    "CRD": _BLOOD,  # cord blood: processed like whole blood
    "BMA": ("PL1", "PL2", "BUF", "BFF", "RBC", "CEL", "PEL", "DNA", "RNA"),  # bone marrow aspirate
    "PL1": ("PL2", "DNA", "RNA"),  # a second spin; cell-free nucleic acids
    "PL2": ("DNA", "RNA"),
    "SER": ("DNA", "RNA"),
    "BUF": ("DNA", "RNA"),
    "BFF": ("DNA", "RNA"),
    "CEL": ("DNA", "RNA"),
    "PEL": ("DNA", "RNA"),
    "CTC": ("DNA", "RNA"),
    "ASC": _BODY_FLUID, "AMN": _BODY_FLUID, "BAL": _BODY_FLUID, "CSF": _BODY_FLUID, "PFL": _BODY_FLUID,
    "SYN": _BODY_FLUID, "SPT": _BODY_FLUID, "SEM": _BODY_FLUID, "NAS": _BODY_FLUID,
    "URN": ("PEN", "CEN", "DNA", "RNA"), "URM": ("PEN", "CEN", "DNA", "RNA"),  # urine sediment cells
    "URT": ("PEN", "CEN", "DNA", "RNA"), "U24": ("PEN", "CEN", "DNA", "RNA"),
    "SAL": ("DNA", "RNA"), "BUC": ("DNA", "RNA"), "STL": ("DNA", "RNA"), "BMK": ("CEN", "DNA", "RNA"),
    # solid tissue
    "TIS": ("CEN", "CLN", "PEN", "TCM", "DNA", "RNA"),
    "PLC": ("TIS", "CEN", "CLN", "PEN", "TCM", "DNA", "RNA"),
    "FNA": ("DNA", "RNA"), "LCM": ("DNA", "RNA"), "BON": ("DNA", "RNA"), "TCM": ("DNA", "RNA"),
}

#: Blood fractions and cells that a spin makes (a separation from an unspun parent, a second spin else).
SPUN_TYPES = frozenset({"PL1", "PL2", "SER", "BUF", "BFF", "RBC", "CEL", "PEL", "CTC", "CEN", "CLN", "PEN"})


def allowed_children(parent_type: str) -> tuple[str, ...]:
    """The parent's own type (aliquots) first, then the derivative types it allows (see :data:`DERIVATIVES`)."""
    own = parent_type.strip().upper()
    return (own, *(t for t in DERIVATIVES.get(own, ()) if t != own))


def check_child_type(parent_type: str, child_type: str) -> None:
    """ValidationError naming the types that are allowed when ``child_type`` cannot be made from ``parent_type``."""
    own, wanted = parent_type.strip().upper(), child_type.strip().upper()
    allowed = allowed_children(own)
    if wanted not in allowed:
        others = ", ".join(allowed[1:])
        raise ValidationError(
            f"{wanted} cannot be made from a {own} parent.",
            hint=(f"From {own}: aliquots ({own}) or {others}." if others else f"A {own} tube gives aliquots "
                  f"({own}) only."))


def step_for(parent_type: str, child_type: str, *, parent_spun: bool, material: str) -> Step:
    """How a child of ``child_type`` is made from this parent (see the module docstring)."""
    own, wanted = parent_type.strip().upper(), child_type.strip().upper()
    check_child_type(own, wanted)
    if wanted == own:
        return Step.ALIQUOT
    if wanted in EXTRACT_TYPES:
        return Step.EXTRACTION
    if material == "solid" or wanted not in SPUN_TYPES:
        return Step.PREPARATION
    return Step.SECOND_SPIN if parent_spun else Step.SEPARATION


@dataclass(frozen=True)
class DerivativeProcessing:
    """What was done to make derivatives, as recorded at the bench (all optional; unknown gives ``X``).

    ``centrifugation``: the SPREC code of this spin (element 4 for a separation or an extraction's spin,
    element 5 for a second spin; ``N`` for an extraction without a spin). ``second_centrifugation``: a second
    spin in the same separation (PL2 straight from blood). Times to the second; ``frozen_at`` is when the
    children were frozen (also for aliquots of a parent not yet frozen). ``post_centrifugation_temp``:
    ``RT`` or ``COLD`` between the end of the spin and freezing. ``storage_tube``: the children's tube kind
    (SPREC long-term storage, with the freezer they are placed in); None: the box type's tube kind.
    """

    centrifuged_at: dt.datetime | None = None
    centrifugation_ended_at: dt.datetime | None = None
    centrifugation: str | None = None
    second_centrifugation: str | None = None
    post_centrifugation_temp: str | None = None
    extracted_at: dt.datetime | None = None  # start of an extraction / preparation without a spin
    frozen_at: dt.datetime | None = None
    storage_tube: str | None = None


@dataclass(frozen=True)
class ParentPreAnalytics:
    """The parent's recorded pre-analytical data (a snapshot the service reads from the sample row)."""

    sample_type: str
    material: str  # 'fluid' | 'solid'
    sprec_code: str | None
    sprec_version: str
    primary_container: str
    collected_at: dt.datetime | None
    centrifuged_at: dt.datetime | None
    centrifugation_ended_at: dt.datetime | None
    frozen_at: dt.datetime | None
    pre_centrifugation_temp: str | None
    centrifugation: str | None
    second_centrifugation: str | None
    post_centrifugation_temp: str | None


@dataclass(frozen=True)
class ElementOrigin:
    """Where one SPREC element of a child comes from: 'inherited' (the parent's code), 'derived' (from the
    child's own processing, with the inputs in ``why``), or 'unknown'/'other' (X / Z, with the reason)."""

    position: int  # 1-based SPREC element
    code: str
    origin: str
    why: str


@dataclass(frozen=True)
class ChildPreAnalytics:
    """A child's SPREC code and the fields stored on its row (what the sample page explains)."""

    step: Step
    sample_type: str
    sprec_code: str
    elements: tuple[ElementOrigin, ...]
    centrifuged_at: dt.datetime | None
    centrifugation_ended_at: dt.datetime | None
    frozen_at: dt.datetime | None
    pre_centrifugation_temp: str | None
    centrifugation: str | None
    second_centrifugation: str | None
    post_centrifugation_temp: str | None


def child_pre_analytics(parent: ParentPreAnalytics, child_type: str,
                        processing: DerivativeProcessing | None = None) -> ChildPreAnalytics:
    """The child's SPREC code and stored fields, element by element as the module docstring says.

    Long-term storage (element 7) starts as ``X``: it is derived when the child is placed (its tube and the
    freezer's temperature). ValidationError for a child type the parent does not allow, for times in the
    wrong order, or for a processing code SPREC does not have."""
    proc = processing or DerivativeProcessing()
    wanted = child_type.strip().upper()
    spun = parent_was_spun(parent)
    step = step_for(parent.sample_type, wanted, parent_spun=spun, material=parent.material)
    _check_order(proc)
    check_processing_times(proc, parent.collected_at)
    if parent.material == "solid":
        return _solid_child(parent, wanted, step)
    return _FluidChild(parent, wanted, step, proc, spun).build()


def parent_was_spun(parent: ParentPreAnalytics) -> bool:
    """Whether the parent was centrifuged: its type is a spun fraction (:data:`SPUN_TYPES`), or its processing
    says so — a recorded spin time, or a centrifugation (the recorded field, else its SPREC code's element 4)
    other than ``N``, as :func:`~biobank_desktop.core.domain.sprec.derive_fluid_sprec` reads it. A tube known
    only by its code (imported, overridden) is spun when its code says so."""
    if parent.sample_type.strip().upper() in SPUN_TYPES or parent.centrifuged_at is not None:
        return True
    return _first_spin(parent) not in (None, "N")


def _first_spin(parent: ParentPreAnalytics) -> str | None:
    """The parent's first centrifugation: as recorded, else element 4 of its (fluid) SPREC code."""
    if parent.centrifugation is not None or parent.material == "solid":
        return parent.centrifugation
    parts = parent.sprec_code.split("-") if parent.sprec_code else []
    return parts[3].strip().upper() if len(parts) == 7 else None


def _check_order(proc: DerivativeProcessing) -> None:
    moments = [(proc.centrifuged_at, "the start of the spin"), (proc.centrifugation_ended_at, "its end"),
               (proc.frozen_at, "freezing")]
    known = [(m, name) for m, name in moments if m is not None]
    for (a, a_name), (b, b_name) in itertools.pairwise(known):
        if b < a:
            raise ValidationError(f"The time of {b_name} ({b:%Y-%m-%d %H:%M:%S}) is before {a_name} "
                                  f"({a:%Y-%m-%d %H:%M:%S}).", hint="Check the times.")


#: A clock difference tolerated between the bench's clock and this computer's (a time typed to the minute).
CLOCK_SLACK = dt.timedelta(minutes=2)


def check_processing_times(proc: DerivativeProcessing, collected_at: dt.datetime | None,
                           now: dt.datetime | None = None) -> None:
    """ValidationError for a processing time in the future (beyond :data:`CLOCK_SLACK`) or before the parent's
    collection: a typo (23:00 for 13:00) would otherwise make a SPREC code of a delay that never happened."""
    def utc(moment: dt.datetime) -> dt.datetime:  # a naive time (SQLite) is UTC, as stored
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)

    latest = utc(now or dt.datetime.now(dt.UTC)) + CLOCK_SLACK
    collected = None if collected_at is None else utc(collected_at)
    for typed, name in ((proc.centrifuged_at, "The spin's start"), (proc.centrifugation_ended_at, "The spin's end"),
                        (proc.extracted_at, "The extraction's start"), (proc.frozen_at, "Freezing")):
        if typed is None:
            continue
        when = utc(typed)
        if when > latest:
            raise ValidationError(f"{name} ({when.astimezone():%Y-%m-%d %H:%M}) is in the future.",
                                  hint="Write the time it really happened (as 14:05 for today), or press Now.")
        if collected is not None and when < collected:
            raise ValidationError(f"{name} ({when.astimezone():%Y-%m-%d %H:%M}) is before the parent was "
                                  f"collected ({collected.astimezone():%Y-%m-%d %H:%M}).",
                                  hint="Check the time (and the date, for work done on another day).")


def _parts(code: str | None, width: int) -> list[str] | None:
    parts = code.split("-") if code else []
    return parts if len(parts) == width else None


def _solid_child(parent: ParentPreAnalytics, wanted: str, step: Step) -> ChildPreAnalytics:
    tables = load_sprec_tables(parent.sprec_version)
    parts = _parts(parent.sprec_code, len(tables.solid))
    if parts is None:
        raise ValidationError(f"The parent has no complete SPREC code ({parent.sprec_code or 'none'}) to hand on.",
                              hint="A supervisor records or overrides the parent's SPREC code first.")
    own = "ZZZ" if wanted in EXTRACT_TYPES else wanted
    why_type = ("SPREC has no type for an extract: other (ZZZ)" if wanted in EXTRACT_TYPES
                else f"the child's own type {wanted}")
    elements = [ElementOrigin(1, own, "inherited" if step is Step.ALIQUOT else "derived",
                              "the parent's type" if step is Step.ALIQUOT else why_type)]
    elements += [ElementOrigin(i + 1, parts[i], "inherited", "the tissue's collection and fixation, as the parent's")
                 for i in range(1, len(parts) - 1)]
    elements.append(_storage_pending(len(parts)))
    code = "-".join(e.code for e in elements)
    tables.validate(code, "solid")
    return ChildPreAnalytics(step, wanted, code, tuple(elements), None, None, None, None, None, None, None)


def _storage_pending(position: int) -> ElementOrigin:
    return ElementOrigin(position, "X", "unknown", "derived from the child's tube and freezer when it is placed")


def _delay(element: SprecElement, start: dt.datetime | None, start_name: str, end: dt.datetime | None,  # noqa: PLR0917
           end_name: str, temperature: str | None) -> ElementOrigin:
    if start is None or end is None or temperature is None:
        missing = [n for v, n in ((start, f"the time of {start_name}"), (end, f"the time of {end_name}"),
                                  (temperature, "the temperature")) if v is None]
        return ElementOrigin(element.position, element.unknown_code or "X", "unknown",
                             f"not known: {', '.join(missing)}")
    if end < start:
        raise ValidationError(f"The time of {end_name} ({end:%Y-%m-%d %H:%M:%S}) is before {start_name} "
                              f"({start:%Y-%m-%d %H:%M:%S}).", hint="Check the times.")
    minutes = (end - start).total_seconds() / 60
    code = element.code_for(minutes, temperature)
    origin = "other" if code == element.other_code else "derived"
    return ElementOrigin(element.position, code, origin,
                         f"{minutes:g} min from {start_name} at {start:%H:%M:%S} to {end_name} at {end:%H:%M:%S} "
                         f"({temperature})")


def _post_delay(element: SprecElement, spin: str, start: dt.datetime | None, end: dt.datetime | None,  # noqa: PLR0917
                frozen_at: dt.datetime | None, temperature: str | None, *,
                start_name: str = "its start") -> ElementOrigin:
    """Element 6, from the end of ``spin`` to freezing; with only its start known, what the start allows and
    no more (:func:`~biobank_desktop.core.domain.sprec.post_delay_from_start`, as the sample page derives it)."""
    if end is not None or start is None or frozen_at is None or temperature is None:
        return _delay(element, end or start, f"the end of {spin}" if end else spin, frozen_at, "freezing",
                      temperature)
    code = post_delay_from_start(element, start, frozen_at, temperature)
    minutes = (frozen_at - start).total_seconds() / 60
    span = (f"the end of {spin} was not recorded; {minutes:g} min from {start_name} at {start:%H:%M:%S} to freezing "
            f"at {frozen_at:%H:%M:%S} ({temperature})")
    if code == (element.unknown_code or "X"):
        return ElementOrigin(element.position, code, "unknown", f"{span} spans more than one range")
    return ElementOrigin(element.position, code, "derived", f"{span}: the delay from its end was shorter")


@dataclass
class _FluidChild:
    parent: ParentPreAnalytics
    wanted: str
    step: Step
    proc: DerivativeProcessing
    parent_spun: bool

    def build(self) -> ChildPreAnalytics:
        tables = load_sprec_tables(self.parent.sprec_version)
        self.el = tables.fluid
        self.parts = _parts(self.parent.sprec_code, len(self.el))
        builder = {Step.ALIQUOT: self._aliquot, Step.SEPARATION: self._separation,
                   Step.SECOND_SPIN: self._second_spin}.get(self.step, self._extraction)
        elements, fields = builder()
        elements.append(_storage_pending(7))
        code = "-".join(e.code for e in elements)
        tables.validate(code, "fluid")
        return ChildPreAnalytics(self.step, self.wanted, code, tuple(elements), **fields)  # type: ignore[arg-type]

    def _inherited(self, position: int, why: str, fallback: ElementOrigin | None = None) -> ElementOrigin:
        if self.parts is not None and self.parts[position - 1] not in ("X",):
            return ElementOrigin(position, self.parts[position - 1], "inherited", why)
        if fallback is not None:
            return fallback
        if self.parts is not None:
            return ElementOrigin(position, self.parts[position - 1], "inherited", why)
        return ElementOrigin(position, self.el[position - 1].unknown_code or "X", "unknown",
                             "the parent has no SPREC code to hand on")

    def _code(self, position: int, value: str | None, why: str, *, default: str) -> ElementOrigin:
        element = self.el[position - 1]
        code = (value or default).strip().upper()
        if element.get(code) is None:
            raise ValidationError(f"'{code}' is not a SPREC {element.name} code.",
                                  hint="Choose one from the list.")
        origin = {element.unknown_code: "unknown", element.other_code: "other"}.get(code, "derived")
        return ElementOrigin(position, code, origin, why if value else f"{why}: not recorded")

    def _container(self) -> ElementOrigin:
        return self._inherited(2, "the primary container the material was collected in",
                               self._code(2, self.parent.primary_container, "the parent's primary container",
                                          default="XXX"))

    def _fields(self, **own: object) -> dict[str, object]:
        p = self.parent
        fields: dict[str, object] = {
            "centrifuged_at": p.centrifuged_at, "centrifugation_ended_at": p.centrifugation_ended_at,
            "frozen_at": p.frozen_at, "pre_centrifugation_temp": p.pre_centrifugation_temp,
            "centrifugation": p.centrifugation, "second_centrifugation": p.second_centrifugation,
            "post_centrifugation_temp": p.post_centrifugation_temp}
        fields.update(own)
        return fields

    def _aliquot(self) -> tuple[list[ElementOrigin], dict[str, object]]:
        p, proc = self.parent, self.proc
        same = "the same material: as the parent's"
        elements = [self._inherited(1, same), self._container()]
        if p.frozen_at is None and proc.frozen_at is not None:
            # A fresh parent: its delays run to the child's freezing.
            if self.parent_spun:
                elements += [self._inherited(3, same), self._inherited(4, same), self._inherited(5, same)]
                elements.append(_post_delay(self.el[5], "the parent's centrifugation", p.centrifuged_at,
                                            p.centrifugation_ended_at, proc.frozen_at,
                                            proc.post_centrifugation_temp or p.post_centrifugation_temp))
            else:
                elements.append(_delay(self.el[2], p.collected_at, "collection", proc.frozen_at,
                                       "freezing of the aliquot", p.pre_centrifugation_temp))
                elements += [self._inherited(i, same) for i in (4, 5, 6)]
            return elements, self._fields(frozen_at=proc.frozen_at)
        elements += [self._inherited(i, same) for i in (3, 4, 5, 6)]
        return elements, self._fields()

    def _separation(self) -> tuple[list[ElementOrigin], dict[str, object]]:
        p, proc = self.parent, self.proc
        elements = [ElementOrigin(1, self.wanted, "derived", f"the derivative's own type {self.wanted}"),
                    self._container(),
                    _delay(self.el[2], p.collected_at, "collection", proc.centrifuged_at,
                           "the start of this centrifugation", p.pre_centrifugation_temp),
                    self._code(4, proc.centrifugation, "this centrifugation", default="X"),
                    self._code(5, proc.second_centrifugation, "a second spin in this separation",
                               default="N")]
        end = proc.centrifugation_ended_at
        elements.append(_post_delay(self.el[5], "centrifugation", proc.centrifuged_at, end, proc.frozen_at,
                                    proc.post_centrifugation_temp))
        return elements, self._fields(
            centrifuged_at=proc.centrifuged_at, centrifugation_ended_at=end, frozen_at=proc.frozen_at,
            centrifugation=elements[3].code, second_centrifugation=elements[4].code,
            post_centrifugation_temp=proc.post_centrifugation_temp)

    def _second_spin(self) -> tuple[list[ElementOrigin], dict[str, object]]:
        p, proc = self.parent, self.proc
        kept = "the parent's first processing, which still holds"
        elements = [ElementOrigin(1, self.wanted, "derived", f"the derivative's own type {self.wanted}"),
                    self._container(), self._inherited(3, kept), self._inherited(4, kept)]
        if p.second_centrifugation not in (None, "N"):
            elements.append(ElementOrigin(5, "Z", "other", "a third spin: SPREC records two centrifugations"))
        else:
            elements.append(self._code(5, proc.centrifugation, "this (second) centrifugation", default="X"))
        # The child's row keeps the parent's first spin (its start, its code: element 4, or the code's element
        # 4 when only the code is known) and the end of this, the last, spin: SPREC times element 6 from that
        # end. Not recorded, the row's only start is the first spin's, so element 6 is what that start allows
        # — the code the sample page derives from the row, never a finer one it could not explain.
        end = proc.centrifugation_ended_at
        if end is not None:
            elements.append(_delay(self.el[5], end, "the end of the second centrifugation", proc.frozen_at,
                                   "freezing", proc.post_centrifugation_temp))
        else:
            elements.append(_post_delay(self.el[5], "the second centrifugation", p.centrifuged_at, None,
                                        proc.frozen_at, proc.post_centrifugation_temp,
                                        start_name="the start of the first (the only start the row keeps)"))
        return elements, self._fields(
            centrifugation_ended_at=end, frozen_at=proc.frozen_at, centrifugation=_first_spin(p) or elements[3].code,
            second_centrifugation=elements[4].code, post_centrifugation_temp=proc.post_centrifugation_temp)

    def _extraction(self) -> tuple[list[ElementOrigin], dict[str, object]]:
        p, proc = self.parent, self.proc
        extract = self.step is Step.EXTRACTION
        first = (ElementOrigin(1, "ZZZ", "other", f"SPREC has no type for an extract ({self.wanted}): other")
                 if extract else ElementOrigin(1, self.wanted, "derived", f"the derivative's own type {self.wanted}"))
        begun = proc.centrifuged_at or proc.extracted_at
        what = "extraction" if extract else "preparation"
        if self.parent_spun or p.frozen_at is not None:
            pre = self._inherited(3, "the parent's first processing, which still holds")
        else:
            pre = _delay(self.el[2], p.collected_at, "collection", begun, f"the start of {what}",
                         p.pre_centrifugation_temp)
        spin = self._code(4, proc.centrifugation, f"the {what}'s own spin",
                          default="X" if extract and proc.centrifuged_at else "N" if not extract else "X")
        elements = [first, self._container(), pre, spin,
                    ElementOrigin(5, "N", "derived", f"no second spin in the {what}")]
        if spin.code == "N":
            elements.append(ElementOrigin(6, "N", "derived", f"the {what} used no centrifugation"))
        else:
            elements.append(_post_delay(self.el[5], f"the {what}'s spin", proc.centrifuged_at,
                                        proc.centrifugation_ended_at, proc.frozen_at, proc.post_centrifugation_temp))
        return elements, self._fields(
            centrifuged_at=proc.centrifuged_at, centrifugation_ended_at=proc.centrifugation_ended_at,
            frozen_at=proc.frozen_at, centrifugation=spin.code, second_centrifugation="N",
            post_centrifugation_temp=proc.post_centrifugation_temp)


__all__ = ["CLOCK_SLACK", "DERIVATIVES", "EXTRACT_TYPES", "ChildPreAnalytics", "DerivativeProcessing", "ElementOrigin",
           "ParentPreAnalytics", "Step", "ValidationError", "allowed_children", "check_child_type",
           "check_processing_times", "child_pre_analytics", "parent_was_spun", "step_for"]
