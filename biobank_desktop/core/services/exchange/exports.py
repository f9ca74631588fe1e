"""Exports through the one writer: inventory (any search, its filters in the header), a shipment's manifest,
audit-trail extracts, the full export (every sample with location, lineage, participant, consents and SPREC,
plus participants, consents, storage and a sheet describing every column) and the partner manifest template
(dropdowns by data validation, codes on a hidden sheet).

Rows are streamed from the database in keyset-paged chunks, so a 100,000-sample export holds one chunk in
memory. Each finished export leaves one audit event (who exported what, where to, how many rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    AuditEvent,
    Consent,
    ContainerType,
    ExpectedTube,
    Participant,
    PartnerSite,
    Sample,
    SampleBarcode,
    SampleLocation,
    Shipment,
    StorageCheckout,
    StorageContainer,
    Study,
)
from biobank_desktop.core.domain.positions import BoxLayout, FillOrder, LabelScheme
from biobank_desktop.core.domain.sprec import fluid_sample_types, primary_containers, solid_sample_types
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.spreadsheets.writer import Column, HeaderBlock, ListValidation, SheetSpec

CHUNK = 2000


def describe_criteria(criteria: SampleCriteria) -> str:
    """A search's filters in words, for an export's header ('all samples' when there are none)."""
    parts: list[str] = []
    for label, value in (("text", criteria.text), ("studies", ", ".join(criteria.study_codes)),
                         ("sample types", ", ".join(criteria.sample_types)),
                         ("statuses", ", ".join(criteria.statuses)), ("sites", ", ".join(criteria.site_codes)),
                         ("participant", criteria.participant),
                         ("collected from", criteria.collected_from), ("collected to", criteria.collected_to),
                         ("received from", criteria.received_from), ("received to", criteria.received_to),
                         ("lineage", ", ".join(criteria.lineage_kinds))):
        if value:
            parts.append(f"{label}: {value}")
    return "; ".join(parts) or "all samples"
_CANCELLED = "Export cancelled: no file was written."

SAMPLE_COLUMNS: tuple[Column, ...] = (
    Column("Sample ID", description="This biobank's sample ID (with its check character)."),
    Column("External barcodes", description="The clinic's or tube maker's barcodes on the tube, ';'-separated."),
    Column("Study", description="Study code."),
    Column("Participant", description="The participant's pseudonym in the study (never a name)."),
    Column("Partner site", description="Code of the site that sent the sample."),
    Column("Material", description="fluid or solid."),
    Column("Sample type", description="SPREC sample type code (element 1)."),
    Column("Primary container", description="SPREC primary container code (element 2)."),
    Column("Volume (µL)", "decimal", description="Current volume in microlitres."),
    Column("Initial volume (µL)", "decimal", description="Volume when registered, in microlitres."),
    Column("Status", description="available, reserved, consumed, discarded, quarantined …"),
    Column("Lineage", description="primary, aliquot or derivative."),
    Column("Parent sample", description="The sample this one was taken from (aliquots and derivatives)."),
    Column("Freeze-thaw cycles", "int", description="How many times the sample was thawed."),
    Column("Collected", "datetime", description="Collection date and time (local time)."),
    Column("Received", "datetime", description="Reception date and time (local time)."),
    Column("Centrifuged", "datetime", description="Centrifugation start (local time)."),
    Column("Frozen", "datetime", description="Freezing date and time (local time)."),
    Column("SPREC", description="The Standard PREanalytical Code (7 elements)."),
    Column("SPREC version", description="The SPREC version the code follows."),
    Column("Storage path", description="Freezer › rack › … down to the box."),
    Column("Box", description="The box (or rack) holding the tube."),
    Column("Position", description="The tube's position in the box, as printed on the box."),
    Column("Checked out", description="Empty when the tube is in its box; else who took it out, since when "
                                      "(UTC) and why: its box and position are where it goes back."),
)
CONSENT_SUMMARY = Column("Consents", description="Each consent: version, status and date, ';'-separated.")


@dataclass
class _Box:
    path: str
    name: str
    layout: BoxLayout


class _Boxes:
    """Container paths and layouts, looked up once per box."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[int, _Box] = {}

    def get(self, container_id: int) -> _Box:
        if container_id not in self.cache:
            chain: list[StorageContainer] = []
            current = self.session.get(StorageContainer, container_id)
            while current is not None and len(chain) < 20:
                chain.append(current)
                current = self.session.get(StorageContainer, current.parent_id) if current.parent_id else None
            chain.reverse()
            box = chain[-1]
            kind: ContainerType = box.container_type
            layout = BoxLayout(kind.rows or 1, kind.columns or 1, LabelScheme(kind.row_scheme),
                               LabelScheme(kind.column_scheme), FillOrder(kind.fill_order))
            self.cache[container_id] = _Box(" › ".join(c.name for c in chain[:-1]), box.name, layout)
        return self.cache[container_id]

    def position(self, container_id: int, row: int, col: int) -> tuple[str, str, str]:
        box = self.get(container_id)
        try:
            label = box.layout.position_label(row, col)
        except ValueError:
            label = f"{row}/{col}"
        return box.path, box.name, label


def checked_out_text(checkout: StorageCheckout) -> str:
    """"tom since 2026-11-27 15:41 UTC: Aliquoting" (the "Checked out" column)."""
    since = checkout.out_at if checkout.out_at.tzinfo is None else checkout.out_at.astimezone(dt.UTC)
    return f"{checkout.out_by} since {since:%Y-%m-%d %H:%M} UTC: {checkout.reason}"


def sample_rows(db: Database, where: Select | None, *, total: int | None, with_consents: bool,
                progress: ProgressFn, cancelled: CancelledFn) -> Iterator[list[object]]:
    """Rows of SAMPLE_COLUMNS (plus the consent summary) for the samples ``where`` selects (ids), by id."""
    parent = aliased(Sample)
    done = 0
    last_id = 0
    with db.connect_checked(), db.new_session(write=False) as session:
        boxes = _Boxes(session)
        while True:
            check_cancelled(cancelled, _CANCELLED)
            stmt = (select(Sample, Study.code, Participant.pseudonym, PartnerSite.code, parent.sample_code,
                           SampleLocation.container_id, SampleLocation.row, SampleLocation.col)
                    .join(Study, Sample.study_id == Study.id)
                    .outerjoin(Participant, Sample.participant_id == Participant.id)
                    .outerjoin(PartnerSite, Sample.partner_site_id == PartnerSite.id)
                    .outerjoin(parent, Sample.parent_id == parent.id)
                    .outerjoin(SampleLocation, SampleLocation.sample_id == Sample.id)
                    .where(Sample.id > last_id).order_by(Sample.id).limit(CHUNK))
            if where is not None:
                stmt = stmt.where(Sample.id.in_(where))
            chunk = session.execute(stmt).all()
            if not chunk:
                return
            ids = [r[0].id for r in chunk]
            barcodes: dict[int, list[str]] = {}
            for sample_id, barcode in session.execute(select(SampleBarcode.sample_id, SampleBarcode.barcode)
                                                      .where(SampleBarcode.sample_id.in_(ids))):
                barcodes.setdefault(sample_id, []).append(barcode)
            out: dict[int, str] = {}
            for checkout in session.execute(select(StorageCheckout).where(StorageCheckout.sample_id.in_(ids),
                                                                          StorageCheckout.back_at.is_(None))).scalars():
                out[checkout.sample_id] = checked_out_text(checkout)
            consents: dict[int, list[str]] = {}
            if with_consents:
                people = [r[0].participant_id for r in chunk if r[0].participant_id is not None]
                for consent in session.execute(select(Consent).where(Consent.participant_id.in_(people))
                                               .order_by(Consent.signed_on)).scalars():
                    consents.setdefault(consent.participant_id, []).append(
                        f"{consent.version} {consent.status} {consent.signed_on.isoformat()}")
            for sample, study, pseudonym, site, parent_code, container_id, row, col in chunk:
                place = boxes.position(container_id, row, col) if container_id is not None else (None, None, None)
                values: list[object] = [
                    sample.sample_code, "; ".join(barcodes.get(sample.id, [])) or None, study, pseudonym, site,
                    sample.material, sample.sample_type, sample.primary_container, sample.volume_ul,
                    sample.initial_volume_ul, sample.status, sample.lineage_kind, parent_code,
                    sample.freeze_thaw_count, sample.collected_at, sample.received_at, sample.centrifuged_at,
                    sample.frozen_at, sample.sprec_code, sample.sprec_version, *place, out.get(sample.id)]
                if with_consents:
                    values.append("; ".join(consents.get(sample.participant_id or -1, [])) or None)
                yield values
            done += len(chunk)
            last_id = ids[-1]
            progress(min(done / total, 0.99) if total else 0.0, f"{done:,} samples exported…")
            session.expunge_all()


def shipment_rows(db: Database, code: str) -> tuple[list[Column], list[list[object]], str]:
    columns = [Column("Clinic barcode"), Column("Participant"), Column("Study"), Column("Visit"),
               Column("Sample type"), Column("Primary container"), Column("Volume (µL)", "decimal"),
               Column("Collected", "datetime"), Column("Centrifugation start", "datetime"),
               Column("Centrifugation end", "datetime"), Column("Frozen", "datetime"), Column("Comments")]
    with db.connect_checked(), db.new_session(write=False) as session:
        shipment = session.execute(select(Shipment).where(Shipment.code == code.strip().upper())).scalar()
        if shipment is None:
            from biobank_desktop.core.domain.errors import NotFoundError

            raise NotFoundError(f"There is no shipment {code}.")
        rows: list[list[object]] = [
                [t.clinic_barcode, t.pseudonym, study, t.visit, t.sample_type, t.primary_container, t.volume_ul,
                 t.collected_at, t.centrifugation_started_at, t.centrifugation_ended_at, t.frozen_at,
                 t.comments or None]
                for t, study in session.execute(select(ExpectedTube, Study.code).join(Study)
                                                .where(ExpectedTube.shipment_id == shipment.id)
                                                .order_by(ExpectedTube.source_row, ExpectedTube.id))]
        return columns, rows, f"{shipment.partner_site.code}, {shipment.manifest_file or 'no manifest'}"


def audit_rows(db: Database, since: dt.datetime | None, until: dt.datetime | None, *, progress: ProgressFn,
               cancelled: CancelledFn) -> Iterator[list[object]]:
    last = 0
    done = 0
    with db.connect_checked(), db.new_session(write=False) as session:
        while True:
            check_cancelled(cancelled, _CANCELLED)
            stmt = select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(CHUNK)
            if since is not None:
                stmt = stmt.where(AuditEvent.occurred_at >= since)
            if until is not None:
                stmt = stmt.where(AuditEvent.occurred_at < until)
            events = session.execute(stmt).scalars().all()
            if not events:
                return
            for ev in events:
                yield [ev.seq, ev.occurred_at, ev.username, ev.workstation, ev.action, ev.entity_type, ev.entity_id,
                       ev.summary, _json(ev.before), _json(ev.after), ev.reason, ev.hash]
            last = events[-1].seq
            done += len(events)
            progress(0.0, f"{done:,} audit events exported…")
            session.expunge_all()


AUDIT_COLUMNS: tuple[Column, ...] = (
    Column("Seq", "int", description="Position in the hash chain."), Column("When", "datetime"),
    Column("User"), Column("Workstation"), Column("Action"), Column("Entity type"), Column("Entity"),
    Column("Summary", width=60), Column("Before", width=40), Column("After", width=40), Column("Reason"),
    Column("Hash", description="SHA-256 of the event and the previous hash (verify with db verify-audit)."),
)


def _json(value: object) -> str | None:
    if value is None:
        return None
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def full_export_sheets(db: Database, header: HeaderBlock, total: int, *, progress: ProgressFn,
                       cancelled: CancelledFn) -> list[SheetSpec]:
    """Samples (with location, lineage, participant, consents, SPREC), participants, consents, storage, and a
    sheet describing every column of the others."""
    samples = SheetSpec("Samples", [*SAMPLE_COLUMNS, CONSENT_SUMMARY],
                        sample_rows(db, None, total=total, with_consents=True, progress=progress,
                                    cancelled=cancelled), header=header, total_rows=total)
    with db.connect_checked(), db.new_session(write=False) as session:
        people = [[study, p.pseudonym, p.sex, p.created_at] for p, study in session.execute(
            select(Participant, Study.code).join(Study, Participant.study_id == Study.id)
            .order_by(Study.code, Participant.pseudonym))]
        consents = [[study, pseudonym, c.version, c.scope, c.status, c.signed_on, c.withdrawn_on,
                     c.withdrawal_reason] for c, pseudonym, study in session.execute(
            select(Consent, Participant.pseudonym, Study.code)
            .join(Participant, Consent.participant_id == Participant.id).join(Study, Participant.study_id == Study.id)
            .order_by(Study.code, Participant.pseudonym, Consent.signed_on))]
        boxes = _Boxes(session)
        storage = []
        for container in session.execute(select(StorageContainer).order_by(StorageContainer.id)).scalars():
            info = boxes.get(container.id)
            storage.append([info.path, container.name, container.container_type.name, container.container_type.kind,
                            container.barcode, container.temperature_c, container.active])
    participant_columns = [Column("Study"), Column("Participant", description="Pseudonym within the study."),
                           Column("Sex"), Column("Registered", "datetime")]
    consent_columns = [Column("Study"), Column("Participant"), Column("Version"), Column("Scope"),
                       Column("Status", description="given, refused or withdrawn."), Column("Signed", "date"),
                       Column("Withdrawn", "date"), Column("Withdrawal reason")]
    storage_columns = [Column("Inside", description="The containers above this one."), Column("Name"),
                       Column("Type"), Column("Kind", description="freezer, rack, box …"), Column("Barcode"),
                       Column("Temperature (°C)", "number"), Column("Active", "bool")]
    sheets = [samples,
              SheetSpec("Participants", participant_columns, people, total_rows=len(people)),
              SheetSpec("Consents", consent_columns, consents, total_rows=len(consents)),
              SheetSpec("Storage", storage_columns, storage, total_rows=len(storage))]
    described = [[s.name, c.header, c.kind, c.description] for s in sheets for c in s.columns]
    sheets.append(SheetSpec("Columns", [Column("Sheet"), Column("Column"), Column("Kind"),
                                        Column("What it holds", width=80)], described, total_rows=len(described)))
    return sheets


TEMPLATE_COLUMNS: tuple[Column, ...] = (
    Column("Tube barcode", description="The barcode on your tube, exactly as printed (keep leading zeros)."),
    Column("Participant pseudonym", description="The participant's study code. Never a name or birth date."),
    Column("Study", description="Choose from the list."),
    Column("Visit"),
    Column("Sample type", description="Choose from the list (SPREC code)."),
    Column("Primary container", description="Choose from the list (SPREC code)."),
    Column("Volume (mL)", "number"),
    Column("Collection date and time", "datetime", description="Local time, day-first or ISO."),
    Column("Centrifugation start", "datetime"),
    Column("Centrifugation end", "datetime"),
    Column("Frozen at", "datetime"),
    Column("Comments"),
)


def template_sheets(db: Database, header: HeaderBlock, rows: int = 1000) -> list[SheetSpec]:
    with db.connect_checked(), db.new_session(write=False) as session:
        studies = [(c, n) for c, n in session.execute(select(Study.code, Study.name).where(Study.active.is_(True))
                                                      .order_by(Study.code))]
    types = list(dict([*solid_sample_types(), *fluid_sample_types()]).items())  # a code in both: fluid meaning
    containers = primary_containers()
    height = max(len(studies), len(types), len(containers))

    def pad(items: Sequence[tuple[str, str]], i: int) -> list[object]:
        return list(items[i]) if i < len(items) else [None, None]

    codes = [[*pad(studies, i), *pad(types, i), *pad(containers, i)] for i in range(height)]
    code_sheet = SheetSpec("Codes", [Column("Study"), Column("Study name"), Column("Sample type"),
                                     Column("Sample type meaning"), Column("Container"), Column("Container meaning")],
                           codes, hidden=True)
    checks = [ListValidation(2, f"'Codes'!$A$2:$A${len(studies) + 1}", "Choose the study."),
              ListValidation(4, f"'Codes'!$C$2:$C${len(types) + 1}", "Choose the SPREC sample type."),
              ListValidation(5, f"'Codes'!$E$2:$E${len(containers) + 1}", "Choose the primary container.")]
    manifest = SheetSpec("Manifest", TEMPLATE_COLUMNS, [], header=header, validations=checks, validation_rows=rows)
    notes = SheetSpec("How to fill it", [Column("Column"), Column("What to write", width=90)],
                      [[c.header, c.description or ""] for c in TEMPLATE_COLUMNS])
    return [manifest, notes, code_sheet]
