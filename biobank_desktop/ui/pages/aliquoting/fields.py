"""Small inputs of the aliquoting page: a time of day typed as the bench clock shows it, with a Now button."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from biobank_desktop.ui.widgets.common import button

_TIME = re.compile(r"(?:(?P<date>\d{4}-\d{2}-\d{2})[ T])?(?P<h>\d{1,2})[:.h](?P<m>\d{2})")


def parse_local_time(text: str, today: dt.date | None = None) -> dt.datetime | None:
    """'14:05' (today) or '2026-03-04 14:05' in the workstation's time zone, as an aware UTC datetime; None for ''.
    Raises ValueError for anything else."""
    stripped = text.strip()
    if not stripped:
        return None
    match = _TIME.fullmatch(stripped)
    if match is None:
        raise ValueError(stripped)
    now = dt.datetime.now().astimezone()
    day = dt.date.fromisoformat(match["date"]) if match["date"] else (today or now.date())
    naive = dt.datetime.combine(day, dt.time(int(match["h"]), int(match["m"])))
    return naive.astimezone().astimezone(dt.UTC)  # the naive time is this workstation's local time


class TimeField(QWidget):
    """A time typed as 14:05 (today) or 2026-03-04 14:05, and a Now button for gloved hands."""

    changed = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMinimumWidth(100)
        self.now_button = button(self.tr("Now"), on_click=self.set_now)
        self.now_button.setAutoDefault(False)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.now_button)
        self.edit.textChanged.connect(lambda _t: self.changed.emit())
        self.setFocusProxy(self.edit)

    def set_now(self) -> None:
        self.edit.setText(dt.datetime.now().astimezone().strftime("%H:%M"))

    def value(self) -> dt.datetime | None:
        """The time typed (UTC), None when empty; ValueError when it cannot be read."""
        return parse_local_time(self.edit.text())

    def problem(self) -> str:
        """'' when empty or readable; else what to write."""
        try:
            self.value()
        except ValueError:
            return self.tr("Write the time as 14:05, or as 2026-03-04 14:05.")
        return ""

    def clear(self) -> None:
        self.edit.clear()
