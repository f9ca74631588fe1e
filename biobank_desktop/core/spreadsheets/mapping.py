"""Which column holds which field, how values map to codes, and which columns are never imported.

A :class:`ImportMapping` is what the technician confirms (and what is saved per partner site, versioned):
columns → fields, the clinic's words → codes (for sample type, container, study), the date order, the default
volume unit, the decimal separator, the time zone, and an explicit zero-padding rule for numeric barcodes.
It is plain data (``to_dict`` / ``from_dict``) so it can be stored as JSON.

:func:`suggest_mapping` proposes one from the header words (English, French, German) and from the values;
:func:`find_direct_identifiers` names the columns that look like names, birth dates, addresses, national IDs,
phone numbers or e-mail addresses: those are left out of every import, whatever the mapping says.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.spreadsheets.fields import (
    FIELD_BY_KEY,
    TIME_POINT_FIELDS,
    ImportKind,
    fields_for,
    fold,
)
from biobank_desktop.core.spreadsheets.layout import SourceColumn, Table

DateOrder = Literal["DMY", "MDY", "YMD"]
MAPPING_FORMAT = 1


@dataclass(frozen=True)
class ImportMapping:
    """A confirmed (or suggested) mapping. ``columns``: field key → header text of its column."""

    kind: ImportKind
    columns: Mapping[str, str] = field(default_factory=dict)
    value_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # field → folded value → code
    date_order: DateOrder = "DMY"
    default_unit: str = "mL"
    decimal_separator: Literal[".", ","] | None = None
    timezone: str | None = None  # None: the workstation's zone
    barcode_pad_to: int | None = None
    defaults: Mapping[str, str] = field(default_factory=dict)  # field → value used when no column gives it

    def with_column(self, field_key: str, header: str | None) -> ImportMapping:
        columns = {k: v for k, v in self.columns.items() if k != field_key and (header is None or v != header)}
        if header is not None:
            columns[field_key] = header
        return replace(self, columns=columns)

    def with_value(self, field_key: str, value: str, code: str) -> ImportMapping:
        """The mapping with the clinic's ``value`` for ``field_key`` answered as ``code`` (remembered)."""
        maps = {k: dict(v) for k, v in self.value_maps.items()}
        maps.setdefault(field_key, {})[fold(value)] = code
        return replace(self, value_maps=maps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MAPPING_FORMAT, "kind": self.kind, "columns": dict(self.columns),
            "value_maps": {k: dict(v) for k, v in self.value_maps.items()}, "date_order": self.date_order,
            "default_unit": self.default_unit, "decimal_separator": self.decimal_separator,
            "timezone": self.timezone, "barcode_pad_to": self.barcode_pad_to, "defaults": dict(self.defaults),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportMapping:
        try:
            kind = data["kind"]
            if kind not in ("manifest", "inventory"):
                raise ValueError(kind)
            order = data.get("date_order", "DMY")
            if order not in ("DMY", "MDY", "YMD"):
                raise ValueError(order)
            separator = data.get("decimal_separator")
            if separator not in (None, ".", ","):
                raise ValueError(separator)
            pad = data.get("barcode_pad_to")
            return cls(kind=kind, columns={str(k): str(v) for k, v in dict(data.get("columns", {})).items()},
                       value_maps={str(k): {str(a): str(b) for a, b in dict(v).items()}
                                   for k, v in dict(data.get("value_maps", {})).items()},
                       date_order=order, default_unit=str(data.get("default_unit", "mL")),
                       decimal_separator=separator, timezone=data.get("timezone"),
                       barcode_pad_to=int(pad) if pad is not None else None,
                       defaults={str(k): str(v) for k, v in dict(data.get("defaults", {})).items()})
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"The saved mapping cannot be used: {exc!s} is not valid in it.",
                                  hint="Make the mapping again in the import wizard.") from None


@dataclass(frozen=True)
class LeftOut:
    """A column left out of the import, and why."""

    column: str  # letter
    header: str
    reason: str


@dataclass(frozen=True)
class Suggestion:
    mapping: ImportMapping
    confidence: Mapping[str, float]  # field → 0..1
    left_out: tuple[LeftOut, ...]
    unmapped: tuple[str, ...]  # headers of columns no field was found for


# -- direct identifiers ------------------------------------------------------------------------------------

_IDENTIFIER_HEADERS: Final[tuple[tuple[str, str], ...]] = (
    (r"\b(date of birth|birth ?date|dob|born|date de naissance|naissance|ne le|geburtsdatum|geburtstag|geboren"
     r"|birthday)\b", "a birth date"),
    (r"\b(first ?name|last ?name|surname|given name|family name|full name|patient name|name|nom|prenom|nom de "
     r"famille|nom patient|vorname|nachname|familienname|patientenname)\b", "a person's name"),
    (r"\b(address|adresse|anschrift|street|rue|strasse|postcode|post code|zip|zip code|code postal|plz|city"
     r"|ville|wohnort)\b", "an address"),
    (r"\b(phone|telephone|tel|telefon|mobile|portable|handy|fax|gsm)\b", "a phone number"),
    (r"\b(e ?mail|courriel|mail)\b", "an e-mail address"),
    (r"\b(ssn|social security|securite sociale|nir|insee|national id|national number|avs|ahv|nhs number|nhs no"
     r"|insurance number|versichertennummer|sozialversicherungsnummer|krankenversichertennummer|passport"
     r"|passeport|carte vitale|id card)\b", "a national ID number"),
)
# A "name" header that is really about a box, a study, a site… is not a person's name.
_NOT_PERSON: Final = re.compile(r"\b(box|boite|study|etude|studie|site|sample|tube|freezer|rack|container|file"
                                r"|material|project|centre|center|clinic|hospital|lab)\b")
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE_RE: Final = re.compile(r"^(\+|00|0)\d{1,4}([ .\-/]\(?\d{1,4}\)?){2,}$")
_NIR_RE: Final = re.compile(r"^[12] ?\d{2} ?\d{2} ?\d{2} ?\d{3} ?\d{3}( ?\d{2})?$")
_PERSON_RE: Final = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'\-]+(,? [A-ZÀ-Ý][A-Za-zà-ÿ'\-]+){1,2}$|^[A-ZÀ-Ý'\-]{2,}, [A-ZÀ-Ý]"
                               r"[a-zà-ÿ'\-]+$")


def identifier_reason(column: SourceColumn, values: Sequence[object], *, today: dt.date | None = None) -> str | None:
    """Why ``column`` looks like a direct identifier (header first, then values), or None."""
    folded = fold(column.header)
    for pattern, what in _IDENTIFIER_HEADERS:
        if re.search(pattern, folded) and not (what == "a person's name" and _NOT_PERSON.search(folded)):
            return f"its header '{column.header}' names {what}"
    filled = [v for v in values if v is not None][:200]
    if len(filled) < 3:
        return None
    texts = [v for v in filled if isinstance(v, str)]
    for regex, what in ((_EMAIL_RE, "e-mail addresses"), (_PHONE_RE, "phone numbers"),
                        (_NIR_RE, "national ID numbers")):
        if len(texts) >= 0.6 * len(filled) and sum(1 for t in texts if regex.match(t)) >= 0.6 * len(filled):
            return f"its values look like {what}"
    if len(texts) >= 0.8 * len(filled) and sum(1 for t in texts if _PERSON_RE.match(t)) >= 0.8 * len(filled):
        return "its values look like people's names"
    dates = [v for v in filled if isinstance(v, dt.date)]
    limit = (today or dt.date.today()).replace(month=1, day=1) - dt.timedelta(days=365 * 16)  # noqa: DTZ011
    if len(dates) >= 0.8 * len(filled) and all((v.date() if isinstance(v, dt.datetime) else v) < limit
                                               for v in dates):
        time_point = any(fold(column.header) in FIELD_BY_KEY[f].synonyms for f in TIME_POINT_FIELDS)
        if not time_point:
            return "its values look like birth dates (all more than 16 years ago)"
    return None


def find_direct_identifiers(table: Table) -> list[LeftOut]:
    left: list[LeftOut] = []
    for index, column in enumerate(table.columns):
        reason = identifier_reason(column, [r.values[index] for r in table.rows[:500]])
        if reason is not None:
            left.append(LeftOut(column.letter, column.header, f"possible direct identifier: {reason}; "
                                                               "it is never imported"))
    return left


# -- suggestion -----------------------------------------------------------------------------------------------


def _header_score(folded: str, synonyms: tuple[str, ...]) -> float:
    if not folded:
        return 0.0
    if folded in synonyms:
        return 1.0
    best = 0.0
    words = f" {folded} "
    for synonym in synonyms:
        if f" {synonym} " in words:
            best = max(best, 0.5 + 0.4 * len(synonym) / max(len(folded), 1))
    return best


def _value_score(key: str, values: Sequence[object], vocabularies: Mapping[str, Mapping[str, str]]) -> float:
    filled = [v for v in values if v is not None][:200]
    if not filled:
        return 0.0
    vocabulary = vocabularies.get(key)
    if vocabulary:
        hits = sum(1 for v in filled if isinstance(v, str) and fold(v) in vocabulary)
        return hits / len(filled)
    kind = FIELD_BY_KEY[key].kind
    if kind == "datetime":
        return sum(1 for v in filled if isinstance(v, dt.date)) / len(filled)
    return 0.0


def suggest_mapping(table: Table, kind: ImportKind, vocabularies: Mapping[str, Mapping[str, str]],
                    saved: ImportMapping | None = None) -> Suggestion:
    """The best guess for ``table``: a saved mapping's columns where their headers are still there, then
    header words, then values (a column of 'Serum'/'EDTA plasma' is the sample type even if called 'Material'
    or 'Probe'). ``vocabularies``: field → folded word → code (sample_type, container, study)."""
    left_out = find_direct_identifiers(table)
    excluded = {lo.header for lo in left_out}
    for column in table.columns:
        if column.hidden and column.header not in excluded:
            left_out.append(LeftOut(column.letter, column.header, "hidden column: not imported"))
            excluded.add(column.header)
    candidates = [c for c in table.columns if c.header not in excluded]
    values = {c.header: [r.values[table.index_of(c.number)] for r in table.rows[:300]] for c in candidates}
    chosen: dict[str, str] = {}
    confidence: dict[str, float] = {}
    if saved is not None:
        headers = {c.header for c in candidates}
        for key, header in saved.columns.items():
            if header in headers:
                chosen[key], confidence[key] = header, 1.0
    scores: list[tuple[float, str, str]] = []
    for spec in fields_for(kind):
        if spec.key in chosen:
            continue
        for column in candidates:
            if column.header in chosen.values():
                continue
            by_header = _header_score(fold(column.header), spec.synonyms)
            by_value = _value_score(spec.key, values[column.header], vocabularies)
            score = max(by_header, by_value * 0.95) + (0.3 if by_header and by_value > 0.5 else 0.0)
            if spec.kind == "code" and by_header and values[column.header] and by_value < 0.2 and \
                    spec.key in vocabularies:
                score *= 0.6  # named like it, but none of its values fit
            if score >= 0.45:
                scores.append((score, spec.key, column.header))
    for score, key, header in sorted(scores, reverse=True):
        if key in chosen or header in chosen.values():
            continue
        chosen[key], confidence[key] = header, min(score, 1.0)
    base = saved if saved is not None and saved.kind == kind else ImportMapping(kind)
    mapping = replace(base, columns=chosen)
    mapping = replace(mapping, date_order=_guess_date_order(table, mapping) if saved is None else base.date_order)
    unmapped = tuple(c.header for c in candidates if c.header not in chosen.values())
    return Suggestion(mapping, confidence, tuple(left_out), unmapped)


_TEXT_DATE: Final = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}")


@dataclass(frozen=True)
class DateEvidence:
    """What the text dates of the time-point columns say about their order (the first 500 rows).
    ``day_first``: text dates that can only be day-first (13/05/2026), with the first such value;
    ``month_first``: likewise (05/13/2026); ``ambiguous``: both numbers ≤ 12 (05/11/2026)."""

    day_first: int = 0
    month_first: int = 0
    ambiguous: int = 0
    day_first_example: tuple[str, str] | None = None  # (header, value)
    month_first_example: tuple[str, str] | None = None
    ambiguous_example: tuple[str, str] | None = None

    @property
    def decided(self) -> bool:
        return self.day_first + self.month_first > 0


def date_order_evidence(table: Table, mapping: ImportMapping) -> DateEvidence:
    counts = {"day": 0, "month": 0, "both": 0}
    examples: dict[str, tuple[str, str]] = {}
    for key in TIME_POINT_FIELDS:
        header = mapping.columns.get(key)
        column = next((c for c in table.columns if c.header == header), None)
        if column is None:
            continue
        index = table.index_of(column.number)
        for row in table.rows[:500]:
            value = row.values[index]
            if not isinstance(value, str):
                continue
            match = _TEXT_DATE.match(value)
            if not match:
                continue
            first, second = int(match.group(1)), int(match.group(2))
            which = "day" if first > 12 >= second else "month" if second > 12 >= first else \
                "both" if first <= 12 and second <= 12 else None
            if which is not None:
                counts[which] += 1
                examples.setdefault(which, (column.header, value.strip()))
    return DateEvidence(counts["day"], counts["month"], counts["both"], examples.get("day"),
                        examples.get("month"), examples.get("both"))


def _guess_date_order(table: Table, mapping: ImportMapping) -> DateOrder:
    """Day-first unless a text date in a time-point column can only be month-first (13/25 …); when no text
    date decides, the validation says so (:func:`date_order_evidence`)."""
    evidence = date_order_evidence(table, mapping)
    return "MDY" if evidence.month_first > evidence.day_first else "DMY"
