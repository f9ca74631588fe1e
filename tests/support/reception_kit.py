"""Shipments for the reception tests: a manifest written as a real .xlsx and imported through the exchange
service, as a clinic's file would be."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from tests.unit.spreadsheets.helpers import make_xlsx

HEADERS = ["Sample barcode", "Participant", "Study", "Material", "Tube", "Volume (ml)", "Collected",
           "Centrifugation start", "Centrifugation end", "Frozen", "Consent"]
COLLECTED = dt.datetime(2026, 11, 2, 8, 15)


def tube(barcode: str, participant: str = "LU-001", *, study: str = "LUNG", material: str = "Serum",
         consent: str = "yes", **times: object) -> list[object]:
    values: dict[str, object] = {
        "Sample barcode": barcode, "Participant": participant, "Study": study, "Material": material, "Tube": "SST",
        "Volume (ml)": 1, "Collected": COLLECTED, "Centrifugation start": dt.datetime(2026, 11, 2, 10, 0),
        "Centrifugation end": dt.datetime(2026, 11, 2, 10, 15), "Frozen": dt.datetime(2026, 11, 2, 11, 0),
        "Consent": consent,
    }
    values.update(times)
    return [values[h] for h in HEADERS]


def manifest(services: Services, actor: Actor, path: Path, rows: Sequence[Sequence[object]],
             partner: str = "CLINIC") -> str:
    """Import ``rows`` as a manifest from ``partner``; the shipment's code."""
    make_xlsx(path, rows, headers=HEADERS)
    report = services.exchange.import_file(actor, path, kind="manifest", partner=partner).value
    assert report.shipment is not None, report.notes + [str(p) for p in report.problems]
    return report.shipment


def barcodes(n: int, start: int = 1) -> list[str]:
    return [f"CL{i:07d}" for i in range(start, start + n)]
