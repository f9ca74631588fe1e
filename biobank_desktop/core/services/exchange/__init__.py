"""Spreadsheet exchange: imports (manifests, inventories), saved mappings, exports. See :mod:`.service`."""

from biobank_desktop.core.services.exchange.service import (
    DEFAULT_MAPPING_NAME,
    ExchangeService,
    ImportInfo,
    SavedMappingInfo,
    WizardBackend,
)

__all__ = ["DEFAULT_MAPPING_NAME", "ExchangeService", "ImportInfo", "SavedMappingInfo", "WizardBackend"]
