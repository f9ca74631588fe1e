"""A database that vanishes, is emptied or replaced is noticed and never silently replaced (issue 8, blocker 1).

Each test failed before the identity checks: the missing file was created (and, at start-up, filled with
demonstration data), the unlinked file took the commit, the ping said "Connected".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from biobank_desktop.core.db.engine import IDENTITY_KEY, Database
from biobank_desktop.core.domain.errors import DatabaseIdentityError, DatabaseReadOnlyError
from biobank_desktop.core.services import build_services
from biobank_desktop.core.services.identity import (
    KnownDatabase,
    check_before_open,
    check_identity,
    ensure_identity,
    read_identity,
)
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import SYSTEM


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite+pysqlite:///"))


def _opened(url: str) -> tuple[Database, KnownDatabase]:
    db = Database(url)
    return db, ensure_identity(db, "WS-1")


def test_the_identity_is_written_once_audited_and_recorded_with_the_file(db_url: str) -> None:
    db, known = _opened(db_url)
    try:
        assert known.uuid is not None and len(known.uuid) == 36
        assert read_identity(db) == known.uuid
        assert ensure_identity(db).uuid == known.uuid  # not rewritten
        with db.engine.connect() as conn:
            actions = conn.execute(text("SELECT action FROM audit_events WHERE action = 'database.identity_created'"
                                        )).all()
        assert len(actions) == 1
        if db.backend == "sqlite":
            st = _path(db_url).stat()
            assert (known.device, known.inode) == (st.st_dev, st.st_ino)
        assert KnownDatabase.from_dict(known.to_dict()) == known
    finally:
        db.dispose()


def test_a_known_file_that_is_missing_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "biobank.sqlite"
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "biobank-before-0003-20260101T000000Z.sqlite").write_bytes(b"x")
    newest = backups / "biobank-before-0004-20260201T000000Z.sqlite"
    newest.write_bytes(b"y")
    os.utime(newest, (2_000_000_000, 2_000_000_000))
    with pytest.raises(DatabaseIdentityError, match="is missing") as err:
        check_before_open(path, KnownDatabase("some-uuid"))
    assert err.value.backups[0] == str(newest)
    assert f"The newest backup is {newest}" in str(err.value)
    assert not path.exists()
    check_before_open(path, None)  # a file this workstation never used may be created


def test_a_known_file_that_is_empty_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "biobank.sqlite"
    path.write_bytes(b"")
    with pytest.raises(DatabaseIdentityError, match="is empty"):
        check_before_open(path, KnownDatabase("some-uuid"))
    assert path.read_bytes() == b""


def test_another_database_at_the_same_place_is_refused(db_url: str, sqlite_template: Path, tmp_path: Path) -> None:
    db, _known = _opened(db_url)
    db.dispose()
    other = Database(db_url)
    try:
        with pytest.raises(DatabaseIdentityError, match="is not the database this workstation used"):
            check_identity(other, KnownDatabase("00000000-0000-0000-0000-000000000000"))
        assert check_identity(other, None) is False  # not empty
    finally:
        other.dispose()


def test_an_empty_database_this_workstation_used_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "biobank.sqlite"
    sqlite3.connect(path).close()  # a valid, empty SQLite file (0 tables)
    sqlite3.connect(path).execute("PRAGMA user_version = 1").connection.close()
    db = Database(f"sqlite+pysqlite:///{path}")
    try:
        with pytest.raises(DatabaseIdentityError, match="is empty, but this workstation used it before"):
            check_identity(db, KnownDatabase("some-uuid"))
        assert check_identity(db, None) is True
    finally:
        db.dispose()


def test_a_write_into_a_deleted_file_is_refused(sqlite_url: str) -> None:
    path = _path(sqlite_url)
    services = build_services(Database(sqlite_url), workstation="WS-1")
    try:
        ensure_identity(services.db)
        services.samples.register(SYSTEM, NewSample(study_code="COLON", sample_type="SER"))
        moved = path.with_name("moved.sqlite")
        for suffix in ("", "-wal", "-shm"):  # the file is gone from its place (deleted, moved, share lost)
            if Path(f"{path}{suffix}").exists():
                os.rename(f"{path}{suffix}", f"{moved}{suffix}")
        with pytest.raises(DatabaseIdentityError, match="has disappeared"):
            services.samples.register(SYSTEM, NewSample(study_code="COLON", sample_type="SER"))
        with pytest.raises(DatabaseIdentityError, match="has disappeared"):
            services.system.ping()
    finally:
        services.close()
    with sqlite3.connect(moved) as conn:  # the refused sample is nowhere
        assert conn.execute("SELECT count(*) FROM samples").fetchone() == (1,)


def test_a_replaced_file_is_noticed_by_the_ping_and_the_unit_of_work(sqlite_url: str, sqlite_template: Path) -> None:
    path = _path(sqlite_url)
    services = build_services(Database(sqlite_url), workstation="WS-1")
    try:
        ensure_identity(services.db)
        services.system.ping()
        replacement = path.with_name("other.sqlite")
        shutil.copyfile(sqlite_template, replacement)
        os.replace(replacement, path)  # another file at the same path
        with pytest.raises(DatabaseIdentityError, match="was replaced by another file"):
            services.system.ping()
        with pytest.raises(DatabaseIdentityError, match="was replaced by another file"):
            services.samples.register(SYSTEM, NewSample(study_code="COLON", sample_type="SER"))
    finally:
        services.close()


def test_the_ping_notices_another_identity(db_url: str) -> None:
    db, _known = _opened(db_url)
    try:
        db.ping()
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE settings SET value = 'another' WHERE key = :k"), {"k": IDENTITY_KEY})
        with pytest.raises(DatabaseIdentityError, match="no longer the one this window opened"):
            db.ping()
    finally:
        db.dispose()


class _ReadOnlyDisk:
    f_flag = os.ST_RDONLY


def test_a_read_only_disk_is_said_by_the_ping_and_by_a_refused_write(sqlite_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    services = build_services(Database(sqlite_url), workstation="WS-1")
    try:
        ensure_identity(services.db)
        services.system.ping()
        real = os.statvfs
        monkeypatch.setattr(os, "statvfs", lambda p: _ReadOnlyDisk() if str(p) == str(_path(sqlite_url).parent)
                            else real(p))
        with pytest.raises(DatabaseReadOnlyError, match="cannot be written: the disk .* is mounted read-only"):
            services.system.ping()

        # SQLite's own refusal to write (as on a read-only mount) says the same, not "the disk may be failing".
        from sqlalchemy import event

        @event.listens_for(services.db.engine, "connect")
        def read_only(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA query_only = ON")

        services.db.engine.dispose()
        with pytest.raises(DatabaseReadOnlyError, match="cannot be written: the disk .* read-only. Nothing was saved"):
            services.samples.register(SYSTEM, NewSample(study_code="COLON", sample_type="SER"))
    finally:
        services.close()
