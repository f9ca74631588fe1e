"""A reception scan session as a state machine: the reception page, the CLI and the tests drive it, without Qt.

The technician opens a shipment and scans tubes one after another. Every scan is one call to the reception
service (one transaction: saved at once, seen by the other workstations) and gets an answer at once
(:class:`Feedback`: a big symbol, a tone, a headline, what to do next). Some answers leave a tube waiting
for a decision; the session then holds it as :attr:`ReceptionSession.pending` until the technician decides
(accept / quarantine / reject) or scans on (the tube stays waiting on the board, nothing is lost).

==============  ================================================  =====================
state           call                                              next state
==============  ================================================  =====================
READY           ``scan(code)`` → expected, duplicate, refused     READY
READY           ``scan(code)`` → unexpected / consent / time      DECIDING
DECIDING        ``accept(tube)`` / ``quarantine(reason)`` /       READY
                ``reject(reason)``
DECIDING        ``scan(next)`` (the tube stays pending)           READY or DECIDING
READY/DECIDING  a decision naming a waiting tube (``barcode=``,   READY if it was the
                a line picked on the board)                       pending one, else unchanged
DECIDING        the decision finds the tube already decided      READY (``RELOAD_BOARD``
                (another workstation got there first)             feedback)
READY/DECIDING  ``scan`` finds the shipment closed                CLOSED
any             the database is unreachable                       unchanged (``OFFLINE``
                                                                  feedback; scan again)
==============  ================================================  =====================

Rules: a decision outside DECIDING that names no tube raises :class:`ReceptionFlowError`; a refused decision (bad
input) leaves the session where it was, with the reason as feedback; a lost race (the tube was decided elsewhere)
says so and no longer holds the tube as pending. The reception page decides through the session too (any waiting
tube of the board, named by its barcode), so the session is the one place deciding what comes next. An empty scan is
ignored; a code that cannot be a tube's barcode (spaces, symbols, control characters) is refused with nothing
recorded ("scan again"); a scan that differs from a manifest barcode only in letter case (caps lock) is taken as
that barcode, and the answer says so.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ConflictError, DatabaseUnavailableError
from biobank_desktop.core.domain.ids import normalize_scan
from biobank_desktop.core.domain.reception import ScanOutcome
from biobank_desktop.core.services.changes import NO_CHANGES, Changes
from biobank_desktop.core.services.reception import Board, ReceptionService, ScanResult
from biobank_desktop.core.services.samples import NewSample


class ReceptionBackend(Protocol):
    """What the session needs from the reception service (for one shipment and one person)."""

    def receive(self, barcode: str, *, condition: str | None, comment: str, volume_ul: Decimal | None,
                label: bool, store: bool) -> tuple[ScanResult, Changes]: ...

    def accept(self, barcode: str, tube: NewSample, *, label: bool, store: bool) -> tuple[ScanResult, Changes]: ...

    def quarantine(self, barcode: str, reason: str, tube: NewSample | None) -> tuple[ScanResult, Changes]: ...

    def reject(self, barcode: str, reason: str) -> tuple[ScanResult, Changes]: ...

    def board(self) -> Board: ...

    def listed_barcode(self, scanned: str) -> str | None: ...


@dataclass(frozen=True)
class ServiceBackend:
    """The reception service acting for one person on one shipment."""

    service: ReceptionService
    actor: Actor
    shipment: str

    def receive(self, barcode: str, *, condition: str | None, comment: str, volume_ul: Decimal | None,
                label: bool, store: bool) -> tuple[ScanResult, Changes]:
        done = self.service.receive(self.actor, self.shipment, barcode, condition=condition, comment=comment,
                                    volume_ul=volume_ul, label=label, store=store)
        return done.value, done.changes

    def accept(self, barcode: str, tube: NewSample, *, label: bool, store: bool) -> tuple[ScanResult, Changes]:
        done = self.service.accept_unexpected(self.actor, self.shipment, barcode, tube, label=label, store=store)
        return done.value, done.changes

    def quarantine(self, barcode: str, reason: str, tube: NewSample | None) -> tuple[ScanResult, Changes]:
        done = self.service.quarantine(self.actor, self.shipment, barcode, reason, tube=tube)
        return done.value, done.changes

    def reject(self, barcode: str, reason: str) -> tuple[ScanResult, Changes]:
        done = self.service.reject(self.actor, self.shipment, barcode, reason)
        return done.value, done.changes

    def board(self) -> Board:
        return self.service.board(self.shipment)

    def listed_barcode(self, scanned: str) -> str | None:
        return self.service.listed_barcode(self.shipment, scanned)


#: What a tube's barcode can be made of (Code 128, Data Matrix as clinics print them): letters, digits and a
#: few separators, no spaces, no control characters. Anything else is a misread or a key pressed by mistake.
_TUBE_BARCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-._/+:]*")


def is_tube_barcode(code: str) -> bool:
    """``code`` (as :func:`normalize_scan` left it) can be a tube's barcode (see :data:`_TUBE_BARCODE`)."""
    return code.isascii() and _TUBE_BARCODE.fullmatch(code) is not None


class State(StrEnum):
    READY = "ready"
    DECIDING = "deciding"
    CLOSED = "closed"


class NextStep(StrEnum):
    """What the technician does after this answer."""

    SCAN_NEXT = "scan_next"  # put the tube in the rack, scan the next one
    SET_ASIDE = "set_aside"  # put the tube aside (another shipment's, already a sample, not a tube): scan the next
    DECIDE_UNEXPECTED = "decide_unexpected"  # register it with what you know, or reject it
    DECIDE_STOP = "decide_stop"  # accept into quarantine with a reason, or reject it
    CHECK_BOARD = "check_board"  # the connection broke: look at the board before scanning this tube again
    RELOAD_BOARD = "reload_board"  # another workstation decided first: nothing changed here; read the board again
    RETRY = "retry"  # nothing was recorded: scan it again when the database answers
    FIX_INPUT = "fix_input"  # a refused decision or input: correct it and try again
    DONE = "done"  # the shipment is closed


_NEXT: dict[ScanOutcome, NextStep] = {
    ScanOutcome.EXPECTED: NextStep.SCAN_NEXT, ScanOutcome.UNLABELLED: NextStep.SCAN_NEXT,
    ScanOutcome.DECIDED: NextStep.SCAN_NEXT, ScanOutcome.DUPLICATE: NextStep.SCAN_NEXT,
    ScanOutcome.UNEXPECTED: NextStep.DECIDE_UNEXPECTED, ScanOutcome.CONSENT_STOP: NextStep.DECIDE_STOP,
    ScanOutcome.TIME_STOP: NextStep.DECIDE_STOP, ScanOutcome.DATA_STOP: NextStep.DECIDE_STOP,
    ScanOutcome.OTHER_SHIPMENT: NextStep.SET_ASIDE,
    ScanOutcome.ACCESSIONED: NextStep.SET_ASIDE, ScanOutcome.NOT_A_TUBE: NextStep.SET_ASIDE,
    ScanOutcome.SHIPMENT_CLOSED: NextStep.DONE,
}


@dataclass(frozen=True)
class Feedback:
    """What the screen shows (and the speaker plays) after a scan or a decision.

    ``tone``: ok (green ✓) / warning (amber ⚠) / error (red ✗); ``result``: the service's answer (None when
    the call failed before one existed); ``changes``: what to refresh."""

    tone: str
    symbol: str
    headline: str
    detail: str
    next_step: NextStep
    scanned: str | None = None
    result: ScanResult | None = None
    changes: Changes = NO_CHANGES


class ReceptionFlowError(BiobankError):
    """A decision asked for while no tube waits for one (a sequencing mistake, worded for the person)."""


@dataclass
class ReceptionSession:
    """One technician receiving one shipment at one workstation; see the module docstring.

    ``condition``/``comment``/``volume_ul`` apply to the next scan only (then reset); ``label``/``store``
    are standing options (accepted tubes get their label / a position at once)."""

    backend: ReceptionBackend
    label: bool = False
    store: bool = False
    state: State = State.READY
    pending: ScanResult | None = None
    history: list[Feedback] = field(default_factory=list)
    condition: str | None = None
    comment: str = ""
    volume_ul: Decimal | None = None

    def scan(self, text: str) -> Feedback | None:
        """Receive the scanned code (None for an empty scan). Never raises a BiobankError: the answer says it."""
        code = normalize_scan(text)
        if not code:
            return None
        if not is_tube_barcode(code):
            shown = "".join(c if c.isprintable() else "·" for c in code)
            return self._remember(Feedback(
                "error", "✗", f"{shown} is not a barcode — scan again", "Nothing was recorded. A tube's barcode "
                "has letters, digits and - . / _ + : only (no spaces). Scan the tube again, or type its code.",
                NextStep.RETRY, code))
        condition, comment, volume = self.condition, self.comment, self.volume_ul
        self.condition, self.comment, self.volume_ul = None, "", None
        typed = code
        try:
            if code != code.upper():  # caps lock on? The manifest's barcode differs only in case
                code = self.backend.listed_barcode(code) or code
            result, changes = self.backend.receive(code, condition=condition, comment=comment, volume_ul=volume,
                                                   label=self.label, store=self.store)
        except DatabaseUnavailableError as exc:
            return self._fault(code, exc)
        except BiobankError as exc:
            return self._remember(Feedback("error", "✗", exc.message, exc.hint or "", NextStep.FIX_INPUT, code))
        if result.outcome is ScanOutcome.SHIPMENT_CLOSED:
            self.state, self.pending = State.CLOSED, None
        elif result.needs_decision:
            self.state, self.pending = State.DECIDING, result
        else:
            self.state = State.READY if self.state is not State.CLOSED else self.state
            self.pending = None
        answer = self._answer(code, result, changes)
        if typed != code:
            answer = dataclasses.replace(answer, detail=f"Scanned as {typed} (caps lock?): taken as the manifest's "
                                                        f"{code}. " + answer.detail)
            self.history[-1] = answer
        return answer

    def accept(self, tube: NewSample, *, barcode: str | None = None) -> Feedback:
        """Register the waiting unlisted tube (the pending one, or ``barcode``) with what the technician knows."""
        code = self._waiting(barcode)
        return self._decide(code, lambda: self.backend.accept(code, tube, label=self.label, store=self.store))

    def quarantine(self, reason: str, tube: NewSample | None = None, *, barcode: str | None = None) -> Feedback:
        """Accept the waiting tube (the pending one, or ``barcode``) into quarantine (an unlisted one needs
        ``tube``)."""
        code = self._waiting(barcode)
        return self._decide(code, lambda: self.backend.quarantine(code, reason, tube))

    def reject(self, reason: str, *, barcode: str | None = None) -> Feedback:
        """Reject the waiting tube (the pending one, or ``barcode``), with the reason (it stays on the discrepancy
        report)."""
        code = self._waiting(barcode)
        return self._decide(code, lambda: self.backend.reject(code, reason))

    def board(self) -> Board:
        return self.backend.board()

    # -- inside ----------------------------------------------------------------------------------------------

    def _waiting(self, barcode: str | None) -> str:
        """The barcode to decide: ``barcode`` (a waiting tube picked on the board), else the pending tube's."""
        if barcode is not None:
            return normalize_scan(barcode)
        if self.state is not State.DECIDING or self.pending is None:
            raise ReceptionFlowError("No tube is waiting for a decision.", hint="Scan a tube first.")
        return _barcode(self.pending)

    def _decide(self, code: str, call: _Call) -> Feedback:
        pending = self.pending
        mine = pending is not None and _barcode(pending) == code
        try:
            result, changes = call()
        except DatabaseUnavailableError as exc:
            return self._fault(code, exc)
        except ConflictError as exc:  # decided elsewhere (or the shipment closed): it waits no longer
            if mine:
                self.state, self.pending = State.READY, None
            return self._remember(Feedback("error", "✗", exc.message, exc.hint or "", NextStep.RELOAD_BOARD, code))
        except BiobankError as exc:
            return self._remember(Feedback("error", "✗", exc.message, exc.hint or "", NextStep.FIX_INPUT, code,
                                           pending if mine else None))
        if mine:
            self.state, self.pending = State.READY, None
        return self._answer(code, result, changes)

    def _answer(self, code: str, result: ScanResult, changes: Changes) -> Feedback:
        return self._remember(Feedback(result.tone, result.symbol, result.message, result.hint,
                                       _NEXT[result.outcome], code, result, changes))

    def _fault(self, code: str, exc: DatabaseUnavailableError) -> Feedback:
        maybe = "may or may not" in exc.message
        step = NextStep.CHECK_BOARD if maybe else NextStep.RETRY
        headline = exc.message if maybe else f"{code} was NOT recorded: {exc.message}"
        return self._remember(Feedback("error", "✗", headline, exc.hint or "", step, code))

    def _remember(self, feedback: Feedback) -> Feedback:
        self.history.append(feedback)
        return feedback


class _Call(Protocol):
    def __call__(self) -> tuple[ScanResult, Changes]: ...


def _barcode(result: ScanResult) -> str:
    return result.barcode or ""

