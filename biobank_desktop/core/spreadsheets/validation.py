"""Validation: every cell of the mapped columns converted and checked, every problem named precisely
(sheet, row as the spreadsheet shows it, column letter and header, the value, a stable code, a sentence),
and problems grouped by cause for the preview ("the same problem in 412 rows: date 31/02/2026 does not exist").

No database here: what only the database knows (barcodes already there, the studies that exist) is passed in
as a :class:`Context`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from biobank_desktop.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from biobank_desktop.core.spreadsheets import convert
from biobank_desktop.core.spreadsheets.convert import CellProblem
from biobank_desktop.core.spreadsheets.fields import FIELD_BY_KEY, TIME_POINT_FIELDS, fold
from biobank_desktop.core.spreadsheets.layout import SourceColumn, Table
from biobank_desktop.core.spreadsheets.mapping import ImportMapping, LeftOut
from biobank_desktop.core.spreadsheets.reading import shown

Severity = Literal["error", "warning"]
_FUTURE_SLACK: Final = dt.timedelta(minutes=10)
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
        where = f" (column {self.column}, {self.header})" if self.column else ""
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


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """Problems with the same cause (code, column, value) together, the largest groups first."""
    grouped: dict[tuple[str, str | None, str | None], list[Problem]] = defaultdict(list)
    for problem in problems:
        grouped[(problem.code, problem.column, problem.value)].append(problem)
    groups = [ProblemGroup(code, column, items[0].header, items[0].message, items[0].severity,
                           tuple(p.row for p in items if p.row is not None))
              for (code, column, _value), items in grouped.items()]
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
    records: dict[int, dict[str, object]] = {}
    first_seen: dict[str, int] = {}
    first_place: dict[str, int] = {}
    total = max(len(table.rows), 1)
    for count, row in enumerate(table.rows, start=1):
        if count % 5000 == 0:
            check_cancelled(cancelled, "Import cancelled: nothing was imported.")
            progress(count / total, f"{count:,} rows checked…")
        record: dict[str, object] = {}
        failed: set[str] = set()
        raws: dict[str, object] = {}

        def report(problem: CellProblem, column: SourceColumn | None, raw: object, row_number: int = row.number,
                   ) -> None:
            problems.append(Problem(table.sheet, row_number, column.letter if column else None,
                                    column.header if column else None, None if raw is None else shown(raw),  # type: ignore[arg-type]
                                    problem.code, problem.message, "warning" if problem.warning else "error"))

        for key, (index, column) in columns.items():
            raw = row.values[index]
            raws[key] = raw
            if raw is None and (row.number, column.number) in table.uncached_formulas:
                failed.add(key)
                report(CellProblem("formula_without_value", "formula without a computed value: open and save "
                                   "the file in Excel (or LibreOffice), then import it again"), column, None)
                continue
            try:
                row_unit = record.get("volume_unit")
                unit = row_unit if isinstance(row_unit, str) else None
                record[key] = _convert(key, raw, mapping, vocabularies, barcode_has_zeros=barcode_has_zeros,
                                       unit=unit or _unit_in(column.header) or mapping.default_unit)
            except CellProblem as problem:
                if problem.warning and key == "clinic_barcode":
                    record[key] = convert.number_barcode_value(raw)
                else:
                    failed.add(key)
                report(problem, column, raw)
        for key, value in mapping.defaults.items():
            if record.get(key) is None and key in FIELD_BY_KEY:
                record[key] = value
        _combine_collection_time(record)
        for key in TIME_POINT_FIELDS:
            if isinstance(record.get(key), dt.datetime):
                record[key] = convert.as_utc(record[key], zone)  # type: ignore[arg-type]
        _check_row(record, raws, columns, now, report)
        for spec in FIELD_BY_KEY.values():
            if mapping.kind in spec.required_for and record.get(spec.key) is None and spec.key in columns \
                    and spec.key not in failed:
                report(CellProblem("missing_value", f"{spec.label} is empty; it is required"),
                       columns[spec.key][1], None)
        place = (record.get("box"), record.get("position") or
                 (f"{record['box_row']}{record['box_column']}" if record.get("box_row") else None))
        if place[0] and place[1] and "box" in columns:
            key = f"{place[0]}\t{place[1]}"
            if key in first_place:
                report(CellProblem("duplicate_position_in_file", f"position {place[1]} of box {place[0]} is also "
                                   f"given on row {first_place[key]}"), columns["box"][1], place[0])
            else:
                first_place[key] = row.number
        code_value = record.get("clinic_barcode")
        if isinstance(code_value, str):
            if code_value in first_seen:
                report(CellProblem("duplicate_in_file", f"barcode {code_value} is also on row "
                                   f"{first_seen[code_value]}"), columns["clinic_barcode"][1], code_value)
            else:
                first_seen[code_value] = row.number
        records[row.number] = record
    if first_seen and "clinic_barcode" in columns:
        known = context.existing_barcodes(set(first_seen))
        column = columns["clinic_barcode"][1]
        for code_value, where in sorted(known.items()):
            for number, record in records.items():
                if record.get("clinic_barcode") == code_value:
                    problems.append(Problem(table.sheet, number, column.letter, column.header, code_value,
                                            "duplicate_in_database", f"barcode {code_value} is already known: "
                                                                     f"{where}"))
    progress(1.0, f"{len(table.rows):,} rows checked.")
    return Validation(table.sheet, records, problems, left, len(table.rows))


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
    if kind == "code":
        what = {"sample_type": "sample type", "container": "container", "study": "study"}.get(key, key)
        answers = {fold(k): v for k, v in mapping.value_maps.get(key, {}).items()}
        return convert.code(value, what, vocabularies.get(key, {}), answers)
    return convert.text(value)


def _combine_collection_time(record: dict[str, object]) -> None:
    day, time_of_day = record.get("collected_at"), record.pop("collection_time", None)
    if isinstance(time_of_day, dt.time) and isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        record["collected_at"] = dt.datetime.combine(day, time_of_day)


def _check_row(record: dict[str, object], raws: Mapping[str, object],
               columns: Mapping[str, tuple[int, SourceColumn]], now: dt.datetime,
               report: Callable[[CellProblem, SourceColumn | None, object], None]) -> None:
    def column_of(key: str) -> SourceColumn | None:
        return columns[key][1] if key in columns else None

    for key in TIME_POINT_FIELDS:
        value = record.get(key)
        if not isinstance(value, dt.date):
            continue
        day = value.date() if isinstance(value, dt.datetime) else value
        raw = raws.get(key, value)
        label = FIELD_BY_KEY[key].label.lower()
        if day < convert.EARLIEST_PLAUSIBLE:
            report(CellProblem("date_implausible", f"{label} {_shown(raw)} is before "
                                                   f"{convert.EARLIEST_PLAUSIBLE.year}: a typing or conversion "
                                                   "mistake?"), column_of(key), raw)
            record[key] = None
        elif (isinstance(value, dt.datetime) and value > now + _FUTURE_SLACK) or day > now.date():
            report(CellProblem("date_in_future", f"{label} {_shown(raw)} is in the future"), column_of(key), raw)
    for earlier, later in _ORDER_CHECKS:
        first, second = record.get(earlier), record.get(later)
        if isinstance(first, dt.datetime) and isinstance(second, dt.datetime) and second < first:
            before, after = raws.get(earlier, first), raws.get(later, second)
            report(CellProblem("time_order", f"{FIELD_BY_KEY[later].label.lower()} ({_shown(after)}) is before "
                                             f"{FIELD_BY_KEY[earlier].label.lower()} ({_shown(before)})"),
                   column_of(later), after)


def _shown(value: object) -> str:
    return shown(value)  # type: ignore[arg-type]


def problem_counts(problems: Iterable[Problem]) -> Counter[str]:
    return Counter(p.code for p in problems)
