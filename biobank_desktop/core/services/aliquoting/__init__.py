"""Aliquoting (issue 12): parents split into aliquots and derivatives, one at a time or a batch in one
transaction; per-study protocols written by supervisors; lineage; same-day void. One :class:`AliquotingService`.

The arithmetic (:func:`plan_aliquots`) and the derivative rules (:func:`allowed_children`) are plain domain
functions re-exported here, so a screen can show the sum as it is typed without a database round trip.
"""

from __future__ import annotations

from biobank_desktop.core.domain.aliquot_plan import (
    AliquotPlan,
    PlanLine,
    ProtocolDefinition,
    ProtocolLine,
    parse_protocol_lines,
    plan_aliquots,
    plan_lines,
)
from biobank_desktop.core.domain.derivation import (
    DerivativeProcessing,
    ElementOrigin,
    Step,
    allowed_children,
)
from biobank_desktop.core.services.aliquoting.dto import (
    AliquotOutcome,
    AliquotPreview,
    AliquotRequest,
    BatchInfo,
    BatchItemInfo,
    BatchRequest,
    ChildInfo,
    ChildLine,
    Lineage,
    LineageNode,
    LineageRow,
    ParentCheck,
    ParentInfo,
    ParentList,
    ParentOutcome,
    ProtocolInfo,
    VoidOutcome,
)
from biobank_desktop.core.services.aliquoting.service import AliquotingService, codes_from_lines

__all__ = [
    "AliquotOutcome", "AliquotPlan", "AliquotPreview", "AliquotRequest", "AliquotingService", "BatchInfo",
    "BatchItemInfo", "BatchRequest", "ChildInfo", "ChildLine", "DerivativeProcessing", "ElementOrigin", "Lineage",
    "LineageNode", "LineageRow", "ParentCheck", "ParentInfo", "ParentList", "ParentOutcome", "PlanLine",
    "ProtocolDefinition", "ProtocolInfo", "ProtocolLine", "Step", "VoidOutcome", "allowed_children", "codes_from_lines",
    "parse_protocol_lines", "plan_aliquots", "plan_lines",
]
