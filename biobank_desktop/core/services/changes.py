"""What mutating services return: the one :class:`Changes` record, or a :class:`Result` carrying a value too.

Every mutating service returns ``Changes`` (or ``Result[T]`` when the caller also needs a value, such as
the user it created or the jobs it queued). The UI imports both from here, never from ``core.db``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from biobank_desktop.core.domain.changes import (
    ALIQUOT_BATCH,
    ALIQUOT_PROTOCOL,
    CONSENT,
    CONTAINER,
    DATABASE,
    EXPORT,
    IMPORT,
    LABEL_JOB,
    LABEL_TEMPLATE,
    NO_CHANGES,
    PARTICIPANT,
    PRINT_JOB,
    PRINT_RULE,
    SAMPLE,
    SETTING,
    SHIPMENT,
    SITE,
    STUDY,
    USER,
    Changes,
)

T = TypeVar("T")

__all__ = [
    "ALIQUOT_BATCH", "ALIQUOT_PROTOCOL", "CONSENT", "CONTAINER", "DATABASE", "EXPORT", "IMPORT", "LABEL_JOB",
    "LABEL_TEMPLATE", "NO_CHANGES", "PARTICIPANT", "PRINT_JOB", "PRINT_RULE", "SAMPLE", "SETTING", "SHIPMENT",
    "SITE", "STUDY", "USER",
    "Changes",
    "Result",
]


@dataclass(frozen=True)
class Result(Generic[T]):
    """A mutating service's answer when it also hands back a value (a new user, the jobs it queued)."""

    value: T
    changes: Changes = field(default=NO_CHANGES)
