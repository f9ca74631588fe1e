"""The import wizard as a state machine: file → sheet → mapping → preview → dry run → commit.

The GUI (Exchange page) and tests drive it; it never touches Qt or the database. What needs the database
(the studies and barcodes that exist, the mapping saved for a partner, the import itself) goes through an
:class:`ImportBackend` (the exchange service's adapter in the application, a fake in tests).

Steps and what moves between them:

==========  ==========================================  ==========
step        call                                        next step
==========  ==========================================  ==========
FILE        ``choose_file(path, kind, partner)``        SHEET
SHEET       ``choose_sheet(name)`` (reads, maps)        MAPPING
MAPPING     ``set_column`` / ``set_options`` /          MAPPING
            ``answer_value`` (edit the mapping)
MAPPING     ``confirm_mapping()`` (validates)           PREVIEW
PREVIEW     ``dry_run()`` (the backend writes nothing)  DRY_RUN
DRY_RUN     ``commit(valid_rows_only=...)``             DONE
any         ``back()``                                  the step before
==========  ==========================================  ==========

Rules: a step's call from another step raises :class:`WizardError`; a call that fails (unreadable file,
cancelled read, refused commit) leaves the wizard where it was; editing the mapping from a later step goes
back to MAPPING and forgets the preview and the dry run (they described another mapping). Commit is
all-or-nothing unless ``valid_rows_only=True`` is chosen explicitly; the error workbook can be written from
PREVIEW on. Calls that read or import take ``progress``/``cancelled`` (the job contract) so the GUI runs them
on its worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from biobank_desktop.core.spreadsheets.error_workbook import write_error_workbook
from biobank_desktop.core.spreadsheets.fields import FIELD_BY_KEY, ImportKind, fields_for, fold
from biobank_desktop.core.spreadsheets.importing import ImportReport, load_table
from biobank_desktop.core.spreadsheets.layout import Table
from biobank_desktop.core.spreadsheets.mapping import ImportMapping, Suggestion, suggest_mapping
from biobank_desktop.core.spreadsheets.reading import SheetInfo, SpreadsheetFile, open_spreadsheet, shown
from biobank_desktop.core.spreadsheets.validation import (
    Context,
    Problem,
    ProblemGroup,
    Validation,
    date_order_problems,
    validate,
)
from biobank_desktop.core.spreadsheets.writer import WriteResult


class Step(StrEnum):
    FILE = "file"
    SHEET = "sheet"
    MAPPING = "mapping"
    PREVIEW = "preview"
    DRY_RUN = "dry_run"
    DONE = "done"


_ORDER: tuple[Step, ...] = tuple(Step)


class WizardError(BiobankError):
    """A wizard call made at the wrong step (a programming or sequencing mistake, worded for the person)."""


@dataclass(frozen=True)
class ImportPlan:
    """Everything the backend needs to import (or dry-run) the file as the technician set it up."""

    path: Path
    kind: ImportKind
    partner: str | None
    sheet: str
    mapping: ImportMapping
    dry_run: bool = True
    valid_rows_only: bool = False


class ImportBackend(Protocol):
    def context(self, kind: ImportKind, partner: str | None) -> Context:
        """Vocabularies, known studies and the existing-barcode lookup for validation."""

    def saved_mapping(self, kind: ImportKind, partner: str | None) -> ImportMapping | None:
        """The partner's latest saved mapping for ``kind`` (None when there is none)."""

    def run(self, plan: ImportPlan, *, progress: ProgressFn, cancelled: CancelledFn) -> ImportReport:
        """Import (or with ``plan.dry_run``, check without writing) and report."""


@dataclass(frozen=True)
class PreviewRow:
    """A row for the preview table: its number, the values as shown, the indexes of bad and warned cells,
    and the row's messages."""

    number: int
    values: tuple[str, ...]
    bad: frozenset[int]
    warned: frozenset[int]
    messages: tuple[str, ...]


class ImportWizard:
    def __init__(self, backend: ImportBackend) -> None:
        self._backend = backend
        self._reset()

    def _reset(self) -> None:
        self.step = Step.FILE
        self.kind: ImportKind = "manifest"
        self.partner: str | None = None
        self.source: SpreadsheetFile | None = None
        self.sheet: str | None = None
        self.table: Table | None = None
        self.suggestion: Suggestion | None = None
        self.mapping: ImportMapping | None = None
        self.validation: Validation | None = None
        self.dry_run_report: ImportReport | None = None
        self.report: ImportReport | None = None
        self._context: Context | None = None

    # -- guards ----------------------------------------------------------------------------------------

    def _require(self, *steps: Step) -> None:
        if self.step not in steps:
            wanted = " or ".join(s.value for s in steps)
            raise WizardError(f"This cannot be done at the '{self.step.value}' step (only at: {wanted}).",
                              hint="Go back to that step first.")

    def _forget_after_mapping(self) -> None:
        self.validation = None
        self.dry_run_report = None
        self.step = Step.MAPPING

    # -- FILE ------------------------------------------------------------------------------------------------

    def choose_file(self, path: Path, kind: ImportKind, partner: str | None = None) -> tuple[SheetInfo, ...]:
        """Open ``path`` (SpreadsheetError if it is not a readable spreadsheet) and list its sheets."""
        self._require(Step.FILE, Step.SHEET)
        if kind not in ("manifest", "inventory"):
            raise ValidationError(f"'{kind}' is not an import kind.", hint="Choose manifest or inventory.")
        if kind == "manifest" and not partner:
            raise ValidationError("A manifest comes from a partner site: choose which one.",
                                  hint="Pick the partner site that sent the file.")
        source = open_spreadsheet(path)
        self.kind, self.partner, self.source = kind, partner, source
        self.sheet = self.table = self.suggestion = self.mapping = None
        self.validation = self.dry_run_report = self.report = None
        self._context = None
        self.step = Step.SHEET
        return source.sheets

    # -- SHEET -----------------------------------------------------------------------------------------------

    def choose_sheet(self, name: str | None = None, *, progress: ProgressFn = no_progress,
                     cancelled: CancelledFn = never_cancelled) -> Suggestion:
        """Read sheet ``name`` (the first visible one when None), find its table and suggest a mapping
        (starting from the partner's saved one)."""
        self._require(Step.SHEET, Step.MAPPING)
        assert self.source is not None
        table = load_table(self.source, name, progress=progress, cancelled=cancelled)
        context = self._backend.context(self.kind, self.partner)
        saved = self._backend.saved_mapping(self.kind, self.partner)
        suggestion = suggest_mapping(table, self.kind, context.vocabularies, saved)
        self.sheet, self.table, self.suggestion, self.mapping = table.sheet, table, suggestion, suggestion.mapping
        self._context = context
        self._forget_after_mapping()
        return suggestion

    # -- MAPPING ---------------------------------------------------------------------------------------------

    def _editable(self) -> ImportMapping:
        self._require(Step.MAPPING, Step.PREVIEW, Step.DRY_RUN)
        assert self.mapping is not None
        return self.mapping

    def set_column(self, field_key: str, header: str | None) -> None:
        """Map ``field_key`` to the column named ``header`` (None: to no column)."""
        mapping = self._editable()
        if field_key not in FIELD_BY_KEY or self.kind not in FIELD_BY_KEY[field_key].used_by:
            raise ValidationError(f"'{field_key}' is not a field of a {self.kind} import.")
        assert self.table is not None and self.suggestion is not None
        if header is not None:
            if header not in {c.header for c in self.table.columns}:
                raise ValidationError(f"The sheet has no column '{header}'.")
            left = {lo.header: lo.reason for lo in self.suggestion.left_out}
            if header in left:
                raise ValidationError(f"Column '{header}' is left out: {left[header]}.",
                                      hint="Direct identifiers are never imported; delete the column if it is "
                                           "mislabelled.")
        self.mapping = mapping.with_column(field_key, header)
        self._forget_after_mapping()

    def set_options(self, **options: Any) -> None:
        """Change date_order, default_unit, decimal_separator, timezone, barcode_pad_to or defaults."""
        mapping = self._editable()
        allowed = {"date_order", "default_unit", "decimal_separator", "timezone", "barcode_pad_to", "defaults"}
        unknown = set(options) - allowed
        if unknown:
            raise ValidationError(f"Unknown mapping option: {', '.join(sorted(unknown))}.")
        data = mapping.to_dict() | options
        self.mapping = ImportMapping.from_dict(data)
        self._forget_after_mapping()

    def answer_value(self, field_key: str, value: str, code: str) -> None:
        """Remember that the clinic's ``value`` means ``code`` for ``field_key`` (saved with the mapping)."""
        mapping = self._editable()
        context = self._context
        assert context is not None
        vocabulary = dict(context.vocabularies).get(field_key, {})
        if field_key == "study" and context.known_studies is not None:
            vocabulary = context.known_studies
        if vocabulary and code not in set(vocabulary.values()):
            raise ValidationError(f"'{code}' is not a known code for {FIELD_BY_KEY[field_key].label}.")
        self.mapping = mapping.with_value(field_key, value, code)
        self._forget_after_mapping()

    def pending_values(self) -> dict[str, list[str]]:
        """For each code field (sample type, container, study): the clinic's words no code is known for yet —
        the questions to ask the technician."""
        self._require(Step.MAPPING, Step.PREVIEW, Step.DRY_RUN)
        assert self.table is not None and self.mapping is not None and self._context is not None
        vocabularies = dict(self._context.vocabularies)
        if self._context.known_studies is not None:
            vocabularies["study"] = self._context.known_studies
        pending: dict[str, list[str]] = {}
        for key in ("sample_type", "container", "study"):
            header = self.mapping.columns.get(key)
            if header is None or key not in vocabularies:
                continue
            index = next((i for i, c in enumerate(self.table.columns) if c.header == header), None)
            if index is None:
                continue
            answers = {fold(k) for k in self.mapping.value_maps.get(key, {})}
            seen: dict[str, str] = {}
            for row in self.table.rows:
                value = row.values[index]
                if value is None:
                    continue
                word = fold(shown(value))
                if word not in vocabularies[key] and word not in answers:
                    seen.setdefault(word, shown(value))
            if seen:
                pending[key] = sorted(seen.values())
        return pending

    def missing_required(self) -> list[str]:
        """Labels of required fields no column is mapped to (nor given a default)."""
        assert self.mapping is not None
        return [f.label for f in fields_for(self.kind) if self.kind in f.required_for
                and f.key not in self.mapping.columns and f.key not in self.mapping.defaults]

    def date_order_warning(self) -> Problem | None:
        """What the mapping step shows beside its date-order choice: the text dates could be read either way
        (a warning naming an example and the order chosen), or some contradict the chosen order (an error)."""
        if self.table is None or self.mapping is None:
            return None
        found = date_order_problems(self.table, self.mapping)
        return found[0] if found else None

    def confirm_mapping(self, *, progress: ProgressFn = no_progress,
                        cancelled: CancelledFn = never_cancelled) -> Validation:
        """Validate every row with the mapping → PREVIEW."""
        self._require(Step.MAPPING)
        assert self.table is not None and self.mapping is not None and self._context is not None
        assert self.suggestion is not None
        validation = validate(self.table, self.mapping, self._context, self.suggestion.left_out,
                              progress=progress, cancelled=cancelled)
        self.validation = validation
        self.step = Step.PREVIEW
        return validation

    # -- PREVIEW ---------------------------------------------------------------------------------------------

    def groups(self) -> list[ProblemGroup]:
        self._require(Step.PREVIEW, Step.DRY_RUN, Step.DONE)
        assert self.validation is not None
        return self.validation.groups()

    def preview_rows(self, start: int = 0, count: int = 200, *, only_problems: bool = False) -> list[PreviewRow]:
        """Rows ``start``..``start+count`` of the table as shown, with their bad cells (for highlighting)."""
        self._require(Step.PREVIEW, Step.DRY_RUN, Step.DONE)
        assert self.table is not None and self.validation is not None
        letters = {c.letter: i for i, c in enumerate(self.table.columns)}
        by_row: dict[int, list[Any]] = {}
        for problem in self.validation.problems:
            if problem.row is not None:
                by_row.setdefault(problem.row, []).append(problem)
        rows = [r for r in self.table.rows if r.number in by_row] if only_problems else self.table.rows
        result: list[PreviewRow] = []
        for row in rows[start:start + count]:
            found = by_row.get(row.number, [])
            result.append(PreviewRow(
                row.number, tuple(shown(v) for v in row.values),
                frozenset(letters[p.column] for p in found if p.column in letters and p.severity == "error"),
                frozenset(letters[p.column] for p in found if p.column in letters and p.severity == "warning"),
                tuple(p.message for p in found)))
        return result

    def write_errors(self, path: Path, *, created_by: str, database: str, progress: ProgressFn = no_progress,
                     cancelled: CancelledFn = never_cancelled) -> WriteResult:
        """The error workbook (rejected rows unchanged + what is wrong) for the clinic."""
        self._require(Step.PREVIEW, Step.DRY_RUN, Step.DONE)
        assert self.table is not None and self.validation is not None and self.source is not None
        return write_error_workbook(path, self.table, self.validation.problems, source_name=self.source.path.name,
                                    created_by=created_by, database=database, progress=progress,
                                    cancelled=cancelled)

    def _plan(self, *, dry_run: bool, valid_rows_only: bool) -> ImportPlan:
        assert self.source is not None and self.sheet is not None and self.mapping is not None
        return ImportPlan(self.source.path, self.kind, self.partner, self.sheet, self.mapping, dry_run,
                          valid_rows_only)

    def dry_run(self, *, valid_rows_only: bool = False, progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled) -> ImportReport:
        """Run the whole import without writing anything → DRY_RUN."""
        self._require(Step.PREVIEW, Step.DRY_RUN)
        report = self._backend.run(self._plan(dry_run=True, valid_rows_only=valid_rows_only), progress=progress,
                                   cancelled=cancelled)
        self.dry_run_report = report
        self.step = Step.DRY_RUN
        return report

    # -- DRY_RUN → DONE --------------------------------------------------------------------------------------

    def commit(self, *, valid_rows_only: bool = False, progress: ProgressFn = no_progress,
               cancelled: CancelledFn = never_cancelled) -> ImportReport:
        """Import for real → DONE. All-or-nothing: refused while any row has an error, unless
        ``valid_rows_only`` (then the rejected rows belong in the error workbook)."""
        self._require(Step.DRY_RUN)
        assert self.validation is not None
        errors = self.validation.error_rows
        if self.validation.file_errors:
            raise ValidationError(f"The file cannot be imported: {self.validation.file_errors[0].message}.",
                                  hint="Correct the mapping.")
        if errors and not valid_rows_only:
            raise ValidationError(f"{len(errors)} row(s) have problems; nothing was imported.",
                                  hint="Correct them in the file, or choose to import the valid rows only "
                                       "(the rejected rows then go into the error workbook).")
        if not self.validation.valid_rows:
            raise ValidationError("No row can be imported: every row has a problem.",
                                  hint="Write the error workbook to see what to correct.")
        report = self._backend.run(self._plan(dry_run=False, valid_rows_only=valid_rows_only), progress=progress,
                                   cancelled=cancelled)
        self.report = report
        self.step = Step.DONE
        return report

    # -- navigation ------------------------------------------------------------------------------------------

    def back(self) -> Step:
        """One step back (nothing is undone in the database: a committed import stays committed)."""
        if self.step in (Step.FILE, Step.DONE):
            return self.step
        previous = _ORDER[_ORDER.index(self.step) - 1]
        if previous == Step.MAPPING:
            self._forget_after_mapping()
        elif previous == Step.PREVIEW:
            self.dry_run_report = None
            self.step = Step.PREVIEW
        else:
            self.step = previous
        return self.step

    def restart(self) -> None:
        """Back to FILE for another import."""
        self._reset()

    def mapped_headers(self) -> dict[str, str]:
        assert self.mapping is not None
        return dict(self.mapping.columns)

    def with_mapping(self, mapping: ImportMapping) -> None:
        """Use ``mapping`` wholesale (a saved one chosen by name)."""
        self._editable()
        self.mapping = replace(mapping, kind=self.kind)
        self._forget_after_mapping()

    @property
    def field_choices(self) -> Sequence[tuple[str, str, bool]]:
        """(key, label, required) of every field of this kind, for the mapping step's dropdowns."""
        return [(f.key, f.label, self.kind in f.required_for) for f in fields_for(self.kind)]
