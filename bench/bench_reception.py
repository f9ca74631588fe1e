"""Bench: reception of a 2,000-tube shipment in a large demo database — scan-to-feedback per tube, closing and
both discrepancy reports, and accessioning + labels + placement of 96 tubes against a bare executemany.

Scan-to-feedback is one :meth:`ReceptionService.receive` call (its own transaction: lock the shipment, check
the barcode everywhere, accession through ``register_in``, audit, commit, the board's counters after it), timed
per tube: median and p99 (goal: under 50 ms). Its baseline is a bare ``SELECT 1`` round trip through the same
engine, interleaved. "96 in one go" is one unit of work doing ``register_in`` ×96 + ``enqueue_in`` +
``place_found_in`` (what the service composes), against a bare ``executemany`` inserting the same 96 sample
rows in the same run (rolled back).

The demo database is the one ``bench_lookup.py`` caches (``bench/out/lookup-<N>.sqlite``, PostgreSQL
``bench_lookup_<N>``); each run works on a copy, so the cache stays reusable.

Run: .venv/bin/python bench/bench_reception.py [--samples 1000000] [--tubes 2000] [--backend both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from bench_lookup import OUT, _build
from demo_cache import PG_ADMIN, cached_postgresql, cached_sqlite

from biobank_desktop.core.db.engine import Database, sqlite_url
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.demo import DEMO_ACCOUNTS
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.spreadsheets.writer import Column, SheetSpec, write_workbook

SYSTEM: Actor  # the demo's administrator, logged in by run()
HEADERS = ("Sample barcode", "Participant", "Study", "Material", "Tube", "Volume (ml)", "Collected",
           "Centrifugation start", "Centrifugation end", "Frozen", "Consent")


def _ms(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter_ns()
    value = fn()
    return (time.perf_counter_ns() - started) / 1e6, value


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _copy(backend: str, n: int) -> Database:
    if backend == "sqlite":
        cached = cached_sqlite(OUT / f"lookup-{n}.sqlite", n, _build)
        cached.dispose()
        target = OUT / "reception-run.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(OUT / f"lookup-{n}.sqlite", target)
        return Database(sqlite_url(target))
    cached_postgresql(f"bench_lookup_{n}", n, _build).dispose()
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "bench_reception_run" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "bench_reception_run" TEMPLATE "bench_lookup_{n}"'))
    admin.dispose()
    return Database(sa.make_url(PG_ADMIN).set(database="bench_reception_run").render_as_string(hide_password=False))


def _manifest(path: Path, tubes: int, tag: str) -> Path:
    day = dt.datetime(2026, 11, 2, 8, 0)
    rows = [[f"{tag}{i:07d}", f"{tag}-P{i // 4:05d}", "LUNG", "Serum", "SST", 1, day, day.replace(hour=10),
             day.replace(hour=10, minute=15), day.replace(hour=11), "yes"] for i in range(tubes)]
    kinds = {6: "datetime", 7: "datetime", 8: "datetime", 9: "datetime"}
    columns = [Column(h, kinds.get(i, "text")) for i, h in enumerate(HEADERS)]  # type: ignore[arg-type]
    write_workbook(path, [SheetSpec("Manifest", columns, rows)])
    return path


def _shipment(services: Services, tmp: Path, tubes: int, tag: str) -> str:
    report = services.exchange.import_file(SYSTEM, _manifest(tmp / f"{tag}.xlsx", tubes, tag), kind="manifest",
                                           partner="BENCH").value
    assert report.shipment is not None, report.notes
    return report.shipment


def _one_go(services: Services, tag: str) -> float:
    """register_in ×96 + enqueue_in + place_found_in in one unit of work (committed)."""
    def work() -> None:
        with UnitOfWork(services.db, SYSTEM, Permission.RECORD_SAMPLES) as uow:
            codes = [services.samples.register_in(uow, NewSample(
                "LUNG", "SER", participant=f"{tag}-{i // 4}", primary_container="SST", volume_ul=Decimal(1000),
                external_barcodes=(f"{tag}{i:05d}",), received_at=dt.datetime.now(dt.UTC))) for i in range(96)]
            services.labelling.enqueue_in(uow, codes, source="bench")
            services.storage.place_found_in(uow, codes)
            uow.audit("bench.batch", "shipment", tag, summary="96 tubes in one go")
            uow.commit()
    return _ms(work)[0]


def _bare(services: Services, tag: str) -> float:
    """The same 96 sample rows with a bare executemany (rolled back)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [{"code": f"{tag}-{i:06d}", "now": now} for i in range(96)]
    with services.db.engine.connect() as conn:
        study = conn.execute(sa.text("SELECT id FROM studies WHERE code = 'LUNG'")).scalar_one()
        conn.rollback()
        trans = conn.begin()
        stmt = sa.text("INSERT INTO samples (sample_code, study_id, material, sample_type, primary_container, "
                       "volume_ul, initial_volume_ul, status, lineage_kind, freeze_thaw_count, received_at, "
                       "sprec_version, sprec_overridden, notes, created_at, updated_at, version) VALUES "
                       f"(:code, {study}, 'fluid', 'SER', 'SST', 1000, 1000, 'available', 'primary', 0, :now, "
                       "'3.0', false, '', :now, :now, 1)")
        elapsed = _ms(lambda: conn.execute(stmt, rows))[0]
        trans.rollback()
    return elapsed


def run(backend: str, n: int, tubes: int) -> None:
    db = _copy(backend, n)
    services = build_services(db, workstation="BENCH")
    name, _, _, password = DEMO_ACCOUNTS[0]  # the demo's administrator (its password is public)
    global SYSTEM
    SYSTEM = services.accounts.authenticate(name, password)
    services.reference.add_site(SYSTEM, "BENCH", "Bench clinic")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        code = _shipment(services, tmp, tubes, "RB")
        order = [f"RB{i:07d}" for i in range(tubes)]
        random.Random(11).shuffle(order)
        scans: list[float] = []
        base: list[float] = []
        outcomes: dict[str, int] = {}
        with db.engine.connect() as conn:
            for i, barcode in enumerate(order):
                base.append(_ms(lambda: conn.execute(sa.text("SELECT 1")).scalar())[0])
                if i % 20 == 19:  # a tube scanned twice now and then
                    services.reception.receive(SYSTEM, code, order[i - 1])
                took, result = _ms(lambda b=barcode: services.reception.receive(SYSTEM, code, b))
                scans.append(took)
                outcome = result.value.outcome.value  # type: ignore[attr-defined]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        med, p99, b_med = statistics.median(scans), _p(scans, 0.99), statistics.median(base)
        print(f"  scan-to-feedback ({tubes:,} tubes, {outcomes}): median {med:.1f} ms, p99 {p99:.1f} ms "
              f"(goal < 50 ms) — {med / b_med:.0f}× a bare SELECT 1 ({b_med:.2f} ms)")
        board_ms = _ms(lambda: services.reception.board(code))[0]
        close_ms = _ms(lambda: services.reception.close(SYSTEM, code, "bench"))[0]
        pdf_ms = _ms(lambda: services.reception.write_report(SYSTEM, code, tmp / "r.pdf"))[0]
        xlsx_ms = _ms(lambda: services.reception.write_report(SYSTEM, code, tmp / "r.xlsx"))[0]
        print(f"  board {board_ms:.0f} ms · close {close_ms:.0f} ms · report PDF {pdf_ms:.0f} ms · "
              f"report .xlsx {xlsx_ms:.0f} ms")
        small = _shipment(services, tmp, 96, "RS")
        per_scan = sum(_ms(lambda b=f"RS{i:07d}": services.reception.receive(SYSTEM, small, b))[0] for i in range(96))
        label_ms = _ms(lambda: services.reception.label_accepted(SYSTEM, small))[0]
        try:
            store_ms = _ms(lambda: services.reception.store_accepted(SYSTEM, small))[0]
            stored = f"store {store_ms:.0f} ms"
        except Exception as exc:  # the demo's boxes may have no room for LUNG serum
            stored = f"store refused: {exc}"
        bare = _bare(services, "BARE")
        try:
            batch = _one_go(services, "GO")
            go = f"one unit of work {batch:.0f} ms = {batch / bare:.0f}× the bare executemany ({bare:.1f} ms)"
        except Exception as exc:
            go = f"one unit of work refused: {exc}"
        print(f"  96 tubes: 96 scans {per_scan:.0f} ms + labels {label_ms:.0f} ms + {stored}; {go}")
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000, help="size of the demo database (cached)")
    parser.add_argument("--tubes", type=int, default=2000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
        print(f"{backend}, {args.samples:,} samples:")
        run(backend, args.samples, args.tubes)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
