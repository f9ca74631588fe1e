"""SPREC code tables (reference data), validation, description and derivation."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.sprec import (
    SPREC_VERSIONS,
    SprecElement,
    derive_fluid_sprec,
    derive_solid_sprec,
    fluid_sample_types,
    load_sprec_tables,
    normalize_sprec_version,
    primary_containers,
    solid_sample_types,
)
from biobank_desktop.core.resources import resource_path

T0 = dt.datetime(2026, 3, 2, 8, 0)  # collection time used throughout


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


# -- the reference data --------------------------------------------------------------------------------


def test_versions_and_aliases() -> None:
    assert SPREC_VERSIONS == ("2.0", "3.0")
    for alias in ("3", "3.0", "v3", "V3.0", " 3 "):
        assert normalize_sprec_version(alias) == "3.0"
    assert load_sprec_tables("v3") is load_sprec_tables("3.0")  # cached
    assert load_sprec_tables("2").version == "2.0"


@pytest.mark.parametrize("version", ["4.0", "1", "", "three"])
def test_unknown_version(version: str) -> None:
    with pytest.raises(ValidationError, match="not installed"):
        load_sprec_tables(version)


@pytest.mark.parametrize("file_name", ["v2.json", "v3.json"])
def test_data_files_are_plain_json_with_notes(file_name: str) -> None:
    raw = json.loads(resource_path("reference", "sprec", file_name).read_text(encoding="utf-8"))
    assert raw["format"] == 1
    assert [e["key"] for e in raw["fluid"]] == [
        "sample_type",
        "primary_container",
        "pre_centrifugation",
        "centrifugation",
        "second_centrifugation",
        "post_centrifugation",
        "long_term_storage",
    ]
    assert [e["key"] for e in raw["solid"]] == [
        "sample_type",
        "collection_type",
        "warm_ischemia",
        "cold_ischemia",
        "fixation",
        "fixation_time",
        "long_term_storage",
    ]


def _codes(version: str, kind: str, key: str) -> set[str]:
    return {entry.code for entry in load_sprec_tables(version).element(kind, key).codes}  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["fluid", "solid"])
def test_v3_is_v2_plus_the_v3_codes(kind: str) -> None:
    v2, v3 = load_sprec_tables("2.0"), load_sprec_tables("3.0")
    for e2, e3 in zip(v2.elements(kind), v3.elements(kind), strict=True):  # type: ignore[arg-type]
        assert e2.key == e3.key
        assert {c.code for c in e2.codes} <= {c.code for c in e3.codes}, e2.key


@pytest.mark.parametrize(
    ("kind", "key", "code"),
    [
        ("fluid", "sample_type", "CTC"),
        ("fluid", "primary_container", "SCK"),
        ("fluid", "primary_container", "CSV"),
        ("fluid", "primary_container", "OMN"),
        ("fluid", "primary_container", "RNL"),
        ("solid", "sample_type", "BON"),
        ("solid", "sample_type", "NAL"),
        ("solid", "sample_type", "TTH"),
    ],
)
def test_v3_only_codes(kind: str, key: str, code: str) -> None:
    assert code in _codes("3.0", kind, key)
    assert code not in _codes("2.0", kind, key)


def test_unchecked_entries_carry_their_warning() -> None:
    v3 = load_sprec_tables("3.0")
    for kind, key, code in [
        ("fluid", "sample_type", "CRD"),
        ("fluid", "sample_type", "PLP"),
        ("fluid", "primary_container", "LHB"),
        ("fluid", "long_term_storage", "U"),
        ("solid", "collection_type", "FNA"),
    ]:
        entry = v3.element(kind, key).get(code)  # type: ignore[arg-type]
        assert entry is not None
        assert entry.note is not None
        assert entry.note.startswith("⚠"), (key, code)
    cold = v3.element("solid", "cold_ischemia")
    assert cold.note is not None
    assert "⚠" in cold.note
    assert load_sprec_tables("2.0").element("solid", "cold_ischemia").note is None


def _timed_elements() -> list[tuple[str, SprecElement]]:
    found = []
    for version in SPREC_VERSIONS:
        tables = load_sprec_tables(version)
        for element in (*tables.fluid, *tables.solid):
            if any(entry.is_timed for entry in element.codes):
                found.append((version, element))
    return found


@pytest.mark.parametrize(("version", "element"), _timed_elements(), ids=lambda v: getattr(v, "key", v))
def test_time_ranges_tile_without_gaps_or_overlaps(version: str, element: SprecElement) -> None:
    by_temperature: dict[str | None, list[tuple[int, int | None]]] = {}
    for entry in element.codes:
        if entry.min_minutes is not None:
            by_temperature.setdefault(entry.temperature, []).append((entry.min_minutes, entry.max_minutes))
    for temperature, ranges in by_temperature.items():
        ranges.sort()
        assert ranges[0][0] == 0, (version, element.key, temperature)
        for (_, high), (low, _) in itertools.pairwise(ranges):
            assert high == low, (version, element.key, temperature)
    # RT and 2–10 °C cover every delay; only pre-centrifugation has a 35–38 °C code (O, < 2 h).
    if element.has_temperature:
        assert by_temperature["RT"][-1][1] is None
        assert by_temperature["COLD"][-1][1] is None
    assert element.other_code is not None


def test_second_centrifugation_has_no_density_gradient_code() -> None:
    assert "M" in _codes("3.0", "fluid", "centrifugation")
    assert "M" not in _codes("3.0", "fluid", "second_centrifugation")


def test_ui_lists() -> None:
    fluids = fluid_sample_types("3.0")
    assert ("SER", "Serum") in fluids
    assert ("CTC", "Enriched (physicochemically) circulating tumour cells") in fluids
    assert "CTC" not in dict(fluid_sample_types("2.0"))
    assert fluids[0] == ("ASC", "Ascites fluid")  # table order
    assert ("TIS", "Solid tissue") in solid_sample_types("3.0")
    assert dict(primary_containers("3.0"))["SST"] == "Serum separator tube with clot activator"
    assert "XXX" in dict(primary_containers("2.0"))


# -- validate and describe ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", SPREC_VERSIONS)
@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("AMN-CAT-B-C-C-B-X", "fluid"),  # examples from the reference document
        ("SER-SST-A-D-N-A-D", "fluid"),
        ("URN-PPS-C-N-N-N-A", "fluid"),
        ("CEN-A06-B-B-HST-C-D", "solid"),
        ("CLN-A12-B-B-ACA-G-T", "solid"),
        ("TIS-SRG-B-E-NBF-F-P", "solid"),
        (" ser-sst-a-d-n-a-d ", "fluid"),
    ],
)
def test_valid_codes(version: str, code: str, kind: str) -> None:
    tables = load_sprec_tables(version)
    assert tables.validate(code, kind) is None  # type: ignore[arg-type]  # no ValidationError
    assert tables.kind_of(code) == kind
    described = tables.describe(code, kind)  # type: ignore[arg-type]
    assert [part for _name, part, _meaning in described] == code.strip().upper().split("-")
    assert all(meaning for _name, _part, meaning in described), "every element has a meaning"


@pytest.mark.parametrize(
    ("version", "code", "kind", "fragment"),
    [
        ("3.0", "SER-SST-A-Q-N-A-D", "fluid", "element 4 (Centrifugation) 'Q'"),
        ("3.0", "SER-SST-A-D-M-A-D", "fluid", "element 5 (Second centrifugation) 'M'"),
        ("3.0", "SER-SSX-A-D-N-A-D", "fluid", "element 2 (Type of primary container) 'SSX'"),
        ("2.0", "CTC-SST-A-D-N-A-D", "fluid", "element 1 (Type of sample) 'CTC'"),
        ("2.0", "SER-SST-A-D-N-A-U", "fluid", "element 7 (Long-term storage) 'U'"),
        ("3.0", "TIS-SRG-B-E-NBF-F-P", "fluid", "looks like a solid tissue code"),
        ("3.0", "SER-SST-A-D-N-A-D", "solid", "looks like a fluid code"),
        ("3.0", "SER-SST-A-D", "fluid", "has 4 parts"),
        ("3.0", "", "fluid", "has 1 part;"),
        ("3.0", "TIS-SRG-B-Q-NBF-F-P", "solid", "element 4 (Cold ischemia time) 'Q'"),
    ],
)
def test_invalid_codes_name_the_element(version: str, code: str, kind: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_sprec_tables(version).validate(code, kind)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


def test_describe() -> None:
    tables = load_sprec_tables("3.0")
    described = tables.describe("SER-SST-A-D-N-A-D")
    assert len(described) == 7
    assert described[0] == ("Type of sample", "SER", "Serum")
    assert described[2] == ("Pre-centrifugation delay", "A", "RT (18–28 °C), < 2 h")
    assert described[4] == ("Second centrifugation", "N", "No second centrifugation")
    solid = tables.describe("tis-srg-b-e-nbf-f-p")
    assert solid[4] == ("Type of fixation/stabilization", "NBF", "Neutral buffered formalin")
    assert tables.kind_of("TIS-SRG-B-E-NBF-F-P") == "solid"
    with pytest.raises(ValidationError):
        tables.describe("SER-SST")
    with pytest.raises(ValidationError):
        tables.describe("SER-SST-A-D-N-A-1")


# -- fluid derivation ------------------------------------------------------------------------------------


def _fluid(**changes: object) -> str:
    facts: dict[str, object] = {
        "sample_type": "SER",
        "primary_container": "SST",
        "collected_at": T0,
        "centrifuged_at": minutes(90),
        "pre_centrifugation_temp": "RT",
        "centrifugation": "D",
        "second_centrifugation": None,
        "frozen_at": minutes(120),
        "post_centrifugation_temp": "COLD",
        "long_term_storage": "D",
    }
    facts.update(changes)
    version = str(facts.pop("version", "3.0"))
    return derive_fluid_sprec(version, **facts)  # type: ignore[arg-type]


def test_typical_serum() -> None:
    assert _fluid() == "SER-SST-A-D-N-A-D"


@pytest.mark.parametrize(
    ("delay", "temperature", "expected"),
    [
        (0, "RT", "A"),
        (119.99, "RT", "A"),
        (120, "RT", "C"),  # lower bound inclusive, upper exclusive
        (119.99, "COLD", "B"),
        (120, "COLD", "D"),
        (239, "RT", "C"),
        (240, "RT", "E"),
        (480, "COLD", "H"),
        (720, "RT", "I"),
        (1439, "COLD", "J"),
        (1440, "RT", "K"),
        (2879, "COLD", "L"),
        (2880, "RT", "M"),
        (2880, "COLD", "N"),
        (10_000, "RT", "M"),
        (30, "BODY", "O"),
        (120, "BODY", "Z"),  # no 35–38 °C code beyond 2 h: "other"
    ],
)
def test_pre_centrifugation_ranges(delay: float, temperature: str, expected: str) -> None:
    code = _fluid(centrifuged_at=minutes(delay), frozen_at=minutes(delay + 30), pre_centrifugation_temp=temperature)
    assert code.split("-")[2] == expected


@pytest.mark.parametrize(
    ("delay", "temperature", "expected"),
    [
        (0, "COLD", "A"),
        (59, "RT", "B"),
        (60, "COLD", "C"),
        (119, "RT", "D"),
        (120, "COLD", "E"),
        (479, "RT", "F"),
        (480, "COLD", "G"),
        (1439, "RT", "H"),
        (1440, "COLD", "I"),
        (5000, "RT", "J"),
    ],
)
def test_post_centrifugation_ranges(delay: float, temperature: str, expected: str) -> None:
    code = _fluid(centrifugation_ended_at=minutes(90), frozen_at=minutes(90 + delay),
                  post_centrifugation_temp=temperature)
    assert code.split("-")[5] == expected


def test_post_centrifugation_is_measured_from_the_end_of_centrifugation_when_known() -> None:
    # Spin 90 → 105 min, frozen at 160: 55 min from the end (A). With only the start, 70 min bounds the delay
    # from the end to [0, 70): A or C, so X, never a guess; 60 min from the start bounds it under 1 h: A.
    assert _fluid(frozen_at=minutes(160)).split("-")[5] == "X"
    assert _fluid(frozen_at=minutes(150)).split("-")[5] == "A"
    assert _fluid(frozen_at=minutes(160), centrifugation_ended_at=minutes(105)).split("-")[5] == "A"


def test_not_centrifuged_urine() -> None:
    code = _fluid(
        sample_type="URN",
        primary_container="PPS",
        centrifuged_at=None,
        centrifugation=None,
        frozen_at=minutes(150),
        pre_centrifugation_temp="COLD",
        post_centrifugation_temp=None,
        long_term_storage="A",
    )
    # Element 3 measures collection → freezing (2.5 h at 2–10 °C: D); 4, 5, 6 are "not applicable".
    assert code == "URN-PPS-D-N-N-N-A"
    assert _fluid(centrifuged_at=None, centrifugation="N", frozen_at=minutes(30)) == "SER-SST-A-N-N-N-D"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"collected_at": None}, "SER-SST-X-D-N-A-D"),
        ({"pre_centrifugation_temp": None}, "SER-SST-X-D-N-A-D"),
        ({"frozen_at": None}, "SER-SST-A-D-N-X-D"),
        ({"post_centrifugation_temp": None}, "SER-SST-A-D-N-X-D"),
        ({"centrifugation": None}, "SER-SST-A-X-N-A-D"),  # spun, settings not recorded
        ({"centrifuged_at": None}, "SER-SST-X-D-N-X-D"),  # settings recorded, time not
        ({"second_centrifugation": "X"}, "SER-SST-A-D-X-A-D"),
        ({"second_centrifugation": "f"}, "SER-SST-A-D-F-A-D"),
        ({"long_term_storage": None}, "SER-SST-A-D-N-A-X"),
        ({"primary_container": None}, "SER-XXX-A-D-N-A-D"),
        ({"centrifugation": "M", "sample_type": "CEL", "primary_container": "CPT"}, "CEL-CPT-A-M-N-A-D"),
    ],
)
def test_unknown_facts_become_x(changes: dict[str, object], expected: str) -> None:
    assert _fluid(**changes) == expected


def test_v3_only_codes_are_refused_in_v2() -> None:
    assert _fluid(version="3.0", primary_container="SCK") == "SER-SCK-A-D-N-A-D"
    with pytest.raises(ValidationError, match="SCK"):
        _fluid(version="2.0", primary_container="SCK")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"centrifuged_at": minutes(-5)}, "before the collection time"),
        ({"frozen_at": minutes(80)}, "before the centrifugation time"),
        ({"centrifugation_ended_at": minutes(85)}, "ends"),
        ({"centrifugation": "N"}, "not centrifuged"),
        ({"centrifuged_at": None, "centrifugation": None, "second_centrifugation": "D"}, "second centrifugation"),
        ({"centrifuged_at": None, "centrifugation": None, "frozen_at": minutes(-1)}, "before the collection"),
        ({"sample_type": "TIS"}, "Type of sample"),
        ({"sample_type": None}, "Type of sample is required"),
        ({"second_centrifugation": "M"}, "Second centrifugation"),
        ({"pre_centrifugation_temp": "WARM"}, "temperature"),
        ({"version": "4.0"}, "not installed"),
    ],
)
def test_fluid_derivation_refuses_contradictions(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _fluid(**changes)
    assert fragment in str(caught.value)


# -- solid derivation -------------------------------------------------------------------------------------


def _solid(**changes: object) -> str:
    facts: dict[str, object] = {
        "sample_type": "TIS",
        "collection_type": "SRG",
        "warm_ischemia_min": 5,
        "cold_ischemia_min": 45,
        "fixation": "NBF",
        "fixation_time_min": 1440,
        "long_term_storage": "P",
    }
    facts.update(changes)
    version = str(facts.pop("version", "3.0"))
    return derive_solid_sprec(version, **facts)  # type: ignore[arg-type]


def test_typical_surgical_tissue() -> None:
    assert _solid() == "TIS-SRG-B-E-NBF-F-P"


@pytest.mark.parametrize(
    ("warm", "expected"),
    [(0, "A"), (1.99, "A"), (2, "B"), (9.5, "B"), (10, "C"), (20, "D"), (30, "E"), (59, "E"), (60, "F"), (600, "F")],
)
def test_ischemia_ranges(warm: float, expected: str) -> None:
    assert _solid(warm_ischemia_min=warm).split("-")[2] == expected
    assert _solid(cold_ischemia_min=Decimal(str(warm))).split("-")[3] == expected


@pytest.mark.parametrize(
    ("fixation_minutes", "expected"),
    [(0, "A"), (14, "A"), (15, "B"), (60, "C"), (240, "D"), (480, "E"), (2880, "G"), (4319, "G"), (4320, "Z")],
)
def test_fixation_time_ranges(fixation_minutes: int, expected: str) -> None:
    assert _solid(fixation_time_min=fixation_minutes).split("-")[5] == expected


def test_solid_special_values() -> None:
    assert _solid(collection_type="BPS", warm_ischemia_min="N") == "TIS-BPS-N-E-NBF-F-P"
    assert _solid(warm_ischemia_min=None, cold_ischemia_min="x") == "TIS-SRG-X-X-NBF-F-P"
    assert _solid(fixation="SNP", fixation_time_min="N", long_term_storage="D") == "TIS-SRG-B-E-SNP-N-D"
    assert _solid(fixation=None, fixation_time_min=None, long_term_storage=None) == "TIS-SRG-B-E-XXX-X-X"


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"warm_ischemia_min": -1}, "not possible"),
        ({"cold_ischemia_min": float("nan")}, "not possible"),
        ({"warm_ischemia_min": "A"}, "in minutes"),  # time codes are derived, not given
        ({"warm_ischemia_min": "Q"}, "Warm ischemia time"),
        ({"warm_ischemia_min": True}, "in minutes"),
        ({"collection_type": None}, "Type of collection is required"),
        ({"collection_type": "ASP"}, "Type of collection"),
        ({"sample_type": "BON", "version": "2.0"}, "Type of sample"),
        ({"fixation": "FFPE"}, "fixation"),
    ],
)
def test_solid_derivation_refuses(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _solid(**changes)
    assert fragment in str(caught.value)


def test_bone_is_a_v3_solid_type() -> None:
    assert _solid(sample_type="BON", version="3.0").startswith("BON-")


def test_fine_needle_aspirate_is_accepted_as_asn_and_stored_as_fna() -> None:
    """Our tables write fine-needle aspirate FNA; SPRECLib writes ASN. Both are read, FNA is stored."""
    assert _solid(collection_type="ASN") == _solid(collection_type="FNA") == "TIS-FNA-B-E-NBF-F-P"
    assert _solid(collection_type=" asn ", version="2.0").startswith("TIS-FNA-")
    for version in SPREC_VERSIONS:
        tables = load_sprec_tables(version)
        assert tables.normalize(" tis-asn-b-e-nbf-f-p ", "solid") == "TIS-FNA-B-E-NBF-F-P"
        tables.validate("TIS-ASN-B-E-NBF-F-P", "solid")
        assert tables.describe("TIS-ASN-B-E-NBF-F-P")[1][1] == "FNA"
        element = tables.element("solid", "collection_type")
        assert element.get("ASN") is None  # an alias, not a second code of the table
        assert "ASN" not in dict(element.options())
    with pytest.raises(ValidationError, match="Type of collection"):
        load_sprec_tables("3.0").normalize("TIS-ASP-B-E-NBF-F-P", "solid")
