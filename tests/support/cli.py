"""Running the ``biobank-desktop`` command line in the test's own process, for the CLI tests."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from biobank_desktop import cli

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


Cli = Callable[..., Result]


def cli_runner(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``run(*argv, password=..., stdin=...)``: ``cli.run(argv)`` here, the acting password via the environment.

    A command that asks for a password on a terminal fails the test; so does a traceback on stderr.
    """

    def no_prompt(prompt: str = "") -> str:
        raise AssertionError(f"the command asked for a password on a terminal: {prompt!r}")

    def run(*argv: str, password: str | None = None, stdin: str = "") -> Result:
        capsys.readouterr()
        monkeypatch.setattr("getpass.getpass", no_prompt)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        if password is None:
            monkeypatch.delenv(cli.ENV_PASSWORD, raising=False)
        else:
            monkeypatch.setenv(cli.ENV_PASSWORD, password)
        code = cli.run(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run
