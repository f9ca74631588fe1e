"""Render every window and page of the GUI to PNG files, offscreen, at lab screen sizes.

Usage: .venv/bin/python tests/gui/render_screenshots.py DATABASE_URL OUT_DIR [--readme PATH] [--labels-readme PATH]
       .venv/bin/python tests/gui/render_screenshots.py DATABASE_URL OUT_DIR --resources
         (--resources: the README's shots, resources/screenshots/main-window.png, labels.png, storage.png,
         exchange.png, reception.png and aliquoting.png, at 1366 x 768)

The database should hold demo data (``biobank-desktop --database URL demo --samples 5000``); the
Labels page's shots add print jobs to it (printed, partly printed, printer off, may have printed),
printed on a fake Zebra printer on a loopback port; the Storage page's shots check one tube of box
BOX-000008 out; the Exchange page's shots import nothing (they stop at the preview of a manifest with bad
cells, written to OUT_DIR); the Reception page's shots import a 24-tube manifest from CHL (once) and scan
some of its tubes on the board (one haemolysed, one without consent, one not on the manifest). The settings
(printers) live in a temporary folder.
Not a test: a tool to look at what was built (pytest does not collect it).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["BIOBANK_CONFIG_DIR"] = tempfile.mkdtemp(prefix="biobank-shots-")  # never the user's own settings
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.support

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

SIZES = ((1366, 768), (1280, 720), (1920, 1080))
RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "screenshots"


def settle(app: QApplication, until: Callable[[], bool] = lambda: True, timeout_ms: int = 15000) -> None:
    deadline = QDeadlineTimer(timeout_ms)
    while True:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if until() or deadline.hasExpired():
            break
    for _ in range(5):  # let queued repaints and late rows land
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def grab(widget: QWidget, path: Path) -> None:
    widget.grab().save(str(path))
    print("wrote", path)


@contextlib.contextmanager
def label_printers(url: str, settings: object) -> Iterator[None]:
    """Two printers in ``settings`` (a fake Zebra that works, one that is off) and print jobs in every state."""
    from biobank_desktop.app import configured_printers
    from biobank_desktop.core.labels.printers import PrinterConfig
    from biobank_desktop.core.services import build_services, open_database
    from biobank_desktop.core.services.queries import SampleCriteria
    from tests.support.fake_zebra import FakeZebraPrinter, closed_port

    with FakeZebraPrinter() as zebra:
        bench1 = PrinterConfig("Bench-1-Zebra", "zpl-tcp", f"127.0.0.1:{zebra.port}", dpi=203, timeout_s=2.0)
        bench2 = PrinterConfig("Bench-2-Zebra", "zpl-tcp", f"127.0.0.1:{closed_port()}", dpi=300, timeout_s=2.0)
        settings.printers = [bench1.to_dict(), bench2.to_dict()]  # type: ignore[attr-defined]
        services = build_services(open_database(url), workstation=None, printers=configured_printers(settings))
        labelling = services.labelling
        actor = services.accounts.authenticate("tech1", "biobank-tech1")
        ids = services.queries.search_ids(SampleCriteria(lineage_kinds=("aliquot",)), limit=14)
        codes = [row.sample_code for row in services.queries.rows(ids)]
        if not labelling.jobs(workstation=labelling.workstation):
            [done] = labelling.enqueue(actor, codes[0:3], source="aliquoting", printer_name="Bench-1-Zebra").value
            labelling.print_job(actor, done.id)
            with FakeZebraPrinter(fail_after_labels=2, fail_flags={"paper_out": True}) as empty:
                out = PrinterConfig("Bench-1-Zebra", "zpl-tcp", f"127.0.0.1:{empty.port}", timeout_s=2.0)
                [partial] = labelling.enqueue(actor, codes[3:7], source="reception", printer_name="Bench-1-Zebra").value
                labelling.print_job(actor, partial.id, printer=out)
            with FakeZebraPrinter(drop_after_labels=2) as dropping:
                drop = PrinterConfig("Bench-1-Zebra", "zpl-tcp", f"127.0.0.1:{dropping.port}", timeout_s=2.0)
                [doubtful] = labelling.enqueue(actor, codes[7:10], source="manual", printer_name="Bench-1-Zebra").value
                labelling.print_job(actor, doubtful.id, printer=drop)
            [off] = labelling.enqueue(actor, codes[10:12], source="manual", printer_name="Bench-2-Zebra").value
            labelling.print_job(actor, off.id)
            labelling.enqueue(actor, codes[12:14], source="storage", template_name="cryovial-33x13",
                              printer_name="Bench-1-Zebra")
            supervisor = services.accounts.authenticate("supervisor", "biobank-supervisor")
            labelling.add_rule(supervisor, template_name="cryovial-33x13", study_code="NPC", sample_type="PL1")
            labelling.add_rule(supervisor, template_name="box-76x25", printer_name="Bench-2-Zebra",
                               workstation=labelling.workstation, sample_type="BLD")
        services.close()
        yield


def main(argv: list[str]) -> int:
    url, out = argv[0], Path(argv[1])
    readme = Path(argv[argv.index("--readme") + 1]) if "--readme" in argv else None
    labels_readme = Path(argv[argv.index("--labels-readme") + 1]) if "--labels-readme" in argv else None
    workflows: Path | None = None  # where storage.png and exchange.png go (besides OUT_DIR)
    if "--resources" in argv:
        readme, labels_readme, workflows = RESOURCES / "main-window.png", RESOURCES / "labels.png", RESOURCES
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    from biobank_desktop.app import apply_theme
    from biobank_desktop.config import Settings

    apply_theme(app)
    app.setQuitOnLastWindowClosed(False)
    settings = Settings()
    with label_printers(url, settings):
        checked_out_tube(url)
        return _render(app, url, out, readme, labels_readme, settings, workflows)


SHOT_BOX = "BOX-000008"  # a demo box about 80 % full


def checked_out_tube(url: str) -> None:
    """One tube of :data:`SHOT_BOX` checked out (its cell shows as out on the map)."""
    from biobank_desktop.core.services import build_services, open_database

    services = build_services(open_database(url), workstation=None)
    actor = services.accounts.authenticate("tech1", "biobank-tech1")
    box = services.storage.box_map(SHOT_BOX)
    if not any(c.checked_out for c in box.cells):
        tube = next(c for c in box.cells if c.sample_code is not None and c.row == 2)
        services.storage.check_out(actor, tube.sample_code or "", "Aliquoting")
    services.close()


def storage_shots(app: QApplication, window: QWidget, out: Path, tag: str, readme_dir: Path | None) -> None:
    """The Storage page: a box map with tubes, one checked out, one ringed after a scan."""
    storage = window.open_page("storage")  # type: ignore[attr-defined]
    panel = storage.box_panel
    storage.open_box(SHOT_BOX)
    settle(app, lambda: panel.box is not None and panel.box.code == SHOT_BOX)
    tube = next(c for c in panel.box.cells if c.sample_code is not None and not c.checked_out and c.row == 4)
    panel.scan.edit.setText(tube.sample_code)
    panel.scan.edit.returnPressed.emit()
    settle(app, lambda: panel.scan.state in ("ok", "error", "info"))
    settle(app)
    grab(window, out / f"storage-{tag}.png")
    if readme_dir is not None:
        grab(window, readme_dir / "storage.png")
    storage.tabs.setCurrentWidget(storage.capacity)
    settle(app)
    grab(window, out / f"storage-capacity-{tag}.png")
    storage.tabs.setCurrentWidget(panel)


def exchange_shots(app: QApplication, window: QWidget, out: Path, tag: str, readme_dir: Path | None) -> None:
    """The Exchange page: a partner's manifest with bad cells, at the preview, one problem group chosen."""
    import datetime as dt

    from biobank_desktop.core.flows.import_wizard import Step
    from tests.unit.spreadsheets.helpers import make_xlsx, row

    def lung(n: int, **overrides: object) -> list[object]:
        values: dict[str, object] = {"Study": "LUNG", "Collected": dt.datetime(2026, 11, 2, 8, 15 + n)}
        return row(n, **(values | overrides))

    rows = [lung(n) for n in range(1, 31)]
    for n in (6, 14, 23):
        rows[n - 1] = lung(n, Collected="31/02/2026")
    rows[9] = lung(10, **{"Volume (ml)": "lots"})
    path = make_xlsx(out / "manifest-CHL.xlsx", rows, title="Centre Hospitalier de Luxembourg — shipment 2026-47")
    page = window.open_page("exchange")  # type: ignore[attr-defined]
    importer = page.importer
    settle(app, lambda: importer.file_step.partner.count() > 1)
    if importer.wizard.step != Step.FILE:
        importer.restart_button.click()
        settle(app, lambda: importer.wizard.step == Step.FILE)
    step = importer.file_step
    step.path.setText(str(path))
    step.kind.set_value("manifest")
    step.select_partner("CHL")
    for wanted in (Step.SHEET, Step.MAPPING, Step.PREVIEW):
        importer.next_button.click()
        settle(app, lambda w=wanted: importer.wizard.step == w and not importer.busy)
    preview = importer.preview_step
    texts = [preview.groups.data(preview.groups.index(r, 2)) for r in range(preview.groups.rowCount())]
    group = next((i for i, t in enumerate(texts) if "31/02/2026" in str(t)), 0)
    preview.groups_view.selectRow(group)
    preview.groups_view.clicked.emit(preview.groups.index(group, 2))  # lists its rows, scrolls to the first
    preview.preview_view.clearSelection()  # the bad cells' highlight shows, not the selection's colour
    settle(app)
    grab(window, out / f"exchange-preview-{tag}.png")
    if readme_dir is not None:
        grab(window, readme_dir / "exchange.png")


def aliquoting_shots(app: QApplication, window: QWidget, out: Path, tag: str, readme_dir: Path | None) -> None:
    """The aliquoting page: the largest available demo tube scanned, 4 × 0,25 mL with 0,1 mL dead volume typed."""
    from tests.gui.screens import fill_aliquot_form, parent_for_shots

    page = window.open_page("aliquoting")  # type: ignore[attr-defined]
    fill_aliquot_form(page, lambda until: settle(app, until), parent_for_shots(window.session.services))  # type: ignore[attr-defined]
    page.one.box.setText(SHOT_BOX)
    settle(app)
    grab(window, out / f"aliquoting-{tag}.png")
    if readme_dir is not None:
        grab(window, readme_dir / "aliquoting.png")


def reception_shots(app: QApplication, window: QWidget, out: Path, tag: str, readme_dir: Path | None) -> None:
    """The Reception page: the shipment list, then the board of a manifest being scanned."""
    from PySide6.QtCore import Qt

    from tests.support.reception_kit import HEADERS, tube
    from tests.unit.spreadsheets.helpers import make_xlsx

    session = window.session  # type: ignore[attr-defined]
    reception = session.services.reception
    manifest_name = "manifest-CHL-2026-48.xlsx"
    known = [s for s in reception.shipments(partner="CHL", limit=50) if s.manifest_file == manifest_name]
    if known:
        code = known[0].code
    else:
        rows = [tube(f"0{4120030 + n:09d}", f"LU-{1040 + n // 2:04d}") for n in range(24)]
        rows[6] = tube(f"0{4120036:09d}", "LU-1099", consent="no")
        path = make_xlsx(out / manifest_name, rows, headers=HEADERS, title="CHL — shipment 2026-48")
        report = session.services.exchange.import_file(session.actor, path, kind="manifest", partner="CHL").value
        code = report.shipment
        reception.create_shipment(session.actor, "HRS")
    page = window.open_page("reception")  # type: ignore[attr-defined]
    page.show_list()
    settle(app, lambda: page.shipments.loaded > 0 and page.shipments.model.rowCount() > 0)
    settle(app)
    grab(window, out / f"reception-list-{tag}.png")
    page.open_shipment(code)
    board = page.board
    settle(app, lambda: board.board is not None and board.board.shipment.code == code)
    board.set_filter("all")
    if board.counts.received == 0:
        for n in (0, 1, 2, 3, 4, 5):
            board.scan.edit.setText(f"0{4120030 + n:09d}")
            board.scan.edit.returnPressed.emit()
        settle(app, lambda: not board.busy)
        board.tube_panel.choose_condition("HAEMOLYSED")
        settle(app, lambda: not board.busy)
        board.scan.edit.setText("0999000123")  # a tube the manifest does not list
        board.scan.edit.returnPressed.emit()
        settle(app, lambda: not board.busy)
    board.scan.edit.setText(f"0{4120036:09d}")  # the participant said no on the manifest: stopped
    board.scan.edit.returnPressed.emit()
    settle(app, lambda: not board.busy and board.verdict.verdict in ("ok", "warn", "error"))
    board.table.scrollToTop()
    board.focus_scan()
    board.scan.edit.setFocus(Qt.FocusReason.OtherFocusReason)
    settle(app)
    grab(window, out / f"reception-board-{tag}.png")
    loads = board.loads
    board.scan.edit.setText(f"0{4120037:09d}")
    board.scan.edit.returnPressed.emit()
    settle(app, lambda: not board.busy and board.verdict.verdict == "ok" and board.loads > loads)
    settle(app)
    grab(window, out / f"reception-board-ok-{tag}.png")
    if readme_dir is not None:
        grab(window, readme_dir / "reception.png")
    page.show_list()


def _render(app: QApplication, url: str, out: Path, readme: Path | None, labels_readme: Path | None,
            settings: object, workflows: Path | None = None) -> int:
    from biobank_desktop.app import BiobankApp

    biobank = BiobankApp(app, database_url=url, settings=settings)  # type: ignore[arg-type]
    biobank.start()
    def login_ready() -> bool:
        dialog = biobank.current_dialog
        return dialog is not None and dialog.objectName() == "loginDialog" and dialog.connected  # type: ignore[attr-defined]

    connecting = biobank.current_dialog
    assert connecting is not None
    connecting.resize(640, 300)
    grab(connecting, out / "login-connecting.png")
    settle(app, login_ready)
    login = biobank.current_dialog
    assert login is not None
    login.resize(640, 520)
    settle(app)
    grab(login, out / "login.png")
    login.fill("tech1", "biobank-tech1")  # type: ignore[attr-defined]
    login.submit()  # type: ignore[attr-defined]
    settle(app, lambda: biobank.window is not None)
    window = biobank.window
    assert window is not None
    window.showNormal()
    for width, height in SIZES:
        tag = f"{width}x{height}"
        window.resize(width, height)
        search = window.open_page("search")
        settle(app, lambda s=search: s.model.rowCount() > 0 and not s.model.fetching)
        settle(app)
        grab(window, out / f"search-{tag}.png")
        if readme is not None and width == 1366:
            readme.parent.mkdir(parents=True, exist_ok=True)
            grab(window, readme)
        code = search.model.sample_code(3)
        sample = window.open_page("sample")
        sample.show_sample(code)
        settle(app, lambda s=sample: s.detail is not None and s.detail.sample_code == code)
        grab(window, out / f"sample-{tag}.png")
        window.scan.edit.setText("NOT-A-CODE-123")
        window.scan.edit.returnPressed.emit()
        settle(app, lambda: window.scan.state == "error")
        grab(window, out / f"scan-unknown-{tag}.png")
        audit = window.open_page("audit")
        settle(app, lambda a=audit: a.model.rowCount() > 0 and not a.model.fetching)
        audit.table.selectRow(0)
        settle(app)
        grab(window, out / f"audit-{tag}.png")
        settings_page = window.open_page("settings")
        settle(app)
        grab(window, out / f"settings-{tag}.png")
        window.scan.edit.clear()
        window.scan.show_feedback("", "")
        labels = window.open_page("labels")
        settle(app, lambda p=labels: p.queue.jobs.rowCount() > 0 and p.queue.job is not None)
        row = next(r for r in range(p_rows(labels)) if labels.queue.jobs.job(r).source == "reception")
        labels.queue.jobs_table.selectRow(row)
        settle(app, lambda p=labels: p.queue.job is not None and p.queue.job.source == "reception")
        grab(window, out / f"labels-queue-{tag}.png")
        if labels_readme is not None and width == 1366:
            labels_readme.parent.mkdir(parents=True, exist_ok=True)
            grab(window, labels_readme)
        row = next(r for r in range(p_rows(labels)) if labels.queue.jobs.job(r).source == "manual"
                   and labels.queue.jobs.job(r).status == "partial")
        labels.queue.jobs_table.selectRow(row)
        settle(app, lambda p=labels: p.queue.job is not None and p.queue.doubtful.isVisible())
        grab(window, out / f"labels-doubtful-{tag}.png")
        labels.show_tab(labels.DESIGNER)
        settle(app, lambda p=labels: p.designer.current is not None)
        labels.designer.select_template("cryovial-25x13")
        settle(app)
        grab(window, out / f"labels-designer-{tag}.png")
        labels.designer.select_template("box-76x25")
        labels.designer.preview.set_zoom(2)
        settle(app)
        grab(window, out / f"labels-designer-box-{tag}.png")
        labels.designer.preview.set_zoom(4)
        labels.show_tab(labels.RULES)
        settle(app, lambda p=labels: p.rules.loaded)
        grab(window, out / f"labels-rules-technician-{tag}.png")
        labels.show_tab(labels.QUEUE)
        storage_shots(app, window, out, tag, workflows if width == 1366 else None)
        exchange_shots(app, window, out, tag, workflows if width == 1366 else None)
        aliquoting_shots(app, window, out, tag, workflows if width == 1366 else None)
        reception_shots(app, window, out, tag, workflows if width == 1366 else None)
        window.open_page("search")
    labels = window.open_page("labels")
    labels.queue.scan.edit.setText(code)
    labels.queue.scan.edit.returnPressed.emit()
    settle(app, lambda: labels.queue.scan.state in ("ok", "error", "info"))
    grab(window, out / "labels-scan-printed.png")
    row = next(r for r in range(p_rows(labels)) if labels.queue.jobs.job(r).status == "failed"
               and labels.queue.jobs.job(r).printer_name == "Bench-2-Zebra")
    labels.queue.jobs_table.selectRow(row)
    settle(app, lambda: labels.queue.job is not None and labels.queue.job.printer_name == "Bench-2-Zebra")
    labels.queue.print_selected_job()
    settle(app, lambda: labels.printer.failure_box is not None)
    settle(app)
    grab(window, out / "labels-printer-off.png")
    grab(labels.printer.failure_box, out / "labels-printer-off-box.png")
    labels.printer.failure_box.reject()
    settle(app)
    labels.queue.items_table.selectAll()
    reprint = labels.queue.reprint_selected()
    settle(app)
    grab(reprint, out / "labels-reprint-dialog.png")
    reprint.reject()
    preview = labels.queue.preview_job()
    settle(app, lambda: preview.panel.label_layout is not None)
    grab(preview, out / "labels-preview-dialog.png")
    preview.reject()
    labels.show_tab(labels.DESIGNER)
    settle(app, lambda: labels.designer.current is not None)
    labels.designer.select_template("box-76x25")
    copy = labels.designer.copy_template()
    settle(app)
    grab(copy, out / "labels-copy-dialog.png")
    copy.name_edit.setText("box-76x25-shots")
    copy.ok_button.click()
    settle(app, lambda: labels.designer.current is not None and labels.designer.current.name == "box-76x25-shots")
    from biobank_desktop.ui.pages.labels.models import COLUMN_OF

    designer = labels.designer
    designer.elements.setData(designer.elements.index(0, COLUMN_OF["width_mm"]), 25.0)
    designer.table.selectRow(0)
    designer.preview.set_zoom(2)
    settle(app)
    grab(window, out / "labels-designer-error.png")
    labels.show_tab(labels.QUEUE)
    # the administrator's pages
    biobank.logout()
    settle(app, login_ready)
    biobank.current_dialog.fill("admin", "biobank-admin")  # type: ignore[union-attr]
    biobank.current_dialog.submit()  # type: ignore[union-attr]
    settle(app, lambda: biobank.window is not None)
    window = biobank.window
    window.showNormal()
    for width, height in SIZES:
        tag = f"{width}x{height}"
        window.resize(width, height)
        users = window.open_page("users")
        settle(app, lambda u=users: u.model.rowCount() > 0)
        users.table.selectRow(2)
        settle(app)
        grab(window, out / f"users-{tag}.png")
        labels = window.open_page("labels")
        labels.show_tab(labels.RULES)
        settle(app, lambda p=labels: p.rules.loaded)
        grab(window, out / f"labels-rules-{tag}.png")
        settings_page = window.open_page("settings")
        settings_page.printers.test_printer()
        settle(app, lambda p=settings_page: p.printers.test_button.isEnabled())
        grab(window, out / f"settings-printers-{tag}.png")
    settings_page = window.open_page("settings")
    printer_dialog = settings_page.printers.add_printer()
    settle(app)
    grab(printer_dialog, out / "printer-dialog.png")
    printer_dialog.set_values(name="Bench-1-Zebra", kind="zpl-tcp", address="printer-3.lab:9100")
    printer_dialog.ok_button.click()
    settle(app)
    grab(printer_dialog, out / "printer-dialog-error.png")
    printer_dialog.reject()
    settings_page.printers.select("Bench-2-Zebra")
    settings_page.printers.test_printer()
    settle(app, settings_page.printers.test_button.isEnabled)
    grab(window, out / "settings-printer-off.png")
    settings = window.open_page("settings")
    dialog = settings.change_database()
    settle(app)
    grab(dialog, out / "database-dialog.png")
    dialog.pg_radio.setChecked(True)
    dialog.host.setText("127.0.0.1")
    dialog.port.setText("1")
    dialog.user.setText("biobank")
    dialog.test()
    settle(app, dialog.test_button.isEnabled)
    grab(dialog, out / "database-dialog-error.png")
    dialog.reject()
    users = window.open_page("users")
    add = users.add_user()
    settle(app)
    grab(add, out / "add-user-dialog.png")
    add.reject()
    sample = window.open_page("sample")
    sample.show_sample(code)
    settle(app, lambda: sample.detail is not None)
    status = sample.change_status()
    settle(app)
    grab(status, out / "status-dialog.png")
    status.reject()
    # start-up failure
    from biobank_desktop.core.domain.errors import DatabaseUnavailableError
    from biobank_desktop.ui.dialogs.startup import StartupErrorDialog

    bad = StartupErrorDialog(DatabaseUnavailableError(
        "/home/lab/biobank.sqlite is not a Biobank Desktop database (it is not an SQLite file). The file was not "
        "changed.", hint="Choose another file in Settings → Database, or restore the database from a backup."),
        where="/home/lab/biobank.sqlite")
    bad.show()
    settle(app)
    grab(bad, out / "startup-error.png")
    bad.hide()
    biobank.quit(0)
    QCoreApplication.processEvents()
    QTimer.singleShot(0, app.quit)
    return 0


def p_rows(labels: object) -> int:
    return int(labels.queue.jobs.rowCount())  # type: ignore[attr-defined]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
