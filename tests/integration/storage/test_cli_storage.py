"""``biobank-desktop storage …``: every command, text and ``--json``, and the refusals, on both backends."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import PASSWORD
from tests.support.cli import Cli, cli_runner
from tests.support.storage_kit import build_tree, make_samples


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return cli_runner(capsys, monkeypatch)


def test_place_locate_box_check_out_in(services: Services, supervisor: Actor, technician: Actor, db_url: str,
                                        run_cli: Cli) -> None:
    tree = build_tree(services, supervisor)
    [code] = make_samples(services, technician, 1)
    base = ("--database", db_url, "--user", "tom", "--json")
    placed = run_cli(*base, "storage", "place", code, tree.box, "E1", password=PASSWORD)
    assert placed.code == 0, placed.err
    assert placed.json()["position"] == "E1"
    where = run_cli(*base, "storage", "locate", code, password=PASSWORD).json()
    assert (where["freezer"], where["rack"], where["box_code"], where["position"]) == (
        "Freezer F-01", "Rack 01", tree.box, "E1")
    grid = run_cli(*base, "storage", "box", tree.box, password=PASSWORD).json()
    assert next(c for c in grid["cells"] if c["position"] == "E1")["sample"] == code
    text = run_cli("--database", db_url, "--user", "tom", "storage", "box", tree.box, password=PASSWORD)
    assert "E" in text.out and code.split("-")[2] in text.out
    out = run_cli(*base, "storage", "check-out", code, "--reason", "aliquoting", password=PASSWORD)
    assert out.code == 0 and out.json()["position"] == "E1"
    back = run_cli(*base, "storage", "check-in", code, password=PASSWORD).json()
    assert back["freeze_thaw_count"] == 1


def test_refusals_say_what_to_do(services: Services, supervisor: Actor, technician: Actor, db_url: str,
                                 run_cli: Cli) -> None:
    tree = build_tree(services, supervisor)
    codes = make_samples(services, technician, 2)
    base = ("--database", db_url, "--user", "tom")
    assert run_cli(*base, "storage", "place", codes[0], tree.box, "B4", password=PASSWORD).code == 0
    taken = run_cli(*base, "storage", "place", codes[1], tree.box, "B4", password=PASSWORD)
    assert taken.code == 1 and f"already taken by {codes[0]} (placed by tom" in taken.err
    again = run_cli(*base, "storage", "place", codes[0], tree.box2, "A1", password=PASSWORD)
    assert again.code == 1 and f"already stored in {tree.box} B4" in again.err and "--move" in again.err
    moved = run_cli(*base, "storage", "place", codes[0], tree.box2, "A1", "--move", password=PASSWORD)
    assert moved.code == 0 and "moved from" in moved.out
    outside = run_cli(*base, "storage", "place", codes[1], tree.box, "K1", password=PASSWORD)
    assert outside.code == 1 and "does not exist in a 9 × 9 box" in outside.err
    unknown = run_cli(*base, "storage", "place", codes[1], "BOX-404404", "A1", password=PASSWORD)
    assert unknown.code == 1 and "No box has the code" in unknown.err
    not_stored = run_cli(*base, "storage", "locate", codes[1], password=PASSWORD)
    assert not_stored.code == 1 and "has no storage position" in not_stored.err


def test_find_space_evacuate_capacity_export(services: Services, supervisor: Actor, technician: Actor,
                                             db_url: str, run_cli: Cli, tmp_path: Path) -> None:
    tree = build_tree(services, supervisor)
    codes = make_samples(services, technician, 2)
    base = ("--database", db_url, "--user", "tom")
    run_cli(*base, "storage", "place", codes[0], tree.box, "A1", password=PASSWORD)
    space = run_cli(*base, "--json", "storage", "find-space", "3", "--study", "COLON", "--type", "SER",
                    password=PASSWORD)
    assert space.code == 0 and space.json()["positions"][0] == {"box": tree.box, "position": "A2"}
    primary = run_cli(*base, "--json", "storage", "find-space", "1", "--tube", "primary_container", password=PASSWORD)
    assert primary.code == 1 and primary.json()["positions"] == []  # the tree has no box for primary tubes
    bad = run_cli(*base, "storage", "find-space", "1", "--tube", "jam jar", password=PASSWORD)
    assert bad.code == 1 and "not a tube kind" in bad.err and "primary_container" in bad.err
    plan = run_cli(*base, "--json", "storage", "evacuate", tree.freezer, "--dry-run", password=PASSWORD)
    assert plan.code == 1 and plan.json()["missing_places"] == 3 and not plan.json()["committed"]
    refused = run_cli(*base, "storage", "evacuate", tree.freezer, "--reason", "alarm", password=PASSWORD)
    assert refused.code == 1 and "do not fit" in refused.err
    pdf = run_cli(*base, "storage", "export-box", tree.box, tree.box2, str(tmp_path / "maps.pdf"), password=PASSWORD)
    assert pdf.code == 0 and (tmp_path / "maps.pdf").read_bytes().startswith(b"%PDF")
    xlsx = run_cli(*base, "storage", "export-box", tree.box, str(tmp_path / "maps.xlsx"), password=PASSWORD)
    assert xlsx.code == 0 and openpyxl.load_workbook(tmp_path / "maps.xlsx").sheetnames == [tree.box]
    cap = run_cli(*base, "--json", "storage", "capacity", password=PASSWORD).json()
    assert any(r["path"] == "Freezer F-01" and r["occupied"] == 1 for r in cap)
    assert run_cli(*base, "storage", "capacity", str(tmp_path / "cap.xlsx"), password=PASSWORD).code == 0
    assert (tmp_path / "cap.xlsx").exists()


def test_import_rackscan_dry_run_then_accept(services: Services, supervisor: Actor, technician: Actor,
                                             db_url: str, run_cli: Cli, tmp_path: Path) -> None:
    tree = build_tree(services, supervisor)
    samples = [services.samples.register(technician, NewSample("COLON", "PL1", participant=f"C-{i}",
                                                               external_barcodes=(f"FX0000000{i}",))).value
               for i in range(2)]
    services.storage.place(technician, samples[0], tree.sbs, "A1")
    scan = tmp_path / "scan.txt"
    scan.write_text("A01, FX00000000\nB01, FX00000001\nC01, NO READ\nD01, No Tube\n", encoding="utf-8")
    base = ("--database", db_url, "--user", "tom", "--json")
    dry = run_cli(*base, "storage", "import-rackscan", str(scan), "--box", tree.sbs, "--dry-run", password=PASSWORD)
    assert dry.code == 0, dry.err
    outcomes = {p["position"]: (p["outcome"], p["tube_code"]) for p in dry.json()["positions"]}
    assert outcomes == {"A1": ("confirmed", "FX00000000"), "B1": ("moved", "FX00000001"),
                        "C1": ("unreadable", None), "D1": ("empty", None)}
    blocked = run_cli(*base, "storage", "import-rackscan", str(scan), "--box", tree.sbs, password=PASSWORD)
    assert blocked.code == 1 and "could not be read: C1" in blocked.err
    accepted = run_cli(*base, "storage", "import-rackscan", str(scan), "--box", tree.sbs, "--resolve", "C1=",
                       password=PASSWORD)
    assert accepted.code == 0 and accepted.json()["accepted"]
    assert services.storage.locate(samples[1]).position == "B1"  # type: ignore[union-attr]
    unknown = run_cli(*base, "storage", "import-rackscan", str(tmp_path / "nope.csv"), password=PASSWORD)
    assert unknown.code == 1 and "Cannot read" in unknown.err


def test_restrict_a_box_then_a_tube_of_another_study_is_refused(services: Services, supervisor: Actor,
                                                                  technician: Actor, db_url: str, run_cli: Cli) -> None:
    tree = build_tree(services, supervisor)
    [code] = make_samples(services, technician, 1)  # a COLON serum tube
    by_tech = run_cli("--database", db_url, "--user", "tom", "storage", "restrict", tree.box, "--study", "LUNG",
                      password=PASSWORD)
    assert by_tech.code == 1 and "may not" in by_tech.err  # the layout is a supervisor's
    base = ("--database", db_url, "--user", supervisor.username)
    done = run_cli(*base, "--json", "storage", "restrict", tree.box, "--study", "LUNG", password=PASSWORD)
    assert done.code == 0, done.err
    assert done.json()["studies"] == ["LUNG"]
    refused = run_cli(*base, "storage", "place", code, tree.box, "A1", password=PASSWORD)
    assert refused.code == 1 and "LUNG" in refused.err
    cleared = run_cli(*base, "storage", "restrict", tree.box, password=PASSWORD)
    assert cleared.code == 0 and "anything" in cleared.out
    assert run_cli(*base, "storage", "place", code, tree.box, "A1", password=PASSWORD).code == 0
