"""Build the Biobank Desktop bundle: ``python installer/build.py [--self-test] [--clean]``.

Run it with the Python that has the application and the ``installer`` extra installed
(``pip install -e '.[installer]'``), on the operating system the bundle is for (PyInstaller does not
cross-build). It:

1. draws the icons from resources/icons/biobank-desktop.svg into build/icons (PNG, .ico, .icns);
2. writes the Windows version resource from ``biobank_desktop.__version__`` (build/version_info.txt);
3. runs PyInstaller on installer/biobank-desktop.spec → dist/BiobankDesktop/ (and, on macOS,
   dist/Biobank Desktop.app);
4. adds what each system's packaging needs beside the executables: on Linux the .desktop file, the
   icons and install.sh; on Windows it compiles installer/windows/biobank-desktop.iss with Inno Setup's
   ``ISCC`` when that is on the PATH (else it says so); a VERSION file everywhere;
5. with ``--self-test``: runs ``biobank-desktop --self-test`` from the bundle (exit code passed on);
6. prints the bundle's size and how long the build took.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from biobank_desktop import __version__ as VERSION  # noqa: E402
from installer.icons import PNG_SIZES, make_icons  # noqa: E402

BUNDLE_NAME = "BiobankDesktop"
SPEC = ROOT / "installer" / "biobank-desktop.spec"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` → (0, 1, 0, 0); a suffix such as ``rc1`` or ``.dev3`` is dropped (Windows wants 4 numbers)."""
    numbers = []
    for part in version.split(".")[:4]:
        digits = "".join(ch for ch in part if ch.isdigit()) if part[:1].isdigit() else ""
        numbers.append(int(digits) if digits else 0)
    numbers += [0] * (4 - len(numbers))
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def windows_version_info(version: str) -> str:
    """The VSVersionInfo text PyInstaller turns into the executables' version resource."""
    v = version_tuple(version)
    strings = {"CompanyName": "Biobank Desktop", "FileDescription": "Biobank Desktop",
               "FileVersion": version, "InternalName": "BiobankDesktop", "OriginalFilename": "BiobankDesktop.exe",
               "ProductName": "Biobank Desktop", "ProductVersion": version}
    entries = ",\n            ".join(f"StringStruct('{k}', '{val}')" for k, val in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={v}, prodvers={v}, mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1, subtype=0x0,
                    date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
            {entries}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def run_pyinstaller(icons: Path, version_file: Path, dist: Path, work: Path) -> None:
    env = dict(os.environ, BIOBANK_ICON_DIR=str(icons))
    if sys.platform == "win32":
        env["BIOBANK_VERSION_FILE"] = str(version_file)
    subprocess.run([sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "ERROR",
                    "--distpath", str(dist), "--workpath", str(work / "pyinstaller")], check=True, env=env, cwd=ROOT)


def add_linux_files(icons: Path, bundle: Path) -> None:
    """The .desktop file, the icons (hicolor theme layout) and install.sh, inside the bundle folder."""
    share = bundle / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "installer" / "linux" / "biobank-desktop.desktop", share / "applications")
    for size in PNG_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(icons / f"biobank-desktop-{size}.png", target / "biobank-desktop.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "resources" / "icons" / "biobank-desktop.svg", scalable)
    shutil.copy2(ROOT / "installer" / "linux" / "install.sh", bundle / "install.sh")
    (bundle / "install.sh").chmod(0o755)


def make_windows_installer(bundle: Path, icons: Path, dist: Path) -> None:
    iscc = shutil.which("ISCC") or shutil.which("iscc")
    if iscc is None:
        print("Inno Setup's ISCC is not on the PATH: the setup program was not made "
              "(install Inno Setup 6, then run this again).", file=sys.stderr)
        return
    subprocess.run([iscc, f"/DAppVersion={VERSION}", f"/DSourceDir={bundle}", f"/DIconFile={icons}",
                    f"/O{dist}", str(ROOT / "installer" / "windows" / "biobank-desktop.iss")], check=True)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Biobank Desktop bundle (see the module docstring).")
    parser.add_argument("--self-test", action="store_true", help="run the bundle's self-test after building")
    parser.add_argument("--clean", action="store_true", help="start from an empty work folder and bundle")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the bundle goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="work folder (default: build/)")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    bundle = dist / BUNDLE_NAME
    started = time.perf_counter()
    if args.clean:
        shutil.rmtree(work / "pyinstaller", ignore_errors=True)
        shutil.rmtree(bundle, ignore_errors=True)
    icons = make_icons(work / "icons")["ico"].parent
    version_file = work / "version_info.txt"
    version_file.write_text(windows_version_info(VERSION), encoding="utf-8")
    run_pyinstaller(icons, version_file, dist, work)
    (bundle / "VERSION").write_text(VERSION + "\n", encoding="utf-8")
    if sys.platform.startswith("linux"):
        add_linux_files(icons, bundle)
    elif sys.platform == "win32":
        make_windows_installer(bundle, icons, dist)
    seconds = time.perf_counter() - started
    print(f"Biobank Desktop {VERSION}: {bundle} ({folder_size(bundle) / 1e6:.0f} MB) built in {seconds:.0f} s")
    if args.self_test:
        return subprocess.run([str(bundle / f"biobank-desktop{EXE_SUFFIX}"), "--self-test"], check=False).returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
