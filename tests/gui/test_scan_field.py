"""The scan field never loses a keystroke: an answer that arrives while the next scan is being typed does not
select (and so let the next keys replace) what was typed since (QA: "000015T-A06" arrived as "-A06")."""

from __future__ import annotations

from PySide6.QtCore import Qt

from biobank_desktop.ui.widgets.scan_field import ScanField


def test_a_late_answer_does_not_eat_the_next_scan(qtbot) -> None:
    field = ScanField("Scan", sound=False)
    qtbot.addWidget(field)
    submitted: list[str] = []
    field.scanned.connect(submitted.append)
    field.show()
    field.edit.setFocus()
    qtbot.keyClicks(field.edit, "BB-2026-000014W")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(field.edit, "BB-2026-000015T")  # the next scan begins before the answer to the first
    field.show_feedback("ok", "✔ BB-2026-000014W is in BOX-000001 at A05")
    qtbot.keyClicks(field.edit, "-A06")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert submitted == ["BB-2026-000014W", "BB-2026-000015T-A06"]
    field.show_feedback("error", "✖ No sample has the ID")  # the answer to the code still shown: selected
    assert field.edit.selectedText() == "BB-2026-000015T-A06"
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)  # a double Enter sends the same code again …
    qtbot.keyClicks(field.edit, "BB-2026-000016W")  # … and the next scan still replaces it whole
    field.show_feedback("ok", "✔ answered")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert submitted[-1] == "BB-2026-000016W"
