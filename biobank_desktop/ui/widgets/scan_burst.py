"""A USB scanner's burst goes to the scan field, whatever non-text widget has the keyboard focus.

A keyboard-wedge scanner "types" the code in a few milliseconds and presses Enter. When the focus is on a
widget that does not take text (the box map, a tree, a table, a button) those keys would be lost — or worse,
the Enter would act on that widget (open the clicked cell's sample). :class:`ScanBurstFilter`, an application
event filter the main window installs once, recognises such a burst and hands the code over (its ``burst``
signal); the main window gives it to the current page's scan field (:meth:`Page.scan_field`) or its own.

How a burst is told from a person: printable keys, without Ctrl/Alt/Meta, each at most ``max_gap`` seconds
after the one before, at least ``min_length`` of them, ending with Enter (also within ``max_gap``). While that
is undecided the keys are held back; as soon as it is clear they were not a scan (a slow key, another key,
``max_gap`` without a key), they are delivered to the widget they were meant for, in order — a person typing
into a tree's type-ahead or pressing a key on the map loses nothing. Keys typed into a widget that takes text
(a line edit, an editable combo box, a spin box, a text editor), in a dialog, or in another window are never
touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

MAX_GAP_S = 0.05  # scanners type a key every 2–15 ms; people rarely twice within 50 ms, never a whole code
MIN_LENGTH = 4  # the shortest code a scanner sends here (tube, box and rack codes are longer)
_IGNORED_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def takes_text(widget: QWidget | None) -> bool:
    """True when ``widget`` is where typed text belongs (a scan there is the widget's own business)."""
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    if isinstance(widget, QAbstractSpinBox):
        return not widget.isReadOnly()
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return False


@dataclass(frozen=True)
class _HeldKey:
    receiver: QWidget
    key: int
    modifiers: Qt.KeyboardModifier
    text: str


class ScanBurstFilter(QObject):
    """See the module docstring. ``window``: the only window whose keys it looks at. ``clock``: seconds (tests)."""

    burst = Signal(str)  # the code a scanner typed while no text widget had the focus

    def __init__(self, window: QWidget, *, max_gap: float = MAX_GAP_S, min_length: int = MIN_LENGTH,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.window = window
        self.max_gap = max_gap
        self.min_length = min_length
        self.clock = clock
        self._held: list[_HeldKey] = []
        self._last = 0.0
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, int(max_gap * 1000)))
        self._timer.timeout.connect(self.release)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget) or not self._concerns(watched):
            return False
        now = self.clock()
        fast = not self._held or now - self._last <= self.max_gap
        extra = event.modifiers() & ~_IGNORED_MODIFIERS
        if event.key() in _ENTER and extra == Qt.KeyboardModifier.NoModifier and not event.isAutoRepeat():
            if fast and len(self._held) >= self.min_length:
                code = "".join(k.text for k in self._held)
                self._held.clear()
                self._timer.stop()
                self.burst.emit(code)
                return True
            self.release()
            return False
        text = event.text()
        printable = (len(text) == 1 and text.isprintable() and extra == Qt.KeyboardModifier.NoModifier
                     and not event.isAutoRepeat() and (self._held or not text.isspace()))
        if not printable:
            self.release()
            return False
        if not fast:
            self.release()
        self._held.append(_HeldKey(watched, event.key(), event.modifiers(), text))
        self._last = now
        self._timer.start()
        return True

    def _concerns(self, watched: QWidget) -> bool:
        """A key for this window, not in a dialog, not where text belongs (each key is seen once: by its
        receiver, the focus widget, or the window when nothing has the focus)."""
        focus = QApplication.focusWidget() or self.window.focusWidget()
        if watched is not focus and not (focus is None and watched.isWindow()):
            return False
        if watched.window() is not self.window or QApplication.activeModalWidget() is not None:
            return False
        return not takes_text(focus)

    def release(self) -> None:
        """Not a scan after all: deliver the held keys to the widgets they were meant for, in order."""
        self._timer.stop()
        held, self._held = self._held, []
        self._replaying = True
        try:
            for key in held:
                if shiboken6.isValid(key.receiver):
                    QApplication.sendEvent(key.receiver, QKeyEvent(QEvent.Type.KeyPress, key.key, key.modifiers,
                                                                   key.text))
        finally:
            self._replaying = False
