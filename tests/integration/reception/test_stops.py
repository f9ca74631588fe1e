"""Stopped tubes: what a consent or time stop leaves the technician (quarantine with a reason, or reject), and
what a manifest's tube description that SPREC cannot code does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.reception import ScanOutcome
from biobank_desktop.core.services import Services
from tests.support.reception_kit import manifest, tube


@pytest.fixture
def clinic(services: Services, supervisor: Actor) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return "CLINIC"


def _set_times(services: Services, barcode: str, **times: dt.datetime | None) -> None:
    assignments = ", ".join(f"{k} = :{k}" for k in times)
    with services.db.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE expected_tubes SET {assignments} WHERE clinic_barcode = :b"),
                     {"b": barcode, **{k: v.replace(tzinfo=None) if v else None for k, v in times.items()}})


def test_a_consent_stop_with_impossible_times_can_be_quarantined(
        services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    code = manifest(services, technician, tmp_path / "m.xlsx", [tube("CL0000001", "LU-009", consent="no")],
                    partner=clinic)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    _set_times(services, "CL0000001", collected_at=later, centrifugation_started_at=None,
               centrifugation_ended_at=None, frozen_at=None)
    first = services.reception.receive(technician, code, "CL0000001").value
    assert first.outcome is ScanOutcome.CONSENT_STOP  # consent wins; the time problem is in the message
    assert "after the reception" in first.hint
    # The page offers Quarantine for a consent stop; it works, without the impossible collection time.
    done = services.reception.quarantine(technician, code, "CL0000001", "consent form being checked with the clinic")
    detail = services.queries.detail(done.value.sample_code or "")
    assert detail.status == "quarantined" and detail.collected_at is None
    assert "collection time" in detail.notes and "impossible" in detail.notes


def test_freezing_before_the_end_of_centrifugation_stops_the_tube_and_quarantine_drops_the_freezing(
        services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    code = manifest(services, technician, tmp_path / "m.xlsx", [tube("CL0000001")], partner=clinic)
    day = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    _set_times(services, "CL0000001", collected_at=day.replace(hour=8), centrifugation_started_at=day.replace(hour=10),
               centrifugation_ended_at=day.replace(hour=10, minute=15), frozen_at=day.replace(hour=10, minute=5))
    first = services.reception.receive(technician, code, "CL0000001").value
    assert first.outcome is ScanOutcome.TIME_STOP and "freezing" in first.hint, first.hint
    done = services.reception.quarantine(technician, code, "CL0000001", "asked the clinic for the freezing time")
    detail = services.queries.detail(done.value.sample_code or "")
    assert detail.frozen_at is None and detail.collected_at is not None and detail.centrifugation_ended_at
    assert "freezing time" in detail.notes


def test_an_unlabelled_tube_without_consent_is_quarantined_only_with_a_reason(
        services: Services, technician: Actor, clinic: str) -> None:
    from biobank_desktop.core.domain.errors import ConsentStopError, ValidationError
    from biobank_desktop.core.services.samples import NewSample

    info = services.reception.create_shipment(technician, clinic).value
    with pytest.raises(ValidationError, match="reason"):  # quarantined without saying why: refused
        services.reception.register_unlabelled(technician, info.code, NewSample(
            "LUNG", "SER", participant="NO-CONSENT-1", status="quarantined"))
    with pytest.raises(ConsentStopError):  # no consent, no reason: a consent stop, as for a walk-in
        services.reception.register_unlabelled(technician, info.code, NewSample("LUNG", "SER",
                                                                                participant="NO-CONSENT-1"))
    assert services.reception.board(info.code).counts.received == 0
    done = services.reception.register_unlabelled(technician, info.code, NewSample("LUNG", "SER",
                                                                                   participant="NO-CONSENT-1"),
                                                  quarantine_reason="consent form to be sent by the clinic").value
    assert services.queries.detail(done.sample_code or "").status == "quarantined"
    line = services.reception.board(info.code).tubes[0]
    assert line.decision == "quarantined" and line.decision_reason == "consent form to be sent by the clinic"
    with services.db.engine.connect() as conn:
        reason, summary = conn.execute(sa.text(
            "SELECT reason, summary FROM audit_events WHERE action = 'reception.unlabelled_registered'")).one()
    assert reason == "consent form to be sent by the clinic" and "no consent is recorded" in summary


def _tissue_manifest(path: Path, extra: dict[str, list[object]]) -> Path:
    from tests.support.reception_kit import HEADERS
    from tests.unit.spreadsheets.helpers import make_xlsx

    headers = [*HEADERS, *extra]
    rows = [[*tube(f"CL000000{i + 1}", f"LU-00{i + 1}", material="TIS"), *(v[i] for v in extra.values())]
            for i in range(len(next(iter(extra.values()))))]
    make_xlsx(path, rows, headers=headers)
    return path


def test_tissue_codes_sprec_does_not_have_are_refused_at_import(
        services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    path = _tissue_manifest(tmp_path / "tissue.xlsx", {
        "Type of collection": ["FOO", "SRG", "asn", None], "Fixation": ["NBF", "BAD", "snp", "NBF"],
        "Warm ischemia": [10, "Q", "unknown", 5], "Fixation time": ["12.5", 30, "N", 60]})
    report = services.exchange.import_file(technician, path, kind="manifest", partner=clinic, dry_run=True).value
    codes = sorted((p.row, p.code) for p in report.problems if p.severity == "error")
    first = min(p.row for p in report.problems if p.row is not None)  # the sheet's first data row
    assert [(row - first, problem) for row, problem in codes] == [
        (0, "minutes_unreadable"), (0, "unknown_type_of_collection"), (1, "unknown_fixation"),
        (1, "unknown_warm_ischaemia"), (3, "tissue_without_collection_type")], codes
    assert report.shipment is None


def test_a_listed_tissue_sprec_cannot_code_is_stopped_at_the_scan_not_an_error(
        services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    """A manifest imported before the check (or a code the tables dropped): the scan records a stop."""
    path = _tissue_manifest(tmp_path / "tissue.xlsx", {"Type of collection": ["SRG", "SRG"],
                                                       "Fixation": ["NBF", "NBF"]})
    code = services.exchange.import_file(technician, path, kind="manifest", partner=clinic).value.shipment
    assert code is not None
    with services.db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE expected_tubes SET fixation = 'FOO' WHERE clinic_barcode = 'CL0000001'"))
        conn.execute(sa.text("UPDATE expected_tubes SET collection_type = 'FOO' WHERE clinic_barcode = 'CL0000002'"))
    first = services.reception.receive(technician, code, "CL0000001").value
    assert first.outcome is ScanOutcome.DATA_STOP and first.recorded and "fixation" in first.hint.lower()
    assert first.tube is not None and first.tube.stop == "data" and first.tube.decision == "pending"
    done = services.reception.quarantine(technician, code, "CL0000001", "fixative asked from the clinic").value
    detail = services.queries.detail(done.sample_code or "")
    assert detail.status == "quarantined" and "'FOO' is not a SPREC code" in detail.notes
    assert detail.sprec_code is not None and detail.sprec_code.split("-")[1:5:3] == ["SRG", "XXX"]
    second = services.reception.receive(technician, code, "CL0000002").value
    assert second.outcome is ScanOutcome.DATA_STOP
    services.reception.reject(technician, code, "CL0000002", "no type of collection: returned to the clinic")
    assert services.reception.board(code).counts.rejected == 1
