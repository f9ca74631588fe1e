"""The data model, one module per area. Alembic owns the schema: change a model only together with a new migration.

The database guards the invariants that two workstations could otherwise break: unique IDs and
barcodes, one tube per position and one position per tube, volumes that never go negative.

Layout (every model is re-exported here, so ``from biobank_desktop.core.db.models import Sample`` works):

* :mod:`~.base` — ``Base``, the constraint naming convention, ``one_of`` for CHECK constraints, and the
  registry of constraint messages (:func:`~.base.register_constraint_messages`);
* :mod:`~.reference` — studies, partner sites;
* :mod:`~.samples` — participants, consents, samples, external barcodes;
* :mod:`~.storage` — container types, storage containers, sample locations;
* :mod:`~.accounts` — users;
* :mod:`~.audit` — audit events, the audit head;
* :mod:`~.labels` — label templates, print rules, print jobs;
* :mod:`~.exchange` — shipments of expected tubes, import records, saved mappings;
* :mod:`~.reception` — tubes received into shipments, files kept with shipments;
* :mod:`~.system` — ID counters, biobank-wide settings;
* :mod:`~.aliquoting` — aliquot protocols, aliquoting batches and their items.

A new area (shipments, imports, aliquot batches …) adds one module here: its models on ``Base``, its
constraint messages registered beside them with ``register_constraint_messages({...})`` (the name the
naming convention gives the constraint, and ``table.column`` as SQLite reports it), one import line
below, and the migration that creates its tables (``tests/integration/test_migrations.py`` checks that
models and migrations agree on both backends).
"""

from __future__ import annotations

from biobank_desktop.core.db.models.accounts import ROLES, User
from biobank_desktop.core.db.models.aliquoting import (
    BATCH_STATUSES,
    BATCH_STEPS,
    AliquotBatch,
    AliquotBatchItem,
    AliquotProtocol,
)
from biobank_desktop.core.db.models.audit import AuditEvent, AuditEventSample, AuditHead
from biobank_desktop.core.db.models.base import (
    NAMING_CONVENTION,
    Base,
    constraint_messages,
    one_of,
    register_constraint_messages,
)
from biobank_desktop.core.db.models.exchange import (
    IMPORT_KINDS,
    SHIPMENT_STATUSES,
    ExpectedTube,
    ImportRecord,
    SavedMapping,
    Shipment,
)
from biobank_desktop.core.db.models.labels import (
    PRINT_ITEM_STATUSES,
    PRINT_JOB_STATUSES,
    LabelTemplateRecord,
    PrintJob,
    PrintJobItem,
    PrintRule,
)
from biobank_desktop.core.db.models.reception import ShipmentAttachment, TubeReceipt
from biobank_desktop.core.db.models.reference import PartnerSite, Study
from biobank_desktop.core.db.models.samples import (
    LINEAGE_KINDS,
    SAMPLE_STATUSES,
    Consent,
    Participant,
    Sample,
    SampleBarcode,
)
from biobank_desktop.core.db.models.storage import (
    CONTAINER_KINDS,
    ContainerType,
    PositionHold,
    RackScanImport,
    SampleLocation,
    StorageCheckout,
    StorageContainer,
    StorageRestriction,
)
from biobank_desktop.core.db.models.system import IdSequence, Setting

__all__ = [
    "BATCH_STATUSES",
    "BATCH_STEPS",
    "CONTAINER_KINDS",
    "IMPORT_KINDS",
    "LINEAGE_KINDS",
    "NAMING_CONVENTION",
    "PRINT_ITEM_STATUSES",
    "PRINT_JOB_STATUSES",
    "ROLES",
    "SAMPLE_STATUSES",
    "SHIPMENT_STATUSES",
    "AliquotBatch",
    "AliquotBatchItem",
    "AliquotProtocol",
    "AuditEvent",
    "AuditEventSample",
    "AuditHead",
    "Base",
    "Consent",
    "ContainerType",
    "ExpectedTube",
    "IdSequence",
    "ImportRecord",
    "LabelTemplateRecord",
    "Participant",
    "PartnerSite",
    "PositionHold",
    "PrintJob",
    "PrintJobItem",
    "PrintRule",
    "RackScanImport",
    "Sample",
    "SampleBarcode",
    "SampleLocation",
    "SavedMapping",
    "Setting",
    "Shipment",
    "ShipmentAttachment",
    "StorageCheckout",
    "StorageContainer",
    "StorageRestriction",
    "Study",
    "TubeReceipt",
    "User",
    "constraint_messages",
    "one_of",
    "register_constraint_messages",
]
