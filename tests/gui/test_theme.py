"""The stylesheet: what a button looks like says what it does (and whether it can be pressed)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from biobank_desktop.ui.theme import STYLESHEET
from biobank_desktop.ui.widgets.common import button


def _reddish(image: QImage) -> int:
    """How many pixels are clearly red (the danger colour, text or border)."""
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            colour = QColor(image.pixel(x, y))
            if colour.red() - max(colour.green(), colour.blue()) > 60:
                count += 1
    return count


def _shot(widget: QPushButton) -> QImage:
    return widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def test_a_disabled_danger_button_looks_disabled(qtbot):
    holder = QWidget()
    holder.setStyleSheet(STYLESHEET)  # the application's stylesheet, on this widget only (no global change)
    qtbot.addWidget(holder)
    row = QHBoxLayout(holder)
    red_on, red_off = button("Delete rule…", danger=True), button("Delete rule…", danger=True)
    plain_off = button("Delete rule…")
    for widget in (red_on, red_off, plain_off):
        widget.setFixedSize(200, 48)
        row.addWidget(widget)
    red_off.setEnabled(False)
    plain_off.setEnabled(False)
    assert red_on.styleSheet() == red_off.styleSheet() == ""  # the theme alone, no local work-around
    holder.show()
    qtbot.waitExposed(holder)

    assert _reddish(_shot(red_on)) > 100  # enabled: red text and border
    assert _reddish(_shot(red_off)) == 0  # disabled: no red left
    assert _shot(red_off) == _shot(plain_off)  # disabled looks the same for every button
