"""Aliquot protocols: per study, named, versioned (a save is a new version), written by supervisors."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import AliquotProtocol, Study
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.aliquot_plan import ProtocolDefinition, protocol_from_json, volume_text
from biobank_desktop.core.domain.changes import ALIQUOT_PROTOCOL
from biobank_desktop.core.domain.derivation import check_child_type
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.sprec import load_sprec_tables
from biobank_desktop.core.domain.text import checked_reason, checked_text
from biobank_desktop.core.services.aliquoting.dto import ProtocolInfo
from biobank_desktop.core.services.changes import Changes, Result


def protocol_info(session: Session, row: AliquotProtocol) -> ProtocolInfo:
    study = session.get_one(Study, row.study_id).code
    definition = protocol_from_json(json.loads(row.definition))
    return ProtocolInfo(row.id, study, row.name, row.version, row.active, definition, row.description,
                        row.created_by, row.created_at)


def find_study(session: Session, code: str) -> Study:
    study = session.execute(select(Study).where(Study.code == code.strip().upper())).scalar_one_or_none()
    if study is None:
        raise NotFoundError(f"There is no study {code.strip()[:30]}.", hint="Check the study code.")
    return study


def current_protocol(session: Session, study_id: int, name: str, version: int | None = None) -> AliquotProtocol | None:
    """The protocol ``name`` of the study: ``version``, else its highest version, if that one is active."""
    query = select(AliquotProtocol).where(AliquotProtocol.study_id == study_id,
                                          func.lower(AliquotProtocol.name) == name.strip().lower())
    if version is not None:
        return session.execute(query.where(AliquotProtocol.version == version)).scalar_one_or_none()
    row = session.execute(query.order_by(AliquotProtocol.version.desc()).limit(1)).scalar_one_or_none()
    return row if row is not None and row.active else None


def check_definition(definition: ProtocolDefinition) -> ProtocolDefinition:
    """ValidationError for a definition no parent could follow: no lines, a type its parent type cannot give,
    spin codes SPREC does not have, a negative dead volume."""
    if not definition.lines:
        raise ValidationError("A protocol needs at least one line, e.g. 6xPL1:0.5mL.")
    if definition.dead_volume_ul < 0:
        raise ValidationError("A dead volume cannot be negative.")
    parent = definition.parent_type.strip().upper() if definition.parent_type else None
    if parent is not None:
        for line in definition.lines:
            check_child_type(parent, line.sample_type)
    tables = load_sprec_tables()
    for index, value in ((3, definition.centrifugation), (4, definition.second_centrifugation)):
        if value is not None and tables.fluid[index].get(value.strip().upper()) is None:
            raise ValidationError(f"'{value}' is not a SPREC {tables.fluid[index].name} code.")
    return definition


class ProtocolsMixin:
    db: Database

    def protocols(self, study: str | None = None, *, include_inactive: bool = False) -> list[ProtocolInfo]:
        """The newest version of each protocol (of ``study``, else all), by study and name."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            query = select(AliquotProtocol).join(Study).order_by(Study.code, AliquotProtocol.name,
                                                                 AliquotProtocol.version.desc())
            if study:
                query = query.where(Study.id == find_study(s, study).id)
            newest: dict[tuple[int, str], AliquotProtocol] = {}
            for row in s.execute(query).scalars():
                newest.setdefault((row.study_id, row.name.lower()), row)
            return [protocol_info(s, r) for r in newest.values() if include_inactive or r.active]

    def protocol_versions(self, study: str, name: str) -> list[ProtocolInfo]:
        """Every version of one protocol, newest first."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            rows = s.execute(select(AliquotProtocol).where(
                AliquotProtocol.study_id == find_study(s, study).id,
                func.lower(AliquotProtocol.name) == name.strip().lower())
                .order_by(AliquotProtocol.version.desc())).scalars().all()
            if not rows:
                raise NotFoundError(f"Study {study.upper()} has no aliquot protocol '{name.strip()[:60]}'.")
            return [protocol_info(s, r) for r in rows]

    def save_protocol(self, actor: Actor, study: str, name: str, definition: ProtocolDefinition, *,
                      description: str = "") -> Result[ProtocolInfo]:
        """A new protocol, or a new version of an existing one (versions are never changed in place; batches
        keep the version they used). Supervisors only (MANAGE_REFERENCE)."""
        title = checked_text(name, "The protocol name", 80, required=True,
                             missing="Give the protocol a name, e.g. 'EDTA 9 mL standard'.")
        note = checked_text(description, "The description", 2000, multiline=True)
        check_definition(definition)
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            s = uow.session
            found = find_study(s, study)
            last = s.execute(select(AliquotProtocol).where(
                AliquotProtocol.study_id == found.id, func.lower(AliquotProtocol.name) == title.lower())
                .order_by(AliquotProtocol.version.desc()).limit(1).with_for_update()).scalar_one_or_none()
            version = last.version + 1 if last is not None else 1
            if last is not None:
                title = last.name  # one spelling per protocol
            row = AliquotProtocol(study_id=found.id, name=title, version=version,
                                  definition=json.dumps(definition.to_json()), description=note, active=True,
                                  created_by=uow.username)
            s.add(row)
            uow.flush()
            uow.audit("aliquot_protocol.saved", ALIQUOT_PROTOCOL, f"{found.code}/{title}",
                      summary=f"Aliquot protocol {found.code}/{title} v{version}: {definition.text()}"
                              + (f", {volume_text(definition.dead_volume_ul)} dead volume"
                                 if definition.dead_volume_ul else ""),
                      before={"version": last.version, "definition": json.loads(last.definition)} if last else None,
                      after={"version": version, "definition": definition.to_json()})
            info = protocol_info(s, row)
            return Result(info, uow.commit())

    def set_protocol_active(self, actor: Actor, study: str, name: str, active: bool, reason: str) -> Changes:
        """Withdraw (or bring back) a protocol: an inactive one is not offered or applied. Supervisors only."""
        why = checked_reason(reason, "Give a reason: it is kept in the audit trail.")
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            s = uow.session
            found = find_study(s, study)
            rows = s.execute(select(AliquotProtocol).where(
                AliquotProtocol.study_id == found.id, func.lower(AliquotProtocol.name) == name.strip().lower())
                .with_for_update()).scalars().all()
            if not rows:
                raise NotFoundError(f"Study {found.code} has no aliquot protocol '{name.strip()[:60]}'.")
            newest = max(rows, key=lambda r: r.version)
            if newest.active == active:
                raise ValidationError(f"Protocol {found.code}/{newest.name} is already "
                                      f"{'active' if active else 'withdrawn'}.")
            newest.active = active
            uow.audit("aliquot_protocol.activated" if active else "aliquot_protocol.withdrawn", ALIQUOT_PROTOCOL,
                      f"{found.code}/{newest.name}",
                      summary=f"Aliquot protocol {found.code}/{newest.name} v{newest.version} "
                              f"{'brought back' if active else 'withdrawn'}",
                      before={"active": not active}, after={"active": active}, reason=why)
            return uow.commit()
