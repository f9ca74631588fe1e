"""Freezer mapping (issue 9): the storage tree, box maps, placement, moves, check-out, find space,
evacuation, reservations, rack-scan reconciliation and capacity — one :class:`StorageService`.

Other workflows place tubes inside their own unit of work with :meth:`StorageService.place_in`
(a batch of :class:`Placement`), or find and place in one call with :meth:`StorageService.place_found_in`.
"""

from __future__ import annotations

from biobank_desktop.core.services.storage.dto import (
    BoxMap,
    CapacityRow,
    CellInfo,
    CheckoutInfo,
    ContainerTypeInfo,
    HoldInfo,
    PlacedTube,
    Placement,
    TreeNode,
    TubeLocation,
)
from biobank_desktop.core.services.storage.layout import NewContainer
from biobank_desktop.core.services.storage.rackscans import RackScanReview
from biobank_desktop.core.services.storage.reads import ScanTarget
from biobank_desktop.core.services.storage.service import StorageService

__all__ = [
    "BoxMap",
    "CapacityRow",
    "CellInfo",
    "CheckoutInfo",
    "ContainerTypeInfo",
    "HoldInfo",
    "NewContainer",
    "PlacedTube",
    "Placement",
    "RackScanReview",
    "ScanTarget",
    "StorageService",
    "TreeNode",
    "TubeLocation",
]
