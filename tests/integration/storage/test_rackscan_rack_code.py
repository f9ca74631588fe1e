"""A rack-scan file of a rack the database does not know: read as the box the technician names; the service's
hints name no command-line flag (the CLI adds its own). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.services import Services
from tests.conftest import PASSWORD
from tests.support.cli import cli_runner
from tests.support.storage_kit import build_tree, make_samples


def test_an_unknown_rack_is_read_as_the_box_named_and_a_known_other_rack_is_refused(
        services: Services, supervisor: Actor, technician: Actor, db_url: str, tmp_path, capsys, monkeypatch) -> None:
    tree = build_tree(services, supervisor)
    [code] = make_samples(services, technician, 1)
    services.storage.place(technician, code, tree.sbs, "A1")
    text = f"RK-404,A1,{code}\n"
    with pytest.raises(NotFoundError, match="does not know") as unknown:
        services.storage.review_rackscan(text, "scan.csv")
    assert unknown.value.reason == "rack_unknown" and "--" not in (unknown.value.hint or "")
    with pytest.raises(ValidationError, match="Which rack") as unnamed:
        services.storage.review_rackscan(f"A01, {code}\n", "fluidx.txt")
    assert unnamed.value.reason == "rack_not_named" and "--" not in (unnamed.value.hint or "")
    review = services.storage.review_rackscan(text, "scan.csv", box=tree.sbs)  # the technician names the box
    assert (review.box_code, review.rack_code_in_file) == (tree.sbs, "RK-404")
    assert review.counts["confirmed"] == 1
    with pytest.raises(ValidationError, match=f"scan of rack {tree.box}, not of {tree.sbs}") as other:
        services.storage.review_rackscan(f"{tree.box},A1,{code}\n", "scan.csv", box=tree.sbs)
    assert other.value.reason == "other_rack"
    path = tmp_path / "scan.csv"
    path.write_text(text)
    run_cli = cli_runner(capsys, monkeypatch)
    refused = run_cli("--database", db_url, "--user", "tom", "storage", "import-rackscan", str(path), "--dry-run",
                      password=PASSWORD)
    assert refused.code == 1 and "--box BOX" in refused.err  # the command line names its own flag
