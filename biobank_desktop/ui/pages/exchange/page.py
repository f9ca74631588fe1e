"""Exchange: import a partner's spreadsheet (the wizard), see the import history, export.

Three tabs over one ExchangeService: "Import a file" (:mod:`wizard`), "Import history" (who, when, which
file, counts; refreshed when an import is committed here or on another workstation) and "Export"
(:mod:`exports`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.flows.import_wizard import Step
from biobank_desktop.core.services.changes import IMPORT, Changes
from biobank_desktop.core.services.exchange import ImportInfo
from biobank_desktop.ui.models.exchange import ImportHistoryModel
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.exchange.exports import ExportPanel
from biobank_desktop.ui.pages.exchange.wizard import ImportPanel
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import button, label, table_view

HISTORY_LIMIT = 500


class ExchangePage(Page):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.title_label.setText(self.tr("Exchange"))
        self.subtitle_label.setText(self.tr("Import a partner's spreadsheet (manifest or inventory) step by step, "
                                            "or export inventories, the audit trail and templates."))
        self.header.itemAt(0).layout().addWidget(self.subtitle_label)  # type: ignore[union-attr]
        self.tabs = QTabWidget()
        self.tabs.setObjectName("exchangeTabs")
        self.importer = ImportPanel(self)
        self.exporter = ExportPanel(self)

        self.history = ImportHistoryModel()
        history_tab = QWidget()
        history_layout = QVBoxLayout(history_tab)
        history_layout.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.history_label = label("", "value")
        top.addWidget(self.history_label, 1)
        top.addWidget(button(self.tr("Refresh"), on_click=self.load_history))
        history_layout.addLayout(top)
        self.history_view = table_view("importHistory", self.history, widths=[150, 90, 250, 280, 80, 70, 70, 90])
        history_layout.addWidget(self.history_view, 1)

        if session.can(Permission.RECORD_SAMPLES):
            self.tabs.addTab(self.importer, self.tr("Import a file"))
        else:
            self.importer.hide()
        self.tabs.addTab(history_tab, self.tr("Import history"))
        self.tabs.addTab(self.exporter, self.tr("Export"))
        self.tabs.setCornerWidget(self.importer.steps_bar, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(lambda _i: self._tab_changed())
        self.body.addWidget(self.tabs, 1)
        self._loaded = False
        self._wanted_partner: str | None = None  # a manifest import asked for by another page (reception)

    def _tab_shown(self) -> None:
        importing = self.tabs.currentWidget() is self.importer
        self.importer.steps_bar.setVisible(importing)
        if importing:
            self.importer.show_step()

    def _tab_changed(self) -> None:
        self.banner.hide()  # a message about another tab's work
        self._tab_shown()

    def page_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.load_lists()
            self.load_history()
        self._tab_shown()

    def load_lists(self) -> None:
        reference = self.session.services.reference

        def work() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
            studies = [(s.code, f"{s.code} — {s.name}") for s in reference.studies(include_inactive=True)]
            sites = [(s.code, f"{s.code} — {s.name}") for s in reference.sites()]
            return studies, sites

        def fill(result: tuple[list[tuple[str, str]], list[tuple[str, str]]]) -> None:
            studies, sites = result
            self.exporter.set_lists(studies, sites)
            self.importer.file_step.set_sites(sites)
            self.importer.studies = list(studies)
            if self._wanted_partner is not None:
                self.importer.file_step.select_partner(self._wanted_partner)
                self._wanted_partner = None
            self.importer.update_nav()

        self.session.runner.call(work, on_result=fill, on_error=self.show_error, owner=self)

    def start_manifest_import(self, partner: str | None = None) -> None:
        """Show the import, ready for a manifest of ``partner`` (reception's "New shipment from a manifest").
        An import already past its first step is left as it is: nothing the technician did is thrown away."""
        if self.tabs.indexOf(self.importer) < 0:
            return
        self.tabs.setCurrentWidget(self.importer)
        if self.importer.wizard.step != Step.FILE:
            return
        step = self.importer.file_step
        step.kind.set_value("manifest")
        if partner is not None and not step.select_partner(partner):
            self._wanted_partner = partner  # the partner list is still being read
        self.importer.update_nav()

    def load_history(self) -> None:
        service, actor = self.session.services.exchange, self.session.actor

        def shown(rows: list[ImportInfo]) -> None:
            self.history.set_rows(rows)
            self.history_label.setText(self.tr("Imports, newest first: {n} shown.").format(n=len(rows))
                                       if rows else self.tr("No file has been imported yet."))

        self.session.runner.call(lambda: service.import_history(actor, limit=HISTORY_LIMIT), on_result=shown,
                                 on_error=self.show_error, owner=self)

    def data_changed(self, changes: Changes) -> None:
        if self._loaded and changes.touches(IMPORT):
            self.load_history()
