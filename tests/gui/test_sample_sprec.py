"""The sample page explains every SPREC element with its inputs, with the ⚠ of our table (issue 14)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.ui.theme import apply_theme
from tests.gui.conftest import add_account
from tests.gui.screens import layout_problems

T0 = dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def themed(qapp):
    app = QApplication.instance()
    style, palette, font, sheet = app.style().name(), app.palette(), app.font(), app.styleSheet()
    apply_theme(app)
    yield
    app.setStyleSheet(sheet)
    app.setPalette(palette)
    app.setFont(font)
    app.setStyle(style)


def _local(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def test_the_sample_page_explains_each_element(qtbot, gui_services, open_window, tmp_path_factory):
    tom = add_account(gui_services, "tom", Role.TECHNICIAN)
    code = gui_services.samples.register(tom, NewSample(
        study_code="COLON", sample_type="SER", participant="COL-0042", primary_container="LHB",
        volume_ul=Decimal(1500), collected_at=T0, pre_centrifugation_temp="RT", centrifugation="D",
        centrifuged_at=T0.replace(hour=10), centrifugation_ended_at=T0.replace(hour=10, minute=15),
        post_centrifugation_temp="RT", frozen_at=T0.replace(hour=11), long_term_storage="D")).value
    window = open_window(gui_services, tom)
    window.resize(1366, 768)
    window.open_sample(code)
    page = window.page("sample")
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.sample_code == code, timeout=10_000)

    def text(name: str) -> str:
        found = page.findChild(QLabel, name)
        assert found is not None, name
        return found.text()

    assert text("sprecCode") == "SER-LHB-A-D-N-B-D"
    assert text("sprecElement6") == (f"< 1 h, RT (18–28 °C) — 45 min from the end of centrifugation at "
                                     f"{_local(T0.replace(hour=10, minute=15))} to freezing at "
                                     f"{_local(T0.replace(hour=11))}, room temperature (18–28 °C)")
    assert text("sprecElement5").endswith("Not applicable: no second centrifugation was recorded")
    assert text("sprecWarning2").startswith("⚠ Wording as found in one v3-style code list")  # LHB
    assert page.findChild(QLabel, "sprecWarning6") is None
    out: Path = Path(os.environ.get("SPREC_SHOTS") or tmp_path_factory.mktemp("sprec-screens"))
    for _ in range(3):
        QApplication.processEvents()
    window.grab().save(str(out / "sample-1366x768.png"))
    assert layout_problems(window, size=(1366, 768)) == []
    page.findChild(QScrollArea).ensureWidgetVisible(page.sprec.elements, 0, 0)  # scrolled to the SPREC group
    for _ in range(3):
        QApplication.processEvents()
    window.grab().save(str(out / "sample-sprec-1366x768.png"))
