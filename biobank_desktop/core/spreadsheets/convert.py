"""Typed conversion of one cell: what a clinic typed (or what Excel made of it) → the value we store.

Each converter returns the value or raises :class:`CellProblem` (a code and a sentence naming the value).
Never guessed: a barcode Excel turned into a number (its leading zeros are gone) or into 1.23E+11, a date
that does not exist, a text date in a convention the mapping does not say.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.volumes import parse_volume
from biobank_desktop.core.spreadsheets.fields import FALSE_WORDS, TRUE_WORDS, fold
from biobank_desktop.core.spreadsheets.mapping import DateOrder
from biobank_desktop.core.spreadsheets.reading import CellValue, shown

_EXCEL_EPOCH: Final = dt.datetime(1899, 12, 30)  # noqa: DTZ001 — wall-clock; serial 1 = 1900-01-01
_SCIENTIFIC_RE: Final = re.compile(r"^[0-9](?:[.,][0-9]+)?E\+?[0-9]+$", re.IGNORECASE)
_ISO_RE: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_DATE_RE: Final = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?:[ T,]+(\d{1,2})[:hH](\d{2})(?::(\d{2}))?)?$")
_TIME_RE: Final = re.compile(r"^(\d{1,2})[:hH](\d{2})(?::(\d{2}))?$")
#: Dates before this are taken for a typing or conversion mistake.
EARLIEST_PLAUSIBLE: Final = dt.date(1950, 1, 1)


class CellProblem(Exception):  # noqa: N818 — a result, not a failure of the program
    """One cell's value cannot be used: ``code`` (stable, for grouping and --json) and a message."""

    def __init__(self, code: str, message: str, *, warning: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.warning = warning


def text(value: CellValue) -> str | None:
    """Text as typed (already tidied by the layout step); numbers without a spurious '.0'."""
    if value is None:
        return None
    return shown(value)


def barcode(value: CellValue, *, pad_to: int | None = None, column_has_zeros: bool = False) -> str | None:
    """A barcode as text. A number cell is refused when the column shows Excel dropped leading zeros
    (other barcodes in it start with 0) and no explicit padding rule is set; 1.23E+11 is always refused."""
    if value is None:
        return None
    if isinstance(value, str):
        if _SCIENTIFIC_RE.match(value):
            raise CellProblem("barcode_scientific",
                              f"barcode {value} is in scientific notation: Excel rounded a long number and its "
                              "digits are lost; ask the clinic for the barcode as text")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CellProblem("barcode_not_text", f"barcode {shown(value)} is not a barcode (a date or a time?)")
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise CellProblem("barcode_scientific",
                          f"barcode {shown(value)} is a number too long for Excel: its last digits are lost; "
                          "ask the clinic for the barcode as text")
    digits = str(int(value))
    if pad_to is not None:
        return digits.zfill(pad_to)
    if column_has_zeros:
        raise CellProblem("barcode_lost_zeros",
                          f"barcode {digits} was stored as a number: Excel removed its leading zeros "
                          "(other barcodes in this column start with 0); it is not guessed — ask the clinic to "
                          "send it as text, or set a padding rule in the mapping")
    raise CellProblem("barcode_number", f"barcode {digits} was stored as a number: check that no leading zero "
                                        "was lost", warning=True)


def number_barcode_value(value: CellValue) -> str | None:
    """The digits of a numeric barcode that was accepted with a warning."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(value))
    return None


def zone(name: str | None) -> dt.tzinfo | None:
    """The lab's zone from the mapping (None: the workstation's local zone)."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown time zone '{name}' in the mapping.",
                              hint="Use a name such as Europe/Paris, or leave it empty for this computer's.") \
            from None


def as_utc(moment: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """A wall-clock time without zone taken as the lab's local time, in UTC."""
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    if tz is None:
        return moment.astimezone().astimezone(dt.UTC)
    return moment.replace(tzinfo=tz).astimezone(dt.UTC)


def excel_serial(serial: float) -> dt.datetime:
    """An Excel (1900 system) serial day number as a datetime; serial 60 (29 Feb 1900) does not exist."""
    if serial < 1 or serial >= 2958466:
        raise CellProblem("date_out_of_range", f"date number {shown(serial)} is not a date Excel can hold")
    if math.floor(serial) == 60:
        raise CellProblem("date_invalid", "date 1900-02-29 does not exist (Excel's 1900 leap-year bug)")
    days = serial if serial > 60 else serial + 1
    return (_EXCEL_EPOCH + dt.timedelta(days=days)).replace(microsecond=0)


def date_time(value: CellValue, order: DateOrder) -> dt.datetime | dt.date | None:
    """A date or a date and time (naive, as written) from a date cell, an Excel serial number or text."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, bool):
        raise CellProblem("date_unreadable", f"{shown(value)} is not a date")
    if isinstance(value, int | float):
        moment = excel_serial(float(value))
        return moment.date() if float(value).is_integer() else moment
    if isinstance(value, dt.time):
        raise CellProblem("date_missing_day", f"{shown(value)} is a time without a date")
    if isinstance(value, dt.timedelta):
        raise CellProblem("date_unreadable", f"{shown(value)} is a duration, not a date")
    return _parse_text_date(value, order)


def _parse_text_date(raw: str, order: DateOrder) -> dt.datetime | dt.date:
    value = raw.strip()
    match = _ISO_RE.match(value)
    if match:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        hm = match.group(4), match.group(5), match.group(6)
    else:
        match = _DATE_RE.match(value)
        if not match:
            raise CellProblem("date_unreadable", f"{raw} is not a date")
        a, b, c = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if len(match.group(1)) == 4:
            year, month, day = a, b, c
        elif order == "MDY":
            month, day, year = a, b, c
        else:
            day, month, year = a, b, c
        if year < 100:
            year += 2000
        hm = match.group(4), match.group(5), match.group(6)
    try:
        day_value = dt.date(year, month, day)
    except ValueError:
        raise CellProblem("date_invalid", f"date {raw} does not exist") from None
    if hm[0] is None:
        return day_value
    hour, minute, second = int(hm[0]), int(hm[1]), int(hm[2] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise CellProblem("time_invalid", f"time in {raw} does not exist")
    return dt.datetime.combine(day_value, dt.time(hour, minute, second))


def time_of_day(value: CellValue) -> dt.time | None:
    if value is None:
        return None
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, float | int) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = round(float(value) * 86400)
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    if isinstance(value, dt.timedelta) and value < dt.timedelta(days=1):
        seconds = int(value.total_seconds())
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    if isinstance(value, str):
        match = _TIME_RE.match(value.strip())
        if match:
            hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
            if hour <= 23 and minute <= 59 and second <= 59:
                return dt.time(hour, minute, second)
            raise CellProblem("time_invalid", f"time {value} does not exist")
    raise CellProblem("time_unreadable", f"{shown(value)} is not a time of day")


def boolean(value: CellValue) -> bool | None:
    """Yes/no in English, French or German (Y/N, oui/non, ja/nein, x, 1/0, TRUE/FALSE)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    word = fold(shown(value))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellProblem("bool_unreadable", f"{shown(value)} is not yes or no")


def volume(value: CellValue, default_unit: str | None, decimal_separator: str | None) -> Decimal | None:
    """Microlitres from '1,5 ml', '250 µL', 0.5 (in ``default_unit``) — negative or non-numbers refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CellProblem("volume_unreadable", f"volume {shown(value)} is not a number")
    if isinstance(value, int | float) and value < 0:
        raise CellProblem("volume_negative", f"volume {shown(value)} is negative")
    if isinstance(value, str) and value.strip().startswith("-"):
        raise CellProblem("volume_negative", f"volume {value} is negative")
    try:
        return parse_volume(value, default_unit, decimal_separator=decimal_separator)  # type: ignore[arg-type]
    except ValidationError as exc:
        code = "volume_zero" if "more than zero" in exc.message else "volume_unreadable"
        raise CellProblem(code, f"volume {shown(value)}: {exc.message[0].lower()}{exc.message[1:]}") from None


def whole_number(value: CellValue) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise CellProblem("number_unreadable", f"{shown(value)} is not a whole number of 0 or more")


_MINUTES_RE = re.compile(r"\s*(-?[0-9]+(?:[.,][0-9]+)?)\s*(?:min|mins|minutes?|mn|minuten)?\.?\s*", re.IGNORECASE)


def minutes(value: CellValue, what: str) -> str | None:
    """A time in whole minutes as digits ('25', from 25, 25.0 or '25 min'); None when the cell is not a number
    (a code such as N or X, looked up next). A negative or fractional number of minutes is a problem."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and (match := _MINUTES_RE.fullmatch(value)) is not None:
        number = float(match.group(1).replace(",", "."))
    else:
        return None
    if not number.is_integer() or number < 0:
        raise CellProblem("minutes_unreadable", f"{what} {shown(value)} is not a whole number of minutes (0 or more)")
    return str(int(number))


def code(value: CellValue, what: str, vocabulary: dict[str, str], answers: dict[str, str]) -> str | None:
    """The code for a clinic's word: the mapping's remembered answers first, then the vocabulary."""
    if value is None:
        return None
    word = fold(shown(value))
    found = answers.get(word) or vocabulary.get(word)
    if found is None:
        raise CellProblem(f"unknown_{what.replace(' ', '_')}", f"{what} '{shown(value)}' is not known: map it "
                                                                "to a code")
    return found
