"""Workbooks made by the tests (never bytes copied from elsewhere)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from biobank_desktop.core.spreadsheets.importing import default_vocabularies
from biobank_desktop.core.spreadsheets.validation import Context

HEADERS = ["Sample barcode", "Participant", "Study", "Timepoint", "Material", "Tube", "Volume (ml)", "Collected"]
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def row(n: int, **overrides: object) -> list[object]:
    values: dict[str, object] = {"Sample barcode": f"0531{n:05d}", "Participant": f"NC-{400 + n // 3:04d}",
                                 "Study": "NORMAL", "Timepoint": "Baseline", "Material": "Serum", "Tube": "SST",
                                 "Volume (ml)": 1, "Collected": dt.datetime(2026, 11, 2, 8, 15)}
    values.update(overrides)
    return [values[h] for h in HEADERS]


def make_xlsx(path: Path, rows: Sequence[Sequence[object]], *, headers: Sequence[str] = HEADERS,
              title: str | None = "Partner: Example Clinic", sheet: str = "Shipment") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
        ws.append([])
    ws.append(list(headers))
    for values in rows:
        ws.append(list(values))
    wb.save(path)
    return path


def context(**kwargs: object) -> Context:
    defaults: dict[str, object] = {"vocabularies": default_vocabularies(),
                                   "known_studies": {"normal": "NORMAL", "lung": "LUNG"}, "now": NOW}
    defaults.update(kwargs)
    return Context(**defaults)  # type: ignore[arg-type]
