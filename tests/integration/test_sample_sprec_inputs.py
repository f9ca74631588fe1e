"""What registration records for SPREC (migration 0008): the end of centrifugation, solid-tissue inputs and a
study's own sample ID prefix — on both backends, with times to the second."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from biobank_desktop.core.db.models import Sample, Study
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.ids import parse_sample_id
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample

T0 = dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=dt.UTC)


def _at(h: int, m: int, s: int = 0) -> dt.datetime:
    return T0.replace(hour=h, minute=m, second=s)


def _spun(**kw: object) -> NewSample:
    fields = {"study_code": "COLON", "sample_type": "SER", "participant": "COL-0001", "primary_container": "SST",
              "volume_ul": Decimal("1500"), "collected_at": _at(9, 0), "pre_centrifugation_temp": "RT",
              "centrifugation": "D", "second_centrifugation": "N", "centrifuged_at": _at(10, 0),
              "post_centrifugation_temp": "RT", "frozen_at": _at(11, 0), "long_term_storage": "A"} | kw
    return NewSample(**fields)  # type: ignore[arg-type]


def test_post_centrifugation_delay_is_timed_from_the_end_of_the_spin(services: Services, technician: Actor) -> None:
    # Spun 10:00:00-10:15:00, frozen 11:00:00: 45 min after the end is B; with only the start, 10:00:00 → 11:00:00
    # still bounds the delay from the end under 1 h: B too; frozen at 11:30:00 it could be B or D: X, not a guess.
    ended = services.samples.register(technician, _spun(centrifugation_ended_at=_at(10, 15))).value
    start_only = services.samples.register(technician, _spun()).value
    assert services.queries.detail(ended).sprec_code.split("-")[5] == "B"
    assert services.queries.detail(start_only).sprec_code.split("-")[5] == "B"
    unsure = services.samples.register(technician, _spun(frozen_at=_at(11, 30))).value
    assert services.queries.detail(unsure).sprec_code.split("-")[5] == "X"
    with services.db.new_session(write=False) as s:
        stored = s.execute(select(Sample.centrifugation_ended_at).where(Sample.sample_code == ended)).scalar_one()
    assert stored.replace(tzinfo=None) == _at(10, 15).replace(tzinfo=None)


def test_a_spin_ending_one_second_before_it_starts_is_refused(services: Services, technician: Actor) -> None:
    with pytest.raises(ValidationError, match=r"centrifugation ends \(.* 09:59:59\) before it starts \(.* 10:00\)"):
        services.samples.register(technician, _spun(centrifugation_ended_at=_at(9, 59, 59)))


def test_solid_tissue_gets_its_code_from_collection_ischaemia_and_fixation(services: Services,
                                                                          technician: Actor) -> None:
    new = NewSample(study_code="LUNG", sample_type="TIS", participant="LNG-0001", primary_container="XXX",
                    collection_type="SRG", warm_ischemia=15, cold_ischemia="25", fixation="NBF",
                    fixation_time=24 * 60, long_term_storage="A")
    code = services.samples.register(technician, new).value
    with services.db.new_session(write=False) as s:
        row = s.execute(select(Sample).where(Sample.sample_code == code)).scalar_one()
        got = (row.material, row.collection_type, row.warm_ischemia, row.cold_ischemia, row.fixation,
               row.fixation_time, row.sprec_code)
    tables_code = got[-1]
    assert got[:-1] == ("solid", "SRG", "15", "25", "NBF", "1440")
    assert tables_code.startswith("TIS-SRG-") and tables_code.endswith("-NBF-" + tables_code.split("-")[5] + "-A")
    unknown = services.samples.register(technician, NewSample(study_code="LUNG", sample_type="TIS",
                                                              collection_type="SRG")).value
    assert services.queries.detail(unknown).sprec_code == "TIS-SRG-X-X-XXX-X-X"


def test_a_type_that_is_not_of_the_material_given_is_refused(services: Services, technician: Actor) -> None:
    with pytest.raises(ValidationError, match="'SER' is not a SPREC solid sample type"):
        services.samples.register(technician, NewSample(study_code="LUNG", sample_type="SER", material="solid"))
    with pytest.raises(ValidationError, match="not a time in minutes or a SPREC code"):
        services.samples.register(technician, NewSample(study_code="LUNG", sample_type="TIS", collection_type="SRG",
                                                        warm_ischemia="ten"))


def test_a_study_with_its_own_prefix_numbers_its_samples_apart(services: Services, technician: Actor) -> None:
    with services.db.new_session(write=True) as s:
        s.execute(update(Study).where(Study.code == "LUNG").values(sample_id_prefix="LUNG"))
        s.commit()
    lung = [services.samples.register(technician, NewSample(study_code="LUNG", sample_type="SER")).value
            for _ in range(2)]
    other = services.samples.register(technician, NewSample(study_code="COLON", sample_type="SER")).value
    parsed = [parse_sample_id(c) for c in lung]
    assert [p.prefix for p in parsed] == ["LUNG", "LUNG"]
    assert parsed[1].seq == parsed[0].seq + 1
    assert parse_sample_id(other).prefix == "BB"
