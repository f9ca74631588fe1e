"""What the reception GUI tests share: a manifest of five tubes, the board opened, a scan typed with Enter."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.pages.reception.page import ReceptionPage
from tests.gui.conftest import add_account
from tests.support.reception_kit import barcodes, manifest, tube

WAIT = 20_000
SCAN_TUBES = barcodes(4)
NO_CONSENT = "CL0000099"


def make_shipment(gui_services: Services, tmp_path: Path) -> str:
    """A manifest of five tubes from CLINIC (imported by supervisor "sam"): four with consent, one whose
    participant said no."""
    supervisor = add_account(gui_services, "sam", Role.SUPERVISOR)
    gui_services.reference.add_site(supervisor, "CLINIC", "Example Clinic", "Luxembourg")
    rows = [tube(code, f"LU-{i:03d}") for i, code in enumerate(SCAN_TUBES, 1)]
    rows.append(tube(NO_CONSENT, "LU-099", consent="no"))
    return manifest(gui_services, supervisor, tmp_path / "manifest.xlsx", rows)


def open_board(qtbot, window: MainWindow, code: str) -> ReceptionPage:
    window.session.navigate.open_shipment(code)
    page = window.page("reception")
    assert isinstance(page, ReceptionPage)
    qtbot.waitUntil(lambda: page.board.board is not None and page.board.board.shipment.code == code, timeout=WAIT)
    return page


def scan(qtbot, page: ReceptionPage, code: str) -> object:
    """Type ``code`` into the board's scan field and press Enter, as a scanner does; the answer shown."""
    edit = page.board.scan.edit
    with qtbot.waitSignal(page.board.answered, timeout=WAIT) as answered:
        qtbot.keyClicks(edit, code)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    return answered.args[0]


def tile(page: ReceptionPage, key: str) -> int:
    return page.board.tiles[key].count()
