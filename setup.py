"""Build step that pyproject.toml cannot say: ship the top-level ``resources/`` inside the package.

The design keeps ``resources/`` (label templates, fonts, SPREC tables, icons) at the top of the
repository, beside the package. A wheel or a plain ``pip install .`` must still carry it, so this
``build_py`` copies it to ``biobank_desktop/resources/`` in the build tree (screenshots excepted: they
are for the README). :mod:`biobank_desktop.core.resources` looks there first, then beside the package
(the checkout, an editable install), then in the PyInstaller bundle when frozen. An editable install
copies nothing: it reads the checkout's ``resources/`` directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "resources"
NOT_SHIPPED = ("screenshots",)


class BuildPyWithResources(build_py):
    """``build_py`` plus a copy of ``resources/`` into the package as ``biobank_desktop/resources``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not SOURCE.is_dir():
            raise RuntimeError(f"{SOURCE} is missing: the package cannot be built without its resources")
        target = Path(self.build_lib) / "biobank_desktop" / "resources"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(SOURCE, target, ignore=shutil.ignore_patterns(*NOT_SHIPPED, "__pycache__", "*.pyc"))
        self._resource_outputs = [str(path) for path in target.rglob("*") if path.is_file()]

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "_resource_outputs", [])]


setup(cmdclass={"build_py": BuildPyWithResources})
