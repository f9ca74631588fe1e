"""SPREC fidelity (issue 14) through the services on both backends: the sample detail explains every element with
its inputs (times to the second), overrides are explained with who and why and kept by storage re-derivation,
fine-needle aspirate typed ASN is stored FNA, and long-term storage follows the freezer's temperature class."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from biobank_desktop.core.db.models import Sample
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.changes import SAMPLE
from biobank_desktop.core.services.samples import NewSample
from tests.support.storage_kit import Tree, build_tree, make_samples

T0 = dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=dt.UTC)


def _at(h: int, m: int, s: int = 0) -> dt.datetime:
    return T0.replace(hour=h, minute=m, second=s)


def _local(moment: dt.datetime) -> str:
    local = moment.astimezone()
    return local.strftime("%H:%M:%S" if local.second else "%H:%M")


def _serum(**kw: object) -> NewSample:
    fields = {"study_code": "COLON", "sample_type": "SER", "participant": "COL-0009", "primary_container": "SST",
              "volume_ul": Decimal("1500"), "collected_at": _at(9, 0), "pre_centrifugation_temp": "RT",
              "centrifugation": "D", "centrifuged_at": _at(10, 0), "post_centrifugation_temp": "RT",
              "frozen_at": _at(11, 0)} | kw
    return NewSample(**fields)  # type: ignore[arg-type]


@pytest.fixture
def tree(services: Services, supervisor: Actor) -> Tree:
    return build_tree(services, supervisor)


def test_the_detail_explains_each_element_with_its_inputs(services: Services, technician: Actor) -> None:
    ended = services.samples.register(technician, _serum(centrifugation_ended_at=_at(10, 15))).value
    explained = services.queries.detail(ended).sprec_explanation
    assert explained is not None and explained.code == explained.derived_code == "SER-SST-A-D-N-B-X"
    post = explained.elements[5]
    assert (post.code, post.how) == ("B", "derived")
    assert post.text == (f"45 min from the end of centrifugation at {_local(_at(10, 15))} to freezing at "
                         f"{_local(_at(11, 0))}, room temperature (18–28 °C)")
    assert explained.elements[6].text.startswith("no long-term storage was recorded")
    assert len(explained.lines()) == 7

    start_only = services.samples.register(technician, _serum(frozen_at=_at(10, 59, 59))).value
    post = services.queries.detail(start_only).sprec_explanation.elements[5]  # type: ignore[union-attr]
    assert post.code == "B"  # 59 min 59 s from the start: under an hour whenever the spin ended
    assert "from its START at" in post.text and "is 59 min 59 s" in post.text
    assert post.text.endswith("so the delay from the end was under 59 min 59 s, within one range")
    a_second_over = services.samples.register(technician, _serum(frozen_at=_at(11, 0, 1))).value
    assert services.queries.detail(a_second_over).sprec_code.split("-")[5] == "X"  # under 1 h or not: unknown


def test_an_override_is_explained_with_who_when_and_why(services: Services, technician: Actor,
                                                        supervisor: Actor) -> None:
    code = services.samples.register(technician, _serum(centrifugation_ended_at=_at(10, 15))).value
    services.samples.override_sprec(supervisor, code, "ser-sst-a-d-n-b-e", "programmable freezing (CryoMed log)")
    explained = services.queries.detail(code).sprec_explanation
    assert explained is not None and explained.code == "SER-SST-A-D-N-B-E"
    storage = explained.elements[6]
    assert storage.how == "overridden"
    assert storage.text.startswith(f"overridden by {supervisor.username} on ")
    assert "(reason: programmable freezing (CryoMed log)); the recorded data give X" in storage.text
    assert [e.how for e in explained.elements[:6]] == ["recorded", "recorded", "derived", "recorded",
                                                      "not_applicable", "derived"]


def test_fine_needle_aspirate_typed_asn_is_stored_as_fna(services: Services, technician: Actor,
                                                         supervisor: Actor) -> None:
    code = services.samples.register(technician, NewSample(study_code="LUNG", sample_type="TIS",
                                                           collection_type="asn", warm_ischemia="N",
                                                           cold_ischemia=5, fixation="SNP", fixation_time="N",
                                                           long_term_storage="C")).value
    with services.db.new_session(write=False) as s:
        row = s.execute(select(Sample).where(Sample.sample_code == code)).scalar_one()
        assert (row.collection_type, row.sprec_code) == ("FNA", "TIS-FNA-N-B-SNP-N-C")
    services.samples.override_sprec(supervisor, code, "TIS-ASN-N-C-SNP-N-C", "cold ischaemia re-timed")
    detail = services.queries.detail(code)
    assert detail.sprec_code == "TIS-FNA-N-C-SNP-N-C"
    assert detail.sprec_explanation is not None
    collection, cold = detail.sprec_explanation.elements[1], detail.sprec_explanation.elements[3]
    assert collection.warning is not None and "ASN" in collection.warning  # the ⚠ of our table, beside the code
    assert cold.how == "overridden" and "the recorded data give B (5 min of cold ischaemia" in cold.text
    assert cold.warning is not None and cold.warning.startswith("⚠")
    with pytest.raises(ValidationError, match="Type of collection"):
        services.samples.override_sprec(supervisor, code, "TIS-ASP-N-C-SNP-N-C", "typo")


def test_storage_is_rederived_when_the_freezer_changes_class_and_an_override_is_kept(
        services: Services, technician: Actor, supervisor: Actor, tree: Tree) -> None:
    derived, overridden = make_samples(services, technician, 2)
    services.storage.place(technician, derived, tree.box, "A1")
    services.storage.place(technician, overridden, tree.box, "A2")
    services.samples.override_sprec(supervisor, overridden, "SER-SST-X-N-N-N-E", "programmable freezing")
    detail = services.queries.detail(derived)
    # A primary tube placed by hand in a cryobox stays a primary container: 'Y', not the cryotube's 'D'.
    assert detail.sprec_code is not None and detail.sprec_code.endswith("-Y")
    assert detail.sprec_explanation is not None
    assert detail.sprec_explanation.elements[6].text == ("from where the tube is stored: the original primary "
                                                         "container at −80 °C (−85 to −60 °C)")

    changes = services.storage.edit_container(supervisor, tree.freezer, setpoint_c=Decimal(4))
    assert changes.touches(SAMPLE)
    assert services.queries.detail(derived).sprec_code.endswith("-Z")  # a primary tube at 4 °C: SPREC names none
    [event] = [e for e in services.audit.history(technician, SAMPLE, derived)
               if e.action == "sprec.storage_derived"][-1:]
    assert event.before == {"long_term_storage": "Y", "sprec_code": "SER-SST-X-N-N-N-Y"}
    assert event.after == {"long_term_storage": "Z", "sprec_code": "SER-SST-X-N-N-N-Z"}
    assert services.queries.detail(overridden).sprec_code == "SER-SST-X-N-N-N-E"  # not replaced by derivation
    kept = [e for e in services.audit.history(technician, SAMPLE, overridden)
            if e.action == "sprec.storage_override_kept"]
    assert kept and "would give Z" in kept[-1].summary

    before = [e.seq for e in services.audit.history(technician, SAMPLE, derived)]
    services.storage.edit_container(supervisor, tree.freezer, setpoint_c=Decimal(5))  # same class: no change
    after = services.audit.history(technician, SAMPLE, derived)
    assert [e.seq for e in after] == before
