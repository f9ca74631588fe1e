"""Validation: every cell of the mapped columns converted and checked, every problem named precisely
(sheet, row as the spreadsheet shows it, column letter and header, the value, a stable code, a sentence),
and problems grouped by cause for the preview ("the same problem in 412 rows: date 31/02/2026 does not exist").

No database here: what only the database knows (barcodes already there, the studies that exist) is passed in
as a :class:`Context`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from biobank_desktop.core.domain.sprec import fluid_sample_types, solid_sample_types
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from biobank_desktop.core.spreadsheets import convert
from biobank_desktop.core.spreadsheets.convert import CellProblem
from biobank_desktop.core.spreadsheets.fields import FIELD_BY_KEY, TIME_POINT_FIELDS, fold
from biobank_desktop.core.spreadsheets.layout import SourceColumn, Table
from biobank_desktop.core.spreadsheets.mapping import ImportMapping, LeftOut, date_order_evidence
from biobank_desktop.core.spreadsheets.reading import shown

Severity = Literal["error", "warning"]
_FUTURE_SLACK: Final = dt.timedelta(minutes=10)
_SCIENTIFIC: Final = re.compile(r"[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+")
_ORDER_CHECKS: Final = (("collected_at", "received_at"), ("collected_at", "centrifugation_start"),
                        ("centrifugation_start", "centrifugation_end"), ("collected_at", "frozen_at"),
                        ("centrifugation_end", "frozen_at"), ("centrifugation_start", "frozen_at"))


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # None: about the whole file or column
    column: str | None  # letter
    header: str | None
    value: str | None
    code: str
    message: str
    severity: Severity = "error"

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header,
                "value": self.value, "code": self.code, "message": self.message, "severity": self.severity}

    def located(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        if self.column:
            where += f", column {self.column} ({self.header})"
        return f"{self.sheet}, {where}: {self.message}"


@dataclass(frozen=True)
class ProblemGroup:
    code: str
    column: str | None
    header: str | None
    message: str  # the first problem's message
    severity: Severity
    rows: tuple[int, ...]  # every row concerned

    @property
    def count(self) -> int:
        return len(self.rows)

    def summary(self) -> str:
        where = (f" (column{'s' if ',' in self.column else ''} {self.column}, {self.header})"
                 if self.column else "")
        if self.count <= 1:
            return f"{self.message}{where}"
        return f"The same problem in {self.count} rows{where}: {self.message}"


@dataclass(frozen=True)
class Context:
    """What only the database knows. ``known_studies``: folded word → study code (None: any study accepted).
    ``existing_barcodes(barcodes)`` → {barcode: where it already is} for those already known."""

    vocabularies: Mapping[str, dict[str, str]] = field(default_factory=dict)
    known_studies: dict[str, str] | None = None
    existing_barcodes: Callable[[set[str]], dict[str, str]] = lambda _codes: {}
    now: dt.datetime | None = None


@dataclass
class Validation:
    """The result: one record (field → typed value) per data row, with its problems."""

    sheet: str
    records: dict[int, dict[str, object]]  # row number → values
    problems: list[Problem]
    left_out: list[LeftOut]
    rows_read: int

    @property
    def error_rows(self) -> set[int]:
        return {p.row for p in self.problems if p.severity == "error" and p.row is not None}

    @property
    def file_errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error" and p.row is None]

    @property
    def valid_rows(self) -> list[int]:
        bad = self.error_rows
        return [r for r in self.records if r not in bad]

    def groups(self) -> list[ProblemGroup]:
        return group_problems(self.problems)


#: causes that lie in the file, not in a column's values: one group whatever the columns they show in
FILE_WIDE_CODES = frozenset({"formula_without_value"})


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """Problems with the same cause (code, column, value) together, the largest groups first; a cause of
    :data:`FILE_WIDE_CODES` is one group naming all its columns, each row once."""
    grouped: dict[tuple[str, str | None, str | None], list[Problem]] = defaultdict(list)
    for problem in problems:
        wide = problem.code in FILE_WIDE_CODES
        grouped[(problem.code, None if wide else problem.column, None if wide else problem.value)].append(problem)
    groups = []
    for (code, letter, _value), items in grouped.items():
        rows = tuple(dict.fromkeys(p.row for p in items if p.row is not None))
        column = letter
        if code in FILE_WIDE_CODES:
            columns = sorted({(p.column, p.header) for p in items if p.column}, key=lambda c: (len(c[0]), c[0]))
            column = ", ".join(c for c, _h in columns) or None
            header = ", ".join(h or c for c, h in columns) or None
            rows = tuple(sorted(rows))
        else:
            header = items[0].header
        groups.append(ProblemGroup(code, column, header, items[0].message, items[0].severity, rows))
    return sorted(groups, key=lambda g: (g.severity != "error", -g.count, g.code))


def validate(table: Table, mapping: ImportMapping, context: Context, left_out: Iterable[LeftOut] = (), *,
             progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> Validation:
    """Convert and check every mapped cell of ``table``. Columns in ``left_out`` are never read."""
    left = list(left_out)
    excluded = {lo.header for lo in left}
    problems: list[Problem] = []
    columns: dict[str, tuple[int, SourceColumn]] = {}
    by_header = {c.header: (i, c) for i, c in enumerate(table.columns)}
    ordered = sorted(mapping.columns.items(), key=lambda item: item[0] != "volume_unit")
    for key, header in ordered:
        if key not in FIELD_BY_KEY or header in excluded:
            continue
        if header not in by_header:
            problems.append(Problem(table.sheet, None, None, header, None, "column_missing",
                                    f"the mapping expects a column '{header}' for "
                                    f"{FIELD_BY_KEY[key].label}, and this sheet has none"))
            continue
        columns[key] = by_header[header]
    for spec in FIELD_BY_KEY.values():
        if mapping.kind in spec.required_for and spec.key not in columns and spec.key not in mapping.defaults:
            problems.append(Problem(table.sheet, None, None, None, None, "required_column_missing",
                                    f"no column is mapped to {spec.label}, which is required"))
    problems.extend(date_order_problems(table, mapping))
    zone = convert.zone(mapping.timezone)
    now = context.now or dt.datetime.now(dt.UTC)
    barcode_has_zeros = False
    if "clinic_barcode" in columns:
        index = columns["clinic_barcode"][0]
        barcode_has_zeros = any(isinstance(r.values[index], str) and str(r.values[index]).startswith("0")
                                for r in table.rows)
    vocabularies = dict(context.vocabularies)
    if context.known_studies is not None:
        vocabularies["study"] = context.known_studies
    plan = [(key, index, column, _converter(key, column, mapping, vocabularies, barcode_has_zeros))
            for key, (index, column) in columns.items()]
    required = [(spec.key, spec.label, columns[spec.key][1]) for spec in FIELD_BY_KEY.values()
                if mapping.kind in spec.required_for and spec.key in columns]
    defaults = [(k, v) for k, v in mapping.defaults.items() if k in FIELD_BY_KEY]
    time_points = [k for k in TIME_POINT_FIELDS if k in columns or k in mapping.defaults]
    to_utc = _utc_converter(zone)
    row_checks = _RowChecks([*columns, *mapping.defaults], columns, now)
    formulas = table.uncached_formulas
    tissue_types = solid_only_sample_types()
    records: dict[int, dict[str, object]] = {}
    first_seen: dict[str, int] = {}
    first_place: dict[str, int] = {}
    sheet = table.sheet
    total = max(len(table.rows), 1)
    for count, row in enumerate(table.rows, start=1):
        if count % 5000 == 0:
            check_cancelled(cancelled, "Import cancelled: nothing was imported.")
            progress(count / total, f"{count:,} rows checked…")
        record: dict[str, object] = {}
        failed: set[str] = set()
        raws: dict[str, object] = {}
        number = row.number

        def report(problem: CellProblem, column: SourceColumn | None, raw: object, row_number: int = number,
                   ) -> None:
            problems.append(Problem(sheet, row_number, column.letter if column else None,
                                    column.header if column else None, None if raw is None else _shown(raw),
                                    problem.code, problem.message, "warning" if problem.warning else "error"))

        values = row.values
        for key, index, column, conversion in plan:
            raw = values[index]
            raws[key] = raw
            if raw is None and formulas and (number, column.number) in formulas:
                failed.add(key)
                report(CellProblem("formula_without_value", "formula without a computed value: open and save "
                                   "the file in Excel (or LibreOffice), then import it again"), column, None)
                continue
            try:
                record[key] = conversion(raw, record)
            except CellProblem as problem:
                if problem.warning and key == "clinic_barcode":
                    record[key] = convert.number_barcode_value(raw)
                else:
                    failed.add(key)
                report(problem, column, raw)
        for key, value in defaults:
            if record.get(key) is None:
                record[key] = value
        if "collection_time" in record:
            _combine_collection_time(record)
        for key in time_points:
            moment = record.get(key)
            if isinstance(moment, dt.datetime):
                record[key] = to_utc(moment)
        row_checks.check(record, raws, report)
        for key, label, column in required:
            if record.get(key) is None and key not in failed:
                report(CellProblem("missing_value", f"{label} is empty; it is required"), column, None)
        if record.get("sample_type") in tissue_types and not record.get("collection_type") \
                and "collection_type" not in failed:
            report(CellProblem("tissue_without_collection_type",
                               f"{record['sample_type']} is a solid tissue: its type of collection (SRG surgical "
                               "excision, BPS biopsy …) is required for its SPREC code"),
                   columns["collection_type"][1] if "collection_type" in columns else None, None)
        if "box" in columns:
            _check_place(record, first_place, columns["box"][1], number, report)
        code_value = record.get("clinic_barcode")
        if isinstance(code_value, str):
            if code_value in first_seen:
                report(CellProblem("duplicate_in_file", f"barcode {code_value} is also on row "
                                   f"{first_seen[code_value]}"), columns["clinic_barcode"][1], code_value)
            else:
                first_seen[code_value] = number
        records[number] = record
    if first_seen and "clinic_barcode" in columns:
        known = context.existing_barcodes(set(first_seen))
        if known:
            column = columns["clinic_barcode"][1]
            rows_of: dict[str, list[int]] = defaultdict(list)
            for number, record in records.items():
                code_value = record.get("clinic_barcode")
                if isinstance(code_value, str) and code_value in known:
                    rows_of[code_value].append(number)
            for code_value, where in sorted(known.items()):
                for number in rows_of[code_value]:
                    problems.append(Problem(sheet, number, column.letter, column.header, code_value,
                                            "duplicate_in_database", f"barcode {code_value} is already known: "
                                                                     f"{where}"))
    if "sample_id" in columns:
        problems.extend(_former_id_problems(sheet, records, columns["sample_id"][1], first_seen, context))
    progress(1.0, f"{len(table.rows):,} rows checked.")
    return Validation(table.sheet, records, problems, left, len(table.rows))


_ORDER_WORDS: Final = {"DMY": "day first (DD/MM/YYYY)", "MDY": "month first (MM/DD/YYYY)"}


@functools.cache
def solid_only_sample_types() -> frozenset[str]:
    """The SPREC sample types that are solid tissue only (a code in both tables, such as CEN, counts as fluid)."""
    return frozenset(c for c, _ in solid_sample_types()) - {c for c, _ in fluid_sample_types()}


def date_order_problems(table: Table, mapping: ImportMapping) -> list[Problem]:
    """The text dates checked against the mapping's date order: a warning when none of them decides the order
    (every one could be read both ways), an error when some can only be read in the other order (a saved
    mapping from a partner who changed format, or a wrong choice in the mapping step)."""
    order = mapping.date_order
    if order not in _ORDER_WORDS:
        return []
    evidence = date_order_evidence(table, mapping)
    against = evidence.month_first_example if order == "DMY" else evidence.day_first_example
    against_count = evidence.month_first if order == "DMY" else evidence.day_first
    other = "MDY" if order == "DMY" else "DMY"
    letters = {c.header: c.letter for c in table.columns}
    if against is not None:
        header, value = against
        return [Problem(table.sheet, None, letters.get(header), header, value, "date_order_contradicted",
                        f"the dates are read {_ORDER_WORDS[order]}, but {against_count} text date(s) such as "
                        f"{value} can only be {_ORDER_WORDS[other]}: choose the date order in the mapping "
                        "step (day/month) and check the file")]
    if not evidence.decided and evidence.ambiguous_example is not None:
        header, value = evidence.ambiguous_example
        day, month = (1, 2) if order == "DMY" else (2, 1)
        parts = re.split(r"[./-]", value.split()[0])
        return [Problem(table.sheet, None, letters.get(header), header, value, "date_order_ambiguous",
                        f"no text date decides the order of day and month ({evidence.ambiguous} could be read "
                        f"either way); they are read {_ORDER_WORDS[order]}, so {value} is day "
                        f"{int(parts[day - 1])} of month {int(parts[month - 1])}: check the date order in the "
                        "mapping step", "warning")]
    return []


def _former_id_problems(sheet: str, records: Mapping[int, Mapping[str, object]], column: SourceColumn,
                        clinic_rows: Mapping[str, int], context: Context) -> list[Problem]:
    """A former sample ID is kept as a barcode (unique across samples): twice in the file, equal to another
    row's clinic barcode, or already known in the database, it would stop the import half-way."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    rows_of: dict[str, list[int]] = defaultdict(list)
    for number, record in records.items():
        value = record.get("sample_id")
        if not isinstance(value, str) or not value:
            continue
        rows_of[value].append(number)
        other = first.get(value) or (clinic_rows.get(value) if clinic_rows.get(value) != number else None)
        if other is not None:
            problems.append(Problem(sheet, number, column.letter, column.header, value, "duplicate_in_file",
                                    f"sample ID {value} is also on row {other} (it is kept as a barcode, which "
                                    "must be unique)"))
        first.setdefault(value, number)
    known = context.existing_barcodes(set(first)) if first else {}
    for value, where in sorted(known.items()):
        for number in rows_of[value]:
            problems.append(Problem(sheet, number, column.letter, column.header, value, "duplicate_in_database",
                                    f"sample ID {value} is already known as a barcode: {where}"))
    return problems


def _check_place(record: dict[str, object], first_place: dict[str, int], column: SourceColumn, number: int,
                 report: Callable[[CellProblem, SourceColumn | None, object], None]) -> None:
    box = record.get("box")
    position = record.get("position") or (f"{record['box_row']}{record['box_column']}"
                                          if record.get("box_row") and record.get("box_column") else None)
    if not box or not position:
        return
    key = f"{box}\t{position}"
    if key in first_place:
        report(CellProblem("duplicate_position_in_file", f"position {position} of box {box} is also given on row "
                                                         f"{first_place[key]}"), column, box)
    else:
        first_place[key] = number


def _utc_converter(zone: dt.tzinfo | None) -> Callable[[dt.datetime], dt.datetime]:
    """``convert.as_utc`` with the zone's offset remembered per day (a day with a daylight-saving change is
    computed exactly, time by time)."""
    offsets: dict[int, dt.timedelta | None] = {}
    day_length = dt.timedelta(days=1)

    def to_utc(moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is not None:
            return moment.astimezone(dt.UTC)
        ordinal = moment.toordinal()
        offset = offsets.get(ordinal, day_length)
        if offset is day_length:
            midnight = dt.datetime.fromordinal(ordinal)
            start = convert.as_utc(midnight, zone)
            end = convert.as_utc(midnight + day_length, zone)
            offset = midnight - start.replace(tzinfo=None) if end - start == day_length else None
            offsets[ordinal] = offset
        if offset is None:  # a daylight-saving change that day: exactly
            return convert.as_utc(moment, zone)
        return (moment - offset).replace(tzinfo=dt.UTC)

    return to_utc


def _converter(key: str, column: SourceColumn, mapping: ImportMapping, vocabularies: Mapping[str, dict[str, str]],
               barcode_has_zeros: bool) -> Callable[[object, dict[str, object]], object]:
    """The conversion of one column's cells (remembered per distinct value, for the columns whose result
    depends on the value alone)."""
    spec = FIELD_BY_KEY[key]
    if spec.kind == "volume":
        column_unit = _unit_in(column.header) or mapping.default_unit
        separator = mapping.decimal_separator
        volumes: dict[tuple[type, object, str], object] = {}

        def volume(raw: object, record: dict[str, object]) -> object:
            row_unit = record.get("volume_unit")
            unit = row_unit if isinstance(row_unit, str) else column_unit
            return _remembered(volumes, (type(raw), raw, unit),
                               lambda: convert.volume(raw, unit, separator))  # type: ignore[arg-type]

        return volume
    if spec.kind in ("datetime", "barcode", "text"):
        passes = dt.datetime if spec.kind == "datetime" else str

        def plain(raw: object, _record: dict[str, object]) -> object:
            if raw.__class__ is passes and not (passes is str and _SCIENTIFIC.match(raw)):  # type: ignore[arg-type]
                return raw
            return _convert(key, raw, mapping, vocabularies, barcode_has_zeros=barcode_has_zeros, unit="")

        return plain
    seen: dict[tuple[type, object], object] = {}

    def remembered(raw: object, _record: dict[str, object]) -> object:
        return _remembered(seen, (type(raw), raw),
                           lambda: _convert(key, raw, mapping, vocabularies, barcode_has_zeros=barcode_has_zeros,
                                            unit=""))

    return remembered


def _remembered(cache: dict[Any, object], key: Any, compute: Callable[[], object]) -> object:
    try:
        found = cache[key]
    except KeyError:
        try:
            found = compute()
        except CellProblem as problem:
            found = problem
        cache[key] = found
    if isinstance(found, CellProblem):
        raise found
    return found


def _unit_in(header: str) -> str | None:
    """'Volume (ml)' → 'mL': a unit written in the header is the column's unit."""
    words = fold(header).split()
    for word, unit in (("ml", "mL"), ("ul", "µL"), ("mcl", "µL"), ("l", "L")):
        if word in words[1:]:
            return unit
    return None


def _convert(key: str, raw: object, mapping: ImportMapping, vocabularies: Mapping[str, dict[str, str]],
             *, barcode_has_zeros: bool, unit: str) -> object:
    kind = FIELD_BY_KEY[key].kind
    value: Any = raw
    if kind == "barcode":
        return convert.barcode(value, pad_to=mapping.barcode_pad_to, column_has_zeros=barcode_has_zeros)
    if kind == "datetime":
        return convert.date_time(value, mapping.date_order)
    if kind == "time":
        return convert.time_of_day(value)
    if kind == "volume":
        return convert.volume(value, unit, mapping.decimal_separator)
    if kind == "int":
        return convert.whole_number(value)
    if kind == "bool":
        return convert.boolean(value)
    if kind in ("code", "minutes"):
        what = _CODE_WORDS.get(key, key)
        if kind == "minutes":
            minutes = convert.minutes(value, what)
            if minutes is not None:
                return minutes
        answers = {fold(k): v for k, v in mapping.value_maps.get(key, {}).items()}
        return convert.code(value, what, vocabularies.get(key, {}), answers)
    return convert.text(value)


_CODE_WORDS: Final = {"sample_type": "sample type", "container": "container", "study": "study",
                      "collection_type": "type of collection", "fixation": "fixation",
                      "warm_ischemia": "warm ischaemia", "cold_ischemia": "cold ischaemia",
                      "fixation_time": "fixation time", "pre_centrifugation_temp": "pre centrifugation temperature",
                      "post_centrifugation_temp": "post centrifugation temperature"}


def _combine_collection_time(record: dict[str, object]) -> None:
    day, time_of_day = record.get("collected_at"), record.pop("collection_time", None)
    if isinstance(time_of_day, dt.time) and isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        record["collected_at"] = dt.datetime.combine(day, time_of_day)


class _RowChecks:
    """The checks across a row's time points, prepared once for the columns present."""

    def __init__(self, present: Iterable[str], columns: Mapping[str, tuple[int, SourceColumn]],
                 now: dt.datetime) -> None:
        keys = set(present)
        self.points = [k for k in TIME_POINT_FIELDS if k in keys]
        self.orders = [(a, b) for a, b in _ORDER_CHECKS if a in keys and b in keys]
        self.columns = {k: columns[k][1] if k in columns else None for k in TIME_POINT_FIELDS}
        self.latest = now + _FUTURE_SLACK
        self.today = now.date()

    def check(self, record: dict[str, object], raws: Mapping[str, object],
              report: Callable[[CellProblem, SourceColumn | None, object], None]) -> None:
        for key in self.points:
            value = record.get(key)
            if isinstance(value, dt.datetime):
                if value.year >= convert.EARLIEST_PLAUSIBLE.year and value <= self.latest:
                    continue
                day = value.date()
            elif isinstance(value, dt.date):
                day = value
            else:
                continue
            raw = raws.get(key, value)
            label = FIELD_BY_KEY[key].label.lower()
            if day < convert.EARLIEST_PLAUSIBLE:
                report(CellProblem("date_implausible", f"{label} {_shown(raw)} is before "
                                                       f"{convert.EARLIEST_PLAUSIBLE.year}: a typing or conversion "
                                                       "mistake?"), self.columns[key], raw)
                record[key] = None
            elif (isinstance(value, dt.datetime) and value > self.latest) or day > self.today:
                report(CellProblem("date_in_future", f"{label} {_shown(raw)} is in the future"), self.columns[key],
                       raw)
        for earlier, later in self.orders:
            first, second = record.get(earlier), record.get(later)
            if isinstance(first, dt.datetime) and isinstance(second, dt.datetime) and second < first:
                before, after = raws.get(earlier, first), raws.get(later, second)
                report(CellProblem("time_order", f"{FIELD_BY_KEY[later].label.lower()} ({_shown(after)}) is "
                                                 f"before {FIELD_BY_KEY[earlier].label.lower()} ({_shown(before)})"),
                       self.columns[later], after)


def _shown(value: object) -> str:
    return shown(value)  # type: ignore[arg-type]


def problem_counts(problems: Iterable[Problem]) -> Counter[str]:
    return Counter(p.code for p in problems)
