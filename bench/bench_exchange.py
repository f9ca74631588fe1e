"""Bench: spreadsheet exchange at 100,000 rows, each figure a ratio against a baseline of the same run.

Import (read + map + validate + write + audit) of a generated 100,000-row manifest, on SQLite and PostgreSQL,
against python-calamine's bare read of the same file (goal: within 2×) and against ``pandas.read_excel`` +
``DataFrame.to_sql`` of the same file into the same kind of database (goal: at least 5× faster).
Export of 100,000 samples (ExchangeService.export_inventory: query + rows + writer) against the same writer
writing the same rows as bare values already in memory (goal: within 1.5×).
Each measurement runs in a fresh interpreter (multiprocessing "spawn") so its peak RSS is its own.

Run: .venv/bin/python bench/bench_exchange.py [--rows 100000] [--backends sqlite,postgresql] [--no-pandas]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PG_ADMIN = os.environ.get("BIOBANK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HEADERS = ["Tube barcode", "Participant", "Study", "Visit", "Sample type", "Primary container", "Volume (mL)",
           "Collection date and time", "Centrifugation start", "Centrifugation end", "Frozen at", "Comments"]


# -- databases --------------------------------------------------------------------------------------------


def fresh_url(backend: str, folder: Path) -> str:
    from biobank_desktop.core.db import schema
    from biobank_desktop.core.db.engine import Database, sqlite_url

    name = f"bench_exchange_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = sqlite_url(folder / f"{name}.sqlite")
    else:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    schema.upgrade(db)
    db.dispose()
    return url


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        name = sa.make_url(url).database
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- the file ---------------------------------------------------------------------------------------------


def make_manifest(path: Path, rows: int) -> None:
    from biobank_desktop.core.spreadsheets.writer import Column, HeaderBlock, SheetSpec, write_workbook

    start = dt.datetime(2026, 1, 5, 8, 0)
    types = [("Serum", "SST"), ("EDTA plasma", "EDTA"), ("Buffy coat", "EDTA"), ("Urine", "PP tube")]

    def generate() -> Any:
        for i in range(rows):
            collected = start + dt.timedelta(minutes=2 * i)
            kind, tube = types[i % 4]
            yield [f"{i:09d}", f"P-{i // 4:06d}", "LUNG", "Baseline", kind, tube, 1.5 if i % 3 else "1,5 ml",
                   collected, collected + dt.timedelta(minutes=40), collected + dt.timedelta(minutes=55),
                   collected + dt.timedelta(minutes=90), "" if i % 10 else "checked"]

    header = HeaderBlock("Shipment to the biobank", created_by="clinic", database="clinic LIMS")
    write_workbook(path, [SheetSpec("Manifest", [Column(h) for h in HEADERS], generate(), header=header,
                                    total_rows=rows)])


# -- measurements (each in its own interpreter) -------------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def m_calamine(path: str) -> tuple[float, float]:
    from python_calamine import CalamineWorkbook

    began = time.perf_counter()
    rows = CalamineWorkbook.from_path(path).get_sheet_by_name("Manifest").to_python()
    took = time.perf_counter() - began
    assert len(rows) > 1000
    return took, _peak_mb()


def m_import(path: str, url: str) -> tuple[float, float]:
    from biobank_desktop.core.db.engine import Database
    from biobank_desktop.core.domain.actor import Actor
    from biobank_desktop.core.services import build_services

    db = Database(url)
    services = build_services(db, "BENCH")
    actor = Actor.system("bench", "BENCH")
    services.reference.add_site(actor, "CLINIC", "Bench clinic")
    services.exchange.context("manifest", "CLINIC")  # imports loaded before timing
    began = time.perf_counter()
    report = services.exchange.import_file(actor, Path(path), kind="manifest", partner="CLINIC").value
    took = time.perf_counter() - began
    assert report.rows_imported == report.rows_read, (report.notes, report.problems[:3])
    db.dispose()
    return took, _peak_mb()


def m_pandas(path: str, url: str, header_row: int) -> tuple[float, float]:
    import pandas as pd

    engine = sa.create_engine(url)
    began = time.perf_counter()
    frame = pd.read_excel(path, sheet_name="Manifest", header=header_row - 1)
    frame.to_sql("pandas_manifest", engine, if_exists="replace", index=False, chunksize=10_000)
    took = time.perf_counter() - began
    engine.dispose()
    return took, _peak_mb()


def fill_samples(url: str, rows: int) -> None:
    from biobank_desktop.core.db import bulk
    from biobank_desktop.core.db.engine import Database

    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    with db.engine.begin() as conn:
        study = conn.execute(sa.text("SELECT id FROM studies WHERE code = 'LUNG'")).scalar_one()
        ids = bulk.reserve_ids(conn, "samples", rows)
        table = sa.Table("samples", sa.MetaData(), autoload_with=conn)
        defaults = {c.name: None for c in table.columns}
        batch = [defaults | {
            "id": i, "sample_code": f"BB-2026-{i:06d}X", "study_id": study, "material": "fluid",
            "sample_type": "SER", "primary_container": "SST", "volume_ul": Decimal("500.00"),
            "initial_volume_ul": Decimal("500.00"), "status": "available", "lineage_kind": "primary",
            "freeze_thaw_count": 0, "collected_at": now, "received_at": now, "sprec_version": "3.0",
            "sprec_code": "SER-SST-A-B-N-A-D", "sprec_overridden": False, "notes": "", "created_at": now,
            "updated_at": now, "version": 1} for i in ids]
        for start in range(0, len(batch), bulk.CHUNK):
            conn.execute(sa.insert(table), batch[start:start + bulk.CHUNK])
    db.dispose()


def m_export(url: str, out: str) -> tuple[float, float]:
    from biobank_desktop.core.db.engine import Database
    from biobank_desktop.core.domain.actor import Actor
    from biobank_desktop.core.services import build_services

    db = Database(url)
    services = build_services(db, "BENCH")
    began = time.perf_counter()
    result = services.exchange.export_inventory(Actor.system("bench", "BENCH"), Path(out))
    took = time.perf_counter() - began
    assert sum(result.value.rows.values()) > 1000
    db.dispose()
    return took, _peak_mb()


def m_bare_export(url: str, out: str) -> tuple[float, float]:
    from biobank_desktop.core.db.engine import Database
    from biobank_desktop.core.services.exchange import exports
    from biobank_desktop.core.spreadsheets.writer import HeaderBlock, SheetSpec, write_workbook

    db = Database(url)
    rows = list(exports.sample_rows(db, None, total=None, with_consents=False, progress=lambda *_: None,
                                    cancelled=lambda: False))
    db.dispose()
    began = time.perf_counter()
    write_workbook(Path(out), [SheetSpec("Inventory", exports.SAMPLE_COLUMNS, rows,
                                         header=HeaderBlock("Inventory", "bench", "bench"))])
    return time.perf_counter() - began, _peak_mb()


def _child(queue: Any, name: str, args: tuple[Any, ...]) -> None:
    try:
        queue.put(globals()[name](*args))
    except BaseException as exc:
        queue.put(exc)
        raise


def run(name: str, *args: Any) -> tuple[float, float]:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, name, args))
    process.start()
    result = queue.get()
    process.join()
    if isinstance(result, BaseException):
        raise SystemExit(f"{name} failed: {result!r}")
    return result  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-pandas", action="store_true")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    manifest = folder / "manifest.xlsx"
    began = time.perf_counter()
    make_manifest(manifest, options.rows)
    print(f"{options.rows:,}-row manifest written in {time.perf_counter() - began:.1f} s "
          f"({manifest.stat().st_size / 1e6:.1f} MB)")
    bare, bare_mb = run("m_calamine", str(manifest))
    print(f"calamine bare read:           {bare:7.2f} s   peak RSS {bare_mb:6.0f} MB")
    for backend in options.backends.split(","):
        url = fresh_url(backend, folder)
        try:
            took, mb = run("m_import", str(manifest), url)
            print(f"import [{backend:10}]:        {took:7.2f} s   peak RSS {mb:6.0f} MB   "
                  f"= {took / bare:.2f}× calamine read (goal ≤ 2×)")
            if not options.no_pandas:
                pd_took, pd_mb = run("m_pandas", str(manifest), url, 7)
                print(f"pandas read_excel+to_sql [{backend:10}]: {pd_took:7.2f} s   peak RSS {pd_mb:6.0f} MB   "
                      f"import is {pd_took / took:.1f}× faster (goal ≥ 5×)")
        finally:
            drop(url)
    url = fresh_url("sqlite", folder)
    fill_samples(url, options.rows)
    exported, ex_mb = run("m_export", url, str(folder / "inventory.xlsx"))
    bare_export, bare_ex_mb = run("m_bare_export", url, str(folder / "bare.xlsx"))
    print(f"export inventory [sqlite]:    {exported:7.2f} s   peak RSS {ex_mb:6.0f} MB")
    print(f"writer, bare values:          {bare_export:7.2f} s   peak RSS {bare_ex_mb:6.0f} MB   "
          f"export = {exported / bare_export:.2f}× (goal ≤ 1.5×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
