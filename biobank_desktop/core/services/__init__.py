"""Use cases, one unit of work per user action. The GUI and the CLI call these and nothing below.

:func:`build_services` is the one place that wires them to a database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import this_workstation
from biobank_desktop.core.services.accounts import AccountService
from biobank_desktop.core.services.audit import AuditService
from biobank_desktop.core.services.participants import ParticipantService
from biobank_desktop.core.services.queries import QueryService
from biobank_desktop.core.services.reference import ReferenceService
from biobank_desktop.core.services.samples import SampleService
from biobank_desktop.core.services.system import SystemService

if TYPE_CHECKING:
    from biobank_desktop.core.labels.printers import PrinterConfig
    from biobank_desktop.core.services.aliquoting import AliquotingService
    from biobank_desktop.core.services.exchange import ExchangeService
    from biobank_desktop.core.services.labelling import LabellingService
    from biobank_desktop.core.services.reception import ReceptionService
    from biobank_desktop.core.services.storage import StorageService


class Services:
    """Every service, wired to one database. Heavy ones (labels: reportlab, barcodes) load on first use."""

    def __init__(self, db: Database, workstation: str,
                 printers: Callable[[], Sequence[PrinterConfig]] = lambda: ()) -> None:
        self.db = db
        self.workstation = workstation
        self._printers = printers
        self.accounts = AccountService(db, workstation)
        self.audit = AuditService(db)
        self.participants = ParticipantService(db)
        self.queries = QueryService(db)
        self.reference = ReferenceService(db)
        self.samples = SampleService(db)
        self.system = SystemService(db)

    @functools.cached_property
    def labelling(self) -> LabellingService:
        from biobank_desktop.core.services import labelling  # loaded on first use: reportlab, barcodes

        return labelling.LabellingService(self.db, self.workstation, self._printers)

    @functools.cached_property
    def storage(self) -> StorageService:
        from biobank_desktop.core.services.storage import StorageService

        return StorageService(self.db, self.samples)

    @functools.cached_property
    def exchange(self) -> ExchangeService:
        from biobank_desktop.core.services import exchange  # spreadsheet engine loaded on first use

        return exchange.ExchangeService(self.db, self.samples, self.storage)

    @functools.cached_property
    def aliquoting(self) -> AliquotingService:
        from biobank_desktop.core.services.aliquoting import AliquotingService

        return AliquotingService(self.db, self.storage, self.labelling)

    @functools.cached_property
    def reception(self) -> ReceptionService:
        from biobank_desktop.core.services.reception import ReceptionService

        return ReceptionService(self.db, self.samples, self.storage, self.labelling)

    def close(self) -> None:
        self.db.dispose()


def open_database(url: str) -> Database:
    """Open (not yet upgrade) the database at ``url``; raises DatabaseUnavailableError for a bad file."""
    return Database(url)


def build_services(db: Database, workstation: str | None = None,
                   printers: Callable[[], Sequence[PrinterConfig]] = lambda: ()) -> Services:
    """``printers`` returns this workstation's configured printers (read from its settings)."""
    return Services(db, workstation or this_workstation(), printers)
