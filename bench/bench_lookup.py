"""Bench: a scan's lookup on a database of a million samples, against a bare ``SELECT 1`` round trip.

What a scan costs: :meth:`QueryService.sample_code_for_barcode` (the fast path) and
:meth:`QueryService.lookup` (the global scan field) for internal sample IDs (primary tubes and
aliquots), the clinics' barcodes, 2D tube codes, and codes that are not there. The baseline is a
bare ``SELECT 1`` through the same engine (a connection from the same pool, one round trip),
measured interleaved with the lookups in the same run, so the ratio says what the lookup adds to
the cheapest possible query. Median and p99 over ``--lookups`` random codes (after a warm-up).

The databases are cached: ``bench/out/lookup-<N>.sqlite`` and the PostgreSQL database
``bench_lookup_<N>`` (made with the demo generator, seed 2026). Delete them to rebuild.

Run: .venv/bin/python bench/bench_lookup.py [--samples 1000000] [--lookups 2000] [--backend both]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from demo_cache import cached_postgresql, cached_sqlite

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services.demo import generate_demo
from biobank_desktop.core.services.queries import QueryService, SampleCriteria

OUT = Path(__file__).resolve().parent / "out"
WARMUP = 200


def _progress_printer() -> Callable[[float, str], None]:
    last = [-5]

    def progress(fraction: float, text: str) -> None:
        percent = int(fraction * 100)
        if percent >= last[0] + 5 or percent == 100:
            last[0] = percent
            print(f"    {percent:3d}%  {text}", file=sys.stderr, flush=True)

    return progress


def _cached_sqlite(n: int) -> Database:
    return cached_sqlite(OUT / f"lookup-{n}.sqlite", n, _build)


def _cached_postgresql(n: int) -> Database:
    return cached_postgresql(f"bench_lookup_{n}", n, _build)


def _build(url: str, n: int) -> Database:
    db = Database(url)
    print(f"  building the {db.backend} database with {n:,} demo samples (cached for the next runs)…",
          file=sys.stderr)
    schema.upgrade(db)
    started = time.perf_counter()
    generate_demo(db, Actor.system("bench"), n, seed=2026, progress=_progress_printer())
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db


@dataclass(frozen=True)
class Probe:
    kind: str
    code: str


def _probes(db: Database, count: int, rng: random.Random) -> list[Probe]:
    """``count`` codes to scan: 45 % internal IDs, 45 % external barcodes, 10 % unknown; in random order."""
    unknown = count // 10
    internal = (count - unknown) // 2
    external = count - unknown - internal
    in_ids: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
    with db.engine.connect() as conn:
        top = int(conn.execute(sa.text("SELECT max(id) FROM samples")).scalar_one())
        codes = conn.execute(sa.text("SELECT sample_code FROM samples WHERE id IN :ids").bindparams(in_ids),
                             {"ids": rng.sample(range(1, top + 1), min(top, internal))}).scalars().all()
        top = int(conn.execute(sa.text("SELECT max(id) FROM sample_barcodes")).scalar_one())
        barcodes = conn.execute(sa.text("SELECT barcode FROM sample_barcodes WHERE id IN :ids").bindparams(in_ids),
                                {"ids": rng.sample(range(1, top + 1), min(top, external))}).scalars().all()
    probes = [Probe("internal ID", c) for c in codes] + [Probe("external barcode", b) for b in barcodes]
    # Codes that are not there: the scan field tries every kind of thing before it says so.
    probes += [Probe("unknown", f"X{rng.randrange(10**9):09d}") for _ in range(unknown)]
    rng.shuffle(probes)
    return probes


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - started) / 1e6


def _stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def bench(db: Database, lookups: int, rng: random.Random) -> None:
    queries = QueryService(db)
    select_one = sa.text("SELECT 1")

    def baseline() -> None:
        with db.engine.connect() as conn:
            conn.execute(select_one).scalar()

    probes = _probes(db, lookups + WARMUP, rng)
    for probe in probes[:WARMUP]:
        baseline()
        queries.sample_code_for_barcode(probe.code)
        queries.lookup(probe.code)
    times: dict[str, list[float]] = {"baseline": [], "fast": [], "lookup": []}
    by_kind: dict[str, list[float]] = {}
    for probe in probes[WARMUP:]:
        times["baseline"].append(_timed(baseline))
        fast = _timed(lambda p=probe: queries.sample_code_for_barcode(p.code))  # type: ignore[misc]
        times["fast"].append(fast)
        times["lookup"].append(_timed(lambda p=probe: queries.lookup(p.code)))  # type: ignore[misc]
        by_kind.setdefault(probe.kind, []).append(fast)
    base_median, base_p99 = _stats(times["baseline"])
    print(f"  {len(probes) - WARMUP:,} random scans ({', '.join(f'{k}: {len(v)}' for k, v in by_kind.items())})")
    print(f"  {'':46}{'median ms':>10}{'p99 ms':>10}{'ratio (median)':>16}")
    print(f"  {'baseline: SELECT 1 round trip':46}{base_median:10.3f}{base_p99:10.3f}{1:16.1f}")
    for label, key in (("sample_code_for_barcode", "fast"), ("lookup (scan field)", "lookup")):
        median, p99 = _stats(times[key])
        print(f"  {label:46}{median:10.3f}{p99:10.3f}{median / base_median:16.1f}")
    for kind, values in by_kind.items():
        median, p99 = _stats(values)
        print(f"  {'  sample_code_for_barcode, ' + kind:46}{median:10.3f}{p99:10.3f}{median / base_median:16.1f}")
    # Search by the number part of an ID ("000092"): one index range per ID counter, first page of 50.
    numbers = [p.code.split("-")[2][:-1] for p in probes[WARMUP:] if p.kind == "internal ID"][:200]
    by_number = [_timed(lambda n=n: queries.search_ids(SampleCriteria(text=n), limit=50))  # type: ignore[misc]
                 for n in numbers]
    median, p99 = _stats(by_number)
    print(f"  {'search_ids by number part (first 50)':46}{median:10.3f}{p99:10.3f}{median / base_median:16.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=1_000_000, help="size of the database (cached)")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        db = _cached_sqlite(args.samples) if backend == "sqlite" else _cached_postgresql(args.samples)
        try:
            print(f"Scan lookup, {backend}, {args.samples:,} samples ({db.info.description})")
            bench(db, args.lookups, random.Random(7))
        finally:
            db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
