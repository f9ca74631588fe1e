"""The ``biobank-desktop`` command line, in-process (``run(argv)``) and as a real process, on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from biobank_desktop import cli
from biobank_desktop.config import ENV_DATABASE_URL
from biobank_desktop.core.db import schema
from biobank_desktop.core.services.demo import DEMO_ACCOUNTS
from tests.conftest import _pg_url, pg_create_database, pg_drop_database, require_pg
from tests.support.cli import REPO, Cli, cli_runner
from tests.support.tamper import tamper_with_audit

ADMIN_PASSWORD = "first-admin-pw"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``run_cli(*argv, password=..., stdin=...)``: run in this process; the acting password via the environment."""
    return cli_runner(capsys, monkeypatch)


def _exec(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def _scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar()
    engine.dispose()
    return value


def _bootstrap_admin(run_cli: Cli, url: str) -> None:
    result = run_cli("--database", url, "user", "add", "ada", "--name", "Ada Admin", "--role", "administrator",
                     "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert result.code == 0, result.err
    assert "Added administrator ada" in result.out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a file that does not exist yet, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'new' / 'biobank.sqlite'}"
        return
    require_pg()  # skips with the reason; fails under CI=true
    name = pg_create_database()
    yield _pg_url(name)
    pg_drop_database(name)


# -- db ---------------------------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_then_check_passes(run_cli: Cli, empty_url: str) -> None:
    result = run_cli("--database", empty_url, "db", "upgrade")
    assert result.code == 0, result.err
    assert f"Schema upgraded from none to {schema.head_revision()}" in result.out
    again = run_cli("db", "upgrade", "--database", empty_url, "--json")
    assert again.code == 0
    upgraded = again.json()
    assert isinstance(upgraded, dict)
    assert (upgraded["from"], upgraded["to"], upgraded["backup"]) == (schema.head_revision(),) * 2 + (None,)
    check = run_cli("--database", empty_url, "--json", "db", "check")
    assert check.code == 0, check.out
    report = check.json()
    assert isinstance(report, dict)
    assert report["ok"] is True and report["problems"] == []
    assert report["schema"] == report["schema_head"] == schema.head_revision()


def test_upgrade_of_an_older_sqlite_file_prints_the_backup(run_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    path.write_bytes((REPO / "tests" / "fixtures" / "biobank-v0001.sqlite").read_bytes())
    result = run_cli("--database", str(path), "db", "upgrade")
    assert result.code == 0, result.err
    backup_line = next(line for line in result.out.splitlines() if line.startswith("Backup"))
    backup = Path(backup_line.split(": ", 1)[1])
    assert backup.exists() and backup.read_bytes()[:16] == b"SQLite format 3\x00"


def test_verify_audit_names_the_altered_event(run_cli: Cli, db_url: str) -> None:
    _bootstrap_admin(run_cli, db_url)
    listed = run_cli("--database", db_url, "user", "list", "--user", "ada", password=ADMIN_PASSWORD)
    assert listed.code == 0, listed.err
    ok = run_cli("--database", db_url, "db", "verify-audit")
    assert ok.code == 0, ok.out
    assert "Audit trail intact: 2 events" in ok.out

    tamper_with_audit(db_url, "UPDATE audit_events SET summary = 'nothing happened' WHERE seq = 2")
    broken = run_cli("--database", db_url, "db", "verify-audit")
    assert broken.code == 1
    assert "BROKEN at event 2" in broken.out and "event 2 was altered" in broken.out
    as_json = run_cli("--database", db_url, "db", "verify-audit", "--json").json()
    assert isinstance(as_json, dict)
    assert (as_json["ok"], as_json["first_broken_seq"]) == (False, 2)
    check = run_cli("--database", db_url, "db", "check")
    assert check.code == 1 and "event 2" in check.out


def test_deleting_the_newest_audit_event_is_detected(run_cli: Cli, db_url: str) -> None:
    _bootstrap_admin(run_cli, db_url)
    assert run_cli("--database", db_url, "user", "list", "--user", "ada", password=ADMIN_PASSWORD).code == 0
    tamper_with_audit(db_url, "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)")
    result = run_cli("--database", db_url, "db", "verify-audit")
    assert result.code == 1
    assert "newest events were deleted" in result.out


def test_backup_copies_an_sqlite_file_and_refuses_postgresql(run_cli: Cli, db_url: str, tmp_path: Path) -> None:
    _bootstrap_admin(run_cli, db_url)
    target = tmp_path / "copies" / "backup.sqlite"
    result = run_cli("--database", db_url, "db", "backup", str(target))
    if db_url.startswith("postgresql"):
        assert result.code == 1
        assert "pg_dump" in result.err
        assert not target.exists()
        return
    assert result.code == 0, result.err
    assert str(target) in result.out
    copy = sa.create_engine(f"sqlite+pysqlite:///{target}")
    with copy.connect() as conn:
        assert conn.execute(sa.text("SELECT username FROM users")).scalars().all() == ["ada"]
    copy.dispose()
    again = run_cli("--database", db_url, "db", "backup", str(target))
    assert again.code == 1 and "exists already" in again.err


# -- demo -------------------------------------------------------------------------------------------------


def test_demo_adds_samples_and_the_demo_accounts(run_cli: Cli, db_url: str) -> None:
    result = run_cli("--database", db_url, "--json", "demo", "--samples", "500")
    assert result.code == 0, result.err
    report = result.json()
    assert isinstance(report, dict)
    assert report["samples"] == 500
    assert report["primary_samples"] + report["aliquots"] == 500
    assert report["accounts_created"] == [a[0] for a in DEMO_ACCOUNTS]
    assert "100%" in result.err, "progress is reported on stderr"
    assert _scalar(db_url, "SELECT count(*) FROM samples") == 500
    assert _scalar(db_url, "SELECT count(*) FROM sample_locations") == report["positions_used"]
    assert _scalar(db_url, "SELECT count(*) FROM participants") == report["participants"]
    assert _scalar(db_url, "SELECT value FROM settings WHERE key = 'demo_data'") == "1"

    username, _name, _role, password = DEMO_ACCOUNTS[0]
    users = run_cli("--database", db_url, "--json", "user", "list", "--user", username, password=password)
    assert users.code == 0, users.err
    listed = users.json()
    assert isinstance(listed, list)
    assert sorted(u["username"] for u in listed) == sorted(a[0] for a in DEMO_ACCOUNTS)
    assert run_cli("--database", db_url, "db", "check").code == 0

    refused = run_cli("--database", db_url, "demo", "--samples", "10", "--user", username, password=password)
    assert refused.code == 1
    assert "already holds samples" in refused.err
    assert _scalar(db_url, "SELECT count(*) FROM samples") == 500


def test_demo_on_a_database_with_accounts_needs_an_administrator(run_cli: Cli, db_url: str) -> None:
    _bootstrap_admin(run_cli, db_url)
    anonymous = run_cli("--database", db_url, "demo", "--samples", "20")
    assert anonymous.code == 1 and "--user" in anonymous.err
    result = run_cli("--database", db_url, "demo", "--samples", "20", "--user", "ada", password=ADMIN_PASSWORD)
    assert result.code == 0, result.err
    assert "No demo accounts were added" in result.out
    assert _scalar(db_url, "SELECT count(*) FROM users") == 1


# -- users ------------------------------------------------------------------------------------------------


def test_user_add_list_deactivate(run_cli: Cli, db_url: str) -> None:
    empty = run_cli("--database", db_url, "user", "list")
    assert empty.code == 0 and "No user accounts yet" in empty.out
    first = run_cli("--database", db_url, "user", "add", "tom", "--name", "Tom Tech", "--role", "technician",
                    "--password-stdin", stdin="tom-password-1\n")
    assert first.code == 1 and "must be an administrator" in first.err
    _bootstrap_admin(run_cli, db_url)

    anonymous = run_cli("--database", db_url, "user", "add", "tom", "--name", "Tom Tech", "--role", "technician",
                        "--password-stdin", stdin="tom-password-1\n")
    assert anonymous.code == 1 and "--user" in anonymous.err
    added = run_cli("--database", db_url, "user", "add", "tom", "--name", "Tom Tech", "--role", "Technician",
                    "--password-stdin", "--user", "ada", password=ADMIN_PASSWORD, stdin="tom-password-1\n")
    assert added.code == 0, added.err
    assert "must be changed at the first login" in added.out

    listed = run_cli("--database", db_url, "--json", "user", "list", "--user", "ada", password=ADMIN_PASSWORD)
    rows = listed.json()
    assert isinstance(rows, list)
    users = {u["username"]: u for u in rows}
    assert users["tom"]["role"] == "technician" and users["tom"]["active"] is True
    assert users["tom"]["must_change_password"] is True
    assert users["ada"]["must_change_password"] is False, "the bootstrap admin chose the password"

    as_tom = run_cli("--database", db_url, "user", "list", "--user", "tom", password="tom-password-1")
    assert as_tom.code == 1 and "temporary password that must be changed first" in as_tom.err
    changed = run_cli("--database", db_url, "user", "passwd", "tom", "--password-stdin", "--user", "tom",
                      password="tom-password-1", stdin="tom-own-password\n")
    assert changed.code == 0, changed.err
    as_tom = run_cli("--database", db_url, "user", "list", "--user", "tom", password="tom-own-password")
    assert as_tom.code == 1 and "may not manage users" in as_tom.err

    gone = run_cli("--database", db_url, "user", "deactivate", "tom", "--reason", "left the lab", "--user", "ada",
                   password=ADMIN_PASSWORD)
    assert gone.code == 0, gone.err
    table = run_cli("--database", db_url, "user", "list", "--user", "ada", password=ADMIN_PASSWORD).out
    assert any(line.startswith("tom") and "deactivated" in line for line in table.splitlines())
    refused = run_cli("--database", db_url, "user", "list", "--user", "tom", password="tom-own-password")
    assert refused.code == 1 and "deactivated" in refused.err, "told after the correct password"
    guessed = run_cli("--database", db_url, "user", "list", "--user", "tom", password="tom-password-1")
    assert guessed.code == 1 and "deactivated" not in guessed.err, "not told to a guesser"


def test_passwd_changes_own_and_resets_others(run_cli: Cli, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _bootstrap_admin(run_cli, db_url)
    assert run_cli("--database", db_url, "user", "add", "tom", "--name", "Tom Tech", "--role", "technician",
                   "--password-stdin", "--user", "ada", password=ADMIN_PASSWORD, stdin="tom-password-1\n").code == 0
    own = run_cli("--database", db_url, "user", "passwd", "ada", "--password-stdin", "--user", "ada",
                  password=ADMIN_PASSWORD, stdin="a-new-admin-pw\n")
    assert own.code == 0, own.err
    assert run_cli("--database", db_url, "user", "list", "--user", "ada", password="a-new-admin-pw").code == 0
    reset = run_cli("--database", db_url, "user", "passwd", "tom", "--password-stdin", "--user", "ada",
                    password="a-new-admin-pw", stdin="tom-temporary-2\n")
    assert reset.code == 0 and "must be changed" in reset.out

    # Without --password-stdin the new password is asked twice; two different answers change nothing.
    answers = iter(["one-password-1", "another-password"])
    monkeypatch.setattr(cli.context, "read_password", lambda _prompt: next(answers))
    monkeypatch.setenv(cli.ENV_PASSWORD, "a-new-admin-pw")
    assert cli.run(["--database", db_url, "user", "passwd", "tom", "--user", "ada"]) == 1
    assert run_cli("--database", db_url, "user", "list", "--user", "ada", password="a-new-admin-pw").code == 0


# -- bad input --------------------------------------------------------------------------------------------


def test_unknown_role_is_refused(run_cli: Cli, db_url: str) -> None:
    result = run_cli("--database", db_url, "user", "add", "bob", "--name", "Bob", "--role", "chief",
                     "--password-stdin", stdin="bob-password-1\n")
    assert result.code == 1
    assert "'chief' is not a role" in result.err and "technician, supervisor, administrator" in result.err
    assert _scalar(db_url, "SELECT count(*) FROM users") == 0


def test_wrong_password_is_refused_and_counted(run_cli: Cli, db_url: str) -> None:
    _bootstrap_admin(run_cli, db_url)
    result = run_cli("--database", db_url, "user", "list", "--user", "ada", password="not-the-password")
    assert result.code == 1
    assert "Wrong user name or password" in result.err and "attempt(s) left" not in result.err
    assert result.out == ""
    assert _scalar(db_url, "SELECT failed_attempts FROM users WHERE username = 'ada'") == 1


def test_a_file_that_is_not_a_database_is_left_untouched(run_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "results.xlsx"
    content = b"PK\x03\x04 this is a spreadsheet, not a database" * 100
    path.write_bytes(content)
    for command in (["db", "upgrade"], ["db", "check"], ["demo", "--samples", "5"]):
        result = run_cli("--database", str(path), *command)
        assert result.code == 1
        assert "not an SQLite file" in result.err and "not changed" in result.err
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.xlsx"]


def test_a_missing_database_file_is_not_created_by_a_check(run_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "typo.sqlite"
    result = run_cli("--database", str(path), "db", "verify-audit")
    assert result.code == 1 and "There is no database file" in result.err
    assert not path.exists()


@pytest.mark.parametrize("argv", [
    ["db"], ["frobnicate"], ["user", "add", "bob"], ["demo", "--samples", "0"], ["demo", "--samples", "many"],
    ["db", "backup"], ["db", "check", "--bogus"],
], ids=" ".join)
def test_usage_errors_exit_with_2(run_cli: Cli, argv: list[str], tmp_path: Path) -> None:
    result = run_cli("--database", str(tmp_path / "x.sqlite"), *argv)
    assert result.code == 2
    assert "usage:" in result.err
    assert not (tmp_path / "x.sqlite").exists()


def test_no_command_starts_the_window_on_the_given_database(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def fake_main(argv: list[str] | None = None) -> int:
        seen["argv"] = argv
        seen["url"] = os.environ.get(ENV_DATABASE_URL)
        return 7

    monkeypatch.setitem(sys.modules, "biobank_desktop.app", types.SimpleNamespace(main=fake_main))
    # The command sets the variable for the window it starts: record it as unset so the test leaves it unset.
    monkeypatch.setenv(ENV_DATABASE_URL, "recorded")
    monkeypatch.delenv(ENV_DATABASE_URL)
    assert cli.run(["--database", str(tmp_path / "gui.sqlite")]) == 7
    assert seen["url"] == f"sqlite+pysqlite:///{tmp_path / 'gui.sqlite'}"


# -- as a real process --------------------------------------------------------------------------------------


def _process(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "biobank_desktop", *argv], capture_output=True, text=True,
                          cwd=REPO, env=os.environ | (env or {}), timeout=120, check=False)


def test_as_a_process_demo_then_check_json(db_url: str) -> None:
    demo = _process("--database", db_url, "demo", "--samples", "300")
    assert demo.returncode == 0, demo.stderr
    assert "300 samples" in demo.stdout
    check = _process("--database", db_url, "--json", "db", "check")
    assert check.returncode == 0, check.stderr
    report = json.loads(check.stdout)
    assert report["ok"] is True and report["audit_events"] == 1


def test_as_a_process_errors_are_one_message_and_exit_codes(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database\n")
    refused = _process("--database", str(junk), "db", "check")
    assert refused.returncode == 1
    assert "not an SQLite file" in refused.stderr and "Traceback" not in refused.stderr
    usage = _process("db", "explode")
    assert usage.returncode == 2 and "usage:" in usage.stderr
    assert _process("--help").returncode == 0


# -- issue 7: --user on an upgrade, a password inside the URL ---------------------------------------------------


def test_db_upgrade_checks_a_given_user_on_every_backend(run_cli: Cli, db_url: str, empty_url: str) -> None:
    """Before: on SQLite --user was ignored, so a wrong password 'succeeded'."""
    _bootstrap_admin(run_cli, db_url)
    wrong = run_cli("--database", db_url, "db", "upgrade", "--user", "ada", password="not-the-password")
    assert wrong.code == 1 and "Wrong user name or password" in wrong.err and "Traceback" not in wrong.err
    right = run_cli("--database", db_url, "db", "upgrade", "--user", "ada", password=ADMIN_PASSWORD)
    assert right.code == 0, right.err
    empty = run_cli("--database", empty_url, "db", "upgrade", "--user", "ada", password=ADMIN_PASSWORD)
    assert empty.code == 1 and "no accounts yet" in empty.err


def test_a_password_inside_the_database_url_is_warned_about(run_cli: Cli, pg_url: str) -> None:
    with_password = sa.make_url(pg_url).set(password="visible-in-ps").render_as_string(hide_password=False)
    result = run_cli("--database", with_password, "db", "check")
    assert result.code == 0, result.err
    assert "process list" in result.err and ".pgpass" in result.err and "visible-in-ps" not in result.err
    quiet = run_cli("--database", pg_url, "db", "check")
    assert "process list" not in quiet.err
