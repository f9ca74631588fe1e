"""The aliquoting page (issue 12): one parent split into aliquots or derivatives, protocols applied to a parent or
to a batch (a shipment, a scanned rack, a selection from Search) with progress and Cancel, the day's batches and
their void.

Scans: each tab's own field, and the window's while this page shows (:meth:`handle_scan`), go to the tab shown.
The page refreshes when a :class:`Changes` touches samples, containers or aliquoting batches — this window's
writes and, through the main window's poll, other workstations'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QTabWidget, QWidget

from biobank_desktop.core.services.aliquoting import ProtocolInfo
from biobank_desktop.core.services.changes import ALIQUOT_BATCH, ALIQUOT_PROTOCOL, CONTAINER, SAMPLE, STUDY, Changes
from biobank_desktop.ui.pages.aliquoting.arithmetic import in_separator
from biobank_desktop.ui.pages.aliquoting.batch import BatchView
from biobank_desktop.ui.pages.aliquoting.batches import BatchesView
from biobank_desktop.ui.pages.aliquoting.parent import ParentView
from biobank_desktop.ui.pages.aliquoting.protocols import ProtocolsView
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.session import UiSession

AnswerFn = Callable[[str, str], None]


class AliquotingPage(Page):
    title = "Aliquoting"

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.title_label.setText(self.tr("Aliquoting"))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("aliquotingTabs")
        self.one = ParentView(self, session)
        self.batch = BatchView(self, session)
        self.protocols = ProtocolsView(self, session)
        self.batches = BatchesView(self, session)
        self.tabs.addTab(self.one, self.tr("One parent"))
        self.tabs.addTab(self.batch, self.tr("Batch"))
        self.tabs.addTab(self.protocols, self.tr("Protocols"))
        self.tabs.addTab(self.batches, self.tr("Today's batches"))
        self.body.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.protocols.loaded.connect(self.batch.set_protocols)
        self.protocols.apply_to_parent.connect(self._apply_to_parent)
        self.protocols.apply_to_batch.connect(self._apply_to_batch)
        for view in (self.one, self.batch):
            view.void_requested.connect(self.batches.ask_void)
        self.batches.batch_voided.connect(self._voided)
        # one decimal separator on the page: the messages (the service's too) write volumes as the form does
        self.banner.rewrite = self.same_separator
        self.batches.localize = self.same_separator
        self._loaded = False

    # -- what the window asks ------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.protocols.reload()
            self.batches.reload()
        self._focus_scan()

    def handle_scan(self, text: str, on_answer: AnswerFn | None = None) -> None:
        """The window's scan field while this page shows: to the batch on the Batch tab, else to the parent."""
        if self.tabs.currentWidget() is self.batch:
            self.batch.handle_scan(text, on_answer)
        else:
            self.tabs.setCurrentWidget(self.one)
            self.one.handle_scan(text, on_answer)

    def take_parents(self, codes: Sequence[str]) -> None:
        """``session.navigate.aliquot_samples``: one sample is the parent; several are a batch."""
        if len(codes) == 1:
            self.tabs.setCurrentWidget(self.one)
            self.one.load_parent(codes[0])
        else:
            self.tabs.setCurrentWidget(self.batch)
            self.batch.set_parents(codes, self.tr("Search selection"))
            self.banner.show_message(self.tr("{n} parents from Search: choose the protocol.").format(n=len(codes)),
                                     "info")

    def same_separator(self, text: str) -> str:
        """``text`` with its volumes in the decimal separator of the page (the one typed, else the workstation's)."""
        return in_separator(text, self.one.form.units().comma)

    # -- between the tabs ---------------------------------------------------------------------------------------

    def _tab_changed(self, _index: int) -> None:
        self.banner.clear()  # what the last tab said does not belong to this one
        if self.tabs.currentWidget() is self.batches:
            self.batches.reload()
        self._focus_scan()

    def _focus_scan(self) -> None:
        current = self.tabs.currentWidget()
        if current is self.one:
            self.one.scan.focus_for_scan()
        elif current is self.batch:
            self.batch.scan.focus_for_scan()

    def _apply_to_parent(self, protocol: ProtocolInfo) -> None:
        self.tabs.setCurrentWidget(self.one)
        if self.one.info is None:
            self.banner.show_message(self.tr("Scan the parent tube: protocol {name} is chosen for it.").format(
                name=protocol.name), "info")
            self.one.pending_protocol = protocol.id
        else:
            self.one.choose_protocol(protocol.id)

    def _apply_to_batch(self, name: str) -> None:
        self.tabs.setCurrentWidget(self.batch)
        self.batch.choose_protocol(name)

    def _voided(self, batch_id: int) -> None:
        """A result showing the voided batch says so; the parent shown is read again (its volume is back)."""
        if self.one.result.voided(batch_id) and self.one.info is not None:
            self.one.load_parent(self.one.info.sample_code, lambda _s, _m: None, show_form=False)
        self.batch.result.voided(batch_id)

    def data_changed(self, changes: Changes) -> None:
        if changes.touches(ALIQUOT_PROTOCOL, STUDY):
            self.protocols.reload()
        if changes.touches(ALIQUOT_BATCH) and self.tabs.currentWidget() is self.batches:
            self.batches.reload()
        if changes.touches(SAMPLE, CONTAINER):
            self.one.refresh()
            if not self.batch.running and self.batch.stack.currentIndex() == 0 and self.batch.parents:
                self.batch.check()
