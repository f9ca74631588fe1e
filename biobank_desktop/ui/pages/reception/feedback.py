"""The reception board's answer to a scan, big enough to read from a step away.

A technician scanning a rack of tubes looks at the tubes, not at the screen: the answer must be seen out of the
corner of an eye. One large coloured panel: a big ✓ on green (expected, received), ⚠ on amber (already scanned,
or a tube that needs a decision: unexpected, no consent), ✗ on red (refused: not on this manifest, another
shipment's tube, already accessioned, the shipment is closed). Colour is never the only signal: the symbol and
the headline say the same in words. With sound on, a warning beeps once and a refusal twice (PySide6-Essentials
has no QtMultimedia; :meth:`QApplication.beep` is the system's bell).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from biobank_desktop.ui.theme import repolish

VERDICTS = ("", "busy", "ok", "warn", "error")
SYMBOLS = {"": "⌁", "busy": "…", "ok": "✓", "warn": "⚠", "error": "✗"}

STYLE = """
QFrame#scanVerdict { border-radius: 10px; border: 2px solid #b7c0cc; background: #ffffff; }
QFrame#scanVerdict QLabel { color: #4a5361; background: transparent; }
QFrame#scanVerdict[verdict="busy"] { background: #eef1f5; }
QFrame#scanVerdict[verdict="ok"] { background: #17703a; border-color: #0f5129; }
QFrame#scanVerdict[verdict="ok"] QLabel { color: #ffffff; }
QFrame#scanVerdict[verdict="warn"] { background: #f2b01e; border-color: #8a5300; }
QFrame#scanVerdict[verdict="warn"] QLabel { color: #14181f; }
QFrame#scanVerdict[verdict="error"] { background: #a4161a; border-color: #6d0e11; }
QFrame#scanVerdict[verdict="error"] QLabel { color: #ffffff; }
QLabel#verdictSymbol { font-size: 54pt; font-weight: 800; }
QLabel#verdictHeadline { font-size: 21pt; font-weight: 700; }
QLabel#verdictDetail { font-size: 13pt; font-weight: 600; }
"""


class ScanVerdict(QFrame):
    """The big answer: :meth:`show_verdict` with 'ok', 'warn', 'error' (or 'busy' while the scan is looked up)."""

    def __init__(self, parent: QWidget | None = None, *, sound: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("scanVerdict")
        self.setStyleSheet(STYLE)
        self.sound = sound
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 8, 18, 8)
        layout.setSpacing(18)
        self.symbol = QLabel()
        self.symbol.setObjectName("verdictSymbol")
        self.symbol.setFixedWidth(86)
        self.headline = QLabel()
        self.headline.setObjectName("verdictHeadline")
        self.headline.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setObjectName("verdictDetail")
        self.detail.setWordWrap(True)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addStretch(1)
        words.addWidget(self.headline)
        words.addWidget(self.detail)
        words.addStretch(1)
        layout.addWidget(self.symbol)
        layout.addLayout(words, 1)
        self.setMinimumHeight(104)
        self._verdict = ""
        self.show_idle(self.tr("Ready: scan a tube"), "")

    @property
    def verdict(self) -> str:
        """'' (waiting for a scan), 'busy', 'ok', 'warn' or 'error'."""
        return self._verdict

    def show_idle(self, headline: str, detail: str) -> None:
        self._set("", headline, detail)

    def show_verdict(self, verdict: str, headline: str, detail: str = "") -> None:
        """Show the answer to the last scan; with sound on, a warning beeps once and a refusal twice."""
        if verdict not in VERDICTS:
            verdict = "error"
        self._set(verdict, headline, detail)
        if self.sound and verdict in ("warn", "error"):
            QApplication.beep()
            if verdict == "error":
                QTimer.singleShot(180, QApplication.beep)

    def _set(self, verdict: str, headline: str, detail: str) -> None:
        self._verdict = verdict
        self.setProperty("verdict", verdict)
        self.symbol.setText(SYMBOLS[verdict])
        self.headline.setText(headline)
        # A long answer (a refusal naming another shipment) steps down a size rather than pushing the detail away.
        size = 21 if len(headline) <= 34 else 17 if len(headline) <= 70 else 14
        self.headline.setStyleSheet(f"font-size: {size}pt;")
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.setAccessibleName(f"{SYMBOLS[verdict]} {headline}. {detail}".strip())
        repolish(self)
        for child in (self.symbol, self.headline, self.detail):
            repolish(child)
