"""The aliquoting service: one object for the GUI, the CLI and the bench, composed of its parts."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import AliquotProtocol, Sample, Study
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.aliquot_plan import AliquotPlan, ProtocolDefinition
from biobank_desktop.core.domain.derivation import DerivativeProcessing, child_pre_analytics
from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from biobank_desktop.core.services.aliquoting.common import (
    check_version,
    lock_parents,
    parent_info,
    parent_pre_analytics,
    refusal,
    refuse,
)
from biobank_desktop.core.services.aliquoting.dto import (
    AliquotOutcome,
    AliquotPreview,
    AliquotRequest,
    BatchRequest,
    ChildLine,
    ParentCheck,
    ParentInfo,
)
from biobank_desktop.core.services.aliquoting.lineage import LineageMixin
from biobank_desktop.core.services.aliquoting.protocols import ProtocolsMixin, current_protocol, protocol_info
from biobank_desktop.core.services.aliquoting.splitting import (
    ParentWork,
    SplittingMixin,
    child_codes,
    next_numbers,
    next_numbers_of,
    plan_request,
    request_work,
)
from biobank_desktop.core.services.aliquoting.voiding import VoidingMixin
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.labelling import LabellingService
from biobank_desktop.core.services.storage import StorageService
from biobank_desktop.core.services.storage.common import find_sample, locations_of

#: The most parents one batch takes (four 96-racks): a guard against a wrong file.
MAX_BATCH_PARENTS = 384


class AliquotingService(SplittingMixin, ProtocolsMixin, LineageMixin, VoidingMixin):
    """Split parents into aliquots and derivatives (one, or a batch in one transaction), protocols, lineage,
    void. Every write returns ``Result``/``Changes``; every refusal is a BiobankError saying what to do."""

    def __init__(self, db: Database, storage: StorageService, labelling: LabellingService) -> None:
        self.db = db
        self._storage = storage
        self._labelling = labelling

    # -- reads -------------------------------------------------------------------------------------------------

    def parent_info(self, scanned: str, *, username: str = "") -> ParentInfo:
        """The scanned parent (ID or external barcode) with why it cannot be aliquoted, if it cannot
        (``refusal``; ``username``: who would do it, for "checked out by someone else"), and the child types
        it allows. NotFoundError for an unknown tube."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return parent_info(s, find_sample(s, scanned), username)

    def check(self, request: AliquotRequest, *, username: str = "") -> AliquotPreview:
        """Everything :meth:`aliquot` checks, nothing written: the arithmetic and the IDs the children would get;
        raises the BiobankError :meth:`aliquot` would raise (over-draw, a type not allowed, a refused parent)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            parent = find_sample(s, request.parent)
            if username:
                refuse(s, parent, username)
            else:
                reason = refusal(s, parent, "")
                if reason is not None and " is checked out by " not in reason:
                    refuse(s, parent, "")
            check_version(parent, request.expected_version)
            plan = plan_request(parent, request.lines, request.dead_volume, request.default_unit)
            codes = child_codes(parent, plan, next_numbers(s, parent))
            source = parent_pre_analytics(parent)
            sprec = {t: child_pre_analytics(source, t, request.processing).sprec_code for _, t, _ in codes}
            return AliquotPreview(parent_info(s, parent, username), plan, tuple(c for c, _, _ in codes),
                                  tuple(t for _, t, _ in codes), tuple(sprec[t] for _, t, _ in codes))

    def check_batch(self, request: BatchRequest) -> list[ParentCheck]:
        """Each parent of a batch looked at before anything is written (one row per parent, in order)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [check for check, _, _ in self._look_at_batch(s, request, "")]

    def _look_at_batch(self, s: Session, request: BatchRequest, username: str
                       ) -> list[tuple[ParentCheck, Sample | None, AliquotProtocol | None]]:
        parents = [p for p in request.parents if p and p.strip()]
        if not parents:
            raise ValidationError("The batch has no parents.", hint="Scan a rack, or give a file of parent IDs.")
        if len(parents) > MAX_BATCH_PARENTS:
            raise ValidationError(f"{len(parents)} parents is more than one batch takes ({MAX_BATCH_PARENTS}).",
                                  hint="Split the list into batches.")
        out: list[tuple[ParentCheck, Sample | None, AliquotProtocol | None]] = []
        protocols: dict[int, AliquotProtocol | None] = {}
        definitions: dict[int, ProtocolDefinition] = {}  # parsed once per protocol, not once per parent
        seen: set[int] = set()
        for scanned in parents:
            try:
                sample = find_sample(s, scanned)
            except BiobankError as exc:
                out.append((ParentCheck(scanned, None, None, exc.message), None, None))
                continue
            study = s.get_one(Study, sample.study_id).code
            if sample.study_id not in protocols:
                protocols[sample.study_id] = current_protocol(s, sample.study_id, request.protocol, request.version)
            protocol = protocols[sample.study_id]
            problem = None
            if sample.id in seen:
                problem = f"{sample.sample_code} is in the list twice"
            seen.add(sample.id)
            problem = problem or refusal(s, sample, username)
            if not username and problem and " is checked out by " in problem:
                problem = None  # who acts is not known yet: decided when it is done
            plan: AliquotPlan | None = None
            if problem is None and protocol is None:
                problem = f"study {study} has no active aliquot protocol '{request.protocol.strip()[:60]}'"
            if problem is None and protocol is not None:
                definition = definitions.get(protocol.id)
                if definition is None:
                    definition = definitions[protocol.id] = protocol_info(s, protocol).definition
                problem = definition.misfit(sample.sample_type, sample.volume_ul)
                if problem is None:
                    try:
                        lines = [ChildLine(x.count, x.volume_ul, x.sample_type) for x in definition.lines]
                        plan = plan_request(sample, lines, definition.dead_volume_ul, "µL")
                    except BiobankError as exc:
                        problem = exc.message
            out.append((ParentCheck(scanned, sample.sample_code, study, problem, plan,
                                    protocol.version if protocol is not None else None), sample, protocol))
        return out

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
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            [parent] = lock_parents(uow.session, [request.parent])
            refuse(uow.session, parent, uow.username)
            check_version(parent, request.expected_version)
            plan = plan_request(parent, request.lines, request.dead_volume, request.default_unit)
            batch = self._new_batch(uow, "one parent", None)
            work = request_work(parent, request, plan)
            with uow.session.no_autoflush:
                self._split_in(uow, work, batch, 1)
            placed, order, jobs = self._place_and_label(uow, [work], box=request.box, find_space=request.find_space)
            self._audit_batch(uow, batch, [work], None, jobs)
            outcome = AliquotOutcome(batch.id, self._outcomes([work], placed), tuple(jobs), tuple(order))
            return Result(outcome, uow.commit())

    def apply_protocol(self, actor: Actor, request: BatchRequest, *, progress: ProgressFn = no_progress,
                       cancelled: CancelledFn = never_cancelled) -> Result[AliquotOutcome]:
        """A protocol applied to every parent of the batch in ONE transaction, with progress and cancel
        (cancel leaves nothing). Any parent that is refused or does not fit refuses the whole batch, naming
        every such parent (:meth:`check_batch` shows them beforehand). Each parent's children are placed
        together; labels are queued in placement order."""
        stop = "Cancelled: no parent was aliquoted, nothing was written."
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            s = uow.session
            progress(0.0, "Checking the parents")
            locked = lock_parents(s, [p for p in request.parents if p and p.strip()], missing_ok=True)
            # The parents' positions in one query, held here for the whole unit of work: the session's identity
            # map holds objects weakly, so without this every per-parent lookup (refusal, check-out) queried again.
            positions = locations_of(s, [p.id for p in locked])
            looked = self._look_at_batch(s, request, uow.username)
            problems = [f"{c.sample_code or c.parent}: {c.problem}" for c, _, _ in looked if c.problem]
            if problems:
                shown = "; ".join(problems[:12]) + (f"; and {len(problems) - 12} more" if len(problems) > 12 else "")
                raise ValidationError(f"{len(problems)} of {len(looked)} parent(s) cannot be aliquoted with protocol "
                                      f"'{request.protocol.strip()[:60]}': {shown}.",
                                      hint="Nothing was written. Take them out of the list (or fix them), then "
                                           "run the batch again.")
            protocol_row = looked[0][2]
            assert protocol_row is not None
            protocol_name = f"{looked[0][0].study}/{protocol_row.name} v{protocol_row.version}"
            batch = self._new_batch(uow, request.source or "batch", protocol_row)
            works: list[ParentWork] = []
            seq = 1
            rows = {row.id: row for _, _, row in looked if row is not None}
            definitions = {key: protocol_info(s, row).definition for key, row in rows.items()}
            numbers = next_numbers_of(s, [sample.id for _, sample, _ in looked if sample is not None])
            if request.check_out:  # every stored parent out and back in at once (then not again per parent)
                stored = [p.sample_code for p in locked if (loc := positions.get(p.id)) and loc.checked_out_at is None]
                if stored:
                    self._storage.out_and_back_in(uow, stored, "aliquoting")
            # The children are sent in one flush at the end (batched inserts), not one flush per query.
            with s.no_autoflush:
                for index, (check, sample, row) in enumerate(looked):
                    check_cancelled(cancelled, stop)
                    assert sample is not None and row is not None and check.plan is not None
                    definition = definitions[row.id]
                    processing = _with_protocol_spin(request.processing, definition.centrifugation,
                                                     definition.second_centrifugation)
                    work = ParentWork(sample, check.plan, processing, definition.consumes_parent, False,
                                      numbers=numbers[sample.id])
                    seq = self._split_in(uow, work, batch, seq)
                    works.append(work)
                    progress(0.75 * (index + 1) / len(looked), f"{index + 1} of {len(looked)} parents split")
            check_cancelled(cancelled, stop)
            progress(0.8, "Placing the children and queueing their labels")
            placed, order, jobs = self._place_and_label(uow, works, box=request.box, find_space=request.find_space)
            self._audit_batch(uow, batch, works, protocol_name, jobs)
            outcome = AliquotOutcome(batch.id, self._outcomes(works, placed), tuple(jobs), tuple(order))
            check_cancelled(cancelled, stop)
            progress(0.95, "Saving")
            done = uow.commit()
            del positions
        progress(1.0, f"{len(outcome.children)} children made from {len(outcome.parents)} parents")
        return Result(outcome, done)


def _with_protocol_spin(processing: DerivativeProcessing | None, first: str | None,
                        second: str | None) -> DerivativeProcessing:
    """The batch's processing, with the protocol's spin codes where the batch gives none."""
    base = processing or DerivativeProcessing()
    return replace(base, centrifugation=base.centrifugation or first,
                   second_centrifugation=base.second_centrifugation or second)


def codes_from_lines(lines: Sequence[str]) -> list[str]:
    """A file of parent IDs (one a line; blank lines and '#' comments skipped, a CSV's first column taken)."""
    out: list[str] = []
    for row in csv.reader(line for line in lines if line.strip() and not line.lstrip().startswith("#")):
        if row and row[0].strip():
            out.append(row[0].strip())
    return out


__all__ = ["MAX_BATCH_PARENTS", "AliquotingService", "codes_from_lines"]
