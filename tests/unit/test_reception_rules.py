"""Reception's plain rules (condition codes, consent, time order, study prefixes) and the scan session's state
machine driven through a fake backend — no database, no Qt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from biobank_desktop.core.domain.errors import ConflictError, DatabaseUnavailableError, ValidationError
from biobank_desktop.core.domain.reception import (
    ScanOutcome,
    checked_condition,
    checked_prefix,
    consent_verdict,
    impossible_times,
    time_order_problem,
)
from biobank_desktop.core.flows.reception import NextStep, ReceptionFlowError, ReceptionSession, State
from biobank_desktop.core.services.changes import NO_CHANGES, Changes
from biobank_desktop.core.services.reception import Board, BoardTube, ScanResult
from biobank_desktop.core.services.samples import NewSample

T = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def test_condition_codes_forgive_case_and_spelling_but_not_nonsense() -> None:
    assert checked_condition(None) == "OK"
    assert checked_condition(" hemolyzed ") == "HAEMOLYSED"
    assert checked_condition("insufficient volume") == "LOW_VOLUME"
    assert checked_condition("wrong-tube-type") == "WRONG_TUBE"
    with pytest.raises(ValidationError, match="not a tube condition"):
        checked_condition("purple")


def test_the_newest_recorded_consent_decides_and_the_manifest_counts_only_without_one() -> None:
    assert consent_verdict(["given"], False).valid
    assert not consent_verdict(["withdrawn", "given"], True).valid
    assert not consent_verdict(["refused"], True).valid
    confirmed = consent_verdict([], True)
    assert confirmed.valid and confirmed.record_from_manifest
    assert not consent_verdict([], False).valid and not consent_verdict([], None).valid


def test_nothing_happens_to_a_tube_before_it_was_collected() -> None:
    assert time_order_problem(T, received_at=T + dt.timedelta(hours=3)) is None
    assert "after the reception" in (time_order_problem(T, received_at=T - dt.timedelta(minutes=1)) or "")
    assert "ends" in (time_order_problem(None, centrifuged_at=T, centrifugation_ended_at=T - dt.timedelta(1)) or "")
    assert time_order_problem(None, received_at=T) is None  # an unknown time is not checked
    spin = time_order_problem(None, centrifuged_at=T + dt.timedelta(seconds=30), centrifugation_ended_at=T)
    assert "ends (2026-11-02 08:00) before it starts (2026-11-02 08:00:30)" in (spin or "")  # to the second


@pytest.mark.parametrize(("prefix", "ok"), [("lung", "LUNG"), ("CRC", "CRC"), ("BOX", None), ("L", None),
                                            ("LUNGS1", None), ("LÜNG", None), ("RCK", None)])
def test_study_prefixes_are_two_to_five_plain_letters_and_not_a_storage_code(prefix: str, ok: str | None) -> None:
    if ok is None:
        with pytest.raises(ValidationError):
            checked_prefix(prefix)
    else:
        assert checked_prefix(prefix) == ok


def _tube(barcode: str, decision: str) -> BoardTube:
    return BoardTube(1, None, barcode, "pending" if decision == "pending" else "received", "unexpected", decision,
                     None, "OK", "", None, None, None, None, None, None, "tom", T, "WS", None)


class FakeBackend:
    def __init__(self) -> None:
        self.down = False
        self.calls: list[str] = []
        self.decided_elsewhere: set[str] = set()

    def receive(self, barcode: str, *, condition: str | None, comment: str, volume_ul: Decimal | None,
                label: bool, store: bool) -> tuple[ScanResult, Changes]:
        self.calls.append(f"receive {barcode} {condition}")
        if self.down:
            raise DatabaseUnavailableError("The database server cannot be reached.")
        if barcode == "CLOSED":
            return ScanResult(barcode, ScanOutcome.SHIPMENT_CLOSED, "closed"), NO_CHANGES
        if barcode.startswith("CL"):
            return ScanResult(barcode, ScanOutcome.EXPECTED, "Expected", sample_code="BB-1", recorded=True), NO_CHANGES
        return ScanResult(barcode, ScanOutcome.UNEXPECTED, "Not on this manifest", tube=_tube(barcode, "pending"),
                          recorded=True), NO_CHANGES

    def accept(self, barcode: str, tube: NewSample, *, label: bool, store: bool) -> tuple[ScanResult, Changes]:
        self.calls.append(f"accept {barcode} {tube.study_code}")
        return ScanResult(barcode, ScanOutcome.DECIDED, "Registered", tube=_tube(barcode, "accepted")), NO_CHANGES

    def quarantine(self, barcode: str, reason: str, tube: NewSample | None) -> tuple[ScanResult, Changes]:
        raise AssertionError("not used")

    def reject(self, barcode: str, reason: str) -> tuple[ScanResult, Changes]:
        self.calls.append(f"reject {barcode} {reason}")
        if barcode in self.decided_elsewhere:
            raise ConflictError(f"{barcode} was already rejected by anna.", hint="Nothing was changed.")
        return ScanResult(barcode, ScanOutcome.DECIDED, "Rejected", tube=_tube(barcode, "rejected")), NO_CHANGES

    def board(self) -> Board:
        raise AssertionError("not used")

    def listed_barcode(self, scanned: str) -> str | None:
        return None


def test_the_scan_session_moves_between_ready_deciding_and_closed() -> None:
    backend = FakeBackend()
    session = ReceptionSession(backend)
    assert session.scan("   ") is None and backend.calls == []
    session.condition = "BROKEN"
    ok = session.scan("CL1")
    assert ok is not None and (ok.symbol, ok.next_step) == ("✓", NextStep.SCAN_NEXT) and session.state is State.READY
    assert backend.calls == ["receive CL1 BROKEN"] and session.condition is None  # the condition was for one scan
    with pytest.raises(ReceptionFlowError):
        session.reject("why")
    odd = session.scan("ZZ")
    assert odd is not None and odd.next_step is NextStep.DECIDE_UNEXPECTED and session.state is State.DECIDING
    decided = session.accept(NewSample("LUNG", "PL1"))
    assert decided.symbol == "✓" and session.state is State.READY and backend.calls[-1] == "accept ZZ LUNG"
    session.scan("YY")
    rejected = session.reject("unknown origin")
    assert rejected.tone == "warning" and session.pending is None
    backend.down = True
    lost = session.scan("CL2")
    assert lost is not None and lost.next_step is NextStep.RETRY and "NOT recorded" in lost.headline
    backend.down = False
    closed = session.scan("CLOSED")
    assert closed is not None and closed.next_step is NextStep.DONE and session.state is State.CLOSED
    assert len(session.history) == 7


def test_freezing_comes_after_the_centrifugation() -> None:
    spun = {"centrifuged_at": T, "centrifugation_ended_at": T + dt.timedelta(minutes=15)}
    assert time_order_problem(T - dt.timedelta(hours=1), **spun, frozen_at=T + dt.timedelta(hours=1)) is None
    assert "freezing" in (time_order_problem(None, **spun, frozen_at=T + dt.timedelta(minutes=5)) or "")
    assert "freezing" in (time_order_problem(None, centrifuged_at=T, frozen_at=T - dt.timedelta(minutes=5)) or "")


def test_impossible_times_names_what_not_to_record() -> None:
    hour = dt.timedelta(hours=1)
    assert impossible_times(T, centrifuged_at=T + hour, frozen_at=T + 2 * hour, received_at=T + 3 * hour) == ()
    assert impossible_times(T + 5 * hour, received_at=T) == ("collected_at",)  # reception is never dropped
    assert impossible_times(T, centrifuged_at=T + hour, centrifugation_ended_at=T + hour / 2) == (
        "centrifugation_ended_at",)
    assert impossible_times(T + 9 * hour, centrifuged_at=T, centrifugation_ended_at=T + hour,
                            frozen_at=T + hour / 2) == ("collected_at", "frozen_at")


def test_the_board_decides_any_waiting_tube_through_the_session_and_a_lost_race_frees_the_pending_one() -> None:
    backend = FakeBackend()
    session = ReceptionSession(backend)
    session.scan("AA")
    session.scan("BB")  # BB is pending now; AA waits on the board
    assert session.pending is not None and session.pending.barcode == "BB"
    other = session.reject("unknown origin", barcode=" AA")  # a line picked on the board, not the pending tube
    assert other.tone == "warning" and backend.calls[-1] == "reject AA unknown origin"
    assert session.state is State.DECIDING and session.pending.barcode == "BB"  # BB still waits
    backend.decided_elsewhere.add("BB")
    lost = session.reject("broken", barcode="BB")
    assert lost.next_step is NextStep.RELOAD_BOARD and "anna" in lost.headline and lost.result is None
    assert session.state is State.READY and session.pending is None  # decided elsewhere: it waits no longer
    with pytest.raises(ReceptionFlowError):
        session.reject("why")
