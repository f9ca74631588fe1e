"""Two workstations, one print job, on both backends: each through its own connections (its own Database).

The claim and the labels it prints are one step; a cancel seen mid-print stops it; a workstation killed
mid-print leaves a claim that lapses or that a supervisor releases, with the label(s) it may have been
printing flagged, never resent silently.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ConflictError, ValidationError
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.audit import AuditFilter
from biobank_desktop.core.services.labelling import PrintResult
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import PASSWORD
from tests.support.cli import REPO
from tests.support.fake_zebra import FakeZebraPrinter
from tests.support.labels_testkit import decode, zplkit_images


@pytest.fixture
def other_db(db_url: str) -> Iterator[Database]:
    """The second workstation's own engine and connections on the same database."""
    db = Database(db_url)
    yield db
    db.dispose()


def _samples(services: Services, actor: Actor, n: int) -> list[str]:
    return [services.samples.register(actor, NewSample("COLON", "SER", participant=f"P-{i}",
                                                       volume_ul=Decimal(500))).value for i in range(n)]


def _zebra(port: int, name: str) -> PrinterConfig:
    return PrinterConfig(name, "zpl-tcp", f"127.0.0.1:{port}", dpi=203, timeout_s=2.0)


def _station(db: Database, name: str, printer: PrinterConfig) -> Services:
    return build_services(db, name, printers=lambda: [printer])


def _decoded(zebra: FakeZebraPrinter) -> list[str]:
    return [decode(img)[0] for img in zplkit_images("".join(zebra.labels), 203)] if zebra.labels else []


def _statuses(services: Services, job_id: int) -> list[str]:
    return [i.status for i in services.labelling.job(job_id).items]


def _events(services: Services, actor: Actor, action: str) -> list[dict[str, object]]:
    events = services.audit.browse(actor, AuditFilter(entity_type="print_job"))
    return [e.after or {} for e in events if e.action == action]


def test_a_retry_racing_another_print_sends_only_what_is_still_waiting(services: Services, technician: Actor,
                                                                       other_db: Database) -> None:
    """The issue's case: workstation 2 retries a job just as workstation 1 prints it and its printer drops
    after 3 of 4 labels. Workstation 2 must send label 4 only — not the two confirmed ones, not the one
    flagged "may have printed" — and its audit event must say 1 of 1."""
    codes = _samples(services, technician, 4)
    with FakeZebraPrinter(drop_after_labels=3) as dropping, FakeZebraPrinter() as healthy:
        ws1 = _station(services.db, "WS-1", _zebra(dropping.port, "Zebra-1"))
        ws2 = _station(other_db, "WS-2", _zebra(healthy.port, "Zebra-2"))
        [job] = ws1.labelling.enqueue(technician, codes, printer_name="Zebra-1").value
        first: list[PrintResult] = []
        looked = ws2.labelling.job

        def look_while_the_other_prints(job_id: int) -> object:
            seen = looked(job_id)  # workstation 2 has looked at the job (all 4 waiting) ...
            if not first:  # ... and in that moment workstation 1 prints it
                first.append(ws1.labelling.print_job(technician, job_id))
            return seen

        ws2.labelling.job = look_while_the_other_prints  # type: ignore[method-assign,assignment]
        retry = ws2.labelling.print_job(technician, job.id, printer_name="Zebra-2")
        ws2.labelling.job = looked  # type: ignore[method-assign]
        assert _decoded(healthy) == [codes[3]], "only the label still waiting is sent"
    assert first and first[0].sent_now == 2
    assert retry.sent_now == 1 and retry.positions == (4,)
    assert _statuses(ws2, job.id) == ["sent", "sent", "failed", "sent"], "label 3 stays flagged for a look"
    last = _events(ws2, technician, "labels.printed")[0]
    assert last["samples"] == [codes[3]] and last["printer"] == "Zebra-2"


def test_two_workstations_printing_at_once_print_each_label_once(services: Services, technician: Actor,
                                                                 other_db: Database) -> None:
    codes = _samples(services, technician, 4)
    with FakeZebraPrinter() as one, FakeZebraPrinter() as two:
        stations = [_station(services.db, "WS-1", _zebra(one.port, "Zebra-1")),
                    _station(other_db, "WS-2", _zebra(two.port, "Zebra-2"))]
        [job] = stations[0].labelling.enqueue(technician, codes, printer_name="Zebra-1").value
        start = threading.Barrier(2)
        outcomes: list[PrintResult | BiobankError] = []

        def print_from(station: Services, printer: str) -> None:
            start.wait()
            try:
                outcomes.append(station.labelling.print_job(technician, job.id, printer_name=printer))
            except BiobankError as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=print_from, args=(s, f"Zebra-{n}")) for n, s in enumerate(stations, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        printed = _decoded(one) + _decoded(two)
    assert sorted(printed) == sorted(codes), "every label once, on one printer or the other"
    results = [o for o in outcomes if isinstance(o, PrintResult)]
    assert sum(r.sent_now for r in results) == 4
    assert all(isinstance(o, PrintResult) or "nothing left" in str(o) or "being printed" in str(o) for o in outcomes)


def test_a_cancel_from_another_workstation_stops_the_print_and_stays(services: Services, technician: Actor,
                                                                     supervisor: Actor, other_db: Database) -> None:
    codes = _samples(services, technician, 4)
    with FakeZebraPrinter() as zebra:
        ws1 = _station(services.db, "WS-1", _zebra(zebra.port, "Zebra-1"))
        ws2 = _station(other_db, "WS-2", _zebra(zebra.port, "Zebra-1"))
        [job] = ws1.labelling.enqueue(technician, codes, printer_name="Zebra-1").value

        def progress(fraction: float, _text: str) -> None:
            if fraction == 0.25:  # the first label is out: workstation 2 cancels the job
                ws2.labelling.cancel_job(supervisor, job.id, "wrong template for these tubes")

        result = ws1.labelling.print_job(technician, job.id, progress=progress)
        received = _decoded(zebra)
    assert len(received) < 4 and received == codes[:len(received)], "the print stopped once it saw the cancel"
    after = ws2.labelling.job(job.id)
    assert after.status == "cancelled", "a cancel accepted mid-print is not overwritten"
    assert [i.status for i in after.items] == ["sent"] * len(received) + ["skipped"] * (4 - len(received))
    assert isinstance(result.error, ConflictError) and "cancelled" in str(result.error)
    printed = _events(ws2, technician, "labels.printed")[0]
    assert printed["samples"] == received and printed["status"] == "cancelled"


_KILLED_PRINT = """
import os, signal, sys
from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services import build_services
url, port, job = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
printer = PrinterConfig("Zebra-1", "zpl-tcp", f"127.0.0.1:{port}", dpi=203, timeout_s=2.0)
services = build_services(Database(url), "WS-KILLED", printers=lambda: [printer])
actor = services.accounts.authenticate("tom", os.environ["TEST_PASSWORD"])
def progress(fraction, text):
    if fraction >= 0.5:
        os.kill(os.getpid(), signal.SIGKILL)
services.labelling.print_job(actor, job, progress=progress)
"""


def test_a_print_killed_mid_job_lapses_and_flags_what_may_have_printed(db_url: str, services: Services,
                                                                       technician: Actor,
                                                                       other_db: Database) -> None:
    codes = _samples(services, technician, 4)
    with FakeZebraPrinter() as killed_printer, FakeZebraPrinter() as zebra:
        [job] = services.labelling.enqueue(technician, codes, printer_name="Zebra-1").value
        env = {**os.environ, "TEST_PASSWORD": PASSWORD, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-c", _KILLED_PRINT, db_url, str(killed_printer.port), str(job.id)],
                              check=False, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == -9, done.stderr
        assert _decoded(killed_printer) == codes[:2]
        ws2 = _station(other_db, "WS-2", _zebra(zebra.port, "Zebra-2"))
        assert ws2.labelling.job(job.id).status == "printing"
        with pytest.raises(ConflictError, match="being printed right now") as busy:
            ws2.labelling.print_job(technician, job.id, printer_name="Zebra-2")
        assert "lapses" in (busy.value.hint or "")
        with other_db.engine.begin() as conn:  # ... time passes: the claim's last label is long ago
            conn.execute(sa.text("UPDATE print_jobs SET claimed_at = :t WHERE id = :j"),
                         {"t": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).replace(tzinfo=None), "j": job.id})
        resumed = ws2.labelling.print_job(technician, job.id, printer_name="Zebra-2")
        assert _decoded(zebra) == [codes[3]], "the label that may be in the killed print's printer is not resent"
    assert [i.status for i in resumed.job.items] == ["sent", "sent", "failed", "sent"]
    [abandoned] = _events(ws2, technician, "labels.print_abandoned")
    assert abandoned["samples"] == codes[:2] and abandoned["unconfirmed"] == [codes[2]]
    with pytest.raises(ValidationError, match="may or may not have printed"):
        ws2.labelling.print_job(technician, job.id, printer_name="Zebra-2")


def test_a_supervisor_releases_a_stale_print_before_it_lapses(services: Services, technician: Actor,
                                                              supervisor: Actor, other_db: Database) -> None:
    codes = _samples(services, technician, 3)
    svc = _station(services.db, "WS-1", _zebra(1, "Zebra-1"))
    [job] = svc.labelling.enqueue(technician, codes, printer_name="Zebra-1").value
    claim = svc.labelling._claim(technician, job.id, "Zebra-1", window=1)  # then the workstation stops
    from biobank_desktop.core.services.print_claims import heartbeat

    assert heartbeat(services.db, job.id, claim.token, 1)
    ws2 = build_services(other_db, "WS-2")
    with pytest.raises(ValidationError, match="Give a reason"):
        ws2.labelling.release_claim(supervisor, job.id, " ")
    with pytest.raises(BiobankError, match="may not"):
        ws2.labelling.release_claim(technician, job.id, "WS-1 crashed")
    with pytest.raises(ConflictError, match="being printed"):
        ws2.labelling.resolve_doubtful(technician, job.id, [2], printed=True)
    released = ws2.labelling.release_claim(supervisor, job.id, "WS-1 crashed").value
    assert [i.status for i in released.items] == ["sent", "failed", "queued"] and released.status == "partial"
    assert not heartbeat(services.db, job.id, claim.token, 2), "the stopped workstation's claim is gone"
    with pytest.raises(ValidationError, match="not being printed"):
        ws2.labelling.release_claim(supervisor, job.id, "again")


def test_two_workstations_queueing_the_same_first_label_queue_it_once(services: Services, technician: Actor,
                                                                      other_db: Database) -> None:
    [code] = _samples(services, technician, 1)
    stations = [build_services(services.db, "WS-1"), build_services(other_db, "WS-2")]
    checked = threading.Barrier(2, timeout=3)
    outcomes: list[object] = []

    def meet_after_the_check(station: Services) -> None:
        refuse = station.labelling._refuse_second_labels

        def checked_then_wait(*args: object) -> None:
            refuse(*args)  # type: ignore[arg-type]
            # Both past the check before either writes: the race, if the check does not serialise them.
            # A broken barrier: the other waits on the lock and never got here.
            with contextlib.suppress(threading.BrokenBarrierError):
                checked.wait()

        station.labelling._refuse_second_labels = checked_then_wait  # type: ignore[method-assign,assignment]

    def enqueue(station: Services) -> None:
        try:
            outcomes.append(station.labelling.enqueue(technician, [code]).value)
        except BiobankError as exc:
            outcomes.append(exc)

    for station in stations:
        meet_after_the_check(station)
    threads = [threading.Thread(target=enqueue, args=(s,)) for s in stations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(services.labelling.jobs()) == 1, "one first label per tube, whatever the timing"
    [refused] = [o for o in outcomes if isinstance(o, BiobankError)]
    assert "already waiting to print" in str(refused)
