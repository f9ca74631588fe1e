"""Label templates: the shipped set, JSON round trips, strict validation of template files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.labels.model import (
    LabelData,
    LabelElement,
    LabelTemplate,
    list_templates,
    load_catalog,
    load_template,
    load_template_file,
    parse_template_json,
    save_template_file,
    shipped_templates_dir,
    template_from_dict,
    template_to_dict,
    template_to_json,
)

SHIPPED = list_templates()


def _valid_dict() -> dict[str, Any]:
    return {
        "format_version": 1,
        "name": "test-vial",
        "description": "A test vial label",
        "kind": "roll",
        "width_mm": 25.4,
        "height_mm": 12.7,
        "shape": "rect",
        "dpi": 203,
        "elements": [
            {"field": "sample_id", "render": "datamatrix", "x_mm": 1, "y_mm": 1, "width_mm": 9, "height_mm": 9},
            {"field": "sample_id", "render": "text", "x_mm": 11, "y_mm": 1, "font_size_pt": 6},
        ],
    }


def _write(tmp_path: Path, content: Any, name: str = "broken.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_the_shipped_set_covers_the_label_stocks_of_a_biobank() -> None:
    sizes = {(t.width_mm, t.height_mm, t.shape, t.kind) for t in SHIPPED}
    assert (25.4, 12.7, "rect", "roll") in sizes  # cryovial wrap
    assert (33.0, 13.0, "rect", "roll") in sizes  # cryovial
    assert (9.5, 9.5, "round", "roll") in sizes  # cap spot
    assert any(t.kind == "sheet" and t.sheet and t.sheet.page_size == "A4" for t in SHIPPED)
    assert any(t.kind == "sheet" and t.sheet and t.sheet.page_size == "Letter" for t in SHIPPED)
    assert any(e.render == "code128" for t in SHIPPED for e in t.elements)  # box label
    # Every vial template carries a DataMatrix and a human-readable sample ID.
    for template in SHIPPED:
        if template.name.startswith("cryovial"):
            renders = {(e.field, e.render) for e in template.elements}
            assert ("sample_id", "datamatrix") in renders
            assert ("sample_id", "text") in renders
            assert ("sample_id", "code128") not in renders  # a Code 128 ID does not fit across a vial


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_a_shipped_template_survives_a_save_and_load_round_trip(template: LabelTemplate, tmp_path: Path) -> None:
    path = tmp_path / f"{template.name}.json"
    save_template_file(template, path)
    again = load_template_file(path)
    assert again == template
    assert again.source == path
    assert template_from_dict(template_to_dict(template)) == template


def test_a_template_is_found_by_name() -> None:
    template = load_template("cryovial-25x13")
    assert (template.width_mm, template.height_mm) == (25.4, 12.7)
    assert template.source is not None
    assert template.source.parent == shipped_templates_dir()


def test_an_unknown_template_name_is_not_found_and_the_message_lists_the_available_ones() -> None:
    with pytest.raises(NotFoundError) as caught:
        load_template("cryovial-99x99")
    message = str(caught.value)
    assert "'cryovial-99x99'" in message
    assert "cryovial-25x13" in message


def test_a_user_template_replaces_the_shipped_one_of_the_same_name(tmp_path: Path) -> None:
    data = template_to_dict(load_template("cryovial-25x13"))
    data["description"] = "Our own cryovial label"
    _write(tmp_path, data, "mine.json")
    assert load_template("cryovial-25x13", [tmp_path]).description == "Our own cryovial label"
    assert load_template("cryovial-25x13").description != "Our own cryovial label"


def test_a_broken_user_file_is_reported_without_hiding_the_other_templates(tmp_path: Path) -> None:
    _write(tmp_path, "{ not json", "broken.json")
    _write(tmp_path, _valid_dict(), "good.json")
    catalog = load_catalog([tmp_path])
    assert "test-vial" in catalog.names()
    assert "cryovial-25x13" in catalog.names()
    assert len(catalog.problems) == 1
    assert "broken.json" in str(catalog.problems[0])


def _error_for(tmp_path: Path, content: Any) -> str:
    path = _write(tmp_path, content)
    with pytest.raises(ValidationError) as caught:
        load_template_file(path)
    message = str(caught.value)
    assert str(path) in message, "the message must name the file"
    return message


def test_a_file_that_is_not_json_is_refused_naming_the_line(tmp_path: Path) -> None:
    message = _error_for(tmp_path, '{\n  "name": "x",\n  "width_mm": 25.4,,\n}')
    assert "not valid JSON" in message
    assert "line 3" in message


def test_a_misspelt_key_is_refused_naming_it(tmp_path: Path) -> None:
    data = _valid_dict()
    data["elements"][0]["widht_mm"] = data["elements"][0].pop("width_mm")
    message = _error_for(tmp_path, data)
    assert "Element 1" in message
    assert "'widht_mm'" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(width_mm="25.4"), "'width_mm' must be a number"),
        (lambda d: d.update(dpi=True), "'dpi' must be a whole number"),
        (lambda d: d["elements"][0].update(x_mm=False), "'x_mm' must be a number"),
        (lambda d: d.pop("height_mm"), "'height_mm' is missing"),
        (lambda d: d.update(elements=[]), "no elements"),
        (lambda d: d.update(format_version=7), "format version 7"),
        (lambda d: d.update(kind="reel"), "kind must be 'roll' or 'sheet'"),
        (lambda d: d.update(dpi=250), "dpi must be one of"),
        (lambda d: d["elements"][0].update(field="patient_name"), "Unknown field 'patient_name'"),
        (lambda d: d["elements"][0].update(render="qr"), "unknown render 'qr'"),
        (lambda d: d["elements"][0].update(rotation=45), "rotation must be 0, 90, 180 or 270"),
        (lambda d: d["elements"][0].update(x_mm=20), "outside the 25.4 x 12.7 mm label"),
        (lambda d: d["elements"][0].pop("height_mm"), "a barcode needs width_mm and height_mm"),
        (lambda d: d["elements"][1].pop("font_size_pt"), "text needs a font_size_pt"),
        (lambda d: d["elements"][1].update(field="text"), "needs a non-empty 'text'"),
        (lambda d: d.update(kind="sheet"), "needs a 'sheet' section"),
        (lambda d: d.update(elements={"field": "sample_id"}), "'elements' must be a list"),
    ],
)
def test_a_malformed_template_is_refused_saying_what_is_wrong(tmp_path: Path, change: Any, expected: str) -> None:
    data = _valid_dict()
    change(data)
    assert expected in _error_for(tmp_path, data)


def test_an_element_outside_a_round_label_is_refused(tmp_path: Path) -> None:
    data = _valid_dict()
    data.update(shape="round", width_mm=9.5, height_mm=9.5)
    data["elements"] = [
        {"field": "sample_id", "render": "datamatrix", "x_mm": 0.5, "y_mm": 0.5, "width_mm": 8.5, "height_mm": 8.5}
    ]
    assert "outside the round 9.5 mm label" in _error_for(tmp_path, data)


def test_a_sheet_whose_labels_do_not_fit_the_page_is_refused(tmp_path: Path) -> None:
    data = template_to_dict(load_template("a4-sheet-38x21"))
    data["sheet"]["rows"] = 14
    message = _error_for(tmp_path, data)
    assert "do not fit on A4 paper" in message


def test_a_sheet_with_overlapping_labels_is_refused() -> None:
    template = load_template("a4-sheet-38x21")
    assert template.sheet is not None
    with pytest.raises(ValidationError, match="labels would overlap"):
        replace(template, sheet=replace(template.sheet, pitch_x_mm=30.0))


def test_a_template_built_in_code_is_validated_too() -> None:
    with pytest.raises(ValidationError, match="a barcode needs width_mm and height_mm"):
        LabelElement(field="sample_id", render="code128", x_mm=1, y_mm=1, width_mm=20)


def test_label_data_gives_each_field_and_refuses_unknown_ones() -> None:
    data = LabelData(sample_id="BB-2026-000123W", volume="500 µL")
    assert data.value("sample_id") == "BB-2026-000123W"
    assert data.value("volume") == "500 µL"
    assert data.value("study") is None
    with pytest.raises(ValueError, match="unknown label field"):
        data.value("text")


def test_a_template_kept_as_json_text_is_read_back_and_its_problems_name_the_source() -> None:
    template = load_template("box-76x25")
    assert parse_template_json(template_to_json(template), "Template 'box-76x25' in the database") == template
    broken = template_to_json(template).replace('"width_mm": 76.2', '"width_mm": -1')
    with pytest.raises(ValidationError) as caught:
        parse_template_json(broken, "Template 'box-76x25' in the database")
    assert str(caught.value).startswith("Template 'box-76x25' in the database: ")
    assert "width_mm must be more than 0" in str(caught.value)


def test_templates_from_the_database_win_over_files_of_the_same_name() -> None:
    own = replace(load_template("cryovial-25x13"), description="Edited in the designer")
    catalog = load_catalog(extra_templates=[own])
    assert catalog.get("cryovial-25x13").description == "Edited in the designer"
    assert len(catalog.names()) == len(SHIPPED)
