"""Reference data: studies (programmes) and partner sites."""

from __future__ import annotations

from sqlalchemy import select

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import PartnerSite, Study
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import (
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_SHORT_TEXT_LENGTH,
    checked_text,
)
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.dto import SiteInfo, StudyInfo


def _code(text: str, what: str) -> str:
    code = text.strip().upper()
    if not code or len(code) > 20 or not all(c.isalnum() or c in "-_" for c in code):
        raise ValidationError(f"'{text}' is not a valid {what} code: use up to 20 letters, digits or dashes.")
    return code


class ReferenceService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def studies(self, *, include_inactive: bool = False) -> list[StudyInfo]:
        stmt = select(Study).order_by(Study.programme, Study.code)
        if not include_inactive:
            stmt = stmt.where(Study.active.is_(True))
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [StudyInfo(x.id, x.code, x.name, x.programme, x.active) for x in s.execute(stmt).scalars()]

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
            return Result(StudyInfo(study.id, study.code, study.name, study.programme, study.active), uow.commit())

    def set_study_prefix(self, actor: Actor, study: str, prefix: str | None, reason: str) -> Result[StudyInfo]:
        """Give ``study`` its own sample ID prefix (2–5 letters, not a reserved one nor another study's), or
        None to go back to the biobank-wide one. Only new IDs change; existing samples keep theirs. Supervisors
        and administrators; audited with before/after and the reason."""
        raise NotImplementedError

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
