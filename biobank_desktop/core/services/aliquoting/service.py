"""The aliquoting service: one object for the GUI, the CLI and the bench."""

from __future__ import annotations

from collections.abc import Sequence

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.aliquot_plan import ProtocolDefinition
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from biobank_desktop.core.services.aliquoting.dto import (
    AliquotOutcome,
    AliquotPreview,
    AliquotRequest,
    BatchInfo,
    BatchRequest,
    Lineage,
    ParentCheck,
    ParentInfo,
    ProtocolInfo,
)
from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.core.services.labelling import LabellingService
from biobank_desktop.core.services.storage import StorageService


class AliquotingService:
    """Split parents into aliquots and derivatives (one, or a batch in one transaction), protocols, lineage,
    void. Every write returns ``Result``/``Changes``; every refusal is a BiobankError saying what to do."""

    def __init__(self, db: Database, storage: StorageService, labelling: LabellingService) -> None:
        self.db = db
        self._storage = storage
        self._labelling = labelling

    # -- reads -------------------------------------------------------------------------------------------------

    def parent_info(self, scanned: str) -> ParentInfo:
        """The scanned parent (ID or external barcode) with why it cannot be aliquoted, if it cannot
        (``refusal``), and the child types it allows. NotFoundError for an unknown tube."""
        raise NotImplementedError

    def check(self, request: AliquotRequest) -> AliquotPreview:
        """Everything :meth:`aliquot` checks, nothing written: the arithmetic and the IDs the children would get;
        raises the BiobankError :meth:`aliquot` would raise (over-draw, a type not allowed, a refused parent)."""
        raise NotImplementedError

    def check_batch(self, request: BatchRequest) -> list[ParentCheck]:
        """Each parent of a batch looked at before anything is written (one row per parent, in order)."""
        raise NotImplementedError

    def lineage(self, scanned: str) -> Lineage:
        """Ancestors and descendants of a sample (any generation), with volumes, statuses, positions."""
        raise NotImplementedError

    def batches(self, *, day: str | None = None, limit: int = 200) -> list[BatchInfo]:
        """Recent batches, newest first (``day``: 'YYYY-MM-DD', local time), without items."""
        raise NotImplementedError

    def batch(self, batch_id: int) -> BatchInfo:
        """One batch with its items (parent, child, volume drawn, the child's status now)."""
        raise NotImplementedError

    def parents_in_container(self, code: str) -> list[str]:
        """The tubes in a box or rack (a scanned rack), in the box's fill order: a batch's parent list."""
        raise NotImplementedError

    def parents_of_shipment(self, code: str) -> list[str]:
        """The received tubes of a shipment (by the clinic barcodes of its manifest), in manifest order."""
        raise NotImplementedError

    # -- aliquoting -----------------------------------------------------------------------------------------------

    def aliquot(self, actor: Actor, request: AliquotRequest) -> Result[AliquotOutcome]:
        """Split one parent in one transaction: children created (IDs ``…-A01`` / ``…-D01``, numbered after the
        children it has), the parent's volume drawn (row-locked; consumed at zero or on request), checked out
        and back in when stored, children placed (``box``/``find_space``) and their labels queued in placement
        order, a batch record, all audited. Refusals (nothing written): the parent's state (see
        :attr:`ParentInfo.refusal`), over-draw, zero/negative volumes, a type the parent does not allow, not
        enough free positions (how many are missing), the parent changed since ``expected_version``; and a
        parent another workstation is aliquoting at the same moment (the second is told, by the lock or the
        version)."""
        raise NotImplementedError

    def apply_protocol(self, actor: Actor, request: BatchRequest, *, progress: ProgressFn = no_progress,
                       cancelled: CancelledFn = never_cancelled) -> Result[AliquotOutcome]:
        """A protocol applied to every parent of the batch in ONE transaction, with progress and cancel
        (cancel leaves nothing). Any parent that is refused or does not fit refuses the whole batch, naming
        every such parent (:meth:`check_batch` shows them beforehand). Each parent's children are placed
        together; labels are queued in placement order."""
        raise NotImplementedError

    def void(self, actor: Actor, batch_id: int, reason: str) -> Changes:
        """Undo a batch the same day, by its author or a supervisor, with a reason: children leave their
        positions and become 'voided' (never deleted), each parent gets back what was drawn (and its status
        before, if it was consumed by the batch), labels not yet printed are cancelled; audited. Refused when a
        child was used meanwhile (shipped, aliquoted further, its volume or status changed, its label printed
        is fine), naming the children."""
        raise NotImplementedError

    # -- protocols (supervisors write them) ---------------------------------------------------------------------

    def protocols(self, study: str | None = None, *, include_inactive: bool = False) -> list[ProtocolInfo]:
        """The newest version of each protocol (of ``study``, else all), by study and name."""
        raise NotImplementedError

    def protocol_versions(self, study: str, name: str) -> list[ProtocolInfo]:
        """Every version of one protocol, newest first."""
        raise NotImplementedError

    def save_protocol(self, actor: Actor, study: str, name: str, definition: ProtocolDefinition, *,
                      description: str = "") -> Result[ProtocolInfo]:
        """A new protocol, or a new version of an existing one (versions are never changed in place; batches
        keep the version they used). Supervisors only (MANAGE_REFERENCE)."""
        raise NotImplementedError

    def set_protocol_active(self, actor: Actor, study: str, name: str, active: bool, reason: str) -> Changes:
        """Withdraw (or bring back) a protocol: an inactive one is not offered or applied. Supervisors only."""
        raise NotImplementedError


def codes_from_lines(lines: Sequence[str]) -> list[str]:
    """A file of parent IDs (one a line; blank lines and '#' comments skipped, a CSV's first column taken)."""
    raise NotImplementedError
