"""Bench: the storage map on a large demo database — tree, scan → box, a 96-tube rack scan, an evacuation plan.

Each figure is printed with a baseline measured in the same run, through the same engine:

* **tree**: ``StorageService.tree()`` (every container with fill levels, as the storage page opens it) against
  the two bare queries it needs (all containers; tubes counted per container);
* **scan → box**: ``StorageService.open_scan(code)`` (a tube's box map with its cell) for random stored tubes,
  by sample ID and by 2D tube code, median and p99, against a bare ``SELECT 1`` round trip (goal < 100 ms);
* **rack scan**: reviewing a 96-tube SBS rack's DataPaq file (two tubes swapped, one unread and resolved by
  hand) and accepting it in one transaction, against a bare query of the same 96 codes' positions;
* **evacuation plan**: ``plan_evacuation`` of the fullest freezer (≥ 125 boxes) into the empty racks of a
  bench tree, against a bare query listing that freezer's boxes.

The bench tree of 50 freezers × 5 racks × 25 boxes (−80 °C, empty) is added to the demo data once, through
the storage layout rules. Databases are cached: ``bench/out/storage-<N>.sqlite`` and the PostgreSQL
database ``bench_storage_<N>``; delete them to rebuild.

Run: .venv/bin/python bench/bench_storage.py [--samples 300000] [--backend both]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from demo_cache import build_demo, cached_postgresql, cached_sqlite

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.changes import CONTAINER
from biobank_desktop.core.services import build_services
from biobank_desktop.core.services.storage_layout import (
    ContainerTypeSpec,
    NewContainer,
    create_containers,
    ensure_container_types,
)

OUT = Path(__file__).resolve().parent / "out"
SYSTEM = Actor.system("bench")
BENCH_TREE = "Bench freezer"


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - started) / 1e6


def _median(fn: Callable[[], object], repeat: int) -> float:
    return statistics.median(_timed(fn) for _ in range(repeat))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _build(url: str, n: int) -> Database:
    db = build_demo(url, n)
    _add_bench_tree(db)
    return db


def _add_bench_tree(db: Database) -> None:
    """50 freezers × 5 racks × 25 boxes, empty, at −80 °C, and a spare freezer of empty racks, through the
    storage layout rules."""
    started = time.perf_counter()
    with UnitOfWork(db, SYSTEM) as uow:
        ensure_container_types(uow.session, [ContainerTypeSpec("Freezer rack 5 × 5 boxes", "rack", 5, 5)])
        tree = [NewContainer("Upright freezer -80 °C", f"{BENCH_TREE} {f:02d}", temperature_c=Decimal(-80), children=[
            NewContainer("Freezer rack 5 × 5 boxes", f"Rack {r}", children=[
                NewContainer("Cryobox 9 × 9", f"Box {b:02d}") for b in range(1, 26)]) for r in range(1, 6)])
            for f in range(1, 51)]
        # Where an evacuated freezer's boxes can go: an empty −80 °C freezer of 20 racks × 20 places.
        tree.append(NewContainer("Upright freezer -80 °C", f"{BENCH_TREE} spare", temperature_c=Decimal(-80),
                                 children=[NewContainer("Freezer rack 4 × 5 boxes", f"Rack {r:02d}")
                                           for r in range(1, 21)]))
        create_containers(uow.session, None, tree)
        uow.audit("storage.container_created", CONTAINER, "bench", summary="bench tree of 50 × 5 × 25")
        uow.commit()
    print(f"  bench tree added in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def _cached(backend: str, n: int) -> Database:
    if backend == "sqlite":
        return cached_sqlite(OUT / f"storage-{n}.sqlite", n, _build)
    return cached_postgresql(f"bench_storage_{n}", n, _build)


def run(backend: str, n: int) -> None:
    db = _cached(backend, n)
    services = build_services(db, workstation="BENCH")
    storage = services.storage
    rng = random.Random(2026)
    print(f"\n== {backend}, {n:,} samples ==")
    with db.engine.connect() as conn:
        containers = int(conn.execute(sa.text("SELECT count(*) FROM storage_containers")).scalar_one())

    # -- tree --------------------------------------------------------------------------------------------
    def bare_tree() -> None:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT id, parent_id, name, barcode, container_type_id, active "
                                 "FROM storage_containers")).all()
            conn.execute(sa.text("SELECT container_id, count(*) FROM sample_locations GROUP BY container_id")).all()

    storage.tree()
    bare_tree()
    tree_ms, bare_ms = [], []
    for _ in range(5):
        tree_ms.append(_timed(storage.tree))
        bare_ms.append(_timed(bare_tree))
    t, b = statistics.median(tree_ms), statistics.median(bare_ms)
    print(f"tree ({containers:,} containers):           {t:8.1f} ms   bare queries {b:7.1f} ms   ratio {t / b:5.1f}×")

    # -- scan → box --------------------------------------------------------------------------------------
    with db.engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT s.sample_code, (SELECT min(b.barcode) FROM sample_barcodes b WHERE b.sample_id = s.id) "
            "FROM sample_locations l JOIN samples s ON s.id = l.sample_id")).all()
    probes = [code if i % 2 == 0 or barcode is None else barcode
              for i, (code, barcode) in enumerate(rng.sample(stored, min(300, len(stored))))]

    def select_one() -> None:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1")).scalar_one()

    for code in probes[:20]:
        storage.open_scan(code)
    scan_ms, one_ms = [], []
    for code in probes:
        scan_ms.append(_timed(lambda c=code: storage.open_scan(c)))  # type: ignore[misc]
        one_ms.append(_timed(select_one))
    m, p99, base = statistics.median(scan_ms), _p(scan_ms, 0.99), statistics.median(one_ms)
    print(f"scan → box map ({len(probes)} scans):           median {m:6.1f} ms  p99 {p99:6.1f} ms   "
          f"SELECT 1 {base:5.2f} ms   ratio {m / base:6.0f}×  (goal < 100 ms)")

    # -- 96-tube rack scan --------------------------------------------------------------------------------
    with db.engine.connect() as conn:
        rack = conn.execute(sa.text(
            "SELECT c.id, c.barcode FROM storage_containers c JOIN container_types t ON t.id = c.container_type_id "
            "JOIN sample_locations l ON l.container_id = c.id WHERE t.rows = 8 AND t.columns = 12 "
            "GROUP BY c.id, c.barcode HAVING count(*) = 96 ORDER BY c.id LIMIT 1")).first()
        if rack is None:
            print("rack scan: no full 96-tube rack in this database (use more samples)")
            return
        wells = conn.execute(sa.text(
            "SELECT l.row, l.col, (SELECT min(b.barcode) FROM sample_barcodes b WHERE b.sample_id = l.sample_id "
            "AND b.barcode LIKE 'FX%') FROM sample_locations l WHERE l.container_id = :c ORDER BY l.row, l.col"),
            {"c": rack.id}).all()
    codes = {(r, c): code for r, c, code in wells}
    a, b2 = (1, 1), (1, 2)
    codes[a], codes[b2] = codes[b2], codes[a]  # two tubes swapped
    unread = (8, 12)
    hand = codes[unread]
    lines = ["Data,RackBarcode,Row,Col,tubeBarcode"]
    for (r, c), code in sorted(codes.items(), key=lambda x: (x[0][1], x[0][0])):
        value = "NO READ" if (r, c) == unread else code
        lines.append(f"Nov 27, 2026 3:41:08 PM,{rack.barcode},{'ABCDEFGH'[r - 1]},{c},{value}")
    text = "\r\n".join(lines) + "\r\n"
    resolution = {"H12": hand or ""}

    def bare_codes() -> None:
        with db.engine.connect() as conn:
            conn.execute(sa.text(
                "SELECT b.barcode, l.container_id, l.row, l.col FROM sample_barcodes b "
                "LEFT JOIN sample_locations l ON l.sample_id = b.sample_id WHERE b.barcode IN :codes")
                .bindparams(sa.bindparam("codes", expanding=True)), {"codes": [c for c in codes.values() if c]}).all()

    storage.review_rackscan(text, "bench.csv", resolutions=resolution)
    review_ms, bare96 = [], []
    for _ in range(5):
        review_ms.append(_timed(lambda: storage.review_rackscan(text, "bench.csv", resolutions=resolution)))
        bare96.append(_timed(bare_codes))
    review = storage.review_rackscan(text, "bench.csv", resolutions=resolution)
    r_ms, b_ms = statistics.median(review_ms), statistics.median(bare96)
    accept_ms = _timed(lambda: storage.accept_rackscan(SYSTEM, text, "bench.csv", resolutions=resolution))
    print(f"rack scan of 96 tubes ({ {k: v for k, v in review.counts.items() if v} }):")
    print(f"   review {r_ms:7.1f} ms   accept (one transaction) {accept_ms:7.1f} ms   "
          f"bare query of the 96 codes {b_ms:5.2f} ms   ratio review {r_ms / b_ms:5.0f}×")

    # -- evacuation plan ------------------------------------------------------------------------------------
    with db.engine.connect() as conn:
        fullest = conn.execute(sa.text(
            "SELECT f.id, f.barcode, count(b.id) AS boxes FROM storage_containers f "
            "JOIN storage_containers r ON r.parent_id = f.id JOIN storage_containers b ON b.parent_id = r.id "
            "JOIN container_types t ON t.id = b.container_type_id "
            "WHERE f.parent_id IS NULL AND t.kind = 'box' AND f.name NOT LIKE :bench "
            "GROUP BY f.id, f.barcode ORDER BY boxes DESC LIMIT 1"), {"bench": f"{BENCH_TREE}%"}).first()

    def bare_boxes() -> None:
        with db.engine.connect() as conn:
            conn.execute(sa.text(
                "SELECT b.id, count(l.sample_id) FROM storage_containers r JOIN storage_containers b "
                "ON b.parent_id = r.id LEFT JOIN sample_locations l ON l.container_id = b.id "
                "WHERE r.parent_id = :f GROUP BY b.id"), {"f": fullest.id}).all()

    storage.plan_evacuation(fullest.barcode)
    plan_ms, bare_e = [], []
    for _ in range(3):
        plan_ms.append(_timed(lambda: storage.plan_evacuation(fullest.barcode)))
        bare_e.append(_timed(bare_boxes))
    plan = storage.plan_evacuation(fullest.barcode)
    p_ms, e_ms = statistics.median(plan_ms), statistics.median(bare_e)
    print(f"evacuation plan of {fullest.barcode} ({fullest.boxes} boxes; complete={plan.complete}, "
          f"{len(plan.moves)} moves): {p_ms:7.1f} ms   bare box query {e_ms:6.2f} ms   ratio {p_ms / e_ms:5.0f}×")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args.samples)


if __name__ == "__main__":
    main()
