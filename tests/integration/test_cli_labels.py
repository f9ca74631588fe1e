"""``biobank-desktop labels ...`` and ``printer ...``: render and decode, print to a fake Zebra, retries, reprints,
this workstation's printers. In-process (``run(argv)``) and as a real process, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from biobank_desktop import cli
from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.labels.printers import MAX_PRINTER_NAME, PrinterConfig, checked_printer
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.audit import AuditFilter
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import PASSWORD
from tests.support.cli import REPO, Cli, Result, cli_runner
from tests.support.fake_zebra import FakeZebraPrinter, closed_port
from tests.support.labels_testkit import decode, ink_box, rasterize_pdf, zplkit_images

WORKSTATION = "CLI-BENCH-7"


@pytest.fixture(autouse=True)
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own settings folder (its printers, its workstation name) and data folder."""
    config = tmp_path / "config"
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(config))
    monkeypatch.setenv("BIOBANK_DATA_DIR", str(tmp_path / "data"))
    Settings(workstation_name=WORKSTATION).save()
    return config


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``run_cli(*argv, password=...)`` in this process; the acting user's password via the environment."""
    return cli_runner(capsys, monkeypatch)


@pytest.fixture
def as_tom(run_cli: Cli, db_url: str, technician: Actor) -> Cli:
    """Commands on the test database as the technician tom."""

    def run(*argv: str) -> Result:
        return run_cli("--database", db_url, "--user", "tom", *argv, password=PASSWORD)

    return run


def _samples(services: Services, actor: Actor, n: int) -> list[str]:
    return [services.samples.register(actor, NewSample("COLON", "SER", participant=f"P-CLI-{i}",
                                                       volume_ul=Decimal(500))).value for i in range(n)]


def _label_events(services: Services, actor: Actor, prefix: str = "labels.") -> list[str]:
    return [e.action for e in services.audit.browse(actor, AuditFilter(action_prefix=prefix))]


# -- templates and rendering ------------------------------------------------------------------------------


def test_templates_lists_shipped_ones_and_the_biobank_copies(run_cli: Cli, db_url: str, services: Services,
                                                            technician: Actor) -> None:
    base = services.labelling.template("cryovial-25x13")
    services.labelling.save_template(technician, replace(base, name="colon-vial", description="Colon study vial"))
    table = run_cli("--database", db_url, "labels", "templates")  # no user needed: templates are no sample data
    assert table.code == 0, table.err
    rows = {line.split()[0]: line for line in table.out.splitlines()[1:]}
    assert "colon-vial" in rows and "biobank copy" in rows["colon-vial"]
    assert "shipped" in rows["cryovial-25x13"] and "25.4 x 12.7" in rows["cryovial-25x13"]
    assert "sheet of 65" in rows["a4-sheet-38x21"]
    listed = run_cli("--database", db_url, "labels", "templates", "--json").json()
    assert isinstance(listed, list)
    by_name = {t["name"]: t for t in listed}
    assert by_name["colon-vial"]["shipped"] is False and by_name["cryovial-25x13"]["shipped"] is True
    assert (by_name["cap-9.5-round"]["dpi"], by_name["cap-9.5-round"]["shape"]) == (300, "round")
    assert by_name["a4-sheet-38x21"]["kind"] == "sheet" and by_name["a4-sheet-38x21"]["labels_per_sheet"] == 65


def test_render_pdf_gives_back_the_sample_ids_and_queues_nothing(as_tom: Cli, services: Services,
                                                                 technician: Actor, tmp_path: Path) -> None:
    codes = _samples(services, technician, 3)
    out = tmp_path / "labels.pdf"
    result = as_tom("labels", "render", "--template", "cryovial-25x13", "--format", "pdf",
                    "--sample", codes[0], codes[1], "--sample", codes[2].lower(), "-o", str(out))
    assert result.code == 0, result.err
    assert "3 label(s)" in result.out and str(out) in result.out
    pages = rasterize_pdf(out.read_bytes(), 300)
    assert [decode(page) for page in pages] == [[code] for code in codes], "one label per page, in order"
    assert services.labelling.jobs() == []
    assert _label_events(services, technician) == []


def test_render_a_sheet_from_a_start_position(as_tom: Cli, services: Services, technician: Actor,
                                              tmp_path: Path) -> None:
    [code] = _samples(services, technician, 1)
    boxes = []
    for start in ("1", "3"):
        out = tmp_path / f"sheet-{start}.pdf"
        result = as_tom("labels", "render", "--template", "a4-sheet-38x21", "--format", "pdf", "--sample", code,
                        "--start-position", start, "-o", str(out))
        assert result.code == 0, result.err
        [page] = rasterize_pdf(out.read_bytes(), 300)
        assert decode(page) == [code]
        boxes.append(ink_box(page))
    assert boxes[0] is not None and boxes[1] is not None
    assert boxes[1][0] > boxes[0][0] + 500, "position 3 is two columns (2 x 38 mm) to the right of position 1"
    assert abs(boxes[1][1] - boxes[0][1]) < 5, "on the same row"
    roll = as_tom("labels", "render", "--template", "cryovial-25x13", "--format", "pdf", "--sample", code,
                  "--start-position", "2", "-o", str(tmp_path / "roll.pdf"))
    assert roll.code == 1 and "roll template" in roll.err
    assert not (tmp_path / "roll.pdf").exists()


@pytest.mark.parametrize("dpi", [203, 300])
def test_render_zpl_gives_back_the_sample_ids(as_tom: Cli, services: Services, technician: Actor, tmp_path: Path,
                                              dpi: int) -> None:
    codes = _samples(services, technician, 2)
    out = tmp_path / "labels.zpl"
    result = as_tom("--json", "labels", "render", "--template", "cryovial-33x13", "--format", "zpl",
                    "--dpi", str(dpi), "--sample", *codes, "-o", str(out))
    assert result.code == 0, result.err
    report = result.json()
    assert isinstance(report, dict)
    assert (report["labels"], report["dpi"], report["format"]) == (2, dpi, "zpl")
    zpl = out.read_text(encoding="utf-8")
    assert zpl.count("^XA") == 2
    assert [decode(image) for image in zplkit_images(zpl, dpi)] == [[code] for code in codes]
    assert services.labelling.jobs() == []


def test_render_needs_a_user_once_accounts_exist(run_cli: Cli, db_url: str, services: Services,
                                                 technician: Actor, tmp_path: Path) -> None:
    [code] = _samples(services, technician, 1)
    result = run_cli("--database", db_url, "labels", "render", "--template", "cryovial-25x13", "--format", "zpl",
                     "--sample", code, "-o", str(tmp_path / "x.zpl"))
    assert result.code == 1 and "--user" in result.err
    assert not (tmp_path / "x.zpl").exists()


# -- printing ---------------------------------------------------------------------------------------------


def test_print_to_a_zebra_sends_the_labels_in_order_and_audits_it(as_tom: Cli, services: Services,
                                                                  technician: Actor) -> None:
    codes = _samples(services, technician, 3)
    with FakeZebraPrinter() as zebra:
        spec = f"zpl://127.0.0.1:{zebra.port}"
        result = as_tom("labels", "print", "--printer", spec, "--template", "cryovial-25x13", "--sample", *codes)
        received = list(zebra.labels)
    assert result.code == 0, result.err
    assert [decode(image) for image in zplkit_images("".join(received), 203)] == [[code] for code in codes]
    for code in codes:
        assert any(code in line and line.endswith("printed") for line in result.out.splitlines())
    assert "3 label(s) printed." in result.out
    [job] = services.labelling.jobs()
    assert (job.source, job.workstation, job.created_by, job.status) == ("cli", WORKSTATION, "tom", "printed")
    assert job.printer_name == spec
    [printed] = services.audit.browse(technician, AuditFilter(action_prefix="labels.printed"))
    assert printed.after is not None and printed.after["samples"] == codes and printed.after["printer"] == spec
    assert printed.username == "tom" and printed.workstation == WORKSTATION


def test_printer_off_keeps_the_job_and_print_job_prints_it_later(as_tom: Cli, services: Services,
                                                                 technician: Actor) -> None:
    codes = _samples(services, technician, 2)
    added = as_tom("printer", "add", "Bench-Zebra", "--kind", "zpl-tcp", "--address", f"127.0.0.1:{closed_port()}")
    assert added.code == 0, added.err
    failed = as_tom("labels", "print", "--printer", "Bench-Zebra", "--sample", *codes)
    assert failed.code == 1
    [job] = services.labelling.jobs()
    assert "Bench-Zebra" in failed.err and "refused the connection" in failed.err
    assert f"labels print-job {job.id}" in failed.err
    assert [line.split()[-2:] for line in failed.out.splitlines()[1:]] == [["not", "printed"]] * 2

    queue = as_tom("labels", "queue")
    assert queue.code == 0, queue.err
    [row] = [line for line in queue.out.splitlines() if line.startswith(str(job.id))]
    assert "failed" in row and "0 of 2" in row and "Bench-Zebra" in row
    assert f"Job {job.id}: Bench-Zebra: " in queue.out, "the printer's message is shown with the job"
    queued = as_tom("labels", "queue", "--json").json()
    assert isinstance(queued, list)
    assert [(j["id"], j["status"], j["printed"], j["labels"]) for j in queued] == [(job.id, "failed", 0, 2)]

    with FakeZebraPrinter() as zebra:
        retry = as_tom("labels", "print-job", str(job.id), "--printer", f"zpl://127.0.0.1:{zebra.port}")
        received = list(zebra.labels)
    assert retry.code == 0, retry.err
    assert [decode(image) for image in zplkit_images("".join(received), 203)] == [[code] for code in codes]
    assert services.labelling.job(job.id).status == "printed"
    assert "No print jobs waiting" in as_tom("labels", "queue").out
    again = as_tom("labels", "print-job", str(job.id))
    assert again.code == 1 and "nothing left to print" in again.err and "reprint" in again.err


def test_a_dropped_connection_is_resumed_with_only_the_missing_labels(as_tom: Cli, services: Services,
                                                                      technician: Actor) -> None:
    codes = _samples(services, technician, 4)
    with FakeZebraPrinter(drop_after_labels=3) as zebra:
        first = as_tom("labels", "print", "--printer", f"zpl://127.0.0.1:{zebra.port}", "--sample", *codes)
    assert first.code == 1
    outcome = {line.split()[1]: line for line in first.out.splitlines()[1:]}
    assert outcome[codes[0]].endswith("printed") and outcome[codes[1]].endswith("printed")
    assert "look at the printer" in outcome[codes[2]]
    assert outcome[codes[3]].endswith("not printed")
    [job] = services.labelling.jobs()
    assert "may or may not have printed" in first.err and f"labels print-job {job.id}" in first.err
    assert f"job {job.id} (partial, 2 of 4 label(s) not printed)" in first.err

    with FakeZebraPrinter() as zebra:  # the job remembers its (ad-hoc) printer; the new fake has a new port
        retry = as_tom("labels", "print-job", str(job.id), "--printer", f"zpl://127.0.0.1:{zebra.port}")
        received = list(zebra.labels)
        assert retry.code == 0, retry.err
        assert [decode(image) for image in zplkit_images("".join(received), 203)] == [[codes[3]]], \
            "the label that may have printed is not resent without a look at the printer"
        stuck = as_tom("labels", "print-job", str(job.id), "--printer", f"zpl://127.0.0.1:{zebra.port}")
        assert stuck.code == 1 and f"labels resolve {job.id} --printed 3" in stuck.err
        resolved = as_tom("labels", "resolve", str(job.id), "--not-printed", "3")
        assert resolved.code == 0 and "1 label(s) waiting" in resolved.out
        last = as_tom("labels", "print-job", str(job.id), "--printer", f"zpl://127.0.0.1:{zebra.port}")
        assert last.code == 0, last.err
        assert [decode(image)[0] for image in zplkit_images("".join(zebra.labels[1:]), 203)] == [codes[2]]
    assert services.labelling.job(job.id).status == "printed"


def test_print_rules_split_the_labels_into_jobs_printed_in_order(as_tom: Cli, services: Services,
                                                                 technician: Actor, supervisor: Actor) -> None:
    colon = _samples(services, technician, 2)
    lung = services.samples.register(technician, NewSample("LUNG", "PL1", participant="P-LUNG-1")).value
    services.labelling.add_rule(supervisor, template_name="cryovial-33x13", study_code="LUNG")
    codes = [colon[0], lung, colon[1]]
    off = as_tom("labels", "print", "--printer", f"zpl://127.0.0.1:{closed_port()}", "--sample", *codes)
    assert off.code == 1
    jobs = sorted(services.labelling.jobs(), key=lambda j: j.id)
    assert [(j.template_name, j.total, j.status) for j in jobs] == [
        ("cryovial-25x13", 1, "failed"), ("cryovial-33x13", 1, "queued"), ("cryovial-25x13", 1, "queued")]
    assert all(f"labels print-job {j.id}" in off.err for j in jobs), "every job left in the queue is named"
    assert "Job " + str(jobs[1].id) not in off.out, "after a failure the next jobs are not tried (order)"

    with FakeZebraPrinter() as zebra:
        spec = f"zpl://127.0.0.1:{zebra.port}"
        for job in jobs:
            assert as_tom("labels", "print-job", str(job.id), "--printer", spec).code == 0
        again = as_tom("labels", "print", "--printer", spec, "--sample", lung)
        assert again.code == 1 and "already printed" in again.err and "Reprint" in again.err
        lung2 = services.samples.register(technician, NewSample("LUNG", "PL1", participant="P-LUNG-2")).value
        more = [*_samples(services, technician, 1), lung2]
        both = as_tom("labels", "print", "--printer", spec, "--sample", *more)
        received = list(zebra.labels)
    assert both.code == 0, both.err
    assert "2 label(s) printed." in both.out
    sizes = [image.size for image in zplkit_images("".join(received), 203)]
    assert [decode(image) for image in zplkit_images("".join(received), 203)] == [[c] for c in codes + more]
    assert sizes[0] != sizes[1] and sizes[0] == sizes[2] == sizes[3] and sizes[1] == sizes[4]


def test_jobs_of_different_templates_are_not_printed_over_each_other_into_one_pdf(
        as_tom: Cli, services: Services, technician: Actor, supervisor: Actor, tmp_path: Path) -> None:
    [colon] = _samples(services, technician, 1)
    lung = services.samples.register(technician, NewSample("LUNG", "PL1", participant="P-LUNG-1")).value
    services.labelling.add_rule(supervisor, template_name="cryovial-33x13", study_code="LUNG")
    pdf = tmp_path / "labels.pdf"
    refused = as_tom("labels", "print", "--printer", f"pdf://{pdf}", "--sample", colon, lung)
    assert refused.code == 1 and "each job replaces" in refused.err
    assert not pdf.exists()
    jobs = services.labelling.jobs()
    assert [j.status for j in jobs] == ["queued", "queued"], "queued, to print one by one"
    again = as_tom("labels", "print", "--printer", f"pdf://{pdf}", "--template", "cryovial-33x13",
                   "--sample", colon, lung)
    assert again.code == 1 and "already waiting to print" in again.err, "a second label is never queued silently"
    for job in jobs:
        services.labelling.cancel_job(technician, job.id, "print both on one template instead")
    one = as_tom("labels", "print", "--printer", f"pdf://{pdf}", "--template", "cryovial-33x13",
                 "--sample", colon, lung)
    assert one.code == 0, one.err
    assert [decode(page) for page in rasterize_pdf(pdf.read_bytes(), 203)] == [[colon], [lung]]


def test_print_as_json_and_a_printer_that_is_out_of_labels(as_tom: Cli, services: Services,
                                                           technician: Actor) -> None:
    codes = _samples(services, technician, 2)
    with FakeZebraPrinter(flags={"paper_out": True}) as zebra:
        result = as_tom("--json", "labels", "print", "--printer", f"zpl://127.0.0.1:{zebra.port}", "--sample", *codes)
        assert zebra.labels == []
    assert result.code == 1
    report = result.json()
    assert isinstance(report, dict)
    assert report["complete"] is False and report["printed"] == 0 and "out of labels" in report["error"]
    [job] = report["jobs"]
    assert job["status"] == "failed" and [i["status"] for i in job["items"]] == ["queued", "queued"]
    assert "out of labels" in result.err


def test_unknown_template_sample_or_printer_queues_nothing(as_tom: Cli, services: Services,
                                                            technician: Actor) -> None:
    [code] = _samples(services, technician, 1)
    with FakeZebraPrinter() as zebra:
        spec = f"zpl://127.0.0.1:{zebra.port}"
        template = as_tom("labels", "print", "--printer", spec, "--template", "nope", "--sample", code)
        sample = as_tom("labels", "print", "--printer", spec, "--sample", code, "BB-2026-999999W")
        printer = as_tom("labels", "print", "--printer", "Bench-Nowhere", "--sample", code)
        render = as_tom("labels", "render", "--template", "cryovial-25x13", "--format", "pdf", "--sample",
                        "BB-2026-999999W", "-o", "-")
        assert zebra.labels == [] and zebra.connections == 0
    assert template.code == 1 and "no label template called 'nope'" in template.err
    assert sample.code == 1 and "no sample BB-2026-999999" in sample.err and "nothing was queued" in sample.err
    assert printer.code == 1 and "no printer 'Bench-Nowhere'" in printer.err
    assert render.code == 1 and "no sample" in render.err and render.out == ""
    assert services.labelling.jobs() == []
    assert _label_events(services, technician) == []


def test_printing_needs_a_user_with_the_right(run_cli: Cli, db_url: str, services: Services,
                                              technician: Actor) -> None:
    [code] = _samples(services, technician, 1)
    anonymous = run_cli("--database", db_url, "labels", "print", "--printer", "zpl://127.0.0.1:9", "--sample", code)
    assert anonymous.code == 1 and "--user" in anonymous.err
    wrong = run_cli("--database", db_url, "--user", "tom", "labels", "print", "--printer", "zpl://127.0.0.1:9",
                    "--sample", code, password="not-it")
    assert wrong.code == 1 and "Wrong user name or password" in wrong.err
    assert services.labelling.jobs() == []


def test_reprint_needs_a_reason_and_uses_this_workstations_printer(as_tom: Cli, services: Services,
                                                                   technician: Actor, tmp_path: Path) -> None:
    codes = _samples(services, technician, 2)
    no_reason = as_tom("labels", "reprint", "--sample", codes[0])
    assert no_reason.code == 2 and "--reason" in no_reason.err
    blank = as_tom("labels", "reprint", "--reason", "  ", "--sample", codes[0])
    assert blank.code == 1 and "needs a reason" in blank.err
    assert services.labelling.jobs() == []

    # No printer given: the print rules choose, and without rules that is this workstation's first printer.
    pdf = tmp_path / "reprints" / "bench.pdf"
    assert as_tom("printer", "add", "Bench-PDF", "--kind", "pdf-file", "--address", str(pdf), "--dpi", "300").code == 0
    result = as_tom("labels", "reprint", "--reason", "label frosted off", "--sample", codes[1])
    assert result.code == 0, result.err
    assert [decode(page) for page in rasterize_pdf(pdf.read_bytes(), 300)] == [[codes[1]]]
    [job] = services.labelling.jobs()
    assert job.is_reprint and job.reason == "label frosted off" and job.printer_name == "Bench-PDF"
    events = services.audit.browse(technician, AuditFilter(action_prefix="labels.reprint"))
    assert {e.action for e in events} == {"labels.reprint_queued", "labels.reprinted"}
    assert all(e.reason == "label frosted off" for e in events)


def test_reprint_without_any_printer_is_queued_for_later(as_tom: Cli, services: Services,
                                                         technician: Actor) -> None:
    [code] = _samples(services, technician, 1)
    queued = as_tom("labels", "reprint", "--reason", "smudged", "--sample", code)
    assert queued.code == 0, queued.err
    [job] = services.labelling.jobs()
    assert job.status == "queued" and job.printer_name is None
    assert f"job(s) {job.id}" in queued.out
    no_printer = as_tom("labels", "print-job", str(job.id))
    assert no_printer.code == 1 and "--printer" in no_printer.err
    with FakeZebraPrinter() as zebra:
        printed = as_tom("labels", "print-job", str(job.id), "--printer", f"zpl://127.0.0.1:{zebra.port}")
        assert len(zebra.labels) == 1
    assert printed.code == 0, printed.err
    assert services.labelling.job(job.id).status == "printed"


# -- this workstation's printers --------------------------------------------------------------------------


def test_printer_add_list_remove_round_trip(run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    added = run_cli("printer", "add", "Bench-3", "--kind", "zpl-tcp", "--address", "10.0.0.7:9100", "--dpi", "300",
                    "--offset-x", "0.5", "--offset-y", "-1", "--darkness", "20")
    assert added.code == 0, added.err
    assert run_cli("printer", "add", "Files", "--kind", "zpl-file", "--address", "out/labels.zpl").code == 0
    listed = run_cli("printer", "list", "--json").json()
    assert listed == [
        {"name": "Bench-3", "kind": "zpl-tcp", "address": "10.0.0.7:9100", "dpi": 300, "offset_x_mm": 0.5,
         "offset_y_mm": -1.0, "darkness": 20, "timeout_s": 5.0},
        {"name": "Files", "kind": "zpl-file", "address": str(tmp_path / "out" / "labels.zpl"), "dpi": 203,
         "offset_x_mm": 0.0, "offset_y_mm": 0.0, "darkness": None, "timeout_s": 5.0},
    ], "a relative file path is kept absolute: the next command may run elsewhere"
    table = run_cli("printer", "list").out.splitlines()
    assert table[0].split()[:3] == ["NAME", "KIND", "ADDRESS"] and table[1].split()[:4] == [
        "Bench-3", "zpl-tcp", "10.0.0.7:9100", "300"]

    duplicate = run_cli("printer", "add", "Bench-3", "--kind", "cups-raw", "--address", "zebra")
    assert duplicate.code == 1 and "already" in duplicate.err
    assert run_cli("printer", "add", "X", "--kind", "system", "--address", "Office").code == 2
    assert run_cli("printer", "add", "X", "--kind", "zpl-tcp", "--address", "h:1", "--dpi", "250").code == 2
    bad_port = run_cli("printer", "add", "X", "--kind", "zpl-tcp", "--address", "10.0.0.7:ninety")
    assert bad_port.code == 1 and "HOST:PORT" in bad_port.err
    bad_queue = run_cli("printer", "add", "X", "--kind", "cups-raw", "--address", "no spaces please")
    assert bad_queue.code == 1 and "queue name" in bad_queue.err
    url_name = run_cli("printer", "add", "zpl://x", "--kind", "zpl-tcp", "--address", "10.0.0.7")
    assert url_name.code == 1 and "printer name" in url_name.err

    removed = run_cli("printer", "remove", "Bench-3")
    assert removed.code == 0, removed.err
    listed_after = run_cli("printer", "list", "--json").json()
    assert isinstance(listed_after, list) and [p["name"] for p in listed_after] == ["Files"]
    missing = run_cli("printer", "remove", "Bench-3")
    assert missing.code == 1 and "no printer called Bench-3" in missing.err and "Files" in missing.err
    assert Settings.load().workstation_name == WORKSTATION, "the other settings are kept"
    assert not (tmp_path / "data").exists(), "printer commands never open (or create) a database"


def test_printer_add_refuses_in_the_words_of_settings_printers(run_cli: Cli) -> None:
    """One set of rules and messages: ``printer add`` says exactly what Settings → Printers says."""
    assert run_cli("printer", "add", "Bench-3", "--kind", "zpl-tcp", "--address", "10.0.0.7").code == 0
    existing = [PrinterConfig.from_dict(p) for p in Settings.load().printers]
    refused = [
        ("Bench-3", "cups-raw", "zebra"),  # the name is taken
        (" Bench-3 ", "zpl-tcp", "10.0.0.8"),  # taken too, once trimmed
        ("zpl://x", "zpl-tcp", "10.0.0.7"),  # reads as an ad-hoc printer
        ("Bench  " + "x" * MAX_PRINTER_NAME, "zpl-tcp", "10.0.0.7"),  # too long to keep with a job
        ("X", "zpl-tcp", "10.0.0.7:ninety"),
        ("X", "cups-raw", "no spaces please"),
        ("X", "zpl-tcp", "  "),
    ]
    for name, kind, address in refused:
        with pytest.raises(BiobankError) as shared:
            checked_printer(name, kind, address, existing=existing)
        result = run_cli("printer", "add", name, "--kind", kind, "--address", address)
        expected = f"Error: {shared.value.message}\n" + (f"{shared.value.hint}\n" if shared.value.hint else "")
        assert (result.code, result.err) == (1, expected), name
    assert [p["name"] for p in Settings.load().printers] == ["Bench-3"]


def test_printer_status_says_ready_or_why_not(run_cli: Cli, tmp_path: Path) -> None:
    with FakeZebraPrinter() as ready, FakeZebraPrinter(flags={"paper_out": True, "head_open": True}) as empty:
        for name, port in (("Ready", ready.port), ("Empty", empty.port), ("Off", closed_port())):
            assert run_cli("printer", "add", name, "--kind", "zpl-tcp", "--address", f"127.0.0.1:{port}").code == 0
        ok = run_cli("printer", "status", "Ready")
        not_ready = run_cli("printer", "status", "Empty")
        not_ready_json = run_cli("printer", "status", "Empty", "--json")
        off = run_cli("printer", "status", "Off")
        assert ready.status_queries == 1 and ready.labels == []
    assert ok.code == 0 and "Ready" in ok.out and "is ready" in ok.out
    assert not_ready.code == 1 and "not ready" in not_ready.out
    assert "out of labels" in not_ready.out and "print head is open" in not_ready.out
    report = not_ready_json.json()
    assert isinstance(report, dict)
    assert report["ready"] is False and report["paper_out"] is True and report["head_open"] is True
    assert off.code == 1 and "Off" in off.err and "refused the connection" in off.err
    assert run_cli("printer", "add", "PDF", "--kind", "pdf-file", "--address", str(tmp_path / "l.pdf")).code == 0
    pdf = run_cli("printer", "status", "PDF")
    assert pdf.code == 0 and "no status to ask" in pdf.out
    unknown = run_cli("printer", "status", "Nope")
    assert unknown.code == 1 and "no printer 'Nope'" in unknown.err


# -- as a real process ------------------------------------------------------------------------------------


def _process(*argv: str, password: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    if password is not None:
        env[cli.ENV_PASSWORD] = password
    return subprocess.run([sys.executable, "-m", "biobank_desktop", *argv], capture_output=True, cwd=REPO, env=env,
                          timeout=120, check=False)


def test_as_a_process_render_to_stdout_and_print_to_a_configured_printer(db_url: str, services: Services,
                                                                         technician: Actor) -> None:
    codes = _samples(services, technician, 2)
    rendered = _process("--database", db_url, "--user", "tom", "labels", "render", "--template", "cryovial-25x13",
                        "--format", "zpl", "--sample", *codes, "-o", "-", password=PASSWORD)
    assert rendered.returncode == 0, rendered.stderr.decode()
    zpl = rendered.stdout.decode("utf-8")
    assert [decode(image) for image in zplkit_images(zpl, 203)] == [[code] for code in codes]

    with FakeZebraPrinter() as zebra:
        added = _process("printer", "add", "Bench-Zebra", "--kind", "zpl-tcp", "--address", f"127.0.0.1:{zebra.port}")
        assert added.returncode == 0, added.stderr.decode()
        printed = _process("--database", db_url, "labels", "print", "--printer", "Bench-Zebra", "--sample",
                           *reversed(codes), "--user", "tom", password=PASSWORD)
        received = list(zebra.labels)
    assert printed.returncode == 0, printed.stderr.decode()
    assert [decode(image) for image in zplkit_images("".join(received), 203)] == [[c] for c in reversed(codes)]
    [job] = services.labelling.jobs()
    assert (job.printer_name, job.workstation, job.status) == ("Bench-Zebra", WORKSTATION, "printed")

    usage = _process("--database", db_url, "labels", "reprint", "--sample", codes[0], "--user", "tom")
    assert usage.returncode == 2 and b"--reason" in usage.stderr and b"Traceback" not in usage.stderr
