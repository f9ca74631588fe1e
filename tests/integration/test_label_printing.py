"""The one printing loop shared by the window and the command line (core.services.label_printing), on both
backends: jobs in order, the stop at the first job that does not complete, Cancel between jobs, system
printers handed to the caller; the printer check; the reprint reason; what the services report as changed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, PrinterError, ValidationError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.changes import PRINT_JOB, PRINT_RULE
from biobank_desktop.core.services.label_printing import (
    UNFINISHED_JOB_STATUSES,
    PrinterCheck,
    check_printer,
    checked_reprint_reason,
    print_jobs,
)
from biobank_desktop.core.services.labelling import JobInfo, PrintResult
from biobank_desktop.core.services.samples import NewSample
from tests.support.fake_zebra import FakeZebraPrinter, closed_port
from tests.support.labels_testkit import decode, zplkit_images


def _samples(services: Services, actor: Actor, n: int) -> list[str]:
    return [services.samples.register(actor, NewSample("COLON", "SER", participant=f"P-{i}",
                                                       volume_ul=Decimal(500))) for i in range(n)]


def _zebra(port: int, name: str = "Zebra-1") -> PrinterConfig:
    return PrinterConfig(name, "zpl-tcp", f"127.0.0.1:{port}", dpi=203, timeout_s=2.0)


def _jobs(services: Services, actor: Actor, codes: list[str], per_job: int) -> list[JobInfo]:
    """One job per ``per_job`` samples, queued in order (each enqueue is one job)."""
    jobs: list[JobInfo] = []
    for start in range(0, len(codes), per_job):
        jobs += services.labelling.enqueue(actor, codes[start:start + per_job], printer_name="Zebra-1").value
    return jobs


def _decoded(zebra: FakeZebraPrinter) -> list[str]:
    return [decode(img)[0] for img in zplkit_images("".join(zebra.labels), 203)]


def test_jobs_print_in_order_each_label_once(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 5)
    jobs = _jobs(services, technician, codes, per_job=2)
    assert len(jobs) == 3
    started: list[int] = []
    with FakeZebraPrinter() as zebra:
        printer = _zebra(zebra.port)
        run = print_jobs(services.labelling, technician, jobs, printer_for=lambda _job: printer,
                         job_started=lambda job: started.append(job.id))
        received = _decoded(zebra)
    assert received == codes, "the labels come out in the order the jobs were given"
    assert run.complete and run.error is None and run.failed_at is None and not run.stopped
    assert run.printed == 5 and run.printer == "Zebra-1"
    assert started == [j.id for j in jobs]
    assert [a.result.job.id for a in run.attempts] == [j.id for j in jobs]
    assert [a.pending for a in run.attempts] == [(1, 2), (1, 2), (1,)]
    assert [j.status for j in run.jobs] == ["printed"] * 3
    assert run.changes.touches(PRINT_JOB)
    assert run.changes.ids_of(PRINT_JOB) == {str(j.id) for j in jobs}
    assert run.waiting() == []


def test_the_run_stops_at_the_first_job_the_printer_does_not_complete(services: Services,
                                                                       technician: Actor) -> None:
    codes = _samples(services, technician, 6)
    first, second, third = _jobs(services, technician, codes, per_job=2)
    with FakeZebraPrinter() as zebra:
        good, off = _zebra(zebra.port), _zebra(closed_port(), name="Zebra-off")
        chosen = {first.id: good, second.id: off, third.id: good}
        run = print_jobs(services.labelling, technician, [first, second, third],
                         printer_for=lambda job: chosen[job.id])
        received = _decoded(zebra)
    assert received == codes[:2], "the third job is not printed after the second failed (placement order)"
    assert isinstance(run.error, PrinterError) and run.printer_failed
    assert run.failed_at == 1 and run.printed == 2 and not run.complete
    assert [j.status for j in run.jobs] == ["printed", "failed", "queued"]
    assert [j.id for j in run.waiting()] == [second.id, third.id]
    assert [a.printer.name for a in run.attempts] == ["Zebra-1", "Zebra-off"]
    assert services.labelling.job(third.id).sent == 0
    assert set(UNFINISHED_JOB_STATUSES) >= {j.status for j in run.waiting()}


def test_a_job_that_cannot_start_stops_the_run_before_anything_prints(services: Services,
                                                                      technician: Actor) -> None:
    codes = _samples(services, technician, 4)
    jobs = _jobs(services, technician, codes, per_job=2)

    def no_printer(job: JobInfo) -> PrinterConfig:
        raise NotFoundError(f"Print job {job.id} has no printer.")

    run = print_jobs(services.labelling, technician, jobs, printer_for=no_printer)
    assert isinstance(run.error, NotFoundError) and not run.printer_failed
    assert run.failed_at == 0 and run.attempts == () and run.printed == 0 and run.printer is None
    assert [j.status for j in run.jobs] == ["queued", "queued"]
    assert [j.id for j in run.waiting()] == [j.id for j in jobs]


def test_cancel_between_jobs_keeps_what_printed_and_leaves_the_rest_queued(services: Services,
                                                                           technician: Actor) -> None:
    codes = _samples(services, technician, 4)
    first, second = _jobs(services, technician, codes, per_job=2)
    labelling = services.labelling

    def cancelled() -> bool:  # Cancel pressed once the first job is done
        return labelling.job(first.id).status == "printed"

    with FakeZebraPrinter() as zebra:
        printer = _zebra(zebra.port)
        run = print_jobs(labelling, technician, [first, second], printer_for=lambda _job: printer,
                         cancelled=cancelled)
        received = _decoded(zebra)
    assert received == codes[:2]
    assert run.stopped and run.error is None and not run.complete and run.printed == 2
    assert [j.status for j in run.jobs] == ["printed", "queued"]


def test_system_printers_go_through_the_callable_the_window_passes(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 2)
    office = PrinterConfig("Office", "system", "Office-Brady")
    svc = build_services(services.db, services.workstation, printers=lambda: [office])
    [job] = svc.labelling.enqueue(technician, codes, printer_name="Office").value
    # Without a way to print on a system printer (the command line), the job is refused and stays queued.
    refused = print_jobs(svc.labelling, technician, [job], printer_for=lambda _job: office)
    assert isinstance(refused.error, ValidationError) and "system printer" in str(refused.error)
    assert [j.status for j in refused.jobs] == ["queued"]

    spooled: list[tuple[int, str]] = []

    def spooler(job_id: int, printer: PrinterConfig, _progress: ProgressFn, _cancelled: CancelledFn) -> PrintResult:
        _template, pending = svc.labelling.claim_external(technician, job_id, printer.name)
        spooled.extend((job_id, data.sample_id) for _, data in pending)
        recorded = svc.labelling.record_printed(technician, job_id, printer.name, [p for p, _ in pending])
        return PrintResult(recorded.value, len(pending), None, recorded.changes)

    run = print_jobs(svc.labelling, technician, [job], printer_for=lambda _job: office, print_on_system=spooler)
    assert spooled == [(job.id, code) for code in codes]
    assert run.complete and run.printed == 2 and run.printer == "Office"
    assert run.changes.ids_of(PRINT_JOB) == {str(job.id)}


def test_reprint_needs_a_reason_and_the_services_report_what_changed(services: Services, technician: Actor,
                                                                     supervisor: Actor) -> None:
    [code] = _samples(services, technician, 1)
    queued = services.labelling.enqueue(technician, [code])
    [job] = queued.value
    assert queued.changes.ids_of(PRINT_JOB) == {str(job.id)} and queued.changes.last_audit_seq > 0
    before = len(services.labelling.jobs())
    with pytest.raises(ValidationError, match="needs a reason"):
        services.labelling.reprint(technician, [code], " \t ")
    assert len(services.labelling.jobs()) == before, "a refused reprint queues nothing"
    again = services.labelling.reprint(technician, [code], "  label smudged ")
    [reprint] = again.value
    assert reprint.is_reprint and reprint.reason == "label smudged"
    assert again.changes.touches(PRINT_JOB) and again.changes.last_audit_seq > queued.changes.last_audit_seq
    cancelled = services.labelling.cancel_job(technician, reprint.id, "printed elsewhere")
    assert cancelled.value.status == "cancelled" and cancelled.changes.ids_of(PRINT_JOB) == {str(reprint.id)}
    rule = services.labelling.add_rule(supervisor, template_name="cryovial-33x13", study_code="COLON")
    assert rule.changes.ids_of(PRINT_RULE) == {str(rule.value)}
    assert services.labelling.delete_rule(supervisor, rule.value).touches(PRINT_RULE)


# -- no database: the reason check and the printer check ---------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_an_empty_reprint_reason_is_refused(reason: str) -> None:
    with pytest.raises(ValidationError, match="needs a reason"):
        checked_reprint_reason(reason)


def test_a_reprint_reason_is_trimmed() -> None:
    assert checked_reprint_reason("  frosted off \n") == "frosted off"


def test_printer_check_asks_a_zebra_and_says_why_it_is_not_ready() -> None:
    with FakeZebraPrinter() as zebra:
        ready = check_printer(_zebra(zebra.port))
    assert ready.state == "ready" and ready.ready and ready.status is not None and ready.status.ready
    assert ready.text == "Zebra-1 is ready." and "127.0.0.1" in ready.where
    with FakeZebraPrinter(flags={"paper_out": True}) as zebra:
        empty = check_printer(_zebra(zebra.port))
    assert empty.state == "not_ready" and not empty.ready and empty.status is not None and empty.status.paper_out
    assert empty.text.startswith("Zebra-1 is not ready: ")
    off = check_printer(_zebra(closed_port()))
    assert off.state == "unreachable" and isinstance(off.error, PrinterError)
    assert off.text.startswith("Zebra-1 is not reachable: ")


def test_printer_check_of_files_queues_and_system_printers(tmp_path: Path) -> None:
    assert check_printer(PrinterConfig("PDF", "pdf-file", str(tmp_path / "labels.pdf"))).state == "ready"
    missing = check_printer(PrinterConfig("PDF", "pdf-file", str(tmp_path / "no" / "labels.pdf")))
    assert missing.state == "unreachable" and "does not exist" in missing.text
    file_check = check_printer(PrinterConfig("File", "zpl-file", str(tmp_path / "labels.zpl")))
    assert file_check.state == "no_status" and "a file" in file_check.text
    office = PrinterConfig("Office", "system", "Office-Brady")
    assert check_printer(office).state == "no_status"
    answer = PrinterCheck("ready", "Office is installed on this computer and ready.")
    asked: list[str] = []

    def system_check(printer: PrinterConfig) -> PrinterCheck:
        asked.append(printer.address)
        return answer

    assert check_printer(office, system_check=system_check) is answer and asked == ["Office-Brady"]
