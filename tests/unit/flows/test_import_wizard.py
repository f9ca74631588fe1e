"""The import wizard's state machine, driven without a window, with a fake backend that records calls."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from biobank_desktop.core.domain.errors import OperationCancelledError, ValidationError
from biobank_desktop.core.flows.import_wizard import ImportPlan, ImportWizard, Step, WizardError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.spreadsheets.fields import ImportKind
from biobank_desktop.core.spreadsheets.importing import ImportReport
from biobank_desktop.core.spreadsheets.mapping import ImportMapping
from biobank_desktop.core.spreadsheets.reading import SpreadsheetError
from biobank_desktop.core.spreadsheets.validation import Context
from tests.unit.spreadsheets.helpers import context, make_xlsx, row


class FakeBackend:
    def __init__(self, saved: ImportMapping | None = None) -> None:
        self.saved = saved
        self.plans: list[ImportPlan] = []

    def context(self, kind: ImportKind, partner: str | None) -> Context:
        return context()

    def saved_mapping(self, kind: ImportKind, partner: str | None) -> ImportMapping | None:
        return self.saved

    def run(self, plan: ImportPlan, *, progress: ProgressFn, cancelled: CancelledFn) -> ImportReport:
        self.plans.append(plan)
        return ImportReport(plan.kind, plan.path.name, "0" * 64, plan.sheet, plan.dry_run, 3, 2,
                            0 if plan.dry_run else 2, [], [])


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return make_xlsx(tmp_path / "m.xlsx", [row(1), row(2, Material="Plasma rouge"), row(3)])


def _to_preview(wizard: ImportWizard, path: Path) -> None:
    wizard.choose_file(path, "manifest", "CLINIC")
    wizard.choose_sheet()
    wizard.confirm_mapping()


def test_the_whole_path_file_to_commit(manifest: Path) -> None:
    backend = FakeBackend()
    wizard = ImportWizard(backend)
    assert wizard.step == Step.FILE
    sheets = wizard.choose_file(manifest, "manifest", "CLINIC")
    assert [s.name for s in sheets] == ["Shipment"] and wizard.step == Step.SHEET
    suggestion = wizard.choose_sheet("Shipment")
    assert wizard.step == Step.MAPPING and suggestion.mapping.columns["clinic_barcode"] == "Sample barcode"
    assert wizard.pending_values() == {"sample_type": ["Plasma rouge"]}
    wizard.answer_value("sample_type", "Plasma rouge", "PL2")
    assert wizard.pending_values() == {}
    validation = wizard.confirm_mapping()
    assert wizard.step == Step.PREVIEW and not validation.problems
    report = wizard.dry_run()
    assert wizard.step == Step.DRY_RUN and report.dry_run and backend.plans[-1].dry_run
    final = wizard.commit()
    assert wizard.step == Step.DONE and not final.dry_run
    plan = backend.plans[-1]
    assert (plan.partner, plan.sheet, plan.valid_rows_only, plan.dry_run) == ("CLINIC", "Shipment", False, False)
    assert plan.mapping.value_maps["sample_type"] == {"plasma rouge": "PL2"}


def test_commit_is_all_or_nothing_unless_valid_rows_only_is_chosen(manifest: Path) -> None:
    backend = FakeBackend()
    wizard = ImportWizard(backend)
    _to_preview(wizard, manifest)
    assert wizard.validation is not None and wizard.validation.error_rows == {5}
    wizard.dry_run()
    with pytest.raises(ValidationError, match="1 row"):
        wizard.commit()
    assert wizard.step == Step.DRY_RUN and all(p.dry_run for p in backend.plans)
    wizard.commit(valid_rows_only=True)
    assert backend.plans[-1].valid_rows_only and wizard.step == Step.DONE


def test_steps_out_of_order_are_refused(manifest: Path) -> None:
    wizard = ImportWizard(FakeBackend())
    with pytest.raises(WizardError, match="'file' step"):
        wizard.confirm_mapping()
    wizard.choose_file(manifest, "manifest", "CLINIC")
    with pytest.raises(WizardError):
        wizard.commit()
    with pytest.raises(WizardError):
        wizard.dry_run()


def test_editing_the_mapping_after_preview_forgets_preview_and_dry_run(manifest: Path) -> None:
    wizard = ImportWizard(FakeBackend())
    _to_preview(wizard, manifest)
    wizard.dry_run()
    wizard.set_options(date_order="MDY")
    assert wizard.step == Step.MAPPING and wizard.validation is None and wizard.dry_run_report is None
    assert wizard.mapping is not None and wizard.mapping.date_order == "MDY"
    with pytest.raises(ValidationError, match="Unknown mapping option"):
        wizard.set_options(colour="red")


def test_back_goes_one_step_and_done_stays_done(manifest: Path) -> None:
    wizard = ImportWizard(FakeBackend())
    _to_preview(wizard, manifest)
    wizard.dry_run()
    assert wizard.back() == Step.PREVIEW and wizard.dry_run_report is None
    assert wizard.back() == Step.MAPPING and wizard.validation is None
    assert wizard.back() == Step.SHEET
    assert wizard.back() == Step.FILE
    assert wizard.back() == Step.FILE


def test_set_column_checks_field_header_and_identifiers(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "n.xlsx", [[*row(1), "Dupont"]],
                     headers=["Sample barcode", "Participant", "Study", "Timepoint", "Material", "Tube",
                              "Volume (ml)", "Collected", "Nom"])
    wizard = ImportWizard(FakeBackend())
    wizard.choose_file(path, "manifest", "CLINIC")
    wizard.choose_sheet()
    with pytest.raises(ValidationError, match="left out"):
        wizard.set_column("comments", "Nom")
    with pytest.raises(ValidationError, match="no column"):
        wizard.set_column("comments", "Nope")
    with pytest.raises(ValidationError, match="not a field"):
        wizard.set_column("box", "Tube")  # an inventory field
    wizard.set_column("sample_type", None)
    assert "Sample type" in wizard.missing_required()
    wizard.confirm_mapping()
    wizard.dry_run()
    with pytest.raises(ValidationError, match="cannot be imported"):
        wizard.commit(valid_rows_only=True)


def test_a_bad_file_or_cancelled_read_leaves_the_wizard_where_it_was(tmp_path: Path, manifest: Path) -> None:
    wizard = ImportWizard(FakeBackend())
    pdf = tmp_path / "x.xlsx"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(SpreadsheetError):
        wizard.choose_file(pdf, "manifest", "CLINIC")
    assert wizard.step == Step.FILE
    with pytest.raises(ValidationError, match="partner site"):
        wizard.choose_file(manifest, "manifest", None)
    wizard.choose_file(manifest, "manifest", "CLINIC")
    with pytest.raises(OperationCancelledError):
        wizard.choose_sheet(cancelled=lambda: True)
    assert wizard.step == Step.SHEET and wizard.table is None


def test_saved_mapping_of_the_partner_is_the_starting_point(manifest: Path) -> None:
    saved = ImportMapping("manifest", columns={"clinic_barcode": "Sample barcode", "pseudonym": "Participant",
                                               "study": "Study", "sample_type": "Material"},
                          value_maps={"sample_type": {"plasma rouge": "PL2"}}, date_order="MDY")
    wizard = ImportWizard(FakeBackend(saved))
    wizard.choose_file(manifest, "manifest", "CLINIC")
    suggestion = wizard.choose_sheet()
    assert suggestion.mapping.date_order == "MDY" and wizard.pending_values() == {}
    assert suggestion.mapping.columns["container"] == "Tube"  # the rest still suggested


def test_preview_rows_mark_bad_cells_and_error_workbook(manifest: Path, tmp_path: Path) -> None:
    wizard = ImportWizard(FakeBackend())
    _to_preview(wizard, manifest)
    rows = wizard.preview_rows()
    assert [r.number for r in rows] == [4, 5, 6]
    assert rows[1].bad == frozenset({4}) and rows[0].bad == frozenset()
    assert [r.number for r in wizard.preview_rows(only_problems=True)] == [5]
    assert wizard.groups()[0].code == "unknown_sample_type"
    out = tmp_path / "errors.xlsx"
    wizard.write_errors(out, created_by="anna", database="db")
    assert openpyxl.load_workbook(out)["Rejected rows"].max_row >= 2
