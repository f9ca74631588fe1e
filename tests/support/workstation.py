"""A workstation of its own for a test: this user's folders and the machine-wide settings file in a temporary
folder (none of the files exists yet), and no database chosen by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest


def isolate_workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point BIOBANK_CONFIG_DIR, BIOBANK_DATA_DIR and BIOBANK_SITE_CONFIG into ``tmp_path``; returns it.
    The machine-wide file is ``tmp_path / "site" / "settings.json"``."""
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("BIOBANK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BIOBANK_SITE_CONFIG", str(tmp_path / "site" / "settings.json"))
    monkeypatch.delenv("BIOBANK_DATABASE_URL", raising=False)
    return tmp_path
