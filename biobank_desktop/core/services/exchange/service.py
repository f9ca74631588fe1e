"""ExchangeService: imports (manifest → shipment of expected tubes; inventory → samples), saved mappings per
partner site, the import history, and the adapter the import wizard drives.

Audit granularity, and why. Every committed import writes one ``import.committed`` event (file name, SHA-256,
sheet, mapping as used and its saved version, counts read/valid/imported/rejected, who, when). A manifest
adds one ``shipment.created`` event, not one per expected tube: expected tubes are not samples yet, the file
hash and the import record reproduce them exactly, and 100,000 events would double the cost of the import.
An inventory creates samples: each gets the sample service's own ``sample.registered`` event plus one
``sample.imported`` event naming the import and the row, so every imported sample's history shows where it
came from.

All-or-nothing by default: a commit is refused (nothing written) while any row has an error; with
``valid_rows_only`` the valid rows are written and the others go into the error workbook. A dry run does the
whole write inside the transaction (the database checks its constraints too) and then rolls it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, String, any_, bindparam, func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    ExpectedTube,
    ImportRecord,
    PartnerSite,
    Sample,
    SampleBarcode,
    SavedMapping,
    Shipment,
    Study,
)
from biobank_desktop.core.db.uow import UnitOfWork, require
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.flows.import_wizard import ImportBackend, ImportPlan
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress, scaled
from biobank_desktop.core.services.changes import EXPORT, IMPORT, SAMPLE, SHIPMENT, Changes, Result
from biobank_desktop.core.services.exchange import exports, writing
from biobank_desktop.core.services.exchange.exports import describe_criteria
from biobank_desktop.core.services.queries import QueryService, SampleCriteria
from biobank_desktop.core.services.samples import SampleService
from biobank_desktop.core.services.storage import StorageService
from biobank_desktop.core.spreadsheets.error_workbook import write_error_workbook
from biobank_desktop.core.spreadsheets.fields import IMPORT_KINDS, ImportKind, fold
from biobank_desktop.core.spreadsheets.importing import ImportReport, default_vocabularies, prepare
from biobank_desktop.core.spreadsheets.mapping import ImportMapping, LeftOut
from biobank_desktop.core.spreadsheets.reading import file_sha256
from biobank_desktop.core.spreadsheets.validation import Context
from biobank_desktop.core.spreadsheets.writer import (
    HeaderBlock,
    SheetSpec,
    WriteResult,
    write_csv,
    write_table,
    write_workbook,
)

DEFAULT_MAPPING_NAME = "default"
_OPEN_SHIPMENTS = ("expected", "receiving")
_LOOKUP_CHUNK = 2000


@dataclass(frozen=True)
class SavedMappingInfo:
    id: int
    partner: str
    kind: str
    name: str
    version: int
    created_by: str
    created_at: object
    mapping: ImportMapping


@dataclass(frozen=True)
class ImportInfo:
    """One line of the import history."""

    id: int
    kind: str
    file_name: str
    sha256: str
    sheet: str
    partner: str | None
    rows_read: int
    rows_valid: int
    rows_imported: int
    valid_rows_only: bool
    imported_by: str
    imported_at: object
    shipment: str | None


class ExchangeService:
    def __init__(self, db: Database, samples: SampleService | None = None,
                 storage: StorageService | None = None) -> None:
        self.db = db
        self.samples = samples or SampleService(db)
        self.storage = storage or StorageService(db, self.samples)

    # -- reference lookups -------------------------------------------------------------------------------

    def _partner(self, session: Session, code: str | None) -> PartnerSite | None:
        if code is None or not code.strip():
            return None
        site = session.execute(select(PartnerSite).where(PartnerSite.code == code.strip().upper())).scalar()
        if site is None:
            known = ", ".join(session.execute(select(PartnerSite.code).order_by(PartnerSite.code)).scalars())
            raise NotFoundError(f"There is no partner site {code.strip().upper()}.",
                                hint=f"Known partner sites: {known or 'none yet'}. A supervisor adds new ones.")
        return site

    def context(self, kind: ImportKind, partner: str | None) -> Context:
        """What validation needs from the database: studies, and a lookup of barcodes already known."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            self._partner(session, partner)
            studies: dict[str, str] = {}
            for code, name in session.execute(select(Study.code, Study.name).where(Study.active.is_(True))):
                studies[fold(name)] = code
                studies[fold(code)] = code
        return Context(default_vocabularies(), studies, self.known_barcodes)

    def known_barcodes(self, barcodes: set[str]) -> dict[str, str]:
        """Those of ``barcodes`` already on a sample or expected in an open shipment, with where."""
        found: dict[str, str] = {}
        ordered = sorted(barcodes)
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            # PostgreSQL: one array parameter per query (= ANY); SQLite: IN lists within its parameter limit.
            step = (len(ordered) or 1) if self.db.backend == "postgresql" else _LOOKUP_CHUNK
            for start in range(0, len(ordered), step):
                chunk = ordered[start:start + step]
                on_sample = _among(SampleBarcode.barcode, chunk, self.db.backend)
                for barcode, sample in session.execute(
                        select(SampleBarcode.barcode, Sample.sample_code).join(Sample).where(on_sample)):
                    found[barcode] = f"it belongs to sample {sample}"
                expected = _among(ExpectedTube.clinic_barcode, chunk, self.db.backend)
                for barcode, shipment in session.execute(
                        select(ExpectedTube.clinic_barcode, Shipment.code).join(Shipment)
                        .where(expected, Shipment.status.in_(_OPEN_SHIPMENTS))):
                    found.setdefault(barcode, f"it is expected in open shipment {shipment}")
        return found

    # -- saved mappings ----------------------------------------------------------------------------------

    def saved_mapping(self, kind: ImportKind, partner: str | None, name: str | None = None) -> ImportMapping | None:
        """The newest version of the partner's mapping ``name`` (default: the one used last) for ``kind``."""
        info = self._latest_mapping(kind, partner, name)
        return info.mapping if info else None

    def _latest_mapping(self, kind: str, partner: str | None, name: str | None) -> SavedMappingInfo | None:
        if partner is None:
            return None
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            site = self._partner(session, partner)
            assert site is not None
            stmt = select(SavedMapping).where(SavedMapping.partner_site_id == site.id, SavedMapping.kind == kind)
            if name is not None:
                stmt = stmt.where(SavedMapping.name == name)
            row = session.execute(stmt.order_by(SavedMapping.created_at.desc(), SavedMapping.id.desc())
                                  .limit(1)).scalar()
            if row is None:
                if name is not None:
                    raise NotFoundError(f"Partner {site.code} has no saved {kind} mapping named '{name}'.",
                                        hint="Leave the mapping out (or use 'auto') to map the columns afresh.")
                return None
            return _mapping_info(row, site.code)

    def saved_mappings(self, partner: str) -> list[SavedMappingInfo]:
        """Every version of every mapping saved for ``partner``, newest first."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            site = self._partner(session, partner)
            assert site is not None
            rows = session.execute(select(SavedMapping).where(SavedMapping.partner_site_id == site.id)
                                   .order_by(SavedMapping.id.desc())).scalars()
            return [_mapping_info(r, site.code) for r in rows]

    def _save_mapping_in(self, uow: UnitOfWork, site: PartnerSite, kind: str, name: str,
                         mapping: ImportMapping) -> int:
        """The id of the saved version equal to ``mapping``, adding a new version when it changed."""
        session = uow.session
        latest = session.execute(select(SavedMapping).where(
            SavedMapping.partner_site_id == site.id, SavedMapping.kind == kind, SavedMapping.name == name)
            .order_by(SavedMapping.version.desc()).limit(1)).scalar()
        definition = mapping.to_dict()
        if latest is not None and latest.definition == definition:
            return latest.id
        version = (latest.version + 1) if latest else 1
        row = SavedMapping(partner_site_id=site.id, kind=kind, name=name, version=version, definition=definition,
                           created_by=uow.actor.username)
        session.add(row)
        uow.flush()
        uow.audit("mapping.saved", "site", site.code, summary=f"{kind.capitalize()} mapping '{name}' of {site.code} "
                                                              f"saved as version {version}",
                  after={"kind": kind, "name": name, "version": version, "mapping": definition})
        return row.id

    # -- import ------------------------------------------------------------------------------------------

    def first_import_of(self, sha256: str) -> ImportInfo | None:
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            row = session.execute(select(ImportRecord).where(ImportRecord.sha256 == sha256)).scalar()
            return _import_info(session, row) if row else None

    def import_file(self, actor: Actor, path: Path, *, kind: ImportKind, partner: str | None = None,
                    mapping: ImportMapping | None = None, mapping_name: str | None = None, sheet: str | None = None,
                    dry_run: bool = False, valid_rows_only: bool = False, save_mapping: bool = True,
                    use_saved_mapping: bool = True, errors_to: Path | None = None, progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> Result[ImportReport]:
        """Read, map, validate and (unless ``dry_run``) write ``path``; see the module docstring.

        ``mapping`` as given, else the partner's saved ``mapping_name`` (newest version; None: the last one
        used; none with ``use_saved_mapping=False``), completed from the sheet's headers and values. The report
        says what was (or would be) done; a refused commit returns a report with ``rows_imported == 0`` and its
        reasons in ``notes``.
        Raises for what stops before any row is read: an unknown partner, a file that is not a spreadsheet,
        a file already imported (with the date of the first import)."""
        require(actor, Permission.RECORD_SAMPLES)
        if kind not in IMPORT_KINDS:
            raise ValidationError(f"'{kind}' is not an import kind.", hint="Use manifest or inventory.")
        if kind == "manifest" and not partner:
            raise ValidationError("A manifest import needs the partner site that sent it.",
                                  hint="Give the partner site's code.", reason="partner_missing")
        context = self.context(kind, partner)
        saved = self._latest_mapping(kind, partner, mapping_name) if use_saved_mapping or mapping_name else None
        self._refuse_if_imported(path)
        prepared = prepare(path, kind, context, sheet=sheet, mapping=mapping, saved=saved.mapping if saved else None,
                           progress=scaled(progress, 0.0, 0.5), cancelled=cancelled)
        validation = prepared.validation
        used = prepared.mapping
        left_out = list(validation.left_out)
        mapped = set(used.columns.values()) | {lo.header for lo in left_out}
        left_out += [LeftOut(c.letter, c.header, "no field is mapped to this column: not imported")
                     for c in prepared.table.columns if c.header not in mapped]
        report = ImportReport(kind, path.name, prepared.source.sha256, validation.sheet, dry_run,
                              validation.rows_read, len(validation.valid_rows), 0, left_out,
                              list(validation.problems), list(prepared.table.skipped), mapping=used.to_dict(),
                              notes=list(prepared.table.notes))
        if errors_to is not None and validation.error_rows:
            write_error_workbook(errors_to, prepared.table, validation.problems, source_name=path.name,
                                 created_by=actor.username, database=self.db.info.description)
            report.notes.append(f"Rejected rows written to {errors_to}.")
        refusal = _refusal(validation.file_errors, validation.error_rows, len(validation.valid_rows),
                           valid_rows_only)
        if refusal is not None:
            report.notes.append(refusal)
            return Result(report)
        rows = [(n, validation.records[n]) for n in validation.valid_rows]
        changes = self._write(actor, report, rows, mapping=used, partner=partner, valid_rows_only=valid_rows_only,
                              save_mapping=save_mapping,
                              mapping_name=mapping_name or (saved.name if saved else DEFAULT_MAPPING_NAME),
                              progress=scaled(progress, 0.5, 1.0), cancelled=cancelled)
        return Result(report, changes)

    def _refuse_if_imported(self, path: Path) -> None:
        try:
            digest = file_sha256(path)
        except OSError:
            return  # open_spreadsheet (next) says what is wrong with the file
        first = self.first_import_of(digest)
        if first is not None:
            when = first.imported_at.strftime("%Y-%m-%d %H:%M") if hasattr(first.imported_at, "strftime") else ""
            raise ConflictError(f"This file was already imported on {when} UTC by {first.imported_by} "
                                f"(import #{first.id}, '{first.file_name}', {first.rows_imported} rows"
                                + (f", shipment {first.shipment}" if first.shipment else "") + ").",
                                hint="Nothing was imported again. If the clinic corrected the file, import the "
                                     "corrected file.")

    def _write(self, actor: Actor, report: ImportReport, rows: list[tuple[int, dict[str, object]]], *,
               mapping: ImportMapping, partner: str | None, valid_rows_only: bool, save_mapping: bool,
               mapping_name: str, progress: ProgressFn, cancelled: CancelledFn) -> Changes:
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            site = self._partner(session, partner)
            mapping_id = self._save_mapping_in(uow, site, report.kind, mapping_name, mapping) \
                if site is not None and save_mapping else None
            record = ImportRecord(kind=report.kind, file_name=report.file[:255], sha256=report.sha256,
                                  sheet=report.sheet[:100], partner_site_id=site.id if site else None,
                                  mapping_id=mapping_id, mapping=mapping.to_dict(), rows_read=report.rows_read,
                                  rows_valid=report.rows_valid, rows_imported=len(rows),
                                  valid_rows_only=valid_rows_only, imported_by=actor.username,
                                  workstation=actor.workstation)
            session.add(record)
            uow.flush()
            report.import_id = record.id
            pairs: list[tuple[str, str]] = [(IMPORT, str(record.id))]
            origin = f"import #{record.id} of {report.file} (SHA-256 {report.sha256[:12]}…)"
            if report.kind == "manifest":
                assert site is not None
                report.shipment = writing.write_manifest(
                    uow, rows, partner_id=site.id, file_name=report.file[:255], sha256=report.sha256,
                    import_id=record.id, mapping_id=mapping_id, progress=progress, cancelled=cancelled)
                pairs.append((SHIPMENT, report.shipment))
            else:
                codes = writing.write_inventory(uow, self.samples, self.storage, rows,
                                                partner_code=site.code if site else None, origin=origin,
                                                progress=progress, cancelled=cancelled)
                pairs.extend((SAMPLE, c) for c in codes)
            uow.audit("import.committed", IMPORT, record.id,
                      summary=f"Imported {len(rows)} of {report.rows_read} rows of {report.file} ({report.kind})",
                      after={"kind": report.kind, "file": report.file, "sha256": report.sha256,
                             "sheet": report.sheet, "partner": site.code if site else None,
                             "mapping_version_id": mapping_id, "mapping": mapping.to_dict(),
                             "rows_read": report.rows_read, "rows_valid": report.rows_valid,
                             "rows_imported": len(rows), "rows_rejected": report.rows_read - len(rows),
                             "valid_rows_only": valid_rows_only, "shipment": report.shipment})
            check_cancelled(cancelled, "Import cancelled: nothing was imported.")
            if report.dry_run:
                report.notes.append(f"Dry run: {len(rows)} rows would be imported; nothing was written.")
                report.import_id = None
                report.shipment = None
                return Changes()  # leaving the block without commit rolls everything back
            uow.commit()
            report.rows_imported = len(rows)
            return Changes.of(pairs, uow.changes.last_audit_seq)

    # -- history -----------------------------------------------------------------------------------------

    def import_history(self, actor: Actor, *, limit: int = 200) -> list[ImportInfo]:
        """The latest imports, newest first: who, when, which file, counts."""
        require(actor, Permission.VIEW_SAMPLES)
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            rows = session.execute(select(ImportRecord).order_by(ImportRecord.id.desc()).limit(limit)).scalars()
            return [_import_info(session, r) for r in rows]

    def shipment_tube_count(self, code: str) -> int:
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            shipment = session.execute(select(Shipment.id).where(Shipment.code == code)).scalar()
            if shipment is None:
                raise NotFoundError(f"There is no shipment {code}.")
            return int(session.execute(select(func.count()).select_from(ExpectedTube)
                                       .where(ExpectedTube.shipment_id == shipment)).scalar_one())

    # -- exports -----------------------------------------------------------------------------------------

    def _header(self, actor: Actor, title: str, details: Iterable[tuple[str, str]] = ()) -> HeaderBlock:
        return HeaderBlock(title, created_by=f"{actor.display_name} ({actor.username})",
                           database=self.db.info.description, details=list(details))

    def _exported(self, actor: Actor, what: str, result: WriteResult) -> Result[WriteResult]:
        with UnitOfWork(self.db, actor) as uow:
            rows = sum(result.rows.values())
            uow.audit("export.written", EXPORT, result.path.name, summary=f"Exported {what}: {rows} rows to "
                                                                         f"{result.path.name}",
                      after={"what": what, "file": str(result.path), "rows": result.rows})
            committed = uow.commit()
            return Result(result, Changes.of([(EXPORT, result.path.name)], committed.last_audit_seq))

    def export_inventory(self, actor: Actor, path: Path, criteria: SampleCriteria | None = None, *,
                         progress: ProgressFn = no_progress,
                         cancelled: CancelledFn = never_cancelled) -> Result[WriteResult]:
        """The samples a search finds (all when ``criteria`` is None), its filters in the header; .xlsx or .csv."""
        require(actor, Permission.VIEW_SAMPLES)
        criteria = criteria or SampleCriteria()
        where = QueryService(self.db).ids_statement(criteria)
        total = QueryService(self.db).count(criteria, cap=10_000_000)[0]
        details = [("Filters", describe_criteria(criteria)), ("Samples", f"{total:,}")]
        sheet = SheetSpec("Inventory", exports.SAMPLE_COLUMNS,
                          exports.sample_rows(self.db, where, total=total, with_consents=False,
                                              progress=progress, cancelled=cancelled),
                          header=self._header(actor, "Inventory", details), total_rows=total)
        result = write_table(path, sheet, progress=progress, cancelled=cancelled)
        return self._exported(actor, f"inventory ({describe_criteria(criteria)})", result)

    def export_shipment(self, actor: Actor, code: str, path: Path) -> Result[WriteResult]:
        """A shipment's expected tubes, for the researchers or the clinic."""
        require(actor, Permission.VIEW_SAMPLES)
        columns, rows, source = exports.shipment_rows(self.db, code)
        sheet = SheetSpec("Shipment", columns, rows, header=self._header(actor, f"Shipment {code.upper()}",
                                                                         [("From", source)]), total_rows=len(rows))
        return self._exported(actor, f"shipment {code.upper()}", write_table(path, sheet))

    def export_audit(self, actor: Actor, path: Path, *, since: dt.datetime | None = None,
                     until: dt.datetime | None = None, progress: ProgressFn = no_progress,
                     cancelled: CancelledFn = never_cancelled) -> Result[WriteResult]:
        """Audit events from ``since`` (inclusive) to ``until`` (exclusive), oldest first, with their hashes."""
        require(actor, Permission.VIEW_AUDIT)
        span = f"{since.isoformat() if since else 'the beginning'} to {until.isoformat() if until else 'now'}"
        sheet = SheetSpec("Audit trail", exports.AUDIT_COLUMNS,
                          exports.audit_rows(self.db, since, until, progress=progress, cancelled=cancelled),
                          header=self._header(actor, "Audit trail extract", [("Period", span)]))
        return self._exported(actor, f"audit trail ({span})", write_table(path, sheet, progress=progress,
                                                                         cancelled=cancelled))

    def export_full(self, actor: Actor, path: Path, *, progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> Result[WriteResult]:
        """Everything, so nobody is locked in: one .xlsx, or (``path`` a folder) one CSV file per sheet."""
        require(actor, Permission.VIEW_SAMPLES)
        total = QueryService(self.db).count(SampleCriteria(), cap=10_000_000)[0]
        header = self._header(actor, "Full export of the biobank")
        sheets = exports.full_export_sheets(self.db, header, total, progress=progress, cancelled=cancelled)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            result = write_workbook(path, sheets, progress=progress, cancelled=cancelled)
        else:
            if not path.is_dir():
                raise ValidationError(f"'{path}' is neither an .xlsx file name nor an existing folder.",
                                      hint="Give a name ending in .xlsx, or a folder for CSV files.")
            counts: dict[str, int] = {}
            for sheet in sheets:
                written = write_csv(path / f"{sheet.name.lower()}.csv", sheet, progress=progress,
                                    cancelled=cancelled)
                counts.update(written.rows)
            result = WriteResult(path, counts)
        return self._exported(actor, "full export", result)

    def export_template(self, actor: Actor, path: Path, partner: str | None = None) -> Result[WriteResult]:
        """The manifest template for a partner: dropdowns for study, sample type and container."""
        require(actor, Permission.VIEW_SAMPLES)
        details: list[tuple[str, str]] = []
        if partner:
            with self.db.connect_checked(), self.db.new_session(write=False) as session:
                site = self._partner(session, partner)
                assert site is not None
                details.append(("Partner site", f"{site.code} — {site.name}"))
        header = self._header(actor, "Manifest of tubes sent to the biobank", details)
        result = write_workbook(path, exports.template_sheets(self.db, header))
        return self._exported(actor, f"manifest template{' for ' + partner.upper() if partner else ''}", result)

    def wizard_backend(self, actor: Actor) -> WizardBackend:
        """The import wizard's access to the database, as ``actor`` (an :class:`ImportBackend`)."""
        return WizardBackend(self, actor)


class WizardBackend(ImportBackend):
    """The :class:`ImportBackend` over this service. ``last_changes``: the Changes of the last commit (empty
    after a dry run), for the window to announce."""

    def __init__(self, service: ExchangeService, actor: Actor) -> None:
        self.service = service
        self.actor = actor
        self.last_changes = Changes()

    def context(self, kind: ImportKind, partner: str | None) -> Context:
        return self.service.context(kind, partner)

    def saved_mapping(self, kind: ImportKind, partner: str | None) -> ImportMapping | None:
        return self.service.saved_mapping(kind, partner)

    def run(self, plan: ImportPlan, *, progress: ProgressFn, cancelled: CancelledFn) -> ImportReport:
        result = self.service.import_file(self.actor, plan.path, kind=plan.kind, partner=plan.partner,
                                          mapping=plan.mapping, sheet=plan.sheet, dry_run=plan.dry_run,
                                          valid_rows_only=plan.valid_rows_only, progress=progress,
                                          cancelled=cancelled)
        self.last_changes = result.changes
        return result.value


def _among(column: Any, values: list[str], backend: str) -> ColumnElement[bool]:
    if backend == "postgresql":
        return column == any_(bindparam("codes", values, type_=ARRAY(String)))
    return column.in_(values)


def _refusal(file_errors: Iterable[object], error_rows: set[int], valid: int, valid_rows_only: bool) -> str | None:
    errors = list(file_errors)
    if errors:
        first = errors[0]
        return f"Nothing was imported: {getattr(first, 'message', first)}. Correct the mapping or the file."
    if error_rows and not valid_rows_only:
        return (f"Nothing was imported: {len(error_rows)} row(s) have problems. Correct them, or import the valid "
                "rows only (the rejected rows then go into the error workbook).")
    if valid == 0:
        return "Nothing was imported: no row can be imported."
    return None


def _mapping_info(row: SavedMapping, partner: str) -> SavedMappingInfo:
    return SavedMappingInfo(row.id, partner, row.kind, row.name, row.version, row.created_by, row.created_at,
                            replace(ImportMapping.from_dict(row.definition)))


def _import_info(session: Session, row: ImportRecord) -> ImportInfo:
    shipment = session.execute(select(Shipment.code).where(Shipment.import_id == row.id)).scalar()
    partner = row.partner_site.code if row.partner_site else None
    return ImportInfo(row.id, row.kind, row.file_name, row.sha256, row.sheet, partner, row.rows_read,
                      row.rows_valid, row.rows_imported, row.valid_rows_only, row.imported_by, row.imported_at,
                      shipment)
