"""The one message area of a page: what the last action did, until the next action.

A message stays until the technician does something else (a new scan, a new search, another page): it is
never a flash that disappears after a second, and a refresh of the page (another workstation's change, the
page's own reload after a write) never hides it. A new message replaces the old one, so a green "Printed"
and a red "already printed" are never shown side by side. Pages call :meth:`MessageBanner.clear` when the
technician starts a new action, and :meth:`MessageBanner.show_message` with the outcome.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from biobank_desktop.ui.theme import repolish

KINDS = ("info", "ok", "warn", "error")


class MessageBanner(QFrame):
    """A one-line message above a page's content, with an optional action ('Reload', 'Retry')."""

    action_clicked = Signal()
    #: the banner's message changed (text, kind); ("", "") when it was cleared
    message_changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        self.text = QLabel()
        self.text.setObjectName("bannerText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.clicked.connect(self.action_clicked)
        self.close_button = QPushButton(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.clear)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self._kind = ""
        self.hide()

    def keep_place(self, lines: int = 2) -> None:
        """Keep the banner's place when it is empty, tall enough for ``lines`` wrapped lines: a message coming
        or going never moves the page below it (a page of scans answered one after another)."""
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setMinimumHeight(lines * self.text.fontMetrics().lineSpacing() + 22)  # + the margins and the frame

    def show_message(self, text: str, kind: str = "info", action: str | None = None,
                     dismissable: bool = True) -> None:
        """Show ``text`` (replacing whatever was shown) until the next action. ``kind``: info, ok, warn, error."""
        if kind not in KINDS:
            kind = "info"
        self._kind = kind
        self.setProperty("kind", kind)
        self.text.setText(text)
        self.action.setVisible(action is not None)
        if action:
            self.action.setText(action)
        self.close_button.setVisible(dismissable)
        repolish(self)
        repolish(self.text)
        self.show()
        self.message_changed.emit(text, kind)

    def clear(self) -> None:
        """The technician moved on: forget the message."""
        was_shown = not self.isHidden()
        self._kind = ""
        self.text.clear()
        self.hide()
        if was_shown:
            self.message_changed.emit("", "")

    @property
    def message(self) -> str:
        return self.text.text() if not self.isHidden() else ""

    @property
    def kind(self) -> str:
        """'' when nothing is shown, else the kind of the message shown."""
        return self._kind if not self.isHidden() else ""
