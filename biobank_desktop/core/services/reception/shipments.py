"""Shipments: created by hand, their slip and arrival conditions, the list, the board, the files kept with them."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from biobank_desktop.core.db import sequences
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import PartnerSite, Shipment, ShipmentAttachment
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.clock import local_midnight_utc, local_today
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.reception import (
    DRY_ICE_LEFT,
    MAX_ATTACHMENT_BYTES,
    OPEN_STATUSES,
    PACKAGING,
    SHIPMENT_STATUSES,
    STATUS_FILTERS,
    TEMPERATURE_RANGE_C,
    TRANSPORT_TEMPERATURES,
    checked_choice,
)
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import MAX_NOTE_LENGTH, checked_reason, checked_text
from biobank_desktop.core.services.changes import SHIPMENT, Result
from biobank_desktop.core.services.reception.common import (
    board_tubes,
    counts_of,
    find_shipment,
    shipment_info,
)
from biobank_desktop.core.services.reception.dto import (
    ArrivalConditions,
    AttachmentInfo,
    Board,
    ShipmentDetails,
    ShipmentInfo,
)


def _snapshot(shipment: Shipment) -> dict[str, object]:
    return {"sender": shipment.sender, "courier": shipment.courier, "tracking_number": shipment.tracking_number,
            "shipped_at": shipment.shipped_at, "notes": shipment.notes, "received_at": shipment.received_at,
            "received_by": shipment.received_by, "transport_temperature": shipment.transport_temperature,
            "dry_ice_left": shipment.dry_ice_left, "temperature_c": shipment.temperature_c,
            "packaging": shipment.packaging}


def refuse_closed(shipment: Shipment, what: str) -> None:
    if shipment.status not in OPEN_STATUSES:
        raise ConflictError(f"Shipment {shipment.code} is {shipment.status}: {what} is no longer possible.",
                            hint="Nothing was changed.")


def _apply_details(shipment: Shipment, details: ShipmentDetails) -> None:
    if details.sender is not None:
        shipment.sender = checked_text(details.sender, "The sender", 200)
    if details.courier is not None:
        shipment.courier = checked_text(details.courier, "The courier", 100)
    if details.tracking_number is not None:
        shipment.tracking_number = checked_text(details.tracking_number, "The tracking number", 100)
    if details.shipped_at is not None:
        if details.shipped_at.tzinfo is None:
            raise ValidationError("The shipping time needs a time zone.")
        if details.shipped_at > utcnow() + dt.timedelta(minutes=5):
            raise ValidationError("The shipping time is in the future.", hint="Check the date on the slip.")
        shipment.shipped_at = details.shipped_at
    if details.notes is not None:
        shipment.notes = checked_text(details.notes, "The note", MAX_NOTE_LENGTH, multiline=True)


def _temperature(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        given = Decimal(value)
        if not given.is_finite():  # NaN, Infinity: quantize would raise InvalidOperation, comparisons too
            raise ValidationError(f"'{value}' is not a temperature in °C.",
                                  hint="Give the logger's or the probe's reading in °C (−78.5 for dry ice).")
        reading = given.quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"'{value}' is not a temperature in °C.") from exc
    low, high = TEMPERATURE_RANGE_C
    if not low <= reading <= high:
        raise ValidationError(f"{value} °C is not a plausible transport temperature ({low} to {high} °C).",
                              hint="Give the logger's or the probe's reading in °C (−78.5 for dry ice).")
    return reading


class ShipmentsMixin:
    db: Database

    def create_shipment(self, actor: Actor, partner: str,
                        details: ShipmentDetails | None = None) -> Result[ShipmentInfo]:
        """A shipment with no manifest (tubes are registered as they are scanned): status open."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            site = session.execute(select(PartnerSite).where(PartnerSite.code == partner.strip().upper(),
                                                             PartnerSite.active.is_(True))).scalar_one_or_none()
            if site is None:
                raise NotFoundError(f"There is no active partner site {partner.strip().upper()}.",
                                    hint="A supervisor adds partner sites under Administration.")
            year = local_today().year
            code = f"SH-{year}-{sequences.take(session, f'shipment:{year}'):05d}"
            shipment = Shipment(code=code, partner_site_id=site.id, status="expected", expected_count=0,
                                created_by=uow.username, notes="", sender="", courier="", tracking_number="")
            _apply_details(shipment, details or ShipmentDetails())
            session.add(shipment)
            uow.flush()
            uow.audit("shipment.created", SHIPMENT, code, summary=f"Shipment {code} from {site.code} opened "
                                                                  "by hand (no manifest)",
                      after={"partner": site.code, **_snapshot(shipment)})
            info = shipment_info(session, shipment)
            return Result(info, uow.commit())

    def update_details(self, actor: Actor, shipment: str, details: ShipmentDetails) -> Result[ShipmentInfo]:
        """Change sender, courier, tracking number, shipped-at time or notes (None fields stay as they are).
        Audited with before/after. Refused on a closed shipment."""
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            row = find_shipment(uow.session, shipment, for_update=True)
            refuse_closed(row, "changing its details")
            before = _snapshot(row)
            _apply_details(row, details)
            return self._saved(uow, row, before, "details")

    def record_arrival(self, actor: Actor, shipment: str, arrival: ArrivalConditions) -> Result[ShipmentInfo]:
        """Record (or correct) the condition on arrival; ``received_by`` becomes the actor, ``received_at`` now
        when not given. Validates the codes and the temperature (°C, −200 to 60). Audited with before/after."""
        temperature_class = checked_choice(arrival.transport_temperature, TRANSPORT_TEMPERATURES,
                                           "transport temperature")
        dry_ice = checked_choice(arrival.dry_ice_left, DRY_ICE_LEFT, "dry ice answer (yes, no, na)")
        packaging = checked_choice(arrival.packaging, PACKAGING, "packaging condition")
        reading = _temperature(arrival.temperature_c)
        if dry_ice in ("yes", "no") and temperature_class not in (None, "dry_ice"):
            raise ValidationError("Dry ice left is asked only for a transport on dry ice.",
                                  hint="Choose 'not applicable', or the transport 'dry ice'.")
        received = arrival.received_at or utcnow()
        if received.tzinfo is None:
            raise ValidationError("The reception time needs a time zone.")
        if received > utcnow() + dt.timedelta(minutes=5):
            raise ValidationError("The reception time is in the future.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            row = find_shipment(uow.session, shipment, for_update=True)
            refuse_closed(row, "recording its arrival")
            if row.shipped_at is not None and received < row.shipped_at:
                raise ValidationError("The shipment would have arrived before it was shipped.",
                                      hint="Check the reception time and the shipping time.")
            before = _snapshot(row)
            row.received_at, row.received_by = received, uow.username
            row.transport_temperature, row.dry_ice_left = temperature_class, dry_ice
            row.temperature_c, row.packaging = reading, packaging
            return self._saved(uow, row, before, "arrival conditions")

    def _saved(self, uow: UnitOfWork, row: Shipment, before: dict[str, object], what: str) -> Result[ShipmentInfo]:
        after = _snapshot(row)
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        if not changed:
            raise ValidationError("Nothing was changed.", hint="Change a field first.")
        uow.flush()
        uow.audit(f"shipment.{what.replace(' ', '_')}_recorded", SHIPMENT, row.code,
                  summary=f"Shipment {row.code}: {what} recorded ({', '.join(changed)})",
                  before={k: before[k] for k in changed}, after=changed)
        info = shipment_info(uow.session, row)
        return Result(info, uow.commit())

    def shipments(self, *, status: str | None = None, partner: str | None = None, since: dt.date | None = None,
                  until: dt.date | None = None, limit: int = 500) -> list[ShipmentInfo]:
        """Shipments newest first. ``status``: ``open`` (nothing or part received), ``partly received``,
        ``closed``, ``cancelled`` or a stored status; ``partner``: its code; ``since``/``until``: creation day
        (inclusive, local days)."""
        stmt = select(Shipment).order_by(Shipment.created_at.desc(), Shipment.id.desc()).limit(max(1, limit))
        if status:
            wanted = status.strip().lower()
            if wanted in STATUS_FILTERS:
                stmt = stmt.where(Shipment.status.in_(STATUS_FILTERS[wanted]))
            elif wanted in SHIPMENT_STATUSES:
                stmt = stmt.where(Shipment.status == wanted)
            else:
                raise ValidationError(f"'{status}' is not a shipment status.",
                                      hint="Use open, partly received, closed or cancelled.")
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            if partner:
                site = session.execute(select(PartnerSite.id).where(
                    PartnerSite.code == partner.strip().upper())).scalar()
                if site is None:
                    raise NotFoundError(f"There is no partner site {partner.strip().upper()}.")
                stmt = stmt.where(Shipment.partner_site_id == site)
            if since is not None:
                stmt = stmt.where(Shipment.created_at >= local_midnight_utc(since))
            if until is not None:
                stmt = stmt.where(Shipment.created_at < local_midnight_utc(until + dt.timedelta(days=1)))
            return [shipment_info(session, row) for row in session.execute(stmt).scalars()]

    def shipment(self, shipment: str) -> ShipmentInfo:
        """One shipment by code (NotFoundError naming it when unknown)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            return shipment_info(session, find_shipment(session, shipment))

    def board(self, shipment: str) -> Board:
        """The reception board as the database holds it now (other workstations' scans included)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            row = find_shipment(session, shipment)
            counts = counts_of(session, row)
            return Board(shipment_info(session, row, counts), counts, tuple(board_tubes(session, row)))

    # -- attachments -----------------------------------------------------------------------------------------

    def attach_file(self, actor: Actor, shipment: str, path: Path, *, name: str | None = None,
                    mime_type: str | None = None) -> Result[AttachmentInfo]:
        """Keep the file at ``path`` with the shipment, in the database (at most :data:`MAX_ATTACHMENT_BYTES`;
        the same content twice on one shipment is refused). ``mime_type`` None: guessed from the name. Allowed
        on a closed shipment too (a logger's export or the courier's invoice often comes later): the audit event
        says it was added after closing."""
        file_name = checked_text(name if name is not None else path.name, "The file name", 255, required=True)
        try:
            size = path.stat().st_size
            if size > MAX_ATTACHMENT_BYTES:
                raise ValidationError(f"{path.name} is {size / 1024 / 1024:.1f} MB: files kept with a shipment may be "
                                      f"at most {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB.",
                                      hint="Attach a smaller export or a compressed photo.")
            content = path.read_bytes()
        except OSError as exc:
            raise ValidationError(f"{path.name} cannot be read: {exc.strerror or exc}.",
                                  hint="Check the file and try again.") from exc
        if not content:
            raise ValidationError(f"{path.name} is empty: there is nothing to keep.")
        if len(content) > MAX_ATTACHMENT_BYTES:  # grew while being read
            raise ValidationError(f"{path.name} is larger than {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB.")
        mime = (mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream")[:100]
        digest = hashlib.sha256(content).hexdigest()
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            row = find_shipment(session, shipment, for_update=True)
            same = session.execute(select(ShipmentAttachment.file_name).where(
                ShipmentAttachment.shipment_id == row.id, ShipmentAttachment.sha256 == digest)).scalar()
            if same is not None:
                raise ConflictError(f"This file is already attached to shipment {row.code} (as '{same}').",
                                    hint="Nothing was attached again.")
            item = ShipmentAttachment(shipment_id=row.id, file_name=file_name, mime_type=mime, size_bytes=len(content),
                                      sha256=digest, content=content, added_by=uow.username)
            session.add(item)
            uow.flush()
            late = "" if row.status in OPEN_STATUSES else f" after it was {row.status}"
            uow.audit("shipment.file_attached", SHIPMENT, row.code,
                      summary=f"{file_name} ({len(content):,} bytes) attached to shipment {row.code}{late}",
                      after={"file": file_name, "mime_type": mime, "size_bytes": len(content), "sha256": digest})
            info = _attachment_info(item, row.code)
            return Result(info, uow.commit())

    def attachments(self, shipment: str) -> list[AttachmentInfo]:
        """The files kept with the shipment, oldest first (without their content)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            row = find_shipment(session, shipment)
            a = ShipmentAttachment  # the listed columns only: the content (up to 20 MB a file) stays in the database
            stmt = select(a.id, a.file_name, a.mime_type, a.size_bytes, a.sha256, a.added_by, a.added_at) \
                .where(a.shipment_id == row.id).order_by(a.id)
            return [AttachmentInfo(r.id, row.code, r.file_name, r.mime_type, r.size_bytes, r.sha256, r.added_by,
                                   r.added_at) for r in session.execute(stmt)]

    def attachment_content(self, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
        """One file and its bytes (checked against its SHA-256)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as session:
            item = session.get(ShipmentAttachment, attachment_id)
            if item is None:
                raise NotFoundError(f"There is no attached file {attachment_id}.", hint="Reload the shipment.")
            code = session.execute(select(Shipment.code).where(Shipment.id == item.shipment_id)).scalar_one()
            content = bytes(item.content)
            if hashlib.sha256(content).hexdigest() != item.sha256:
                raise ConflictError(f"The stored file {item.file_name} does not match its SHA-256: it was changed "
                                    "outside Biobank Desktop.", hint="Tell your administrator.")
            return _attachment_info(item, code), content

    def remove_attachment(self, actor: Actor, attachment_id: int, reason: str) -> Result[AttachmentInfo]:
        """Delete a file attached by mistake; the reason and the file's name and hash stay in the audit trail.
        Refused on a closed shipment: what was kept with it when it was closed stays (adding remains possible)."""
        reason = checked_reason(reason, "Give a reason for removing the file: it is kept in the audit trail.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            item = uow.session.get(ShipmentAttachment, attachment_id)
            if item is None:
                raise NotFoundError(f"There is no attached file {attachment_id} (any more).",
                                    hint="Reload the shipment.")
            row = uow.session.get_one(Shipment, item.shipment_id, with_for_update=True)
            refuse_closed(row, "removing its files")
            info = _attachment_info(item, row.code)
            uow.session.delete(item)
            uow.audit("shipment.file_removed", SHIPMENT, row.code,
                      summary=f"{info.file_name} removed from shipment {row.code}",
                      before={"file": info.file_name, "size_bytes": info.size_bytes, "sha256": info.sha256},
                      reason=reason.strip())
            return Result(info, uow.commit())


def _attachment_info(item: ShipmentAttachment, code: str) -> AttachmentInfo:
    return AttachmentInfo(item.id, code, item.file_name, item.mime_type, item.size_bytes, item.sha256, item.added_by,
                          item.added_at)
