"""Bench: a 96-parent × 9-children protocol batch with placement and label queueing, on a large demo database.

One ``AliquotingService.apply_protocol`` call (one transaction: 96 parents locked and drawn, 864 children with
their SPREC codes, check-out/check-in of stored parents, placement in consecutive free positions of a bench rack
of empty 9 × 9 boxes, 864 labels queued in placement order, the batch record, every audit event), against a
baseline measured in the same run on the same database: inserting 864 sample rows with one bare executemany
(SQLAlchemy Core ``insert(samples)`` with a list of dicts) and committing. Goal: within 3×.

The demo database is cached (``bench/out/aliquoting-<N>.sqlite``, PostgreSQL ``bench_aliquoting_<N>``, with a
bench rack added once); each run works on a copy (a file copy; ``CREATE DATABASE … TEMPLATE``), so the cache
stays as built. Delete the cache to rebuild.

Run: .venv/bin/python bench/bench_aliquoting.py [--samples 1000000] [--backend both] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from demo_cache import PG_ADMIN, build_demo, cached_postgresql, cached_sqlite

from biobank_desktop.core.db.engine import Database, sqlite_url
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.changes import CONTAINER
from biobank_desktop.core.services import build_services
from biobank_desktop.core.services.aliquoting import BatchRequest, ProtocolDefinition, parse_protocol_lines
from biobank_desktop.core.services.demo.catalogue import DEMO_ACCOUNTS
from biobank_desktop.core.services.storage_layout import NewContainer, create_containers

OUT = Path(__file__).resolve().parent / "out"
SYSTEM = Actor.system("bench")
RACK = "Aliquoting bench rack"
PARENTS, CHILDREN = 96, 9


def _build(url: str, n: int) -> Database:
    db = build_demo(url, n)
    accounts = {name: (role, password) for name, _, role, password in DEMO_ACCOUNTS}
    admin = build_services(db, workstation="BENCH").accounts.authenticate("admin", accounts["admin"][1])
    with UnitOfWork(db, admin) as uow:  # 12 empty 9 × 9 boxes (972 positions) in a −80 °C freezer
        create_containers(uow.session, None, [NewContainer("Upright freezer -80 °C", RACK, temperature_c=Decimal(-80),
                                                           children=[NewContainer("Freezer rack 4 × 5 boxes", "Rack",
                                                           children=[NewContainer("Cryobox 9 × 9", f"Box {b:02d}")
                                                                     for b in range(1, 13)])])])
        uow.audit("storage.container_created", CONTAINER, "bench", summary="aliquoting bench rack")
        uow.commit()
    return db


def _copy(backend: str, n: int, run: int) -> tuple[Database, str]:
    """A copy of the cached database for one run (the cache itself is never changed)."""
    if backend == "sqlite":
        cached = cached_sqlite(OUT / f"aliquoting-{n}.sqlite", n, _build)
        cached.dispose()
        target = OUT / f"aliquoting-run-{run}.sqlite"
        shutil.copyfile(OUT / f"aliquoting-{n}.sqlite", target)
        return Database(sqlite_url(target)), str(target)
    cached = cached_postgresql(f"bench_aliquoting_{n}", n, _build)
    cached.dispose()
    name = f"bench_aliquoting_run_{run}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "bench_aliquoting_{n}"'))
    admin.dispose()
    return Database(sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)), name


def _drop(backend: str, where: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{where}{suffix}").unlink(missing_ok=True)
        return
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{where}" WITH (FORCE)'))
    admin.dispose()


def _one_run(backend: str, n: int, run: int) -> tuple[float, float]:
    db, where = _copy(backend, n, run)
    try:
        services = build_services(db, workstation="BENCH")
        passwords = {name: password for name, _, _, password in DEMO_ACCOUNTS}
        supervisor = services.accounts.authenticate("supervisor", passwords["supervisor"])
        technician = services.accounts.authenticate("tech1", passwords["tech1"])
        with db.engine.connect() as conn:
            study, sample_type = conn.execute(sa.text(
                "SELECT st.code, s.sample_type FROM samples s JOIN studies st ON st.id = s.study_id "
                "WHERE s.status = 'available' AND s.volume_ul >= 200 "
                "GROUP BY st.code, s.sample_type ORDER BY count(*) DESC LIMIT 1")).one()
            candidates = list(conn.execute(sa.text(
                "SELECT s.sample_code FROM samples s JOIN studies st ON st.id = s.study_id "
                "WHERE s.status = 'available' AND s.volume_ul >= 200 "
                "AND st.code = :study AND s.sample_type = :type ORDER BY s.id LIMIT 300"),
                {"study": study, "type": sample_type}).scalars())
        services.aliquoting.save_protocol(supervisor, study, "bench 9x", ProtocolDefinition(
            parse_protocol_lines(f"{CHILDREN}x{sample_type}:20µL")))
        checks = services.aliquoting.check_batch(BatchRequest(tuple(candidates), "bench 9x"))
        parents = tuple(c.parent for c in checks if c.problem is None)[:PARENTS]
        assert len(parents) == PARENTS, "not enough parents that fit"
        with db.engine.connect() as conn:
            rack = conn.execute(sa.text("SELECT barcode FROM storage_containers WHERE name = :n"), {"n": RACK}).scalar()
        started = time.perf_counter()
        done = services.aliquoting.apply_protocol(technician, BatchRequest(parents, "bench 9x", box=rack)).value
        batch_s = time.perf_counter() - started
        assert len(done.children) == PARENTS * CHILDREN and all(c.position for c in done.children)
        rows = [{"sample_code": f"BENCH-{run}-{i:06d}", "study_id": 1, "material": "fluid", "sample_type": "SER",
                 "primary_container": "SST", "volume_ul": 20, "initial_volume_ul": 20,
                 "status": "available", "lineage_kind": "primary", "freeze_thaw_count": 0, "sprec_version": "3.0",
                 "sprec_overridden": False, "notes": "", "version": 1} for i in range(PARENTS * CHILDREN)]
        samples = sa.table("samples", *(sa.column(k) for k in (*rows[0], "created_at", "updated_at")))
        now = sa.func.current_timestamp()
        started = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(sa.insert(samples).values(created_at=now, updated_at=now), rows)
        bare_s = time.perf_counter() - started
        return batch_s, bare_s
    finally:
        db.dispose()
        _drop(backend, where)


def run(backend: str, n: int, repeat: int) -> None:
    print(f"\n== {backend}, {n:,} samples: {PARENTS} parents × {CHILDREN} children ==")
    results = [_one_run(backend, n, i) for i in range(repeat)]
    batch, bare = statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)
    print(f"protocol batch (one transaction, placement, labels): {batch * 1000:8.0f} ms   bare executemany of "
          f"{PARENTS * CHILDREN} sample rows {bare * 1000:6.0f} ms   ratio {batch / bare:5.1f}×  (goal ≤ 3×)")
    print("  runs: " + ", ".join(f"{b * 1000:.0f}/{x * 1000:.0f} ms" for b, x in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args.samples, args.repeat)


if __name__ == "__main__":
    main()
