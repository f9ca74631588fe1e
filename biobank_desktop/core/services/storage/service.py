"""The storage service: one object for the GUI, the CLI and other workflows, composed of its parts."""

from __future__ import annotations

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.services.storage.layout import LayoutMixin
from biobank_desktop.core.services.storage.placing import PlacingMixin
from biobank_desktop.core.services.storage.reads import ReadsMixin


class StorageService(ReadsMixin, PlacingMixin, LayoutMixin):
    """See the package docstring. Every method that changes data returns ``Changes`` or ``Result[T]``."""

    def __init__(self, db: Database) -> None:
        self.db = db
