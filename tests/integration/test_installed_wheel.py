"""The wheel built from this checkout works on its own: installed into a fresh virtual environment outside
the checkout, its ``biobank-desktop`` command upgrades a database, fills it with demo data (SPREC codes
derived from the shipped tables) and renders a label (shipped templates and fonts) whose barcode decodes.

Only the console script is used, so the test holds whatever shape the CLI's modules take. The fresh
environment gets the package from the wheel and nothing else: its dependencies (not the package) are
borrowed from the running environment through a ``.pth`` line, which keeps the test offline and fast;
a ``.pth`` line adds a folder to ``sys.path`` without running that folder's own ``.pth`` files, so an
editable install of the checkout there is not picked up (the test checks where the package came from).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.support.labels_testkit import decode, rasterize_pdf

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# What a build reads from the checkout (pyproject.toml names README.md as the long description).
BUILD_INPUTS = ("biobank_desktop", "resources", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def _build_wheel(tmp_path: Path) -> Path:
    """``pip wheel`` of a copy of the checkout (a build writes build/ and *.egg-info next to its sources)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(item, source / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(source)],
         cwd=tmp_path)
    [wheel] = dist.glob("biobank_desktop-*.whl")
    return wheel


def _fresh_environment(tmp_path: Path, wheel: Path) -> tuple[Path, Path]:
    """A new virtual environment holding only the wheel; returns (its python, its scripts folder)."""
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    scripts = home / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    site_packages = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              cwd=tmp_path).stdout.strip())
    ours = sysconfig.get_paths()
    (site_packages / "_borrowed_dependencies.pth").write_text(
        "\n".join(dict.fromkeys([ours["purelib"], ours["platlib"]])) + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index",
          str(wheel)], cwd=tmp_path)
    return python, scripts


def test_the_wheel_installed_elsewhere_upgrades_fills_and_renders_a_label(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    python, scripts = _fresh_environment(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "BIOBANK_DATABASE_URL", "VIRTUAL_ENV")}
    env |= {"BIOBANK_CONFIG_DIR": str(tmp_path / "config"), "BIOBANK_DATA_DIR": str(tmp_path / "data"),
            "BIOBANK_PASSWORD": "biobank-admin", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}

    where = _run([str(python), "-c",
                  "import biobank_desktop; from biobank_desktop.core.resources import resources_root; "
                  "print(biobank_desktop.__file__); print(resources_root())"], cwd=elsewhere, env=env)
    package_file, resources = (Path(line) for line in where.stdout.splitlines())
    assert package_file.is_relative_to(tmp_path / "venv"), f"imported {package_file}, not the installed wheel"
    assert not package_file.is_relative_to(REPO)
    assert resources == package_file.parent / "resources", "the installed package finds its own resources"
    assert (resources / "label_templates" / "cryovial-25x13.json").is_file()
    assert not (resources / "screenshots").exists(), "screenshots are for the README, not the wheel"

    command = str(scripts / ("biobank-desktop.exe" if os.name == "nt" else "biobank-desktop"))
    database = tmp_path / "installed.sqlite"
    upgrade = _run([command, "db", "upgrade", "--database", str(database)], cwd=elsewhere, env=env)
    assert "0003" in upgrade.stdout or "head" in upgrade.stdout.lower(), upgrade.stdout
    _run([command, "demo", "--samples", "50", "--database", str(database)], cwd=elsewhere, env=env)

    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT sample_code, sprec_code FROM samples ORDER BY id").fetchall()
    connection.close()
    assert len(rows) == 50
    assert all(sprec for _, sprec in rows), "every demo sample has a SPREC code derived from the shipped tables"
    code = rows[-1][0]

    out = tmp_path / "label.pdf"
    render = _run([command, "labels", "render", "--database", str(database), "--user", "admin",
                   "--template", "cryovial-25x13", "--format", "pdf", "--sample", code, "-o", str(out)],
                  cwd=elsewhere, env=env)
    assert str(out) in render.stdout
    assert [decode(page) for page in rasterize_pdf(out.read_bytes(), 300)] == [[code]]
