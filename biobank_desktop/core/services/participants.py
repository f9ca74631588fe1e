"""Participants' consents: record a signed consent, record a withdrawal.

A withdrawal is never a deletion: the consent row keeps its history and the audit trail says who
recorded it, when and why. What happens to the samples of a withdrawn participant (destruction,
anonymisation) is a separate, audited decision.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import Consent, Participant, Study
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.text import checked_text
from biobank_desktop.core.services.changes import Changes, Result


class ParticipantService:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _person(uow: UnitOfWork, study_code: str, pseudonym: str) -> Participant:
        person = uow.session.execute(select(Participant).join(Study).where(
            Study.code == study_code.upper(), Participant.pseudonym == pseudonym.strip())).scalar_one_or_none()
        if person is None:
            raise NotFoundError(f"There is no participant {pseudonym} in study {study_code}.")
        return person

    def record_consent(self, actor: Actor, study_code: str, pseudonym: str, *, version: str, scope: str,
                       signed_on: dt.date) -> Result[int]:
        version = checked_text(version, "The consent form's version", 40, required=True)
        scope = checked_text(scope, "The consent's scope", 200, required=True)
        if signed_on > dt.datetime.now(dt.UTC).date():
            raise ValidationError(f"The signature date {signed_on.isoformat()} is in the future.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            person = self._person(uow, study_code, pseudonym)
            consent = Consent(participant_id=person.id, version=version.strip(), scope=scope.strip(),
                              status="given", signed_on=signed_on)
            uow.session.add(consent)
            uow.flush()
            uow.audit("consent.recorded", "participant", f"{study_code.upper()}/{person.pseudonym}",
                      summary=f"Consent {version.strip()} ({scope.strip()}) recorded for {person.pseudonym}",
                      after={"version": version.strip(), "scope": scope.strip(), "signed_on": signed_on})
            return Result(consent.id, uow.commit())

    def withdraw_consent(self, actor: Actor, consent_id: int, withdrawn_on: dt.date, reason: str) -> Changes:
        if not reason.strip():
            raise ValidationError("Give the reason or the reference of the withdrawal: it is kept in the audit trail.")
        reason = checked_text(reason, "The reason", 2000, multiline=True)
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            consent = uow.session.get(Consent, consent_id)
            if consent is None:
                raise NotFoundError(f"There is no consent {consent_id}.")
            if consent.status == "withdrawn":
                raise ValidationError(f"This consent was already withdrawn on {consent.withdrawn_on}.")
            if withdrawn_on < consent.signed_on:
                raise ValidationError("A consent cannot be withdrawn before it was signed.")
            person = uow.session.get(Participant, consent.participant_id)
            assert person is not None
            study = uow.session.get(Study, person.study_id)
            assert study is not None
            before = {"status": consent.status}
            consent.status, consent.withdrawn_on, consent.withdrawal_reason = "withdrawn", withdrawn_on, reason.strip()
            uow.audit("consent.withdrawn", "participant", f"{study.code}/{person.pseudonym}",
                      summary=f"Consent {consent.version} of {person.pseudonym} withdrawn", before=before,
                      after={"status": "withdrawn", "withdrawn_on": withdrawn_on}, reason=reason.strip())
            return uow.commit()
