"""After scanning: labels and storage for the accepted tubes, closing, the discrepancy report; and the consent
rule and walk-in registration, which follow the same rules as a scan."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork, require
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, ValidationError
from biobank_desktop.core.domain.reception import OPEN_STATUSES
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import checked_reason, optional_text
from biobank_desktop.core.services.changes import EXPORT, SAMPLE, SHIPMENT, Changes, Result
from biobank_desktop.core.services.reception.common import (
    counts_of,
    find_shipment,
    receipts_in_scan_order,
    refuse_without_consent,
    shipment_info,
    study_of,
    verdict_for,
)
from biobank_desktop.core.services.reception.dto import Board, ConsentCheck, ShipmentInfo, StoreResult
from biobank_desktop.core.services.samples import NewSample, SampleService
from biobank_desktop.core.services.storage import PlacedTube, StorageService
from biobank_desktop.core.services.storage.placing import UNPLACEABLE_STATUSES

if TYPE_CHECKING:
    from biobank_desktop.core.services.labelling import LabellingService


class FinishingMixin:
    db: Database
    samples: SampleService
    storage: StorageService
    labelling: LabellingService

    def board(self, shipment: str) -> Board:  # provided by ShipmentsMixin
        """The reception board as the database holds it now (other workstations' scans included)."""
        raise NotImplementedError

    def label_accepted(self, actor: Actor, shipment: str) -> Result[list[int]]:
        """Queue labels for the accepted (and quarantined) tubes that have none yet, in scan order, on the
        printer the print rules choose; the value is the print jobs' ids (empty: nothing to label)."""
        with UnitOfWork(self.db, actor, Permission.PRINT_LABELS) as uow:
            row = find_shipment(uow.session, shipment, for_update=True)
            codes = [r.sample_code for r in receipts_in_scan_order(uow.session, row) if not r.labelled]
            if not codes:
                return Result([])
            jobs = self.labelling.enqueue_in(uow, codes, source="reception")
            uow.audit("reception.labelled", SHIPMENT, row.code,
                      summary=f"Labels of {len(codes)} tube(s) of {row.code} queued", after={"jobs": jobs},
                      samples=codes)
            return Result(jobs, uow.commit())

    def store_accepted(self, actor: Actor, shipment: str, *, within: str | None = None) -> Result[StoreResult]:
        """Find space for the accepted tubes not yet stored (``within`` a freezer, rack or box code) and place
        them, in scan order, grouped by study and sample type. A group that does not fit is left whole (named in
        ``left`` and ``problems``); ValidationError when nothing fits. The value says where each went."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            row = find_shipment(uow.session, shipment, for_update=True)
            # A tube discarded, used up or shipped since its reception has no place in a box: not waiting.
            waiting = [r for r in receipts_in_scan_order(uow.session, row)
                       if not r.stored and r.status not in UNPLACEABLE_STATUSES]
            groups: dict[tuple[int, str, str | None], list[str]] = {}
            for r in waiting:
                groups.setdefault((r.study_id, r.sample_type, r.storage_tube), []).append(r.sample_code)
            placed: list[PlacedTube] = []
            left: list[str] = []
            problems: list[str] = []
            for (_, sample_type, _), codes in groups.items():
                # Each group in its own savepoint: place_found_in writes (and audits) tube by tube, so a refusal
                # on a later tube must take back the group's earlier ones, or a group named "left" is half stored.
                try:
                    with uow.savepoint():
                        found = self.storage.place_found_in(uow, codes, within=within)
                except ValidationError as exc:  # no room for this group: nothing of it is placed (nor audited)
                    left.extend(codes)
                    problems.append(f"{len(codes)} {sample_type} tube(s): {exc.message}")
                else:
                    placed.extend(found)
            if not placed:
                if problems:
                    raise ValidationError("No accepted tube could be stored: " + "; ".join(problems),
                                          hint="Add boxes (or free positions), then try again.")
                return Result(StoreResult(()))
            uow.audit("reception.stored", SHIPMENT, row.code,
                      summary=f"{len(placed)} tube(s) of {row.code} stored" + (f", {len(left)} left" if left else ""),
                      after={"placed": [f"{p.sample_code} → {p.box_code} {p.position}" for p in placed],
                             "left": left}, samples=[p.sample_code for p in placed])
            return Result(StoreResult(tuple(placed), tuple(left), tuple(problems)), uow.commit())

    def close(self, actor: Actor, shipment: str, reason: str | None = None) -> Result[ShipmentInfo]:
        """Close the shipment. A reason is required while tubes are missing or waiting for a decision (they stay
        so, and are on the discrepancy report). Refused when already closed."""
        why = optional_text(reason, "The reason", 2000, multiline=True)
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            row = find_shipment(session, shipment, for_update=True)
            if row.status not in OPEN_STATUSES:
                raise ConflictError(f"Shipment {row.code} is already {row.status}"
                                    + (f" (by {row.closed_by})." if row.closed_by else "."),
                                    hint="Nothing was changed.")
            counts = counts_of(session, row)
            open_items = []
            if counts.missing:
                open_items.append(f"{counts.missing} tube(s) missing")
            if counts.pending:
                open_items.append(f"{counts.pending} tube(s) waiting for a decision")
            if open_items and not (why and why.strip()):
                raise ValidationError(f"Shipment {row.code} still has {' and '.join(open_items)}.",
                                      hint="Give a reason to close it anyway (they stay on the discrepancy report), "
                                           "or receive and decide them first.")
            before = {"status": row.status}
            row.status, row.closed_at, row.closed_by = "closed", utcnow(), uow.username
            row.close_reason = why.strip() if why and why.strip() else None
            uow.flush()
            uow.audit("shipment.closed", SHIPMENT, row.code,
                      summary=f"Shipment {row.code} closed" + (f" with {' and '.join(open_items)}" if open_items
                                                               else ""),
                      before=before, after={"status": "closed", **dataclasses.asdict(counts)},
                      reason=row.close_reason)
            info = shipment_info(session, row, counts)
            return Result(info, uow.commit())

    def write_report(self, actor: Actor, shipment: str, out: Path) -> Result[Path]:
        """The discrepancy report to ``out``: .pdf (to print and file) or .xlsx (to send back to the clinic):
        arrival conditions; missing, unexpected, damaged, quarantined and rejected tubes with their conditions.
        Audited as an export."""
        require(actor, Permission.VIEW_SAMPLES)
        suffix = out.suffix.lower()
        if suffix not in (".pdf", ".xlsx"):
            raise ValidationError(f"'{out.name}' is neither a .pdf nor an .xlsx file.",
                                  hint="Name the report …pdf (to print) or …xlsx (for the clinic).")
        board = self.board(shipment)
        from biobank_desktop.core.services.reception import report

        who = f"{actor.display_name} ({actor.username})"
        if suffix == ".pdf":
            written = report.write_report_pdf(board, out, printed_by=who)
        else:
            # A file sent to a clinic carries no internal path: the header names the application, not the database.
            written = report.write_report_xlsx(board, out, created_by=who, database="Biobank Desktop").path
        with UnitOfWork(self.db, actor) as uow:
            listed = len(report.discrepancies(board))
            uow.audit("export.written", EXPORT, written.name,
                      summary=f"Discrepancy report of {board.shipment.code} written to {written.name} ({listed} tubes)",
                      after={"what": f"discrepancy report of {board.shipment.code}", "file": str(written),
                             "rows": listed})
            done = uow.commit()
        return Result(written, Changes.of([(EXPORT, written.name)], done.last_audit_seq))

    # -- consent and walk-in ---------------------------------------------------------------------------------

    def consent_check(self, study: str, pseudonym: str | None) -> ConsentCheck:
        """The consent rule for a participant (unknown participant: no consent recorded)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            verdict = verdict_for(session, study_of(session, study).id, pseudonym, None)
            return ConsentCheck(verdict.valid, verdict.reason)

    def register_walk_in(self, actor: Actor, new: NewSample, *, quarantine_reason: str | None = None,
                         label: bool = False, store: bool = False) -> Result[str]:
        """Register one sample brought by hand, under the reception rules: a participant without valid consent
        raises ConsentStopError unless ``quarantine_reason`` is given (the sample is then quarantined, audited);
        impossible time points raise ValidationError. Reception time defaults to now. Value: the sample ID."""
        reason = checked_reason(quarantine_reason) if quarantine_reason is not None else None
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            study = study_of(uow.session, new.study_code)
            verdict = verdict_for(uow.session, study.id, new.participant, None)
            if reason is None:
                refuse_without_consent(verdict, f"participant {new.participant or '(none given)'}")
            status = new.status if verdict.valid else "quarantined"
            registered = dataclasses.replace(new, received_at=new.received_at or utcnow(), status=status)
            code = self.samples.register_in(uow, registered)
            if not verdict.valid:
                uow.audit("sample.quarantined_at_registration", SAMPLE, code,
                          summary=f"{code} registered in quarantine: {verdict.reason}", reason=reason,
                          after={"status": "quarantined", "why": verdict.reason})
            if label:
                self.labelling.enqueue_in(uow, [code], source="registration")
            if store:
                self.storage.place_found_in(uow, [code])
            return Result(code, uow.commit())
