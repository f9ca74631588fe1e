"""Search samples: filters above, a lazy result table below, a capped count ('10,000+').

Filters apply as soon as they change (the free text on Enter or after a short pause). The table
reads 500 ids at a time as it scrolls and the rows it shows; a double-click or Enter opens a sample.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QWidget,
)

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.changes import CONTAINER, PARTICIPANT, SAMPLE, Changes, Result
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.samples import SAMPLE_STATUSES  # type: ignore[attr-defined]  # not re-exported yet
from biobank_desktop.core.spreadsheets.writer import WriteResult
from biobank_desktop.ui import formatting
from biobank_desktop.ui.models.sample_table import COLUMNS, SampleTableModel
from biobank_desktop.ui.operations import file_dialogs
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ROW_HEIGHT, status_text
from biobank_desktop.ui.widgets.common import button, label, shown_if, table_view
from biobank_desktop.ui.widgets.date_field import DateField

TEXT_PAUSE_MS = 450


def _combo(all_text: str, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    combo.addItem(all_text, None)
    for value, text in items:
        combo.addItem(text, value)
    # Long item texts ("PL2 — Plasma, double spun") widen the popup, not the filter row.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    combo.view().setMinimumWidth(320)
    combo.setMaxVisibleItems(20)
    return combo


class SearchPage(Page):
    title = "Search samples"
    subtitle = "Scan or type an ID, barcode or pseudonym, or narrow down with the filters."

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self._count_generation = 0

        # -- filters --------------------------------------------------------------------------------
        self.text = QLineEdit()
        self.text.setPlaceholderText(self.tr("ID, barcode or pseudonym"))
        self.text.setClearButtonEnabled(True)
        self.study = _combo("All studies", [])
        self.sample_type = _combo("All sample types",
                                  [(code, f"{code} — {meaning}") for code, meaning in sprec.fluid_sample_types()])
        self.status = _combo("All statuses", [(s, status_text(s)) for s in SAMPLE_STATUSES])
        self.site = _combo("All partner sites", [])
        self.collected_from = DateField()
        self.collected_to = DateField()
        self.received_from = DateField()
        self.received_to = DateField()
        self.clear_button = button(self.tr("Clear filters"), on_click=self.clear_filters)
        self.search_button = button(self.tr("Search"), primary=True, on_click=self.search)

        filters = QHBoxLayout()
        filters.setSpacing(10)
        filters.addWidget(self.text, 4)
        for combo in (self.study, self.sample_type, self.status, self.site):
            filters.addWidget(combo, 2)
        dates = QHBoxLayout()
        dates.setSpacing(8)
        dates.addWidget(label(self.tr("Collected"), "fieldname"))
        dates.addWidget(self.collected_from)
        dates.addWidget(label(self.tr("to")))
        dates.addWidget(self.collected_to)
        dates.addSpacing(16)
        dates.addWidget(label(self.tr("Received"), "fieldname"))
        dates.addWidget(self.received_from)
        dates.addWidget(label(self.tr("to")))
        dates.addWidget(self.received_to)
        dates.addStretch(1)
        self.body.addLayout(filters)
        self.body.addLayout(dates)

        # -- summary + table ----------------------------------------------------------------------
        summary = QHBoxLayout()
        self.count_label = label("", "value")
        self.loading_label = label("", "fieldname")
        self.refresh_button = button(self.tr("Refresh (F5)"), on_click=self.search)
        self.export_button = button(self.tr("Export…"), on_click=self.export)
        self.export_button.setToolTip(self.tr("Write these samples, with the filters in the header, to .xlsx or .csv"))
        summary.addWidget(self.count_label)
        summary.addSpacing(12)
        summary.addWidget(self.loading_label, 1)
        summary.addWidget(self.export_button)
        self.aliquot_button = button(self.tr("Aliquot…"), on_click=self.aliquot_selected)
        self.aliquot_button.setToolTip(self.tr("Aliquot the selected samples as one batch "
                                               "(Ctrl+click to select several)"))
        shown_if(self.aliquot_button, session.can(Permission.RECORD_SAMPLES))
        summary.addWidget(self.aliquot_button)
        summary.addWidget(self.refresh_button)
        summary.addWidget(self.clear_button)
        summary.addWidget(self.search_button)
        self.body.addLayout(summary)

        self.model = SampleTableModel(session.services.queries, session.runner)
        self.table = table_view("sampleTable", self.model, row_height=ROW_HEIGHT, widths=[c.width for c in COLUMNS])
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # several parents to aliquot
        self.table.activated.connect(self._activated)
        self.body.addWidget(self.table, 1)

        # -- wiring -----------------------------------------------------------------------------------
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_PAUSE_MS)
        self._text_timer.timeout.connect(self.search)
        self.text.textEdited.connect(lambda _t: self._text_timer.start())
        self.text.returnPressed.connect(self.search)
        for combo in (self.study, self.sample_type, self.status, self.site):
            combo.currentIndexChanged.connect(lambda _i: self.search())
        for date in (self.collected_from, self.collected_to, self.received_from, self.received_to):
            date.value_changed.connect(lambda _d: self.search())
        self.model.loading_changed.connect(self._loading)
        self.model.load_failed.connect(lambda exc: self.show_error(exc, "Retry"))
        self.banner.action_clicked.connect(self.search)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.search, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._load_lists()

    # -- filters ----------------------------------------------------------------------------------------

    def _load_lists(self) -> None:
        reference = self.session.services.reference

        def work() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
            studies = [(s.code, f"{s.code} — {s.name}") for s in reference.studies(include_inactive=True)]
            sites = [(s.code, f"{s.code} — {s.name}") for s in reference.sites(include_inactive=True)]
            return studies, sites

        def fill(result: tuple[list[tuple[str, str]], list[tuple[str, str]]]) -> None:
            studies, sites = result
            for combo, items in ((self.study, studies), (self.site, sites)):
                combo.blockSignals(True)
                for value, text in items:
                    index = combo.findData(value)
                    if index < 0:
                        combo.addItem(text, value)
                    else:  # put there by set_criteria before the list arrived
                        combo.setItemText(index, text)
                combo.blockSignals(False)

        self.session.runner.call(work, on_result=fill, on_error=self.show_error, owner=self)

    def criteria(self) -> SampleCriteria:
        def chosen(combo: QComboBox) -> tuple[str, ...]:
            value = combo.currentData()
            return (value,) if value else ()

        return SampleCriteria(
            text=self.text.text().strip(), study_codes=chosen(self.study), sample_types=chosen(self.sample_type),
            statuses=chosen(self.status), site_codes=chosen(self.site),
            collected_from=self.collected_from.value(), collected_to=self.collected_to.value(),
            received_from=self.received_from.value(), received_to=self.received_to.value(),
        )

    def set_criteria(self, criteria: SampleCriteria) -> None:
        """Show these filters and search (used by the scan field for a participant)."""
        widgets: list[QWidget] = [self.text, self.study, self.sample_type, self.status, self.site,
                                  self.collected_from, self.collected_to, self.received_from, self.received_to]
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.text.setText(criteria.text or criteria.participant)
            for combo, values in ((self.study, criteria.study_codes), (self.sample_type, criteria.sample_types),
                                  (self.status, criteria.statuses), (self.site, criteria.site_codes)):
                index = combo.findData(values[0]) if values else 0
                if index < 0:  # the list has not arrived yet: add the value so the filter shows what applies
                    combo.addItem(values[0], values[0])
                    index = combo.count() - 1
                combo.setCurrentIndex(index)
            self.collected_from.set_value(criteria.collected_from)
            self.collected_to.set_value(criteria.collected_to)
            self.received_from.set_value(criteria.received_from)
            self.received_to.set_value(criteria.received_to)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._run(criteria)

    def clear_filters(self) -> None:
        self.set_criteria(SampleCriteria())

    # -- searching --------------------------------------------------------------------------------------

    def search(self) -> None:
        self._text_timer.stop()
        self._run(self.criteria())

    def _run(self, criteria: SampleCriteria) -> None:
        self.banner.clear()
        self.model.set_criteria(criteria)
        self._count(criteria)

    def _count(self, criteria: SampleCriteria) -> None:
        self._count_generation += 1
        generation = self._count_generation
        self.count_label.setText(self.tr("Counting…"))
        queries = self.session.services.queries

        def shown(result: tuple[int, bool]) -> None:
            if generation == self._count_generation:
                n, exact = result
                self.count_label.setText(formatting.plural(n, "sample", exact) if n else self.tr("No sample matches."))

        self.session.runner.call(lambda: queries.count(criteria), on_result=shown,
                                 on_error=lambda exc: self._count_failed(generation, exc), owner=self)

    def _count_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._count_generation:
            self.count_label.setText("")
            self.show_error(exc, "Retry")

    def _loading(self, busy: bool) -> None:
        if busy:
            self.loading_label.setText(self.tr("Loading…"))
        else:
            rows = self.model.rowCount()
            more = "" if self.model.exhausted else self.tr(" — scroll down for more")
            self.loading_label.setText(self.tr("Showing {rows}").format(rows=f"{rows:,}") + more if rows else "")

    def _activated(self, index: QModelIndex) -> None:
        code = self.model.sample_code(index.row())
        if code:
            self.session.navigate.open_sample(code)

    def aliquot_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        codes = [code for code in (self.model.sample_code(row) for row in rows) if code]
        if not codes:
            self.banner.show_message(self.tr("Select the samples to aliquot first."), "info")
            return
        self.session.navigate.aliquot_samples(codes)

    # -- export ---------------------------------------------------------------------------------------------

    def ask_export_path(self) -> Path | None:
        return file_dialogs.save_file(self, self.tr("Export the search result"), "samples.xlsx",
                                      self.tr("Excel workbook (*.xlsx);;CSV file (*.csv)"))

    def export(self) -> None:
        """The current result, its filters in the header, through the ExchangeService (on the worker)."""
        path = self.ask_export_path()
        if path is None:
            return
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix(".xlsx")
        service, actor, criteria = self.session.services.exchange, self.session.actor, self.criteria()

        def done(result: Result[WriteResult]) -> None:
            rows = sum(result.value.rows.values())
            self.banner.show_message(self.tr("Exported {rows} samples to {path}.").format(rows=f"{rows:,}",
                                                                                         path=result.value.path), "ok")
            if result.changes:
                self.session.events.changed.emit(result.changes)

        self.session.runner.start(
            lambda progress, cancelled: service.export_inventory(actor, path, criteria, progress=progress,
                                                                 cancelled=cancelled),
            title=self.tr("Exporting the search result…"), on_result=done, on_error=self.show_error,
            on_cancel=lambda: self.banner.show_message(self.tr("Export cancelled."), "info"), owner=self,
            discard_if_cancelled=False)

    # -- page hooks --------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self.model.criteria is None:
            self.search()
        self.text.setFocus()

    def data_changed(self, changes: Changes) -> None:
        # Keep the list and the scroll position; re-read the visible rows and the count.
        criteria = self.model.criteria
        if criteria is not None and changes.touches(SAMPLE, PARTICIPANT, CONTAINER):
            self.model.refresh_rows()
            self._count(criteria)
