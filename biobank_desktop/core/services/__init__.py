"""Use cases, one unit of work per user action. The GUI and the CLI call these and nothing below.

:func:`build_services` is the one place that wires them to a database.
"""

from __future__ import annotations

from dataclasses import dataclass

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import this_workstation
from biobank_desktop.core.services.accounts import AccountService
from biobank_desktop.core.services.audit import AuditService
from biobank_desktop.core.services.participants import ParticipantService
from biobank_desktop.core.services.queries import QueryService
from biobank_desktop.core.services.reference import ReferenceService
from biobank_desktop.core.services.samples import SampleService
from biobank_desktop.core.services.system import SystemService


@dataclass(frozen=True)
class Services:
    db: Database
    workstation: str
    accounts: AccountService
    audit: AuditService
    participants: ParticipantService
    queries: QueryService
    reference: ReferenceService
    samples: SampleService
    system: SystemService

    def close(self) -> None:
        self.db.dispose()


def open_database(url: str) -> Database:
    """Open (not yet upgrade) the database at ``url``; raises DatabaseUnavailableError for a bad file."""
    return Database(url)


def build_services(db: Database, workstation: str | None = None) -> Services:
    ws = workstation or this_workstation()
    return Services(
        db=db, workstation=ws, accounts=AccountService(db, ws), audit=AuditService(db),
        participants=ParticipantService(db), queries=QueryService(db), reference=ReferenceService(db),
        samples=SampleService(db), system=SystemService(db),
    )
