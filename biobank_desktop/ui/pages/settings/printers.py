"""Settings → Printers: this workstation's label printers (kept in its settings file, like ``printer add``).

The settings file is read again just before every change, so a printer added meanwhile on the
command line is kept. A new or changed printer is checked by the same rules as ``printer add``
(:func:`~biobank_desktop.core.labels.printers.checked_printer`). **Test** asks the printer on a
worker whether it is ready and says what is wrong in words; **Print calibration label** prints
one label with the example data straight to it, to measure the offsets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.config import Settings
from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.labels.model import LabelTemplate
from biobank_desktop.core.labels.printers import DPI_CHOICES, PRINTER_KINDS, PrinterConfig, checked_printer
from biobank_desktop.core.services.label_printing import PrinterCheck
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.operations.printing import (
    CALIBRATION_CANCEL_NOTE,
    KIND_TEXT,
    check_printer,
    print_calibration_label,
    system_printer_names,
)
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.theme import ERROR, MUTED, OK, ROW_HEIGHT, SPIN_STYLE, WARN
from biobank_desktop.ui.widgets.common import button, form_layout, label

HEADERS = ("Name", "Kind", "Address", "Resolution", "Offset x / y", "Darkness", "Last test")
WIDTHS = (150, 180, 190, 104, 116, 130, 120)
ADDRESS_HINTS = {
    "zpl-tcp": "HOST or HOST:PORT, e.g. 10.0.4.21:9100",
    "zpl-file": "A file path, e.g. /srv/labels/bench3.zpl",
    "cups-raw": "The CUPS queue name, e.g. zebra_raw",
    "pdf-file": "A file path, e.g. ~/labels/out.pdf",
    "system": "The operating system's printer name",
}
STATE_COLOURS = {"ready": OK, "not_ready": WARN, "unreachable": ERROR, "no_status": MUTED}


class PrinterDialog(QDialog):
    """Add or change one printer; OK checks it with the shared rules (``printer`` is then the result)."""

    def __init__(self, existing: list[PrinterConfig], current: PrinterConfig | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printerDialog")
        self.setWindowTitle(f"Change printer {current.name}" if current else "Add a printer")
        self.setMinimumWidth(720)
        self.existing = existing
        self.current = current
        self.printer: PrinterConfig | None = None
        self.setStyleSheet(SPIN_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        form = form_layout()
        self.name = QLineEdit(current.name if current else "")
        self.name.setPlaceholderText("e.g. Bench-3-Zebra")
        self.kind = QComboBox()
        for kind in PRINTER_KINDS:
            self.kind.addItem(KIND_TEXT[kind], kind)
        self.kind.setCurrentIndex(max(0, self.kind.findData(current.kind if current else "zpl-tcp")))
        self.address = QLineEdit(current.address if current else "")
        self.installed = label("", "fieldname", wrap=True)
        self.dpi = QComboBox()
        for dpi in DPI_CHOICES:
            self.dpi.addItem(f"{dpi} dpi", dpi)
        self.dpi.setCurrentIndex(max(0, self.dpi.findData(current.dpi if current else 203)))
        self.offset_x = self._offset(current.offset_x_mm if current else 0.0)
        self.offset_y = self._offset(current.offset_y_mm if current else 0.0)
        self.darkness = QSpinBox()
        self.darkness.setRange(-1, 30)
        self.darkness.setSpecialValueText("The printer's own")
        self.darkness.setValue(-1 if current is None or current.darkness is None else current.darkness)
        offsets = QHBoxLayout()
        offsets.addWidget(label("x", "fieldname"))
        offsets.addWidget(self.offset_x)
        offsets.addSpacing(12)
        offsets.addWidget(label("y", "fieldname"))
        offsets.addWidget(self.offset_y)
        offsets.addSpacing(12)
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Address", self.address)
        form.addRow("", self.installed)
        form.addRow("Resolution", self.dpi)
        form.addRow("Calibration offset", offsets)
        offsets.addWidget(label("+x right, +y down", "fieldname"))
        form.addRow("Darkness (ZPL)", self.darkness)
        layout.addLayout(form)
        self.message = label("", wrap=True)
        self.message.setObjectName("printerMessage")
        self.message.setStyleSheet(f"color: {ERROR}; font-weight: 600;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save printer")
        self.ok_button.setProperty("primary", True)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self._kind_changed()

    @staticmethod
    def _offset(value: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(-10.0, 10.0)
        spin.setDecimals(2)
        spin.setSingleStep(0.1)
        spin.setSuffix(" mm")
        spin.setValue(value)
        spin.setMinimumWidth(130)
        return spin

    def _kind_changed(self) -> None:
        kind = str(self.kind.currentData())
        self.address.setPlaceholderText(ADDRESS_HINTS[kind])
        zpl = kind in ("zpl-tcp", "zpl-file", "cups-raw")
        self.darkness.setEnabled(zpl)
        if kind == "system":
            names = system_printer_names()
            self.installed.setText("Printers of this computer: " + (", ".join(names) if names else "none found"))
        self.installed.setVisible(kind == "system")

    def set_values(self, *, name: str, kind: str, address: str, dpi: int = 203) -> None:
        self.name.setText(name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.address.setText(address)
        self.dpi.setCurrentIndex(max(0, self.dpi.findData(dpi)))

    def _try_accept(self) -> None:
        darkness = self.darkness.value()
        try:
            self.printer = checked_printer(
                self.name.text(), str(self.kind.currentData()), self.address.text(), dpi=int(self.dpi.currentData()),
                offset_x_mm=round(self.offset_x.value(), 2), offset_y_mm=round(self.offset_y.value(), 2),
                darkness=None if darkness < 0 or not self.darkness.isEnabled() else darkness,
                timeout_s=self.current.timeout_s if self.current else 5.0, existing=self.existing,
                replacing=self.current.name if self.current else None)
        except BiobankError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class CalibrationDialog(QDialog):
    """Which template the calibration label uses (the stock loaded in the printer)."""

    def __init__(self, printer: PrinterConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationDialog")
        self.setWindowTitle(f"Calibration label on {printer.name}")
        self.setMinimumWidth(560)
        self.templates: list[LabelTemplate] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.addWidget(label(f"One label with the example sample is printed on {printer.name} (it is not queued "
                               "and not about a real sample). Choose the label stock loaded in the printer.",
                               wrap=True))
        form = form_layout()
        self.template = QComboBox()
        self.template.addItem("Loading the templates…", None)
        form.addRow("Template", self.template)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Print calibration label")
        self.ok_button.setProperty("primary", True)
        self.ok_button.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def set_templates(self, templates: list[LabelTemplate], preferred: str) -> None:
        self.templates = templates
        self.template.clear()
        for template in templates:
            self.template.addItem(f"{template.name} ({template.width_mm:g} × {template.height_mm:g} mm)", template.name)
        self.template.setCurrentIndex(max(0, self.template.findData(preferred)))
        self.ok_button.setEnabled(bool(templates))

    def chosen(self) -> LabelTemplate | None:
        name = self.template.currentData()
        return next((t for t in self.templates if t.name == name), None)


class PrintersSection(QGroupBox):
    """See the module docstring. Messages go to ``page``'s banner; test results under the table."""

    def __init__(self, page: Page) -> None:
        super().__init__("Label printers of this workstation")
        self.setObjectName("printersSection")
        self.page = page
        self.session = page.session
        self.checks: dict[str, PrinterCheck] = {}
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("printerTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate(WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.setMinimumHeight(150)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.edit_printer())

        self.add_button = button("Add printer…", on_click=self.add_printer)
        self.edit_button = button("Change…", on_click=self.edit_printer)
        self.remove_button = button("Remove…", danger=True, on_click=self.remove_printer)
        self.test_button = button("Test", on_click=self.test_printer)
        self.calibrate_button = button("Print calibration label…", on_click=self.print_calibration)
        actions = QHBoxLayout()
        for widget in (self.add_button, self.edit_button, self.remove_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        actions.addWidget(self.test_button)
        actions.addWidget(self.calibrate_button)
        self.status = label("", wrap=True, selectable=True)
        self.status.setObjectName("printerStatus")
        layout = QVBoxLayout(self)
        layout.addWidget(label("Printers sit next to a workstation: they are kept on this computer only. The "
                               "Labels page prints to them; the print rules name them.", "fieldname", wrap=True))
        layout.addWidget(self.table)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        self.fill()

    # -- the list -------------------------------------------------------------------------------------------

    def printers(self) -> list[PrinterConfig]:
        """This workstation's printers as the settings hold them; a malformed entry is shown, not used."""
        found: list[PrinterConfig] = []
        for raw in self.session.settings.printers:
            try:
                found.append(PrinterConfig.from_dict(raw))
            except ValidationError as exc:
                self.page.banner.show_message(str(exc), "error")
        return found

    def reload_from_disk(self) -> None:
        """Take the printers saved in the settings file (``printer add`` on the command line may have changed them)."""
        try:
            fresh = Settings.load()
        except BiobankError as exc:
            self.page.banner.show_message(str(exc), "error")
            return
        if Settings.path().exists():
            self.session.settings.printers = fresh.printers
        self.fill()

    def fill(self) -> None:
        selected = self.selected()
        printers = self.printers()
        self.table.setRowCount(len(printers))
        for row, printer in enumerate(printers):
            check = self.checks.get(printer.name)
            darkness = "printer's own" if printer.darkness is None else str(printer.darkness)
            if not printer.speaks_zpl:
                darkness = "—"
            values = (printer.name, KIND_TEXT[printer.kind].split(" (")[0], printer.address, f"{printer.dpi} dpi",
                      f"{printer.offset_x_mm:g} / {printer.offset_y_mm:g} mm", darkness,
                      {"ready": "Ready", "not_ready": "Not ready", "unreachable": "Not reachable",
                       "no_status": "No status"}.get(check.state, "") if check else "Not tested")
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(check.text if column == 6 and check else value)
                if column == 6 and check:
                    item.setForeground(self.table.palette().text() if check.state == "no_status" else
                                       QBrush(QColor(STATE_COLOURS[check.state])))
                self.table.setItem(row, column, item)
            if selected is not None and printer.name == selected.name:
                self.table.selectRow(row)
        if selected is None and printers:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> PrinterConfig | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        name_item = self.table.item(rows[0].row(), 0)
        name = name_item.text() if name_item else ""
        return next((p for p in self.printers() if p.name == name), None)

    def select(self, name: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() == name:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for widget in (self.edit_button, self.remove_button, self.test_button, self.calibrate_button):
            widget.setEnabled(chosen)

    def _change(self, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], done: str) -> bool:
        """Apply ``change`` to the printers in the settings file as it is now (re-read first), then save."""
        try:
            fresh = Settings.load()
            fresh.printers = change(list(fresh.printers))
            fresh.save()
        except (OSError, BiobankError) as exc:
            self.page.banner.show_message(f"The printers could not be saved: {exc}", "error")
            return False
        self.session.settings.printers = fresh.printers
        self.page.banner.show_message(done, "ok")
        self.fill()
        return True

    # -- actions ----------------------------------------------------------------------------------------------

    def _open(self, dialog: QDialog, accepted: Callable[[], None]) -> None:
        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def add_printer(self) -> PrinterDialog:
        self.reload_from_disk()
        dialog = PrinterDialog(self.printers(), None, self)

        def accepted() -> None:
            printer = dialog.printer
            assert printer is not None
            if self._change(lambda printers: [*[p for p in printers if p.get("name") != printer.name],
                                              printer.to_dict()],
                            f"Printer {printer.name} added. Test it, then print a calibration label."):
                self.select(printer.name)

        self._open(dialog, accepted)
        return dialog

    def edit_printer(self) -> PrinterDialog | None:
        current = self.selected()
        if current is None:
            return None
        self.reload_from_disk()
        dialog = PrinterDialog(self.printers(), current, self)

        def accepted() -> None:
            printer = dialog.printer
            assert printer is not None

            def change(printers: list[dict[str, Any]]) -> list[dict[str, Any]]:
                out = [printer.to_dict() if p.get("name") == current.name else p for p in printers]
                return out if any(p.get("name") == current.name for p in printers) else [*out, printer.to_dict()]

            self.checks.pop(current.name, None)
            if self._change(change, f"Printer {printer.name} saved."):
                self.select(printer.name)

        self._open(dialog, accepted)
        return dialog

    def remove_printer(self) -> QMessageBox | None:
        current = self.selected()
        if current is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Remove the printer",
                          f"Remove {current.name} from this workstation? Print jobs waiting for it stay in the queue; "
                          "print them on another printer.", QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("removePrinterBox")
        remove = box.addButton("Remove printer", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_r: int) -> None:
            if box.clickedButton() is remove:
                self._change(lambda printers: [p for p in printers if p.get("name") != current.name],
                             f"Printer {current.name} removed from this workstation.")

        box.finished.connect(answered)
        box.open()
        return box

    def _show_status(self, state: str, text: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {STATE_COLOURS.get(state, MUTED)}; font-weight: 600;")
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.ensureWidgetVisible(self.status)

    def test_printer(self) -> None:
        printer = self.selected()
        if printer is None:
            return
        self.test_button.setEnabled(False)
        self._show_status("no_status", f"Asking {printer.name}…")

        def answered(check: PrinterCheck) -> None:
            self.checks[printer.name] = check
            self._show_status(check.state, check.text)
            self.fill()

        def failed(exc: BaseException) -> None:
            message, _hint = error_text(exc)
            answered(PrinterCheck("unreachable", f"{printer.name} is not reachable: {message}"))

        self.session.runner.call(lambda: check_printer(printer), on_result=answered, on_error=failed, owner=self,
                                 title=f"Asking {printer.name} whether it is ready")

    def print_calibration(self) -> CalibrationDialog | None:
        printer = self.selected()
        if printer is None:
            return None
        dialog = CalibrationDialog(printer, self)
        labelling = self.session.services.labelling
        self.session.runner.call(labelling.templates,
                                 on_result=lambda templates: dialog.set_templates(templates, "cryovial-25x13"),
                                 on_error=self.page.show_error, owner=dialog)

        def accepted() -> None:
            template = dialog.chosen()
            if template is None:
                return
            self._show_status("no_status", f"Printing a calibration label on {printer.name}…")

            def failed(exc: BaseException) -> None:
                message, hint = error_text(exc)
                self._show_status("unreachable", f"Not printed: {message} {hint or ''}".strip())

            # Sent is sent: a Cancel (or a logout) meanwhile must not hide that the label went to the printer.
            self.session.runner.call(lambda: print_calibration_label(printer, template),
                                     on_result=lambda text: self._show_status("ready", text), on_error=failed,
                                     owner=self, title=f"Printing a calibration label on {printer.name}",
                                     discard_if_cancelled=False, cancel_note=CALIBRATION_CANCEL_NOTE)

        self._open(dialog, accepted)
        return dialog
