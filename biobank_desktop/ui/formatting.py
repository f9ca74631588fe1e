"""How values are written on screen: local times, volumes, counts, audit before/after values.

Times are stored in UTC and shown in the workstation's local time zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from biobank_desktop.core.domain.volumes import format_volume

DASH = "—"


def local_time(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """'2026-03-04 14:02' in local time; '—' for None. Naive values are taken as UTC."""
    if value is None:
        return DASH
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_zone_name() -> str:
    return dt.datetime.now().astimezone().tzname() or "local time"


def volume(value: Decimal | None) -> str:
    return DASH if value is None else format_volume(value)


def count(n: int, exact: bool = True) -> str:
    """'1,234' or '10,000+'."""
    return f"{n:,}" if exact else f"{n:,}+"


def plural(n: int, word: str, exact: bool = True) -> str:
    return f"{count(n, exact)} {word}{'' if n == 1 and exact else 's'}"


def audit_value(value: Any) -> str:
    """A before/after value as a technician reads it."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 20 and value.endswith("Z") and "T" in value:
        try:  # the audit trail stores times as ISO UTC ("2026-03-04T13:02:00.000000Z")
            return local_time(dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=dt.UTC))
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return ", ".join(audit_value(v) for v in value) or DASH
    if isinstance(value, dict):
        return "; ".join(f"{k}: {audit_value(v)}" for k, v in value.items())
    return str(value)


def field_name(key: str) -> str:
    return key.replace("_ul", " (µL)").replace("_", " ")


def audit_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """'status: available → reserved; notes: — → thawed once' (one line, for a table cell)."""
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*after.keys(), *before.keys()]))
    parts = []
    for key in keys:
        if key in before and key in after:
            parts.append(f"{field_name(key)}: {audit_value(before[key])} → {audit_value(after[key])}")
        elif key in after:
            parts.append(f"{field_name(key)}: {audit_value(after[key])}")
        else:
            parts.append(f"{field_name(key)} was {audit_value(before[key])}")
    return "; ".join(parts)
