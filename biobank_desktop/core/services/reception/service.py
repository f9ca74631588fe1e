"""ReceptionService: shipments from partner sites received tube by tube, accessioned, labelled and stored.

One unit of work per scan or decision: the state is in the database after every scan, so several workstations
can receive the same shipment and see each other's scans (:meth:`ReceptionService.board`), and closing the
window loses nothing. Scans of one shipment are serialised on its row (two workstations accepting the same
unexpected tube: one wins, the other gets a ConflictError saying who got there first).

Accessioning goes through :meth:`SampleService.register_in`, labels through :meth:`LabellingService.enqueue_in`
(the print rules choose template and printer), positions through :meth:`StorageService.place_found_in`.

Consent, decided: the participant's recorded consents are the authority (the newest decides); with none
recorded, the clinic's "consent: yes" on the manifest counts, and is recorded as the participant's consent
(version ``clinic-confirmed``, audited) when the first tube is accessioned. No consent, a refusal or a
withdrawal stops the tube at the scan: quarantine or reject, with a reason. Walk-in registration
(:meth:`ReceptionService.register_walk_in`) applies the same rule; the plain :meth:`SampleService.register`
(migrated collections, aliquots' parents registered by hand) does not, because a migrated collection's consents
live in its own records. The time rule (nothing before the collection) is in ``register_in`` itself, so every
path applies it.

The parts: :mod:`.shipments` (shipments, arrival, board, files), :mod:`.scanning` (scans and decisions),
:mod:`.finishing` (labels, storage, closing, report, walk-in), :mod:`.report` (PDF and .xlsx).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.services.reception.finishing import FinishingMixin
from biobank_desktop.core.services.reception.matching import MatchingMixin
from biobank_desktop.core.services.reception.scanning import ScanningMixin
from biobank_desktop.core.services.reception.shipments import ShipmentsMixin
from biobank_desktop.core.services.samples import SampleService
from biobank_desktop.core.services.storage import StorageService

if TYPE_CHECKING:
    from biobank_desktop.core.services.labelling import LabellingService


class ReceptionService(ShipmentsMixin, ScanningMixin, FinishingMixin, MatchingMixin):
    """See the module docstring. ``labelling`` is the workstation's LabellingService (its print rules choose
    the printer); every method that changes data returns ``Result[T]``."""

    def __init__(self, db: Database, samples: SampleService, storage: StorageService,
                 labelling: LabellingService) -> None:
        self.db = db
        self.samples = samples
        self.storage = storage
        self.labelling = labelling
