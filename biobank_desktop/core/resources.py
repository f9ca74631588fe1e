"""Where the application's plain resource files are: installed, in a checkout, or frozen (PyInstaller).

Every piece of code that needs a file from ``resources/`` asks :func:`resource_path`; nothing else
builds a path to them. The files live in the repository's top-level ``resources/`` folder and are
found, in this order:

1. frozen (PyInstaller): ``resources/`` at the top of the bundle (``sys._MEIPASS``; the spec's
   ``datas=[("resources", "resources")]``), else ``biobank_desktop/resources/`` in it (what
   ``collect_data_files("biobank_desktop")`` gathers from an installed wheel);
2. installed (a wheel, a plain ``pip install .``): ``biobank_desktop/resources/``, which ``setup.py``'s
   ``build_py`` copies into the package when it is built (screenshots excepted);
3. a checkout or an editable install (``pip install -e .``): ``resources/`` beside the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def resources_root() -> Path:
    """The folder holding the resource files (see the module's docstring for the order searched)."""
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base is not None:
        bundled = Path(frozen_base) / "resources"
        collected = Path(frozen_base) / "biobank_desktop" / "resources"
        return collected if not bundled.is_dir() and collected.is_dir() else bundled
    installed = _PACKAGE_DIR / "resources"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file below the resources folder; raises FileNotFoundError naming it when it is missing."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Resource file missing: {path}. The installation is incomplete; reinstall.")
    return path
