"""Which tube fits which box: a tube's physical kind, and the box types made to hold it.

A box type declares the tube it is made for (``container_types.tube_kind``, one of the SPREC storage
containers of :class:`~biobank_desktop.core.domain.cold_chain.StorageTube`, or nothing). Finding space
(:func:`~biobank_desktop.core.domain.space.find_space`) puts a tube only in a box whose declared kind
appears in :data:`FITS` for the tube's own kind; the box's restrictions (study, sample type, container)
apply on top. A technician who places a tube by hand (scanning a box) is not second-guessed here.

A tube's kind comes from what its sample knows (:func:`tube_kind_of`), in this order:

1. ``samples.storage_tube`` when recorded: that kind, exactly;
2. a primary tube (nothing derived from it): its original collection container — a vacutainer, a urine
   pot, a stool tube, whatever its volume — which SPREC calls "original primary container" ('Y');
3. solid tissue: a paraffin block when formalin- or aldehyde-fixed, a cryotube when snap-frozen,
   otherwise unknown;
4. a fluid aliquot: a small aliquot tube (≤ 2 mL) whose exact SPREC kind is the box's own (a
   40–500 µL tube in an SBS rack, a cryotube in a cryobox) — what ``storage_tube IS NULL`` has always
   meant for aliquots;
5. otherwise: unknown. A tube of unknown kind goes only into a box that declares no kind, and a box that
   declares no kind takes only tubes of unknown kind (or aliquot tubes, as before): nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from biobank_desktop.core.domain.cold_chain import StorageTube

_T = StorageTube

#: tube kind → the box tube kinds whose positions hold it. Written out pair by pair on purpose: a
#: quality manager reads this table, not an algorithm.
FITS: dict[StorageTube, frozenset[StorageTube]] = {
    # 0.5–2 mL PP tubes and 1–2 mL cryotubes share one footprint (≈ 12.5 mm, external thread): the
    # 9 × 9 and 10 × 10 cryoboxes are made for either.
    _T.PP_05_2_ML: frozenset({_T.PP_05_2_ML, _T.CRYOTUBE_1_2_ML}),
    _T.CRYOTUBE_1_2_ML: frozenset({_T.CRYOTUBE_1_2_ML, _T.PP_05_2_ML}),
    # 40–500 µL micro-tubes (2D-coded, SBS format) stand only in the SBS racks made for them: in a
    # cryobox cell they tilt, and the rack scanner cannot read them.
    _T.PP_40_500_UL: frozenset({_T.PP_40_500_UL}),
    # ≥ 5 mL tubes (≈ 16 mm) need boxes for 5 mL tubes.
    _T.PP_5_ML: frozenset({_T.PP_5_ML}),
    # Primary tubes (vacutainers 13 × 75 to 16 × 100 mm, 2–10 mL; urine and stool containers) go in a
    # rack or box for primary tubes only, never in a 2 mL cryobox.
    _T.PRIMARY: frozenset({_T.PRIMARY}),
    # Each of these has holders of its own: straw goblets, plate racks, block cabinets or drawers, bag
    # canisters, card files.
    _T.STRAW: frozenset({_T.STRAW}),
    _T.MICROPLATE: frozenset({_T.MICROPLATE}),
    _T.PARAFFIN_BLOCK: frozenset({_T.PARAFFIN_BLOCK}),
    _T.BAG: frozenset({_T.BAG}),
    _T.DRY_MEDIUM: frozenset({_T.DRY_MEDIUM}),
}

#: The small aliquot tubes a fluid aliquot without a recorded kind may be (its SPREC kind is then the box's).
ALIQUOT_TUBES: frozenset[StorageTube] = frozenset({_T.PP_40_500_UL, _T.PP_05_2_ML, _T.CRYOTUBE_1_2_ML})

#: How messages name many tubes of a kind ('no box for cryotubes 1–2 mL has free space').
PLURALS: dict[StorageTube, str] = {
    _T.PP_40_500_UL: "PP tubes 40–500 µL", _T.PP_05_2_ML: "PP tubes 0.5–2 mL", _T.PP_5_ML: "PP tubes ≥ 5 mL",
    _T.CRYOTUBE_1_2_ML: "cryotubes 1–2 mL", _T.STRAW: "straws", _T.MICROPLATE: "microplates",
    _T.PARAFFIN_BLOCK: "paraffin blocks", _T.BAG: "bags", _T.DRY_MEDIUM: "dry technology media",
    _T.PRIMARY: "primary tubes",
}

#: SPREC solid fixation codes that end in a paraffin block, and the one that ends in a cryotube.
_PARAFFIN_FIXATIONS = frozenset({"NBF", "FOR", "ALD"})
_CRYOTUBE_FIXATIONS = frozenset({"SNP"})


@dataclass(frozen=True)
class TubeKind:
    """What the planner knows of a tube's physical kind (compare on ``tube`` and ``aliquot`` only)."""

    tube: StorageTube | None  # the exact kind; None: unknown, or the box's own for an aliquot tube
    aliquot: bool = False  # a small aliquot tube (≤ 2 mL) whose exact kind is the box's
    description: str = field(default="", compare=False)  # 'primary tube (9 mL, Potassium EDTA)'

    @property
    def known(self) -> bool:
        return self.tube is not None or self.aliquot

    def fits(self, box_tube: StorageTube | None) -> bool:
        """True when a box made for ``box_tube`` (None: no kind declared) holds this tube."""
        if box_tube is None:
            return self.tube is None  # unknown tubes and aliquot tubes; a known kind needs its own box
        if self.tube is None:
            return self.aliquot and box_tube in ALIQUOT_TUBES
        return box_tube in FITS[self.tube]

    def in_box(self, box_tube: StorageTube | None) -> StorageTube | None:
        """The SPREC storage container of this tube in a box made for ``box_tube``: its own kind when known;
        an aliquot tube takes the box's kind when the box is for aliquot tubes; otherwise unknown."""
        if self.tube is not None:
            return self.tube
        return box_tube if self.aliquot and box_tube in ALIQUOT_TUBES else None

    def box_wanted(self) -> str:
        """'box for primary tubes (9 mL, Potassium EDTA)', for messages saying what is missing."""
        if self.tube is None and not self.aliquot:
            return f"box without a declared tube kind (for {self.description or 'tubes of unknown kind'})"
        return f"box for {self.description}"


UNKNOWN_TUBE = TubeKind(None, description="tubes of unknown kind")


def of_kind(tube: StorageTube) -> TubeKind:
    """Tubes known to be of ``tube``'s kind (a recorded storage tube, a kind asked for by name)."""
    return TubeKind(tube, description=PLURALS[tube])


def tube_kind_of(*, storage_tube: str | None, primary: bool, material: str, primary_container: str | None = None,
                 volume_ul: Decimal | None = None, fixation: str | None = None,
                 container_label: str | None = None) -> TubeKind:
    """A tube's kind from its sample's fields (see the module docstring for the order of the rules).

    ``container_label``: the primary container's name in words ('Potassium EDTA'), for messages."""
    if storage_tube:
        return of_kind(StorageTube(storage_tube))
    if material == "solid":
        code = (fixation or "").upper()
        if code in _PARAFFIN_FIXATIONS:
            return TubeKind(_T.PARAFFIN_BLOCK, description="paraffin blocks (fixed tissue)")
        if code in _CRYOTUBE_FIXATIONS:
            return TubeKind(_T.CRYOTUBE_1_2_ML, description="cryotubes (snap-frozen tissue)")
        return TubeKind(None, description=f"tissue ({'fixation ' + code if code else 'fixation unknown'})")
    if primary:
        details = [f"{_millilitres(volume_ul)} mL"] if volume_ul else []
        if primary_container and primary_container not in ("XXX", "ZZZ"):
            details.append(container_label or primary_container)
        more = f" ({', '.join(details)})" if details else ""
        return TubeKind(_T.PRIMARY, description=f"primary tubes{more}")
    return TubeKind(None, aliquot=True, description="aliquot tubes ≤ 2 mL")


def _millilitres(volume_ul: Decimal) -> str:
    return format((Decimal(volume_ul) / 1000).quantize(Decimal("0.1")).normalize(), "f")
