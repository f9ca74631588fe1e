"""The reception page's forms: a shipment without manifest, the arrival conditions, a tube registered at the
bench (unexpected, or with no barcode), the consent stop. Each form only collects values; the page writes them
through the reception service (on the worker) and the dialog never touches the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication, QDateTime, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.volumes import MICROLITRE, parse_volume
from biobank_desktop.core.services.dto import SiteInfo, StudyInfo
from biobank_desktop.core.services.reception import ArrivalConditions
from biobank_desktop.ui.widgets.common import form_layout, label
from biobank_desktop.ui.widgets.date_field import locale_is_day_first, parse_date

COURIERS = ("World Courier", "Marken", "DHL Medical Express", "BioCair", "Hand delivery")
MOMENT_STYLE = ("QDateTimeEdit { min-height: 36px; padding: 2px 8px; border: 1px solid #b7c0cc; border-radius: 5px; "
                "background: #ffffff; } QDateTimeEdit:focus { border: 2px solid #0b5cad; }")


def moment_field(name: str, value: dt.datetime | None = None) -> QDateTimeEdit:
    """A local date and time, typed or picked (``yyyy-MM-dd HH:mm``), now unless told."""
    field = QDateTimeEdit()
    field.setObjectName(name)
    field.setDisplayFormat("yyyy-MM-dd HH:mm")
    field.setCalendarPopup(True)
    field.setStyleSheet(MOMENT_STYLE)
    if value is not None:
        local = value.astimezone()
        field.setDateTime(QDateTime(local.year, local.month, local.day, local.hour, local.minute, 0))
    else:
        field.setDateTime(QDateTime.currentDateTime())
    field.setMinimumWidth(200)
    return field


def moment_of(field: QDateTimeEdit) -> dt.datetime:
    """The field's moment, aware (UTC) as services store it."""
    value = field.dateTime().toPython()
    assert isinstance(value, dt.datetime)
    return value.astimezone().astimezone(dt.UTC)


def parse_decimal(text: str) -> Decimal | None:
    """'3,5' or '3.5' -> Decimal('3.5'); '' -> None; ValueError for anything else."""
    text = text.strip().replace(",", ".").replace("−", "-")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


def parse_volume_text(text: str) -> Decimal | None:
    """A volume as people write it ('450', '450 µl', '1,5 mL') in µL; '' -> None; ValidationError otherwise."""
    return parse_volume(text, MICROLITRE) if text.strip() else None


def volume_problem(text: str) -> str:
    """Why ``text`` is not a volume ('' when it is one, or empty), said with an example."""
    try:
        parse_volume_text(text)
    except ValidationError as exc:
        return QCoreApplication.translate("ReceptionDialogs", "{why} Write it like 450, 450 µl or 1,5 mL.").format(
            why=exc.message)
    return ""


def parse_moment(text: str) -> dt.datetime | None:
    """A local date and time as typed: the date as the workstation writes it (30.11.2026, 2026-11-30, …,
    day-first where the locale is) and an optional time (08:15); aware UTC. '' -> None; ValueError otherwise."""
    text = text.strip().replace("T", " ")
    if not text:
        return None
    day_text, _, time_text = text.partition(" ")
    day_first = locale_is_day_first() or "." in day_text  # 30.11.2026 is day-first wherever dots are written
    try:
        day = parse_date(day_text, day_first=day_first)
    except ValueError:  # impossible in that order (30/11 month-first): the one reading left
        day = parse_date(day_text, day_first=not day_first)
    assert day is not None
    clock = dt.time(0, 0)
    if time_text.strip():
        clock = dt.time.fromisoformat(time_text.strip().replace(".", ":").rjust(5, "0"))
    return dt.datetime.combine(day, clock).astimezone().astimezone(dt.UTC)


class FormDialog(QDialog):
    """A titled form with OK/Cancel; OK stays disabled while :meth:`problem` names something to fix (shown in red
    under the form). Enter in a one-line field moves on to the next field (a scanner ends a tracking number with
    Enter: it must not confirm a half-filled form); Ctrl+Enter confirms."""

    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(600)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(24, 20, 24, 18)
        self.column.setSpacing(10)
        if intro:
            self.column.addWidget(label(intro, wrap=True))
        self.form = form_layout()
        self.column.addLayout(self.form)
        self.problem_label = label("", wrap=True)
        self.problem_label.setObjectName("formProblem")
        self.problem_label.setStyleSheet("color: #a4161a; font-weight: 600;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setProperty("primary", True)
        self.ok_button.setAutoDefault(False)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)

    def finish(self) -> None:
        self.column.addWidget(self.problem_label)
        self.column.addWidget(self.buttons)
        for edit in self.findChildren(QLineEdit):
            edit.textChanged.connect(self.update_state)
        for combo in self.findChildren(QComboBox):
            combo.currentIndexChanged.connect(self.update_state)
        self.update_state()

    def problem(self) -> str:
        """What keeps the form from being saved ('' when nothing)."""
        return ""

    def update_state(self) -> None:
        problem = self.problem()
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
        self.ok_button.setEnabled(not problem)

    def _confirm(self) -> None:
        if not self.problem():
            self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self._confirm()
            else:
                self.focusNextChild()
            return
        super().keyPressEvent(event)


def _decimal_problem(edit: QLineEdit, what: str) -> str:
    try:
        parse_decimal(edit.text())
    except ValueError:
        return QCoreApplication.translate("ReceptionDialogs", "{what} must be a number, e.g. -72.5").format(what=what)
    return ""


class NewShipmentDialog(FormDialog):
    """A shipment that came without a manifest: who sent it, how, when."""

    def __init__(self, sites: Sequence[SiteInfo], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("New shipment without manifest"),
                         self.tr("The tubes are registered as they are scanned. A shipment with a manifest is created "
                                 "by importing the manifest instead."), self.tr("Create shipment"), parent)
        self.setObjectName("newShipmentDialog")
        self.partner = QComboBox()
        self.partner.setObjectName("shipmentPartner")
        self.partner.addItem(self.tr("Choose the partner site…"), None)
        for site in sites:
            self.partner.addItem(f"{site.code} — {site.name}", site.code)
        self.sender_edit = QLineEdit()
        self.sender_edit.setObjectName("shipmentSender")
        self.sender_edit.setPlaceholderText(self.tr("Person or department who packed it (optional)"))
        self.courier = QComboBox()
        self.courier.setObjectName("shipmentCourier")
        self.courier.setEditable(True)
        self.courier.addItems(["", *COURIERS])
        courier_edit = self.courier.lineEdit()
        if courier_edit is not None:
            courier_edit.setPlaceholderText(self.tr("Courier (optional)"))
        self.tracking = QLineEdit()
        self.tracking.setObjectName("shipmentTracking")
        self.tracking.setPlaceholderText(self.tr("Scan or type the tracking number (optional)"))
        self.shipped_at = moment_field("shipmentShippedAt")
        self.form.addRow(self.tr("Partner site"), self.partner)
        self.form.addRow(self.tr("Sender"), self.sender_edit)
        self.form.addRow(self.tr("Courier"), self.courier)
        self.form.addRow(self.tr("Tracking number"), self.tracking)
        self.form.addRow(self.tr("Shipped at"), self.shipped_at)
        self.finish()

    def problem(self) -> str:
        if self.partner.currentData() is None:
            return self.tr("Choose the partner site that sent the shipment.")
        return ""

    def values(self) -> dict[str, object]:
        return {"partner": str(self.partner.currentData()), "sender": self.sender_edit.text().strip(),
                "courier": self.courier.currentText().strip(), "tracking": self.tracking.text().strip(),
                "shipped_at": moment_of(self.shipped_at)}


class ArrivalDialog(FormDialog):
    """How the parcel arrived: its temperature class, dry ice, the logger's or probe's reading, the packaging, notes.

    ``current``: the values recorded so far (keys as :meth:`values` gives them), shown for correction."""

    def __init__(self, temperatures: dict[str, str], dry_ice: dict[str, str], current: dict[str, object],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Arrival conditions"),
                         self.tr("Record how the shipment arrived. They are printed on the discrepancy report."),
                         self.tr("Save conditions"), parent)
        self.setObjectName("arrivalDialog")
        self.received_at = moment_field("arrivalReceivedAt", current.get("received_at"))  # type: ignore[arg-type]
        self.temperature = QComboBox()
        self.temperature.setObjectName("arrivalTemperature")
        self.temperature.addItem(self.tr("Choose how it travelled…"), None)
        for code, text in temperatures.items():
            self.temperature.addItem(text, code)
        self.dry_ice = QComboBox()
        self.dry_ice.setObjectName("arrivalDryIce")
        for code, text in dry_ice.items():
            self.dry_ice.addItem(text, code)
        self.temperature_c = QLineEdit()
        self.temperature_c.setObjectName("arrivalTemperatureC")
        self.temperature_c.setPlaceholderText(self.tr("°C: the logger's reading, or the probe's on opening (optional)"))
        self.intact = QRadioButton(self.tr("Intact"))
        self.intact.setObjectName("packagingIntact")
        self.damaged = QRadioButton(self.tr("Damaged"))
        self.damaged.setObjectName("packagingDamaged")
        self.packaging = QButtonGroup(self)
        self.packaging.addButton(self.intact)
        self.packaging.addButton(self.damaged)
        packaging_row = QHBoxLayout()
        packaging_row.addWidget(self.intact)
        packaging_row.addWidget(self.damaged)
        packaging_row.addStretch(1)
        packaging_holder = QWidget()
        packaging_holder.setLayout(packaging_row)
        packaging_row.setContentsMargins(0, 0, 0, 0)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("arrivalNotes")
        self.notes.setPlaceholderText(self.tr("Anything worth keeping: lid cracked, logger missing, late…"))
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(90)
        self.form.addRow(self.tr("Received at"), self.received_at)
        self.form.addRow(self.tr("Transport"), self.temperature)
        self.form.addRow(self.tr("Dry ice"), self.dry_ice)
        self.form.addRow(self.tr("Logger / probe"), self.temperature_c)
        self.form.addRow(self.tr("Packaging"), packaging_holder)
        self.form.addRow(self.tr("Notes"), self.notes)
        self._fill(current)
        self.temperature.currentIndexChanged.connect(self._transport_changed)
        self.packaging.buttonToggled.connect(lambda *_: self.update_state())
        self._transport_changed()
        self.finish()

    def _fill(self, current: dict[str, object]) -> None:
        for combo, key in ((self.temperature, "transport_temperature"), (self.dry_ice, "dry_ice_left")):
            index = combo.findData(current.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        value = current.get("temperature_c")
        self.temperature_c.setText("" if value is None else str(value))
        packaging = current.get("packaging")
        if packaging == "damaged":
            self.damaged.setChecked(True)
        elif packaging == "intact":
            self.intact.setChecked(True)
        self.notes.setPlainText(str(current.get("notes") or ""))

    def _transport_changed(self) -> None:
        dry = self.temperature.currentData() == "dry_ice"
        self.dry_ice.setEnabled(dry)
        if not dry:
            index = self.dry_ice.findData("na")
            if index >= 0:
                self.dry_ice.setCurrentIndex(index)
        elif self.dry_ice.currentData() == "na":
            self.dry_ice.setCurrentIndex(max(0, self.dry_ice.findData("yes")))

    def problem(self) -> str:
        if self.temperature.currentData() is None:
            return self.tr("Choose how the shipment travelled.")
        if self.packaging.checkedButton() is None:
            return self.tr("Say whether the packaging is intact or damaged.")
        return _decimal_problem(self.temperature_c, self.tr("The temperature"))

    def conditions(self) -> ArrivalConditions:
        return ArrivalConditions(received_at=moment_of(self.received_at),
                                 transport_temperature=self.temperature.currentData(),
                                 dry_ice_left=self.dry_ice.currentData() if self.dry_ice.isEnabled() else "na",
                                 temperature_c=parse_decimal(self.temperature_c.text()),
                                 packaging="damaged" if self.damaged.isChecked() else "intact")

    def notes_text(self) -> str:
        return self.notes.toPlainText().strip()


class RegisterTubeDialog(FormDialog):
    """What the technician knows of a tube the manifest does not list (``barcode``), or of a tube with no barcode
    (``barcode`` None: it gets the biobank's label). The study and the sample type are needed; the rest helps."""

    def __init__(self, barcode: str | None, studies: Sequence[StudyInfo], sample_types: Sequence[tuple[str, str]],
                 parent: QWidget | None = None, *, study: str | None = None) -> None:
        title = (self.tr("Accept the unexpected tube {code}").format(code=barcode) if barcode
                 else self.tr("Register a tube with no barcode"))
        intro = (self.tr("The manifest does not list {code}. Register it with what you know; it is accessioned like "
                         "the others.").format(code=barcode) if barcode
                 else self.tr("The tube has no readable barcode. It is registered with what you know and gets the "
                              "biobank's label."))
        super().__init__(title, intro, self.tr("Accept and register"), parent)
        self.setObjectName("registerTubeDialog")
        self.barcode = barcode
        self.study = QComboBox()
        self.study.setObjectName("registerStudy")
        self.study.addItem(self.tr("Choose the study…"), None)
        for info in studies:
            self.study.addItem(f"{info.code} — {info.name}", info.code)
        if study is not None and self.study.findData(study) >= 0:
            self.study.setCurrentIndex(self.study.findData(study))
        self.pseudonym = QLineEdit()
        self.pseudonym.setObjectName("registerPseudonym")
        self.pseudonym.setPlaceholderText(self.tr("The participant's pseudonym in the study (created when new)"))
        self.sample_type = QComboBox()
        self.sample_type.setObjectName("registerSampleType")
        self.sample_type.addItem(self.tr("Choose the sample type…"), None)
        for code, name in sample_types:
            self.sample_type.addItem(f"{code} — {name}", code)
        self.volume = QLineEdit()
        self.volume.setObjectName("registerVolume")
        self.volume.setPlaceholderText(self.tr("e.g. 450 µl or 1,5 mL (optional)"))
        self.collected = QLineEdit()
        self.collected.setObjectName("registerCollected")
        self.collected.setPlaceholderText(self.tr("date and time, e.g. 30.11.2026 08:15, as written on the tube "
                                                  "(optional)"))
        self.comment = QLineEdit()
        self.comment.setObjectName("registerComment")
        self.form.addRow(self.tr("Study"), self.study)
        self.form.addRow(self.tr("Participant"), self.pseudonym)
        self.form.addRow(self.tr("Sample type"), self.sample_type)
        self.form.addRow(self.tr("Volume"), self.volume)
        self.form.addRow(self.tr("Collected at"), self.collected)
        self.form.addRow(self.tr("Comment"), self.comment)
        self.quarantine: QLineEdit | None = None
        if barcode is None:  # a listed or unexpected tube is quarantined from the board, with its own reason dialog
            self.quarantine = QLineEdit()
            self.quarantine.setObjectName("registerQuarantineReason")
            self.quarantine.setPlaceholderText(self.tr("Only when the participant has no valid consent: why the tube "
                                                       "is kept in quarantine"))
            self.form.addRow(self.tr("Quarantine reason"), self.quarantine)
        self.finish()

    def quarantine_reason(self) -> str | None:
        """The reason to register the tube in quarantine (None: not in quarantine; consent is then required)."""
        text = self.quarantine.text().strip() if self.quarantine is not None else ""
        return text or None

    def collected_at(self) -> dt.datetime | None:
        return parse_moment(self.collected.text())

    def problem(self) -> str:
        if self.study.currentData() is None:
            return self.tr("Choose the study the tube belongs to.")
        if not self.pseudonym.text().strip():
            return self.tr("Write the participant's pseudonym (consent is checked against it).")
        if self.sample_type.currentData() is None:
            return self.tr("Choose the sample type.")
        problem = volume_problem(self.volume.text())
        if problem:
            return problem
        try:
            self.collected_at()
        except ValueError:
            return self.tr("Write the collection time as a date and a time, e.g. 30.11.2026 08:15 or "
                           "2026-11-30 08:15.")
        return ""

    def values(self) -> dict[str, object]:
        return {"study": str(self.study.currentData()), "pseudonym": self.pseudonym.text().strip(),
                "sample_type": str(self.sample_type.currentData()), "volume_ul": parse_volume_text(self.volume.text()),
                "collected_at": self.collected_at(), "comment": self.comment.text().strip(),
                "quarantine_reason": self.quarantine_reason()}
