"""The scan field: a USB scanner types the code and presses Enter; so does a technician.

It only collects the text and shows the answer in the field itself (green: found, red: unknown,
with the reason written next to it, and a beep when sound is on). Looking the code up is the
caller's job (the main window does it on a worker).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QLineEdit, QWidget

from biobank_desktop.ui.theme import repolish


class ScanField(QWidget):
    scanned = Signal(str)  # Enter pressed with non-empty text

    def __init__(self, placeholder: str, parent: QWidget | None = None, *, sound: bool = True) -> None:
        super().__init__(parent)
        self.sound = sound
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.edit = QLineEdit()
        self.edit.setObjectName("scanField")
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.setAccessibleName("Scan field")
        self.feedback = QLabel()
        self.feedback.setObjectName("scanFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit.setMinimumWidth(380)
        layout.addWidget(self.edit, 5)
        layout.addWidget(self.feedback, 4)
        self.edit.returnPressed.connect(self._submit)
        self.edit.textEdited.connect(self._typing)
        self.setFocusProxy(self.edit)
        self._state = ""

    @property
    def state(self) -> str:
        """'' (nothing to say), 'busy', 'ok', 'info' or 'error'."""
        return self._state

    def text(self) -> str:
        return self.edit.text()

    def _submit(self) -> None:
        text = self.edit.text().strip()
        if not text:
            return
        self.show_feedback("busy", f"Looking up {text}…")
        self.scanned.emit(text)

    def _typing(self, _text: str) -> None:
        if self._state in ("ok", "error"):
            self.show_feedback("", "")

    def show_feedback(self, state: str, message: str) -> None:
        self._state = state
        style_state = "info" if state == "busy" else state
        self.edit.setProperty("state", style_state if style_state in ("ok", "error") else "")
        self.feedback.setProperty("state", style_state)
        self.feedback.setText(message)
        repolish(self.edit)
        repolish(self.feedback)
        if state == "error":
            if self.sound:
                QApplication.beep()
            self.edit.selectAll()  # the next scan replaces the unknown code
        elif state == "ok":
            self.edit.selectAll()

    def focus_for_scan(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()
