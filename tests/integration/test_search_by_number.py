"""Searching the number part of an ID ("000092", "92") finds the sample (issue 8, minor). Both backends."""

from __future__ import annotations

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.ids import parse_sample_id
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.samples import NewSample


def test_the_number_part_of_an_id_finds_the_sample(services: Services, technician: Actor) -> None:
    codes = [services.samples.register(technician, NewSample(study_code="COLON", sample_type="SER")).value
             for _ in range(12)]
    target = codes[10]
    number = parse_sample_id(target).seq
    for text in (f"{number:06d}", str(number), f" {number:06d} "):
        ids = services.queries.search_ids(SampleCriteria(text=text))
        assert [r.sample_code for r in services.queries.rows(ids)] == [target], text
        assert services.queries.count(SampleCriteria(text=text)) == (1, True)
    assert services.queries.search_ids(SampleCriteria(text="999999")) == []
    assert services.queries.search_ids(SampleCriteria(text="0")) == []
    # The full ID and an ID prefix still work as before.
    assert len(services.queries.search_ids(SampleCriteria(text=target))) == 1
    assert len(services.queries.search_ids(SampleCriteria(text=target[:8]))) >= 12
