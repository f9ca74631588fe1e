"""Where the application's plain resource files are, frozen (PyInstaller) or not.

Every piece of code that needs a file from ``resources/`` asks :func:`resource_path`, so the
installer only has to ship that one folder next to the executable.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The ``resources`` folder: beside the package in a checkout, in ``sys._MEIPASS`` when frozen."""
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base is not None:
        return Path(frozen_base) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file below ``resources/``; raises FileNotFoundError naming it when it is missing."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Resource file missing: {path}. The installation is incomplete; reinstall.")
    return path
