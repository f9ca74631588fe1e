"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, services and actors.

Each backend is migrated once per session into a template (an SQLite file copied per test, a
PostgreSQL ``CREATE DATABASE ... TEMPLATE``), so every test starts from the exact v1 schema with
its seed data, without paying for the migration each time.

PostgreSQL: ``BIOBANK_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
Without a reachable server the PostgreSQL cases skip with a message; with ``CI=true`` they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Qt or keyring.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
_TMP_HOME = Path(tempfile.mkdtemp(prefix="biobank-tests-"))
os.environ["BIOBANK_CONFIG_DIR"] = str(_TMP_HOME / "config")
os.environ["BIOBANK_DATA_DIR"] = str(_TMP_HOME / "data")
os.environ["BIOBANK_SITE_CONFIG"] = str(_TMP_HOME / "site" / "settings.json")  # none: not this machine's
os.environ.pop("BIOBANK_DATABASE_URL", None)

import pytest
import sqlalchemy as sa

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services
from tests.support.accounts import make_user  # tests import it from here too

PG_ADMIN_URL = os.environ.get("BIOBANK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct-horse-42"


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


_pg_state: dict[str, object] = {}


def pg_available() -> str | None:
    """None when PostgreSQL is usable, else the reason."""
    if "reason" not in _pg_state:
        try:
            eng = _pg_admin_engine()
            with eng.connect() as c:
                c.execute(sa.text("SELECT 1"))
            eng.dispose()
            _pg_state["reason"] = None
        except Exception as exc:
            _pg_state["reason"] = f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc.__class__.__name__}"
    return _pg_state["reason"]  # type: ignore[return-value]


def _pg_url(name: str) -> str:
    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def pg_create_database(template: str | None = None) -> str:
    name = f"bbtest_{uuid.uuid4().hex[:12]}"
    eng = _pg_admin_engine()
    with eng.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    eng.dispose()
    return name


def pg_drop_database(name: str) -> None:
    eng = _pg_admin_engine()
    with eng.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    db = Database(f"sqlite+pysqlite:///{path}")
    schema.upgrade(db)
    db.dispose()
    return path


def require_pg() -> None:
    """Skip the PostgreSQL case when no server answers, with the reason; in CI (``CI=true``) fail instead."""
    reason = pg_available()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"{reason}; in CI the PostgreSQL cases must run.")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    require_pg()
    name = pg_create_database()
    db = Database(_pg_url(name))
    schema.upgrade(db)
    db.dispose()
    yield name
    pg_drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database (with seed data) on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "biobank.sqlite"
        shutil.copyfile(template, path)
        yield f"sqlite+pysqlite:///{path}"
    else:
        template_name: str = request.getfixturevalue("pg_template")
        name = pg_create_database(template_name)
        yield _pg_url(name)
        pg_drop_database(name)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite database only (for SQLite-specific tests)."""
    path = tmp_path / "biobank.sqlite"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+pysqlite:///{path}"


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh migrated PostgreSQL database only."""
    name = pg_create_database(pg_template)
    yield _pg_url(name)
    pg_drop_database(name)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def services(database: Database) -> Services:
    return build_services(database, workstation="TEST-WS-1")


SYSTEM = Actor.system("test-setup", "TEST-WS-1")


@pytest.fixture
def admin(services: Services) -> Actor:
    return make_user(services, "ada", Role.ADMINISTRATOR)


@pytest.fixture
def supervisor(services: Services) -> Actor:
    return make_user(services, "sam", Role.SUPERVISOR)


@pytest.fixture
def technician(services: Services) -> Actor:
    return make_user(services, "tom", Role.TECHNICIAN)
