"""How values are written on screen: local times, volumes, counts, audit before/after values.

Times are stored in UTC and shown in the workstation's local time zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QCoreApplication

from biobank_desktop.core.domain.volumes import format_volume

DASH = "—"

#: What each audit action is called on screen. The trail keeps the internal name (``sample.status_changed``);
#: people read these. An action missing here is shown from its name ("sample.box_moved" -> "Sample: box moved").
ACTION_TEXTS: dict[str, str] = {
    "account.locked": "Account locked",
    "consent.recorded": "Consent recorded",
    "consent.withdrawn": "Consent withdrawn",
    "database.upgraded": "Database upgraded",
    "demo.generated": "Demo data generated",
    "label_template.added": "Label template added",
    "label_template.changed": "Label template changed",
    "label_template.deleted": "Label template deleted",
    "labels.doubtful_resolved": "Doubtful labels resolved",
    "labels.job_cancelled": "Print job cancelled",
    "labels.print_started": "Printing started",
    "labels.printed": "Labels printed",
    "labels.queued": "Labels queued",
    "labels.reprint_queued": "Reprint queued",
    "labels.reprinted": "Labels reprinted",
    "login.failed": "Login failed",
    "login.refused": "Login refused",
    "login.succeeded": "Logged in",
    "participant.added": "Participant added",
    "print_rule.added": "Print rule added",
    "print_rule.deleted": "Print rule deleted",
    "sample.barcode_added": "Barcode added",
    "sample.notes_changed": "Notes changed",
    "sample.registered": "Sample registered",
    "sample.sprec_overridden": "SPREC code corrected",
    "sample.status_changed": "Status changed",
    "sample.update": "Sample changed",
    "site.added": "Partner site added",
    "study.added": "Study added",
    "user.added": "User added",
    "user.deactivated": "User deactivated",
    "user.password_changed": "Password changed",
    "user.password_reset": "Password reset",
    "user.reactivated": "User reactivated",
    "user.role_changed": "Role changed",
    "user.unlocked": "Account unlocked",
}


def action_text(action: str) -> str:
    """An audit action as people read it: 'Status changed' for ``sample.status_changed``."""
    known = ACTION_TEXTS.get(action)
    if known is not None:
        return QCoreApplication.translate("formatting", known)
    area, _, verb = action.partition(".")
    if not verb:
        return action.replace("_", " ").capitalize()
    return f"{area.replace('_', ' ').capitalize()}: {verb.replace('_', ' ')}"


def tr(context: str, text: str) -> str:
    """``QCoreApplication.translate`` for code outside a QObject (a dataclass, a module function)."""
    return QCoreApplication.translate(context, text)


def tr_n(context: str, text: str, n: int) -> str:
    """``text`` with ``%n`` replaced by ``n``, in the singular or plural the translation chooses
    (``tr_n("search", "%n sample(s)", 1)`` -> "1 sample"; the English plural forms live in the source text)."""
    translated = QCoreApplication.translate(context, text, "", n)
    if translated == text.replace("%n", str(n)):  # no translation loaded: English singular/plural from "(s)"
        return text.replace("(s)", "" if n == 1 else "s").replace("%n", f"{n:,}")
    return translated


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
    """'1 sample', '2 samples', '10,000+ samples' (``word`` is an English noun with a regular plural)."""
    if not exact:
        return f"{count(n, exact)} {word}s"
    return tr_n("formatting", f"%n {word}(s)", n)


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
