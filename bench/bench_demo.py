"""Bench: demo data generation rate (samples/s), against the bare insert of as many sample rows.

The baseline writes the same number of rows into ``samples`` of a fresh database of the same kind,
with SQLAlchemy Core executemany in chunks of the same size and one transaction, from rows prepared
beforehand (constant values, distinct IDs): the floor that any generator writing those rows pays.
The demo additionally plans participants and visits, derives SPREC codes and IDs with check
characters, writes barcodes, consents, freezers and positions. Both are measured in the same run.

Run: .venv/bin/python bench/bench_demo.py [--samples 100000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database, sqlite_url
from biobank_desktop.core.db.models import Base
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services.demo import CHUNK, generate_demo

PG_ADMIN = os.environ.get("BIOBANK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class _Fresh:
    """A new, migrated database of one kind; removed afterwards."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.name = f"bench_demo_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            self.url = sqlite_url(folder / f"{self.name}.sqlite")
        else:
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
            admin.dispose()
            self.url = sa.make_url(PG_ADMIN).set(database=self.name).render_as_string(hide_password=False)
        self.db = Database(self.url)
        schema.upgrade(self.db)

    def close(self) -> None:
        self.db.dispose()
        if self.backend == "postgresql":
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()


def _baseline(db: Database, n: int) -> float:
    """Seconds to insert ``n`` prepared sample rows with Core executemany, one transaction."""
    table = Base.metadata.tables["samples"]
    now = dt.datetime.now(dt.UTC)
    with db.engine.begin() as conn:
        study = conn.execute(sa.text("SELECT min(id) FROM studies")).scalar_one()
    rows = [{
        "id": i, "sample_code": f"BB-2000-{i:06d}X", "study_id": study, "participant_id": None,
        "partner_site_id": None, "material": "fluid", "sample_type": "SER", "primary_container": "SST",
        "volume_ul": 500, "initial_volume_ul": 500, "status": "available", "parent_id": None,
        "lineage_kind": "primary", "freeze_thaw_count": 0, "collected_at": now, "received_at": now,
        "centrifuged_at": now, "frozen_at": now, "pre_centrifugation_temp": "RT", "centrifugation": "B",
        "second_centrifugation": "N", "post_centrifugation_temp": "RT", "long_term_storage": "D",
        "sprec_version": "3.0", "sprec_code": "SER-SST-A-B-N-B-D", "sprec_overridden": False, "notes": "",
        "created_at": now, "updated_at": now, "version": 1,
    } for i in range(1, n + 1)]
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for start in range(0, n, CHUNK):
            conn.execute(sa.insert(table), rows[start:start + CHUNK])
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    n = args.samples
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        base = _Fresh(args.backend, Path(tmp))
        try:
            baseline = _baseline(base.db, n)
        finally:
            base.close()
        fresh = _Fresh(args.backend, Path(tmp))
        try:
            started = time.perf_counter()
            report = generate_demo(fresh.db, Actor.system("bench"), n, seed=2026)
            elapsed = time.perf_counter() - started
        finally:
            fresh.close()
    other_rows = report.external_barcodes + report.positions_used + report.consents + report.participants
    print(f"Demo data generation, {args.backend}, {n:,} samples "
          f"({report.primary_samples:,} primary, {report.aliquots:,} aliquots; {other_rows:,} other rows)")
    print(f"  baseline (bare Core insert of {n:,} sample rows): {baseline:7.2f} s  {n / baseline:10,.0f} rows/s")
    print(f"  generate_demo:                                  {elapsed:7.2f} s  {n / elapsed:10,.0f} samples/s")
    print(f"  ratio demo / baseline: {elapsed / baseline:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
