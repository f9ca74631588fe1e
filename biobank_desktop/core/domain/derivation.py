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
  this spin; 6 runs from the end of this spin to the child's freezing.
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
from dataclasses import dataclass
from enum import StrEnum

from biobank_desktop.core.domain.errors import ValidationError


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
    raise NotImplementedError


def check_child_type(parent_type: str, child_type: str) -> None:
    """ValidationError naming the types that are allowed when ``child_type`` cannot be made from ``parent_type``."""
    raise NotImplementedError


def step_for(parent_type: str, child_type: str, *, parent_spun: bool, material: str) -> Step:
    """How a child of ``child_type`` is made from this parent (see the module docstring)."""
    raise NotImplementedError


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
    raise NotImplementedError


__all__ = ["DERIVATIVES", "EXTRACT_TYPES", "ChildPreAnalytics", "DerivativeProcessing", "ElementOrigin",
           "ParentPreAnalytics", "Step", "ValidationError", "allowed_children", "check_child_type",
           "child_pre_analytics", "step_for"]
