"""The import wizard panel: shows the core state machine (:class:`ImportWizard`) one step at a time.

file → sheet → mapping → preview → dry run → commit. Every call that reads the file, validates or writes
runs on the session's worker with progress and Cancel; while one runs the panel is disabled, so the wizard
is only ever touched by one thread at a time. A cancelled read or check leaves the wizard where it was, a
cancelled import leaves the database untouched (the service checks Cancel before it commits). Enter goes
to the next step when the current one is complete (a scanner-and-keyboard workflow).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.flows.import_wizard import ImportWizard, Step
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.services.changes import Changes
from biobank_desktop.core.services.exchange import ImportInfo, SavedMappingInfo
from biobank_desktop.core.spreadsheets.importing import ImportReport
from biobank_desktop.core.spreadsheets.mapping import Suggestion
from biobank_desktop.core.spreadsheets.reading import SheetInfo
from biobank_desktop.core.spreadsheets.validation import Problem
from biobank_desktop.ui.background import Job
from biobank_desktop.ui.models.exchange import mapping_rows
from biobank_desktop.ui.operations.writes import WritingPage
from biobank_desktop.ui.pages.exchange import dialogs
from biobank_desktop.ui.pages.exchange.steps import (
    FILE_FILTERS,
    FileStep,
    MappingStep,
    PreviewStep,
    ResultStep,
    SheetStep,
)
from biobank_desktop.ui.theme import ACCENT, ACCENT_SOFT, ERROR, MUTED, WARN, repolish
from biobank_desktop.ui.widgets.common import button

PREVIEW_COLUMN_MAX = 280  # px: a long comment column does not push the others out of sight
ROWS_LISTED = 500  # rows of one problem group listed for jumping to


class ImportPanel(QWidget):
    def __init__(self, page: WritingPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = page.session
        self.service = self.session.services.exchange
        self.backend = self.service.wizard_backend(self.session.actor)
        self.wizard = ImportWizard(self.backend)
        self.job: Job | None = None
        self._focus_wanted = False  # a step shown while a job still held the panel disabled gets it when idle
        self.shipment: str | None = None  # the manifest just imported: the banner's link opens its board
        page.banner.action_clicked.connect(lambda: self.session.navigate.open_shipment(self.shipment)
                                           if self.shipment else None)
        self.saved: list[SavedMappingInfo] = []
        self.studies: list[tuple[str, str]] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.steps_bar = QWidget()  # shown beside the tabs by the page (the step content keeps the height)
        steps = QHBoxLayout(self.steps_bar)
        steps.setContentsMargins(0, 0, 0, 2)
        steps.setSpacing(4)
        names = (self.tr("1 File"), self.tr("2 Sheet"), self.tr("3 Mapping"), self.tr("4 Preview"),
                 self.tr("5 Dry run"), self.tr("6 Imported"))
        self.step_labels = [QLabel(name) for name in names]
        for step_label in self.step_labels:
            steps.addWidget(step_label)

        self.file_step = FileStep()
        self.sheet_step = SheetStep()
        self.mapping_step = MappingStep()
        self.preview_step = PreviewStep()
        self.dry_step = ResultStep("dryRunStep")
        self.done_step = ResultStep("doneStep")
        self.stack = QStackedWidget()
        for widget in (self.file_step, self.sheet_step, self.mapping_step, self.preview_step, self.dry_step,
                       self.done_step):
            self.stack.addWidget(widget)
        layout.addWidget(self.stack, 1)

        nav = QHBoxLayout()
        self.back_button = button(self.tr("Back"), on_click=self.go_back)
        self.restart_button = button(self.tr("Start over"), on_click=self.restart)
        self.errors_button = button(self.tr("Save error workbook…"), on_click=self.save_error_workbook)
        self.errors_button.setObjectName("errorWorkbookButton")
        self.valid_only_button = button("", on_click=lambda: self.commit(valid_rows_only=True))
        self.valid_only_button.setObjectName("validOnlyButton")
        self.next_button = button("", primary=True, on_click=self._next_clicked)
        self.next_button.setObjectName("nextButton")
        nav.addWidget(self.back_button)
        nav.addWidget(self.restart_button)
        nav.addWidget(self.errors_button)
        nav.addStretch(1)
        nav.addWidget(self.valid_only_button)
        nav.addWidget(self.next_button)
        layout.addLayout(nav)

        self.file_step.browse_clicked.connect(self.browse)
        self.file_step.path.textChanged.connect(lambda _t: self.update_nav())
        self.file_step.kind.changed.connect(self.update_nav)
        self.file_step.partner.currentIndexChanged.connect(lambda _i: self.update_nav())
        self.sheet_step.sheets.itemDoubleClicked.connect(lambda _item: self.go_next())
        self.mapping_step.model.field_chosen.connect(self._field_chosen)
        self.mapping_step.options_changed.connect(self._options_changed)
        self.mapping_step.value_answered.connect(self._value_answered)
        self.preview_step.only_problems.toggled.connect(lambda _on: self._fill_preview())
        self.preview_step.groups_view.clicked.connect(self._group_clicked)
        self.preview_step.rows.itemClicked.connect(self._row_clicked)
        # Enter on these lists shows the group's (the row's) place in the preview, it does not go on
        self.preview_step.groups_view.installEventFilter(self)
        self.preview_step.rows.installEventFilter(self)
        self.show_step()

    # -- running on the worker ------------------------------------------------------------------------

    def _run(self, work: Callable[[ProgressFn, CancelledFn], Any], on_result: Callable[[Any], None], *,
             title: str | None, write: bool = False, cancelled_text: str = "") -> None:
        self.stack.setEnabled(False)
        for widget in (self.back_button, self.restart_button, self.errors_button, self.valid_only_button,
                       self.next_button):
            widget.setEnabled(False)

        def cancelled() -> None:
            self.page.banner.show_message(cancelled_text or self.tr("Cancelled: nothing was changed."), "info")

        self.job = self.session.runner.start(work, title=title, on_result=on_result, on_error=self.page.show_error,
                                             on_cancel=cancelled, owner=self, discard_if_cancelled=not write)
        self.job.done.connect(self._idle)

    def _idle(self) -> None:
        self.job = None
        self.stack.setEnabled(True)
        self.show_step(focus=self._focus_wanted)

    @property
    def busy(self) -> bool:
        return self.job is not None

    # -- navigation -------------------------------------------------------------------------------------

    def can_go_on(self) -> bool:
        step = self.wizard.step
        if self.busy:
            return False
        if step == Step.FILE:
            needs_partner = self.file_step.kind.value() == "manifest"
            return bool(self.file_step.path.text().strip()) and (
                not needs_partner or self.file_step.partner.currentData() is not None)
        if step == Step.SHEET:
            return self.sheet_step.chosen() is not None
        if step == Step.MAPPING:
            return not self.wizard.missing_required()
        if step == Step.DRY_RUN and self.all_refused():
            validation = self.wizard.validation
            return validation is not None and bool(validation.valid_rows)
        return step in (Step.PREVIEW, Step.DRY_RUN)

    def all_refused(self) -> bool:
        """Importing all rows would be refused (a row has an error): the valid rows only is what works."""
        validation = self.wizard.validation
        return validation is not None and bool(validation.error_rows)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and QApplication.activePopupWidget() is None:
            event.accept()
            if self.can_go_on():
                self.go_next()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            step = self.preview_step
            if watched is step.groups_view:
                self._group_clicked(step.groups_view.currentIndex())
                return True
            if watched is step.rows:
                item = step.rows.currentItem()
                if item is not None:
                    self._row_clicked(item)
                return True
        return super().eventFilter(watched, event)

    def go_next(self) -> None:
        if not self.can_go_on():
            return
        self.page.banner.hide()
        step = self.wizard.step
        if step == Step.FILE:
            self.open_file()
        elif step == Step.SHEET:
            self.read_sheet()
        elif step == Step.MAPPING:
            self.check_rows()
        elif step == Step.PREVIEW:
            self.dry_run()
        elif step == Step.DRY_RUN:
            self.commit(valid_rows_only=self.all_refused())

    def _next_clicked(self) -> None:
        """The button does what it says ("Import all N rows", refused when a row is bad); Enter does what works."""
        if self.wizard.step == Step.DRY_RUN:
            self.commit(valid_rows_only=False)
        else:
            self.go_next()

    def go_back(self) -> None:
        if not self.busy:
            self.page.banner.hide()
            self.wizard.back()
            self.show_step()

    def restart(self) -> None:
        if not self.busy:
            self.page.banner.hide()
            self.wizard.restart()
            self.file_step.path.clear()
            self.preview_step.preview.clear()
            self.show_step()

    def update_nav(self) -> None:
        step = self.wizard.step
        idle = not self.busy
        texts = {Step.FILE: self.tr("Open file"), Step.SHEET: self.tr("Read the sheet"),
                 Step.MAPPING: self.tr("Check every row"), Step.PREVIEW: self.tr("Dry run")}
        validation = self.wizard.validation
        bad = len(validation.error_rows) if validation is not None else 0
        valid = len(validation.valid_rows) if validation is not None else 0
        if step == Step.DRY_RUN:
            texts[Step.DRY_RUN] = self.tr("Import all {n} rows").format(n=f"{validation.rows_read:,}") \
                if validation is not None else ""
        self.next_button.setText(texts.get(step, ""))
        self.next_button.setVisible(step in texts)
        self.next_button.setEnabled(self.can_go_on())
        self.back_button.setEnabled(idle and step not in (Step.FILE, Step.DONE))
        self.restart_button.setEnabled(idle and step != Step.FILE)
        self.restart_button.setText(self.tr("Import another file") if step == Step.DONE else self.tr("Start over"))
        self.errors_button.setVisible(step in (Step.PREVIEW, Step.DRY_RUN, Step.DONE) and bad > 0)
        self.errors_button.setEnabled(idle)
        self.valid_only_button.setVisible(step == Step.DRY_RUN and bad > 0 and valid > 0)
        self.valid_only_button.setText(self.tr("Import the {valid} valid rows only ({bad} rejected)").format(
            valid=f"{valid:,}", bad=f"{bad:,}"))
        self.valid_only_button.setEnabled(idle)
        # the default (blue, Enter) action is the one that works: the valid rows only when all would be refused
        refused = step == Step.DRY_RUN and bad > 0
        self.next_button.setEnabled(idle and step in texts and (self.can_go_on() or refused))
        for widget, primary in ((self.next_button, not refused), (self.valid_only_button, refused)):
            if bool(widget.property("primary")) != primary:
                widget.setProperty("primary", primary)
                repolish(widget)
        self.next_button.setToolTip(self.tr("Refused while any row has a problem (all-or-nothing).") if refused
                                    else "")

    def show_step(self, *, focus: bool = True) -> None:
        step = self.wizard.step
        index = list(Step).index(step)
        self.stack.setCurrentIndex(index)
        for i, step_label in enumerate(self.step_labels):
            current = i == index
            colour = ACCENT if current else MUTED
            background = f"background: {ACCENT_SOFT};" if current else ""
            step_label.setStyleSheet(f"color: {colour}; font-weight: {700 if current else 400}; padding: 4px 10px;"
                                     f" border-radius: 6px; {background}")
        self.update_nav()
        # a step shown by a job's result comes while the panel is still disabled (focus cannot land then, and
        # Enter would go to whatever took it): it is given when the job is over
        self._focus_wanted = focus and not self.stack.isEnabled()
        if focus and not self._focus_wanted:
            target: QWidget = {Step.FILE: self.file_step.path, Step.SHEET: self.sheet_step.sheets,
                               Step.MAPPING: self.mapping_step.table, Step.PREVIEW: self.next_button,
                               Step.DRY_RUN: self.valid_only_button if self.all_refused() and
                               self.valid_only_button.isVisible() else self.next_button,
                               Step.DONE: self.restart_button}[step]
            target.setFocus()

    # -- step 1: the file -------------------------------------------------------------------------------

    def browse(self) -> None:
        path = dialogs.open_path(self, self.tr("Choose the file to import"), self.tr(FILE_FILTERS))
        if path is not None:
            self.file_step.path.setText(str(path))
            self.next_button.setFocus()

    def open_file(self) -> None:
        path = Path(self.file_step.path.text().strip())
        kind = self.file_step.kind.value()
        partner = self.file_step.partner.currentData() if kind == "manifest" else None
        wizard, service = self.wizard, self.service

        def work(_progress: ProgressFn, _cancelled: CancelledFn) -> tuple[tuple[SheetInfo, ...], ImportInfo | None]:
            sheets = wizard.choose_file(path, kind, partner)
            assert wizard.source is not None
            return sheets, service.first_import_of(wizard.source.sha256)

        self._run(work, self._file_opened, title=self.tr("Opening the file…"))

    def _file_opened(self, result: tuple[tuple[SheetInfo, ...], ImportInfo | None]) -> None:
        sheets, first = result
        if first is not None:
            self.wizard.back()
            when = first.imported_at.strftime("%Y-%m-%d %H:%M") if hasattr(first.imported_at, "strftime") else ""
            shipment = self.tr(", shipment {code}").format(code=first.shipment) if first.shipment else ""
            self.page.banner.show_message(self.tr(
                "This file was already imported on {when} UTC by {who} (import #{id}, “{file}”, {rows} rows"
                "{shipment}). It is refused: nothing is imported twice. If the clinic corrected the file, import "
                "the corrected file.").format(when=when, who=first.imported_by, id=first.id, file=first.file_name,
                                              rows=first.rows_imported, shipment=shipment), "error")
            self.show_step()
            return
        source = self.wizard.source
        assert source is not None
        about = self.tr("{file} ({kind} file, {n} sheet(s))").format(file=source.path.name, kind=source.kind,
                                                                       n=len(sheets))
        self.sheet_step.show_sheets(about, sheets)
        self.show_step()

    # -- step 2: the sheet ------------------------------------------------------------------------------

    def read_sheet(self) -> None:
        name = self.sheet_step.chosen()
        wizard, service = self.wizard, self.service

        def work(progress: ProgressFn, cancelled: CancelledFn) -> tuple[Suggestion, list[SavedMappingInfo]]:
            suggestion = wizard.choose_sheet(name, progress=progress, cancelled=cancelled)
            saved = service.saved_mappings(wizard.partner) if wizard.partner else []
            return suggestion, saved

        def read(result: tuple[Suggestion, list[SavedMappingInfo]]) -> None:
            self.saved = [m for m in result[1] if m.kind == self.wizard.kind]
            self.mapping_step.model.set_labels({key: text for key, text, _r in self.wizard.field_choices})
            self.mapping_step.delegate.choices = list(self.wizard.field_choices)
            self.mapping_step.model.set_rows([])
            self.show_mapping()
            self.show_step()

        self._run(work, read, title=self.tr("Reading the sheet…"),
                  cancelled_text=self.tr("Reading cancelled: nothing was read and nothing was imported."))

    # -- step 3: the mapping ----------------------------------------------------------------------------

    def show_mapping(self) -> None:
        wizard = self.wizard
        table, mapping, suggestion = wizard.table, wizard.mapping, wizard.suggestion
        assert table is not None and mapping is not None and suggestion is not None
        self.mapping_step.model.update_rows(mapping_rows(table, mapping.columns, suggestion))
        parts = [self.tr("Sheet “{sheet}”: header on row {row}, {n} data rows, {c} columns.").format(
            sheet=table.sheet, row=table.header_row, n=f"{len(table.rows):,}", c=len(table.columns))]
        if table.skipped:
            parts.append(self.tr("{n} row(s) skipped (blank, hidden or totals).").format(n=len(table.skipped)))
        latest = max(self.saved, key=lambda m: m.version, default=None)
        if latest is not None:
            parts.append(self.tr("Started from the mapping saved for {partner} (“{name}”, version {v}, by {who})."
                                 ).format(partner=latest.partner, name=latest.name, v=latest.version,
                                          who=latest.created_by))
        elif wizard.partner:
            parts.append(self.tr("No mapping saved for {partner} yet: suggested from the headers and values; it is "
                                 "saved for {partner} when you import.").format(partner=wizard.partner))
        parts.extend(table.notes)
        self.mapping_step.about.setText(" ".join(parts))
        self.mapping_step.set_options(mapping.date_order, mapping.default_unit, mapping.decimal_separator)
        self._show_date_order(wizard.date_order_warning())
        missing = wizard.missing_required()
        self.mapping_step.missing.setText(
            self.tr("Required, and no column is imported as it yet: {fields}.").format(fields=", ".join(missing))
            if missing else "")
        self.mapping_step.missing.setVisible(bool(missing))
        left = [self.tr("{letter} “{header}”: {reason}").format(letter=lo.column, header=lo.header, reason=lo.reason)
                for lo in suggestion.left_out]
        self.mapping_step.left_out.setText(
            self.tr("Never imported (direct identifiers): {columns}.").format(columns="; ".join(left)) if left else "")
        self.mapping_step.left_out.setVisible(bool(left))
        self.mapping_step.show_questions(self._questions())
        self.update_nav()

    def _show_date_order(self, problem: Problem | None) -> None:
        """Beside the date-order choice, in bold: the text dates could be read either way, or contradict it."""
        shown_label = self.mapping_step.date_warning
        if problem is None:
            shown_label.setVisible(False)
            return
        if problem.code == "date_order_contradicted":
            text = self.tr("Text dates such as {value} (column {header}) cannot be read in the date order chosen "
                           "above: choose the other order.").format(value=problem.value, header=problem.header)
        else:
            text = self.tr("Text dates such as {value} (column {header}) can be read day first or month first, "
                           "and nothing in the file decides: check the date order chosen above (it is {order})."
                           ).format(value=problem.value, header=problem.header,
                                    order=self.mapping_step.date_order.currentText())
        color = ERROR if problem.severity == "error" else WARN
        shown_label.setStyleSheet(f"color: {color}; font-weight: 600;")
        shown_label.setText(text)
        shown_label.setVisible(True)

    def _questions(self) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
        labels = {key: text for key, text, _r in self.wizard.field_choices}
        codes = {"sample_type": [(c, f"{c} — {m}") for c, m in sprec.fluid_sample_types() + sprec.solid_sample_types()],
                 "container": [(c, f"{c} — {m}") for c, m in sprec.primary_containers()],
                 "study": self.studies}
        for element in sprec.load_sprec_tables().solid:  # the tissue codes a manifest may carry
            if element.key in ("collection_type", "fixation", "warm_ischemia", "cold_ischemia", "fixation_time"):
                codes[element.key] = [(e.code, f"{e.code} — {e.meaning}") for e in element.codes if not e.is_timed]
        return [(key, labels.get(key, key), word, codes.get(key, []))
                for key, words in self.wizard.pending_values().items() for word in words[:30]]

    def _edit(self, change: Callable[[], None]) -> None:
        try:
            change()
        except BiobankError as exc:
            self.page.show_error(exc)
        self.show_mapping()

    def _field_chosen(self, header: str, key: object) -> None:
        if key is None:
            current = next((k for k, h in self.wizard.mapped_headers().items() if h == header), None)
            if current is not None:
                self._edit(lambda: self.wizard.set_column(current, None))
        else:
            self._edit(lambda: self.wizard.set_column(str(key), header))

    def _options_changed(self) -> None:
        step = self.mapping_step
        self._edit(lambda: self.wizard.set_options(date_order=step.date_order.currentData(),
                                                   default_unit=step.unit.currentData(),
                                                   decimal_separator=step.decimal.currentData()))

    def _value_answered(self, key: str, word: str, code: str) -> None:
        self._edit(lambda: self.wizard.answer_value(key, word, code))

    def check_rows(self) -> None:
        wizard = self.wizard
        self._run(lambda progress, cancelled: wizard.confirm_mapping(progress=progress, cancelled=cancelled),
                  lambda _validation: self._checked(), title=self.tr("Checking every row…"),
                  cancelled_text=self.tr("Check cancelled: the mapping is kept, nothing was imported."))

    def _checked(self) -> None:
        self.preview_step.only_problems.blockSignals(True)
        self.preview_step.only_problems.setChecked(False)
        self.preview_step.only_problems.blockSignals(False)
        self._fill_preview()
        self.show_step()

    # -- step 4: the preview ------------------------------------------------------------------------------

    def _fill_preview(self) -> None:
        wizard, step = self.wizard, self.preview_step
        table, validation = wizard.table, wizard.validation
        if table is None or validation is None:
            return
        groups = wizard.groups()
        step.groups.set_rows(groups)
        errors = validation.error_rows
        warned = {p.row for p in validation.problems if p.severity == "warning" and p.row is not None}
        step.summary.setText(self.tr("{read} data rows read (the header row and the {skipped} blank, hidden or "
                                     "totals rows not counted): {valid} valid, {bad} with errors, {warn} with "
                                     "warnings.").format(
            read=f"{validation.rows_read:,}", valid=f"{len(validation.valid_rows):,}", bad=f"{len(errors):,}",
            warn=f"{len(warned - errors):,}", skipped=f"{len(table.skipped):,}"))
        only = step.only_problems.isChecked()
        problem_rows = errors | warned
        numbers = [r.number for r in table.rows if not only or r.number in problem_rows]
        step.preview.set_source([f"{c.letter} · {c.header}" for c in table.columns], len(numbers),
                                lambda start, count: wizard.preview_rows(start, count, only_problems=only),
                                {n: i for i, n in enumerate(numbers)})
        view = step.preview_view
        view.resizeColumnsToContents()  # the first page only: a few hundred rows at most
        for column in range(step.preview.columnCount()):
            view.setColumnWidth(column, min(max(view.columnWidth(column), 70), PREVIEW_COLUMN_MAX))
        step.rows.clear()
        step.rows_title.setText(self.tr("Rows (click to show)"))

    def _group_clicked(self, index: QModelIndex) -> None:
        group = self.preview_step.groups.row_at(index.row())
        rows = self.preview_step.rows
        rows.clear()
        if group is None:
            return
        for number in group.rows[:ROWS_LISTED]:
            item = QListWidgetItem(self.tr("Row {n}").format(n=number))
            item.setData(Qt.ItemDataRole.UserRole, number)
            rows.addItem(item)
        more = len(group.rows) - ROWS_LISTED
        self.preview_step.rows_title.setText(
            self.tr("{n} rows (click to show)").format(n=f"{len(group.rows):,}") if more <= 0 else
            self.tr("{n} rows, first {shown} listed").format(n=f"{len(group.rows):,}", shown=ROWS_LISTED))
        if group.rows:
            self.jump_to_row(group.rows[0])

    def _row_clicked(self, item: QListWidgetItem) -> None:
        self.jump_to_row(int(item.data(Qt.ItemDataRole.UserRole)))

    def jump_to_row(self, number: int) -> bool:
        """Select and show spreadsheet row ``number`` in the preview (False when it is not in the preview)."""
        step = self.preview_step
        position = step.preview.position_of(number)
        if position is None:
            return False
        index = step.preview.index(position, 0)
        step.preview_view.setCurrentIndex(index)
        step.preview_view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def save_error_workbook(self) -> None:
        source = self.wizard.source
        if source is None or self.busy:
            return
        path = dialogs.save_path(self, self.tr("Save the error workbook"),
                                 str(source.path.with_name(f"{source.path.stem}-errors.xlsx")),
                                 self.tr("Excel workbook (*.xlsx)"))
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        wizard, username = self.wizard, self.session.actor.username
        database = self.session.services.system.info.description
        bad = len(wizard.validation.error_rows) if wizard.validation is not None else 0

        def written(_result: object) -> None:
            self.page.banner.show_message(self.tr("Error workbook written: {path} ({n} rejected rows, the bad cells "
                                                  "highlighted). Send it back to the clinic.").format(
                path=path, n=f"{bad:,}"), "ok")

        self._run(lambda progress, cancelled: wizard.write_errors(path, created_by=username, database=database,
                                                                  progress=progress, cancelled=cancelled),
                  written, title=self.tr("Writing the error workbook…"),
                  cancelled_text=self.tr("Cancelled: the error workbook was not written."))

    # -- step 5: the dry run; step 6: the import -----------------------------------------------------------

    def dry_run(self) -> None:
        wizard = self.wizard
        assert wizard.validation is not None
        some_bad = bool(wizard.validation.error_rows)
        self._run(lambda progress, cancelled: wizard.dry_run(valid_rows_only=some_bad, progress=progress,
                                                             cancelled=cancelled),
                  self._dry_run_done, title=self.tr("Dry run: importing, then undoing it…"),
                  cancelled_text=self.tr("Dry run cancelled: nothing was written."))

    def _dry_run_done(self, report: ImportReport) -> None:
        validation = self.wizard.validation
        assert validation is not None
        bad, valid = len(validation.error_rows), len(validation.valid_rows)
        step = self.dry_step
        if bad == 0 and not validation.file_errors:
            step.headline.setText(self.tr("Dry run passed: all {n} rows can be imported. Nothing was written.")
                                  .format(n=f"{report.rows_valid:,}"))
        else:
            step.headline.setText(self.tr("Dry run: {valid} of {read} data rows can be imported; {bad} have problems. "
                                          "Nothing was written.").format(valid=f"{valid:,}",
                                                                         read=f"{report.rows_read:,}",
                                                                         bad=f"{bad:,}"))
        lines = [self.tr("File: {file} (sheet “{sheet}”), SHA-256 {digest}…").format(
            file=report.file, sheet=report.sheet, digest=report.sha256[:16])]
        if bad:
            lines.append(self.tr("Importing all rows is all-or-nothing: it is refused while any row has a problem. "
                                 "Correct the file, or import the valid rows only; the rejected rows then go into "
                                 "the error workbook for the clinic."))
        lines.extend(self._left_out_lines(report))
        lines.extend(n for n in report.notes if not n.startswith("Dry run:"))  # the headline says it
        step.details.setText("\n\n".join(lines))
        self.show_step()

    def _left_out_lines(self, report: ImportReport) -> list[str]:
        return [self.tr("Column {letter} “{header}”: {reason}.").format(
            letter=lo.column, header=lo.header, reason=lo.reason) for lo in report.left_out]

    def commit(self, *, valid_rows_only: bool) -> None:
        if self.wizard.step != Step.DRY_RUN or self.busy:
            return
        self.page.banner.hide()
        wizard, backend, events = self.wizard, self.backend, self.session.events

        def work(progress: ProgressFn, cancelled: CancelledFn) -> tuple[ImportReport, Changes]:
            report = wizard.commit(valid_rows_only=valid_rows_only, progress=progress, cancelled=cancelled)
            return report, backend.last_changes

        def done(result: tuple[ImportReport, Changes]) -> None:
            report, changes = result
            self._imported(report)
            if changes:
                events.changed.emit(changes)

        self._run(work, done, title=self.tr("Importing…"), write=True,
                  cancelled_text=self.tr("Import cancelled: nothing was imported, the database is as before."))

    def _imported(self, report: ImportReport) -> None:
        step = self.done_step
        if report.shipment:
            step.headline.setText(self.tr("Imported {n} rows as shipment {code}.").format(
                n=f"{report.rows_imported:,}", code=report.shipment))
        else:
            step.headline.setText(self.tr("Imported {n} rows.").format(n=f"{report.rows_imported:,}"))
        rejected = report.rows_read - report.rows_imported
        lines = [self.tr("{read} rows read, {valid} valid, {n} imported (import #{id} of {file}).").format(
            read=f"{report.rows_read:,}", valid=f"{report.rows_valid:,}", n=f"{report.rows_imported:,}",
            id=report.import_id, file=report.file)]
        if rejected:
            lines.append(self.tr("{n} rejected rows were not imported: save the error workbook (button below) and "
                                 "send it back to the clinic.").format(n=f"{rejected:,}"))
        if self.wizard.partner:
            lines.append(self.tr("The mapping was saved for {partner} and is used for its next file.").format(
                partner=self.wizard.partner))
        lines.extend(self._left_out_lines(report))
        step.details.setText("\n\n".join(lines))
        self.show_step()
        self.shipment = report.shipment
        self.page.banner.show_message(step.headline.text(), "ok", action=self.tr("Open its reception board")
                                      if report.shipment else None)
