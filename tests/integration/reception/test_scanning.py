"""Receiving by scanning, on SQLite and PostgreSQL: the issue's "bad input and faults" (each a test), the board,
accessioning (external barcode, participant, times, SPREC from the end of centrifugation), consent and time stops."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, ConsentStopError, ValidationError
from biobank_desktop.core.domain.reception import ScanOutcome
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from tests.support.reception_kit import manifest, tube


@pytest.fixture
def clinic(services: Services, supervisor: Actor) -> str:
    services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    return "CLINIC"


@pytest.fixture
def shipment(services: Services, technician: Actor, clinic: str, tmp_path: Path) -> str:
    return manifest(services, technician, tmp_path / "m1.xlsx",
                    [tube("CL0000001"), tube("CL0000002", "LU-002"), tube("CL0000003", "LU-003", consent="no")])


def _count(services: Services, table: str) -> int:
    with services.db.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_an_expected_tube_is_accessioned_with_its_clinic_barcode_times_and_sprec(
        services: Services, technician: Actor, shipment: str) -> None:
    result = services.reception.receive(technician, shipment, " CL0000001\r\n").value
    assert result.outcome is ScanOutcome.EXPECTED and result.tone == "ok" and result.recorded
    assert result.counts is not None and (result.counts.received, result.counts.missing) == (1, 2)
    detail = services.queries.detail(result.sample_code or "")
    assert detail.study_code == "LUNG" and detail.participant == "LU-001" and detail.site_code == "CLINIC"
    assert ("CL0000001", "clinic") in detail.barcodes
    sample = services.queries.lookup("CL0000001").key
    assert sample == result.sample_code
    with services.db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT sprec_code, received_at, centrifugation_ended_at FROM samples "
                                   "WHERE sample_code = :c"), {"c": sample}).one()
    # The manifest gives no temperatures: SPREC says X for the elements that need them, never a guess.
    assert row[0] == "SER-SST-X-X-N-X-X" and row[1] is not None and row[2] is not None
    # The clinic's confirmation on the manifest is now the participant's recorded consent.
    assert [c.version for c in detail.consents] == ["clinic-confirmed"]
    assert services.reception.consent_check("LUNG", "LU-001").valid


def test_scanning_the_same_tube_twice_says_so_and_changes_nothing(services: Services, technician: Actor,
                                                                  shipment: str) -> None:
    first = services.reception.receive(technician, shipment, "CL0000001").value
    samples, receipts, head = _count(services, "samples"), _count(services, "tube_receipts"), \
        services.audit.last_seq()
    again = services.reception.receive(technician, shipment, "CL0000001")
    assert again.value.outcome is ScanOutcome.DUPLICATE and again.value.tone == "warning"
    assert again.value.sample_code == first.sample_code and "tom" in again.value.hint
    assert not again.value.recorded and not again.changes
    assert (_count(services, "samples"), _count(services, "tube_receipts"), services.audit.last_seq()) == \
        (samples, receipts, head)


def test_a_tube_of_another_open_shipment_names_that_shipment(services: Services, technician: Actor,
                                                             shipment: str, tmp_path: Path) -> None:
    other = manifest(services, technician, tmp_path / "m2.xlsx", [tube("CL0000100", "LU-100")])
    result = services.reception.receive(technician, shipment, "CL0000100").value
    assert result.outcome is ScanOutcome.OTHER_SHIPMENT and result.other_shipment == other
    assert other in result.message and not result.recorded
    assert _count(services, "tube_receipts") == 0


def test_a_tube_already_accessioned_names_its_sample(services: Services, technician: Actor, shipment: str) -> None:
    code = services.samples.register(technician, NewSample("LUNG", "SER", participant="LU-900",
                                                           external_barcodes=("CL0000900",))).value
    result = services.reception.receive(technician, shipment, "CL0000900").value
    assert result.outcome is ScanOutcome.ACCESSIONED and result.sample_code == code and code in result.message
    assert _count(services, "tube_receipts") == 0


def test_scanning_into_a_closed_shipment_records_nothing(services: Services, technician: Actor,
                                                         shipment: str) -> None:
    with pytest.raises(ValidationError, match="3 tube"):
        services.reception.close(technician, shipment)  # missing tubes need a reason
    services.reception.close(technician, shipment, "the clinic will send the rest next week")
    result = services.reception.receive(technician, shipment, "CL0000001").value
    assert result.outcome is ScanOutcome.SHIPMENT_CLOSED and not result.recorded
    assert _count(services, "tube_receipts") == 0 and _count(services, "samples") == 0
    with pytest.raises(ConflictError, match="already closed"):
        services.reception.close(technician, shipment, "again")


def test_a_second_manifest_for_the_same_shipment_is_refused(services: Services, technician: Actor, clinic: str,
                                                            shipment: str, tmp_path: Path) -> None:
    from tests.support.reception_kit import HEADERS
    from tests.unit.spreadsheets.helpers import make_xlsx

    # The same file again: refused before anything is read.
    with pytest.raises(ConflictError, match=f"already imported.*{shipment}"):
        services.exchange.import_file(technician, tmp_path / "m1.xlsx", kind="manifest", partner=clinic)
    # A corrected file listing the same tubes: no row imported, each names the open shipment.
    make_xlsx(tmp_path / "m1-corrected.xlsx", [tube("CL0000001"), tube("CL0000002", "LU-002")], headers=HEADERS)
    report = services.exchange.import_file(technician, tmp_path / "m1-corrected.xlsx", kind="manifest",
                                           partner=clinic).value
    assert report.rows_imported == 0 and report.shipment is None
    assert any(shipment in str(p) for p in report.problems)
    assert _count(services, "shipments") == 1


def test_receiving_with_no_consent_stops_the_tube(services: Services, technician: Actor, shipment: str) -> None:
    stopped = services.reception.receive(technician, shipment, "CL0000003").value
    assert stopped.outcome is ScanOutcome.CONSENT_STOP and stopped.tone == "error" and stopped.needs_decision
    assert "did not consent" in stopped.hint and _count(services, "samples") == 0
    with pytest.raises(ValidationError, match="reason"):
        services.reception.quarantine(technician, shipment, "CL0000003", "  ")
    done = services.reception.quarantine(technician, shipment, "CL0000003", "consent form on its way (call 12/1)")
    assert done.value.tube is not None and done.value.tube.decision == "quarantined"
    assert services.queries.detail(done.value.sample_code or "").status == "quarantined"
    events = services.audit.history(technician, "shipment", shipment)
    assert any(e.action == "reception.quarantined" and e.reason == "consent form on its way (call 12/1)"
               for e in events)


def test_a_participant_with_withdrawn_consent_is_stopped_even_if_the_manifest_says_yes(
        services: Services, technician: Actor, shipment: str) -> None:
    services.samples.register(technician, NewSample("LUNG", "SER", participant="LU-002"))
    consent = services.participants.record_consent(technician, "LUNG", "LU-002", version="v1", scope="all",
                                                   signed_on=dt.date(2026, 1, 5)).value
    services.participants.withdraw_consent(technician, consent, dt.date(2026, 10, 1), "letter of 1 Oct")
    result = services.reception.receive(technician, shipment, "CL0000002").value
    assert result.outcome is ScanOutcome.CONSENT_STOP and "withdrawn" in result.hint
    rejected = services.reception.reject(technician, shipment, "CL0000002", "consent withdrawn").value
    assert rejected.tube is not None and rejected.tube.decision == "rejected" and rejected.tone == "warning"


def test_a_tube_collected_after_its_reception_is_stopped(services: Services, technician: Actor,
                                                         shipment: str) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)  # a clinic clock a year off, or a typing error
    with services.db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE expected_tubes SET collected_at = :t, centrifugation_started_at = NULL, "
                             "centrifugation_ended_at = NULL, frozen_at = NULL WHERE clinic_barcode = 'CL0000001'"),
                     {"t": later.replace(tzinfo=None)})
    result = services.reception.receive(technician, shipment, "CL0000001").value
    assert result.outcome is ScanOutcome.TIME_STOP and "after the reception" in result.hint
    done = services.reception.quarantine(technician, shipment, "CL0000001", "asked the clinic for the right date")
    detail = services.queries.detail(done.value.sample_code or "")
    assert detail.status == "quarantined" and detail.collected_at is None and "impossible" in detail.notes
    # Walk-in registration applies the same time rule.
    with pytest.raises(ValidationError, match="after the reception"):
        services.reception.register_walk_in(technician, NewSample(
            "LUNG", "SER", participant="LU-001", collected_at=later, received_at=dt.datetime.now(dt.UTC)),
            quarantine_reason="x")


def test_walk_in_registration_applies_the_consent_rule(services: Services, technician: Actor) -> None:
    walk_in = NewSample("COLON", "SER", participant="W-1", volume_ul=Decimal(500))
    with pytest.raises(ConsentStopError, match="no consent"):
        services.reception.register_walk_in(technician, walk_in)
    code = services.reception.register_walk_in(technician, walk_in, quarantine_reason="form to follow").value
    assert services.queries.detail(code).status == "quarantined"
    services.participants.record_consent(technician, "COLON", "W-1", version="v2", scope="all",
                                         signed_on=dt.date(2026, 2, 1))
    second = services.reception.register_walk_in(technician, walk_in).value
    assert services.queries.detail(second).status == "available"


def test_an_unexpected_tube_is_registered_on_the_spot_or_rejected(services: Services, technician: Actor,
                                                                  shipment: str) -> None:
    services.samples.register(technician, NewSample("LUNG", "PL1", participant="LU-050"))
    services.participants.record_consent(technician, "LUNG", "LU-050", version="v1", scope="all",
                                         signed_on=dt.date(2026, 1, 5))
    first = services.reception.receive(technician, shipment, "ZZ-1", condition="haemolysed").value
    assert first.outcome is ScanOutcome.UNEXPECTED and first.needs_decision and first.tone == "warning"
    accepted = services.reception.accept_unexpected(technician, shipment, "ZZ-1", NewSample(
        "LUNG", "PL1", participant="LU-050", volume_ul=Decimal(800))).value
    assert accepted.sample_code and services.queries.lookup("ZZ-1").key == accepted.sample_code
    services.reception.receive(technician, shipment, "ZZ-2")
    services.reception.reject(technician, shipment, "ZZ-2", "no label information, unknown origin")
    board = services.reception.board(shipment)
    assert (board.counts.unexpected, board.counts.damaged, board.counts.rejected) == (2, 1, 1)
    states = {t.barcode: (t.state, t.decision) for t in board.tubes}
    assert states["ZZ-1"] == ("received", "accepted") and states["CL0000001"] == ("missing", None)


def test_a_tube_without_barcode_is_registered_and_gets_its_label(services: Services, technician: Actor,
                                                                 shipment: str) -> None:
    services.samples.register(technician, NewSample("LUNG", "SER", participant="LU-060"))
    services.participants.record_consent(technician, "LUNG", "LU-060", version="v1", scope="all",
                                         signed_on=dt.date(2026, 1, 5))
    done = services.reception.register_unlabelled(technician, shipment, NewSample("LUNG", "SER",
                                                                                   participant="LU-060")).value
    assert done.outcome is ScanOutcome.UNLABELLED and done.label_jobs and done.tube is not None
    assert done.tube.barcode is None and done.tube.labelled and done.tube.condition == "UNLABELLED"


def test_the_accepted_volume_and_condition_can_be_corrected(services: Services, technician: Actor,
                                                            shipment: str) -> None:
    code = services.reception.receive(technician, shipment, "CL0000001", volume_ul=Decimal("900")).value.sample_code
    assert services.queries.detail(code or "").volume_ul == Decimal("900.00")
    fixed = services.reception.update_tube(technician, shipment, "CL0000001", condition="LIPAEMIC",
                                           volume_ul=Decimal("850")).value
    assert fixed.tube is not None and fixed.tube.condition == "LIPAEMIC"
    assert services.queries.detail(code or "").volume_ul == Decimal("850.00")
    with pytest.raises(ValidationError, match="not a tube condition"):
        services.reception.receive(technician, shipment, "CL0000002", condition="purple")


def test_labels_in_scan_order_and_storage_say_where_each_tube_went(services: Services, technician: Actor,
                                                                   supervisor: Actor, shipment: str) -> None:
    from tests.support.storage_kit import add_primary_rack, build_tree

    primary_rack = add_primary_rack(services, supervisor, build_tree(services, supervisor))
    for code in ("CL0000002", "CL0000001"):
        services.reception.receive(technician, shipment, code)
    jobs = services.reception.label_accepted(technician, shipment).value
    assert jobs and services.reception.label_accepted(technician, shipment).value == []
    board = services.reception.board(shipment)
    scan_order = [t.sample_code for t in sorted((t for t in board.tubes if t.receipt_id), key=lambda t: t.receipt_id
                                                or 0)]
    job = services.labelling.job(jobs[0])
    assert [item.sample_code for item in job.items] == scan_order
    stored = services.reception.store_accepted(technician, shipment).value
    assert [p.sample_code for p in stored.placed] == scan_order and not stored.left
    assert {p.box_code for p in stored.placed} == {primary_rack}  # primary tubes: never in a cryobox
    located = services.storage.locate(scan_order[0])
    assert located is not None and located.position == stored.placed[0].position
    assert services.reception.board(shipment).counts.stored == 2


def test_a_shipment_by_hand_registers_tubes_as_they_are_scanned(services: Services, technician: Actor,
                                                                clinic: str) -> None:
    from biobank_desktop.core.services.reception import ArrivalConditions, ShipmentDetails

    info = services.reception.create_shipment(technician, clinic, ShipmentDetails(courier="DHL",
                                                                                  tracking_number="JD0001")).value
    assert info.status_label == "open" and not info.has_manifest and info.details.courier == "DHL"
    with pytest.raises(ValidationError, match="plausible"):
        services.reception.record_arrival(technician, info.code, ArrivalConditions(temperature_c=Decimal(-500)))
    arrived = services.reception.record_arrival(technician, info.code, ArrivalConditions(
        transport_temperature="dry ice", dry_ice_left="yes", temperature_c=Decimal("-71.5"),
        packaging="intact")).value
    assert arrived.arrival.transport_temperature == "dry_ice" and arrived.arrival.received_by == "tom"
    result = services.reception.receive(technician, info.code, "NEW-1").value
    assert result.outcome is ScanOutcome.UNEXPECTED and result.message.startswith("New tube")
    assert services.reception.shipments(status="partly received")[0].code == info.code
    assert [s.code for s in services.reception.shipments(status="open", partner=clinic)] == [info.code]


def test_a_listed_clinic_barcode_shaped_like_a_sample_id_is_received(services: Services, technician: Actor,
                                                                     clinic: str, tmp_path: Path) -> None:
    """Clinic barcodes such as 'UKL-2026-0001234' have the shape of an internal ID under another prefix."""
    code = manifest(services, technician, tmp_path / "m.xlsx", [tube("UKL-2026-0001234"), tube("CL0000009")])
    result = services.reception.receive(technician, code, "UKL-2026-0001234").value
    assert result.outcome is ScanOutcome.EXPECTED, (result.outcome, result.message)
    assert ("UKL-2026-0001234", "clinic") in services.queries.detail(result.sample_code or "").barcodes
    # This biobank's own IDs are still not tubes: a sample's label scanned by mistake records nothing.
    own = services.reception.receive(technician, code, result.sample_code or "").value
    assert own.outcome is ScanOutcome.NOT_A_TUBE and not own.recorded
    mistyped = (result.sample_code or "")[:-1] + ("0" if (result.sample_code or "").endswith("1") else "1")
    assert services.reception.receive(technician, code, mistyped).value.outcome is ScanOutcome.NOT_A_TUBE


def test_a_study_prefix_makes_its_ids_internal(services: Services, technician: Actor, supervisor: Actor) -> None:
    from biobank_desktop.core.domain.ids import format_sample_id

    one = services.samples.register(technician, NewSample("LUNG", "SER", participant="LU-1")).value
    foreign = format_sample_id("UKL", 2026, 1234)  # a valid ID under a prefix this biobank does not use
    services.samples.add_barcode(technician, one, foreign)
    assert (foreign, "clinic") in services.queries.detail(one).barcodes
    with pytest.raises(ValidationError, match="sample ID of this biobank"):
        services.samples.add_barcode(technician, one, format_sample_id("BB", 2026, 999_998))
    services.reference.set_study_prefix(supervisor, "COLON", "CLX", "the colon cohort's own IDs")
    with pytest.raises(ValidationError, match="sample ID of this biobank"):
        services.samples.add_barcode(technician, one, format_sample_id("CLX", 2027, 5))


def test_two_studies_cannot_share_a_sample_id_prefix_even_past_the_service_check(
        services: Services, supervisor: Actor) -> None:
    from biobank_desktop.core.db.models import Study
    from biobank_desktop.core.db.uow import UnitOfWork

    services.reference.set_study_prefix(supervisor, "LUNG", "LUX", "the lung cohort's own IDs")
    # As a second workstation would, between the service's check and its write:
    with pytest.raises(ConflictError, match="Another study already uses this sample ID prefix"), \
            UnitOfWork(services.db, supervisor) as uow:
        uow.session.query(Study).filter_by(code="COLON").one().sample_id_prefix = "LUX"
        uow.flush()


def test_a_manifest_with_times_and_processing_temperatures_gives_a_full_sprec_code(
        services: Services, technician: Actor, clinic: str, tmp_path: Path) -> None:
    """Elements 3 (collection → centrifugation at the pre-centrifugation temperature) and 6 (end of
    centrifugation → freezing at the post-centrifugation temperature) need the temperatures: from the manifest,
    in the clinic's words."""
    from tests.support.reception_kit import HEADERS
    from tests.unit.spreadsheets.helpers import make_xlsx

    headers = [*HEADERS, "Température avant centrifugation", "Temperatur nach Zentrifugation"]
    path = tmp_path / "temperatures.xlsx"
    make_xlsx(path, [[*tube("CL0000001"), "Température ambiante", "2–10 °C"],
                     [*tube("CL0000002", "LU-002"), "RT", "4 °C"], [*tube("CL0000003", "LU-003"), "", ""]],
              headers=headers)
    code = services.exchange.import_file(technician, path, kind="manifest", partner=clinic).value.shipment
    assert code is not None
    codes = [services.queries.detail(services.reception.receive(technician, code, bc).value.sample_code or ""
                                     ).sprec_code or "" for bc in ("CL0000001", "CL0000002", "CL0000003")]
    # Collected 08:15, spun 10:00–10:15, frozen 11:00: 1 h 45 at RT (A: < 2 h), 45 min at 2–10 °C (A: < 1 h).
    assert codes[0].split("-")[:6] == ["SER", "SST", "A", "X", "N", "A"], codes
    assert codes[1] == codes[0]
    assert codes[2].split("-")[2] == "X" and codes[2].split("-")[5] == "X", codes  # no temperatures: unknown
    bad = tmp_path / "bad.xlsx"  # an unknown word is a row problem, not a silent X
    make_xlsx(bad, [[*tube("CL0000009", "LU-009"), "lukewarm", "RT"]], headers=headers)
    report = services.exchange.import_file(technician, bad, kind="manifest", partner=clinic, dry_run=True).value
    assert [p.code for p in report.problems] == ["unknown_pre_centrifugation_temperature"]
