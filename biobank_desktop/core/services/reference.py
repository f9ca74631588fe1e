"""Reference data: studies (programmes) and partner sites."""

from __future__ import annotations

from sqlalchemy import select

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import PartnerSite, Study
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.reception import checked_prefix
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import (
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_SHORT_TEXT_LENGTH,
    checked_reason,
    checked_text,
)
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.dto import SiteInfo, StudyInfo
from biobank_desktop.core.services.samples import sample_id_prefix


def _code(text: str, what: str) -> str:
    code = text.strip().upper()
    if not code or len(code) > 20 or not all(c.isalnum() or c in "-_" for c in code):
        raise ValidationError(f"'{text}' is not a valid {what} code: use up to 20 letters, digits or dashes.")
    return code


def _study_info(study: Study) -> StudyInfo:
    return StudyInfo(study.id, study.code, study.name, study.programme, study.active, study.sample_id_prefix)


class ReferenceService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def studies(self, *, include_inactive: bool = False) -> list[StudyInfo]:
        stmt = select(Study).order_by(Study.programme, Study.code)
        if not include_inactive:
            stmt = stmt.where(Study.active.is_(True))
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [_study_info(x) for x in s.execute(stmt).scalars()]

    def sites(self, *, include_inactive: bool = False) -> list[SiteInfo]:
        stmt = select(PartnerSite).order_by(PartnerSite.code)
        if not include_inactive:
            stmt = stmt.where(PartnerSite.active.is_(True))
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [SiteInfo(x.id, x.code, x.name, x.city, x.country, x.active) for x in s.execute(stmt).scalars()]

    def add_study(self, actor: Actor, code: str, name: str, programme: str, description: str = "") -> Result[StudyInfo]:
        code = _code(code, "study")
        name = checked_text(name, "The study's name", MAX_NAME_LENGTH, required=True)
        programme = checked_text(programme, "The programme", MAX_SHORT_TEXT_LENGTH, required=True)
        description = checked_text(description, "The study's description", MAX_NOTE_LENGTH, multiline=True)
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            if uow.session.execute(select(Study.id).where(Study.code == code)).first():
                raise ConflictError(f"A study with code {code} exists already.")
            study = Study(code=code, name=name.strip(), programme=programme.strip(), description=description)
            uow.session.add(study)
            uow.flush()
            uow.audit("study.added", "study", code, summary=f"Added study {code} ({name.strip()})",
                      after={"code": code, "name": name.strip(), "programme": programme.strip()})
            return Result(_study_info(study), uow.commit())

    def set_study_prefix(self, actor: Actor, study: str, prefix: str | None, reason: str) -> Result[StudyInfo]:
        """Give ``study`` its own sample ID prefix (2–5 letters, not a reserved one nor another study's), or
        None to go back to the biobank-wide one. Only new IDs change; existing samples keep theirs. Supervisors
        and administrators; audited with before/after and the reason."""
        value = checked_prefix(prefix) if prefix is not None and prefix.strip() else None
        why = checked_reason(reason, "Give a reason for changing the study's sample ID prefix: it is kept in the "
                                     "audit trail.")
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            s = uow.session
            row = s.execute(select(Study).where(Study.code == study.strip().upper())).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"There is no study {study.strip().upper()}.")
            if value is not None:
                other = s.execute(select(Study.code).where(Study.sample_id_prefix == value, Study.id != row.id)
                                  ).scalar()
                if other is not None:
                    raise ConflictError(f"Study {other} already uses the prefix {value}.",
                                        hint="Each study needs its own prefix, or none.")
                if value == sample_id_prefix(s):
                    raise ValidationError(f"{value} is the biobank-wide prefix already.",
                                          hint="Choose another prefix, or leave the study without one.")
            if row.sample_id_prefix == value:
                now = f"the prefix {value}" if value else "no prefix"
                raise ValidationError(f"Study {row.code} already has {now}.")
            before = {"sample_id_prefix": row.sample_id_prefix}
            row.sample_id_prefix = value
            uow.audit("study.prefix_changed", "study", row.code,
                      summary=f"Sample ID prefix of {row.code} set to {value or 'the biobank-wide one'}",
                      before=before, after={"sample_id_prefix": value}, reason=why.strip())
            return Result(_study_info(row), uow.commit())

    def add_site(self, actor: Actor, code: str, name: str, city: str = "", country: str = "LU") -> Result[SiteInfo]:
        code = _code(code, "partner site")
        name = checked_text(name, "The partner site's name", MAX_NAME_LENGTH, required=True)
        city = checked_text(city, "The city", MAX_SHORT_TEXT_LENGTH)
        if len(country.strip()) != 2:
            raise ValidationError("Give the country as a two-letter code, e.g. LU, FR, DE, BE.")
        with UnitOfWork(self.db, actor, Permission.MANAGE_REFERENCE) as uow:
            if uow.session.execute(select(PartnerSite.id).where(PartnerSite.code == code)).first():
                raise ConflictError(f"A partner site with code {code} exists already.")
            site = PartnerSite(code=code, name=name.strip(), city=city.strip(), country=country.strip().upper())
            uow.session.add(site)
            uow.flush()
            uow.audit("site.added", "site", code, summary=f"Added partner site {code} ({name.strip()})",
                      after={"code": code, "name": name.strip(), "city": city.strip(), "country": site.country})
            return Result(SiteInfo(site.id, site.code, site.name, site.city, site.country, site.active), uow.commit())
