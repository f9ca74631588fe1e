"""The reception page's shipment list: open, partly received and closed shipments, per partner and date, with
their counts; a new shipment without manifest, or one from a manifest (the Exchange import)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.dto import SiteInfo
from biobank_desktop.core.services.reception import ShipmentInfo
from biobank_desktop.ui.models.reception import ShipmentListModel
from biobank_desktop.ui.models.reception_words import STATUS_LABELS, shown_of
from biobank_desktop.ui.operations.writes import WritingPage
from biobank_desktop.ui.widgets.common import button, fit_columns, label, table_view
from biobank_desktop.ui.widgets.date_field import DateField

LIST_LIMIT = 500


class ShipmentList(QWidget):
    """Filters, the table, and the buttons that start a shipment. ``opened(code)``: the technician chose one."""

    opened = Signal(str)

    def __init__(self, page: WritingPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = page.session
        self.loaded = 0  # how many times the list was read (tests wait on it)
        self.sites: list[SiteInfo] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.status = QComboBox()
        self.status.setObjectName("shipmentStatusFilter")
        for value, text in (("open", self.tr("Open (nothing or part received)")),
                            ("partly received", self.tr("Partly received")), ("closed", self.tr("Closed")),
                            (None, self.tr("All shipments"))):
            self.status.addItem(text, value)
        self.partner = QComboBox()
        self.partner.setObjectName("shipmentPartnerFilter")
        self.partner.addItem(self.tr("All partner sites"), None)
        self.partner.setMinimumContentsLength(18)
        self.partner.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.since = DateField(self.tr("from any day"))
        self.until = DateField(self.tr("to any day"))
        filters.addWidget(self.status, 2)
        filters.addWidget(self.partner, 2)
        filters.addWidget(label(self.tr("Created"), "fieldname"))
        filters.addWidget(self.since, 1)
        filters.addWidget(label(self.tr("to")))
        filters.addWidget(self.until, 1)
        layout.addLayout(filters)
        for combo in (self.status, self.partner):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        for field in (self.since, self.until):
            field.value_changed.connect(lambda _v: self.reload())

        self.summary = label("", "value")
        self.summary.setObjectName("shipmentSummary")
        layout.addWidget(self.summary)
        self.model = ShipmentListModel()
        self.table = table_view("shipmentTable", self.model, widths=(140, 80, 130, 110, 200, 92, 84, 116, 100, 86))
        fit_columns(self.table, stretch=(4,))
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.open_button = button(self.tr("Open the board"), primary=True, on_click=self.open_selected)
        self.open_button.setObjectName("openShipment")
        self.new_button = button(self.tr("New shipment without manifest…"))
        self.new_button.setObjectName("newShipment")
        self.manifest_button = button(self.tr("New shipment from a manifest…"))
        self.manifest_button.setObjectName("shipmentFromManifest")
        may = self.session.can(Permission.RECORD_SAMPLES)
        for widget in (self.new_button, self.manifest_button):
            widget.setEnabled(may)
            if not may:
                widget.setToolTip(self.tr("Your role may not receive samples."))
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.manifest_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)

    # -- reading ---------------------------------------------------------------------------------------------

    def load_sites(self, then: Callable[[], None] | None = None) -> None:
        reference = self.session.services.reference

        def fill(sites: list[SiteInfo]) -> None:
            self.sites = sites
            chosen = self.partner.currentData()
            self.partner.blockSignals(True)
            while self.partner.count() > 1:
                self.partner.removeItem(1)
            for site in sites:
                self.partner.addItem(f"{site.code} — {site.name}", site.code)
            index = self.partner.findData(chosen)
            self.partner.setCurrentIndex(max(index, 0))
            self.partner.blockSignals(False)
            if then:
                then()

        self.session.runner.call(reference.sites, on_result=fill, on_error=self.page.show_error, owner=self)

    def reload(self) -> None:
        service = self.session.services.reception
        status, partner = self.status.currentData(), self.partner.currentData()
        since, until = self.since.value(), self.until.value()

        def shown(rows: list[ShipmentInfo]) -> None:
            current = self.selected_code()
            self.model.set_rows(rows)
            self.loaded += 1
            self._summarise(rows)
            for row in range(self.model.rowCount()):
                if self.model.code_at(row) == current:
                    self.table.selectRow(row)
                    break
            else:
                if rows:
                    self.table.selectRow(0)
            self.open_button.setEnabled(bool(rows))

        self.session.runner.call(lambda: service.shipments(status=status, partner=partner, since=since, until=until,
                                                           limit=LIST_LIMIT),
                                 on_result=shown, on_error=self.page.show_error, owner=self)

    def _summarise(self, rows: list[ShipmentInfo]) -> None:
        if not rows:
            self.summary.setText(self.tr("No shipment matches these filters."))
            return
        by_status = Counter(r.status for r in rows)
        parts = [f"{n} {shown_of(STATUS_LABELS, status)}" for status, n in sorted(by_status.items())]
        waiting = sum(r.counts.missing for r in rows if r.status != "closed")
        text = self.tr("{n} shipment(s): {parts}.").format(n=len(rows), parts=", ".join(parts))
        if waiting:
            text += " " + self.tr("{n} tube(s) still expected in the open ones.").format(n=waiting)
        if len(rows) >= LIST_LIMIT:
            text += " " + self.tr("Only the newest {n} are shown: narrow the filters.").format(n=LIST_LIMIT)
        self.summary.setText(text)

    # -- choosing ----------------------------------------------------------------------------------------------

    def selected_code(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.code_at(index.row()) if index.isValid() else None

    def open_selected(self) -> None:
        code = self.selected_code()
        if code:
            self.opened.emit(code)

    def _activated(self, index: QModelIndex) -> None:
        code = self.model.code_at(index.row())
        if code:
            self.opened.emit(code)

    def find_code(self, text: str) -> str | None:
        """The listed shipment whose code or tracking number is ``text`` (a scan of the courier's slip)."""
        wanted = text.strip().upper()
        for info in self.model.shipments():
            if info.code.upper() == wanted or (info.details.tracking_number or "").upper() == wanted:
                return info.code
        return None
