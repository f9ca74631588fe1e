"""The SQLite database holds the password hashes: its files are private to their owner, whatever the umask,
and a backup is written aside and renamed, so a killed one never blocks the retry (issue 7)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from biobank_desktop.core.db import schema
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.errors import DatabaseUnavailableError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import build_services
from tests.support.accounts import make_user

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual desktop umask: files 0644, folders 0755
    yield
    os.umask(old)


def test_a_new_database_its_wal_and_shm_and_its_folder_are_private(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "data" / "biobank.sqlite"
    db = Database(f"sqlite+pysqlite:///{path}")
    schema.upgrade(db)
    services = build_services(db, "TEST-WS-1")
    make_user(services, "ada", Role.ADMINISTRATOR)
    with db.engine.connect():  # WAL and SHM exist while a connection is open
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: oct(_mode(f)) for f in files} == {f.name: "0o600" for f in files}
    assert oct(_mode(path.parent)) == "0o700"
    db.dispose()


def test_an_existing_database_open_to_others_is_made_private(sqlite_url: str, open_umask: None) -> None:
    path = Path(sqlite_url.removeprefix("sqlite+pysqlite:///"))
    path.chmod(0o644)
    db = Database(sqlite_url)
    db.ping()
    assert oct(_mode(path)) == "0o600"
    db.dispose()


def test_both_kinds_of_backup_are_private(sqlite_url: str, tmp_path: Path, open_umask: None) -> None:
    db = Database(sqlite_url)
    target = build_services(db).system.backup(tmp_path / "copies" / "backup.sqlite")
    assert oct(_mode(target)) == "0o600" and oct(_mode(target.parent)) == "0o700"
    source = Path(sqlite_url.removeprefix("sqlite+pysqlite:///"))
    before_upgrade = schema.backup_sqlite(source, source.parent / "backups" / "before-x.sqlite")
    assert oct(_mode(before_upgrade)) == "0o600" and oct(_mode(before_upgrade.parent)) == "0o700"
    db.dispose()


def test_a_killed_backup_does_not_block_the_retry(sqlite_url: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(sqlite_url)
    target = tmp_path / "backup.sqlite"

    def killed(_source: Path, partial: Path) -> None:
        partial.write_bytes(b"SQLite format 3\x00 half a copy")
        raise KeyboardInterrupt  # the process dies in the middle of the copy

    original = schema._copy_sqlite
    monkeypatch.setattr(schema, "_copy_sqlite", killed)
    with pytest.raises(KeyboardInterrupt):
        build_services(db).system.backup(target)
    assert not target.exists(), "nothing at the target name: a half-written copy never looks like a backup"
    monkeypatch.setattr(schema, "_copy_sqlite", original)
    assert build_services(db).system.backup(target) == target
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"
    with pytest.raises(DatabaseUnavailableError, match="exists already"):
        build_services(db).system.backup(target)
    db.dispose()
