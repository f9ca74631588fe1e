"""The claim on a print job: one workstation prints it at a time, on the labels it read under the claim.

A print takes the job in **one transaction**: the job's row is locked, its state checked, the labels
still ``queued`` read, and the job marked ``printing`` with a random claim token (:func:`take`). So the
list a workstation prints is exactly what was waiting when it took the job — never a list read before
another workstation printed some of it.

While it prints, the workstation beats a **heartbeat** after every label the printer confirms
(:func:`heartbeat`): the time and how many of the claimed labels are confirmed. The heartbeat is
bookkeeping of the claim (no audit event: the print's outcome is audited when it ends); it also tells
the printing side that the claim is gone — the job was cancelled, or taken over — so it stops sending
before the next label.

A claim whose heartbeat is older than :data:`CLAIM_EXPIRY` belongs to a workstation that stopped
(killed, crashed, switched off). The next print of the job, or a supervisor before that, **settles**
it (:func:`settle_abandoned`): the labels the heartbeat confirmed are ``sent``, the ones that may
have been in the printer (the transport's window) are ``failed`` — "may have printed", to look at,
never resent silently — and the rest wait again. Settling is audited.

While a job is ``printing`` its labels change only through its claim or a cancel; that is what makes
the heartbeat's count enough to know which labels were confirmed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import PrintJob, PrintJobItem, Sample
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.labels.model import LabelData, LabelTemplate
from biobank_desktop.core.services.changes import Changes

CLAIM_EXPIRY = dt.timedelta(minutes=10)
"""A claim with no confirmed label for this long is stale. Far above a printer's timeouts (seconds):
a workstation that is still printing confirms a label, or gives up, well within it."""

CLAIMABLE = ("queued", "partial", "failed")


@dataclass(frozen=True)
class Claim:
    """A job taken for printing: the token that proves it, and exactly the labels to send, in order."""

    job_id: int
    token: str
    printer: str
    template: LabelTemplate
    labels: tuple[tuple[int, LabelData], ...]
    changes: Changes

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(position for position, _ in self.labels)


def lock_job(session: Session, job_id: int) -> PrintJob:
    """The job, its row locked until the transaction ends (SQLite: the write transaction already is).

    Its items are read after the lock, so they are the newest committed state."""
    job = session.execute(select(PrintJob).where(PrintJob.id == job_id).with_for_update()).scalar_one_or_none()
    if job is None:
        raise NotFoundError(f"There is no print job {job_id}.")
    return job


def stale_since(job: PrintJob, now: dt.datetime, expiry: dt.timedelta) -> dt.datetime | None:
    """When the claim of a ``printing`` job lapsed (its last heartbeat + expiry), None while it is alive."""
    beat = job.claimed_at
    if beat is None:  # claimed before claims had heartbeats (an older version): stale at once
        return now
    lapses = beat + expiry
    return lapses if lapses <= now else None


def busy_error(job: PrintJob, expiry: dt.timedelta) -> ConflictError:
    lapses = (job.claimed_at or utcnow()) + expiry
    return ConflictError(
        f"Print job {job.id} is being printed right now ({job.message}).",
        hint=f"Wait for it to finish. If that workstation stopped, its claim lapses at {lapses:%H:%M} UTC "
             f"({int(expiry.total_seconds() // 60)} minutes after its last label); printing the job then flags "
             "the label(s) it may have been printing. A supervisor can release it sooner "
             f"('biobank-desktop labels release {job.id} --reason TEXT'), or the job can be cancelled.")


def nothing_left_error(session: Session, job: PrintJob) -> ValidationError:
    """Why a job cannot be printed: labels to look at, or nothing waiting at all."""
    doubtful = [i for i in job.items if i.status == "failed"]
    if doubtful and job.status != "cancelled":
        codes = [code_of(session, i) for i in doubtful]
        return ValidationError(
            f"Print job {job.id}: {len(codes)} label(s) may or may not have printed "
            f"({', '.join(codes[:3])}{'…' if len(codes) > 3 else ''}).",
            hint="Look at the printer, then mark them as printed or to print again.")
    if job.status in CLAIMABLE:
        return ValidationError(f"Print job {job.id} has nothing left to print.",
                               hint="Use Reprint (with a reason) to print labels again.")
    return ValidationError(f"Print job {job.id} is {job.status}; there is nothing left to print.",
                           hint="Use Reprint (with a reason) to print labels again.")


def code_of(session: Session, item: PrintJobItem) -> str:
    sample = session.get(Sample, item.sample_id)
    return sample.sample_code if sample is not None else f"#{item.sample_id}"


def settle_status(job: PrintJob, message: str, now: dt.datetime) -> None:
    """The job's status from its labels, once no claim holds it; the claim is dropped."""
    done = sum(1 for i in job.items if i.status in ("sent", "skipped"))
    job.status = "printed" if done == len(job.items) else ("partial" if any(
        i.status == "sent" for i in job.items) else ("failed" if message else "queued"))
    job.message = message
    if job.status == "printed":
        job.printed_at = now
    job.claim_token = None


def settle_abandoned(uow: UnitOfWork, job: PrintJob, *, why: str, reason: str | None) -> None:
    """A claim that will not finish (stale, or released by a supervisor): see the module docstring."""
    session = uow.session
    queued = [i for i in job.items if i.status == "queued"]  # the claim's labels not yet recorded
    confirmed = queued[:job.claim_confirmed]
    doubtful = queued[job.claim_confirmed:job.claim_confirmed + job.claim_window]
    beat = job.claimed_at or utcnow()
    for item in confirmed:
        item.status, item.sent_at = "sent", beat
    for item in doubtful:
        item.status = "failed"
    was = job.message
    sent_codes = [code_of(session, i) for i in confirmed]
    doubtful_codes = [code_of(session, i) for i in doubtful]
    message = (f"the print ({was}) stopped without finishing; " + (
        f"{len(doubtful_codes)} label(s) may have printed: look at the printer" if doubtful_codes
        else "no label was in the printer unconfirmed"))
    settle_status(job, message, utcnow())
    uow.audit("labels.print_abandoned", "print_job", job.id,
              summary=f"Print job {job.id}: the claim of an unfinished print {why}; {len(sent_codes)} label(s) "
                      f"confirmed, {len(doubtful_codes)} may have printed",
              before={"status": "printing", "claim": was, "last_label_at": beat},
              after={"status": job.status, "samples": sent_codes, "unconfirmed": doubtful_codes},
              reason=reason, samples=[*sent_codes, *doubtful_codes])


def heartbeat(db: Database, job_id: int, token: str, confirmed: int) -> bool:
    """Record that ``confirmed`` of the claimed labels reached the printer; False when the claim is gone
    (the job was cancelled or taken over): the printing side must stop sending."""
    with db.connect_checked(), db.new_session(write=True) as session:
        kept = session.execute(
            update(PrintJob).where(PrintJob.id == job_id, PrintJob.claim_token == token,
                                   PrintJob.status == "printing")
            .values(claimed_at=utcnow(), claim_confirmed=confirmed)).rowcount  # type: ignore[attr-defined]
        session.commit()
    return bool(kept == 1)


def record_outcome(uow: UnitOfWork, claim: Claim, labels: Sequence[tuple[int, LabelData]], *, confirmed: int,
                   unconfirmed: int, message: str) -> str | None:
    """The end of a print: ``labels`` in the order sent, the first ``confirmed`` reached the printer, the next
    ``unconfirmed`` may have. Returns None, or why the claim was no longer held (the job's status is then
    left as the canceller or the workstation that took over set it; what the printer confirmed is recorded
    all the same, it happened)."""
    job = lock_job(uow.session, claim.job_id)
    held = job.status == "printing" and job.claim_token == claim.token
    sent_positions = {pos for pos, _ in labels[:confirmed]}
    doubtful = {pos for pos, _ in labels[confirmed:confirmed + unconfirmed]}
    now = utcnow()
    for item in job.items:
        if item.position in sent_positions and item.status != "sent":
            item.status, item.sent_at = "sent", now
        elif held and item.position in doubtful and item.status == "queued":
            item.status = "failed"
    lost: str | None = None
    if held:
        settle_status(job, message, now)
    elif job.status == "cancelled":
        lost = f"print job {job.id} was cancelled while it printed"
    else:
        lost = f"print job {job.id} was taken over meanwhile ({job.message or job.status})"
    codes = [d.sample_id for pos, d in labels if pos in sent_positions]
    uow.audit("labels.printed" if not job.is_reprint else "labels.reprinted", "print_job", job.id,
              summary=f"{len(codes)} of {len(labels)} label(s) printed on {claim.printer}"
                      + (f"; {message}" if message else "") + (f"; {lost}" if lost else ""),
              after={"printer": claim.printer, "samples": codes, "status": job.status,
                     "unconfirmed": [d.sample_id for pos, d in labels if pos in doubtful]},
              reason=job.reason, samples=[d.sample_id or "" for pos, d in labels
                                          if pos in doubtful or d.sample_id in codes])
    return lost
