"""Demo data: the invariants a real biobank's data keep, determinism, all-or-nothing, on both backends."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import Base
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import OperationCancelledError, PermissionDeniedError, ValidationError
from biobank_desktop.core.domain.ids import format_child_id, parse_sample_id
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services
from biobank_desktop.core.services.demo import DEMO_ACCOUNTS, DemoReport, generate_demo, is_demo_database
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.sprec_info import derive_fluid_code, validate_sprec
from tests.conftest import _pg_url, pg_create_database, pg_drop_database
from tests.support.accounts import administrator

SYSTEM = Actor.system("test-demo", "TEST-WS-1")
UNTIL = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SAMPLES = 3000
STORED = {"available", "reserved", "quarantined"}


def _fresh_url(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = folder / f"demo-{len(list(folder.iterdir()))}.sqlite"
        shutil.copyfile(template, path)
        yield f"sqlite+pysqlite:///{path}"
    else:
        name = pg_create_database(request.getfixturevalue("pg_template"))
        yield _pg_url(name)
        pg_drop_database(name)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database,
                                                                                                      DemoReport]]:
    """One demo database per backend, shared by the read-only checks of this module."""
    for url in _fresh_url(request, request.param, tmp_path_factory.mktemp("demo")):
        db = Database(url)
        seen: list[float] = []
        report = generate_demo(db, SYSTEM, SAMPLES, seed=11, until=UNTIL, progress=lambda f, _t: seen.append(f))
        assert seen == sorted(seen) and seen[-1] == 1.0
        yield db, report
        db.dispose()


def _rows(db: Database, sql: str, **params: Any) -> list[sa.Row[Any]]:
    with db.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def _table(db: Database, name: str) -> list[sa.Row[Any]]:
    """Every row of a table, typed by the models (aware UTC datetimes, dates, Decimals)."""
    table = Base.metadata.tables[name]
    with db.engine.connect() as conn:
        return list(conn.execute(sa.select(table).order_by(*table.primary_key.columns)))


def _samples(db: Database) -> list[sa.Row[Any]]:
    return _table(db, "samples")


# -- what is there ----------------------------------------------------------------------------------------


def test_counts_match_the_report(demo: tuple[Database, DemoReport]) -> None:
    db, report = demo
    kinds = Counter(r.lineage_kind for r in _samples(db))
    assert report.samples == SAMPLES == sum(kinds.values())
    assert (kinds["primary"], kinds["aliquot"]) == (report.primary_samples, report.aliquots)
    counts = {t: _rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in (
        "participants", "consents", "sample_barcodes", "sample_locations", "partner_sites", "users")}
    assert counts == {"participants": report.participants, "consents": report.consents,
                      "sample_barcodes": report.external_barcodes, "sample_locations": report.positions_used,
                      "partner_sites": report.partner_sites, "users": len(DEMO_ACCOUNTS)}
    assert report.last_collected is not None and report.last_collected < UNTIL
    assert is_demo_database(db)


def test_every_aliquot_has_its_parent_and_an_id_derived_from_it(demo: tuple[Database, DemoReport]) -> None:
    db, _ = demo
    rows = _samples(db)
    by_id = {r.id: r for r in rows}
    children: dict[int, list[sa.Row[Any]]] = defaultdict(list)
    for r in rows:
        if r.lineage_kind == "primary":
            assert r.parent_id is None
            sid = parse_sample_id(r.sample_code)
            assert sid.suffix is None and sid.year == r.collected_at.year
        else:
            assert r.lineage_kind == "aliquot"
            parent = by_id[r.parent_id]
            assert parent.lineage_kind == "primary"
            assert (r.study_id, r.participant_id, r.sample_type) == (
                parent.study_id, parent.participant_id, parent.sample_type)
            children[parent.id].append(r)
    assert sum(map(len, children.values())) > 50, "the loop saw aliquots"
    for parent_id, kids in children.items():
        parent = by_id[parent_id]
        assert [k.sample_code for k in kids] == [format_child_id(parent.sample_code, "aliquot", n)
                                                 for n in range(1, len(kids) + 1)]


def test_volumes_are_never_negative_and_parents_give_what_their_aliquots_hold(
        demo: tuple[Database, DemoReport]) -> None:
    db, _ = demo
    rows = _samples(db)
    given: defaultdict[int, Decimal] = defaultdict(Decimal)
    for r in rows:
        assert r.volume_ul is not None and r.volume_ul >= 0
        assert r.initial_volume_ul is not None and r.volume_ul <= r.initial_volume_ul
        if r.parent_id is not None:
            given[r.parent_id] += r.initial_volume_ul
            if r.status == "consumed":
                assert r.volume_ul == 0
    assert len(given) > 20, "the loop saw aliquots and the parents that gave them"
    assert any(r.status == "consumed" and r.parent_id is not None for r in rows), "a consumed aliquot was checked"
    for r in rows:
        if r.lineage_kind == "primary":
            assert r.volume_ul == r.initial_volume_ul - given[r.id], r.sample_code


def test_one_tube_per_position_inside_each_box_and_only_tubes_still_there(
        demo: tuple[Database, DemoReport]) -> None:
    db, report = demo
    placed = _rows(db, """
        SELECT l.container_id, l."row", l.col, s.status, t.kind, t."rows" AS n_rows, t."columns" AS n_cols
        FROM sample_locations l JOIN samples s ON s.id = l.sample_id
        JOIN storage_containers c ON c.id = l.container_id JOIN container_types t ON t.id = c.container_type_id""")
    assert len(placed) == report.positions_used > 0
    positions = Counter((p.container_id, p.row, p.col) for p in placed)
    assert max(positions.values()) == 1
    for p in placed:
        assert p.kind == "box" and 1 <= p.row <= p.n_rows and 1 <= p.col <= p.n_cols
        assert p.status in STORED
    statuses = Counter(r.status for r in _samples(db))
    assert {"available", "consumed", "shipped"} <= set(statuses)
    assert statuses["available"] > 0.7 * SAMPLES * 0.85
    boxes = _rows(db, "SELECT barcode FROM storage_containers c JOIN container_types t ON t.id = c.container_type_id "
                      "WHERE t.kind = 'box'")
    assert len(boxes) == report.boxes and all(re.fullmatch(r"BOX-\d{6}", b.barcode) for b in boxes)


def test_sprec_codes_are_valid_and_derived_from_the_stored_time_points(demo: tuple[Database, DemoReport]) -> None:
    db, _ = demo
    coded = spun = 0
    for r in _samples(db):
        if r.sprec_code is None:
            assert r.lineage_kind == "primary" and r.frozen_at is None, "only tubes not yet processed lack one"
            continue
        validate_sprec(r.sprec_version, r.material, r.sprec_code)
        derived = derive_fluid_code(NewSample(
            study_code="-", sample_type=r.sample_type, primary_container=r.primary_container,
            collected_at=r.collected_at, centrifuged_at=r.centrifuged_at, frozen_at=r.frozen_at,
            pre_centrifugation_temp=r.pre_centrifugation_temp, centrifugation=r.centrifugation,
            second_centrifugation=r.second_centrifugation, post_centrifugation_temp=r.post_centrifugation_temp,
            long_term_storage=r.long_term_storage, centrifugation_ended_at=r.centrifugation_ended_at))
        assert derived == r.sprec_code, r.sample_code
        assert r.collected_at <= r.received_at <= (r.centrifuged_at or r.frozen_at) <= r.frozen_at
        # Spun tubes record the end of the spin, and the post-centrifugation delay runs from it (issue 14).
        assert (r.centrifugation_ended_at is None) == (r.centrifuged_at is None), r.sample_code
        if r.centrifuged_at is not None:
            assert r.centrifuged_at < r.centrifugation_ended_at <= r.frozen_at
            spun += 1
        coded += 1
    assert coded > 0.9 * SAMPLES
    assert spun > 0.5 * coded


def test_participants_are_pseudonyms_with_miabis_sex_and_consents(demo: tuple[Database, DemoReport]) -> None:
    db, report = demo
    people = _rows(db, "SELECT p.id, p.pseudonym, p.sex, s.code FROM participants p "
                       "JOIN studies s ON s.id = p.study_id")
    assert all(re.fullmatch(r"[A-Z0-9]{3}-\d{5}", p.pseudonym) for p in people)
    assert {p.sex for p in people} <= {"male", "female", "unknown", "undifferentiated", "not_applicable"}
    assert {p.code for p in people} == {"LUNG", "BREAST", "COLON", "PARK", "T2D", "NPC"}
    consents = _table(db, "consents")
    assert {c.participant_id for c in consents} == {p.id for p in people}, "everyone has a consent"
    withdrawn = [c for c in consents if c.status == "withdrawn"]
    assert len(withdrawn) == report.consents_withdrawn
    for c in withdrawn:
        assert c.withdrawn_on > c.signed_on and c.withdrawal_reason
        kept = _rows(db, "SELECT count(*) FROM samples WHERE participant_id = :p AND status IN "
                         "('available', 'reserved', 'quarantined') AND lineage_kind = 'aliquot'", p=c.participant_id)
        assert kept[0][0] == 0, "material of a withdrawn participant is destroyed"


def test_external_barcodes_scan_back_to_their_sample(demo: tuple[Database, DemoReport]) -> None:
    db, _ = demo
    services = build_services(db, "TEST-WS-1")
    barcodes = _rows(db, "SELECT b.barcode, b.kind, s.sample_code FROM sample_barcodes b "
                         "JOIN samples s ON s.id = b.sample_id ORDER BY b.id")
    kinds = Counter(b.kind for b in barcodes)
    assert kinds["clinic"] > 0 and kinds["tube"] > 0
    with_zero = [b for b in barcodes if b.barcode[0] == "0" and b.barcode.isdigit()]
    assert with_zero, "some clinics' numeric barcodes start with zeros"
    for b in [*barcodes[:20], *with_zero[:20]]:
        assert services.queries.sample_code_for_barcode(b.barcode) == b.sample_code
        assert services.queries.lookup(b.barcode + "\r\n").key == b.sample_code
    assert services.queries.sample_code_for_barcode(with_zero[0].barcode.lstrip("0")) is None


def test_primary_tubes_have_racks_of_their_own_and_never_get_a_cryobox(demo: tuple[Database, DemoReport]) -> None:
    """Reception's "Store accepted" finds space for primary tubes: racks made for them in a −80 °C freezer."""
    db, _ = demo
    racks = _rows(db, "SELECT c.barcode, c.name FROM storage_containers c JOIN container_types t "
                      "ON t.id = c.container_type_id WHERE t.tube_kind = 'primary_container'")
    assert len(racks) == 8 and all(r.name.startswith("Primary tubes ") for r in racks)
    storage = build_services(db, "TEST-WS-1").storage
    plan = storage.find_space(12, container="primary_container")  # nothing written
    assert plan.complete and {s.box_code for s in plan.slots} <= {r.barcode for r in racks}
    assert storage.box_map(plan.slots[0].box_code).temperature_class == "-85_to_-60"
    cryo = storage.find_space(3, container="cryotube_1_2ml")
    assert cryo.complete and not {s.box_code for s in cryo.slots} & {r.barcode for r in racks}


def test_one_audit_event_and_an_intact_chain(demo: tuple[Database, DemoReport]) -> None:
    db, report = demo
    events = _rows(db, "SELECT action, username FROM audit_events ORDER BY seq")
    assert [(e.action, e.username) for e in events] == [("demo.generated", SYSTEM.username)]
    assert build_services(db).audit.verify().ok
    assert report.seconds > 0


def test_demo_accounts_can_log_in(demo: tuple[Database, DemoReport]) -> None:
    db, _ = demo
    accounts = build_services(db, "TEST-WS-1").accounts
    for username, display_name, role, password in DEMO_ACCOUNTS:
        actor = accounts.authenticate(username, password)
        assert (actor.display_name, actor.role) == (display_name, role)
        assert len(password) >= 8
    assert {r for _, _, r, _ in DEMO_ACCOUNTS} == set(Role)


# -- behaviour --------------------------------------------------------------------------------------------


def _content(db: Database) -> list[tuple[Any, ...]]:
    """Everything about the samples that the seed decides (not the database's own clock)."""
    rows = _rows(db, """
        SELECT s.sample_code, s.sample_type, s.volume_ul, s.status, s.sprec_code, s.collected_at, s.notes,
               p.pseudonym, p.sex, c.barcode AS box, l."row", l.col, b.barcode
        FROM samples s LEFT JOIN participants p ON p.id = s.participant_id
        LEFT JOIN sample_locations l ON l.sample_id = s.id LEFT JOIN storage_containers c ON c.id = l.container_id
        LEFT JOIN sample_barcodes b ON b.sample_id = s.id ORDER BY s.sample_code, b.barcode""")
    return [tuple(str(v) for v in r) for r in rows]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_same_seed_gives_the_same_data(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    contents = []
    for seed in (5, 5, 6):
        for url in _fresh_url(request, backend, tmp_path):
            db = Database(url)
            generate_demo(db, SYSTEM, 800, seed=seed, until=UNTIL)
            contents.append(_content(db))
            db.dispose()
    assert len(contents[0]) >= 800
    assert contents[0] == contents[1]
    assert contents[0] != contents[2]


def _snapshot(db: Database) -> dict[str, object]:
    tables = ("samples", "sample_barcodes", "sample_locations", "participants", "consents", "storage_containers",
              "container_types", "partner_sites", "studies", "users", "audit_events")
    state: dict[str, object] = {t: _rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    state["sequences"] = sorted(map(tuple, _rows(db, "SELECT name, next_value FROM id_sequences")))
    state["settings"] = sorted(map(tuple, _rows(db, "SELECT key, value FROM settings")))
    state["audit_head"] = tuple(_rows(db, "SELECT last_seq, last_hash FROM audit_head")[0])
    return state


def test_cancel_leaves_the_database_unchanged(services: Services) -> None:
    db = services.db
    before = _snapshot(db)
    messages: list[str] = []

    def cancelled() -> bool:  # after the first chunk of samples has been written
        return any(m.startswith("Samples") for m in messages)

    with pytest.raises(OperationCancelledError, match="nothing was added"):
        generate_demo(db, SYSTEM, 12_000, seed=3, until=UNTIL, progress=lambda _f, m: messages.append(m),
                      cancelled=cancelled)
    assert any(m.startswith("Samples: 1") for m in messages), messages
    assert _snapshot(db) == before
    assert not is_demo_database(db)


def test_refuses_a_database_with_samples_unless_allowed(services: Services) -> None:
    first = generate_demo(services.db, SYSTEM, 200, seed=1, until=UNTIL)
    admin = administrator(services)  # the system actor acts only on a database without accounts
    assert admin is not None and admin.username == "admin"
    with pytest.raises(PermissionDeniedError, match="has user accounts"):
        generate_demo(services.db, SYSTEM, 200, seed=2, until=UNTIL, allow_existing=True)
    with pytest.raises(ValidationError, match="already holds samples"):
        generate_demo(services.db, admin, 200, seed=2, until=UNTIL)
    second = generate_demo(services.db, admin, 300, seed=2, until=UNTIL, allow_existing=True)
    assert first.accounts_created and second.accounts_created == ()
    codes = [r.sample_code for r in _rows(services.db, "SELECT sample_code FROM samples")]
    assert len(codes) == len(set(codes)) == 500
    pseudonyms = _rows(services.db, "SELECT study_id, pseudonym FROM participants")
    assert len(pseudonyms) == first.participants + second.participants


def test_real_registrations_continue_the_demo_sequence(services: Services, technician: Actor) -> None:
    admin = administrator(services)
    assert admin is not None
    generate_demo(services.db, admin, 300, seed=9)  # until today: this year's IDs are in use
    year = dt.datetime.now(dt.UTC).year
    used = [parse_sample_id(r.sample_code).seq for r in _rows(
        services.db, "SELECT sample_code FROM samples WHERE lineage_kind = 'primary'")
        if parse_sample_id(r.sample_code).year == year]
    code = services.samples.register(technician, NewSample(study_code="COLON", sample_type="SER")).value
    assert parse_sample_id(code).seq == max(used, default=0) + 1


def test_needs_the_manage_database_permission(services: Services, supervisor: Actor, admin: Actor) -> None:
    with pytest.raises(PermissionDeniedError):
        generate_demo(services.db, supervisor, 50, until=UNTIL)
    report = generate_demo(services.db, admin, 50, until=UNTIL)
    assert report.samples == 50 and report.accounts_created == (), "the database had accounts already"
