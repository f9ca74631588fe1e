"""The one message area of a page: what the last action did, until the next action.

A message stays until the technician does something else (a new scan, a new search, another page): it is
never a flash that disappears after a second, and a refresh of the page (another workstation's change, the
page's own reload after a write) never hides it. A new message replaces the old one, so a green "Printed"
and a red "already printed" are never shown side by side. Pages call :meth:`MessageBanner.clear` when the
technician starts a new action, and :meth:`MessageBanner.show_message` with the outcome.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QResizeEvent, QTextLayout
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from biobank_desktop.ui.theme import repolish

KINDS = ("info", "ok", "warn", "error")


class MessageBanner(QFrame):
    """A one-line message above a page's content, with an optional action ('Reload', 'Retry'). A page whose
    banner keeps its place (:meth:`keep_place`) shows at most two lines: a longer message ends in "…", its
    whole text is the tooltip and "More…" shows it over the page."""

    action_clicked = Signal()
    #: the banner's message changed (text, kind); ("", "") when it was cleared
    message_changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        layout = self.row = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        self.text = QLabel()
        self.text.setObjectName("bannerText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.more_button = QPushButton(self.tr("More…"))
        self.more_button.setObjectName("bannerMore")
        self.more_button.clicked.connect(self.show_all)
        self.more_button.hide()
        self.action = QPushButton()
        self.action.clicked.connect(self.action_clicked)
        self.close_button = QPushButton(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.clear)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.more_button)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self._kind = ""
        # how a page writes its messages (e.g. the decimal separator of the volumes typed on it); None: as given
        self.rewrite: Callable[[str], str] | None = None
        self._full = ""  # the whole message (the label may show it cut to :attr:`max_lines`)
        self.max_lines = 0  # 0: the banner grows with its message; else at most this many lines
        self.full_view: QLabel | None = None  # the whole message, over the page ("More…")
        self.hide()

    def keep_place(self, lines: int = 2) -> None:
        """Keep the banner's place when it is empty, tall enough for ``lines`` wrapped lines: a message coming
        or going never moves the page below it (a page of scans answered one after another)."""
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setMinimumHeight(lines * self.text.fontMetrics().lineSpacing() + 22)  # + the margins and the frame
        self.max_lines = lines  # a longer message is cut, never makes the banner taller ("More…" shows it all)
        self.setMaximumHeight(max(self.minimumHeight(), 46))  # as tall as its buttons at least

    def _cut(self, width: int) -> str:
        """The message as it fits :attr:`max_lines` lines of ``width`` pixels, its end replaced by "…"."""
        metrics = self.text.fontMetrics()
        shown: list[str] = []
        for paragraph in self._full.split("\n"):
            layout = QTextLayout(paragraph, self.text.font())
            layout.beginLayout()
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(width)
                shown.append(paragraph[line.textStart():line.textStart() + line.textLength()].rstrip())
            layout.endLayout()
            if not paragraph:
                shown.append("")
        if len(shown) <= self.max_lines:
            return self._full
        last = " ".join(shown[self.max_lines - 1:])
        cut = metrics.elidedText(last, Qt.TextElideMode.ElideRight, width - metrics.horizontalAdvance("…"))
        return "\n".join([*shown[:self.max_lines - 1], cut if cut.endswith("…") else cut + "…"])

    def _fit(self) -> None:
        """Show the message whole, or cut to :attr:`max_lines` with "More…" and the whole text as tooltip."""
        if not self.max_lines:
            self.text.setText(self._full)
            return
        layout = self.row
        layout.activate()  # the label's width as laid out now (the banner may just have been shown)
        more = self.more_button.sizeHint().width() + layout.spacing() if self.more_button.isHidden() else 0
        shown = self._cut(max(self.text.contentsRect().width() - more - 4, 120))
        cut = shown != self._full
        self.text.setText(shown)
        self.text.setToolTip(self._full if cut else "")
        self.more_button.setVisible(cut)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._full and self.max_lines:
            self._fit()

    def show_all(self) -> None:
        """The whole message in a frame over the page under the banner (the page does not move); a click
        elsewhere or Esc closes it."""
        view = QLabel(self._full, self, Qt.WindowType.Popup)
        view.setObjectName("bannerFull")
        view.setWordWrap(True)
        view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        view.setFrameShape(QFrame.Shape.Box)
        view.setMargin(12)
        view.setStyleSheet("background: white;")
        view.setFixedWidth(self.width())
        view.adjustSize()
        view.move(self.mapToGlobal(QPoint(0, self.height())))
        self.full_view = view
        view.show()

    def show_message(self, text: str, kind: str = "info", action: str | None = None,
                     dismissable: bool = True) -> None:
        """Show ``text`` (replacing whatever was shown) until the next action. ``kind``: info, ok, warn, error."""
        if kind not in KINDS:
            kind = "info"
        if self.rewrite is not None:
            text = self.rewrite(text)
        self._kind = kind
        self.setProperty("kind", kind)
        self._full = text
        self.more_button.hide()
        self.action.setVisible(action is not None)
        if action:
            self.action.setText(action)
        self.close_button.setVisible(dismissable)
        repolish(self)
        repolish(self.text)
        self.show()
        self._fit()
        self.message_changed.emit(text, kind)

    def clear(self) -> None:
        """The technician moved on: forget the message."""
        was_shown = not self.isHidden()
        self._kind = ""
        self._full = ""
        self.text.clear()
        self.text.setToolTip("")
        self.more_button.hide()
        self.hide()
        if was_shown:
            self.message_changed.emit("", "")

    @property
    def message(self) -> str:
        return self._full if not self.isHidden() else ""

    @property
    def kind(self) -> str:
        """'' when nothing is shown, else the kind of the message shown."""
        return self._kind if not self.isHidden() else ""
