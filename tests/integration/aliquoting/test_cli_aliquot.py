"""``biobank-desktop aliquot …`` and ``lineage``: the short form, protocols, a batch from a file, void, --json."""

from __future__ import annotations

from pathlib import Path

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from tests.conftest import PASSWORD
from tests.support.aliquot_kit import make_parent
from tests.support.cli import Cli, cli_runner
from tests.support.storage_kit import build_tree


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return cli_runner(capsys, monkeypatch)


def test_aliquot_parent_short_form_lists_children_with_positions(services: Services, supervisor: Actor,
                                                                  technician: Actor, db_url: str,
                                                                  run_cli: Cli) -> None:
    tree = build_tree(services, supervisor)
    parent = make_parent(services, technician, 1000)
    base = ("--database", db_url, "--user", "tom", "--json")
    done = run_cli(*base, "aliquot", parent, "--count", "3", "--volume", "0,2 mL", "--dead-volume", "10uL",
                   "--box", tree.box, password=PASSWORD)
    assert done.code == 0, done.err
    data = done.json()
    assert [(c["id"], c["volume_ul"], c["position"]) for c in data["children"]] == [
        (f"{parent}-A0{i}", "200.00", p) for i, p in ((1, "A1"), (2, "A2"), (3, "A3"))]
    assert data["parents"][0]["volume_after_ul"] == "390.00"
    over = run_cli(*base, "aliquot", "one", parent, "--count", "3", "--volume", "200 µL", password=PASSWORD)
    assert over.code == 1 and "Over-draw" in over.err and "Traceback" not in over.err
    family = run_cli(*base, "lineage", parent, password=PASSWORD).json()
    assert family["drawn_ul"] == "600.00" and len(family["descendants"]) == 3
    assert (family["initial_ul"], family["dead_ul"], family["other_ul"], family["left_ul"]) == (
        "1000.00", "10.00", "0.00", "390.00")  # they add up: 600 + 10 + 0 + 390
    text = run_cli("--database", db_url, "--user", "tom", "lineage", f"{parent}-A02", password=PASSWORD)
    assert text.code == 0 and f"  {parent}-A02  PL1  available  200.00 µL  {tree.box} A2" in text.out
    voided = run_cli(*base, "aliquot", "void", str(data["batch"]), "--reason", "test", password=PASSWORD)
    assert voided.code == 0 and voided.json()["status"] == "voided"
    assert services.aliquoting.parent_info(parent).volume_ul == 1000


def test_protocol_add_list_and_a_batch_from_a_file(services: Services, supervisor: Actor, technician: Actor,
                                                   db_url: str, run_cli: Cli, tmp_path: Path) -> None:
    parents = [make_parent(services, technician, 1000, participant=f"P-{i}") for i in range(3)]
    refused = run_cli("--database", db_url, "--user", "tom", "aliquot", "protocol-add", "COLON", "Plasma",
                      "4xPL1:0.2mL", password=PASSWORD)
    assert refused.code == 1 and "may not manage reference" in refused.err
    added = run_cli("--database", db_url, "--user", "sam", "--json", "aliquot", "protocol-add", "COLON", "Plasma",
                    "4xPL1:0,2mL", "--parent-type", "PL1", "--dead-volume", "5 µL", password=PASSWORD)
    assert added.code == 0, added.err
    assert added.json() == {"study": "COLON", "name": "Plasma", "version": 1, "lines": "4xPL1:200µL"}
    listed = run_cli("--database", db_url, "--user", "tom", "--json", "aliquot", "protocols", password=PASSWORD)
    assert [p["name"] for p in listed.json()] == ["Plasma"]
    ids = tmp_path / "rack.txt"
    ids.write_text("# rack 7\n" + "\n".join(parents) + "\n", encoding="utf-8")
    checked = run_cli("--database", db_url, "--user", "tom", "--json", "aliquot", "batch", str(ids),
                      "--protocol", "Plasma", "--dry-run", password=PASSWORD)
    assert checked.code == 0 and all(c["problem"] is None for c in checked.json())
    done = run_cli("--database", db_url, "--user", "tom", "--json", "aliquot", "batch", str(ids), "--protocol",
                   "Plasma", password=PASSWORD)
    assert done.code == 0, done.err
    assert len(done.json()["children"]) == 12
    assert {p["volume_after_ul"] for p in done.json()["parents"]} == {"195.00"}
