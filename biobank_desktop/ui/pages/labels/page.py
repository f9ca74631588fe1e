"""Labels: this workstation's print queue (scan a tube to print its label), the template designer
with its true-scale preview, and the print rules.

The queue is the default tab: it is what a technician needs at the bench. The designer and the
rules load the first time their tab is opened.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QTabBar, QWidget

from biobank_desktop.core.services.changes import LABEL_JOB, LABEL_TEMPLATE, PRINT_RULE, SAMPLE, Changes
from biobank_desktop.ui.operations.printing import LabelPrinter
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.labels.designer import DesignerTab
from biobank_desktop.ui.pages.labels.queue import QueueTab
from biobank_desktop.ui.pages.labels.rules import RulesTab
from biobank_desktop.ui.session import UiSession

# Big, glove-sized tabs next to the page title (the page needs every pixel of height at 1366 x 768).
TAB_STYLE = """
QTabBar::tab {
    min-height: 40px; min-width: 150px; padding: 2px 20px; font-weight: 600; font-size: 12pt;
    border: 1px solid #b7c0cc; border-radius: 6px; background: #e4e9f0; margin-right: 6px; color: #14181f;
}
QTabBar::tab:selected { background: #0b5cad; color: white; border-color: #084a8c; }
QTabBar::tab:hover:!selected { background: #dcebfb; border-color: #0b5cad; }
"""


class LabelsPage(Page):
    title = "Labels"

    QUEUE, DESIGNER, RULES = range(3)

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.printer = LabelPrinter(session, self)
        self.queue = QueueTab(self, self.printer)
        self.designer = DesignerTab(self)
        self.rules = RulesTab(self)
        self.tabs = QTabBar()
        self.tabs.setObjectName("labelTabs")
        self.tabs.setStyleSheet(TAB_STYLE)
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self.stack = QStackedWidget()
        for widget, text in ((self.queue, "Print queue"), (self.designer, "Designer"), (self.rules, "Print rules")):
            self.tabs.addTab(text)
            self.stack.addWidget(widget)
        self.header.setStretch(0, 0)
        self.header.addSpacing(24)
        self.header.addWidget(self.tabs)
        self.header.addStretch(1)
        self.body.addWidget(self.stack, 1)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.banner.action_clicked.connect(self._retry)
        self._designer_loaded = False

    def _tab_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.banner.hide()
        if index == self.QUEUE:
            self.queue.fill_printers()
            self.queue.reload()
            self.queue.scan.focus_for_scan()
        elif index == self.DESIGNER and not self._designer_loaded:
            self._designer_loaded = True
            self.designer.reload()
        elif index == self.RULES:
            self.rules.reload()

    def show_tab(self, index: int) -> None:
        if self.tabs.currentIndex() == index:
            self._tab_changed(index)
        else:
            self.tabs.setCurrentIndex(index)

    def _retry(self) -> None:
        self.banner.hide()
        self._tab_changed(self.tabs.currentIndex())

    def page_shown(self) -> None:
        self._tab_changed(self.tabs.currentIndex())

    def data_changed(self, changes: Changes) -> None:
        if not changes.touches(LABEL_JOB, LABEL_TEMPLATE, PRINT_RULE, SAMPLE):
            return
        self.queue.reload()
        if self.rules.loaded:
            self.rules.reload()
