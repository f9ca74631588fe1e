"""A demo database kept between bench runs (a large one takes minutes to build): reused while it is at the
schema head, a demo database, and of the asked size; otherwise dropped and built again by ``build``.

Shared by the benches; run them as ``python bench/bench_x.py`` (this folder is then on ``sys.path``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database, sqlite_url
from biobank_desktop.core.services.demo import is_demo_database

PG_ADMIN = os.environ.get("BIOBANK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

Build = Callable[[str, int], Database]


def sample_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM samples")).scalar_one())


def _reusable(db: Database, n: int) -> bool:
    try:
        return schema.schema_status(db).at_head and is_demo_database(db) and sample_count(db) == n
    except Exception:  # a broken cache is rebuilt
        return False


def cached_sqlite(path: Path, n: int, build: Build) -> Database:
    if path.exists():
        db = Database(sqlite_url(path))
        if _reusable(db, n):
            return db
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return build(sqlite_url(path), n)


def cached_postgresql(name: str, n: int, build: Build) -> Database:
    url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists:
            db = Database(url)
            if _reusable(db, n):
                return db
            db.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return build(url, n)


def build_demo(url: str, n: int) -> Database:
    """A new database at ``url``: the schema upgraded, then ``n`` demo samples (progress on stderr)."""
    import sys
    import time

    from biobank_desktop.core.domain.actor import Actor
    from biobank_desktop.core.services.demo import generate_demo

    db = Database(url)
    print(f"  building the {db.backend} database with {n:,} demo samples…", file=sys.stderr)
    schema.upgrade(db)
    started = time.perf_counter()
    generate_demo(db, Actor.system("bench"), n, seed=2026)
    print(f"  demo built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db
