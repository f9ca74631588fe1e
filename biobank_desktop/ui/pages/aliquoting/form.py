"""What to make of one parent: the child type, how many, the volume of each (or split evenly), the dead volume,
the arithmetic as it is typed, and the processing a derivative needs for its SPREC code.

The form never writes. It says whether the request may be sent (:meth:`AliquotForm.problem`: '' when it may;
else the reason, shown under the arithmetic while the Aliquot button stays disabled) and builds the request's
parts. An over-draw is refused here, before anything reaches the service (which checks it again).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.derivation import check_processing_times
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services.aliquoting import ChildLine, DerivativeProcessing, ParentInfo
from biobank_desktop.ui.pages.aliquoting.arithmetic import Draw, Units, draw
from biobank_desktop.ui.pages.aliquoting.fields import TimeField
from biobank_desktop.ui.widgets.common import label

#: The width of the captions on the left of the form (the protocol row above it uses the same, so they align).
CAPTION_WIDTH = 120
#: Child types made by extraction (no spin of their own to time, an extraction start instead).
EXTRACTS = ("DNA", "RNA")


def _codes(key: str) -> list[tuple[str, str]]:
    tables = sprec.load_sprec_tables()
    return tables.element("fluid", key).options()


def _combo(name: str, items: list[tuple[str, str]], none_text: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItem(none_text, None)
    for code, meaning in items:
        combo.addItem(f"{code} — {meaning}", code)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(10)
    combo.view().setMinimumWidth(420)
    return combo


class ProcessingBox(QGroupBox):
    """The processing a derivative records (its SPREC code is derived from it): the spin's start and END, its
    code, a second spin, the temperature after it, or an extraction's start; when the children were frozen."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("processingBox")
        self.setTitle(self.tr("How the derivative was made (for its SPREC code)"))
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        self.setToolTip(self.tr("Leave empty what was not recorded: its SPREC element is then X (unknown)"))
        self.spin_start = TimeField(self.tr("e.g. 14:05"))
        self.spin_end = TimeField(self.tr("e.g. 14:20"))
        self.spin = _combo("spinCode", _codes("centrifugation"), self.tr("— spin not recorded —"))
        self.second_spin = _combo("secondSpinCode", _codes("second_centrifugation"),
                                  self.tr("— no second spin recorded —"))
        self.post_temp = QComboBox()
        self.post_temp.setObjectName("postTemp")
        for value, text in ((None, self.tr("— temperature after the spin —")), ("RT", self.tr("Room temperature")),
                            ("COLD", self.tr("Cold (2–10 °C)"))):
            self.post_temp.addItem(text, value)
        self.extraction_start = TimeField(self.tr("e.g. 14:05"))
        self.frozen = TimeField(self.tr("e.g. 15:10"))
        self._captions = {
            "spin_start": label(self.tr("Spin started"), "fieldname"),
            "spin_end": label(self.tr("Spin END"), "fieldname"),
            "extraction_start": label(self.tr("Extraction started"), "fieldname"),
        }
        grid.addWidget(self._captions["spin_start"], 0, 0)
        grid.addWidget(self.spin_start, 0, 1)
        grid.addWidget(self._captions["spin_end"], 0, 2)
        grid.addWidget(self.spin_end, 0, 3)
        grid.addWidget(self._captions["extraction_start"], 1, 0)
        grid.addWidget(self.extraction_start, 1, 1)
        grid.addWidget(self.spin, 2, 0, 1, 2)
        grid.addWidget(self.second_spin, 2, 2, 1, 2)
        grid.addWidget(self.post_temp, 3, 0, 1, 2)
        grid.addWidget(label(self.tr("Frozen at"), "fieldname"), 3, 2)
        grid.addWidget(self.frozen, 3, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for field in (self.spin_start, self.spin_end, self.extraction_start, self.frozen):
            field.changed.connect(self.changed)
        for combo in (self.spin, self.second_spin, self.post_temp):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.set_child_type(None)

    def set_child_type(self, child_type: str | None) -> None:
        """Spin inputs for a fraction, an extraction start for DNA/RNA."""
        extract = child_type in EXTRACTS
        for widget in (self.spin_start, self.spin_end, self.second_spin, self._captions["spin_start"],
                       self._captions["spin_end"]):
            widget.setVisible(not extract)
        for widget in (self.extraction_start, self._captions["extraction_start"]):
            widget.setVisible(extract)

    def problem(self) -> str:
        for field in (self.spin_start, self.spin_end, self.extraction_start, self.frozen):
            if field.isVisibleTo(self) and field.problem():
                return field.problem()
        try:
            start, end = self.spin_start.value(), self.spin_end.value()
        except ValueError:
            return ""
        if start is not None and end is not None and end < start:
            return self.tr("The spin cannot end before it started.")
        try:  # the domain's own check (the service repeats it with the parent's collection time)
            check_processing_times(self.processing(), None)
        except ValidationError as exc:
            return f"{exc.message} {exc.hint or ''}".strip()
        return ""

    def processing(self) -> DerivativeProcessing:
        extract = not self.spin_start.isVisibleTo(self)
        return DerivativeProcessing(
            centrifuged_at=None if extract else self.spin_start.value(),
            centrifugation_ended_at=None if extract else self.spin_end.value(),
            centrifugation=self.spin.currentData(),
            second_centrifugation=None if extract else self.second_spin.currentData(),
            post_centrifugation_temp=self.post_temp.currentData(),
            extracted_at=self.extraction_start.value() if extract else None,
            frozen_at=self.frozen.value())

    def clear(self) -> None:
        for field in (self.spin_start, self.spin_end, self.extraction_start, self.frozen):
            field.clear()
        for combo in (self.spin, self.second_spin, self.post_temp):
            combo.setCurrentIndex(0)


class AliquotForm(QWidget):
    """See the module docstring. ``changed`` whenever what it would ask for (or its problem) changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: ParentInfo | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        self.child_type = QComboBox()
        self.child_type.setObjectName("childType")
        self.child_type.setMinimumContentsLength(24)
        self.child_type.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.count = QLineEdit()
        self.count.setObjectName("childCount")
        self.count.setPlaceholderText(self.tr("e.g. 6"))
        self.count.setMaximumWidth(90)
        self.each = QLineEdit()
        self.each.setObjectName("volumeEach")
        self.each.setPlaceholderText(self.tr("e.g. 0.5 mL or 500 µL"))
        self.split = QCheckBox(self.tr("Split evenly"))
        self.split.setObjectName("splitEvenly")
        self.split.setToolTip(self.tr("Each child gets an equal share of what is above the dead volume"))
        self.dead = QLineEdit()
        self.dead.setObjectName("deadVolume")
        self.dead.setPlaceholderText(self.tr("e.g. 0,2 mL (empty: none)"))

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        grid.addWidget(label(self.tr("Make"), "fieldname"), 0, 0)
        grid.addWidget(self.child_type, 0, 1, 1, 4)
        grid.addWidget(label(self.tr("Children"), "fieldname"), 1, 0)
        grid.addWidget(self.count, 1, 1)
        grid.addWidget(label(self.tr("Volume each"), "fieldname"), 1, 2)
        each_row = QHBoxLayout()
        each_row.addWidget(self.each, 1)
        each_row.addWidget(self.split)
        grid.addLayout(each_row, 1, 3, 1, 2)
        grid.addWidget(label(self.tr("Dead volume"), "fieldname"), 2, 0)
        grid.addWidget(self.dead, 2, 1, 1, 2)
        grid.setColumnStretch(3, 1)
        grid.setColumnMinimumWidth(0, CAPTION_WIDTH)
        layout.addLayout(grid)

        self.sum_label = label("", "mono", wrap=True, selectable=True)
        self.sum_label.setObjectName("aliquotSum")
        self.reason_label = label("", wrap=True)
        self.reason_label.setObjectName("aliquotProblem")
        self.reason_label.setStyleSheet("color: #a4161a; font-weight: 600;")
        layout.addWidget(self.sum_label)
        layout.addWidget(self.reason_label)
        self.processing = ProcessingBox()
        layout.addWidget(self.processing)
        self.processing.hide()

        for edit in (self.count, self.each, self.dead):
            edit.textChanged.connect(self._update)
        self.split.toggled.connect(self._split_toggled)
        self.child_type.currentIndexChanged.connect(self._type_chosen)
        self.processing.changed.connect(self._update)
        self._draw: Draw | None = None
        self._comma = QLocale().decimalPoint() == ","
        self._each_typed = ""
        self._update()

    # -- the parent --------------------------------------------------------------------------------------------

    def set_parent(self, info: ParentInfo | None) -> None:
        """Offer what ``info`` allows; the numbers typed stay (the next parent is usually split the same way)."""
        same = info is not None and self.info is not None and info.sample_code == self.info.sample_code
        chosen = self.child_type.currentData() if same else None  # a refresh keeps the choice
        self.info = info
        self.child_type.blockSignals(True)
        self.child_type.clear()
        if info is not None:
            for code, meaning in info.child_types:
                if code == info.sample_type:
                    text = self.tr("Aliquots of the same material: {code} — {meaning}").format(code=code,
                                                                                            meaning=meaning)
                else:
                    text = self.tr("Derivative: {code} — {meaning}").format(code=code, meaning=meaning)
                self.child_type.addItem(text, code)
        self.child_type.setCurrentIndex(max(0, self.child_type.findData(chosen)))
        self.child_type.blockSignals(False)
        self._type_chosen()

    def available(self) -> Decimal:
        return self.info.volume_ul if self.info is not None and self.info.volume_ul is not None else Decimal(0)

    def units(self) -> Units:
        """The parent's volume in mL from 1 mL up, else µL, until the technician types a unit; the decimal
        separator last typed here (at first the workstation's)."""
        for edit in (self.each, self.dead):
            text = edit.text()
            if "," in text and "." not in text:
                self._comma = True
            elif "." in text:
                self._comma = False
        return Units("mL" if self.available() >= 1000 else "µL", self._comma)

    def chosen_type(self) -> str | None:
        data = self.child_type.currentData()
        return None if data is None else str(data)

    def is_derivative(self) -> bool:
        return self.info is not None and self.chosen_type() not in (None, self.info.sample_type)

    # -- typing ------------------------------------------------------------------------------------------------

    def _split_toggled(self, on: bool) -> None:
        """Split evenly: the field shows the share (never a stale volume typed before); off: what was typed."""
        self.each.blockSignals(True)
        if on:
            self._each_typed = self.each.text()
            self.each.clear()
        else:
            self.each.setText(self._each_typed)
            self.each.setPlaceholderText(self.tr("e.g. 0.5 mL or 500 µL"))
        self.each.blockSignals(False)
        self.each.setEnabled(not on)
        self._update()

    def _type_chosen(self, _index: int = 0) -> None:
        derivative = self.is_derivative()
        self.processing.setVisible(derivative)
        self.processing.set_child_type(self.chosen_type() if derivative else None)
        self._update()

    def _update(self) -> None:
        if self.info is None:
            self._draw = None
            self.sum_label.setText(self.tr("Scan a parent tube first."))
        else:
            self._draw = draw(self.available(), self.count.text(), self.each.text(), self.dead.text(),
                              split_evenly=self.split.isChecked(), fallback=self.units())
            if self.split.isChecked():
                self.each.setPlaceholderText(self.tr("{each} each").format(each=self._draw.units.show(
                    self._draw.each)) if self._draw.each is not None else self.tr("split evenly"))
            self.sum_label.setText(self._draw.text())
        over = self._draw is not None and self._draw.each is not None and self._draw.left < 0
        colour, background = ("#a4161a", "#fde7e7") if over else ("#17703a", "#e3f4e8")
        self.sum_label.setStyleSheet(f"QLabel#aliquotSum {{ font-size: 13pt; color: {colour}; background: "
                                     f"{background}; padding: 6px 10px; border-radius: 6px; }}")
        typed = any(edit.text().strip() for edit in (self.count, self.each, self.dead))
        # nothing typed yet: no red reason (the Aliquot button's tooltip still says what is missing)
        self.reason_label.setText(self.problem() if self.info is not None and (typed or self.info.refusal) else "")
        self.reason_label.setVisible(bool(self.reason_label.text()))
        self.changed.emit()

    def problem(self) -> str:
        """'' when the request may be sent; else why not (in the technician's words)."""
        if self.info is None:
            return self.tr("Scan a parent tube first.")
        if self.info.refusal:
            return self.info.refusal
        if self.info.volume_ul is None:
            return self.tr("{code} has no recorded volume: record it on the sample page first.").format(
                code=self.info.sample_code)
        if self.chosen_type() is None:
            return self.tr("Choose what to make.")
        if self._draw is not None and self._draw.error:
            return self._draw.error
        return self.processing.problem() if self.is_derivative() else ""

    @property
    def arithmetic(self) -> str:
        return self.sum_label.text()

    # -- the request ------------------------------------------------------------------------------------------

    def line(self) -> ChildLine:
        """The children asked for (call only when :meth:`problem` is '')."""
        assert self._draw is not None
        volume = None if self.split.isChecked() else self._draw.each
        return ChildLine(self._draw.count, volume, self.chosen_type())

    def dead_volume(self) -> Decimal | None:
        return self._draw.dead if self._draw is not None and self._draw.dead else None

    def derivative_processing(self) -> DerivativeProcessing | None:
        return self.processing.processing() if self.is_derivative() else None

    def reset_numbers(self) -> None:
        """Clear how many and how much (split evenly off): they must be typed again, e.g. for a new volume."""
        self.split.setChecked(False)
        self.count.clear()
        self.each.clear()
        self._each_typed = ""

    def clear_processing(self) -> None:
        self.processing.clear()
