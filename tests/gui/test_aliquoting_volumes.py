"""The aliquoting screens' volumes add up: the family view's sum (dead volume included), the void dialog's
'+volume' equal to what the void writes back, a shipment code or a box barcode scanned into the batch field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLabel

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.aliquoting import AliquotRequest
from biobank_desktop.ui.pages.aliquoting.arithmetic import in_separator
from biobank_desktop.ui.pages.aliquoting.page import AliquotingPage
from tests.gui.conftest import add_account
from tests.gui.test_aliquoting_page import WAIT, _scan
from tests.support.aliquot_kit import make_parent
from tests.support.storage_kit import Tree, build_tree


@pytest.fixture
def tech(gui_services: Services) -> Actor:
    return add_account(gui_services, "tom", Role.TECHNICIAN)


@pytest.fixture
def tree(gui_services: Services) -> Tree:
    return build_tree(gui_services, add_account(gui_services, "sue", Role.SUPERVISOR))


def test_the_family_view_volumes_add_up_with_the_dead_volume(qtbot, gui_services, tech, open_window) -> None:
    parent = make_parent(gui_services, tech, 9000)
    gui_services.aliquoting.aliquot(tech, AliquotRequest.simple(parent, 11, "500 µL", dead_volume="400 µL"))
    window = open_window(gui_services, tech)
    window.open_sample(parent)
    view = window.page("sample").lineage_view
    qtbot.waitUntil(lambda: view.lineage is not None and view.lineage.sample_code == parent, timeout=WAIT)
    assert view.totals.text().endswith(
        "initial 9 mL = drawn by children 5.5 mL + dead volume 400 µL + left 3.1 mL")


def test_the_void_dialog_says_what_comes_back_dead_volume_included(qtbot, gui_services, tech, open_window) -> None:
    parent = make_parent(gui_services, tech, 9000)
    done = gui_services.aliquoting.aliquot(tech, AliquotRequest.simple(parent, 3, "2,9 mL", dead_volume="100 µL"))
    window = open_window(gui_services, tech)
    page = window.open_page("aliquoting")
    assert isinstance(page, AliquotingPage)
    page.batches.ask_void(done.value.batch_id)
    qtbot.waitUntil(lambda: page.batches.last_dialog is not None and page.batches.last_dialog.isVisible(),
                    timeout=WAIT)
    dialog = page.batches.last_dialog
    assert any(f"{parent} +8.8 mL." in w.text() for w in dialog.findChildren(QLabel))  # 8.7 mL drawn + 0.1 dead
    assert gui_services.queries.detail(parent, tech).volume_ul == Decimal(200)
    dialog.reason.setText("Wrong volume")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: gui_services.queries.detail(parent, tech).volume_ul == Decimal(200) + Decimal(8800),
                    timeout=WAIT)


def test_a_box_barcode_scanned_into_the_batch_field_loads_its_tubes(qtbot, gui_services, tree, tech,
                                                                    open_window) -> None:
    one = make_parent(gui_services, tech, 500, box=tree.box)
    two = make_parent(gui_services, tech, 500, box=tree.box, participant="P-2")
    window = open_window(gui_services, tech)
    page = window.open_page("aliquoting")
    assert isinstance(page, AliquotingPage)
    page.tabs.setCurrentWidget(page.batch)
    _scan(qtbot, page.batch.scan.edit, tree.box.lower())  # as printed, in the case the keyboard layout gives
    qtbot.waitUntil(lambda: page.batch.parents == [one, two], timeout=WAIT)
    assert tree.box in page.batch.source
    page.batch.set_parents([], "")
    _scan(qtbot, page.batch.scan.edit, "SH-2099-99999")
    qtbot.waitUntil(lambda: "not a known sample, shipment, box or rack" in page.batch.scan.feedback.text(),
                    timeout=WAIT)


def test_one_decimal_separator_on_the_page_the_one_typed(qtbot, gui_services, tech, open_window) -> None:
    parent = make_parent(gui_services, tech, 12000)
    window = open_window(gui_services, tech)
    page = window.open_page("aliquoting")
    assert isinstance(page, AliquotingPage)
    _scan(qtbot, page.one.scan.edit, parent)
    qtbot.waitUntil(lambda: page.one.info is not None and page.one.info.sample_code == parent, timeout=WAIT)
    form = page.one.form
    form.count.setText("1")
    form.each.setText("0,5 mL")
    page.one.print_after.setChecked(False)
    gui_services.aliquoting.aliquot(tech, AliquotRequest.simple(parent, 1, "750 µL"))  # elsewhere: 11.25 mL left
    page.one.ok_button.click()
    qtbot.waitUntil(lambda: "now holds 11,25 mL" in page.banner.message, timeout=WAIT)
    assert page.one.fact_labels["volume"].text() == "11,25 mL"
    form.count.setText("1")
    form.each.setText("0,5 mL")
    qtbot.waitUntil(lambda: "11,25 mL" in form.arithmetic, timeout=WAIT)
    with pytest.raises(BiobankError) as refused:  # the service's own words, written with the page's comma
        gui_services.aliquoting.aliquot(tech, AliquotRequest.simple(parent, 2, "6 mL"))
    assert "11.25 mL" in str(refused.value)
    page.show_error(refused.value)
    assert "11,25 mL" in page.banner.message and "11.25" not in page.banner.message
    # only the volumes' separators differ ('Over-draw: 11,25 mL − 2 × PL1 6 mL = 750 µL short. …')
    assert page.banner.message.replace(",", ".") == str(refused.value).replace(",", ".")


def test_in_separator_changes_volumes_only() -> None:
    text = "BB-2026-000001F holds 11.25 mL (0,5 µL each), 1.5 L; batch 12.3 of SH-2026-00002 on 2026.11.02"
    assert in_separator(text, True) == ("BB-2026-000001F holds 11,25 mL (0,5 µL each), 1,5 L; batch 12.3 of "
                                        "SH-2026-00002 on 2026.11.02")
    assert in_separator(text, False) == text.replace("0,5 µL", "0.5 µL")
