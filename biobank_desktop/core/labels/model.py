"""Label templates with real millimetre dimensions, the data printed on a label, and template files.

A :class:`LabelTemplate` describes one label stock: its size in mm, its shape, whether it comes on a
roll (one label per page/format) or on a sheet (rows x columns on A4 or Letter), and the elements
drawn on it. Every element is a box in mm on the label, measured from the label's top-left corner
as the label is seen when printed; ``rotation`` (clockwise, 0/90/180/270) turns the content inside
that box. Templates are plain JSON files; :func:`load_template_file` refuses anything it does not
fully understand, naming the file and the problem, so a typo never prints a wrong label.

The model is immutable: the designer builds a changed copy (``dataclasses.replace``) and saves it.
Every constructor validates, so an invalid template cannot exist in memory either.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final, Literal

from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.resources import resource_path

TemplateKind = Literal["roll", "sheet"]
Shape = Literal["rect", "round"]
RenderAs = Literal["text", "code128", "datamatrix"]
Align = Literal["left", "center", "right"]
PageSize = Literal["A4", "Letter"]

#: Fields a sample can fill, in the order the designer offers them.
DATA_FIELDS: Final[tuple[str, ...]] = (
    "sample_id",
    "participant",
    "study",
    "sample_type",
    "volume",
    "collection_date",
    "aliquot_number",
    "sprec",
    "free_text",
)
#: The pseudo-field of an element that prints its own fixed ``text``.
LITERAL_FIELD: Final = "text"
FIELD_LABELS: Final[Mapping[str, str]] = {
    "sample_id": "Sample ID",
    "participant": "Participant",
    "study": "Study",
    "sample_type": "Sample type",
    "volume": "Volume",
    "collection_date": "Collection date",
    "aliquot_number": "Aliquot number",
    "sprec": "SPREC code",
    "free_text": "Free text",
    LITERAL_FIELD: "Fixed text",
}
RENDER_KINDS: Final[tuple[str, ...]] = ("text", "code128", "datamatrix")
_RENDER_LABELS: Final[Mapping[str, str]] = {"text": "text", "code128": "Code 128", "datamatrix": "DataMatrix"}
ROTATIONS: Final[tuple[int, ...]] = (0, 90, 180, 270)
ALIGNMENTS: Final[tuple[str, ...]] = ("left", "center", "right")
#: Page sizes in mm (width, height), portrait.
PAGE_SIZES_MM: Final[Mapping[str, tuple[float, float]]] = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
#: Resolutions a template may name as its default. Zebra heads are 152/203/300/600 dpi;
#: office printers driven through PDF are 300/600 dpi.
SUPPORTED_DPI: Final[tuple[int, ...]] = (152, 203, 300, 600)

TEMPLATE_FORMAT_VERSION: Final = 1
MAX_LABEL_MM: Final = 300.0
MIN_FONT_PT: Final = 2.0
MAX_FONT_PT: Final = 72.0
# Geometry checks compare mm values that went through JSON; allow for float noise only.
_EPS: Final = 1e-6
_NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,63}$")


def _fail(message: str, hint: str | None = None) -> ValidationError:
    return ValidationError(message, hint=hint)


@dataclass(frozen=True, slots=True)
class LabelData:
    """What one label says about one sample; the services fill it, the renderers print it.

    Every value is the text as it should appear (dates and volumes already formatted).
    ``None`` or ``""`` means "nothing to print": a text element for it is left out, a barcode
    element for it refuses to print the label.
    """

    sample_id: str | None = None
    participant: str | None = None
    study: str | None = None
    sample_type: str | None = None
    volume: str | None = None
    collection_date: str | None = None
    aliquot_number: str | None = None
    sprec: str | None = None
    free_text: str | None = None

    def value(self, field_name: str) -> str | None:
        """The value of one of :data:`DATA_FIELDS`."""
        if field_name not in DATA_FIELDS:
            raise ValueError(f"unknown label field {field_name!r}")
        value: str | None = getattr(self, field_name)
        return value


@dataclass(frozen=True, slots=True)
class LabelElement:
    """One thing drawn on a label: a field (or fixed text) as text, Code 128 or DataMatrix.

    ``x_mm``/``y_mm`` is the top-left corner of the element's box on the label and
    ``width_mm``/``height_mm`` its size as seen on the label, whatever the rotation. Barcodes need
    both sizes: the symbol is made as large as whole printer dots allow inside the box, quiet zone
    included, and is refused (never clipped) when it cannot fit. Text needs ``font_size_pt``; a
    missing width runs to the label's edge, a missing height is one line of text. Text that does
    not fit shrinks down to ``min_font_size_pt`` and is then cut with an ellipsis (with a warning).
    """

    field: str
    render: RenderAs = "text"
    x_mm: float = 0.0
    y_mm: float = 0.0
    width_mm: float | None = None
    height_mm: float | None = None
    font_size_pt: float | None = None
    min_font_size_pt: float | None = None
    rotation: int = 0
    max_chars: int | None = None
    bold: bool = False
    align: Align = "left"
    text: str | None = None
    prefix: str = ""
    module_mm: float | None = None

    def __post_init__(self) -> None:
        what = self.describe()
        if self.field not in DATA_FIELDS and self.field != LITERAL_FIELD:
            raise _fail(
                f"Unknown field {self.field!r}.",
                f"Use one of: {', '.join((*DATA_FIELDS, LITERAL_FIELD))}.",
            )
        if self.render not in RENDER_KINDS:
            raise _fail(f"{what}: unknown render {self.render!r}.", "Use text, code128 or datamatrix.")
        if self.field == LITERAL_FIELD:
            if not self.text or not self.text.strip():
                raise _fail(f"{what}: a fixed-text element needs a non-empty 'text'.")
        elif self.text is not None:
            raise _fail(f"{what}: 'text' is only for the fixed-text field 'text'.")
        for name in ("x_mm", "y_mm"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise _fail(f"{what}: {name} must be a number of mm, 0 or more (it is {value}).")
        for name in ("width_mm", "height_mm"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value <= 0):
                raise _fail(f"{what}: {name} must be more than 0 mm (it is {value}).")
        if self.rotation not in ROTATIONS:
            raise _fail(f"{what}: rotation must be 0, 90, 180 or 270 (it is {self.rotation}).")
        if self.max_chars is not None and self.max_chars < 1:
            raise _fail(f"{what}: max_chars must be 1 or more (it is {self.max_chars}).")
        if self.align not in ALIGNMENTS:
            raise _fail(f"{what}: align must be left, center or right (it is {self.align!r}).")
        if self.render == "text":
            self._check_text(what)
        else:
            self._check_barcode(what)

    def _check_text(self, what: str) -> None:
        if self.font_size_pt is None:
            raise _fail(f"{what}: text needs a font_size_pt.")
        for name in ("font_size_pt", "min_font_size_pt"):
            value = getattr(self, name)
            if value is not None and not (MIN_FONT_PT <= value <= MAX_FONT_PT):
                raise _fail(f"{what}: {name} must be between {MIN_FONT_PT:g} and {MAX_FONT_PT:g} pt (it is {value}).")
        if self.min_font_size_pt is not None and self.min_font_size_pt > self.font_size_pt:
            raise _fail(f"{what}: min_font_size_pt ({self.min_font_size_pt}) is larger than font_size_pt.")
        if self.module_mm is not None:
            raise _fail(f"{what}: module_mm is only for barcodes.")

    def _check_barcode(self, what: str) -> None:
        if self.width_mm is None or self.height_mm is None:
            raise _fail(f"{what}: a barcode needs width_mm and height_mm (the box it must fit in).")
        if self.font_size_pt is not None or self.min_font_size_pt is not None or self.bold or self.prefix:
            raise _fail(f"{what}: font sizes, bold and prefix are only for text elements.")
        if self.align != "left":
            raise _fail(f"{what}: align is only for text; barcodes are centred in their box.")
        if self.module_mm is not None and not (0.05 <= self.module_mm <= 5.0):
            raise _fail(f"{what}: module_mm must be between 0.05 and 5 mm (it is {self.module_mm}).")

    def describe(self) -> str:
        """A short name for messages: 'Sample ID as DataMatrix'."""
        kind = _RENDER_LABELS.get(self.render, self.render)
        label = FIELD_LABELS.get(self.field, self.field)
        return f"{label} as {kind}"

    @property
    def is_barcode(self) -> bool:
        return self.render != "text"

    def content(self, data: LabelData) -> str | None:
        """What this element prints for ``data`` (fixed text, or the field's value), prefix excluded."""
        if self.field == LITERAL_FIELD:
            return self.text
        return data.value(self.field)


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Where the labels sit on a sheet: a grid of ``rows`` x ``columns`` on an A4/Letter page.

    ``margin_left_mm``/``margin_top_mm`` locate the top-left label; ``pitch_x_mm``/``pitch_y_mm``
    are the distances from one label's left/top edge to the next one's (label size plus gap).
    Positions are numbered from 1, row by row, from the top-left.
    """

    page_size: PageSize
    rows: int
    columns: int
    margin_left_mm: float
    margin_top_mm: float
    pitch_x_mm: float
    pitch_y_mm: float

    def __post_init__(self) -> None:
        if self.page_size not in PAGE_SIZES_MM:
            raise _fail(f"Sheet: unknown page size {self.page_size!r}.", "Use A4 or Letter.")
        for name in ("rows", "columns"):
            value = getattr(self, name)
            if not 1 <= value <= 100:
                raise _fail(f"Sheet: {name} must be between 1 and 100 (it is {value}).")
        for name in ("margin_left_mm", "margin_top_mm"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise _fail(f"Sheet: {name} must be 0 mm or more (it is {value}).")
        for name in ("pitch_x_mm", "pitch_y_mm"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise _fail(f"Sheet: {name} must be more than 0 mm (it is {value}).")

    @property
    def page_width_mm(self) -> float:
        return PAGE_SIZES_MM[self.page_size][0]

    @property
    def page_height_mm(self) -> float:
        return PAGE_SIZES_MM[self.page_size][1]

    @property
    def positions(self) -> int:
        return self.rows * self.columns

    def label_origin_mm(self, position: int) -> tuple[float, float]:
        """Top-left corner (x, y) in mm on the page of the label at ``position`` (1-based)."""
        if not 1 <= position <= self.positions:
            raise ValidationError(
                f"Sheet position {position} does not exist: the sheet has positions 1 to {self.positions}."
            )
        row, column = divmod(position - 1, self.columns)
        return (self.margin_left_mm + column * self.pitch_x_mm, self.margin_top_mm + row * self.pitch_y_mm)


@dataclass(frozen=True, slots=True)
class LabelTemplate:
    """One label stock and what to print on it. See the module docstring for the coordinate rules."""

    name: str
    width_mm: float
    height_mm: float
    elements: tuple[LabelElement, ...]
    description: str = ""
    kind: TemplateKind = "roll"
    shape: Shape = "rect"
    dpi: int = 203
    sheet: SheetLayout | None = None
    #: The file the template was read from (not part of the template's value).
    source: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise _fail(
                f"Template name {self.name!r} is not usable.",
                "Use 1 to 64 letters, digits, spaces, dots, dashes, underscores, brackets or '+', "
                "starting with a letter or digit.",
            )
        who = f"Template {self.name!r}"
        for name in ("width_mm", "height_mm"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 < value <= MAX_LABEL_MM:
                raise _fail(f"{who}: {name} must be more than 0 and at most {MAX_LABEL_MM:g} mm (it is {value}).")
        if self.kind not in ("roll", "sheet"):
            raise _fail(f"{who}: kind must be 'roll' or 'sheet' (it is {self.kind!r}).")
        if self.shape not in ("rect", "round"):
            raise _fail(f"{who}: shape must be 'rect' or 'round' (it is {self.shape!r}).")
        if self.shape == "round" and abs(self.width_mm - self.height_mm) > _EPS:
            raise _fail(f"{who}: a round label needs width_mm equal to height_mm (its diameter).")
        if self.dpi not in SUPPORTED_DPI:
            raise _fail(f"{who}: dpi must be one of {', '.join(map(str, SUPPORTED_DPI))} (it is {self.dpi}).")
        if not self.elements:
            raise _fail(f"{who}: the template has no elements; add at least one field.")
        if self.kind == "sheet":
            if self.sheet is None:
                raise _fail(f"{who}: a sheet template needs a 'sheet' section (page size, rows, columns...).")
            self._check_sheet(who, self.sheet)
        elif self.sheet is not None:
            raise _fail(f"{who}: a roll template has no 'sheet' section; set kind to 'sheet' or remove it.")
        for index, element in enumerate(self.elements, start=1):
            self._check_inside(who, index, element)

    def _check_sheet(self, who: str, sheet: SheetLayout) -> None:
        if sheet.pitch_x_mm + _EPS < self.width_mm or sheet.pitch_y_mm + _EPS < self.height_mm:
            raise _fail(
                f"{who}: the sheet pitch ({sheet.pitch_x_mm:g} x {sheet.pitch_y_mm:g} mm) is smaller than "
                f"the label ({self.width_mm:g} x {self.height_mm:g} mm), so labels would overlap."
            )
        right = sheet.margin_left_mm + (sheet.columns - 1) * sheet.pitch_x_mm + self.width_mm
        bottom = sheet.margin_top_mm + (sheet.rows - 1) * sheet.pitch_y_mm + self.height_mm
        if right > sheet.page_width_mm + _EPS or bottom > sheet.page_height_mm + _EPS:
            raise _fail(
                f"{who}: {sheet.rows} x {sheet.columns} labels do not fit on {sheet.page_size} paper "
                f"(they reach {right:.1f} x {bottom:.1f} mm; the page is "
                f"{sheet.page_width_mm:g} x {sheet.page_height_mm:g} mm).",
                "Check the margins, pitch, rows and columns against the label sheet's data.",
            )

    def _check_inside(self, who: str, index: int, element: LabelElement) -> None:
        where = f"{who}, element {index} ({element.describe()})"
        if element.x_mm >= self.width_mm - _EPS or element.y_mm >= self.height_mm - _EPS:
            raise _fail(f"{where}: it starts outside the {self.width_mm:g} x {self.height_mm:g} mm label.")
        right = element.x_mm + (element.width_mm or 0.0)
        bottom = element.y_mm + (element.height_mm or 0.0)
        if right > self.width_mm + _EPS or bottom > self.height_mm + _EPS:
            raise _fail(
                f"{where}: its box reaches {right:g} x {bottom:g} mm, outside the "
                f"{self.width_mm:g} x {self.height_mm:g} mm label.",
                "Move it or make it smaller.",
            )
        if self.shape == "round":
            if element.width_mm is None or element.height_mm is None:
                raise _fail(f"{where}: on a round label every element needs width_mm and height_mm.")
            radius = self.width_mm / 2
            for cx in (element.x_mm, right):
                for cy in (element.y_mm, bottom):
                    if math.hypot(cx - radius, cy - radius) > radius + _EPS:
                        raise _fail(
                            f"{where}: a corner of its box ({cx:g}, {cy:g} mm) lies outside the "
                            f"round {self.width_mm:g} mm label.",
                            "Move it towards the centre or make it smaller.",
                        )

    @property
    def is_sheet(self) -> bool:
        return self.kind == "sheet"


# --- JSON ----------------------------------------------------------------------------------------

_ELEMENT_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "field": ("str",),
    "render": ("str",),
    "x_mm": ("number",),
    "y_mm": ("number",),
    "width_mm": ("number", "null"),
    "height_mm": ("number", "null"),
    "font_size_pt": ("number", "null"),
    "min_font_size_pt": ("number", "null"),
    "rotation": ("int",),
    "max_chars": ("int", "null"),
    "bold": ("bool",),
    "align": ("str",),
    "text": ("str", "null"),
    "prefix": ("str",),
    "module_mm": ("number", "null"),
}
_ELEMENT_REQUIRED: Final = ("field", "x_mm", "y_mm")
_SHEET_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "page_size": ("str",),
    "rows": ("int",),
    "columns": ("int",),
    "margin_left_mm": ("number",),
    "margin_top_mm": ("number",),
    "pitch_x_mm": ("number",),
    "pitch_y_mm": ("number",),
}
_TEMPLATE_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "format_version": ("int",),
    "name": ("str",),
    "description": ("str",),
    "kind": ("str",),
    "width_mm": ("number",),
    "height_mm": ("number",),
    "shape": ("str",),
    "dpi": ("int",),
    "sheet": ("object", "null"),
    "elements": ("list",),
}
_TEMPLATE_REQUIRED: Final = ("name", "width_mm", "height_mm", "elements")
_TYPE_NAMES: Final[Mapping[str, str]] = {
    "str": "a text in quotes",
    "number": "a number",
    "int": "a whole number",
    "bool": "true or false",
    "null": "null",
    "object": "an object { ... }",
    "list": "a list [ ... ]",
}


def _type_ok(value: object, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "object":
        return isinstance(value, dict)
    return isinstance(value, list)


def _checked(raw: object, keys: Mapping[str, tuple[str, ...]], required: Sequence[str], where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(f"{where} must be an object {{ ... }}.")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise _fail(
            f"{where}: unknown key {unknown[0]!r}.",
            f"Known keys are: {', '.join(keys)}. Check the spelling.",
        )
    missing = [key for key in required if key not in raw]
    if missing:
        raise _fail(f"{where}: the key {missing[0]!r} is missing.")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        kinds = keys[key]
        if not any(_type_ok(value, kind) for kind in kinds):
            wanted = " or ".join(_TYPE_NAMES[kind] for kind in kinds)
            raise _fail(f"{where}: {key!r} must be {wanted} (it is {json.dumps(value)}).")
        out[key] = float(value) if "number" in kinds and isinstance(value, int) else value
    return out


def template_from_dict(raw: object) -> LabelTemplate:
    """Build a template from parsed JSON, refusing unknown keys, wrong types and impossible geometry."""
    values = _checked(raw, _TEMPLATE_KEYS, _TEMPLATE_REQUIRED, "The template")
    version = values.pop("format_version", TEMPLATE_FORMAT_VERSION)
    if version != TEMPLATE_FORMAT_VERSION:
        raise _fail(
            f"The template is in format version {version}; this version of the application reads "
            f"version {TEMPLATE_FORMAT_VERSION}.",
            "Update the application or re-create the template.",
        )
    elements: list[LabelElement] = []
    for index, raw_element in enumerate(values.pop("elements"), start=1):
        where = f"Element {index}"
        element_values = _checked(raw_element, _ELEMENT_KEYS, _ELEMENT_REQUIRED, where)
        try:
            elements.append(LabelElement(**element_values))
        except ValidationError as error:
            raise _fail(f"{where}: {error.message}", error.hint) from None
    sheet_raw = values.pop("sheet", None)
    sheet = None
    if sheet_raw is not None:
        sheet = SheetLayout(**_checked(sheet_raw, _SHEET_KEYS, tuple(_SHEET_KEYS), "The sheet section"))
    return LabelTemplate(elements=tuple(elements), sheet=sheet, **values)


def template_to_dict(template: LabelTemplate) -> dict[str, Any]:
    """The JSON form of a template. Element keys left at their default value are not written."""
    element_defaults = {item.name: item.default for item in fields(LabelElement)}
    elements: list[dict[str, Any]] = []
    for element in template.elements:
        item: dict[str, Any] = {}
        for key in _ELEMENT_KEYS:
            value = getattr(element, key)
            if key in ("field", "render", "x_mm", "y_mm") or value != element_defaults[key]:
                item[key] = value
        elements.append(item)
    out: dict[str, Any] = {
        "format_version": TEMPLATE_FORMAT_VERSION,
        "name": template.name,
        "description": template.description,
        "kind": template.kind,
        "width_mm": template.width_mm,
        "height_mm": template.height_mm,
        "shape": template.shape,
        "dpi": template.dpi,
    }
    if template.sheet is not None:
        sheet = template.sheet
        out["sheet"] = {key: getattr(sheet, key) for key in _SHEET_KEYS}
    out["elements"] = elements
    return out


def parse_template_json(text: str, source: str) -> LabelTemplate:
    """A template from its JSON text (a file's content, or a database copy); any problem is a
    ValidationError whose message starts with ``source`` ("Label template file /x/y.json")."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"{source} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            hint="Fix the file in a text editor, or copy a shipped template and edit it in the designer.",
        ) from None
    try:
        return template_from_dict(raw)
    except ValidationError as error:
        raise ValidationError(f"{source}: {error.message}", hint=error.hint) from None


def template_to_json(template: LabelTemplate) -> str:
    """The JSON text of a template, as written to files and to the database."""
    return json.dumps(template_to_dict(template), indent=2, ensure_ascii=False) + "\n"


def load_template_file(path: Path) -> LabelTemplate:
    """Read one template file; any problem is a ValidationError naming the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"Label template file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(
            f"Label template file {path} cannot be read ({error}).",
            hint="Check the file is a UTF-8 JSON text file you are allowed to read.",
        ) from None
    return replace(parse_template_json(text, f"Label template file {path}"), source=path)


def save_template_file(template: LabelTemplate, path: Path) -> None:
    """Write ``template`` as JSON to ``path`` (written to a temporary file first, then renamed)."""
    text = template_to_json(template)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise ValidationError(
            f"The label template could not be saved to {path} ({error.strerror or error}).",
            hint="Check the folder exists and you may write to it.",
        ) from None


# --- Catalogue of templates ------------------------------------------------------------------------


def shipped_templates_dir() -> Path:
    """The folder of the templates shipped with the application (read-only)."""
    return resource_path("label_templates")


@dataclass(frozen=True, slots=True)
class TemplateCatalog:
    """The templates found in the shipped folder and the user's folders.

    A user template with the same name as a shipped one replaces it (later folders win). Files
    that cannot be read do not hide the others: they are listed in ``problems`` (each message
    names the file), for the designer to show.
    """

    templates: tuple[LabelTemplate, ...]
    problems: tuple[ValidationError, ...] = ()

    def names(self) -> list[str]:
        return [template.name for template in self.templates]

    def get(self, name: str) -> LabelTemplate:
        for template in self.templates:
            if template.name == name:
                return template
        available = ", ".join(self.names()) or "none"
        raise NotFoundError(
            f"There is no label template called {name!r}.",
            hint=f"Available templates: {available}.",
        )


def load_catalog(user_dirs: Sequence[Path] = (), extra_templates: Sequence[LabelTemplate] = ()) -> TemplateCatalog:
    """Read every ``*.json`` template from the shipped folder, then from ``user_dirs`` in order;
    ``extra_templates`` (e.g. the biobank's own copies kept in the database) come last and win."""
    by_name: dict[str, LabelTemplate] = {}
    problems: list[ValidationError] = []
    for folder in (shipped_templates_dir(), *user_dirs):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                template = load_template_file(path)
            except (ValidationError, NotFoundError) as error:
                problems.append(error if isinstance(error, ValidationError) else ValidationError(str(error)))
                continue
            by_name[template.name] = template
    for template in extra_templates:
        by_name[template.name] = template
    templates = tuple(sorted(by_name.values(), key=lambda template: template.name.casefold()))
    return TemplateCatalog(templates=templates, problems=tuple(problems))


def list_templates(user_dirs: Sequence[Path] = ()) -> list[LabelTemplate]:
    """Every readable template, sorted by name (see :func:`load_catalog` for the unreadable ones)."""
    return list(load_catalog(user_dirs).templates)


def load_template(name: str, user_dirs: Sequence[Path] = ()) -> LabelTemplate:
    """The template called ``name``; NotFoundError (listing the available names) when there is none."""
    return load_catalog(user_dirs).get(name)
