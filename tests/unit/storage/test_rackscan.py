"""Rack-scan files: format recognition, markers, column layouts and every trap of the samples README."""

from __future__ import annotations

from pathlib import Path

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.positions import RACK_24, RACK_96
from biobank_desktop.core.domain.rackscan import (
    BUILTIN_PROFILES,
    WellState,
    locate_wells,
    profile_from_dict,
    read_rackscan,
    recognise,
)

SAMPLES = Path("/work/shared/samples/rackscans")
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="rack scan sample files not available")

DATAPAQ = (
    "Data,RackBarcode,Row,Col,tubeBarcode\r\n"
    "Nov 27, 2026 3:41:08 PM,RK00001234,A,1,0153464097\r\n"
    "Nov 27, 2026 3:41:08 PM,RK00001234,A,2,DECODE FAILURE\r\n"
    "Nov 27, 2026 3:41:08 PM,RK00001234,H,12,EMPTY\r\n"
)
FLUIDX = "A01, FX84903659\nB01, NO READ\nC01, No Tube\nA02, FX71230843\n"
HEADERLESS = "TR00012345,A1,FX69139937\nTR00012345,A2,FX31783965\nTR00012345,D6,FX90836544\n"


def test_datapaq_date_with_an_unquoted_comma_and_its_markers() -> None:
    scan = read_rackscan(DATAPAQ)
    assert (scan.profile, scan.rack_code, scan.rack_unread) == ("datapaq", "RK00001234", False)
    assert [(w.position, w.state, w.tube_code) for w in scan.wells] == [
        ("A/1", WellState.TUBE, "0153464097"), ("A/2", WellState.UNREADABLE, None), ("H/12", WellState.EMPTY, None)]
    located = locate_wells(scan, RACK_96)
    assert [(w.row, w.col, w.label) for w in located] == [(1, 1, "A1"), (1, 2, "A2"), (8, 12, "H12")]


def test_leading_zeros_are_kept() -> None:
    assert read_rackscan(DATAPAQ).wells[0].tube_code == "0153464097"


def test_fluidx_has_no_rack_code_and_its_own_markers() -> None:
    scan = read_rackscan(FLUIDX)
    assert (scan.profile, scan.rack_code) == ("fluidx", None)
    assert [w.state for w in scan.wells] == [WellState.TUBE, WellState.UNREADABLE, WellState.EMPTY, WellState.TUBE]
    assert [(w.row, w.col) for w in locate_wells(scan, RACK_96)] == [(1, 1), (2, 1), (3, 1), (1, 2)]


def test_headerless_rack_position_tube_with_unpadded_positions() -> None:
    scan = read_rackscan(HEADERLESS)
    assert (scan.profile, scan.rack_code, scan.tubes) == ("rack-position-tube", "TR00012345", 3)
    assert [w.label for w in locate_wells(scan, RACK_24)] == ["A1", "A2", "D6"]


def test_positions_written_a_slash_01() -> None:
    scan = read_rackscan("R1,A/01,X1\nR1,B/01,X2\n")
    assert [(w.row, w.col) for w in locate_wells(scan, RACK_96)] == [(1, 1), (2, 1)]


def test_rack_code_not_read() -> None:
    text = DATAPAQ.replace("RK00001234", "NOREAD_01")
    scan = read_rackscan(text)
    assert scan.rack_unread and scan.rack_code is None


def test_unknown_format_names_the_formats_it_knows() -> None:
    with pytest.raises(ValidationError, match="not a rack-scan export") as caught:
        read_rackscan("Sample;Volume\nA;1\n")
    assert "DataPaq" in str(caught.value)
    with pytest.raises(ValidationError):
        read_rackscan("")


def test_a_truncated_last_line_with_fields_missing() -> None:
    with pytest.raises(ValidationError, match="line 3 is cut off") as caught:
        read_rackscan("TR1,A1,FX69139937\nTR1,A2,FX31783965\nTR1,A3")
    assert "Nothing was changed" in str(caught.value)


def test_a_truncated_last_code() -> None:
    with pytest.raises(ValidationError, match=r"line 3 is cut off \(tube code 'FX3'"):
        read_rackscan("TR1,A1,FX69139937\nTR1,A2,FX31783965\nTR1,A3,FX3")


def test_a_last_line_without_newline_that_is_complete_is_fine() -> None:
    assert read_rackscan("TR1,A1,FX69139937\nTR1,A2,FX31783965").tubes == 2


def test_the_same_tube_twice_names_both_lines() -> None:
    with pytest.raises(ValidationError, match=r"tube FX1 is in the file twice \(line 1 at A1 and line 3 at A3\)"):
        read_rackscan("TR1,A1,FX1\nTR1,A2,FX2\nTR1,A3,FX1\n")


def test_two_racks_in_one_file() -> None:
    with pytest.raises(ValidationError, match="more than one rack"):
        read_rackscan("TR1,A1,FX1\nTR2,A2,FX2\n")


def test_a_position_that_does_not_exist_in_the_rack() -> None:
    scan = read_rackscan("TR1,A1,FX1\nTR1,I13,FX2\n")
    with pytest.raises(ValidationError, match=r"line 2: Position I13 does not exist in an 8 × 12 rack"):
        locate_wells(scan, RACK_96)
    scan = read_rackscan("TR1,A7,FX1\n")
    with pytest.raises(ValidationError, match="does not exist in a 4 × 6 rack"):
        locate_wells(scan, RACK_24)


def test_the_same_position_twice() -> None:
    scan = read_rackscan("TR1,A1,FX1\nTR1,A01,FX2\n")
    with pytest.raises(ValidationError, match="position A1 is in the file twice"):
        locate_wells(scan, RACK_96)


def test_a_line_with_neither_code_nor_marker() -> None:
    with pytest.raises(ValidationError, match="neither a tube code nor an empty-well marker"):
        read_rackscan("TR1,A1,FX1\nTR1,A2, \nTR1,A3,FX3\n")


def test_a_configured_profile_with_other_markers_and_layout() -> None:
    micronic = profile_from_dict({
        "name": "micronic-tab", "description": "Micronic tab-separated", "field_count": 3, "delimiter": "\t",
        "header": ["Tube", "Position", "Rack"], "tube_field": 0, "position_field": 1, "rack_field": 2,
        "empty_markers": ["-"], "failed_markers": ["???"]})
    text = "Tube\tPosition\tRack\n000123\tA01\tMR77\n-\tA02\tMR77\n???\tA03\tMR77\n"
    assert recognise(text, (*BUILTIN_PROFILES, micronic)) is micronic
    scan = read_rackscan(text, (*BUILTIN_PROFILES, micronic))
    assert scan.rack_code == "MR77"
    assert [w.state for w in scan.wells] == [WellState.TUBE, WellState.EMPTY, WellState.UNREADABLE]
    assert scan.wells[0].tube_code == "000123"


def test_a_bad_profile_setting_is_refused() -> None:
    with pytest.raises(ValidationError, match="Unknown rack-scan profile setting"):
        profile_from_dict({"name": "x", "colour": "red"})
    with pytest.raises(ValidationError, match="position field or a row and a column"):
        profile_from_dict({"name": "x", "description": "", "field_count": 2, "tube_field": 1})


@needs_samples
def test_the_sample_files() -> None:
    datapaq = read_rackscan((SAMPLES / "datapaq_server_export.csv").read_text(encoding="utf-8"))
    assert (datapaq.profile, datapaq.rack_code, len(datapaq.wells)) == ("datapaq", "RK00001234", 96)
    assert [w.position for w in datapaq.wells if w.state is WellState.UNREADABLE] == ["C/7"]
    assert [w.position for w in datapaq.wells if w.state is WellState.EMPTY] == ["H/11", "H/12"]
    assert all(len(w.tube_code) == 10 for w in datapaq.wells if w.tube_code)
    fluidx = read_rackscan((SAMPLES / "fluidx_intellicode.txt").read_text(encoding="utf-8"))
    located = locate_wells(fluidx, RACK_96)
    assert len(located) == 96
    assert [w.label for w in located if w.well.state is WellState.UNREADABLE] == ["E3"]
    assert [w.label for w in located if w.well.state is WellState.EMPTY] == ["A12", "B12"]
    headerless = read_rackscan((SAMPLES / "headerless_rack_position_tube.csv").read_text(encoding="utf-8"))
    assert headerless.rack_code == "TR00012345"
    assert len(locate_wells(headerless, RACK_24)) == 24
