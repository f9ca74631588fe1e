"""Label printing for every workflow: templates, print rules, the print queue, printing and reprints.

Reception, aliquoting and storage call :meth:`LabellingService.enqueue_in` inside their own unit of
work, so the labels of a received shipment are queued in the same transaction as the tubes
(in placement order). Printing then happens outside any transaction:

1. ``print_job`` claims the job (``queued``/``partial``/``failed`` → ``printing``) and reads the
   labels still to print in the same short transaction (:mod:`print_claims`); a second workstation
   that tries the same job gets a clear ConflictError.
2. Those labels are rendered and sent; the transport tells exactly which labels the printer
   confirmed, and after each one the claim's heartbeat is recorded — a cancel from another
   workstation, seen there, stops the print before the next label.
3. A second transaction marks those labels ``sent``, a label whose fate is unknown (connection
   dropped right after it) ``failed`` with a warning to look at the printer, and leaves the rest
   ``queued``; the job becomes ``printed``, ``partial`` or ``failed``, and the print is audited
   (who, when, which labels, which printer).

So a printer that is off leaves the job queued with a clear message, and no label is silently
printed twice or lost: printing the job again sends only what was not confirmed. A workstation
killed mid-print leaves a claim that lapses (:data:`print_claims.CLAIM_EXPIRY` after its last
label) or that a supervisor releases; the label(s) it may have been printing are then flagged.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    LabelTemplateRecord,
    Participant,
    PrintJob,
    PrintJobItem,
    PrintRule,
    Sample,
    Study,
)
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork, require
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.clock import local_date
from biobank_desktop.core.domain.errors import (
    BiobankError,
    ConflictError,
    NotFoundError,
    PrinterError,
    ValidationError,
)
from biobank_desktop.core.domain.ids import normalize_scan, parse_sample_id
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import MAX_MESSAGE_LENGTH, checked_reason, sanitized_text
from biobank_desktop.core.domain.volumes import format_volume
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.labels.layout import SAMPLE_LABEL_DATA, LabelLayout, layout_label
from biobank_desktop.core.labels.model import (
    LabelData,
    LabelTemplate,
    TemplateCatalog,
    load_catalog,
    parse_template_json,
    template_to_json,
)
from biobank_desktop.core.labels.pdf import render_pdf
from biobank_desktop.core.labels.printability import check_printable
from biobank_desktop.core.labels.printers import PrinterConfig, transport_for
from biobank_desktop.core.labels.transports import PrintJobInterruptedError, TcpPrinterTransport
from biobank_desktop.core.labels.zpl import render_zpl_labels
from biobank_desktop.core.services import print_claims
from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.core.services.label_jobs import JobInfo as JobInfo  # noqa: PLC0414  (re-exported)
from biobank_desktop.core.services.label_jobs import JobItemInfo as JobItemInfo  # noqa: PLC0414
from biobank_desktop.core.services.label_jobs import PrintResult as PrintResult  # noqa: PLC0414
from biobank_desktop.core.services.label_jobs import RuleInfo as RuleInfo  # noqa: PLC0414
from biobank_desktop.core.services.print_claims import CLAIM_EXPIRY, Claim

DEFAULT_TEMPLATE = "cryovial-25x13"


def checked_reprint_reason(reason: str) -> str:
    """The reason for a reprint, checked by the one free-text rule (:func:`checked_reason`): required, one line,
    no invisible characters, at most 500 characters (a reprint is always explained)."""
    return checked_reason(reason, "A reprint needs a reason (e.g. 'label smudged', 'frosted off').")


def _job_info(job: PrintJob, session: Session, *, with_items: bool) -> JobInfo:
    items: tuple[JobItemInfo, ...] = ()
    if with_items:
        rows = session.execute(select(PrintJobItem.position, Sample.sample_code, PrintJobItem.status,
                                      PrintJobItem.sent_at).join(Sample, PrintJobItem.sample_id == Sample.id)
                               .where(PrintJobItem.job_id == job.id).order_by(PrintJobItem.position)).all()
        items = tuple(JobItemInfo(*r) for r in rows)
    statuses = [i.status for i in job.items]
    return JobInfo(job.id, job.created_at, job.created_by, job.workstation, job.source, job.template_name,
                   job.printer_name, job.status, job.is_reprint, job.reason, job.message, job.printed_at,
                   len(statuses), statuses.count("sent"), items)


def _label_data(sample: Sample, study_code: str, pseudonym: str | None) -> LabelData:
    aliquot = None
    try:
        parsed = parse_sample_id(sample.sample_code)
        if parsed.suffix:
            aliquot = parsed.suffix.rsplit("-", 1)[-1]
    except ValidationError:
        aliquot = None
    return LabelData(
        sample_id=sample.sample_code, participant=pseudonym, study=study_code, sample_type=sample.sample_type,
        volume=format_volume(sample.volume_ul) if sample.volume_ul is not None else None,
        collection_date=local_date(sample.collected_at).isoformat() if sample.collected_at else None,
        aliquot_number=aliquot, sprec=sample.sprec_code, free_text=None,
    )


def _names_of(session: Session, samples: Sequence[Sample]) -> tuple[dict[int, str], dict[int, str]]:
    """The study codes and participant pseudonyms of ``samples``, by id (two queries for a batch)."""
    study_ids = sorted({s.study_id for s in samples})
    person_ids = sorted({s.participant_id for s in samples if s.participant_id is not None})
    studies: dict[int, str] = dict(session.execute(select(Study.id, Study.code)
                                                   .where(Study.id.in_(study_ids))).all())
    people: dict[int, str] = {}
    for start in range(0, len(person_ids), 500):
        people.update(session.execute(select(Participant.id, Participant.pseudonym)
                                      .where(Participant.id.in_(person_ids[start:start + 500]))).all())
    return studies, people


class LabellingService:
    """See the module docstring. ``printers`` returns this workstation's configured printers."""

    def __init__(self, db: Database, workstation: str,
                 printers: Callable[[], Sequence[PrinterConfig]] = lambda: (),
                 claim_expiry: dt.timedelta = CLAIM_EXPIRY) -> None:
        self.db = db
        self.workstation = workstation
        self._printers = printers
        self.claim_expiry = claim_expiry
        self._external: dict[int, Claim] = {}  # claims taken for the GUI's system printers, by job
        self._lock = threading.Lock()

    # -- templates ------------------------------------------------------------------------------

    def catalog(self) -> TemplateCatalog:
        """Shipped templates plus the biobank's own (kept in the database, shared by all workstations)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            records = s.execute(select(LabelTemplateRecord).order_by(LabelTemplateRecord.name)).scalars().all()
        own: list[LabelTemplate] = []
        problems: list[ValidationError] = []
        for record in records:
            try:
                own.append(parse_template_json(record.definition, f"Label template '{record.name}' in the database"))
            except ValidationError as exc:  # one damaged copy must not hide the others
                problems.append(exc)
        catalog = load_catalog(extra_templates=own)
        return replace(catalog, problems=(*catalog.problems, *problems)) if problems else catalog

    def templates(self) -> list[LabelTemplate]:
        return list(self.catalog().templates)

    def template(self, name: str) -> LabelTemplate:
        return self.catalog().get(name)

    def shipped_names(self) -> set[str]:
        return {t.name for t in load_catalog().templates}

    def preview(self, template: LabelTemplate, data: LabelData | None = None, dpi: int | None = None) -> LabelLayout:
        """The label laid out at ``dpi`` (true scale), with its warnings and errors, for the designer."""
        return layout_label(template, data or SAMPLE_LABEL_DATA, dpi=dpi)

    def save_template(self, actor: Actor, template: LabelTemplate) -> Changes:
        """Save a biobank template (a copy of a shipped one, edited). Shipped names cannot be overwritten.

        Anyone who may print can add a copy and change their own; changing a copy made by someone
        else (which every workstation prints with) needs a supervisor (MANAGE_REFERENCE).
        """
        if template.name in self.shipped_names():
            raise ValidationError(f"'{template.name}' is a shipped template and cannot be changed.",
                                  hint="Save your version under a new name (a copy).")
        layout = layout_label(template, SAMPLE_LABEL_DATA)
        layout.raise_for_errors(f"Template '{template.name}' with the example sample")
        text = template_to_json(template)
        with UnitOfWork(self.db, actor, Permission.PRINT_LABELS) as uow:
            record = uow.session.execute(select(LabelTemplateRecord)
                                         .where(LabelTemplateRecord.name == template.name)).scalar_one_or_none()
            if record is not None and record.created_by != uow.username:
                # Anyone who prints may make a copy; changing one others print with is a supervisor's call.
                require(actor, Permission.MANAGE_REFERENCE, uow.current_role)
            action = "label_template.changed" if record else "label_template.added"
            before = {"definition": record.definition} if record else None
            if record is None:
                uow.session.add(LabelTemplateRecord(name=template.name, definition=text, created_by=uow.username))
            else:
                record.definition = text
            uow.audit(action, "label_template", template.name, summary=f"Label template {template.name} saved",
                      before=before, after={"definition": text})
            return uow.commit()

    def delete_template(self, actor: Actor, name: str, reason: str) -> Changes:
        reason = checked_reason(reason, "Give a reason for deleting the template: it is kept in the audit trail.")
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            record = uow.session.execute(select(LabelTemplateRecord)
                                         .where(LabelTemplateRecord.name == name)).scalar_one_or_none()
            if record is None:
                raise NotFoundError(f"There is no biobank template '{name}' (shipped templates cannot be deleted).")
            uow.session.delete(record)
            uow.audit("label_template.deleted", "label_template", name, summary=f"Label template {name} deleted",
                      before={"definition": record.definition}, reason=reason)
            return uow.commit()

    # -- printers and rules ---------------------------------------------------------------------

    def printers(self) -> list[PrinterConfig]:
        return list(self._printers())

    def printer(self, name: str) -> PrinterConfig:
        for printer in self._printers():
            if printer.name == name:
                return printer
        names = ", ".join(p.name for p in self._printers()) or "none is configured on this workstation"
        raise NotFoundError(f"There is no printer '{name}' ({names}).", hint="Add it in Settings → Printers.")

    def rules(self) -> list[RuleInfo]:
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [RuleInfo(r.id, r.study_code, r.sample_type, r.workstation, r.template_name, r.printer_name)
                    for r in s.execute(select(PrintRule).order_by(PrintRule.id)).scalars()]

    def add_rule(self, actor: Actor, *, template_name: str, printer_name: str | None = None,
                 study_code: str | None = None, sample_type: str | None = None,
                 workstation: str | None = None) -> Result[int]:
        """Add a print rule; the result's value is the new rule's id."""
        self.template(template_name)  # NotFoundError for an unknown template
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            rule = PrintRule(study_code=(study_code or None) and study_code.upper(),
                             sample_type=(sample_type or None) and sample_type.upper(),
                             workstation=workstation or None, template_name=template_name,
                             printer_name=printer_name or None, created_by=uow.username)
            uow.session.add(rule)
            uow.flush()
            uow.audit("print_rule.added", "print_rule", rule.id,
                      summary=f"Print rule: {study_code or 'any study'} / {sample_type or 'any type'} / "
                              f"{workstation or 'any workstation'} → {template_name} on {printer_name or 'default'}",
                      after={"study": study_code, "sample_type": sample_type, "workstation": workstation,
                             "template": template_name, "printer": printer_name})
            done = uow.commit()
            return Result(rule.id, done)

    def delete_rule(self, actor: Actor, rule_id: int) -> Changes:
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            rule = uow.session.get(PrintRule, rule_id)
            if rule is None:
                raise NotFoundError(f"There is no print rule {rule_id}.")
            uow.session.delete(rule)
            uow.audit("print_rule.deleted", "print_rule", rule_id, summary=f"Print rule {rule_id} deleted",
                      before={"template": rule.template_name, "printer": rule.printer_name})
            return uow.commit()

    def choose(self, session: Session, study_code: str, sample_type: str) -> tuple[str, str | None]:
        """(template, printer) for a sample on this workstation: the most specific matching rule wins."""
        best: tuple[int, PrintRule] | None = None
        for rule in session.execute(select(PrintRule).order_by(PrintRule.id)).scalars():
            if rule.study_code not in (None, study_code) or rule.sample_type not in (None, sample_type):
                continue
            if rule.workstation not in (None, self.workstation):
                continue
            score = (rule.workstation is not None) * 4 + (rule.study_code is not None) * 2 + (
                rule.sample_type is not None)
            if best is None or score > best[0]:
                best = (score, rule)
        if best is None:
            printers = self.printers()
            return DEFAULT_TEMPLATE, printers[0].name if printers else None
        return best[1].template_name, best[1].printer_name

    # -- the queue ------------------------------------------------------------------------------

    def label_data(self, sample_codes: Sequence[str]) -> list[LabelData]:
        """LabelData for each code, in the order given; NotFoundError naming the first unknown sample."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [self._data_for(s, sample) for sample in self._samples(s, sample_codes)]

    @staticmethod
    def _samples(session: Session, sample_codes: Sequence[str]) -> list[Sample]:
        codes = [normalize_scan(c).upper() for c in sample_codes]
        if not codes:
            raise ValidationError("No sample was given to print.")
        found = {s.sample_code: s for s in session.execute(select(Sample).where(Sample.sample_code.in_(codes)))
                 .scalars()}
        missing = [c for c in codes if c not in found]
        if missing:
            raise NotFoundError(f"There is no sample {missing[0]}" + (f" (and {len(missing) - 1} more)"
                                                                      if len(missing) > 1 else "") + ".",
                                hint="Check the IDs; nothing was queued.")
        return [found[c] for c in codes]

    @staticmethod
    def _data_for(session: Session, sample: Sample) -> LabelData:
        study = session.get(Study, sample.study_id)
        person = session.get(Participant, sample.participant_id) if sample.participant_id else None
        return _label_data(sample, study.code if study else "", person.pseudonym if person else None)

    def enqueue(self, actor: Actor, sample_codes: Sequence[str], *, source: str = "manual",
                template_name: str | None = None, printer_name: str | None = None) -> Result[list[JobInfo]]:
        """Queue labels for ``sample_codes`` in that order; the result's value is the jobs queued."""
        with UnitOfWork(self.db, actor, Permission.PRINT_LABELS) as uow:
            ids = self.enqueue_in(uow, sample_codes, source=source, template_name=template_name,
                                  printer_name=printer_name)
            done = uow.commit()
        return Result([self.job(i) for i in ids], done)

    def enqueue_in(self, uow: UnitOfWork, sample_codes: Sequence[str], *, source: str,
                   template_name: str | None = None, printer_name: str | None = None,
                   reprint_reason: str | None = None) -> list[int]:
        """Queue labels inside the caller's unit of work, in the order given (the placement order).

        Without an explicit template/printer the print rules choose per sample; consecutive samples
        with the same choice go into one job, so the order is kept.
        """
        if reprint_reason is not None:
            reprint_reason = checked_reprint_reason(reprint_reason)
        require(uow.actor, Permission.REPRINT_LABELS if reprint_reason else Permission.PRINT_LABELS)
        session = uow.session
        samples = self._samples(session, sample_codes)
        if reprint_reason is None:
            # The samples' rows locked first: two workstations queueing the same tube's first label at
            # once take turns, and the second sees the first's label (PostgreSQL; SQLite's write
            # transaction is already exclusive).
            session.execute(select(Sample.id).where(Sample.id.in_([s.id for s in samples])).with_for_update())
            self._refuse_second_labels(session, samples)
        catalog = self.catalog()
        studies, people = _names_of(session, samples)
        groups: list[tuple[str, str | None, list[Sample]]] = []
        choices: dict[tuple[str, str], tuple[str, str | None]] = {}
        for sample in samples:
            wanted = (studies.get(sample.study_id, ""), sample.sample_type)
            chosen = choices.get(wanted)
            if chosen is None:
                chosen = choices[wanted] = self.choose(session, *wanted)
            choice = (template_name or chosen[0], printer_name or chosen[1])
            if groups and (groups[-1][0], groups[-1][1]) == choice:
                groups[-1][2].append(sample)
            else:
                groups.append((choice[0], choice[1], [sample]))
        job_ids: list[int] = []
        for template, printer, members in groups:
            tpl = catalog.get(template)
            # Refuse now what could never print (a too-long ID for the template), not at the printer.
            check_printable(tpl, [_label_data(m, studies.get(m.study_id, ""), people.get(m.participant_id or 0))
                                  for m in members])
            job = PrintJob(created_by=uow.username, workstation=self.workstation, source=source,
                           template_name=template, printer_name=printer, status="queued",
                           is_reprint=reprint_reason is not None, reason=reprint_reason,
                           items=[PrintJobItem(position=i + 1, sample_id=m.id) for i, m in enumerate(members)])
            session.add(job)
            uow.flush()
            codes = [m.sample_code for m in members]
            verb = "reprint queued" if reprint_reason else "queued"
            uow.audit("labels.reprint_queued" if reprint_reason else "labels.queued", "print_job", job.id,
                      summary=f"{len(codes)} label(s) {verb} ({template} on {printer or 'no printer yet'})",
                      after={"samples": codes, "template": template, "printer": printer, "source": source},
                      reason=reprint_reason, samples=codes)
            job_ids.append(job.id)
        return job_ids

    @staticmethod
    def _refuse_second_labels(session: Session, samples: Sequence[Sample]) -> None:
        """A sample gets its label once; another one is a reprint, with a reason (a double scan must not
        print two labels, and a second label must never appear in the audit trail as a first)."""
        codes = {s.id: s.sample_code for s in samples}
        if len(codes) < len(samples):
            twice = next(s.sample_code for i, s in enumerate(samples) if s in samples[:i])
            raise ValidationError(f"{twice} is in the list twice; each tube gets one label.",
                                  hint="Nothing was queued. Remove the duplicate, or use Reprint for a second label.")
        earlier = session.execute(
            select(PrintJobItem.sample_id, PrintJobItem.status, PrintJobItem.job_id)
            .where(PrintJobItem.sample_id.in_(list(codes)), PrintJobItem.status.in_(("queued", "sent", "failed")))
            .order_by(PrintJobItem.job_id)).first()
        if earlier is not None:
            code = codes[earlier.sample_id]
            if earlier.status == "queued":
                raise ConflictError(f"The label of {code} is already waiting to print (job {earlier.job_id}).",
                                    hint="Nothing was queued again: print that job.")
            raise ConflictError(f"The label of {code} was already printed (job {earlier.job_id}).",
                                hint="Nothing was queued again. If the label is damaged or missing, use Reprint "
                                     "and give the reason.")

    def reprint(self, actor: Actor, sample_codes: Sequence[str], reason: str, *, template_name: str | None = None,
                printer_name: str | None = None) -> Result[list[JobInfo]]:
        """Queue labels again; a reprint always asks for a reason (kept on the job and in the audit trail)."""
        reason = checked_reprint_reason(reason)
        with UnitOfWork(self.db, actor, Permission.REPRINT_LABELS) as uow:
            ids = self.enqueue_in(uow, sample_codes, source="reprint", template_name=template_name,
                                  printer_name=printer_name, reprint_reason=reason)
            done = uow.commit()
        return Result([self.job(i) for i in ids], done)

    def jobs(self, *, workstation: str | None = None, statuses: Sequence[str] = (), limit: int = 200) -> list[JobInfo]:
        stmt = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
        if workstation:
            stmt = stmt.where(PrintJob.workstation == workstation)
        if statuses:
            stmt = stmt.where(PrintJob.status.in_(list(statuses)))
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [_job_info(j, s, with_items=False) for j in s.execute(stmt).scalars()]

    def job(self, job_id: int) -> JobInfo:
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            job = s.get(PrintJob, job_id)
            if job is None:
                raise NotFoundError(f"There is no print job {job_id}.")
            return _job_info(job, s, with_items=True)

    def cancel_job(self, actor: Actor, job_id: int, reason: str) -> Result[JobInfo]:
        """Cancel a job: its waiting labels are skipped. Accepted while another workstation prints it: that
        print stops at its next label, and the labels its printer confirmed are recorded as printed."""
        reason = checked_reason(reason, "Give a reason for cancelling the print job.")
        with UnitOfWork(self.db, actor, Permission.PRINT_LABELS) as uow:
            job = print_claims.lock_job(uow.session, job_id)
            if job.status in ("printed", "cancelled"):
                raise ValidationError(f"Print job {job_id} is already {job.status}.")
            before = {"status": job.status}
            printing = job.message if job.status == "printing" else None
            job.status, job.claim_token = "cancelled", None
            for item in job.items:
                if item.status in ("queued", "failed"):
                    item.status = "skipped"
            codes = list(uow.session.execute(select(Sample.sample_code).join(PrintJobItem,
                                                                             PrintJobItem.sample_id == Sample.id)
                                             .where(PrintJobItem.job_id == job_id)
                                             .order_by(PrintJobItem.position)).scalars())
            uow.audit("labels.job_cancelled", "print_job", job_id,
                      summary=f"Print job {job_id} cancelled" + (f" while {printing}" if printing else ""),
                      before=before, after={"status": "cancelled", "samples": codes}, reason=reason,
                      samples=codes)
            done = uow.commit()
        return Result(self.job(job_id), done)

    def release_claim(self, actor: Actor, job_id: int, reason: str) -> Result[JobInfo]:
        """A supervisor's way out of a print that will not finish (its workstation crashed) before the claim
        lapses on its own: the labels its printer confirmed are printed, the one(s) it may have been
        printing are flagged "may have printed", the rest wait again."""
        reason = checked_reason(reason, "Give a reason for releasing the print job (e.g. 'workstation 3 crashed').")
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            job = print_claims.lock_job(uow.session, job_id)
            if job.status != "printing":
                raise ValidationError(f"Print job {job_id} is {job.status}, not being printed: there is nothing "
                                      "to release.")
            print_claims.settle_abandoned(uow, job, why="was released by a supervisor", reason=reason)
            done = uow.commit()
        return Result(self.job(job_id), done)

    # -- rendering and printing -----------------------------------------------------------------

    def render(self, sample_codes: Sequence[str], template_name: str, fmt: str, *, dpi: int | None = None,
               start_position: int = 1) -> bytes:
        """PDF bytes or ZPL text (as UTF-8) of labels, without queueing or auditing (a preview or a file)."""
        template = self.template(template_name)
        labels = self.label_data(sample_codes)
        if fmt == "pdf":
            return render_pdf(template, labels, dpi=dpi, start_position=start_position)
        if fmt == "zpl":
            from biobank_desktop.core.labels.zpl import PrinterCalibration

            zpl = render_zpl_labels(template, labels, PrinterCalibration(dpi=dpi or template.dpi))
            return "".join(zpl).encode("utf-8")
        raise ValidationError(f"Unknown label format '{fmt}': use pdf or zpl.")

    def job_labels(self, job_id: int, *, pending_only: bool) -> tuple[LabelTemplate, list[tuple[int, LabelData]]]:
        """The template and (position, label) pairs of a job, e.g. for the GUI's system-printer path.

        ``pending_only``: the labels still ``queued``. A ``failed`` label (the printer may have
        printed it) is not pending: someone must look at the printer and :meth:`resolve_doubtful`.
        """
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            job = s.get(PrintJob, job_id)
            if job is None:
                raise NotFoundError(f"There is no print job {job_id}.")
            items = [i for i in job.items if not pending_only or i.status == "queued"]
            pairs = [(i.position, self._data_for(s, s.get(Sample, i.sample_id))) for i in items]  # type: ignore[arg-type]
            template_name = job.template_name
        return self.template(template_name), pairs

    def _nothing_to_print(self, job_id: int) -> NoReturn:
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            job = s.get(PrintJob, job_id)
            if job is None:
                raise NotFoundError(f"There is no print job {job_id}.")
            raise print_claims.nothing_left_error(s, job)

    def _claim(self, actor: Actor, job_id: int, printer: str, *, window: int | None = None) -> Claim:
        """Take the job and read the labels to print, in one transaction (see :mod:`print_claims`).

        ``window``: how many labels past the last confirmed one may be in the printer unconfirmed
        (None: all of them, a printer that takes the whole job at once)."""
        token = secrets.token_hex(16)
        with UnitOfWork(self.db, actor, Permission.PRINT_LABELS) as uow:
            session = uow.session
            job = print_claims.lock_job(session, job_id)
            now = utcnow()
            settled = False
            if job.status == "printing":
                if print_claims.stale_since(job, now, self.claim_expiry) is None:
                    raise print_claims.busy_error(job, self.claim_expiry)
                print_claims.settle_abandoned(uow, job, why=f"lapsed ({self.claim_expiry} without a label)",
                                              reason=None)
                settled = True
            pending = [i for i in job.items if i.status == "queued"] if job.status in print_claims.CLAIMABLE else []
            if not pending:
                error = print_claims.nothing_left_error(session, job)
                if settled:  # the settled claim is kept: it is what happened
                    uow.commit()
                raise error
            template = self.template(job.template_name)
            labels = tuple((i.position, self._data_for(session, session.get(Sample, i.sample_id)))  # type: ignore[arg-type]
                           for i in pending)
            job.status, job.printer_name = "printing", printer[:100]
            job.message = f"being printed on {printer} from {self.workstation}"
            job.claim_token, job.claimed_at, job.claim_confirmed = token, now, 0
            job.claim_window = len(labels) if window is None else min(window, len(labels))
            uow.audit("labels.print_started", "print_job", job_id, summary=f"Printing job {job_id} on {printer}",
                      after={"printer": printer, "samples": [d.sample_id for _, d in labels]})
            done = uow.commit()
        return Claim(job_id, token, printer, template, labels, done)

    def print_job(self, actor: Actor, job_id: int, *, printer_name: str | None = None,
                  printer: PrinterConfig | None = None, start_position: int = 1,
                  progress: ProgressFn | None = None, cancelled: CancelledFn | None = None) -> PrintResult:
        """Print the labels of a job that are not yet confirmed; see the module docstring for the guarantees.

        The labels sent are the ones read when the job was claimed (one transaction); a heartbeat after each
        label the printer confirms sees a cancel (or a takeover) and stops the print before the next label."""
        require(actor, Permission.PRINT_LABELS)
        info = self.job(job_id)
        if not any(i.status == "queued" for i in info.items):
            self._nothing_to_print(job_id)  # the common case, said before a printer is looked for
        target = printer or self.printer(printer_name or info.printer_name or "")
        if target.kind == "system":
            raise ValidationError(f"{target.name} is a system printer: print this job from the Labels page.")
        transport = None if target.kind == "pdf-file" else transport_for(target)
        window = transport.confirm_every if isinstance(transport, TcpPrinterTransport) else None
        claim = self._claim(actor, job_id, target.name, window=window)
        every = window or len(claim.labels)
        labels = [data for _, data in claim.labels]
        confirmed, unconfirmed = 0, 0
        confirmed_so_far = [0]  # updated as the printer confirms labels, for an interrupted batch
        claim_lost = [False]
        error: BiobankError | None = None

        def stop() -> bool:
            return claim_lost[0] or (cancelled is not None and cancelled())

        try:
            if target.kind == "pdf-file":
                path = Path(target.address).expanduser()
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(render_pdf(claim.template, labels, dpi=target.dpi, start_position=start_position,
                                            offset_x_mm=target.offset_x_mm, offset_y_mm=target.offset_y_mm,
                                            title=f"Print job {job_id}"))
                confirmed = len(labels)
            else:
                assert transport is not None
                zpl = render_zpl_labels(claim.template, labels, target.calibration)

                def sent(done: int, total: int) -> None:
                    sure = done if done == total else done - done % every
                    confirmed_so_far[0] = sure
                    if not print_claims.heartbeat(self.db, job_id, claim.token, sure):
                        claim_lost[0] = True  # cancelled or taken over: no further label is sent
                    if progress:
                        progress(done / total, f"Label {done} of {total} sent to {target.name}")

                report = transport.send_labels(zpl, progress=sent, cancelled=stop)
                confirmed = report.labels_confirmed
        except PrintJobInterruptedError as exc:
            confirmed, unconfirmed, error = exc.labels_confirmed, exc.labels_unconfirmed, exc
        except (PrinterError, ValidationError, OSError) as exc:
            error = exc if isinstance(exc, BiobankError) else PrinterError(
                f"The labels could not be written to {target.address}: {exc}.", hint="Check the folder, then Retry.")
        except BaseException:
            # Ctrl+C or a crash mid-batch: what the printer confirmed is sent; the next label may be
            # in the printer, so it is flagged for a look, never resent silently.
            done = confirmed_so_far[0]
            self._finish(actor, claim, list(claim.labels), confirmed=done,
                         unconfirmed=min(every, len(labels) - done),
                         message="the print was interrupted; look at the printer before printing the rest")
            raise
        message = "" if error is None else str(error)
        if message and target.name not in message:
            message = f"{target.name}: {message}"
        finished, lost = self._finish(actor, claim, list(claim.labels), confirmed=confirmed,
                                      unconfirmed=unconfirmed, message=message)
        if lost is not None and error is None:
            error = ConflictError(f"{lost[0].upper()}{lost[1:]}: {confirmed} of {len(labels)} label(s) printed "
                                  "before this workstation saw it.",
                                  hint="Look at the job in the print queue before printing anything again.")
        return PrintResult(self.job(job_id), confirmed, error, claim.changes | finished, claim.positions)

    def _finish(self, actor: Actor, claim: Claim, labels: list[tuple[int, LabelData]], *,
                confirmed: int, unconfirmed: int, message: str) -> tuple[Changes, str | None]:
        message = sanitized_text(message, MAX_MESSAGE_LENGTH)  # a device's words, kept on the job and audited
        with UnitOfWork(self.db, actor) as uow:
            lost = print_claims.record_outcome(uow, claim, labels, confirmed=confirmed, unconfirmed=unconfirmed,
                                               message=message)
            return uow.commit(), lost

    def resolve_doubtful(self, actor: Actor, job_id: int, positions: Sequence[int], *,
                         printed: bool) -> Result[JobInfo]:
        """After looking at the printer: the labels it did print are ``sent``, the others go back to the queue."""
        with UnitOfWork(self.db, actor, Permission.PRINT_LABELS) as uow:
            job = print_claims.lock_job(uow.session, job_id)
            if job.status == "printing":
                raise print_claims.busy_error(job, self.claim_expiry)
            chosen = [i for i in job.items if i.position in set(positions)]
            if not chosen or any(i.status != "failed" for i in chosen):
                raise ValidationError("Choose labels marked 'may have printed'.")
            now = utcnow()
            for item in chosen:
                item.status, item.sent_at = ("sent", now) if printed else ("queued", None)
            if job.status != "cancelled":
                finished = sum(1 for i in job.items if i.status in ("sent", "skipped"))
                job.status = "printed" if finished == len(job.items) else "partial"
                if job.status == "printed":
                    job.printed_at, job.message = now, ""
            codes = [print_claims.code_of(uow.session, i) for i in chosen]
            uow.audit("labels.doubtful_resolved", "print_job", job_id,
                      summary=f"{len(codes)} label(s) of job {job_id} "
                              + ("confirmed printed" if printed else "put back in the queue"),
                      after={"samples": codes, "printed": printed}, samples=codes)
            done = uow.commit()
        return Result(self.job(job_id), done)

    def claim_external(self, actor: Actor, job_id: int, printer_name: str
                       ) -> tuple[LabelTemplate, list[tuple[int, LabelData]]]:
        """Before the GUI prints a job through a system printer (Qt): claim it, as ``print_job`` does, and get
        the labels read under the claim. Then :meth:`record_printed` or :meth:`record_print_failed` (from this
        same service: it keeps the claim's token)."""
        require(actor, Permission.PRINT_LABELS)
        claim = self._claim(actor, job_id, printer_name)
        with self._lock:
            self._external[job_id] = claim
        return claim.template, list(claim.labels)

    def _external_claim(self, job_id: int) -> Claim:
        with self._lock:
            claim = self._external.pop(job_id, None)
        if claim is None:
            raise ConflictError(f"This workstation is not printing job {job_id}.",
                                hint="Print it again from the print queue.")
        return claim

    def record_printed(self, actor: Actor, job_id: int, printer_name: str,
                       positions: Sequence[int]) -> Result[JobInfo]:
        """The claimed job's labels at ``positions`` went to the system printer: mark them sent and audit it.
        Labels not named go back to the queue."""
        claim = self._external_claim(job_id)
        chosen = [p for p in claim.labels if p[0] in set(positions)]
        done, _lost = self._finish(actor, claim, chosen + [p for p in claim.labels if p not in chosen],
                                   confirmed=len(chosen), unconfirmed=0, message="")
        return Result(self.job(job_id), done)

    def record_print_failed(self, actor: Actor, job_id: int, printer_name: str, message: str, *,
                            maybe_printed: Sequence[int]) -> Result[JobInfo]:
        """A system print of a claimed job failed or was cancelled. Labels the spooler may already hold
        (``maybe_printed``) are flagged for a look at the printer; the others go back to the queue."""
        claim = self._external_claim(job_id)
        doubtful = [p for p in claim.labels if p[0] in set(maybe_printed)]
        done, _lost = self._finish(actor, claim, doubtful + [p for p in claim.labels if p not in doubtful],
                                   confirmed=0, unconfirmed=len(doubtful), message=message)
        return Result(self.job(job_id), done)
