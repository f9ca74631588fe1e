"""The suite's own rule: in CI every PostgreSQL case runs, or fails; it never skips quietly (issue 7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = [
    "tests/integration/test_cli.py::test_db_upgrade_creates_the_schema_then_check_passes[postgresql]",  # empty_url
    "tests/integration/test_accounts.py::test_login_succeeds_and_returns_the_role[postgresql]",  # db_url
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("ci", ["true", ""])
def test_a_postgresql_case_without_a_server_fails_in_ci_and_skips_elsewhere(case: str, ci: str) -> None:
    env = os.environ | {"CI": ci, "BIOBANK_TEST_PG": "postgresql+psycopg://postgres@127.0.0.1:1/postgres"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", case],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    tail = done.stdout.strip().splitlines()[-1]
    if ci:
        assert done.returncode == 1 and "error" in tail, done.stdout[-2000:]
        assert "in CI the PostgreSQL cases must run" in done.stdout
    else:
        assert done.returncode == 0 and "1 skipped" in tail, done.stdout[-2000:]
