"""Bench: cold start of the GUI to a usable main window, against a bare PySide6 window.

Each start is a fresh Python process (``QT_QPA_PLATFORM=offscreen``), timed by this script from the
moment it launches the process until the child reports "ready":

* app: ``biobank_desktop.app.main`` on a demo database: open and check the database, the login
  dialog (filled in and submitted by a timer the moment it shows: no human typing time), the
  main window with the Search page showing its first rows, painted;
* bare: the same interpreter importing PySide6, opening an empty ``QMainWindow`` of the same size
  and painting it.

The two kinds alternate, several repetitions each; the figures are medians and their ratio.
Goal: app under 2× bare. Run: .venv/bin/python bench/bench_startup.py [--runs 7] [--samples 5000]
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

BARE = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1366, 768)
window.show()
def ready():
    window.repaint()
    print("ready", flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""

APP = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from biobank_desktop.app import main

first = []

def drive():
    for widget in QApplication.topLevelWidgets():
        name = widget.objectName()
        if name == "loginDialog" and widget.isVisible() and not first:
            first.append(1)
            print("first-window", flush=True)
        if name == "loginDialog" and widget.isVisible() and not widget.busy and not widget._pending:
            widget.fill("tech1", "biobank-tech1")
            widget.submit()
        elif name == "mainWindow" and widget.isVisible():
            search = widget.page("search")
            if search is not None and search.model.rowCount() > 0 and not search.model.fetching:
                widget.repaint()
                print("ready", flush=True)
                QApplication.instance().exit(0)
                return
        elif name == "startupErrorDialog" and widget.isVisible():
            print("failed:", widget.message_text, flush=True)
            QApplication.instance().exit(2)
            return
    QTimer.singleShot(2, drive)

QTimer.singleShot(0, drive)
raise SystemExit(main(["--database", sys.argv[1]]))
"""


def run_once(code: str, args: list[str], env: dict[str, str], marks: list[float] | None = None) -> float:
    """Seconds from launching the child to its "ready"; ``marks`` receives the time of its "first-window"."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    elapsed = 0.0
    for line in proc.stdout:
        if line.startswith("first-window") and marks is not None:
            marks.append(time.perf_counter() - started)
        if line.startswith("ready"):
            elapsed = time.perf_counter() - started
            break
        if line.startswith("failed"):
            raise SystemExit(f"start-up failed: {line.strip()}")
    else:
        proc.wait()
        raise SystemExit(f"the child never became ready (exit code {proc.returncode})")
    proc.wait(timeout=60)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--samples", type=int, default=5000, help="size of the demo database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BIOBANK_CONFIG_DIR=f"{tmp}/config",
                   BIOBANK_DATA_DIR=f"{tmp}/data", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
                   PYTHONDONTWRITEBYTECODE="0")
        env.pop("BIOBANK_DATABASE_URL", None)
        url = f"sqlite+pysqlite:///{tmp}/demo.sqlite"
        subprocess.run([sys.executable, "-m", "biobank_desktop", "--database", url, "demo", "--samples",
                        str(args.samples)], check=True, env=env, cwd=ROOT, capture_output=True)
        run_once(BARE, [], env)  # warm the OS file cache for both, untimed
        run_once(APP, [url], env)
        bare: list[float] = []
        app: list[float] = []
        login: list[float] = []
        for _ in range(args.runs):
            bare.append(run_once(BARE, [], env))
            app.append(run_once(APP, [url], env, login))

    bare_median, app_median = statistics.median(bare), statistics.median(app)
    def runs(times: list[float]) -> str:
        return ", ".join(f"{t * 1000:.0f}" for t in times)

    print(f"bare QMainWindow : median {bare_median * 1000:7.0f} ms  (runs: {runs(bare)})")
    print(f"Biobank Desktop  : median {app_median * 1000:7.0f} ms  (runs: {runs(app)})")
    print(f"ratio app / bare : {app_median / bare_median:.2f}x   (goal: under 2x; demo database of "
          f"{args.samples:,} samples, logged in, Search showing rows)")
    login_median = statistics.median(login)
    print(f"first window     : median {login_median * 1000:7.0f} ms = {login_median / bare_median:.2f}x bare "
          "(the login dialog, typing possible, while the database opens)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
