"""Days as the people at the bench count them.

Times are stored in UTC; a "day" (a search filter, the date on a label, the year in a sample ID)
is the workstation's local calendar day, the same one the screens show.
"""

from __future__ import annotations

import datetime as dt


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in the local time zone (daylight saving time respected)."""
    return dt.datetime(day.year, day.month, day.day).astimezone().astimezone(dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    """The local calendar day of an aware UTC instant (a tube collected at 00:30 local belongs to that day)."""
    return moment.astimezone().date()


def local_today() -> dt.date:
    return dt.datetime.now().astimezone().date()
