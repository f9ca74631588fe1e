"""Registering samples, the scan lookup, search paging and sample detail, on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.ids import parse_sample_id
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.samples import NewSample

T0 = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)


def _new(**kw: object) -> NewSample:
    fields = {"study_code": "COLON", "sample_type": "SER", "participant": "COL-0001", "site_code": None,
              "primary_container": "SST", "volume_ul": Decimal("1500")} | kw
    return NewSample(**fields)  # type: ignore[arg-type]


def test_registered_ids_are_sequential_with_valid_check_characters(services: Services, technician: Actor) -> None:
    codes = [services.samples.register(technician, _new()).value for _ in range(3)]
    parsed = [parse_sample_id(c) for c in codes]
    assert [p.seq for p in parsed] == [parsed[0].seq, parsed[0].seq + 1, parsed[0].seq + 2]
    assert len(set(codes)) == 3


def test_sprec_code_is_derived_from_time_points(services: Services, technician: Actor) -> None:
    code = services.samples.register(technician, _new(
        collected_at=T0, centrifuged_at=T0 + dt.timedelta(minutes=90), pre_centrifugation_temp="RT",
        centrifugation="D", second_centrifugation="N", frozen_at=T0 + dt.timedelta(minutes=130),
        post_centrifugation_temp="COLD", long_term_storage="A")).value
    detail = services.queries.detail(code)
    assert detail.sprec_code == "SER-SST-A-D-N-A-A"
    assert detail.sprec_elements[0][1] == "SER"
    assert detail.sample_type_meaning.lower().startswith("serum")


def test_external_barcode_with_leading_zeros_is_found_by_scan(services: Services, technician: Actor) -> None:
    code = services.samples.register(technician, _new(external_barcodes=("0153464097",))).value
    assert services.queries.sample_code_for_barcode("0153464097\r\n") == code
    assert services.queries.sample_code_for_barcode("153464097") is None, "leading zeros are significant"
    hit = services.queries.lookup(" 0153464097 ")
    assert (hit.kind, hit.key) == ("sample", code)
    assert services.queries.lookup(code.lower()).key == code


def test_duplicate_barcode_is_refused_with_the_owner_named(services: Services, technician: Actor) -> None:
    first = services.samples.register(technician, _new(external_barcodes=("CLIN-77",))).value
    with pytest.raises(ConflictError, match=first):
        services.samples.register(technician, _new(external_barcodes=("CLIN-77",)))
    assert services.queries.count(SampleCriteria()) == (1, True)


def test_lookup_of_participant_and_unknown_code(services: Services, technician: Actor) -> None:
    services.samples.register(technician, _new(participant="COL-4242"))
    person = services.queries.lookup("COL-4242")
    assert person.kind == "participant" and person.key == "COLON/COL-4242"
    unknown = services.queries.lookup("NOPE-1")
    assert unknown.kind == "none" and "not a known" in unknown.display


def test_search_pages_by_keyset_and_filters(services: Services, technician: Actor) -> None:
    codes = []
    for i in range(7):
        study = "LUNG" if i % 2 else "COLON"
        codes.append(services.samples.register(technician, _new(
            study_code=study, participant=f"P-{i}", sample_type="PL1" if i < 3 else "SER",
            collected_at=T0 + dt.timedelta(days=i))).value)
    page1 = services.queries.search_ids(SampleCriteria(), limit=4)
    page2 = services.queries.search_ids(SampleCriteria(), before_id=page1[-1], limit=4)
    assert len(page1) == 4 and len(page2) == 3 and not set(page1) & set(page2)
    rows = services.queries.rows(page1 + page2)
    assert [r.sample_code for r in rows] == codes[::-1]
    lung = services.queries.rows(services.queries.search_ids(SampleCriteria(study_codes=("LUNG",))))
    assert {r.study for r in lung} == {"LUNG"} and len(lung) == 3
    dated = SampleCriteria(collected_from=(T0 + dt.timedelta(days=2)).date(),
                           collected_to=(T0 + dt.timedelta(days=4)).date(), sample_types=("SER",))
    assert {r.sample_code for r in services.queries.rows(services.queries.search_ids(dated))} == {codes[3], codes[4]}
    assert services.queries.count(SampleCriteria(text="P-5")) == (1, True)
    prefix = codes[0][:-3]
    assert services.queries.count(SampleCriteria(text=prefix)) == (7, True)
    assert services.queries.count(SampleCriteria(), cap=5) == (5, False)


def test_detail_shows_lineage_and_location(services: Services, technician: Actor) -> None:
    parent = services.samples.register(technician, _new()).value
    child = services.samples.register(technician, _new(participant="COL-0002")).value
    with services.db.engine.begin() as conn:
        conn.execute(text("UPDATE samples SET parent_id = (SELECT id FROM samples WHERE sample_code = :p), "
                          "lineage_kind = 'aliquot' WHERE sample_code = :c"), {"p": parent, "c": child})
        freezer = conn.execute(text("INSERT INTO storage_containers (container_type_id, name, location_note, active,"
                                    " created_at) VALUES (1, 'Freezer F-01', '', true, CURRENT_TIMESTAMP)"
                                    " RETURNING id")).scalar_one()
        box = conn.execute(text("INSERT INTO storage_containers (parent_id, container_type_id, name, barcode,"
                                " location_note, active, created_at) VALUES (:f, 8, 'Box RB-0007', 'RB-0007', '',"
                                " true, CURRENT_TIMESTAMP) RETURNING id"), {"f": freezer}).scalar_one()
        conn.execute(text("INSERT INTO sample_locations (sample_id, container_id, row, col, placed_at, placed_by)"
                          " SELECT id, :b, 2, 4, CURRENT_TIMESTAMP, 'tom' FROM samples WHERE sample_code = :c"),
                     {"b": box, "c": child})
    detail = services.queries.detail(child)
    assert detail.parent is not None and detail.parent.sample_code == parent
    assert detail.location is not None and detail.location.display == "Freezer F-01 › Box RB-0007 › B4"
    assert [c.sample_code for c in services.queries.detail(parent).children] == [child]
    assert services.queries.lookup("RB-0007").kind == "container"


def test_one_tube_per_position_and_one_position_per_tube(services: Services, technician: Actor) -> None:
    a = services.samples.register(technician, _new()).value
    b = services.samples.register(technician, _new(participant="COL-0002")).value
    with services.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO storage_containers (container_type_id, name, location_note, active,"
                          " created_at) VALUES (8, 'Box 1', '', true, CURRENT_TIMESTAMP)"))
    place = ("INSERT INTO sample_locations (sample_id, container_id, row, col, placed_at, placed_by) SELECT id, "
             "(SELECT id FROM storage_containers WHERE name = 'Box 1'), :r, :c, CURRENT_TIMESTAMP, 'tom' "
             "FROM samples WHERE sample_code = :s")
    with services.db.engine.begin() as conn:
        conn.execute(text(place), {"r": 1, "c": 1, "s": a})
    with pytest.raises(Exception, match="(?i)unique|duplicate"), services.db.engine.begin() as conn:
        conn.execute(text(place), {"r": 1, "c": 1, "s": b})
    with pytest.raises(Exception, match="(?i)unique|duplicate|primary"), services.db.engine.begin() as conn:
        conn.execute(text(place), {"r": 1, "c": 2, "s": a})


def test_volume_can_never_go_negative_in_the_database(services: Services, technician: Actor) -> None:
    code = services.samples.register(technician, _new()).value
    with pytest.raises(Exception, match="(?i)check|constraint"), services.db.engine.begin() as conn:
        conn.execute(text("UPDATE samples SET volume_ul = volume_ul - 2000 WHERE sample_code = :c"), {"c": code})
    assert services.queries.detail(code).volume_ul == Decimal("1500")


def test_stale_edit_is_refused_as_a_conflict(services: Services, technician: Actor) -> None:
    code = services.samples.register(technician, _new()).value
    seen = services.queries.detail(code).version
    services.samples.update_notes(technician, code, "first note", expected_version=seen)
    with pytest.raises(ConflictError, match="changed by someone else"):
        services.samples.update_notes(technician, code, "second note", expected_version=seen)
    assert services.queries.detail(code).notes == "first note"


def test_unknown_references_are_clear_errors(services: Services, technician: Actor, supervisor: Actor) -> None:
    with pytest.raises(NotFoundError, match="no study XYZ"):
        services.samples.register(technician, _new(study_code="XYZ"))
    with pytest.raises(NotFoundError, match="no partner site"):
        services.samples.register(technician, _new(site_code="NOWHERE"))
    with pytest.raises(NotFoundError, match="There is no sample"):
        services.queries.detail("BB-2026-999999X")
    code = services.samples.register(technician, _new()).value
    with pytest.raises(ValidationError):
        services.samples.override_sprec(supervisor, code, "NOT-A-CODE", "typo fix")
    services.samples.override_sprec(supervisor, code, "SER-SST-A-D-N-A-A", "corrected from lab sheet")
    detail = services.queries.detail(code)
    assert detail.sprec_code == "SER-SST-A-D-N-A-A" and detail.sprec_overridden


def test_consent_withdrawal_is_kept_and_shown_on_the_sample(services: Services, technician: Actor) -> None:
    code = services.samples.register(technician, _new(participant="COL-0777")).value
    cid = services.participants.record_consent(technician, "COLON", "COL-0777", version="v2.1",
                                               scope="broad research", signed_on=dt.date(2025, 5, 2)).value
    with pytest.raises(ValidationError, match="reason"):
        services.participants.withdraw_consent(technician, cid, dt.date(2026, 1, 5), " ")
    with pytest.raises(ValidationError, match="before it was signed"):
        services.participants.withdraw_consent(technician, cid, dt.date(2024, 1, 5), "letter 2026-01")
    services.participants.withdraw_consent(technician, cid, dt.date(2026, 1, 5), "letter of 2026-01-03")
    detail = services.queries.detail(code)
    assert [(c.status, c.withdrawn_on) for c in detail.consents] == [("withdrawn", dt.date(2026, 1, 5))]
    person = services.queries.participant("colon", "COL-0777")
    assert person.consent_withdrawn and person.sample_count == 1
    history = services.audit.history(technician, "participant", "COLON/COL-0777")
    assert [e.action for e in history] == ["participant.added", "consent.recorded", "consent.withdrawn"]
    assert history[-1].reason == "letter of 2026-01-03"
