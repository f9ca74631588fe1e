"""Bad databases and faults: each ends in a clear message, and nothing is lost or half written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.errors import DatabaseUnavailableError, SchemaVersionError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import build_services
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import SYSTEM, make_user


def test_a_non_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    content = b"This is a shopping list, not a database.\n" * 50
    path.write_bytes(content)
    with pytest.raises(DatabaseUnavailableError, match="not a Biobank Desktop database") as err:
        Database(f"sqlite+pysqlite:///{path}")
    assert "was not changed" in str(err.value)
    assert path.read_bytes() == content
    assert not Path(str(path) + "-wal").exists()


def test_a_truncated_sqlite_file_gives_a_clear_message(tmp_path: Path, sqlite_url: str) -> None:
    source = Path(sqlite_url.removeprefix("sqlite+pysqlite:///"))
    damaged = tmp_path / "damaged.sqlite"
    data = source.read_bytes()
    damaged.write_bytes(data[:100] + b"\x00" * 4096 + data[4196:8192])
    db = Database(f"sqlite+pysqlite:///{damaged}")
    with pytest.raises((DatabaseUnavailableError, SchemaVersionError)) as err:
        schema.upgrade(db)
    assert "damaged" in str(err.value) or "not a Biobank Desktop database" in str(err.value)
    db.dispose()


def test_a_database_from_a_newer_version_is_refused(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaVersionError, match="newer version"):
        schema.upgrade(database)
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999_future"


def test_a_foreign_database_with_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    db = Database(f"sqlite+pysqlite:///{path}")
    with pytest.raises(SchemaVersionError, match="not a Biobank Desktop database"):
        schema.upgrade(db)
    db.dispose()
    with sqlite3.connect(path) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}


@pytest.mark.postgres
def test_postgresql_unreachable_gives_a_clear_message(pg_url: str) -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/biobank")
    with pytest.raises(DatabaseUnavailableError, match="cannot be reached") as err:
        db.ping()
    assert "Retry" in str(err.value)


@pytest.mark.postgres
def test_postgresql_wrong_password_or_unknown_database(pg_url: str) -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:5432/no_such_db_for_biobank")
    with pytest.raises(DatabaseUnavailableError, match="does not exist"):
        db.ping()


def test_sqlite_locked_by_another_process_waits_then_says_so(sqlite_url: str, monkeypatch) -> None:
    from biobank_desktop.core.db import engine as engine_mod

    path = sqlite_url.removeprefix("sqlite+pysqlite:///")
    monkeypatch.setattr(engine_mod, "SQLITE_BUSY_TIMEOUT_MS", 300)
    db = Database(sqlite_url)
    services = build_services(db)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailableError, match="in use by another program"):
            services.reference.add_site(SYSTEM, "CHL", "Centre Hospitalier de Luxembourg")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    services.reference.add_site(SYSTEM, "CHL", "Centre Hospitalier de Luxembourg")
    assert [s.code for s in services.reference.sites()] == ["CHL"]
    db.dispose()


_WRITER = textwrap.dedent(
    """
    import sys
    from decimal import Decimal
    from biobank_desktop.core.db.engine import Database
    from biobank_desktop.core.db.uow import UnitOfWork
    from biobank_desktop.core.domain.actor import Actor
    from biobank_desktop.core.services.samples import NewSample, SampleService

    db = Database(sys.argv[1])
    svc = SampleService(db)
    actor = Actor.system("killer")
    with UnitOfWork(db, actor) as uow:
        for i in range(100000):
            svc.register_in(uow, NewSample("COLON", "SER", participant=f"K-{i}", volume_ul=Decimal(100)))
            if i == 200:
                uow.flush()
                print("writing", flush=True)
        uow.commit()
    """
)


def test_killing_the_process_mid_write_leaves_nothing_half_written(sqlite_url: str, tmp_path: Path) -> None:
    db = Database(sqlite_url)
    services = build_services(db)
    tech = make_user(services, "tom", Role.TECHNICIAN)
    services.samples.register(tech, NewSample("COLON", "SER", participant="KEEP-1"))
    before_seq = services.audit.last_seq()
    db.dispose()
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    proc = subprocess.Popen([sys.executable, str(script), sqlite_url], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    db = Database(sqlite_url)
    services = build_services(db)
    report = services.system.check()
    assert report.ok, report.problems
    assert services.audit.last_seq() == before_seq
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM samples")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM participants WHERE pseudonym LIKE 'K-%'")).scalar() == 0
    db.dispose()


def test_values_the_database_cannot_hold_are_refused_alike_on_both_backends(services, technician) -> None:
    from decimal import Decimal

    from biobank_desktop.core.domain.errors import ValidationError

    before = services.audit.last_seq()
    with pytest.raises(ValidationError, match="at most 64 fit"):
        services.samples.register(technician, NewSample("COLON", "SER", participant="P-1",
                                                        external_barcodes=("]d2" + "0" * 80,)))
    with pytest.raises(ValidationError, match="at most 40 fit"):
        services.samples.register(technician, NewSample("COLON", "SER", participant="P" * 41))
    with pytest.raises(ValidationError, match="control character"):
        services.samples.register(technician, NewSample("COLON", "SER", participant="P-1", notes="bad\x00note"))
    assert services.audit.last_seq() == before
    code = services.samples.register(technician, NewSample("COLON", "SER", participant="P-1",
                                                           volume_ul=Decimal("0.125"))).value
    assert services.queries.detail(code).volume_ul == Decimal("0.13")
    [event] = services.audit.history(technician, "sample", code)
    assert event.after is not None and event.after["volume_ul"] == "0.13", "stored and audited alike"


@pytest.mark.postgres
def test_server_connection_lost_mid_action_gives_a_clear_message(pg_url: str) -> None:
    import sqlalchemy as sa

    from biobank_desktop.core.db.uow import UnitOfWork
    from tests.conftest import PG_ADMIN_URL

    db = Database(pg_url)
    services = build_services(db)
    tech = make_user(services, "tom", Role.TECHNICIAN)
    before = services.audit.last_seq()
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with pytest.raises(DatabaseUnavailableError, match="cannot be reached"), UnitOfWork(db, tech) as uow:
        services.samples.register_in(uow, NewSample("COLON", "SER", participant="LOST-1"))
        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        uow.session.execute(text("SELECT 1"))  # the next thing the service does
    admin.dispose()
    # The pool notices the dead connection; the next action works and nothing was half written.
    assert services.audit.last_seq() == before
    assert services.queries.lookup("LOST-1").kind == "none"
    db.dispose()
