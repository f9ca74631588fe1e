"""Demo data: a national biobank's studies, partner sites, donors, consents, tubes and freezers.

:func:`generate_demo` fills a database with data shaped like a national biobank's (think IBBL,
Luxembourg): the national programmes' studies, Luxembourg hospitals and a few laboratories across
the borders, pseudonymised participants (never names or birth dates) with their consents (some
re-consented, a few withdrawn), primary tubes with external clinic barcodes, their aliquots in
cryoboxes, 96-tube racks and a liquid-nitrogen tank, and the demo accounts in :data:`DEMO_ACCOUNTS`
(only on a database without any account: their passwords are public). The setting ``demo_data = 1``
marks the database (:func:`is_demo_database`).

What a caller can rely on:

* All or nothing: one transaction. Cancelling (``cancelled()`` returning True, checked after every
  chunk) or any error rolls everything back; :class:`OperationCancelledError` is raised.
* Deterministic: the same ``seed``, ``until`` and starting database give the same data.
* Internal IDs come from the same counters real registrations use (one reservation per registration
  year), so the next sample registered in the application continues the sequence.
* Invariants the schema also guards: every aliquot has its parent; a parent's volume is its initial
  volume less its aliquots' (never negative); one tube per position; unique barcodes.
* One audit event, ``demo.generated``, summarises the run (not one per tube: a million tubes would
  otherwise bury the real trail).
* Speed: rows are built client-side (primary keys reserved first) and sent with Core
  ``insert(table)`` executemany in chunks of :data:`CHUNK` rows, with every row carrying every key
  (the effect ``render_nulls`` has for ORM bulk inserts: one statement shape, one batch).

The package:

* :mod:`~.catalogue` — the constants drawn from (studies, sites, sample kinds, container types, accounts);
* :mod:`~.plan` — what to create, as plain dataclasses, deterministic from the seed, no database;
* :mod:`~.writer` — writes a plan in chunks in one unit of work (cancellable, all or nothing); the storage
  tree goes through :mod:`biobank_desktop.core.services.storage_layout`, as the storage workflows' does.
"""

from __future__ import annotations

from biobank_desktop.core.services.demo.catalogue import DEMO_ACCOUNTS, DEMO_SETTING
from biobank_desktop.core.services.demo.writer import CHUNK, DemoReport, generate_demo, is_demo_database
from biobank_desktop.core.services.storage_layout import (
    BOX_BARCODE_SEQUENCE,
    FREEZER_BARCODE_SEQUENCE,
    RACK_BARCODE_SEQUENCE,
)

__all__ = [
    "BOX_BARCODE_SEQUENCE",
    "CHUNK",
    "DEMO_ACCOUNTS",
    "DEMO_SETTING",
    "FREEZER_BARCODE_SEQUENCE",
    "RACK_BARCODE_SEQUENCE",
    "DemoReport",
    "generate_demo",
    "is_demo_database",
]
