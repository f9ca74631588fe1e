"""What the aliquoting service takes and hands back: frozen records, never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from biobank_desktop.core.domain.aliquot_plan import AliquotPlan, ProtocolDefinition
from biobank_desktop.core.domain.derivation import DerivativeProcessing
from biobank_desktop.core.domain.volumes import VolumeInput

# -- asking ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildLine:
    """``count`` children of ``sample_type`` (None or the parent's own type: aliquots; else a derivative),
    ``volume`` each as typed ('250 µL', '0,5 mL', Decimal µL); None: split the parent evenly (one line only)."""

    count: int
    volume: VolumeInput | None = None
    sample_type: str | None = None


@dataclass(frozen=True)
class AliquotRequest:
    """One parent split into children, as the dialog or ``aliquot PARENT`` asks for it.

    ``parent``: the scanned ID or an external barcode. ``lines``: what to make (several lines: e.g. plasma
    and buffy coat at once). ``dead_volume``: left in the tube on purpose. ``box``: a box (or a rack or
    freezer to search under) where the children go in consecutive free positions, each parent's children
    together; ``find_space``: look for space anywhere instead; neither: not placed. ``check_out``: a parent
    stored in a freezer is checked out and back in (the freeze–thaw is counted); ``consume_parent``: mark it
    consumed even though volume is left (it is marked consumed anyway at zero). ``expected_version``: the
    parent's version the screen showed; a parent changed since is refused. ``default_unit``: for volumes
    typed without a unit.
    """

    parent: str
    lines: tuple[ChildLine, ...]
    dead_volume: VolumeInput | None = None
    processing: DerivativeProcessing | None = None
    box: str | None = None
    find_space: bool = False
    check_out: bool = True
    consume_parent: bool = False
    expected_version: int | None = None
    default_unit: str = "µL"
    notes: str = ""

    @classmethod
    def simple(cls, parent: str, count: int, volume: VolumeInput | None = None, *, sample_type: str | None = None,
               dead_volume: VolumeInput | None = None, box: str | None = None, **options: object) -> AliquotRequest:
        """The common case: ``count`` children of one type (the CLI's ``aliquot PARENT --count N --volume V``)."""
        return cls(parent, (ChildLine(count, volume, sample_type),), dead_volume=dead_volume, box=box,
                   **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class BatchRequest:
    """A protocol applied to many parents in one transaction (a shipment, a scanned rack, a Search selection).

    ``protocol``: its name; each parent's study's protocol of that name is used (the highest active version,
    or ``version``). ``source``: what the list came from, kept on the batch record ('rack BOX-000123',
    'shipment SHP-2026-0004', 'search'). Placement, check-out and processing as in :class:`AliquotRequest`.
    """

    parents: tuple[str, ...]
    protocol: str
    version: int | None = None
    box: str | None = None
    find_space: bool = False
    processing: DerivativeProcessing | None = None
    check_out: bool = True
    source: str = ""


# -- answers ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentInfo:
    """A scanned parent as the dialog shows it before anything is typed.

    ``refusal``: why it cannot be aliquoted now (consumed, discarded, voided, checked out by someone else,
    quarantined, consent withdrawn — saying which), None when it can. ``child_types``: (code, meaning) of
    what it may yield, its own type (aliquots) first.
    """

    sample_code: str
    study: str
    sample_type: str
    sample_type_meaning: str
    material: str
    status: str
    volume_ul: Decimal | None
    version: int
    lineage_kind: str
    position: str | None  # 'BOX-000123 C4' or None
    checked_out_by: str | None
    freeze_thaw_count: int
    sprec_code: str | None
    children: int  # children it already has
    child_types: tuple[tuple[str, str], ...]
    refusal: str | None


@dataclass(frozen=True)
class AliquotPreview:
    """What :meth:`AliquotingService.aliquot` would do with a request: the arithmetic and the children's IDs
    and types, in order (nothing written; the IDs are taken for real only when it is done)."""

    parent: ParentInfo
    plan: AliquotPlan
    child_codes: tuple[str, ...]
    child_types: tuple[str, ...]
    sprec_codes: tuple[str, ...]  # each child's SPREC code before placement (long-term storage X until placed)


@dataclass(frozen=True)
class ChildInfo:
    """A child made by aliquoting."""

    sample_code: str
    parent_code: str
    sample_type: str
    lineage_kind: str  # 'aliquot' | 'derivative'
    volume_ul: Decimal
    drawn_ul: Decimal  # what it took from the parent
    sprec_code: str | None
    box_code: str | None = None
    position: str | None = None


@dataclass(frozen=True)
class ParentOutcome:
    """What one parent became: its children, what was drawn and what is left."""

    parent_code: str
    plan: AliquotPlan
    children: tuple[ChildInfo, ...]
    volume_before_ul: Decimal
    volume_after_ul: Decimal
    status_after: str  # 'consumed' when used up
    freeze_thaw_count: int


@dataclass(frozen=True)
class AliquotOutcome:
    """A committed aliquoting (one parent or a batch): the batch record's id and everything made.

    ``children`` are in placement order (the order the labels were queued in); ``label_jobs`` the print jobs
    queued for them.
    """

    batch_id: int
    parents: tuple[ParentOutcome, ...]
    label_jobs: tuple[int, ...]
    placement_order: tuple[str, ...] = ()  # the children's IDs in the order their labels were queued

    @property
    def children(self) -> tuple[ChildInfo, ...]:
        made = [child for parent in self.parents for child in parent.children]
        rank = {code: i for i, code in enumerate(self.placement_order)}
        return tuple(sorted(made, key=lambda c: rank.get(c.sample_code, len(rank))))


@dataclass(frozen=True)
class ParentList:
    """The parents a scanned shipment or box/rack stands for: ``source`` ('shipment SH-2026-00002', 'rack
    BOX-000123') as a batch records it, and the samples' IDs in order."""

    source: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ParentCheck:
    """A batch's look at one parent before anything is written: ``problem`` (None when it fits) says why it
    does not (a refusal, a protocol that does not fit its volume or type, no protocol of that name in its study)."""

    parent: str
    sample_code: str | None
    study: str | None
    problem: str | None
    plan: AliquotPlan | None = None
    protocol_version: int | None = None


@dataclass(frozen=True)
class ProtocolInfo:
    """One version of a study's aliquot protocol."""

    id: int
    study: str
    name: str
    version: int
    active: bool
    definition: ProtocolDefinition
    description: str
    created_by: str
    created_at: dt.datetime

    @property
    def text(self) -> str:
        return self.definition.text()


@dataclass(frozen=True)
class BatchItemInfo:
    parent_code: str
    child_code: str
    drawn_ul: Decimal
    child_status: str
    dead_volume_ul: Decimal = Decimal("0.00")  # the parent's dead volume of the batch, on its first child

    @property
    def returned_ul(self) -> Decimal:
        """What a void gives back to the parent for this item: what it drew plus the dead volume it carries."""
        return self.drawn_ul + self.dead_volume_ul


@dataclass(frozen=True)
class BatchInfo:
    """A batch record: who, when, where, which protocol, which parents and children; its void, if voided."""

    id: int
    created_at: dt.datetime
    created_by: str
    workstation: str
    source: str
    protocol: str | None  # 'STUDY/NAME v2'
    status: str  # 'done' | 'voided'
    parents: int
    children: int
    voided_at: dt.datetime | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    items: tuple[BatchItemInfo, ...] = field(default=())

    @property
    def returned(self) -> tuple[tuple[str, Decimal], ...]:
        """(parent, volume) a void gives back to each parent, in item order: drawn plus dead volume."""
        out: dict[str, Decimal] = {}
        for item in self.items:
            out[item.parent_code] = out.get(item.parent_code, Decimal("0.00")) + item.returned_ul
        return tuple(out.items())


@dataclass(frozen=True)
class VoidOutcome:
    """What a void did. ``maybe_printed``: children whose cancelled label had *failed* — a failed label may
    have come out of the printer all the same, so it is to be looked for and destroyed."""

    batch_id: int
    children: tuple[str, ...]
    labels_cancelled: int
    maybe_printed: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        text = (f"Batch {self.batch_id} is void: {len(self.children)} child(ren) voided and out of their positions, "
                f"the parents have their volume back; {self.labels_cancelled} label(s) not printed were cancelled.")
        if self.maybe_printed:
            text += (f" {len(self.maybe_printed)} of them had failed and may have printed anyway: find and destroy "
                     f"the labels of {', '.join(self.maybe_printed)}.")
        return text


@dataclass(frozen=True)
class LineageRow:
    """One sample of a lineage, as a table row (depth 0 is the primary tube)."""

    sample_code: str
    parent_code: str | None
    depth: int
    lineage_kind: str
    sample_type: str
    status: str
    volume_ul: Decimal | None
    initial_volume_ul: Decimal | None
    drawn_ul: Decimal  # the total its children took from it (aliquoting batches not voided)
    position: str | None  # 'BOX-000123 C4' or None
    sprec_code: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class LineageNode:
    row: LineageRow
    children: tuple[LineageNode, ...] = ()


@dataclass(frozen=True)
class Lineage:
    """A sample's family: the tree from its primary tube down, the same as table rows (depth-first), the
    asked sample's ancestors (nearest first) and its descendants' codes; what was drawn from it and is left.

    The asked sample's volumes add up exactly: ``initial_ul`` = ``drawn_ul`` (by live children) + ``dead_ul``
    (dead volume of its live aliquoting batches) + ``other_ul`` (any other recorded change: a correction, a
    volume taken outside aliquoting; negative when volume was added) + ``left_ul``. ``initial_ul`` and
    ``other_ul`` are None when the initial or the current volume is not recorded."""

    sample_code: str
    root: LineageNode
    rows: tuple[LineageRow, ...]
    ancestors: tuple[str, ...]
    descendants: tuple[str, ...]
    drawn_ul: Decimal
    left_ul: Decimal | None
    dead_ul: Decimal = Decimal("0.00")
    initial_ul: Decimal | None = None
    other_ul: Decimal | None = None
