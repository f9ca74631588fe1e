"""The audit chain: each event's hash covers its content and the hash of the event before it.

Pure functions, shared by the writer (the unit of work) and the verifier, so both compute the hash
from exactly the same canonical bytes. Changing :func:`canonical_content` invalidates every stored
chain: it must stay as it is (a new format would need a version field).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from biobank_desktop.core.domain.errors import ValidationError

GENESIS_HASH = "0" * 64
_ANCHOR_RE = re.compile(r"([0-9]{1,18}):([0-9a-f]{64})")


def to_jsonable(value: Any) -> Any:
    """Turn a value into plain JSON types, deterministically (Decimal and dates become strings)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


@dataclass(frozen=True)
class AuditRecord:
    """One audit event as it is hashed and stored."""

    seq: int
    occurred_at: dt.datetime  # UTC, naive or aware
    username: str
    workstation: str
    action: str
    entity_type: str
    entity_id: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


def canonical_content(record: AuditRecord, prev_hash: str) -> bytes:
    """The exact bytes the hash is computed over."""
    payload = {
        "seq": record.seq,
        "occurred_at": to_jsonable(record.occurred_at),
        "username": record.username,
        "workstation": record.workstation,
        "action": record.action,
        "entity_type": record.entity_type,
        "entity_id": record.entity_id,
        "summary": record.summary,
        "before": to_jsonable(record.before),
        "after": to_jsonable(record.after),
        "reason": record.reason,
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def chain_hash(record: AuditRecord, prev_hash: str) -> str:
    """SHA-256 (hex) of the record's canonical content chained to ``prev_hash``."""
    return hashlib.sha256(canonical_content(record, prev_hash)).hexdigest()


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after) pairs for an audit event."""
    keys = [k for k in after if to_jsonable(before.get(k)) != to_jsonable(after.get(k))]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@dataclass(frozen=True)
class AuditAnchor:
    """The newest event's number and hash, written down outside the database (``SEQ:HASH``).

    The chain alone cannot show a consistent rewrite of its tail (every hash recomputed, the head
    moved to match); an anchor kept on paper, in a ticket or in another system can.
    """

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> AuditAnchor:
        """``SEQ:HASH`` as ``verify-audit`` prints it; ValidationError saying what is wrong otherwise."""
        cleaned = text.strip().lower()
        match = _ANCHOR_RE.fullmatch(cleaned)
        if match is None or int(match.group(1)) < 1:
            shown = cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."
            raise ValidationError(
                f"'{shown}' is not an audit anchor.",
                hint="Give it as SEQ:HASH, the event number and its 64-character hash, exactly as "
                     "'db verify-audit' printed them.")
        return cls(int(match.group(1)), match.group(2))
