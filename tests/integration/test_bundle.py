"""The desktop bundle: installer/build.py builds it (once for this module), and what it built works on its own.

Its two executables run their self-test (a temporary database migrated by the bundled migrations, demo data,
labels in PDF and ZPL, an .xlsx written and read back, the main window offscreen), a broken machine-wide
settings file and an unreachable database end in a FAILED line naming them, and the folder holds what it
must (resources, migrations, version, Linux desktop entry) and not what it must not (test tools, unused Qt).

Needs PyInstaller (``pip install -e '.[installer]'``): skipped without it, failed without it in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from biobank_desktop import __version__
from tests.conftest import IN_CI

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("PyInstaller is not installed: pip install -e '.[test,installer]'")
        pytest.skip("PyInstaller is not installed (pip install -e '.[installer]')")
    where = tmp_path_factory.mktemp("bundle")
    result = subprocess.run([sys.executable, str(REPO / "installer" / "build.py"), "--dist", str(where / "dist"),
                             "--work", str(where / "work")], capture_output=True, text=True, timeout=900,
                            check=False, cwd=REPO)
    assert result.returncode == 0, f"the build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return where / "dist" / "BiobankDesktop"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BIOBANK_", "PYTHON"))}
    env.update(BIOBANK_CONFIG_DIR=str(tmp_path / "config"), BIOBANK_DATA_DIR=str(tmp_path / "data"),
               BIOBANK_SITE_CONFIG=str(tmp_path / "site.json"), PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    env.pop("QT_QPA_PLATFORM", None)  # the self-test chooses offscreen itself when there is no display
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(extra)
    return env


def _run(exe: Path, args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=180, check=False,
                          env=_env(tmp_path, **extra), cwd=tmp_path)


@pytest.mark.parametrize("name", ["biobank-desktop", "BiobankDesktop"])
def test_both_executables_pass_the_self_test_from_the_bundle(bundle: Path, tmp_path: Path, name: str) -> None:
    result = _run(bundle / f"{name}{EXE}", ["--self-test"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.startswith(f"Biobank Desktop {__version__} self-test")
    assert f"in {bundle / '_internal' / 'resources'}" in out, "the bundle's own resources, not the checkout's"
    for line in ("ok      database: new SQLite database brought to schema", "ok      demo data: 24 samples",
                 "ok      label PDF: 3 labels", "ok      label ZPL: 3 cryovial labels",
                 "ok      spreadsheet: 3 rows written to .xlsx and read back identical",
                 "ok      main window: opened as tech1 on the 'offscreen' platform", "ok      settings:",
                 "ok      workstation database:"):
        assert line in out, out
    assert out.rstrip().endswith("Self-test passed.")


def test_the_bundle_says_which_machine_wide_settings_file_is_broken(bundle: Path, tmp_path: Path) -> None:
    (tmp_path / "site.json").write_text("{not json", encoding="utf-8")
    result = _run(bundle / f"biobank-desktop{EXE}", ["--self-test"], tmp_path)
    assert result.returncode == 1
    assert f"FAILED  settings: The settings file {tmp_path / 'site.json'} is damaged" in result.stderr
    assert "IT department" in result.stderr


def test_the_bundle_says_the_database_cannot_be_reached(bundle: Path, tmp_path: Path) -> None:
    url = "postgresql+psycopg://anna@127.0.0.1:1/biobank"
    result = _run(bundle / f"biobank-desktop{EXE}", ["--database", url, "--self-test"], tmp_path)
    assert result.returncode == 1
    assert ("FAILED  workstation database: The PostgreSQL server at anna@127.0.0.1:1/biobank cannot be reached."
            in result.stderr)
    plain = _run(bundle / f"biobank-desktop{EXE}", ["--database", url, "db", "check"], tmp_path)
    assert plain.returncode == 1 and "cannot be reached" in plain.stderr and "Traceback" not in plain.stderr


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="folder permissions do not bind root (or Windows)")
def test_the_bundle_says_the_data_folder_is_read_only(bundle: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o555)
    try:
        result = _run(bundle / f"biobank-desktop{EXE}", ["--self-test"], tmp_path)
    finally:
        data.chmod(0o755)
    assert result.returncode == 1
    assert f"FAILED  workstation database: The SQLite database's folder, {data}, is not writable" in result.stderr


def test_the_folder_holds_what_it_must_and_nothing_it_must_not(bundle: Path) -> None:
    inside = bundle / "_internal"
    assert (bundle / "VERSION").read_text(encoding="utf-8").strip() == __version__
    for path in ("resources/fonts/DejaVuSansCondensed.ttf", "resources/reference/sprec/v3.json",
                 "resources/label_templates/cryovial-25x13.json", "resources/icons/biobank-desktop.svg",
                 "biobank_desktop/core/db/migrations/env.py", "biobank_desktop/core/db/migrations/script.py.mako"):
        assert (inside / path).is_file(), path
    shipped = {p.name for p in (inside / "biobank_desktop/core/db/migrations/versions").glob("*.py")}
    assert shipped == {p.name for p in (REPO / "biobank_desktop/core/db/migrations/versions").glob("*.py")}
    assert not (inside / "resources" / "screenshots").exists()
    for unwanted in ("pytest", "_pytest", "zxingcpp", "pypdfium2", "zplkit", "mypy", "PyInstaller"):
        assert not list(inside.glob(f"{unwanted}*")), f"{unwanted} is a test or build tool: not for the bundle"
    qt = {p.name.split(".")[0] for p in (inside / "PySide6").glob("Qt*.*") if p.suffix in (".so", ".pyd")}
    assert qt == {"QtCore", "QtGui", "QtWidgets", "QtPrintSupport"}
    assert not (inside / "PySide6" / "Qt" / "translations").exists()
    if sys.platform.startswith("linux"):
        desktop = (bundle / "share/applications/biobank-desktop.desktop").read_text(encoding="utf-8")
        assert "Exec=/opt/biobank-desktop/BiobankDesktop" in desktop and "Icon=biobank-desktop" in desktop
        for size in (16, 32, 48, 256):
            assert (bundle / f"share/icons/hicolor/{size}x{size}/apps/biobank-desktop.png").is_file()
        assert os.access(bundle / "install.sh", os.X_OK)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="install.sh is the Linux installer")
def test_install_sh_installs_into_a_staging_root_and_removes_again(bundle: Path, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    env = dict(os.environ, DESTDIR=str(stage), PREFIX="/opt/biobank-desktop")
    subprocess.run(["sh", str(bundle / "install.sh")], check=True, env=env, capture_output=True, timeout=120)
    assert (stage / "opt/biobank-desktop/biobank-desktop").is_file()
    assert os.readlink(stage / "usr/local/bin/biobank-desktop") == "/opt/biobank-desktop/biobank-desktop"
    assert (stage / "usr/share/applications/biobank-desktop.desktop").is_file()
    assert (stage / "usr/share/icons/hicolor/48x48/apps/biobank-desktop.png").is_file()
    staged = _run(stage / "opt/biobank-desktop/biobank-desktop", ["--help"], tmp_path)
    assert staged.returncode == 0 and "--self-test" in staged.stdout, "the copied folder runs"
    user_data = stage / "home/anna/.local/share/BiobankDesktop/biobank.sqlite"
    user_data.parent.mkdir(parents=True)
    user_data.write_bytes(b"the user's database")
    subprocess.run(["sh", str(bundle / "install.sh"), "--remove"], check=True, env=env, capture_output=True,
                   timeout=60)
    assert not (stage / "opt/biobank-desktop").exists()
    assert not (stage / "usr/share/applications/biobank-desktop.desktop").exists()
    assert not (stage / "usr/local/bin/biobank-desktop").is_symlink()
    assert user_data.read_bytes() == b"the user's database"
