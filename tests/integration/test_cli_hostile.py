"""Every command of the real parser, driven with hostile arguments: a message and exit 0, 1 or 2, never a traceback.

The commands are enumerated from :func:`biobank_desktop.cli.build_parser`, so a command group added later
(storage, exchange, reception, aliquot…) is covered without touching this file. Most runs call
``cli.run`` in this process; the cases only a real process shows (arguments as bytes that are not UTF-8, a
closed standard output, Ctrl+C) run the installed command line.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from biobank_desktop import cli
from biobank_desktop.cli import BUG_NOTE, build_parser
from biobank_desktop.config import Settings
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import build_services
from tests.conftest import PASSWORD, make_user
from tests.support.cli import REPO

HOSTILE = {
    "not-utf8": "tube \udcff\udcfe\udc80 end",  # how Python hands over argv bytes that are not UTF-8
    "long": "x" * 100_000,
    "control-bidi": "a\x1b[31mred\x07\r\nnext\tline\x7f\x01 \u202eevil\u202c \u2066x\u2069 zero\u200bwidth\ufeff",
    "sql-like": "'; DROP TABLE users; -- \" OR 1=1 %_%\\%\\_[a-z]*",
    "nul": "before\x00after",
}
_COMMON = {"database", "user", "json", "help"}


def leaf_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
                  ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every runnable sub-command of ``parser`` with its path (``("labels", "print")``), from the parser itself."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield path, parser
        return
    for group in groups:
        for name, sub in group.choices.items():
            yield from leaf_commands(sub, (*path, name))


def _plausible(action: argparse.Action) -> str | None:
    """A value the parser accepts for a typed or closed argument (a number, a choice); None for free text."""
    if action.choices:
        return str(next(iter(action.choices)))
    if action.type in (None, str, Path):
        return None
    convert = action.type
    for candidate in ("1", "1.0"):
        try:
            if callable(convert):
                convert(candidate)
            return candidate
        except (argparse.ArgumentTypeError, TypeError, ValueError):
            continue
    return None


def hostile_argv(parser: argparse.ArgumentParser, text: str, *, typed_too: bool = False) -> list[str]:
    """Arguments for one command: ``text`` in every free-text argument (and, with ``typed_too``, in the
    typed ones), a plausible value elsewhere; of a group of exclusive options, the first only."""
    skip: set[argparse.Action] = set()
    for group in parser._mutually_exclusive_groups:
        skip.update(group._group_actions[1:])
    argv: list[str] = []
    for action in parser._actions:
        if action.dest in _COMMON or action in skip or isinstance(action, argparse._SubParsersAction):
            continue
        if action.nargs == 0:  # a flag: only when a group needs one of them
            if any(action is g._group_actions[0] and g.required for g in parser._mutually_exclusive_groups):
                argv.append(action.option_strings[0])
            continue
        value = text if typed_too else (_plausible(action) or text)
        argv += [*action.option_strings[:1], value]
    return argv


@pytest.fixture
def hostile_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder and settings folder of the test's own (render and backup write files named by the text)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("BIOBANK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BIOBANK_DEBUG", raising=False)
    Settings(workstation_name="HOSTILE-WS").save()
    return tmp_path


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         stdin: str) -> tuple[int, str]:
    def no_terminal(prompt: str = "") -> str:
        raise EOFError  # as without a terminal: the command must say so, not hang or crash

    monkeypatch.setattr("getpass.getpass", no_terminal)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    code = cli.run(argv)
    return code, capsys.readouterr().err


def test_the_enumeration_sees_every_group() -> None:
    paths = {path for path, _ in leaf_commands(build_parser())}
    assert {("db", "verify-audit"), ("user", "deactivate"), ("labels", "print"), ("labels", "cancel"),
            ("printer", "add"), ("demo",)} <= paths
    assert len(paths) >= 20


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])])
def sweep_url(request: pytest.FixtureRequest) -> str:
    """A database with the technician tom: SQLite in the quick run, PostgreSQL too in the full (slow) run."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    make_user(build_services(db, workstation="HOSTILE-WS"), "tom", Role.TECHNICIAN)
    db.dispose()
    return url


def test_every_command_with_hostile_arguments_ends_in_a_message(sweep_url: str, hostile_place: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(cli.ENV_PASSWORD, PASSWORD)
    faults: list[str] = []
    commands = list(leaf_commands(build_parser()))
    for path, parser in commands:
        for kind, text in HOSTILE.items():
            variants = [hostile_argv(parser, text)]
            if kind == "long":
                variants.append(hostile_argv(parser, text, typed_too=True))
            for args in variants:
                argv = ["--database", sweep_url, "--user", "tom", *path, *args]
                code, err = _run(argv, monkeypatch, capsys, stdin=text + "\n")
                if code not in (0, 1, 2) or "Traceback" in err or BUG_NOTE in err or (code and not err.strip()):
                    faults.append(f"{' '.join(path)} [{kind}] exit {code}: {err[-400:]}")
    # Who acts and where the database is are arguments too. Exit 0 is right when an earlier command
    # (db backup, labels render) made a file of that name.
    for kind, text in HOSTILE.items():
        for argv in (["--database", sweep_url, "--user", text, "user", "list"],
                     ["--database", text, "--user", "tom", "labels", "queue"]):
            code, err = _run(argv, monkeypatch, capsys, stdin="")
            if code not in (0, 1, 2) or "Traceback" in err or BUG_NOTE in err or (code and not err.strip()):
                faults.append(f"{argv[0]} {argv[2]} [{kind}] exit {code}: {err[-400:]}")
    assert not faults, "\n".join(faults)


def test_a_fault_nobody_foresaw_is_a_message_that_says_bug(hostile_place: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    def broken(_args: argparse.Namespace) -> int:
        raise RuntimeError("planted")

    parser = build_parser()
    [(path, listing)] = [(p, sub) for p, sub in leaf_commands(parser) if p == ("printer", "list")]
    listing.set_defaults(handler=broken)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    code, err = _run(list(path), monkeypatch, capsys, stdin="")
    assert code == 1 and "RuntimeError: planted" in err and BUG_NOTE in err and "Traceback" not in err


@pytest.mark.parametrize("content", [
    "[]", '"settings"', "7", '{"database": []}', '{"database": {"port": "not a number"}}',
    '{"database": {"port": 70000}}', '{"database": {"backend": "oracle"}}', '{"database": {"host": 5}}',
    '{"printers": {"Zebra": {}}}', '{"printers": ["Zebra"]}', '{"printers": [{"name": ["x"]}]}',
    '{"workstation_name": ["a"]}', '{"scan_sound": "yes"}', '{"extra": 1}', "{", "[" * 100_000,
])
def test_a_settings_file_of_the_wrong_shape_is_named_and_explained(content: str, hostile_place: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    Settings.path().write_text(content, encoding="utf-8")
    for argv in (["printer", "list"], ["labels", "templates"], ["db", "check"]):
        code, err = _run(argv, monkeypatch, capsys, stdin="")
        assert code == 1 and "Traceback" not in err and BUG_NOTE not in err, (argv, err)
        assert str(Settings.path()) in err and "delete it" in err, (argv, err)


def test_the_settings_message_names_the_key_and_a_port_written_as_text_is_kept(hostile_place: Path) -> None:
    Settings.path().write_text('{"database": {"backend": "postgresql", "port": "abc"}}', encoding="utf-8")
    with pytest.raises(Exception, match=r'"database.port" must be a port number'):
        Settings.load()
    Settings.path().write_text('{"database": {"backend": "postgresql", "port": "5433"}}', encoding="utf-8")
    assert Settings.load().database.port == 5433


# -- as a real process ---------------------------------------------------------------------------------------


def _command(*argv: bytes, db: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), cli.ENV_PASSWORD: PASSWORD, **(env or {})}
    environment.pop("BIOBANK_DEBUG", None)
    process: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "biobank_desktop", "--database", db.encode(), *argv], env=environment, **kw)
    return process


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    [b"--user", b"tom", b"user", b"deactivate", b"tom", b"--reason", b"bad \xff\xfe bytes"],
    [b"--user", b"tom", b"user", b"passwd", b"t\xc3\x28m"],
    [b"--user", b"tom", b"labels", b"print", b"--printer", b"zpl://127.0.0.1:9", b"--sample", b"BB-\xff"],
    [b"--user", b"tom", b"labels", b"reprint", b"--reason", b"\xed\xa0\x80", b"--sample", b"BB-1"],
    [b"--user", b"\xff\xff", b"labels", b"queue"],
])
def test_arguments_that_are_not_utf8_are_refused_by_name(argv: list[bytes], sqlite_url: str,
                                                         hostile_place: Path) -> None:
    process = _command(*argv, db=sqlite_url, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _out, err = process.communicate(timeout=120)
    text = err.decode("utf-8", "replace")
    assert process.returncode == 2, text
    assert "not UTF-8" in text and "Traceback" not in text


@pytest.mark.slow
def test_a_database_path_in_bytes_that_are_not_utf8(hostile_place: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "biobank_desktop", "--database", b"/tmp/\xff.sqlite", "db", "check"],
                          env=environment, capture_output=True, timeout=120, check=False)
    assert done.returncode == 2 and b"not UTF-8" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.slow
def test_a_closed_standard_output_ends_quietly(db_url: str, technician: Actor, admin: Actor,
                                               hostile_place: Path) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # like `| head -2` that has already gone: every write to the pipe fails
    try:
        process = _command(b"--user", b"ada", b"user", b"list", db=db_url, stdout=writer, stderr=subprocess.PIPE)
    finally:
        os.close(writer)
    _, err = process.communicate(timeout=120)
    assert process.returncode in (0, 1)
    assert b"Traceback" not in err and b"BrokenPipe" not in err and err.strip() == b"", err


def _blocked_reading_stdin(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return len(fields) > 1 and fields[0] == "0" and int(fields[1], 16) == 0  # read(0, ...)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/syscall").exists(), reason="needs Linux /proc to see the process wait")
def test_ctrl_c_while_a_command_waits_is_a_message(sqlite_url: str, hostile_place: Path) -> None:
    process = _command(b"user", b"add", b"root", b"--name", b"Root", b"--role", b"administrator",
                       b"--password-stdin", db=sqlite_url, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not _blocked_reading_stdin(process.pid):  # waiting for the password on standard input
        assert process.poll() is None and time.monotonic() < deadline, "the command never waited for input"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert b"Interrupted" in err and b"Traceback" not in err
