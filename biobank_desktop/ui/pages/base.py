"""What the main window expects of a page."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.services.changes import Changes
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import label
from biobank_desktop.ui.widgets.message_banner import MessageBanner
from biobank_desktop.ui.widgets.scan_field import ScanField


class Page(QWidget):
    """A page of the main window: a title, a banner for messages, its content."""

    title = ""
    subtitle = ""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 12)
        outer.setSpacing(10)
        self.header = QHBoxLayout()
        self.header.setSpacing(12)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title_label = label(self.title, "title")
        self.subtitle_label = label(self.subtitle, "subtitle", wrap=True)
        titles.addWidget(self.title_label)
        if self.subtitle:
            titles.addWidget(self.subtitle_label)
        self.header.addLayout(titles, 1)
        outer.addLayout(self.header)
        self.banner = MessageBanner()
        outer.addWidget(self.banner)
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        outer.addLayout(self.body, 1)

    def page_shown(self) -> None:
        """The page became the visible one (refresh what may be stale)."""

    def data_changed(self, changes: Changes) -> None:
        """Something changed in the database, here or on another workstation (``session.events.changed``).

        Refresh only when ``changes.touches(...)`` the kinds of record this page shows. Writes go through
        :func:`biobank_desktop.ui.operations.writes.run_write`; other pages go through ``session.navigate``."""

    def scan_field(self) -> ScanField | None:
        """Where a scanner's burst goes when the focus is on a widget that takes no text (the map, a table): the
        page's first visible, enabled scan field; None: the main window's. Override to choose otherwise."""
        for field in self.findChildren(ScanField):
            if field.isVisible() and field.edit.isEnabled():
                return field
        return None

    def show_error(self, exc: BaseException, action: str | None = None) -> None:
        """A technician's error in the page's banner (with an optional action); anything else in a dialog."""
        if isinstance(exc, BiobankError):
            self.banner.show_message(str(exc), "error", action)
        else:
            self.session.runner.report(exc)
