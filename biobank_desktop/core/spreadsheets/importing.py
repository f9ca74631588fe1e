"""The read → table → mapping → validation pipeline, as one call for the service, the CLI and the wizard,
and the report every import (dry run or not) ends with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biobank_desktop.core.domain.sprec import (
    fluid_sample_types,
    load_sprec_tables,
    primary_containers,
    solid_sample_types,
)
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled
from biobank_desktop.core.spreadsheets.fields import (
    FIELDS,
    TEMPERATURE_WORDS,
    ImportKind,
    container_words,
    fold,
    sample_type_words,
    tissue_code_words,
    tissue_time_words,
)
from biobank_desktop.core.spreadsheets.layout import SkippedRow, Table, find_table
from biobank_desktop.core.spreadsheets.mapping import ImportMapping, LeftOut, Suggestion, suggest_mapping
from biobank_desktop.core.spreadsheets.reading import SpreadsheetFile, open_spreadsheet, read_sheet
from biobank_desktop.core.spreadsheets.validation import Context, Problem, Validation, group_problems, validate


def known_words() -> set[str]:
    """Every folded header synonym (to find the header row)."""
    return {s for f in FIELDS for s in f.synonyms}


def default_vocabularies() -> dict[str, dict[str, str]]:
    """Clinic words → SPREC codes (current SPREC version) for sample type, primary container, and the tissue's
    type of collection, fixation and the non-time codes of its times."""
    types = dict(fluid_sample_types()) | dict(solid_sample_types())
    words = {"sample_type": sample_type_words(types), "container": container_words(dict(primary_containers()))}
    temperatures = {fold(word): code for word, code in TEMPERATURE_WORDS.items()} | {"rt": "RT", "cold": "COLD",
                                                                                     "body": "BODY"}
    words["pre_centrifugation_temp"] = words["post_centrifugation_temp"] = temperatures
    for element in load_sprec_tables().solid:  # the tissue codes a manifest may carry, checked at import
        if element.key in ("collection_type", "fixation"):
            words[element.key] = tissue_code_words(dict(element.options()), dict(element.aliases))
        elif element.key in ("warm_ischemia", "cold_ischemia", "fixation_time"):
            words[element.key] = tissue_time_words({c.code: c.meaning for c in element.codes if not c.is_timed})
    return words


def load_table(source: SpreadsheetFile, sheet: str | None, *, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> Table:
    raw = read_sheet(source, sheet, progress=progress, cancelled=cancelled)
    return find_table(raw, known_words())


@dataclass
class Prepared:
    source: SpreadsheetFile
    table: Table
    suggestion: Suggestion
    mapping: ImportMapping
    validation: Validation


def prepare(path: Path, kind: ImportKind, context: Context, *, sheet: str | None = None,
            mapping: ImportMapping | None = None, saved: ImportMapping | None = None,
            progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> Prepared:
    """Open, read, find the table, map (``mapping`` as given, else suggested from ``saved`` and the sheet)
    and validate. Raises SpreadsheetError for a file that cannot be read."""
    source = open_spreadsheet(path)
    table = load_table(source, sheet, progress=scaled(progress, 0.0, 0.6), cancelled=cancelled)
    suggestion = suggest_mapping(table, kind, context.vocabularies, saved if mapping is None else mapping)
    chosen = mapping if mapping is not None else suggestion.mapping
    validation = validate(table, chosen, context, suggestion.left_out, progress=scaled(progress, 0.6, 1.0),
                          cancelled=cancelled)
    return Prepared(source, table, suggestion, chosen, validation)


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do). ``as_dict()`` is the CLI's --json."""

    kind: ImportKind
    file: str
    sha256: str
    sheet: str
    dry_run: bool
    rows_read: int
    rows_valid: int
    rows_imported: int
    left_out: list[LeftOut]
    problems: list[Problem]
    skipped: list[SkippedRow] = field(default_factory=list)
    shipment: str | None = None  # the shipment created by a manifest import
    import_id: int | None = None
    mapping: Mapping[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    def as_dict(self) -> dict[str, Any]:
        skipped = Counter(s.reason for s in self.skipped)
        return {
            "kind": self.kind, "file": self.file, "sha256": self.sha256, "sheet": self.sheet,
            "dry_run": self.dry_run, "rows_read": self.rows_read, "rows_valid": self.rows_valid,
            "rows_imported": self.rows_imported, "shipment": self.shipment, "import_id": self.import_id,
            "rows_skipped": {"blank": skipped["blank"], "hidden": skipped["hidden"], "totals": skipped["totals"],
                             "rows": [{"row": s.number, "reason": s.reason} for s in self.skipped]},
            "columns_left_out": [{"column": lo.column, "header": lo.header, "reason": lo.reason}
                                 for lo in self.left_out],
            "problems": [p.as_dict() for p in self.problems],
            "problem_groups": [{"code": g.code, "column": g.column, "header": g.header, "count": g.count,
                                "severity": g.severity, "summary": g.summary(), "rows": list(g.rows[:50])}
                               for g in group_problems(self.problems)],
            "mapping": dict(self.mapping), "notes": self.notes,
        }
