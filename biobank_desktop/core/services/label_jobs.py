"""What the labelling service hands its callers about print jobs and rules: frozen records, no ORM objects.

Re-exported by :mod:`biobank_desktop.core.services.labelling`, where callers import them from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.services.changes import NO_CHANGES, Changes

__all__ = ["JobInfo", "JobItemInfo", "PrintResult", "RuleInfo"]


@dataclass(frozen=True)
class JobItemInfo:
    position: int
    sample_code: str
    status: str
    sent_at: dt.datetime | None


@dataclass(frozen=True)
class JobInfo:
    id: int
    created_at: dt.datetime
    created_by: str
    workstation: str
    source: str
    template_name: str
    printer_name: str | None
    status: str
    is_reprint: bool
    reason: str | None
    message: str
    printed_at: dt.datetime | None
    total: int
    sent: int
    items: tuple[JobItemInfo, ...] = ()


@dataclass(frozen=True)
class PrintResult:
    job: JobInfo
    sent_now: int
    error: BiobankError | None  # the printer problem, when the job did not print completely
    changes: Changes = NO_CHANGES  # what the print changed (the job, its labels), for views to refresh
    positions: tuple[int, ...] = ()  # the labels this print took (read when it claimed the job), in order

    @property
    def complete(self) -> bool:
        return self.job.status == "printed"


@dataclass(frozen=True)
class RuleInfo:
    id: int
    study_code: str | None
    sample_type: str | None
    workstation: str | None
    template_name: str
    printer_name: str | None
