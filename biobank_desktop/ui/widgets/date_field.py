"""A date field a technician can type into, Tab through, clear with one key, or pick from a calendar.

Empty means "any" (no limit). Typed dates are read day-first where the workstation's locale writes dates
day-first (31.12.2026, 31/12/2026, 31-12-26) and month-first where it does not (12/31/2026); ISO
(2026-12-31) is always understood. When the technician leaves the field (Tab, Enter) the date is written
back as ISO, the form every table of the application shows, so there is no doubt what was understood.
Text that is not a date turns the field red and says how to write one (the field then limits nothing).

Keys: Escape clears the field (so does the ✕ in it, and Delete at the end of the text); Alt+Down or F4
opens the calendar, which opens at the chosen date or at today and is sized to show every row.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.ui.theme import repolish

_ISO = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$")
_LOCAL = re.compile(r"^(\d{1,2})[-./ ](\d{1,2})(?:[-./ ](\d{2}|\d{4}))?\.?$")


def locale_is_day_first(locale: QLocale | None = None) -> bool:
    """The locale writes the day before the month in its short date format (de, fr, en_GB: yes; en_US: no)."""
    fmt = (locale or QLocale()).dateFormat(QLocale.FormatType.ShortFormat)
    day, month = fmt.find("d"), fmt.find("M")
    return day >= 0 and (month < 0 or day < month)


def parse_date(text: str, *, day_first: bool, today: dt.date | None = None) -> dt.date | None:
    """The date ``text`` means, or None when it is empty. ValueError when it is not a date.

    ISO (``2026-12-31``, ``20261231``) always; else day-first or month-first by ``day_first``, with a
    four- or two-digit year (``31.12.26`` is 2026) or none (this year); ``311226``/``31122026`` as digits."""
    text = text.strip()
    if not text:
        return None
    today = today or dt.datetime.now().astimezone().date()
    year: int
    if (m := _ISO.match(text)) is not None:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif text.isdigit() and len(text) == 8 and text[:2] in ("19", "20") and _valid(text[:4], text[4:6], text[6:]):
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    elif text.isdigit() and len(text) in (6, 8):
        first, second, rest = int(text[:2]), int(text[2:4]), text[4:]
        day, month = (first, second) if day_first else (second, first)
        year = _year(rest, today)
    elif (m := _LOCAL.match(text)) is not None:
        first, second = int(m[1]), int(m[2])
        day, month = (first, second) if day_first else (second, first)
        year = _year(m[3], today) if m[3] else today.year
    else:
        raise ValueError(text)
    return dt.date(year, month, day)  # ValueError for 31.02., month 13, ...


def _calendar_icon() -> QIcon:
    from biobank_desktop.core.resources import resource_path

    try:
        return QIcon(str(resource_path("icons", "calendar.svg")))
    except FileNotFoundError:
        return QIcon()


def _valid(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _year(text: str, today: dt.date) -> int:
    value = int(text)
    if len(text) == 2:  # 26 -> 2026; a two-digit year never lies more than 20 years ahead
        value += 2000 if value <= (today.year % 100) + 20 else 1900
    return value


class _CalendarPopup(QFrame):
    """The calendar under the field: a popup sized to the calendar's own size hint (no row cut off)."""

    picked = Signal(object)  # dt.date

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("dateCalendarPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("dateCalendar")
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        layout.addWidget(self.calendar)
        self.calendar.activated.connect(self._picked)  # Enter or double-click
        self.calendar.clicked.connect(self._picked)

    def _picked(self, date: QDate) -> None:
        self.hide()
        self.picked.emit(dt.date(date.year(), date.month(), date.day()))

    def open_at(self, date: dt.date, anchor: QWidget) -> None:
        qdate = QDate(date.year, date.month, date.day)
        self.calendar.setSelectedDate(qdate)
        self.calendar.setCurrentPage(date.year, date.month)
        self.adjustSize()
        size = self.sizeHint().expandedTo(self.calendar.sizeHint())
        self.resize(size)
        where = anchor.mapToGlobal(QPoint(0, anchor.height()))
        screen = QGuiApplication.screenAt(where) or QGuiApplication.primaryScreen()
        if screen is not None:  # keep it on the screen: above the field when there is no room below
            area = screen.availableGeometry()
            if where.y() + size.height() > area.bottom():
                where.setY(max(area.top(), anchor.mapToGlobal(QPoint(0, 0)).y() - size.height()))
            where.setX(max(area.left(), min(where.x(), area.right() - size.width())))
        self.move(where)
        self.show()
        self.calendar.setFocus(Qt.FocusReason.PopupFocusReason)


class DateField(QWidget):
    """See the module docstring. ``value()`` is a ``datetime.date`` or None ("any")."""

    value_changed = Signal(object)  # dt.date | None, when the date the field stands for changed

    def __init__(self, placeholder: str | None = None, parent: QWidget | None = None, *,
                 day_first: bool | None = None) -> None:
        super().__init__(parent)
        self.day_first = locale_is_day_first() if day_first is None else day_first
        example = "31.12.2026" if self.day_first else "12/31/2026"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.edit = QLineEdit()
        self.edit.setObjectName("dateEdit")
        self.edit.setPlaceholderText(placeholder if placeholder is not None else self.tr("any"))
        self.edit.setClearButtonEnabled(True)
        self.edit.setToolTip(self.tr("Type a date ({example} or 2026-12-31), or pick one in the calendar. "
                                     "Escape or ✕ clears it (any date).").format(example=example))
        self.edit.setAccessibleName(self.tr("Date"))
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("2026-12-31") + 80)
        # The calendar opens from an icon inside the field: not a separate stop for Tab.
        self.calendar_action = QAction(_calendar_icon(), self.tr("Pick the date in a calendar (Alt+Down)"), self)
        self.calendar_action.setObjectName("dateCalendarAction")
        self.edit.addAction(self.calendar_action, QLineEdit.ActionPosition.TrailingPosition)
        layout.addWidget(self.edit, 1)
        self.setFocusProxy(self.edit)
        self._value: dt.date | None = None
        self._popup: _CalendarPopup | None = None
        self.edit.editingFinished.connect(self._commit)
        self.edit.textChanged.connect(self._text_changed)
        self.calendar_action.triggered.connect(self.open_calendar)
        self.edit.installEventFilter(self)

    # -- the value ------------------------------------------------------------------------------------

    def value(self) -> dt.date | None:
        return self._value

    def set_value(self, value: dt.date | None) -> None:
        self.edit.setText("" if value is None else value.isoformat())
        self._set_error("")
        self._store(value)

    def clear_value(self) -> None:
        self.set_value(None)

    def text(self) -> str:
        return self.edit.text()

    @property
    def invalid(self) -> bool:
        """The text is not a date (the field is red and limits nothing)."""
        return bool(self.edit.property("state") == "error")

    def _store(self, value: dt.date | None) -> None:
        if value != self._value:
            self._value = value
            self.value_changed.emit(value)

    def _commit(self) -> None:
        """Read what was typed (on Enter, Tab or leaving the field)."""
        try:
            value = parse_date(self.edit.text(), day_first=self.day_first)
        except ValueError:
            example = "31.12.2026" if self.day_first else "12/31/2026"
            self._set_error(self.tr("“{text}” is not a date. Write it as {example} or 2026-12-31; "
                                    "empty means any date.").format(text=self.edit.text().strip(), example=example))
            self._store(None)
            return
        self._set_error("")
        if value is not None and self.edit.text() != value.isoformat():
            self.edit.setText(value.isoformat())
        self._store(value)

    def _text_changed(self, text: str) -> None:
        if not text:  # the ✕ button, or everything deleted: any date, at once
            self._set_error("")
            self._store(None)

    def _set_error(self, message: str) -> None:
        self.edit.setProperty("state", "error" if message else "")
        self.setToolTip(message)
        repolish(self.edit)

    # -- keys and the calendar -----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            key_event = event if isinstance(event, QKeyEvent) else None
            if key_event is not None and self._key(key_event):
                return True
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self._commit()  # read the date now; Tab then moves on as everywhere
            return False
        if key == Qt.Key.Key_Escape and self.edit.text():
            self.clear_value()
            return True
        if key == Qt.Key.Key_Delete and self.edit.text() and (
                self.edit.cursorPosition() == len(self.edit.text()) or self.edit.selectedText() == self.edit.text()):
            self.clear_value()
            return True
        if key == Qt.Key.Key_F4 or (key == Qt.Key.Key_Down and mods & Qt.KeyboardModifier.AltModifier):
            self.open_calendar()
            return True
        return False

    def open_calendar(self) -> _CalendarPopup:
        """Open the calendar at the field's date, or at today when the field is empty."""
        self._commit()
        if self._popup is None:
            self._popup = _CalendarPopup(self)
            self._popup.picked.connect(self._picked)
        self._popup.open_at(self._value or dt.datetime.now().astimezone().date(), self)
        return self._popup

    @property
    def calendar(self) -> QCalendarWidget | None:
        return self._popup.calendar if self._popup is not None else None

    def _picked(self, value: dt.date) -> None:
        self.set_value(value)
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)
