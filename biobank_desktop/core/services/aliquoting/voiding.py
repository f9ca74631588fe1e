"""Voiding an aliquoting done by mistake: the same day, by its author or a supervisor, with a reason."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import AliquotBatch, PrintJobItem, Sample, SampleLocation
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.aliquot_plan import volume_text
from biobank_desktop.core.domain.changes import ALIQUOT_BATCH, CONTAINER, LABEL_JOB, SAMPLE
from biobank_desktop.core.domain.clock import local_date, local_today
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from biobank_desktop.core.domain.roles import Permission, Role
from biobank_desktop.core.domain.text import checked_reason
from biobank_desktop.core.services import print_claims
from biobank_desktop.core.services.aliquoting.dto import VoidOutcome
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.storage.common import position_of


class VoidingMixin:
    db: Database

    def void(self, actor: Actor, batch_id: int, reason: str) -> Result[VoidOutcome]:
        """Undo a batch the same day, by its author or a supervisor, with a reason: children leave their
        positions and become 'voided' (never deleted), each parent gets back what was drawn (and its status
        before, if it was consumed by the batch), labels not yet printed are cancelled; audited. Refused when a
        child was used meanwhile (shipped, aliquoted further, its volume or status changed, checked out; a
        printed label is fine), naming the children; and while one of its labels is being printed. The outcome's
        message names the children whose cancelled label had failed: it may have printed all the same."""
        why = checked_reason(reason, "Say why the aliquoting is voided: it is kept in the audit trail.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            s = uow.session
            batch = s.execute(select(AliquotBatch).where(AliquotBatch.id == batch_id)
                              .with_for_update()).scalar_one_or_none()
            if batch is None:
                raise NotFoundError(f"There is no aliquoting batch {batch_id}.")
            if batch.status == "voided":
                raise ValidationError(f"Aliquoting batch {batch_id} was already voided by {batch.voided_by} "
                                      f"({batch.void_reason}).")
            if local_date(batch.created_at) != local_today():
                raise ValidationError(f"Aliquoting batch {batch_id} was made on {local_date(batch.created_at)}: only "
                                      "an aliquoting of today can be voided.",
                                      hint="Correct the samples one by one (discard, change status) with reasons.")
            if batch.created_by != uow.username and uow.current_role not in (Role.SUPERVISOR, Role.ADMINISTRATOR):
                raise PermissionDeniedError(f"Aliquoting batch {batch_id} was made by {batch.created_by}: only they "
                                            "or a supervisor may void it.", hint="Ask a supervisor.")
            items = list(batch.items)
            ids = sorted({i.parent_id for i in items} | {i.child_id for i in items})
            samples = {x.id: x for x in s.execute(select(Sample).where(Sample.id.in_(ids)).order_by(Sample.id)
                                                  .with_for_update().execution_options(populate_existing=True))
                       .scalars()}
            children = [samples[i.child_id] for i in items]
            self._refuse_used(uow, batch_id, children)
            cancelled, maybe_printed = self._cancel_labels(uow, [c.id for c in children], why)
            boxes: dict[str, list[str]] = defaultdict(list)
            for child in children:
                loc = s.get(SampleLocation, child.id)
                where = None
                if loc is not None:
                    box, label = position_of(s, loc)
                    where = f"{box} {label}"
                    boxes[box].append(f"{label} {child.sample_code}")
                    s.delete(loc)
                before: dict[str, object] = {"status": child.status, "where": where}
                child.status = "voided"
                uow.audit("aliquoting.child_voided", SAMPLE, child.sample_code,
                          summary=f"{child.sample_code} voided with aliquoting batch {batch_id}"
                                  + (f"; {where} freed" if where else ""),
                          before=before, after={"status": "voided"}, reason=why)
            for box, entries in boxes.items():
                uow.audit("storage.tubes_removed", CONTAINER, box, summary=f"{len(entries)} voided tube(s) left {box}",
                          before={"positions": entries}, reason=why)
            back: dict[int, Decimal] = defaultdict(Decimal)
            for item in items:
                back[item.parent_id] += Decimal(item.volume_drawn_ul) + Decimal(item.dead_volume_ul)
            for parent_id, amount in back.items():
                parent = samples[parent_id]
                before = {"volume_ul": parent.volume_ul, "status": parent.status}
                parent.volume_ul = Decimal(parent.volume_ul or 0) + amount
                if parent.status == "consumed" and parent.volume_ul > 0:
                    parent.status = "available"
                uow.audit("aliquoting.parent_restored", SAMPLE, parent.sample_code,
                          summary=f"{parent.sample_code}: {volume_text(amount)} given back by the void of aliquoting "
                                  f"batch {batch_id}", before=before,
                          after={"volume_ul": parent.volume_ul, "status": parent.status}, reason=why)
            batch.status, batch.voided_at, batch.voided_by, batch.void_reason = "voided", utcnow(), uow.username, why
            uow.audit("aliquoting.batch_voided", ALIQUOT_BATCH, batch_id,
                      summary=f"Aliquoting batch {batch_id} voided: {len(children)} child(ren) voided, "
                              f"{len(back)} parent(s) given their volume back",
                      before={"status": "done"},
                      after={"status": "voided", "children": [c.sample_code for c in children]},
                      reason=why, samples=[samples[p].sample_code for p in back])
            outcome = VoidOutcome(batch_id, tuple(c.sample_code for c in children), cancelled, maybe_printed)
            return Result(outcome, uow.commit())

    @staticmethod
    def _refuse_used(uow: UnitOfWork, batch_id: int, children: list[Sample]) -> None:
        s = uow.session
        ids = [c.id for c in children]
        # a child whose own aliquoting was voided (its children 'voided', its volume given back) was not used
        further = set(s.execute(select(Sample.parent_id).where(Sample.parent_id.in_(ids), Sample.status != "voided")
                                .group_by(Sample.parent_id)).scalars()) if ids else set()
        used: list[str] = []
        for child in children:
            loc = s.get(SampleLocation, child.id)
            if child.id in further:
                used.append(f"{child.sample_code} was aliquoted further")
            elif child.status != "available":
                used.append(f"{child.sample_code} is {child.status.replace('_', ' ')}")
            elif child.volume_ul != child.initial_volume_ul:
                used.append(f"{child.sample_code} has had volume taken ({child.initial_volume_ul} → "
                            f"{child.volume_ul} µL)")
            elif loc is not None and loc.checked_out_at is not None:
                used.append(f"{child.sample_code} is checked out by {loc.checked_out_by}")
        if used:
            shown = "; ".join(used[:10]) + (f"; and {len(used) - 10} more" if len(used) > 10 else "")
            raise ConflictError(f"Aliquoting batch {batch_id} cannot be voided: its children were used since: {shown}.",
                                hint="Nothing was changed. Correct those samples one by one, with reasons.")

    @staticmethod
    def _cancel_labels(uow: UnitOfWork, child_ids: list[int], reason: str) -> tuple[int, tuple[str, ...]]:
        """Skip the children's labels not yet printed; a job left with nothing to print is cancelled. Returns how
        many were skipped, and the children whose skipped label had failed (it may have printed anyway)."""
        s = uow.session
        job_ids = sorted(set(s.execute(select(PrintJobItem.job_id).where(
            PrintJobItem.sample_id.in_(child_ids), PrintJobItem.status.in_(("queued", "failed")))).scalars()))
        wanted = set(child_ids)
        now = utcnow()
        count, failed_ids = 0, set()
        for job_id in job_ids:
            job = print_claims.lock_job(s, job_id)
            if job.status == "printing":
                raise ConflictError(f"Print job {job_id} with labels of this batch is being printed now.",
                                    hint="Nothing was changed. Wait for it to finish (or cancel it), then void.")
            skipped = [i for i in job.items if i.sample_id in wanted and i.status in ("queued", "failed")]
            count += len(skipped)
            failed_ids |= {i.sample_id for i in skipped if i.status == "failed"}
            for item in skipped:
                item.status = "skipped"
            before = job.status
            if all(i.status in ("sent", "skipped") for i in job.items):
                if any(i.status == "sent" for i in job.items):
                    print_claims.settle_status(job, job.message, now)
                else:
                    job.status = "cancelled"
            codes = list(s.execute(select(Sample.sample_code).where(
                Sample.id.in_([i.sample_id for i in skipped]))).scalars())
            uow.audit("labels.items_cancelled", LABEL_JOB, job_id,
                      summary=f"{len(skipped)} label(s) of print job {job_id} cancelled (aliquoting voided)",
                      before={"status": before}, after={"status": job.status, "samples": codes}, reason=reason,
                      samples=codes)
        maybe = s.execute(select(Sample.sample_code).where(Sample.id.in_(sorted(failed_ids)))
                          .order_by(Sample.sample_code)).scalars() if failed_ids else ()
        return count, tuple(maybe)

