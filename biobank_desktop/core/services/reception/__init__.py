"""Reception: shipments from partner sites received tube by tube (see :mod:`.service`)."""

from biobank_desktop.core.domain.reception import MAX_ATTACHMENT_BYTES
from biobank_desktop.core.services.reception.dto import (
    ArrivalConditions,
    AttachmentInfo,
    Board,
    BoardCounts,
    BoardTube,
    ConsentCheck,
    ScanResult,
    ShipmentDetails,
    ShipmentInfo,
    StoreResult,
)
from biobank_desktop.core.services.reception.service import ReceptionService

__all__ = [
    "MAX_ATTACHMENT_BYTES", "ArrivalConditions", "AttachmentInfo", "Board", "BoardCounts", "BoardTube",
    "ConsentCheck", "ReceptionService", "ScanResult", "ShipmentDetails", "ShipmentInfo", "StoreResult",
]
