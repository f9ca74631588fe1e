"""The order settings are taken in: defaults < the machine-wide file < this user's file < $BIOBANK_DATABASE_URL
< --database; saving keeps only this user's own values; a broken file is named with who can fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from biobank_desktop import config
from biobank_desktop.config import Settings, resolve_database_url, site_settings_path
from biobank_desktop.core.domain.errors import ValidationError

SITE = {
    "database": {"backend": "postgresql", "host": "db.hospital.lan", "database": "biobank", "user": "lab",
                 "sslmode": "require"},
    "workstation_name": "LAB-BENCH-07",
    "printers": [{"name": "Zebra-1", "kind": "zpl-tcp", "address": "10.0.0.5", "dpi": 300}],
}


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(machine-wide file, this user's file), both absent at first."""
    site = tmp_path / "etc" / "settings.json"
    site.parent.mkdir()
    monkeypatch.setenv("BIOBANK_SITE_CONFIG", str(site))
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "user"))
    monkeypatch.delenv("BIOBANK_DATABASE_URL", raising=False)
    return site, tmp_path / "user" / "settings.json"


def _write(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content) if not isinstance(content, str) else content, encoding="utf-8")


def test_the_machine_wide_file_is_named_by_the_variable_else_the_systems_folder(
        files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert site_settings_path() == files[0]
    monkeypatch.delenv("BIOBANK_SITE_CONFIG")
    assert site_settings_path().name == "settings.json"
    assert site_settings_path().parent.name == config.APP_NAME


def test_the_machine_wide_file_overrides_the_defaults(files: tuple[Path, Path]) -> None:
    _write(files[0], SITE)
    settings = Settings.load()
    assert (settings.database.backend, settings.database.host, settings.database.sslmode) == \
        ("postgresql", "db.hospital.lan", "require")
    assert settings.database.port == 5432  # not in either file: the default
    assert settings.workstation_name == "LAB-BENCH-07"
    assert [p["name"] for p in settings.printers] == ["Zebra-1"]


def test_this_users_file_overrides_the_machine_wide_one_key_by_key(files: tuple[Path, Path]) -> None:
    _write(files[0], SITE)
    _write(files[1], {"database": {"user": "anna"}, "scan_sound": False})
    settings = Settings.load()
    assert (settings.database.host, settings.database.user) == ("db.hospital.lan", "anna")
    assert settings.scan_sound is False and settings.workstation_name == "LAB-BENCH-07"


def test_a_list_in_this_users_file_replaces_the_machine_wide_list(files: tuple[Path, Path]) -> None:
    _write(files[0], SITE)
    _write(files[1], {"printers": []})
    assert Settings.load().printers == []


def test_saving_writes_only_this_users_own_values_so_a_later_site_change_reaches_them(
        files: tuple[Path, Path]) -> None:
    _write(files[0], SITE)
    settings = Settings.load()
    settings.database.user = "anna"
    settings.save()
    assert json.loads(files[1].read_text(encoding="utf-8")) == {"database": {"user": "anna"}}
    _write(files[0], {**SITE, "database": {**SITE["database"], "host": "db2.hospital.lan"}})  # IT moves the server
    again = Settings.load()
    assert (again.database.host, again.database.user) == ("db2.hospital.lan", "anna")


def test_the_environment_and_the_command_line_beat_both_files(files: tuple[Path, Path],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _write(files[0], {"database": {"backend": "sqlite", "sqlite_path": "/srv/site.sqlite"}})
    assert resolve_database_url() == "sqlite+pysqlite:////srv/site.sqlite"
    _write(files[1], {"database": {"sqlite_path": "/home/anna/mine.sqlite"}})
    assert resolve_database_url() == "sqlite+pysqlite:////home/anna/mine.sqlite"
    monkeypatch.setenv("BIOBANK_DATABASE_URL", "sqlite+pysqlite:////tmp/env.sqlite")
    assert resolve_database_url() == "sqlite+pysqlite:////tmp/env.sqlite"
    assert resolve_database_url("sqlite+pysqlite:////tmp/cli.sqlite") == "sqlite+pysqlite:////tmp/cli.sqlite"


@pytest.mark.parametrize("content", ['{"database": ', '["not", "an", "object"]',
                                     '{"database": {"port": "abc"}}', '{"printers": {"name": "x"}}'])
def test_a_broken_machine_wide_file_is_named_and_sent_to_the_it_department(files: tuple[Path, Path],
                                                                           content: str) -> None:
    _write(files[0], content)
    _write(files[1], {"workstation_name": "fine"})
    with pytest.raises(ValidationError) as caught:
        Settings.load()
    assert str(files[0]) in caught.value.message
    assert caught.value.hint is not None and "IT department" in caught.value.hint


def test_a_broken_user_file_is_named_with_its_own_hint(files: tuple[Path, Path]) -> None:
    _write(files[0], SITE)
    _write(files[1], '{"scan_sound": "loud"}')
    with pytest.raises(ValidationError, match="scan_sound") as caught:
        Settings.load()
    assert str(files[1]) in caught.value.message
    assert caught.value.hint is not None and "delete it" in caught.value.hint
