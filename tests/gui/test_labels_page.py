"""The Labels page, Settings → Printers and the sample page's print buttons, driven like a technician would.

Printing goes to a real loopback printer (FakeZebraPrinter); what it received is rendered by an independent
ZPL renderer and decoded (zxing-cpp), and the true-scale preview is decoded from a screenshot of the widget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from biobank_desktop.app import configured_printers
from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.labels.layout import layout_label
from biobank_desktop.core.labels.model import LabelData, load_catalog
from biobank_desktop.core.labels.printers import PrinterConfig
from biobank_desktop.core.services import Services, build_services, open_database
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.operations.printing import CALIBRATION_CANCEL_NOTE, PRINT_CANCEL_NOTE, paint_labels
from biobank_desktop.ui.pages.labels.models import (
    COLUMN_OF,
    ElementTableModel,
    JobItemModel,
    JobTableModel,
    RuleTableModel,
)
from biobank_desktop.ui.pages.settings import printers as settings_printers
from biobank_desktop.ui.session import Events, UiSession
from biobank_desktop.ui.widgets.label_preview import LabelPreviewPanel
from tests.gui.conftest import WORKSTATION, add_account, cancel_running_jobs, visible_progress_dialog
from tests.support.fake_zebra import FakeZebraPrinter, closed_port
from tests.support.labels_testkit import decode, ink_box, pdf_page_sizes_pt, rasterize_pdf, zplkit_images

WAIT = 15_000


def _zebra(port: int, name: str = "Zebra-1") -> dict[str, object]:
    return PrinterConfig(name, "zpl-tcp", f"127.0.0.1:{port}", dpi=203, timeout_s=2.0).to_dict()


def _decoded(zpl_labels: list[str]) -> list[str]:
    return [decode(image)[0] for image in zplkit_images("".join(zpl_labels), 203)]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("BIOBANK_CONFIG_DIR", str(tmp_path / "config"))  # this test's own settings file
    return Settings()


@pytest.fixture
def label_services(sqlite_url: str, settings: Settings) -> Iterator[Services]:
    services = build_services(open_database(sqlite_url), workstation=WORKSTATION,
                              printers=configured_printers(settings))
    yield services
    services.close()


@pytest.fixture
def window_for(qtbot, runner, label_services: Services, settings: Settings) -> Iterator[Callable[[Actor], MainWindow]]:
    windows: list[MainWindow] = []

    def make(actor: Actor) -> MainWindow:
        window = MainWindow(UiSession(label_services, actor, settings, runner, Events()))
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.start()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.stop()


def _samples(services: Services, actor: Actor, n: int) -> list[str]:
    return [services.samples.register(actor, NewSample("COLON", "SER", participant=f"P-GUI-{i}",
                                                       volume_ul=Decimal(500))).value for i in range(n)]


def _labels_page(qtbot, window: MainWindow):
    page = window.open_page("labels")
    qtbot.waitUntil(lambda: not page.session.runner.busy, timeout=WAIT)
    return page


def _select_job(qtbot, queue, job_id: int) -> None:
    queue.reload(job_id)
    qtbot.waitUntil(lambda: queue.job is not None and queue.job.id == job_id, timeout=WAIT)


# -- the print queue ---------------------------------------------------------------------------------------


def test_a_scan_queues_the_label_and_prints_it_on_the_zebra(qtbot, label_services, settings, window_for):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    [code] = _samples(label_services, tom, 1)
    with FakeZebraPrinter() as zebra:
        settings.printers = [_zebra(zebra.port)]
        labels = _labels_page(qtbot, window_for(tom))
        scan = labels.queue.scan
        qtbot.keyClicks(scan.edit, code)
        qtbot.keyClick(scan.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: scan.state in ("ok", "error"), timeout=WAIT)
        received = list(zebra.labels)
    assert scan.feedback.text() == f"✔ {code} printed on Zebra-1"
    assert _decoded(received) == [code]
    [job] = label_services.labelling.jobs(workstation=WORKSTATION)
    assert (job.source, job.status, job.sent, job.total, job.created_by) == ("manual", "printed", 1, 1, "tom")

    qtbot.keyClicks(scan.edit, "NOT-A-SAMPLE-1")  # an unknown code queues nothing and says so
    qtbot.keyClick(scan.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: scan.state == "error", timeout=WAIT)
    assert "There is no sample NOT-A-SAMPLE-1" in scan.feedback.text()
    assert len(label_services.labelling.jobs(workstation=WORKSTATION)) == 1


def test_printer_off_keeps_the_job_and_retry_prints_only_the_missing_labels(qtbot, label_services, settings,
                                                                           window_for):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    codes = _samples(label_services, tom, 3)
    settings.printers = [_zebra(closed_port())]
    [job] = label_services.labelling.enqueue(tom, codes, source="reception").value
    labels = _labels_page(qtbot, window_for(tom))
    queue = labels.queue
    _select_job(qtbot, queue, job.id)

    # The printer runs out of labels after two: two are printed, the third waits.
    with FakeZebraPrinter(fail_after_labels=2, fail_flags={"paper_out": True}) as empty:
        settings.printers = [_zebra(empty.port)]
        qtbot.mouseClick(queue.print_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: labels.printer.failure_box is not None, timeout=WAIT)
        assert len(empty.labels) == 2
    box = labels.printer.failure_box
    assert box.text().startswith("Zebra-1: Printer 127.0.0.1:") and "out of labels" in box.text()
    box.close()

    # Switched off: nothing more prints, the message says so, the job stays in the queue.
    settings.printers = [_zebra(closed_port())]
    qtbot.waitUntil(lambda: queue.job is not None and queue.job.sent == 2 and queue.print_button.isEnabled(),
                    timeout=WAIT)
    qtbot.mouseClick(queue.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: labels.printer.failure_box is not None, timeout=WAIT)
    box = labels.printer.failure_box
    assert "refused the connection" in box.text()
    assert "stay in the print queue" in box.informativeText()
    qtbot.waitUntil(lambda: queue.job_message.isVisible() and "refused the connection" in queue.job_message.text(),
                    timeout=WAIT)
    assert queue.jobs.row_of(job.id) >= 0
    assert [i.status for i in label_services.labelling.job(job.id).items] == ["sent", "sent", "queued"]

    # The printer is back: Retry sends only the missing third label.
    with FakeZebraPrinter() as back:
        settings.printers = [_zebra(back.port)]
        qtbot.mouseClick(box.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: label_services.labelling.job(job.id).status == "printed", timeout=WAIT)
        resent = list(back.labels)
    assert _decoded(resent) == [codes[2]]


def test_labels_that_may_have_printed_wait_for_a_look_at_the_printer(qtbot, label_services, settings, window_for):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    codes = _samples(label_services, tom, 3)
    with FakeZebraPrinter(drop_after_labels=2) as dropping:  # unplugged right after the second label arrived
        settings.printers = [_zebra(dropping.port)]
        [job] = label_services.labelling.enqueue(tom, codes).value
        label_services.labelling.print_job(tom, job.id)
    labels = _labels_page(qtbot, window_for(tom))
    queue = labels.queue
    _select_job(qtbot, queue, job.id)
    assert queue.doubtful.isVisible() and queue.doubtful_text.text().startswith("Label #2 may have printed")
    assert queue.items.data(queue.items.index(1, 2)) == "May have printed — look at the printer"
    with FakeZebraPrinter() as zebra:  # the technician finds label 2 missing on the printer
        settings.printers = [_zebra(zebra.port)]
        qtbot.mouseClick(queue.print_again_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: label_services.labelling.job(job.id).status == "printed", timeout=WAIT)
        received = list(zebra.labels)
    assert _decoded(received) == codes[1:]  # label 1 is not printed twice
    qtbot.waitUntil(lambda: not queue.doubtful.isVisible(), timeout=WAIT)


def test_a_reprint_asks_a_reason_and_refuses_an_empty_one(qtbot, label_services, settings, window_for):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    codes = _samples(label_services, tom, 2)
    with FakeZebraPrinter() as zebra:
        settings.printers = [_zebra(zebra.port)]
        [job] = label_services.labelling.enqueue(tom, codes).value
        label_services.labelling.print_job(tom, job.id)
        labels = _labels_page(qtbot, window_for(tom))
        queue = labels.queue
        queue.show_finished.setChecked(True)
        _select_job(qtbot, queue, job.id)
        queue.items_table.selectRow(1)
        assert queue.reprint_button.isEnabled()
        dialog = queue.reprint_selected()
        assert not dialog.ok_button.isEnabled()
        qtbot.keyClicks(dialog.reason, "   ")
        assert not dialog.ok_button.isEnabled(), "a blank reason is no reason"
        with pytest.raises(ValidationError, match="needs a reason"):  # and the service refuses it too
            label_services.labelling.reprint(tom, [codes[1]], "  ")
        qtbot.keyClicks(dialog.reason, "label frosted off")
        assert dialog.ok_button.isEnabled()
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(zebra.labels) == 3, timeout=WAIT)
        received = list(zebra.labels)
    qtbot.waitUntil(lambda: "Printed 1 label on Zebra-1" in labels.banner.message, timeout=WAIT)
    reprint = label_services.labelling.jobs(workstation=WORKSTATION)[0]
    assert (reprint.is_reprint, reprint.reason, reprint.status) == (True, "label frosted off", "printed")
    assert _decoded(received[2:]) == [codes[1]]


def test_the_sample_page_prints_and_reprints_its_label(qtbot, label_services, settings, window_for):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    [code] = _samples(label_services, tom, 1)
    with FakeZebraPrinter() as zebra:
        settings.printers = [_zebra(zebra.port)]
        window = window_for(tom)
        window.open_sample(code)
        sample = window.page("sample")
        qtbot.waitUntil(lambda: sample.detail is not None and sample.print_button.isEnabled(), timeout=WAIT)
        qtbot.mouseClick(sample.print_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: sample.banner.message != "", timeout=WAIT)
        assert sample.banner.message == "Printed 1 label on Zebra-1."
        dialog = sample.reprint_label()
        assert not dialog.ok_button.isEnabled()
        qtbot.keyClicks(dialog.reason, "smudged")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(zebra.labels) == 2, timeout=WAIT)
        received = list(zebra.labels)
    assert _decoded(received) == [code, code]
    assert [j.is_reprint for j in label_services.labelling.jobs(workstation=WORKSTATION)] == [True, False]


def test_cancel_while_printing_says_printed_labels_stay_printed(qtbot, label_services, settings, window_for, hold):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    [code] = _samples(label_services, tom, 1)
    with FakeZebraPrinter() as zebra:
        settings.printers = [_zebra(zebra.port)]
        window = window_for(tom)
        window.open_sample(code)
        sample = window.page("sample")
        qtbot.waitUntil(lambda: sample.detail is not None and sample.print_button.isEnabled(), timeout=WAIT)
        held = hold(label_services.labelling, "enqueue")
        qtbot.mouseClick(sample.print_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: held.entered.is_set() and visible_progress_dialog() is not None, timeout=WAIT)
        dialog = visible_progress_dialog()
        dialog.cancel_button.click()
        assert dialog.text.text() == PRINT_CANCEL_NOTE
        assert "Labels already sent stay printed; the rest stay in the queue." in dialog.text.text()
        assert "nothing is kept" not in dialog.text.text()
        held.release.set()
        qtbot.waitUntil(lambda: sample.banner.message != "", timeout=WAIT)
        assert sample.banner.message == "Printing stopped: 0 labels printed; the rest wait in the print queue."
        assert zebra.labels == []
    [job] = label_services.labelling.jobs(workstation=WORKSTATION)
    assert job.status == "queued"  # queued before Cancel took effect: it waits in the queue


# -- the designer and the preview -------------------------------------------------------------------------------


def test_designer_refuses_a_barcode_that_does_not_fit_and_saves_once_fixed(qtbot, label_services, sqlite_url,
                                                                          window_for):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    labels = _labels_page(qtbot, window_for(tom))
    labels.show_tab(labels.DESIGNER)
    designer = labels.designer
    qtbot.waitUntil(lambda: designer.current is not None, timeout=WAIT)
    designer.select_template("box-76x25")
    assert designer.current.name == "box-76x25" and not designer.editable
    assert not designer.save_button.isEnabled() and not designer.add_button.isEnabled()

    dialog = designer.copy_template()
    dialog.name_edit.setText("box-76x25")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "already" in dialog.message.text()  # a shipped name is taken
    dialog.name_edit.setText("box-bench-3")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: designer.current is not None and designer.current.name == "box-bench-3", timeout=WAIT)
    assert designer.editable and "box-bench-3" in designer.template_names()

    code128 = next(row for row in range(designer.elements.rowCount())
                   if designer.elements.row_values(row)["render"] == "code128")
    width = designer.elements.index(code128, COLUMN_OF["width_mm"])
    assert designer.elements.setData(width, 20.0)  # too short for an 18-character ID
    errors = [text for kind, text in designer.preview.issue_lines() if kind == "error"]
    assert errors and errors[0].startswith("✖ Refused, not printable — Row 1: Sample ID as Code 128:")
    assert "20.0 mm long" in errors[0]
    assert not designer.save_button.isEnabled()
    assert designer.save_state.text().startswith("Cannot save")

    assert designer.elements.setData(width, 60.0)
    assert not [kind for kind, _text in designer.preview.issue_lines() if kind == "error"]
    assert designer.save_button.isEnabled()
    qtbot.mouseClick(designer.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: labels.banner.message == "Template box-bench-3 saved.", timeout=WAIT)

    other = build_services(open_database(sqlite_url), workstation="ANOTHER-WS")  # another workstation sees it
    try:
        saved = other.labelling.template("box-bench-3")
    finally:
        other.close()
    assert saved.elements[code128].width_mm == 60.0
    assert saved.elements[code128].render == "code128"

    assert not designer.delete_button.isEnabled()  # deleting is a supervisor's; forced, the service refuses
    dialog = designer.delete_copy()
    qtbot.keyClicks(dialog.reason, "made by mistake")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: labels.banner.property("kind") == "error", timeout=WAIT)
    assert labels.banner.message.startswith("box-bench-3 was not deleted: Tom Tester (Technician) may not manage")
    assert "box-bench-3" in label_services.labelling.catalog().names()


def test_the_preview_paints_at_true_scale_and_its_datamatrix_decodes(qtbot, tmp_path):
    template = load_catalog().get("cryovial-25x13")
    data = LabelData(sample_id="BB-2026-004512K-A03", participant="P-0007", sample_type="Serum")
    panel = LabelPreviewPanel(lambda t, d, dpi: layout_label(t, d, dpi=dpi))
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    layout = panel.show_label(template, data)
    assert panel.canvas.zoom == 4
    canvas = panel.canvas
    screen = canvas.screen()
    assert canvas.pixels_per_mm() == pytest.approx(screen.physicalDotsPerInch() / screen.devicePixelRatio()
                                                   / 25.4 * 4)
    where = canvas.label_rect()
    assert where.width() == pytest.approx(25.4 * canvas.pixels_per_mm(), abs=1.0)  # 25.4 mm wide, times 4

    path = tmp_path / "preview.png"
    assert canvas.grab().save(str(path))
    image = Image.open(path).convert("L")
    assert decode(image) == ["BB-2026-004512K-A03"]
    # The symbol sits where the layout puts it, in real millimetres: compare the ink with the layout's rectangle.
    [barcode] = layout.barcodes()
    scale = canvas.scale()
    expected = (where.x() + barcode.x * scale, where.y() + barcode.y * scale,
                where.x() + (barcode.x + barcode.width) * scale, where.y() + (barcode.y + barcode.height) * scale)
    box = (int(expected[0]) - 4, int(expected[1]) - 4, int(expected[2]) + 4, int(expected[3]) + 4)
    found = ink_box(image, box)
    assert found is not None
    assert all(abs(a - b) <= 2 for a, b in zip(found, expected, strict=True)), (found, expected)
    assert (found[2] - found[0]) / canvas.pixels_per_mm() == pytest.approx(barcode.width * 25.4 / 203, abs=0.15)

    panel.set_dpi(600)  # a finer printer: the same label, still 25.4 mm wide on screen
    assert panel.label_layout.dpi == 600
    assert canvas.label_rect().width() == pytest.approx(where.width(), abs=1.0)


def test_system_printers_get_one_true_size_label_per_page(qtbot, tmp_path):
    template = load_catalog().get("cryovial-25x13")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "system.pdf"))
    labels = [LabelData(sample_id="BB-2026-000001A"), LabelData(sample_id="BB-2026-000002B-A01")]
    assert paint_labels(printer, template, labels, dpi=300) == 2
    pdf = (tmp_path / "system.pdf").read_bytes()
    sizes = [(round(w / 72 * 25.4, 1), round(h / 72 * 25.4, 1)) for w, h in pdf_page_sizes_pt(pdf)]
    assert sizes == [(25.4, 12.7), (25.4, 12.7)]
    assert [decode(page) for page in rasterize_pdf(pdf, 600)] == [["BB-2026-000001A"], ["BB-2026-000002B-A01"]]


# -- print rules -------------------------------------------------------------------------------------------------


def test_a_technician_sees_the_print_rules_read_only(qtbot, label_services, window_for):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    labels = _labels_page(qtbot, window_for(tom))
    labels.show_tab(labels.RULES)
    rules = labels.rules
    qtbot.waitUntil(lambda: rules.loaded and rules.template.count() > 0, timeout=WAIT)
    assert rules.read_only_note.isVisible()
    assert not any(widget.isEnabled() for widget in rules.controls)
    rules.add_rule()  # forced anyway: the service refuses, and the page says so
    qtbot.waitUntil(lambda: labels.banner.message != "", timeout=WAIT)
    assert labels.banner.message.startswith("The print rules were not changed: Tom Tester (Technician) may not "
                                            "manage reference.")
    assert labels.banner.property("kind") == "error"
    assert label_services.labelling.rules() == []


def test_a_supervisor_adds_a_print_rule(qtbot, label_services, window_for):
    sam = add_account(label_services, "sam", Role.SUPERVISOR)
    labels = _labels_page(qtbot, window_for(sam))
    labels.show_tab(labels.RULES)
    rules = labels.rules
    qtbot.waitUntil(lambda: rules.loaded and rules.study.count() > 1, timeout=WAIT)
    assert rules.add_button.isEnabled() and not rules.read_only_note.isVisible()
    rules.study.setCurrentIndex(rules.study.findData("COLON"))
    rules.sample_type.setCurrentIndex(rules.sample_type.findData("SER"))
    rules.template.setCurrentIndex(rules.template.findData("cryovial-33x13"))
    rules.printer.setEditText("Zebra-7")
    qtbot.mouseClick(rules.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rules.model.rowCount() == 1, timeout=WAIT)
    [rule] = label_services.labelling.rules()
    assert (rule.study_code, rule.sample_type, rule.workstation, rule.template_name, rule.printer_name) == (
        "COLON", "SER", WORKSTATION, "cryovial-33x13", "Zebra-7")


def test_print_rule_and_job_changes_cancelled_while_saving_are_still_shown(qtbot, label_services, window_for,
                                                                           runner, hold):
    sam = add_account(label_services, "sam", Role.SUPERVISOR)
    [code] = _samples(label_services, sam, 1)
    [job] = label_services.labelling.enqueue(sam, [code]).value
    labels = _labels_page(qtbot, window_for(sam))

    labels.show_tab(labels.RULES)
    rules = labels.rules
    qtbot.waitUntil(lambda: rules.loaded and rules.template.count() > 0, timeout=WAIT)
    rules.template.setCurrentIndex(rules.template.findData("cryovial-33x13"))
    held = hold(label_services.labelling, "add_rule")
    qtbot.mouseClick(rules.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(held.entered.is_set, timeout=WAIT)
    assert cancel_running_jobs(runner) >= 1  # logging out now: the rule is added all the same
    held.release.set()
    qtbot.waitUntil(lambda: labels.banner.message.startswith("Rule added:") and rules.model.rowCount() == 1,
                    timeout=WAIT)

    labels.show_tab(labels.QUEUE)
    queue = labels.queue
    _select_job(qtbot, queue, job.id)
    held = hold(label_services.labelling, "cancel_job")
    dialog = queue.cancel_job()
    qtbot.keyClicks(dialog.reason, "sample withdrawn")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(held.entered.is_set, timeout=WAIT)
    assert cancel_running_jobs(runner) >= 1
    held.release.set()
    qtbot.waitUntil(lambda: labels.banner.message == f"Print job {job.id} cancelled.", timeout=WAIT)
    assert label_services.labelling.job(job.id).status == "cancelled"


# -- Settings → Printers -----------------------------------------------------------------------------------------


def test_printers_are_added_tested_and_kept_with_those_added_meanwhile(qtbot, label_services, settings, window_for):
    ada = add_account(label_services, "ada", Role.ADMINISTRATOR)
    page = window_for(ada).open_page("settings")
    section = page.printers
    meanwhile = Settings.load()  # the command line adds a printer while the window is open
    meanwhile.printers = [PrinterConfig("CLI-Zebra", "zpl-file", "/tmp/cli.zpl").to_dict()]
    meanwhile.save()

    with FakeZebraPrinter() as zebra:
        dialog = section.add_printer()
        dialog.set_values(name="Bench-Zebra", kind="zpl-tcp", address=f"127.0.0.1:{zebra.port}")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert [p["name"] for p in Settings.load().printers] == ["CLI-Zebra", "Bench-Zebra"]
        assert [p["name"] for p in settings.printers] == ["CLI-Zebra", "Bench-Zebra"]  # the services see it now
        assert [p.name for p in label_services.labelling.printers()] == ["CLI-Zebra", "Bench-Zebra"]
        section.select("Bench-Zebra")
        qtbot.mouseClick(section.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Bench-Zebra" in section.checks, timeout=WAIT)
        assert section.checks["Bench-Zebra"].state == "ready"
        assert section.status.text() == "Bench-Zebra is ready."
        assert zebra.status_queries == 1

    off = section.add_printer()
    off.set_values(name="Bench-Zebra", kind="zpl-tcp", address="127.0.0.1:1")
    qtbot.mouseClick(off.ok_button, Qt.MouseButton.LeftButton)
    assert off.message.text().startswith("This workstation has a printer called Bench-Zebra already.")
    off.set_values(name="Old-Zebra", kind="zpl-tcp", address="127.0.0.1:not-a-port")
    qtbot.mouseClick(off.ok_button, Qt.MouseButton.LeftButton)
    assert "is not HOST:PORT" in off.message.text()
    off.set_values(name="Old-Zebra", kind="zpl-tcp", address=f"127.0.0.1:{closed_port()}")
    qtbot.mouseClick(off.ok_button, Qt.MouseButton.LeftButton)
    section.select("Old-Zebra")
    section.test_printer()
    qtbot.waitUntil(lambda: "Old-Zebra" in section.checks, timeout=WAIT)
    assert section.checks["Old-Zebra"].state == "unreachable"
    assert section.status.text().startswith("Old-Zebra is not reachable: Printer 127.0.0.1:")
    assert "refused the connection" in section.status.text()
    assert [p["name"] for p in Settings.load().printers] == ["CLI-Zebra", "Bench-Zebra", "Old-Zebra"]


def test_a_calibration_label_goes_straight_to_the_printer(qtbot, label_services, settings, window_for):
    ada = add_account(label_services, "ada", Role.ADMINISTRATOR)
    with FakeZebraPrinter() as zebra:
        settings.printers = [_zebra(zebra.port)]
        section = window_for(ada).open_page("settings").printers
        section.fill()
        dialog = section.print_calibration()
        qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=WAIT)
        assert dialog.chosen().name == "cryovial-25x13"
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: section.status.text().startswith("A calibration label"), timeout=WAIT)
        received = list(zebra.labels)
    assert _decoded(received) == ["BB-2026-000123W-A01"]  # the example sample; nothing queued
    assert label_services.labelling.jobs() == []


def test_cancelling_a_calibration_label_says_a_sent_label_still_prints(qtbot, label_services, settings, window_for,
                                                                       hold):
    ada = add_account(label_services, "ada", Role.ADMINISTRATOR)
    with FakeZebraPrinter() as zebra:
        settings.printers = [_zebra(zebra.port)]
        section = window_for(ada).open_page("settings").printers
        section.fill()
        dialog = section.print_calibration()
        qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=WAIT)
        held = hold(settings_printers, "print_calibration_label")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: held.entered.is_set() and visible_progress_dialog() is not None, timeout=WAIT)
        progress = visible_progress_dialog()
        progress.cancel_button.click()
        assert progress.text.text() == CALIBRATION_CANCEL_NOTE
        held.release.set()  # it was already on its way: it prints, and the page says so
        qtbot.waitUntil(lambda: section.status.text().startswith("A calibration label"), timeout=WAIT)
        qtbot.waitUntil(lambda: len(zebra.labels) == 1, timeout=WAIT)


# -- models ----------------------------------------------------------------------------------------------------


def test_the_label_models_pass_the_model_tester(qtmodeltester, label_services, settings):
    tom = add_account(label_services, "tom", Role.TECHNICIAN)
    codes = _samples(label_services, tom, 2)
    settings.printers = [_zebra(closed_port())]
    [job] = label_services.labelling.enqueue(tom, codes).value
    jobs = JobTableModel()
    jobs.set_rows(label_services.labelling.jobs())
    items = JobItemModel()
    items.set_rows(label_services.labelling.job(job.id).items)
    rules = RuleTableModel()
    elements = ElementTableModel()
    elements.set_elements(load_catalog().get("box-76x25").elements, read_only=False)
    for model in (jobs, items, rules, elements):
        qtmodeltester.check(model)
    assert jobs.data(jobs.index(0, 6)) == "Waiting" and items.data(items.index(1, 1)) == codes[1]
    render = elements.index(0, COLUMN_OF["render"])
    assert elements.setData(render, "datamatrix")  # a barcode needs no font; the row stays consistent
    assert elements.elements()[0].render == "datamatrix"
    assert elements.setData(render, "text") and elements.elements()[0].font_size_pt == 6.0
    assert elements.setData(elements.index(1, COLUMN_OF["height_mm"]), 0.0)
    assert elements.elements()[1].height_mm is None  # 0 = auto for text

