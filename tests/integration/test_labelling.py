"""The print queue on both backends: rules, printing to a fake Zebra, failures, reprints, audit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PrinterError,
    ValidationError,
)
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.labels.model import LabelElement
from biobank_desktop.core.labels.printers import PrinterConfig, parse_printer_spec
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.audit import AuditFilter
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import make_user
from tests.support.fake_zebra import FakeZebraPrinter, closed_port
from tests.support.labels_testkit import decode, rasterize_pdf, zplkit_images


def _samples(services: Services, actor: Actor, n: int, study: str = "COLON", sample_type: str = "SER") -> list[str]:
    return [services.samples.register(actor, NewSample(study, sample_type, participant=f"P-{study}-{i}",
                                                       volume_ul=Decimal(500))).value for i in range(n)]


def _with_printer(services: Services, printer: PrinterConfig) -> Services:
    return build_services(services.db, services.workstation, printers=lambda: [printer])


def _zebra(port: int, name: str = "Zebra-1", dpi: int = 203) -> PrinterConfig:
    return PrinterConfig(name, "zpl-tcp", f"127.0.0.1:{port}", dpi=dpi, timeout_s=2.0)


def test_queue_and_print_to_a_zebra_then_decode_what_it_received(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 3)
    with FakeZebraPrinter() as zebra:
        svc = _with_printer(services, _zebra(zebra.port))
        [job] = svc.labelling.enqueue(technician, codes, source="reception").value
        assert [i.sample_code for i in job.items] == codes, "placement order is kept"
        assert job.printer_name == "Zebra-1" and job.status == "queued"
        result = svc.labelling.print_job(technician, job.id)
        received = list(zebra.labels)
    assert result.complete and result.sent_now == 3
    assert [i.status for i in result.job.items] == ["sent"] * 3
    decoded = [decode(img) for img in zplkit_images("".join(received), 203)]
    assert [d[0] for d in decoded] == codes
    events = services.audit.browse(technician, AuditFilter(entity_type="print_job"))
    printed = next(e for e in events if e.action == "labels.printed")
    assert printed.after is not None and printed.after["samples"] == codes
    assert printed.after["printer"] == "Zebra-1" and printed.username == "tom"


def test_printer_off_keeps_the_job_queued_with_a_clear_message(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 2)
    svc = _with_printer(services, _zebra(closed_port()))
    [job] = svc.labelling.enqueue(technician, codes).value
    result = svc.labelling.print_job(technician, job.id)
    assert isinstance(result.error, PrinterError)
    assert "Zebra" in str(result.error) or "127.0.0.1" in str(result.error)
    assert result.job.status == "failed" and result.sent_now == 0
    assert [i.status for i in result.job.items] == ["queued", "queued"]
    assert svc.labelling.job(job.id).message == f"Zebra-1: {result.error}"
    with FakeZebraPrinter() as zebra:  # the printer is back: the same job prints, once
        retry = _with_printer(services, _zebra(zebra.port)).labelling.print_job(technician, job.id)
        assert len(zebra.labels) == 2
    assert retry.complete


def test_connection_drop_mid_job_prints_only_the_missing_labels_next_time(services: Services,
                                                                          technician: Actor) -> None:
    codes = _samples(services, technician, 5)
    with FakeZebraPrinter(drop_after_labels=3) as zebra:
        svc = _with_printer(services, _zebra(zebra.port))
        [job] = svc.labelling.enqueue(technician, codes).value
        first = svc.labelling.print_job(technician, job.id)
    assert first.error is not None and "may or may not have printed" in str(first.error)
    statuses = [i.status for i in first.job.items]
    assert statuses[:2] == ["sent", "sent"]
    assert statuses[2] == "failed", "the label the printer may have taken is flagged, not silently resent"
    assert statuses[3:] == ["queued", "queued"]
    assert first.job.status == "partial"
    with FakeZebraPrinter() as zebra:
        svc = _with_printer(services, _zebra(zebra.port))
        second = svc.labelling.print_job(technician, job.id)
        resent = [decode(img)[0] for img in zplkit_images("".join(zebra.labels), 203)]
        assert resent == codes[3:], "the doubtful label is not resent without a look at the printer"
        assert second.job.status == "partial"
        with pytest.raises(ValidationError, match="may or may not have printed"):
            svc.labelling.print_job(technician, job.id)
        # The technician finds label 3 missing on the printer: put it back and print it.
        svc.labelling.resolve_doubtful(technician, job.id, [3], printed=False)
        third = svc.labelling.print_job(technician, job.id)
        assert [decode(img)[0] for img in zplkit_images("".join(zebra.labels[2:]), 203)] == [codes[2]]
    assert third.complete


def test_paper_out_before_the_batch_sends_nothing(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 2)
    with FakeZebraPrinter(flags={"paper_out": True}) as zebra:
        svc = _with_printer(services, _zebra(zebra.port))
        [job] = svc.labelling.enqueue(technician, codes).value
        result = svc.labelling.print_job(technician, job.id)
        assert zebra.labels == []
    assert result.error is not None and "out of labels" in str(result.error)
    assert result.job.status == "failed"


def test_a_second_workstation_cannot_print_a_job_being_printed(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 1)
    svc = _with_printer(services, _zebra(closed_port()))
    [job] = svc.labelling.enqueue(technician, codes).value
    svc.labelling._claim(technician, job.id, "Zebra-1")  # workstation 1 is printing it
    with pytest.raises(ConflictError, match="being printed right now"):
        svc.labelling.print_job(technician, job.id)


def test_reprint_needs_a_reason_and_is_audited(services: Services, technician: Actor, tmp_path: Path) -> None:
    codes = _samples(services, technician, 2)
    pdf_printer = PrinterConfig("PDF", "pdf-file", str(tmp_path / "labels.pdf"), dpi=300)
    svc = _with_printer(services, pdf_printer)
    [job] = svc.labelling.enqueue(technician, codes).value
    assert svc.labelling.print_job(technician, job.id).complete
    with pytest.raises(ValidationError, match="nothing left to print"):
        svc.labelling.print_job(technician, job.id)
    with pytest.raises(ValidationError, match="needs a reason"):
        svc.labelling.reprint(technician, codes[:1], "  ")
    [again] = svc.labelling.reprint(technician, codes[:1], "label frosted off").value
    assert again.is_reprint and again.reason == "label frosted off"
    assert svc.labelling.print_job(technician, again.id).complete
    pages = rasterize_pdf((tmp_path / "labels.pdf").read_bytes(), 300)
    assert [decode(p)[0] for p in pages] == codes[:1]
    reprinted = services.audit.browse(technician, AuditFilter(action_prefix="labels.reprint"))
    assert {e.action for e in reprinted} == {"labels.reprint_queued", "labels.reprinted"}
    assert all(e.reason == "label frosted off" for e in reprinted)


def test_print_rules_choose_template_and_printer(services: Services, supervisor: Actor, technician: Actor) -> None:
    colon = _samples(services, technician, 2, "COLON")
    lung = _samples(services, technician, 1, "LUNG", "PL1")
    zebra_a, zebra_b = _zebra(9101, "Bench-A"), _zebra(9102, "Bench-B")
    svc = build_services(services.db, services.workstation, printers=lambda: [zebra_a, zebra_b])
    svc.labelling.add_rule(supervisor, template_name="cryovial-33x13", printer_name="Bench-B", study_code="LUNG")
    svc.labelling.add_rule(supervisor, template_name="cap-9.5-round", printer_name="Bench-A", study_code="LUNG",
                           sample_type="PL1", workstation="ELSEWHERE")
    jobs = svc.labelling.enqueue(technician, colon + lung).value
    assert [(j.template_name, j.printer_name, j.total) for j in jobs] == [
        ("cryovial-25x13", "Bench-A", 2), ("cryovial-33x13", "Bench-B", 1)]
    with pytest.raises(PermissionDeniedError):
        svc.labelling.add_rule(technician, template_name="cryovial-33x13")
    with pytest.raises(NotFoundError):
        svc.labelling.add_rule(supervisor, template_name="no-such-template")


def test_unknown_sample_or_template_queues_nothing(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 1)
    before = services.audit.last_seq()
    with pytest.raises(NotFoundError, match="no sample BB-2026-999999"):
        services.labelling.enqueue(technician, [*codes, "BB-2026-999999W"])
    with pytest.raises(NotFoundError):
        services.labelling.enqueue(technician, codes, template_name="nope")
    assert services.audit.last_seq() == before
    assert services.labelling.jobs() == []


def test_biobank_templates_are_shared_copies_and_shipped_ones_stay(services: Services, technician: Actor) -> None:
    from dataclasses import replace

    base = services.labelling.template("cryovial-25x13")
    with pytest.raises(ValidationError, match="shipped template"):
        services.labelling.save_template(technician, base)
    copy = replace(base, name="colon-vial", description="Colon study vial")
    services.labelling.save_template(technician, copy)
    other_ws = build_services(services.db, "TEST-WS-2")
    assert other_ws.labelling.template("colon-vial").description == "Colon study vial"
    other_tech = make_user(services, "tina", Role.TECHNICIAN)
    with pytest.raises(PermissionDeniedError):
        services.labelling.save_template(other_tech, replace(copy, description="changed by someone else"))
    supervisor = make_user(services, "sue", Role.SUPERVISOR)
    services.labelling.save_template(supervisor, replace(copy, description="reviewed"))
    assert services.labelling.template("colon-vial").description == "reviewed"
    broken = replace(copy, elements=(*copy.elements, LabelElement(field="sample_id", render="code128", x_mm=0,
                                                                    y_mm=0, width_mm=5, height_mm=5)))
    with pytest.raises(ValidationError):
        services.labelling.save_template(technician, broken)


def test_printer_specs_parse_and_unknown_names_are_explained() -> None:
    known = [_zebra(9100, "Bench-A")]
    assert parse_printer_spec("Bench-A", known).address == "127.0.0.1:9100"
    assert parse_printer_spec("zpl://10.0.0.7", known).address == "10.0.0.7:9100"
    assert parse_printer_spec("cups://ZebraQ", known).kind == "cups-raw"
    with pytest.raises(NotFoundError, match="Bench-A"):
        parse_printer_spec("Bench-Z", known)
    with pytest.raises(ValidationError, match="dpi"):
        PrinterConfig("x", "zpl-tcp", "h:1", dpi=250)


def test_a_second_label_is_only_ever_a_reprint(services: Services, technician: Actor, tmp_path: Path) -> None:
    """A double scan or a second queueing must not print two labels for one tube without a reason."""
    [code] = _samples(services, technician, 1)
    svc = _with_printer(services, PrinterConfig("PDF", "pdf-file", str(tmp_path / "l.pdf"), dpi=300))
    with pytest.raises(ValidationError, match="twice"):
        svc.labelling.enqueue(technician, [code, code])
    [job] = svc.labelling.enqueue(technician, [code]).value
    with pytest.raises(ConflictError, match="already waiting to print"):
        svc.labelling.enqueue(technician, [code])
    svc.labelling.print_job(technician, job.id)
    with pytest.raises(ConflictError, match="already printed"):
        svc.labelling.enqueue(technician, [code], source="manual")
    [again] = svc.labelling.reprint(technician, [code], "label smudged").value
    assert again.is_reprint and [j.id for j in svc.labelling.jobs()] == [again.id, job.id]


def test_a_system_print_that_fails_after_spooling_flags_the_labels(services: Services, technician: Actor) -> None:
    codes = _samples(services, technician, 2)
    svc = _with_printer(services, PrinterConfig("Office", "system", "Brady-BBP12", dpi=300))
    [job] = svc.labelling.enqueue(technician, codes).value
    _template, pending = svc.labelling.claim_external(technician, job.id, "Office")
    with pytest.raises(ConflictError, match="being printed right now"):
        svc.labelling.claim_external(technician, job.id, "Office")  # a second print of it cannot start
    failed = svc.labelling.record_print_failed(technician, job.id, "Office", "driver error",
                                               maybe_printed=[p for p, _ in pending]).value
    assert [i.status for i in failed.items] == ["failed", "failed"], "may have printed: never resent silently"
    with pytest.raises(ValidationError, match="may or may not have printed"):
        svc.labelling.claim_external(technician, job.id, "Office")
