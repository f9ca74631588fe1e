"""The scan field: a USB scanner types the code and presses Enter; so does a technician.

It only collects the text and shows the answer (green: found, red: unknown, with the reason, and a beep
when sound is on). Looking the code up is the caller's job (the main window does it on a worker).

After every answer, a refusal included, the field's text is selected: the next scan replaces it instead of
being appended to it ("BOX-000001BB-2026-…") — but only while the field still holds the code that was
answered: an answer that arrives while the next scan is being typed never selects (and so never eats) what
was typed since. A new scan clears the previous answer at once, and
:meth:`ScanField.clear_feedback` clears it when the technician goes elsewhere.

A scan field inside a page may answer in the page's :class:`MessageBanner` (``banner=``) rather than
beside itself, so that the page has one message at a time: a green "Printed" from the last action and a
red "already printed" from this scan never show side by side.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QLineEdit, QWidget

from biobank_desktop.ui.theme import repolish
from biobank_desktop.ui.widgets.message_banner import MessageBanner

_BANNER_KIND = {"ok": "ok", "error": "error", "info": "info", "busy": "info", "warn": "warn"}


class ScanField(QWidget):
    scanned = Signal(str)  # Enter pressed with non-empty text

    def __init__(self, placeholder: str, parent: QWidget | None = None, *, sound: bool = True,
                 banner: MessageBanner | None = None) -> None:
        super().__init__(parent)
        self.sound = sound
        self.banner = banner
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.edit = QLineEdit()
        self.edit.setObjectName("scanField")
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName(self.tr("Scan field"))
        self.feedback = QLabel()
        self.feedback.setObjectName("scanFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit.setMinimumWidth(300)
        layout.addWidget(self.edit, 5)
        layout.addWidget(self.feedback, 4)
        self.feedback.setVisible(banner is None)
        self.edit.returnPressed.connect(self._submit)
        self.edit.textEdited.connect(self._typing)
        self.setFocusProxy(self.edit)
        self._state = ""
        self._message = ""
        self._submitted = ""  # the code last submitted (the answers are about it)

    @property
    def state(self) -> str:
        """'' (nothing to say), 'busy', 'ok', 'info' or 'error'."""
        return self._state

    @property
    def message(self) -> str:
        """The answer shown for the last scan ('' when none)."""
        return self._message

    def text(self) -> str:
        return self.edit.text()

    def submit(self, code: str) -> None:
        """A code from elsewhere (a scanner's burst while another widget had the focus): as if scanned here."""
        self.edit.setText(code)
        self._submit()

    def _submit(self) -> None:
        text = self.edit.text().strip()
        if not text:
            return
        self._submitted = self.edit.text()
        self.edit.selectAll()  # whatever the answer, the next scan replaces this code
        self.show_feedback("busy", self.tr("Looking up {code}…").format(code=text))
        self.scanned.emit(text)

    def _typing(self, _text: str) -> None:
        if self._state in ("ok", "error", "info"):
            self.clear_feedback()

    def clear_feedback(self) -> None:
        """Forget the last answer (the technician moved on: a new scan, another page)."""
        if self.banner is not None and self._message and self.banner.message == self._message:
            self.banner.clear()
        self.show_feedback("", "")

    def show_feedback(self, state: str, message: str) -> None:
        self._state = state
        self._message = message
        style_state = "info" if state == "busy" else state
        self.edit.setProperty("state", style_state if style_state in ("ok", "error") else "")
        self.feedback.setProperty("state", style_state)
        self.feedback.setText(message)
        self.feedback.setToolTip("")
        repolish(self.edit)
        repolish(self.feedback)
        if self.banner is not None and message:
            self.banner.show_message(message, _BANNER_KIND.get(state, "info"))
        if state == "error" and self.sound:
            QApplication.beep()
        if state and self.edit.text() == self._submitted:  # the next scan replaces the code answered —
            self.edit.selectAll()  # never keys of the next scan typed before this answer came

    def set_hint(self, hint: str) -> None:
        """A longer explanation of the last answer (a tooltip on it)."""
        self.feedback.setToolTip(hint)
        if self.banner is not None:
            self.banner.text.setToolTip(hint)

    def focus_for_scan(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()
