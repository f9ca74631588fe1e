"""The job contract: long work is a plain function that reports progress and polls for cancellation.

Every long operation in core (import, export, batch printing, batch aliquoting, demo data, audit
verification) takes the two callables below and nothing from any GUI toolkit, so the same function runs
on the GUI's worker thread, in the CLI with a text progress line, and in tests with no-ops.

Contract for a job function:

- call ``progress(fraction, text)`` now and then, ``fraction`` in 0..1 (it may stay at 0 when the total is
  unknown), ``text`` a short sentence a technician can read;
- call ``cancelled()`` at safe points (between chunks, before commit); when it returns True, raise
  :class:`Cancelled` *before* committing, so a cancelled job leaves the database exactly as before;
- once the job has committed it must not raise :class:`Cancelled`: a finished write is reported as done.
"""

from __future__ import annotations

from collections.abc import Callable

from biobank_desktop.core.domain.errors import OperationCancelledError

ProgressFn = Callable[[float, str], None]
"""``progress(fraction, text)``: fraction in 0..1, text a short human sentence."""

CancelledFn = Callable[[], bool]
"""``cancelled()``: True once the person asked to stop."""

Cancelled = OperationCancelledError
"""Raised by a job that stopped on request before committing (nothing was kept)."""


def no_progress(_fraction: float, _text: str) -> None:
    """A ``ProgressFn`` that reports nowhere (tests, nested calls)."""


def never_cancelled() -> bool:
    """A ``CancelledFn`` for work that cannot be cancelled."""
    return False


def check_cancelled(cancelled: CancelledFn, message: str) -> None:
    """Raise :class:`Cancelled` with ``message`` (what was not kept) when the person asked to stop."""
    if cancelled():
        raise Cancelled(message)


def scaled(progress: ProgressFn, start: float, end: float) -> ProgressFn:
    """A ``ProgressFn`` for one step of a longer job: its 0..1 maps onto ``start``..``end`` of the whole."""

    def report(fraction: float, text: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), text)

    return report
