"""``db verify-audit --expect SEQ:HASH`` / ``--expect-file``: an anchor recorded outside the database catches a
consistent rewrite of the trail's tail, which the chain alone cannot show."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from biobank_desktop.core.db.models import AuditEvent
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.audit import chain_hash
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from tests.support.cli import Cli, cli_runner
from tests.support.tamper import tamper_with_audit


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))
    return cli_runner(capsys, monkeypatch)


def _rewrite_newest_consistently(services: Services) -> None:
    """Change the newest event's summary, recompute its hash and move the head to match: the chain is whole."""
    with services.db.new_session(write=False) as session:
        seq = session.execute(text("SELECT last_seq FROM audit_head")).scalar_one()
        newest = session.get(AuditEvent, seq)
        assert newest is not None
        forged = chain_hash(dataclasses.replace(newest.record(), summary="nothing happened"), newest.prev_hash)
    url = services.db.url.render_as_string(hide_password=False)
    tamper_with_audit(url, f"UPDATE audit_events SET summary = 'nothing happened', hash = '{forged}' WHERE seq = {seq}")
    with services.db.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_head SET last_hash = '{forged}'"))


def test_an_anchor_catches_a_consistent_rewrite_the_chain_cannot(run_cli: Cli, db_url: str, services: Services,
                                                                 technician: Actor, tmp_path: Path) -> None:
    services.samples.register(technician, NewSample("COLON", "SER", participant="P-1", volume_ul=Decimal(500)))
    first = run_cli("--database", db_url, "--json", "db", "verify-audit")
    assert first.code == 0, first.err
    recorded = first.json()
    assert isinstance(recorded, dict) and recorded["ok"] is True
    anchor = recorded["anchor"]
    assert anchor == f"{recorded['last_seq']}:{recorded['last_hash']}"
    saved = tmp_path / "anchor.json"
    saved.write_text(first.out, encoding="utf-8")
    lines = tmp_path / "anchors.txt"
    lines.write_text(f"# weekly anchors\n{anchor}  # week 48\n", encoding="utf-8")

    for expect in (["--expect", anchor], ["--expect-file", str(saved)], ["--expect-file", str(lines)]):
        intact = run_cli("--database", db_url, "db", "verify-audit", *expect)
        assert intact.code == 0, intact.err
        assert f"event {recorded['last_seq']} has the hash recorded outside the database" in intact.out

    _rewrite_newest_consistently(services)
    unanchored = run_cli("--database", db_url, "db", "verify-audit")
    assert unanchored.code == 0, "without an anchor a consistent rewrite is invisible (that is why anchors exist)"
    for expect in (["--expect", anchor], ["--expect-file", str(saved)], ["--expect-file", str(lines)]):
        caught = run_cli("--database", db_url, "db", "verify-audit", *expect)
        assert caught.code == 1, caught.out
        assert f"BROKEN at event {recorded['last_seq']}" in caught.out and "rewritten" in caught.out
    as_json = run_cli("--database", db_url, "--json", "db", "verify-audit", "--expect", anchor).json()
    assert isinstance(as_json, dict) and as_json["ok"] is False and as_json["finding"] == "anchor_mismatch"


def test_a_malformed_anchor_or_file_is_refused_with_a_message(run_cli: Cli, db_url: str, services: Services,
                                                              tmp_path: Path) -> None:
    bad = run_cli("--database", db_url, "db", "verify-audit", "--expect", "12:not-a-hash")
    assert bad.code == 1 and "is not an audit anchor" in bad.err and "SEQ:HASH" in bad.err
    missing = run_cli("--database", db_url, "db", "verify-audit", "--expect-file", str(tmp_path / "none.txt"))
    assert missing.code == 1 and "cannot be read" in missing.err
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert "holds no anchor" in run_cli("--database", db_url, "db", "verify-audit", "--expect-file", str(empty)).err
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"ok": True}), encoding="utf-8")
    assert 'without an "anchor"' in run_cli("--database", db_url, "db", "verify-audit", "--expect-file", str(odd)).err
    both = run_cli("--database", db_url, "db", "verify-audit", "--expect", "1:" + "0" * 64, "--expect-file", str(odd))
    assert both.code == 2
