"""The demo plan: plain data, deterministic from the seed, computed without a database."""

from __future__ import annotations

import datetime as dt

from biobank_desktop.core.services.demo.plan import STORED, make_plan, storage_plan

UNTIL = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _fingerprint(seed: int) -> list[object]:
    plan = make_plan(seed, 1500, UNTIL)
    people = [(p.study.code, p.sex, [(c.version, c.status, c.signed_on) for c in p.consents]) for p in plan.people]
    tubes = [(t.primary.kind.sample_type, t.status, t.sprec_code, [(a.status, a.volume) for a in t.aliquots])
             for v in plan.tubes() for t in v.tubes]
    return [plan.rows, people, tubes]


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    assert _fingerprint(4) == _fingerprint(4)
    assert _fingerprint(4) != _fingerprint(5)


def test_the_plan_has_the_rows_asked_for_and_its_tubes_can_be_walked_twice() -> None:
    plan = make_plan(8, 2000, UNTIL)
    first = [(t.primary.volume, len(t.aliquots)) for v in plan.tubes() for t in v.tubes]
    assert [(t.primary.volume, len(t.aliquots)) for v in plan.tubes() for t in v.tubes] == first
    assert len(first) + sum(n for _, n in first) == plan.rows == 2000
    assert [p.visits[0].collected_at for p in plan.people] == sorted(p.visits[0].collected_at for p in plan.people)
    assert all(v.collected_at < UNTIL for v in plan.visits)


def test_aliquots_never_hold_more_than_their_tube_and_only_stored_ones_have_a_place() -> None:
    plan = make_plan(3, 3000, UNTIL)
    for visit in plan.tubes():
        for tube in visit.tubes:
            assert len(tube.aliquots) * tube.primary.aliquot_ul <= tube.primary.volume
            for aliquot in tube.aliquots:
                assert (aliquot.placed_at is not None) == (aliquot.status in STORED)
                assert 0 <= aliquot.volume <= tube.primary.aliquot_ul


def test_the_storage_plan_has_a_position_for_every_aliquot_within_rack_and_freezer_sizes() -> None:
    plan = make_plan(6, 4000, UNTIL)
    storage = storage_plan(plan.visits)
    aliquots = sum(p.aliquots for v in plan.visits for p in v.primaries)
    assert sum(g.boxes * len(g.positions) for g in storage.groups.values()) >= aliquots
    assert sum(len(rack) for f in storage.freezers for rack in f.racks) == storage.boxes
    assert all(len(rack) <= (13 if f.ln2 else 20) for f in storage.freezers for rack in f.racks)
    assert all(len(f.racks) <= (16 if f.ln2 else 20) for f in storage.freezers)
    assert [f.ln2 for f in storage.freezers] == sorted((f.ln2 for f in storage.freezers), reverse=True)
