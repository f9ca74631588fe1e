"""Alembic owns the schema: models and migrations agree, and old databases upgrade."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import Base

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_migration_seeds_the_national_programmes(database: Database) -> None:
    with database.engine.connect() as conn:
        codes = {r[0] for r in conn.execute(text("SELECT code FROM studies"))}
        head = conn.execute(text("SELECT last_seq, last_hash FROM audit_head")).one()
    assert {"LUNG", "BREAST", "COLON", "PARK", "T2D", "NPC"} <= codes
    assert tuple(head) == (0, "0" * 64)


def test_upgrade_of_an_old_database_file_keeps_its_data_and_backs_it_up(tmp_path: Path) -> None:
    """tests/fixtures/biobank-v0001.sqlite was written by the first release (schema 0001) with data in it."""
    path = tmp_path / "old.sqlite"
    shutil.copyfile(FIXTURES / "biobank-v0001.sqlite", path)
    with sqlite3.connect(path) as raw:
        before = raw.execute("SELECT sample_code, volume_ul FROM samples ORDER BY id").fetchall()
        old_rev = raw.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert before, "the fixture holds samples"
    db = Database(f"sqlite+pysqlite:///{path}")
    backup = schema.upgrade(db)
    status = schema.schema_status(db)
    assert status.at_head
    with db.engine.connect() as conn:
        after = [tuple(r) for r in conn.execute(text("SELECT sample_code, volume_ul FROM samples ORDER BY id"))]
    db.dispose()
    assert [(c, float(v)) for c, v in after] == [(c, float(v)) for c, v in before]
    if old_rev != schema.head_revision():
        assert backup is not None and Path(backup).exists()
        with sqlite3.connect(backup) as raw:
            assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old_rev
    else:
        assert backup is None


def test_upgrade_is_idempotent(database: Database) -> None:
    assert schema.upgrade(database) is None
    assert schema.schema_status(database).at_head


def test_the_cheap_revision_reader_agrees_with_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(schema.alembic_config())
    assert schema.head_revision() == script.get_current_head()
    assert schema.known_revisions() == {rev.revision for rev in script.walk_revisions()}


def test_a_batch_rebuild_of_samples_keeps_the_child_rows(sqlite_url: str) -> None:
    """SQLite batch migrations recreate tables; with foreign keys on, dropping the old samples table would
    cascade into barcodes and storage positions. The migration connection must prevent that.
    (PostgreSQL alters tables in place: no rebuild, no cascade.)"""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from biobank_desktop.core.domain.actor import Actor
    from biobank_desktop.core.services import build_services
    from biobank_desktop.core.services.samples import NewSample

    database = Database(sqlite_url)
    services = build_services(database)
    services.samples.register(Actor.system("t"), NewSample("COLON", "SER", participant="P1",
                                                           external_barcodes=("0042",)))
    with schema.migration_connection(database) as conn:
        ops = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
        with ops.batch_alter_table("samples", recreate="always") as batch:
            batch.alter_column("notes", existing_type=sa.Text(), nullable=False)
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sample_barcodes")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM samples")).scalar() == 1
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1, "foreign keys are back on"
    database.dispose()


# -- SQLite triggers survive every migration path ---------------------------------------------------------
# SQLite has no ALTER TABLE ... ADD CONSTRAINT, so some rules are triggers there (0003, 0004, 0006); alembic's
# batch mode rebuilds a table by copying it and dropping the old one, and the old table's triggers go with it.

_TRIGGERS_SQL = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"


def _migrate_to(db: Database, revision: str, *, down: bool = False) -> set[str]:
    from alembic import command

    cfg = schema.alembic_config()
    with schema.migration_connection(db) as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        return {r[0] for r in conn.execute(text(_TRIGGERS_SQL))}


def test_every_migration_path_leaves_the_same_sqlite_triggers(tmp_path: Path) -> None:
    """Built step by step, then for every step (newest first) downgraded one step and upgraded again: at each
    revision the triggers are the same whatever path led there, and head keeps every trigger any revision
    had (no migration drops one for good)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(schema.alembic_config())
    steps = [(rev.revision, rev.down_revision or "base") for rev in reversed(list(script.walk_revisions()))]
    db = Database(f"sqlite+pysqlite:///{tmp_path / 'paths.sqlite'}")
    upgraded = {"base": _migrate_to(db, "base")}
    for revision, _ in steps:
        upgraded[revision] = _migrate_to(db, revision)
    every = set().union(*upgraded.values())
    assert every, "the migrations create triggers on SQLite"
    at_head = upgraded[schema.head_revision()]
    assert at_head == every, f"lost on the way to head: {sorted(every - at_head)}"
    for revision, down in reversed(steps):
        assert _migrate_to(db, down, down=True) == upgraded[down], f"downgrade {revision} -> {down}"
        assert _migrate_to(db, revision) == upgraded[revision], f"upgrade {down} -> {revision} after a downgrade"
        _migrate_to(db, down, down=True)
    db.dispose()


def test_an_sqlite_database_at_head_keeps_the_storage_tube_triggers(sqlite_url: str) -> None:
    """0010's batch on samples (a new status) rebuilt the table and lost 0004's storage_tube triggers."""
    with sqlite3.connect(sqlite_url.removeprefix("sqlite+pysqlite:///")) as raw:
        triggers = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                              "AND tbl_name = 'samples'")}
    assert {"ck_samples_storage_tube_insert", "ck_samples_storage_tube_update"} <= triggers


def test_an_sqlite_database_at_head_refuses_an_unknown_storage_tube(sqlite_url: str) -> None:
    with sqlite3.connect(sqlite_url.removeprefix("sqlite+pysqlite:///")) as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        # every NOT NULL column given a plausible value; only storage_tube is wrong
        columns = ("sample_code, study_id, material, sample_type, primary_container, status, lineage_kind, "
                   "freeze_thaw_count, sprec_version, sprec_overridden, notes, created_at, updated_at, version")
        values = "'X', 1, 'fluid', 'PL1', 'PED', 'available', 'primary', 0, '3.0', 0, '', '2026-01-01', '2026-01-01', 1"
        with pytest.raises(sqlite3.IntegrityError, match="ck_samples_storage_tube"):
            raw.execute(f"INSERT INTO samples ({columns}, storage_tube) VALUES ({values}, 'not_a_tube')")
        raw.execute(f"INSERT INTO samples ({columns}, storage_tube) VALUES ({values}, 'pp_5ml')")
        with pytest.raises(sqlite3.IntegrityError, match="ck_samples_storage_tube"):
            raw.execute("UPDATE samples SET storage_tube = 'not_a_tube' WHERE sample_code = 'X'")


@pytest.mark.postgres
def test_a_shared_database_with_data_is_upgraded_only_by_an_administrator(pg_url: str) -> None:
    from alembic import command

    from biobank_desktop.core.domain.errors import PermissionDeniedError, SchemaVersionError
    from biobank_desktop.core.domain.roles import Role
    from biobank_desktop.core.services import build_services
    from biobank_desktop.core.services.audit import AuditFilter
    from tests.conftest import make_user

    db = Database(pg_url)
    with db.engine.begin() as conn:  # the template is at head: start from an empty schema at 0002
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    cfg = schema.alembic_config()
    with schema.migration_connection(db) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    services = build_services(db)
    admin = make_user(services, "ada", Role.ADMINISTRATOR)
    tech = make_user(services, "tom", Role.TECHNICIAN)
    with pytest.raises(SchemaVersionError, match="only an administrator"):
        services.system.upgrade()  # what the window does at start
    with pytest.raises(PermissionDeniedError):
        services.system.upgrade(tech)
    assert schema.schema_status(db).current == "0002"
    services.system.upgrade(admin)
    assert schema.schema_status(db).at_head
    [event] = services.audit.browse(admin, AuditFilter(action_prefix="database."))
    assert (event.username, event.before, event.after["schema"]) == ("ada", {"schema": "0002"}, schema.head_revision())
    db.dispose()


# -- the upgrade's audit event (issue 7) -------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or an empty PostgreSQL database."""
    from tests.conftest import _pg_url, pg_create_database, pg_drop_database, require_pg

    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'biobank.sqlite'}"
        return
    require_pg()
    name = pg_create_database()
    yield _pg_url(name)
    pg_drop_database(name)


def _upgrade_events(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [(r.username, r.summary) for r in conn.execute(
                text("SELECT username, summary FROM audit_events WHERE action = 'database.upgraded' ORDER BY seq"))]
    finally:
        engine.dispose()


def test_two_first_runs_at_once_set_up_once_and_log_it_once(empty_db_url: str) -> None:
    """Before: both workstations logged "upgraded from nothing" (or one failed on a table that exists)."""
    from biobank_desktop.core.services import build_services

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    databases = [Database(empty_db_url) for _ in range(2)]

    def first_run(db: Database) -> None:
        try:
            services = build_services(db, "WS")
            barrier.wait(timeout=30)
            services.system.upgrade()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_run, args=(db,)) for db in databases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for db in databases:
        db.dispose()
    assert not errors, errors
    events = _upgrade_events(empty_db_url)
    assert [summary for _, summary in events] == [f"Schema upgraded from nothing to {schema.head_revision()}"]


def test_the_upgrade_and_its_audit_event_are_kept_together_or_not_at_all(empty_db_url: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the event was written in a second transaction; a kill between the two left an unlogged upgrade."""
    from biobank_desktop.core.services import build_services, system

    def killed(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("the process died right after the migrations")

    monkeypatch.setattr(system, "append_audit_events", killed)
    db = Database(empty_db_url)
    with pytest.raises(RuntimeError, match="died"):
        build_services(db).system.upgrade()
    status = schema.schema_status(db)
    assert status.current is None and not status.has_tables, "the migrations were rolled back with the event"
    monkeypatch.undo()
    build_services(db).system.upgrade()
    assert schema.schema_status(db).at_head
    db.dispose()
    assert len(_upgrade_events(empty_db_url)) == 1


def test_a_user_named_for_an_sqlite_upgrade_is_checked_and_recorded(tmp_path: Path) -> None:
    """Before: a user given to the upgrade of an SQLite file was ignored (on the command line, any password did)."""
    from alembic import command

    from biobank_desktop.core.domain.actor import Actor
    from biobank_desktop.core.domain.errors import PermissionDeniedError
    from biobank_desktop.core.domain.roles import Role
    from biobank_desktop.core.services import build_services
    from tests.conftest import make_user

    url = f"sqlite+pysqlite:///{tmp_path / 'old.sqlite'}"
    db = Database(url)
    cfg = schema.alembic_config()
    with schema.migration_connection(db) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    services = build_services(db)
    tom = make_user(services, "tom", Role.TECHNICIAN)
    with pytest.raises(PermissionDeniedError, match="not an active account"):
        services.system.upgrade(Actor(4242, "ghost", "Ghost", Role.ADMINISTRATOR, "WS"))
    assert schema.schema_status(db).current == "0002"
    services.system.upgrade(Actor(tom.user_id, "claimed-name", "X", Role.ADMINISTRATOR, "WS"))
    assert schema.schema_status(db).at_head
    db.dispose()
    assert [user for user, _ in _upgrade_events(url)] == ["tom"]
