"""The import wizard's step widgets: what each step shows and lets the technician set. They hold no logic
of the import: :mod:`wizard` reads them, drives the core state machine and fills them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.spreadsheets.reading import SheetInfo
from biobank_desktop.ui.models.exchange import MappingTableModel, ProblemGroupModel
from biobank_desktop.ui.models.exchange_preview import PreviewTableModel
from biobank_desktop.ui.theme import ERROR, ROW_HEIGHT
from biobank_desktop.ui.widgets.common import button, form_layout, label, table_view

AnyIndex = QModelIndex | QPersistentModelIndex
VALUES_PER_ROW = 2  # value questions side by side (the mapping table keeps the height)
FILE_FILTERS = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.txt);;All files (*)"


class KindChoice(QWidget):
    """What the file is, as radio buttons that all show: a click, Space or the underlined letter chooses; the
    arrow keys only move the focus (Tab then Down must not silently turn a manifest into an inventory)."""

    changed = Signal()

    def __init__(self, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for text, value in choices:
            radio = QRadioButton(text)
            radio.setObjectName(f"importKind_{value}")
            radio.installEventFilter(self)
            self.group.addButton(radio)
            self.buttons[value] = radio
            layout.addWidget(radio)
        self.group.buttonToggled.connect(self._toggled)
        next(iter(self.buttons.values())).setChecked(True)

    def _toggled(self, _button: QAbstractButton, on: bool) -> None:
        if on:
            self.changed.emit()

    def value(self) -> Literal["manifest", "inventory"]:
        chosen = next(value for value, radio in self.buttons.items() if radio.isChecked())
        return cast(Literal["manifest", "inventory"], chosen)

    def set_value(self, value: str) -> None:
        self.buttons[value].setChecked(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        arrows = {Qt.Key.Key_Up: -1, Qt.Key.Key_Left: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_Right: 1}
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in arrows:
            radios = list(self.buttons.values())
            index = radios.index(watched) if isinstance(watched, QRadioButton) and watched in radios else 0
            radios[(index + arrows[Qt.Key(event.key())]) % len(radios)].setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)


class FileStep(QWidget):
    """Step 1: which file, what it is (manifest or inventory) and who sent it."""

    browse_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = form_layout(14)
        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText(self.tr("Path of the .xlsx, .xls, .ods or .csv file"))
        self.browse = button(self.tr("Choose file…"), on_click=self.browse_clicked.emit)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.kind = KindChoice(((self.tr("&Manifest — the tubes a partner site is sending"), "manifest"),
                                (self.tr("&Inventory — an existing collection migrated in (samples and positions)"),
                                 "inventory")))
        self.kind.setObjectName("importKind")
        self.partner = QComboBox()
        self.partner.setObjectName("importPartner")
        self.partner.addItem(self.tr("— choose the partner site —"), None)
        form.addRow(self.tr("File"), holder)
        form.addRow(self.tr("What it is"), self.kind)
        form.addRow(self.tr("Partner site"), self.partner)
        layout.addLayout(form)
        hint = label(self.tr("The partner's saved mapping is used as the starting point, and the mapping you "
                             "confirm is saved for that partner. A file already imported is recognised by its "
                             "content and refused. Press Enter to go on."), "fieldname", wrap=True)
        layout.addWidget(hint)
        layout.addStretch(1)

    def set_sites(self, sites: Sequence[tuple[str, str]]) -> None:
        current = self.partner.currentData()
        self.partner.blockSignals(True)
        while self.partner.count() > 1:
            self.partner.removeItem(1)
        for code, text in sites:
            self.partner.addItem(text, code)
        index = self.partner.findData(current)
        self.partner.setCurrentIndex(max(index, 0))
        self.partner.blockSignals(False)

    def select_partner(self, code: str) -> bool:
        index = self.partner.findData(code)
        if index >= 0:
            self.partner.setCurrentIndex(index)
        return index >= 0


class SheetStep(QWidget):
    """Step 2: which sheet of the workbook."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.about = label("", "value", wrap=True)
        self.sheets = QListWidget()
        self.sheets.setObjectName("importSheets")
        self.sheets.setMaximumHeight(260)
        layout.addWidget(self.about)
        layout.addWidget(label(self.tr("Choose the sheet that holds the table (its header row is found even "
                                       "below a title block), then press Enter."), "fieldname", wrap=True))
        layout.addWidget(self.sheets)
        layout.addStretch(1)

    def show_sheets(self, about: str, sheets: Sequence[SheetInfo]) -> None:
        self.about.setText(about)
        self.sheets.clear()
        for info in sheets:
            text = info.name if info.visible else self.tr("{name} (hidden)").format(name=info.name)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.sheets.addItem(item)
        first = next((i for i, s in enumerate(sheets) if s.visible), 0)
        self.sheets.setCurrentRow(first)

    def chosen(self) -> str | None:
        item = self.sheets.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None


class FieldDelegate(QStyledItemDelegate):
    """The "Imported as" cell as a combo of the fields of the import kind (and "not imported")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices: list[tuple[str, str, bool]] = []

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("fieldCombo")
        combo.addItem(self.tr("— not imported —"), "")
        for key, text, required in self.choices:
            combo.addItem(self.tr("{field} (required)").format(field=text) if required else text, key)
        combo.setMaxVisibleItems(25)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        editor.blockSignals(True)
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole) or ""), 0))
        editor.blockSignals(False)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class MappingStep(QWidget):
    """Step 3: the columns and the fields they are imported as; options; the clinic's words to confirm."""

    options_changed = Signal()
    value_answered = Signal(str, str, str)  # field key, the clinic's word, the code

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.about = label("", "fieldname", wrap=True)
        layout.addWidget(self.about)
        self.model = MappingTableModel()
        self.delegate = FieldDelegate(self)
        self.table = table_view("mappingTable", self.model, widths=[80, 220, 300, 330, 130],
                                row_height=ROW_HEIGHT + 6)
        self.table.setItemDelegateForColumn(MappingTableModel.FIELD_COLUMN, self.delegate)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the sample values take the room left
        self.model.modelReset.connect(self.open_editors)

        options = QHBoxLayout()
        options.setSpacing(10)
        self.date_order = QComboBox()
        self.date_order.setObjectName("dateOrder")
        for code, text in (("DMY", self.tr("Day first (31/12/2026)")), ("MDY", self.tr("Month first (12/31/2026)")),
                           ("YMD", self.tr("Year first (2026-12-31)"))):
            self.date_order.addItem(text, code)
        self.unit = QComboBox()
        self.unit.setObjectName("defaultUnit")
        for unit in ("mL", "µL"):
            self.unit.addItem(unit, unit)
        self.decimal = QComboBox()
        self.decimal.setObjectName("decimalSeparator")
        self.decimal.addItem(self.tr("detect"), None)
        self.decimal.addItem(self.tr("point (1.5)"), ".")
        self.decimal.addItem(self.tr("comma (1,5)"), ",")
        options.addWidget(label(self.tr("Text dates"), "fieldname"))
        options.addWidget(self.date_order)
        options.addSpacing(12)
        options.addWidget(label(self.tr("Volumes without a unit in"), "fieldname"))
        options.addWidget(self.unit)
        options.addSpacing(12)
        options.addWidget(label(self.tr("Decimal separator"), "fieldname"))
        options.addWidget(self.decimal)
        options.addStretch(1)
        for combo in (self.date_order, self.unit, self.decimal):
            combo.activated.connect(lambda _i: self.options_changed.emit())

        self.date_warning = label("", None, wrap=True)
        self.date_warning.setObjectName("dateOrderWarning")
        self.date_warning.setVisible(False)
        self.missing = label("", None, wrap=True)
        self.missing.setStyleSheet(f"color: {ERROR}; font-weight: 600;")
        self.left_out = label("", "fieldname", wrap=True)
        self.values_box = QWidget()
        self.values_box.setObjectName("valuesBox")
        values_layout = QVBoxLayout(self.values_box)
        values_layout.setContentsMargins(0, 0, 0, 0)
        values_layout.setSpacing(4)
        values_title = label(self.tr("Values to confirm: what do these words of the clinic mean? (remembered for "
                                     "this partner)"), "value")
        self.values_grid = QGridLayout()
        self.values_grid.setHorizontalSpacing(10)
        self.values_grid.setVerticalSpacing(4)
        for column in range(VALUES_PER_ROW):
            self.values_grid.setColumnStretch(column * 2 + 1, 1)
        values_layout.addWidget(values_title)
        values_layout.addLayout(self.values_grid)
        self.value_combos: dict[tuple[str, str], QComboBox] = {}
        self._value_widgets: list[QWidget] = []

        layout.addWidget(self.table, 1)
        layout.addLayout(options)
        layout.addWidget(self.date_warning)
        layout.addWidget(self.missing)
        layout.addWidget(self.left_out)
        layout.addWidget(self.values_box)

    def open_editors(self) -> None:
        for row in range(self.model.rowCount()):
            index = self.model.index(row, MappingTableModel.FIELD_COLUMN)
            if self.model.flags(index) & Qt.ItemFlag.ItemIsEditable:
                self.table.openPersistentEditor(index)

    def set_options(self, date_order: str, unit: str, decimal: str | None) -> None:
        for combo, value in ((self.date_order, date_order), (self.unit, unit), (self.decimal, decimal)):
            index = combo.findData(value)
            if index < 0 and isinstance(value, str):
                combo.addItem(value, value)
                index = combo.count() - 1
            combo.setCurrentIndex(max(index, 0))

    def show_questions(self, questions: Sequence[tuple[str, str, str, Sequence[tuple[str, str]]]]) -> None:
        """(field key, field label, the clinic's word, the codes to choose from as (code, text))."""
        for widget in self._value_widgets:
            self.values_grid.removeWidget(widget)
            widget.deleteLater()
        self._value_widgets.clear()
        self.value_combos.clear()
        for i, (key, field_label, word, codes) in enumerate(questions):
            combo = QComboBox()
            combo.addItem(self.tr("— choose —"), None)
            for code, text in codes:
                combo.addItem(text, code)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
            combo.activated.connect(lambda _i, k=key, w=word, c=combo: self._answered(k, w, c))
            caption = label(self.tr("{field}: “{word}”").format(field=field_label, word=word))
            caption.setBuddy(combo)
            row, column = divmod(i, VALUES_PER_ROW)
            self.values_grid.addWidget(caption, row, column * 2)
            self.values_grid.addWidget(combo, row, column * 2 + 1)
            self._value_widgets.extend((caption, combo))
            self.value_combos[(key, word)] = combo
        self.values_box.setVisible(bool(questions))

    def _answered(self, key: str, word: str, combo: QComboBox) -> None:
        code = combo.currentData()
        if code:
            self.value_answered.emit(key, word, str(code))


class PreviewStep(QWidget):
    """Step 4: the rows with their bad cells highlighted, and the problems grouped by cause."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.summary = label("", "value", wrap=True)
        self.only_problems = QCheckBox(self.tr("Show only the rows with problems"))
        self.only_problems.setObjectName("onlyProblems")
        top.addWidget(self.summary, 1)
        top.addWidget(self.only_problems)
        layout.addLayout(top)

        self.groups = ProblemGroupModel()
        self.groups_view = table_view("problemGroups", self.groups, widths=[110, 80])
        self.rows = QListWidget()
        self.rows.setObjectName("problemRows")
        self.rows.setMaximumWidth(260)
        groups_box = QWidget()
        groups_layout = QHBoxLayout(groups_box)
        groups_layout.setContentsMargins(0, 0, 0, 0)
        groups_left = QVBoxLayout()
        groups_left.addWidget(label(self.tr("Problems, grouped by cause (click one to see its rows)"),
                                    "fieldname"))
        groups_left.addWidget(self.groups_view, 1)
        groups_right = QVBoxLayout()
        self.rows_title = label(self.tr("Rows (click to show)"), "fieldname")
        groups_right.addWidget(self.rows_title)
        groups_right.addWidget(self.rows, 1)
        groups_layout.addLayout(groups_left, 1)
        groups_layout.addLayout(groups_right)

        self.preview = PreviewTableModel()
        self.preview_view = table_view("previewTable", self.preview)
        self.preview_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview_view.horizontalHeader().setDefaultSectionSize(150)
        self.preview_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.preview.modelReset.connect(lambda: self.preview_view.setColumnWidth(0, 70))
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(groups_box)
        self.splitter.addWidget(self.preview_view)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)


class ResultStep(QWidget):
    """Steps 5 and 6: what the dry run found (or what the import did)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.headline = label("", "title", wrap=True)
        self.details = label("", None, wrap=True, selectable=True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.headline)
        layout.addWidget(self.details)
        layout.addStretch(1)
