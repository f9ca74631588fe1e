"""Where resource files are found: the checkout's top-level ``resources/`` here, the bundle's when frozen.

The installed case (``biobank_desktop/resources`` inside a wheel) is tested end to end by
tests/integration/test_installed_wheel.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from biobank_desktop.core import resources

REPO = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_the_top_level_resources_folder() -> None:
    assert resources.resources_root() == REPO / "resources"
    assert resources.resource_path("reference", "sprec", "v3.json") == REPO / "resources/reference/sprec/v3.json"


def test_a_frozen_application_reads_its_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "resources" / "fonts").mkdir(parents=True)
    (tmp_path / "resources" / "fonts" / "a.ttf").write_bytes(b"x")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("fonts", "a.ttf") == tmp_path / "resources" / "fonts" / "a.ttf"


def test_a_missing_file_is_named_in_the_error() -> None:
    with pytest.raises(FileNotFoundError, match=r"no-such-template\.json.*reinstall"):
        resources.resource_path("label_templates", "no-such-template.json")


def test_a_frozen_application_built_from_the_wheel_reads_the_collected_package_data(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    collected = tmp_path / "biobank_desktop" / "resources" / "icons"
    collected.mkdir(parents=True)
    (collected / "x.svg").write_text("<svg/>", encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("icons", "x.svg") == collected / "x.svg"
