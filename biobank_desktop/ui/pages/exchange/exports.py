"""The Exchange page's exports, all through the ExchangeService: an inventory with filters, an audit-trail
extract, the full export (nobody is locked in) and a partner's manifest template. Each runs on the worker
with progress and Cancel, writes its audit event and says where the file is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QGroupBox, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.samples import SAMPLE_STATUSES  # type: ignore[attr-defined]  # not re-exported yet
from biobank_desktop.core.spreadsheets.writer import WriteResult
from biobank_desktop.ui.operations.writes import WritingPage, changes_of
from biobank_desktop.ui.pages.exchange import dialogs
from biobank_desktop.ui.theme import status_text
from biobank_desktop.ui.widgets.common import OptionalDateEdit, button, label

XLSX_OR_CSV = "Excel workbook (*.xlsx);;CSV file (*.csv)"
XLSX = "Excel workbook (*.xlsx)"


def _combo(name: str, all_text: str, items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItem(all_text, None)
    for value, text in items:
        combo.addItem(text, value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    return combo


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day is not None else None


class ExportPanel(QWidget):
    def __init__(self, page: WritingPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = page.session
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # On a short window (a message above the tabs at 1280×720) the groups scroll; they are never squashed
        # into one another.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content.setObjectName("exportContent")
        scroll.setWidget(content)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(12)

        # -- inventory ------------------------------------------------------------------------------------
        inventory = QGroupBox(self.tr("Inventory: the samples matching these filters (written in the header)"))
        rows = QVBoxLayout(inventory)
        filters = QHBoxLayout()
        self.study = _combo("exportStudy", self.tr("All studies"), [])
        self.sample_type = _combo("exportSampleType", self.tr("All sample types"),
                                  [(c, f"{c} — {m}") for c, m in sprec.fluid_sample_types()])
        self.status = _combo("exportStatus", self.tr("All statuses"), [(s, status_text(s)) for s in SAMPLE_STATUSES])
        self.site = _combo("exportSite", self.tr("All partner sites"), [])
        self.collected_from = OptionalDateEdit()
        self.collected_to = OptionalDateEdit()
        self.inventory_button = button(self.tr("Export inventory…"), primary=True, on_click=self.export_inventory)
        self.inventory_button.setObjectName("exportInventory")
        for combo in (self.study, self.sample_type, self.status, self.site):
            filters.addWidget(combo, 1)
        dates = QHBoxLayout()
        dates.addWidget(label(self.tr("Collected"), "fieldname"))
        dates.addWidget(self.collected_from)
        dates.addWidget(label(self.tr("to")))
        dates.addWidget(self.collected_to)
        dates.addStretch(1)
        dates.addWidget(self.inventory_button)
        rows.addLayout(filters)
        rows.addLayout(dates)
        layout.addWidget(inventory)

        # -- audit, full export, template -------------------------------------------------------------------
        audit = QGroupBox(self.tr("Audit-trail extract (every event with its hash, oldest first)"))
        audit_row = QHBoxLayout(audit)
        self.audit_from = OptionalDateEdit()
        self.audit_to = OptionalDateEdit()
        self.audit_button = button(self.tr("Export audit trail…"), on_click=self.export_audit)
        self.audit_button.setObjectName("exportAudit")
        audit_row.addWidget(label(self.tr("From"), "fieldname"))
        audit_row.addWidget(self.audit_from)
        audit_row.addWidget(label(self.tr("up to and including"), "fieldname"))
        audit_row.addWidget(self.audit_to)
        audit_row.addStretch(1)
        audit_row.addWidget(self.audit_button)
        if not self.session.can(Permission.VIEW_AUDIT):
            audit.setEnabled(False)
            audit.setToolTip(self.tr("Your role may not view the audit trail."))
        layout.addWidget(audit)

        full = QGroupBox(self.tr("Full export (every sample, with a sheet describing each column)"))
        full.setToolTip(self.tr("Every sample with location, lineage, pseudonym, consents and SPREC, and a sheet "
                                "describing each column."))
        full_row = QHBoxLayout(full)
        self.full_format = QComboBox()
        self.full_format.setObjectName("fullFormat")
        self.full_format.addItem(self.tr("One Excel workbook"), "xlsx")
        self.full_format.addItem(self.tr("CSV files in a folder"), "csv")
        self.full_button = button(self.tr("Full export…"), on_click=self.export_full)
        self.full_button.setObjectName("exportFull")
        full_row.addWidget(self.full_format)
        full_row.addStretch(1)
        full_row.addWidget(self.full_button)
        last = QHBoxLayout()  # the full export and the template side by side: the tab fits a 768-pixel screen
        last.setSpacing(12)
        last.addWidget(full, 1)

        template = QGroupBox(self.tr("Manifest template for a partner site"))
        template.setToolTip(self.tr("A workbook with drop-down lists for study, sample type and container."))
        template_row = QHBoxLayout(template)
        self.template_site = _combo("templateSite", self.tr("Any partner site"), [])
        self.template_button = button(self.tr("Save template…"), on_click=self.export_template)
        self.template_button.setObjectName("exportTemplate")
        template_row.addWidget(self.template_site)
        template_row.addStretch(1)
        template_row.addWidget(self.template_button)
        last.addWidget(template, 1)
        layout.addLayout(last)
        layout.addStretch(1)

    def set_lists(self, studies: list[tuple[str, str]], sites: list[tuple[str, str]]) -> None:
        for combo, items in ((self.study, studies), (self.site, sites), (self.template_site, sites)):
            while combo.count() > 1:
                combo.removeItem(1)
            for value, text in items:
                combo.addItem(text, value)

    def criteria(self) -> SampleCriteria:
        def chosen(combo: QComboBox) -> tuple[str, ...]:
            value = combo.currentData()
            return (value,) if value else ()

        return SampleCriteria(study_codes=chosen(self.study), sample_types=chosen(self.sample_type),
                              statuses=chosen(self.status), site_codes=chosen(self.site),
                              collected_from=self.collected_from.value(), collected_to=self.collected_to.value())

    # -- running an export --------------------------------------------------------------------------------

    def _export(self, work: Callable[[ProgressFn, CancelledFn], Any], title: str) -> None:
        session, banner = self.session, self.page.banner

        def done(result: Any) -> None:
            written: WriteResult = result.value
            rows = sum(written.rows.values())
            banner.show_message(self.tr("Exported {rows} rows to {path}.").format(rows=f"{rows:,}",
                                                                                 path=written.path), "ok")
            changes = changes_of(result)
            if changes:
                session.events.changed.emit(changes)

        banner.hide()
        session.runner.start(work, title=title, on_result=done, on_error=self.page.show_error,
                             on_cancel=lambda: banner.show_message(self.tr("Export cancelled."), "info"),
                             owner=self, discard_if_cancelled=False)

    def _ask(self, title: str, suggested: str, filters: str) -> Path | None:
        path = dialogs.save_path(self, title, suggested, filters)
        if path is not None and path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix(".xlsx")
        return path

    def export_inventory(self) -> None:
        path = self._ask(self.tr("Export the inventory"), f"inventory-{dt.datetime.now(dt.UTC).date():%Y%m%d}.xlsx",
                         self.tr(XLSX_OR_CSV))
        if path is None:
            return
        service, actor, criteria = self.session.services.exchange, self.session.actor, self.criteria()
        self._export(lambda p, c: service.export_inventory(actor, path, criteria, progress=p, cancelled=c),
                     self.tr("Exporting the inventory…"))

    def export_audit(self) -> None:
        path = self._ask(self.tr("Export the audit trail"), f"audit-{dt.datetime.now(dt.UTC).date():%Y%m%d}.xlsx",
                         self.tr(XLSX_OR_CSV))
        if path is None:
            return
        since = _start_of(self.audit_from.value())
        until_day = self.audit_to.value()
        until = _start_of(until_day + dt.timedelta(days=1)) if until_day is not None else None
        service, actor = self.session.services.exchange, self.session.actor
        self._export(lambda p, c: service.export_audit(actor, path, since=since, until=until, progress=p,
                                                       cancelled=c), self.tr("Exporting the audit trail…"))

    def export_full(self) -> None:
        if self.full_format.currentData() == "csv":
            path = dialogs.folder_path(self, self.tr("Folder for the CSV files"))
        else:
            path = self._ask(self.tr("Full export"), f"biobank-export-{dt.datetime.now(dt.UTC).date():%Y%m%d}.xlsx",
                             self.tr(XLSX))
            if path is not None and path.suffix.lower() != ".xlsx":
                path = path.with_suffix(".xlsx")
        if path is None:
            return
        service, actor, target = self.session.services.exchange, self.session.actor, path
        self._export(lambda p, c: service.export_full(actor, target, progress=p, cancelled=c),
                     self.tr("Exporting everything…"))

    def export_template(self) -> None:
        partner = self.template_site.currentData()
        suggested = f"manifest-template{'-' + partner.lower() if partner else ''}.xlsx"
        path = self._ask(self.tr("Save the manifest template"), suggested, self.tr(XLSX))
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        service, actor, target = self.session.services.exchange, self.session.actor, path
        self._export(lambda _p, _c: service.export_template(actor, target, partner),
                     self.tr("Writing the manifest template…"))
