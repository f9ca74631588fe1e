"""Use cases, one unit of work per user action. The GUI and the CLI call these and nothing below.

:func:`build_services` is the one place that wires them to a database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import this_workstation
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services.accounts import AccountService
from biobank_desktop.core.services.audit import AuditService
from biobank_desktop.core.services.labelling import LabellingService
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
    labelling: LabellingService
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


def build_services(db: Database, workstation: str | None = None,
                   printers: Callable[[], Sequence[PrinterConfig]] = lambda: ()) -> Services:
    """``printers`` returns this workstation's configured printers (read from its settings)."""
    ws = workstation or this_workstation()
    return Services(
        db=db, workstation=ws, accounts=AccountService(db, ws), audit=AuditService(db),
        labelling=LabellingService(db, ws, printers),
        participants=ParticipantService(db), queries=QueryService(db), reference=ReferenceService(db),
        samples=SampleService(db), system=SystemService(db),
    )
