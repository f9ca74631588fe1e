"""Writing validated rows inside the import's unit of work: a manifest becomes a shipment of expected tubes
(bulk insert, one statement shape), an inventory becomes samples through :class:`SampleService` (the same
path as the GUI's registration, one audit event per sample naming the import)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select

from biobank_desktop.core.db import bulk, sequences
from biobank_desktop.core.db.models import Base, ExpectedTube, Shipment, Study
from biobank_desktop.core.db.types import UTCDateTime
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.clock import local_midnight_utc, local_today
from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled
from biobank_desktop.core.services.samples import NewSample, SampleService
from biobank_desktop.core.services.sprec_info import tissue_time_text
from biobank_desktop.core.services.storage import Placement, StorageService

CHUNK = 5000
_CANCELLED = "Import cancelled: nothing was imported."


def _study_ids(uow: UnitOfWork) -> dict[str, int]:
    return {str(code): int(sid) for code, sid in uow.session.execute(select(Study.code, Study.id))}


def _as_datetime(value: object) -> dt.datetime | None:
    """A date-only time point becomes that day at local midnight, in UTC (the precision is the day)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return local_midnight_utc(value)
    return None


def fast_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with every column of ``table``) with the driver's executemany (PostgreSQL: COPY),
    each value converted once by the column type's own bind processor: what ``bulk.insert_rows`` does, without
    SQLAlchemy's per-row statement bookkeeping (measured: most of the time of a 100,000-tube manifest).
    Aware datetimes must already be in UTC (the validator and :func:`_as_datetime` make them so)."""
    if not rows:
        return
    dialect = conn.dialect
    columns = list(table.columns)
    processors: list[Callable[[Any], Any] | None] = []
    is_time: list[bool] = []
    for column in columns:
        if isinstance(column.type, UTCDateTime):
            processors.append(column.type.impl_instance.bind_processor(dialect))
            is_time.append(True)
        else:
            processors.append(column.type.bind_processor(dialect))
            is_time.append(False)
    plan = [(c.name, p, t) for c, p, t in zip(columns, processors, is_time, strict=True)]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        converted = []
        for name, processor, is_datetime in plan:
            value = row[name]
            if value is not None:
                if is_datetime:
                    value = value.replace(tzinfo=None)
                if processor is not None:
                    value = processor(value)
            converted.append(value)
        values.append(tuple(converted))
    names = ", ".join(c.name for c in columns)
    if dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection  # psycopg 3: COPY, in this transaction
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for record in values:
                copy.write_row(record)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)


def _tissue(number: int, record: Mapping[str, object]) -> dict[str, str | None]:
    """The solid-tissue inputs of a manifest row as stored (codes upper-cased, times in whole minutes or a code)."""
    try:
        return {
            "collection_type": _code(record.get("collection_type")), "fixation": _code(record.get("fixation")),
            "warm_ischemia": tissue_time_text(_text(record.get("warm_ischemia"))),
            "cold_ischemia": tissue_time_text(_text(record.get("cold_ischemia"))),
            "fixation_time": tissue_time_text(_text(record.get("fixation_time"))),
        }
    except BiobankError as exc:
        raise type(exc)(f"Row {number}: {exc.message}", hint=exc.hint) from exc


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _code(value: object) -> str | None:
    text = _text(value)
    if text is None or not text.strip():
        return None
    code = text.strip().upper()
    if len(code) > 3 or not code.isalnum():
        raise ValidationError(f"'{text.strip()}' is not a SPREC code (up to 3 letters).")
    return code


def write_manifest(uow: UnitOfWork, records: Sequence[tuple[int, Mapping[str, object]]], *, partner_id: int,
                   file_name: str, sha256: str, import_id: int, mapping_id: int | None, progress: ProgressFn,
                   cancelled: CancelledFn) -> str:
    """Create the shipment and its expected tubes; returns the shipment code."""
    session = uow.session
    year = local_today().year
    code = f"SH-{year}-{sequences.take(session, f'shipment:{year}'):05d}"
    shipment = Shipment(code=code, partner_site_id=partner_id, status="expected", manifest_file=file_name,
                        manifest_sha256=sha256, import_id=import_id, mapping_id=mapping_id,
                        expected_count=len(records), created_by=uow.actor.username, notes="")
    session.add(shipment)
    uow.flush()
    studies = _study_ids(uow)
    conn = session.connection()
    ids = bulk.reserve_ids(conn, ExpectedTube.__tablename__, len(records))
    rows: list[dict[str, Any]] = []
    for tube_id, (number, record) in zip(ids, records, strict=True):
        rows.append({
            "id": tube_id, "shipment_id": shipment.id, "source_row": number,
            "clinic_barcode": record["clinic_barcode"], "pseudonym": record["pseudonym"],
            "study_id": studies[str(record["study"])], "visit": record.get("visit"),
            "sample_type": record["sample_type"], "primary_container": record.get("container"),
            "volume_ul": record.get("volume"), "collected_at": _as_datetime(record.get("collected_at")),
            "clinic_received_at": _as_datetime(record.get("received_at")),
            "centrifugation_started_at": _as_datetime(record.get("centrifugation_start")),
            "centrifugation_ended_at": _as_datetime(record.get("centrifugation_end")),
            "frozen_at": _as_datetime(record.get("frozen_at")), "consent_confirmed": record.get("consent"),
            "comments": record.get("comments") or "", **_tissue(number, record),
            "pre_centrifugation_temp": record.get("pre_centrifugation_temp"),
            "post_centrifugation_temp": record.get("post_centrifugation_temp"),
        })
    for start in range(0, len(rows), CHUNK):
        check_cancelled(cancelled, _CANCELLED)
        fast_insert(conn, Base.metadata.tables[ExpectedTube.__tablename__], rows[start:start + CHUNK])
        progress((start + CHUNK) / max(len(rows), 1), f"{min(start + CHUNK, len(rows)):,} tubes written…")
    uow.audit("shipment.created", "shipment", code,
              summary=f"Shipment {code} expected from the manifest {file_name}: {len(rows)} tubes",
              after={"shipment": code, "manifest": file_name, "sha256": sha256, "import_id": import_id,
                     "expected_tubes": len(rows)})
    return code


def _tissue_of(record: Mapping[str, object]) -> dict[str, Any]:
    return {"collection_type": _code(record.get("collection_type")), "fixation": _code(record.get("fixation")),
            "warm_ischemia": _text(record.get("warm_ischemia")), "cold_ischemia": _text(record.get("cold_ischemia")),
            "fixation_time": _text(record.get("fixation_time"))}


def position_of(record: Mapping[str, object]) -> str | None:
    """The position in the box: the position column, else row + column ('A' + '1' → 'A1')."""
    position = record.get("position")
    if position:
        return str(position)
    row, column = record.get("box_row"), record.get("box_column")
    if row and column:
        return f"{row}{column}"
    return None


def write_inventory(uow: UnitOfWork, samples: SampleService, storage: StorageService,
                    records: Sequence[tuple[int, Mapping[str, object]]], *, partner_code: str | None, origin: str,
                    progress: ProgressFn, cancelled: CancelledFn) -> list[str]:
    """Register one sample per row (participants created on first sight by pseudonym within the study) and,
    when the row names a box, place it there through the storage service (the box must exist: its barcode,
    position in the box's own convention, or the next free one when no position is given).
    Returns the new sample IDs, in row order. A row refused by the sample or storage service aborts the import
    with the row number in the message (nothing is kept)."""
    created: list[str] = []
    for count, (number, record) in enumerate(records, start=1):
        if count % 200 == 0:
            check_cancelled(cancelled, _CANCELLED)
            progress(count / len(records), f"{count:,} samples registered…")
        barcode = record.get("clinic_barcode")
        legacy_id = record.get("sample_id")  # the collection's own former ID: kept as an "other" barcode
        cycles = record.get("freeze_thaw")
        notes = str(record.get("comments") or "")
        new = NewSample(
            study_code=str(record["study"]), sample_type=str(record["sample_type"]),
            participant=str(record["pseudonym"]) if record.get("pseudonym") else None, site_code=partner_code,
            primary_container=str(record.get("container") or "XXX"),
            volume_ul=record.get("volume"),  # type: ignore[arg-type]
            external_barcodes=(str(barcode),) if barcode else (),
            other_barcodes=(str(legacy_id),) if legacy_id else (),
            freeze_thaw_count=cycles if isinstance(cycles, int) else 0,
            collected_at=_as_datetime(record.get("collected_at")),
            received_at=_as_datetime(record.get("received_at")),
            centrifuged_at=_as_datetime(record.get("centrifugation_start")),
            centrifugation_ended_at=_as_datetime(record.get("centrifugation_end")),
            frozen_at=_as_datetime(record.get("frozen_at")), notes=notes, **_tissue_of(record),
        )
        try:
            code = samples.register_in(uow, new)
            if record.get("box"):
                storage.place_in(uow, [Placement(code, str(record["box"]), position_of(record))])
        except BiobankError as exc:
            raise type(exc)(f"Row {number}: {exc.message}", hint=exc.hint) from exc
        uow.audit("sample.imported", "sample", code, summary=f"{code} came from {origin} (row {number})",
                  after={"import": origin, "row": number, "freeze_thaw_count": record.get("freeze_thaw"),
                         "former_sample_id": legacy_id,
                         "storage_path": record.get("storage_path"), "box": record.get("box"),
                         "position": record.get("position")})
        created.append(code)
    return created
