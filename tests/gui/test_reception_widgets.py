"""The reception page's parts that need no database: the board's table models (qtmodeltester), the big scan
verdict and its sounds, the forms' checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from biobank_desktop.core.domain.reception import ScanOutcome
from biobank_desktop.core.services.dto import SiteInfo, StudyInfo
from biobank_desktop.core.services.reception import (
    ArrivalConditions,
    BoardCounts,
    BoardTube,
    ScanResult,
    ShipmentDetails,
    ShipmentInfo,
)
from biobank_desktop.ui.models.reception import BoardFilter, BoardTubeModel, ShipmentListModel, tube_state_text
from biobank_desktop.ui.pages.reception.dialogs import ArrivalDialog, NewShipmentDialog, RegisterTubeDialog
from biobank_desktop.ui.pages.reception.feedback import ScanVerdict

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def tube(n: int, **changes: object) -> BoardTube:
    values: dict[str, object] = {
        "receipt_id": None, "expected_tube_id": n, "barcode": f"0531{n:05d}", "state": "missing", "outcome": None,
        "decision": None, "stop": None, "condition": None, "comment": "", "study": "LUNG", "pseudonym": f"P-{n}",
        "sample_type": "SER", "volume_ul": Decimal("500"), "sample_code": None, "decision_reason": None,
        "scanned_by": None, "scanned_at": None, "workstation": None, "source_row": n + 3}
    return BoardTube(**(values | changes))  # type: ignore[arg-type]


def received(n: int, **changes: object) -> BoardTube:
    values: dict[str, object] = {"receipt_id": 100 + n, "state": "received", "outcome": "expected",
                                 "decision": "accepted", "condition": "OK", "sample_code": f"BB-2026-{n:06d}X",
                                 "scanned_by": "tom", "scanned_at": NOW, "workstation": "BENCH-1"}
    return tube(n, **(values | changes))


def test_the_board_model_updates_one_line_per_scan_and_filters(qtmodeltester):
    model = BoardTubeModel()
    model.set_rows([tube(1), tube(2), tube(3)])
    qtmodeltester.check(model)
    assert model.put(received(2)) == 1  # the listed tube's line changes, nothing is added
    assert model.rowCount() == 3 and model.data(model.index(1, 1)) == "✓ Received"
    unlisted = tube(0, expected_tube_id=None, receipt_id=900, barcode="ZZ-1", state="pending", outcome="unexpected",
                    decision="pending", study=None, pseudonym=None, sample_type=None, source_row=None)
    assert model.put(unlisted) == 3  # an unlisted tube is added at the end
    assert model.put(unlisted) == 3  # and found again by its receipt
    assert model.data(model.index(3, 1)) == "⚠ Decide: not listed"
    assert model.put(received(3, condition="HAEMOLYSED", comment="pink")) == 2
    proxy = BoardFilter(model)
    qtmodeltester.check(proxy)
    counts = {}
    for key in ("all", "missing", "received", "unexpected", "damaged", "pending"):
        proxy.set_key(key)
        counts[key] = proxy.rowCount()
    assert counts == {"all": 4, "missing": 1, "received": 3, "unexpected": 1, "damaged": 1, "pending": 1}
    proxy.set_key("damaged")
    assert proxy.data(proxy.index(0, 2)) == "Haemolysed" and proxy.data(proxy.index(0, 7)) == "pink"


def test_state_words_say_what_colour_says():
    assert tube_state_text(tube(1)) == "— Missing"
    assert tube_state_text(tube(1, receipt_id=5, state="pending", decision="pending", stop="consent")) == \
        "⚠ Decide: no consent"
    assert tube_state_text(received(1, decision="rejected")) == "✗ Rejected"
    # Quarantine is not acceptance: amber ⚠ on the list and in the big answer, never the green ✓.
    assert tube_state_text(received(1, decision="quarantined")) == "⚠ Quarantined"
    done = ScanResult("0531", ScanOutcome.DECIDED, "In quarantine", tube=received(1, decision="quarantined"))
    assert (done.tone, done.symbol) == ("warning", "⚠")


def test_the_shipment_list_model(qtmodeltester):
    info = ShipmentInfo(1, "SH-2026-0001", "CLINIC", "Example Clinic", "receiving", "partly received", True, "m.xlsx",
                        ShipmentDetails(courier="Marken", tracking_number="MK-1"), ArrivalConditions(), "tom", NOW,
                        None, None, None, BoardCounts(expected=5, received=2, missing=3, damaged=1))
    model = ShipmentListModel()
    model.set_rows([info])
    qtmodeltester.check(model)
    texts = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert texts == ["SH-2026-0001", "CLINIC", "Partly received", "2026-12-01", "Marken · MK-1", "2 / 5", "3", "0",
                     "1", "0"]


@pytest.mark.parametrize(("verdict", "beeps"), [("ok", 0), ("warn", 1), ("error", 2)])
def test_the_verdict_is_big_and_beeps_once_for_a_warning_twice_for_a_refusal(qtbot, monkeypatch, verdict, beeps):
    heard: list[int] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: heard.append(1)))
    panel = ScanVerdict(sound=True)
    qtbot.addWidget(panel)
    panel.show_verdict(verdict, "Headline", "what to do")
    assert panel.symbol.text() == {"ok": "✓", "warn": "⚠", "error": "✗"}[verdict]
    assert panel.property("verdict") == verdict
    assert panel.symbol.fontInfo().pointSize() >= 40 and panel.headline.fontInfo().pointSize() >= 18
    qtbot.wait(250)  # the second beep of a refusal comes a moment later, so that the two are heard apart
    assert len(heard) == beeps
    panel.sound = False
    panel.show_verdict("error", "again")
    qtbot.wait(250)
    assert len(heard) == beeps  # sound off: silent


def test_the_forms_keep_ok_disabled_until_they_are_complete(qtbot):
    new = NewShipmentDialog([SiteInfo(1, "CLINIC", "Example Clinic", "", "LU", True)])
    qtbot.addWidget(new)
    assert not new.ok_button.isEnabled() and "partner site" in new.problem_label.text()
    new.partner.setCurrentIndex(1)
    qtbot.keyClicks(new.tracking, "1Z999")
    qtbot.keyClick(new.tracking, Qt.Key.Key_Return)  # a scanner's Enter moves on, it does not confirm
    assert new.result() == 0 and new.ok_button.isEnabled()
    assert new.values()["partner"] == "CLINIC" and new.values()["tracking"] == "1Z999"

    arrival = ArrivalDialog({"ambient": "ambient", "dry_ice": "frozen on dry ice"},
                            {"yes": "dry ice left", "no": "no dry ice left", "na": "not applicable"}, {})
    qtbot.addWidget(arrival)
    arrival.temperature.setCurrentIndex(arrival.temperature.findData("dry_ice"))
    arrival.intact.setChecked(True)
    arrival.temperature_c.setText("minus seventy")
    assert not arrival.ok_button.isEnabled() and "number" in arrival.problem_label.text()
    arrival.temperature_c.setText("-71,5")
    assert arrival.ok_button.isEnabled()
    conditions = arrival.conditions()
    assert (conditions.transport_temperature, conditions.dry_ice_left, conditions.temperature_c,
            conditions.packaging) == ("dry_ice", "yes", Decimal("-71.5"), "intact")
    arrival.temperature.setCurrentIndex(arrival.temperature.findData("ambient"))
    assert arrival.conditions().dry_ice_left == "na" and not arrival.dry_ice.isEnabled()

    register = RegisterTubeDialog("ZZ-1", [StudyInfo(1, "LUNG", "Lung cohort", "", True)], [("SER", "Serum")])
    qtbot.addWidget(register)
    register.study.setCurrentIndex(1)
    register.sample_type.setCurrentIndex(1)
    assert not register.ok_button.isEnabled() and "pseudonym" in register.problem_label.text()
    register.pseudonym.setText("P-77")
    register.collected.setText("yesterday")
    assert not register.ok_button.isEnabled()
    register.collected.setText("2026-11-30 08:15")
    assert register.ok_button.isEnabled()
    assert register.values()["collected_at"] == dt.datetime(2026, 11, 30, 8, 15).astimezone(dt.UTC)
