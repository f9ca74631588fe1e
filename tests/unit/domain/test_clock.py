"""Local days for search filters, label dates and sample-ID years (stored times are UTC)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest

from biobank_desktop.core.domain.clock import local_date, local_midnight_utc


@pytest.fixture
def luxembourg(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Luxembourg")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_local_day_starts_at_the_local_midnight(luxembourg: None) -> None:
    assert local_midnight_utc(dt.date(2026, 3, 15)) == dt.datetime(2026, 3, 14, 23, 0, tzinfo=dt.UTC)
    # Summer time (UTC+2) is respected.
    assert local_midnight_utc(dt.date(2026, 7, 1)) == dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC)


def test_a_tube_collected_just_after_local_midnight_belongs_to_that_day(luxembourg: None) -> None:
    collected = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)  # 00:30 on 15 March in Luxembourg
    assert local_date(collected) == dt.date(2026, 3, 15)
