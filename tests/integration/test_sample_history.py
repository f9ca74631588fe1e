"""Every event that concerns a sample is in its history and found by its ID (issue 8, item 5): label jobs
queued, printed, reprinted and cancelled, although they are events about a print job. Both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.audit import AuditFilter
from biobank_desktop.core.services.changes import SAMPLE
from biobank_desktop.core.services.samples import NewSample


def test_label_events_are_in_the_sample_history_and_found_by_id(services: Services, technician: Actor,
                                                                  auditor_or_admin: Actor, tmp_path: Path) -> None:
    mine, other = (services.samples.register(technician, NewSample(study_code="COLON", sample_type="SER")).value
                   for _ in range(2))
    svc = build_services(services.db, services.workstation,
                         printers=lambda: [PrinterConfig("PDF", "pdf-file", str(tmp_path / "l.pdf"), dpi=300)])
    [job] = svc.labelling.enqueue(technician, [mine, other]).value
    printed = svc.labelling.print_job(technician, job.id)
    assert printed.complete
    [again] = svc.labelling.reprint(technician, [mine], "label smudged").value
    svc.labelling.cancel_job(technician, again.id, "printer jammed")

    history = services.audit.history(technician, "sample", mine)
    assert [e.action for e in history] == ["sample.registered", "labels.queued", "labels.printed",
                                           "labels.reprint_queued", "labels.job_cancelled"]
    assert history[3].reason == "label smudged"
    other_history = [e.action for e in services.audit.history(technician, "sample", other)]
    assert other_history == ["sample.registered", "labels.queued", "labels.printed"]  # not the other's reprint

    found = services.audit.browse(auditor_or_admin, AuditFilter(text=mine.lower()))
    assert {"labels.queued", "labels.printed", "labels.reprint_queued", "labels.job_cancelled"} <= {
        e.action for e in found}
    assert all(e.entity_type == "print_job" or e.entity_id == mine for e in found)


def test_a_label_event_says_which_samples_moved(services: Services, technician: Actor, tmp_path: Path) -> None:
    code = services.samples.register(technician, NewSample(study_code="COLON", sample_type="SER")).value
    seen = services.audit.last_seq()
    svc = build_services(services.db, services.workstation,
                         printers=lambda: [PrinterConfig("PDF", "pdf-file", str(tmp_path / "l.pdf"), dpi=300)])
    result = svc.labelling.enqueue(technician, [code])
    assert code in result.changes.ids_of(SAMPLE)  # the sample page showing it refreshes its history
    assert code in services.audit.changes_since(technician, seen).ids_of(SAMPLE)  # and on other workstations


def test_the_sample_index_of_the_trail_is_append_only(services: Services, technician: Actor) -> None:
    code = services.samples.register(technician, NewSample(study_code="COLON", sample_type="SER")).value
    services.labelling.enqueue(technician, [code])
    with services.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event_samples WHERE sample_code = :c"),
                            {"c": code}).scalar() == 1
    with pytest.raises(DBAPIError, match="append-only"), services.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event_samples"))


@pytest.fixture
def auditor_or_admin(admin: Actor) -> Actor:
    return admin
