"""Bench: start-up of the PyInstaller bundle against ``python main.py`` from the checkout, same machine, same run.

Two measures, each a fresh process, the two kinds alternating, several runs, medians and their ratio:

* self-test: ``BiobankDesktop --self-test`` against ``python main.py --self-test`` (the window's entry):
  imports, a temporary database migrated, demo data, labels, a workbook, the main window offscreen;
* command line: ``biobank-desktop --help`` against ``python -m biobank_desktop --help``: the bare cost of
  starting the program and importing the command line (SQLAlchemy, reportlab, openpyxl …).

The first run of each is untimed (it warms the operating system's file cache: these are warm starts; a truly
cold start, after a reboot, reads the bundle's ~250 MB from disk as well).
Build the bundle first (``python installer/build.py``). Run:
    .venv/bin/python bench/bench_bundle_startup.py [--bundle dist/BiobankDesktop] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = ".exe" if sys.platform == "win32" else ""


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed


def compare(name: str, bundle: list[str], source: list[str], env: dict[str, str], runs: int) -> None:
    timed(bundle, env)
    timed(source, env)
    packed: list[float] = []
    plain: list[float] = []
    for _ in range(runs):
        packed.append(timed(bundle, env))
        plain.append(timed(source, env))
    b, p = statistics.median(packed), statistics.median(plain)

    def shown(times: list[float]) -> str:
        return ", ".join(f"{t * 1000:.0f}" for t in times)

    print(f"{name:13} bundle median {b * 1000:6.0f} ms (runs: {shown(packed)})")
    print(f"{'':13} python median {p * 1000:6.0f} ms (runs: {shown(plain)})")
    print(f"{'':13} ratio bundle / python: {b / p:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "BiobankDesktop")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (args.bundle / f"BiobankDesktop{EXE}").exists():
        raise SystemExit(f"No bundle in {args.bundle}: build it first (python installer/build.py).")
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BIOBANK_CONFIG_DIR=f"{tmp}/config",
                   BIOBANK_DATA_DIR=f"{tmp}/data", BIOBANK_SITE_CONFIG=f"{tmp}/site.json",
                   PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
        env.pop("BIOBANK_DATABASE_URL", None)
        compare("self-test", [str(args.bundle / f"BiobankDesktop{EXE}"), "--self-test"],
                [sys.executable, "main.py", "--self-test"], env, args.runs)
        compare("command line", [str(args.bundle / f"biobank-desktop{EXE}"), "--help"],
                [sys.executable, "-m", "biobank_desktop", "--help"], env, args.runs)
    size = sum(p.stat().st_size for p in args.bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle size   {size / 1e6:.0f} MB in {args.bundle}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
