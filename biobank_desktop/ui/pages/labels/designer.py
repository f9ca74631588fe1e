"""The template designer: shipped templates read-only, the biobank's copies editable, a true-scale preview.

Every change is laid out at once (pure, fast): the preview shows the label at the chosen printer
resolution and lists its warnings and errors in words; Save stays off while the label has an error
(a barcode that does not fit is refused, never printed cut short). The service checks the same
again when saving, and refuses to overwrite a shipped template.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.labels.layout import SAMPLE_LABEL_DATA
from biobank_desktop.core.labels.model import (
    MAX_FONT_PT,
    MAX_LABEL_MM,
    ROTATIONS,
    SUPPORTED_DPI,
    LabelData,
    LabelTemplate,
    TemplateCatalog,
    template_to_dict,
)
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.operations.writes import run_write
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.labels.models import (
    ELEMENT_COLUMNS,
    FIELD_CHOICES,
    RENDER_CHOICES,
    ElementTableModel,
)
from biobank_desktop.ui.theme import ERROR, MUTED, OK, ROW_HEIGHT, SPIN_STYLE, repolish
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, form_layout, label
from biobank_desktop.ui.widgets.label_preview import LabelPreviewPanel
from biobank_desktop.ui.widgets.scan_field import ScanField

AnyIndex = QModelIndex | QPersistentModelIndex
SHAPES = (("rect", "Rectangle"), ("round", "Round (cap spot)"))


class ElementDelegate(QStyledItemDelegate):
    """Drop-downs for field, shows-as and turn; number fields in mm/pt ('auto' / 'no limit' at 0)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        key = ELEMENT_COLUMNS[index.column()][0]
        if key in ("field", "render", "rotation"):
            combo = QComboBox(parent)
            choices: tuple[tuple[Any, str], ...] = {
                "field": FIELD_CHOICES, "render": RENDER_CHOICES,
                "rotation": tuple((r, f"{r}°") for r in ROTATIONS)}[key]
            for value, text in choices:
                combo.addItem(text, value)
            return combo
        if key in ("x_mm", "y_mm", "width_mm", "height_mm", "font_size_pt"):
            spin = QDoubleSpinBox(parent)
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
            spin.setRange(0.0, MAX_FONT_PT if key == "font_size_pt" else MAX_LABEL_MM)
            if key in ("width_mm", "height_mm"):
                spin.setSpecialValueText("auto")
            return spin
        if key == "max_chars":
            count = QSpinBox(parent)
            count.setRange(0, 500)
            count.setSpecialValueText("no limit")
            return count
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(value or 0.0))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 0))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData())
        elif isinstance(editor, QDoubleSpinBox | QSpinBox):
            editor.interpretText()
            model.setData(index, editor.value())
        else:
            super().setModelData(editor, model, index)


class CopyDialog(QDialog):
    """Asks the name of a copy; the name is checked as a template name and against the existing ones."""

    def __init__(self, source: LabelTemplate, taken: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copyTemplateDialog")
        self.setWindowTitle(f"Copy {source.name}")
        self.setMinimumWidth(560)
        self.source = source
        self.taken = taken
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.addWidget(label(f"The copy is the biobank's: every workstation can print with it. You can change "
                               f"it later (a copy someone else made needs a supervisor). {source.name} itself "
                               "stays as it is.", wrap=True))
        form = form_layout()
        self.name_edit = QLineEdit(self._free_name(f"{source.name}-lab"))
        self.name_edit.setObjectName("copyName")
        form.addRow("Name of the copy", self.name_edit)
        layout.addLayout(form)
        self.message = label("", wrap=True)
        self.message.setStyleSheet(f"color: {ERROR}; font-weight: 600;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Make the copy")
        self.ok_button.setProperty("primary", True)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.copy: LabelTemplate | None = None

    def _free_name(self, base: str) -> str:
        name, number = base, 2
        while name in self.taken:
            name, number = f"{base}-{number}", number + 1
        return name

    def _try_accept(self) -> None:
        name = self.name_edit.text().strip()
        if name in self.taken:
            self.message.setText(f"There is a template called {name} already: choose another name.")
            return
        try:
            self.copy = replace(self.source, name=name, source=None)
        except ValidationError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class DesignerTab(QWidget):
    """See the module docstring. ``page`` shows messages in its banner."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.session = page.session
        self.catalog: TemplateCatalog | None = None
        self.shipped: set[str] = set()
        self.current: LabelTemplate | None = None  # as saved
        self.data: LabelData = SAMPLE_LABEL_DATA
        self.save_errors: list[str] = []
        self._loading = False
        can_delete = self.session.can(Permission.MANAGE_REFERENCE)

        # -- the template: which one, its size and shape ------------------------------------------------------
        self.templates = QComboBox()
        self.templates.setObjectName("templateChoice")
        self.templates.setMinimumWidth(330)
        self.templates.setMaxVisibleItems(20)
        self.templates.currentIndexChanged.connect(self._template_chosen)
        self._shown_index = -1
        self.copy_button = button("Copy…", on_click=self.copy_template)
        self.copy_button.setToolTip("Make an editable copy of this template under a new name")
        self.delete_button = button("Delete copy…", danger=True, on_click=self.delete_copy)
        if not can_delete:
            self.delete_button.setToolTip("Only supervisors delete templates.")
        self.kind_note = label("", "fieldname", wrap=True)
        self.kind_note.setObjectName("templateKind")
        self.save_state = label("", "fieldname", wrap=True)
        self.save_state.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.save_state.setObjectName("saveState")
        self.save_button = button("Save", primary=True, on_click=self.save)
        self.save_button.setMinimumWidth(120)
        title_row = QHBoxLayout()
        title_row.setSpacing(10)
        title_row.addWidget(label("Template", "fieldname"))
        title_row.addWidget(self.templates)
        title_row.addWidget(self.copy_button)
        title_row.addWidget(self.delete_button)
        title_row.addWidget(self.kind_note, 2)
        title_row.addWidget(self.save_state, 1)
        title_row.addWidget(self.save_button)

        self.width_mm = self._mm_spin()
        self.height_mm = self._mm_spin()
        self.shape = QComboBox()
        for value, text in SHAPES:
            self.shape.addItem(text, value)
        self.default_dpi = QComboBox()
        for dpi in SUPPORTED_DPI:
            self.default_dpi.addItem(f"{dpi} dpi", dpi)
        self.description = QLineEdit()
        self.description.setPlaceholderText("What the label is for, and its stock")
        props = QHBoxLayout()
        props.setSpacing(8)
        for caption, widget in (("Width", self.width_mm), ("Height", self.height_mm), ("Shape", self.shape),
                                ("Printer", self.default_dpi), ("Description", self.description)):
            if caption != "Width":
                props.addSpacing(6)
            props.addWidget(label(caption, "fieldname"))
            props.addWidget(widget, 1 if widget is self.description else 0)
        self.default_dpi.setToolTip("The resolution the template is made for (its default printer resolution)")

        self.elements = ElementTableModel()
        self.table = QTableView()
        self.table.setObjectName("elementTable")
        self.table.setModel(self.elements)
        self.table.setItemDelegate(ElementDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.SelectedClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(150)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT + 2)
        vertical.setMinimumWidth(34)
        vertical.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, (_key, _header, width) in enumerate(ELEMENT_COLUMNS):
            self.table.setColumnWidth(column, width)
        self.add_button = button("Add", on_click=self.add_element)
        self.add_button.setToolTip("Add an element (a field as text or barcode)")
        self.remove_button = button("Remove", on_click=self.remove_element)
        self.remove_button.setToolTip("Remove the selected element")
        element_buttons = QVBoxLayout()
        element_buttons.addWidget(self.add_button)
        element_buttons.addWidget(self.remove_button)
        element_buttons.addStretch(1)
        table_row = QHBoxLayout()
        table_row.addWidget(self.table, 1)
        table_row.addLayout(element_buttons)

        editor = QVBoxLayout()
        editor.setContentsMargins(0, 0, 0, 0)
        editor.setSpacing(8)
        editor.addLayout(props)
        editor.addLayout(table_row, 1)
        editor_widget = QWidget()
        editor_widget.setLayout(editor)

        # -- the preview --------------------------------------------------------------------------------------
        labelling = self.session.services.labelling
        self.preview = LabelPreviewPanel(labelling.preview)
        self.sample_scan = ScanField("Scan a sample to preview", sound=self.session.settings.scan_sound)
        self.sample_scan.setObjectName("designerSampleScan")
        self.sample_scan.edit.setMinimumWidth(200)
        scan_layout = self.sample_scan.layout()
        if isinstance(scan_layout, QBoxLayout):  # the answer under the field, in this narrow column
            scan_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            scan_layout.setSpacing(4)
        self.example_button = button("Show the example sample", on_click=self.use_example)
        self.preview.add_control(label("Preview with", "fieldname"))
        self.preview.add_control(self.sample_scan)
        self.preview.add_control(self.example_button)
        self.sample_scan.scanned.connect(self.preview_sample)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(editor_widget)
        right.addWidget(self.preview)
        right.setChildrenCollapsible(False)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        self.splitter = right

        self.setStyleSheet(SPIN_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 0)
        outer.setSpacing(8)
        outer.addLayout(title_row)
        outer.addWidget(right, 1)

        # -- wiring -------------------------------------------------------------------------------------------
        for spin in (self.width_mm, self.height_mm):
            spin.valueChanged.connect(lambda _v: self._edited())
        for combo in (self.shape, self.default_dpi):
            combo.currentIndexChanged.connect(lambda _i: self._edited())
        self.default_dpi.currentIndexChanged.connect(self._default_dpi_changed)
        self.description.textEdited.connect(lambda _t: self._edited())
        self.elements.edited.connect(self._edited)
        self.elements.modelReset.connect(self._update_buttons)
        self.table.selectionModel().selectionChanged.connect(self._element_selected)
        self._show_template(None)

    @staticmethod
    def _mm_spin() -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(2)
        spin.setSingleStep(0.1)
        spin.setRange(1.0, MAX_LABEL_MM)
        spin.setSuffix(" mm")
        spin.setMinimumWidth(104)
        return spin

    # -- loading ----------------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        chosen = select or (self.current.name if self.current else None)
        labelling = self.session.services.labelling

        def work() -> tuple[TemplateCatalog, set[str]]:
            return labelling.catalog(), labelling.shipped_names()

        def loaded(result: tuple[TemplateCatalog, set[str]]) -> None:
            self.catalog, self.shipped = result
            self._fill_list(chosen)
            if self.catalog.problems:
                self.page.banner.show_message(
                    "Some biobank templates could not be read: " + " ".join(str(p) for p in self.catalog.problems),
                    "warn")

        self.session.runner.call(work, on_result=loaded, on_error=self.page.show_error, owner=self)

    def _fill_list(self, chosen: str | None) -> None:
        assert self.catalog is not None
        self.templates.blockSignals(True)
        self.templates.clear()
        select_row = 0
        for row, template in enumerate(self.catalog.templates):
            shipped = template.name in self.shipped
            self.templates.addItem(f"{template.name}   ({'shipped, read-only' if shipped else 'biobank copy'})",
                                   template.name)
            self.templates.setItemData(row, template.description, Qt.ItemDataRole.ToolTipRole)
            if template.name == chosen:
                select_row = row
        self.templates.setCurrentIndex(select_row if self.templates.count() else -1)
        self.templates.blockSignals(False)
        self._shown_index = self.templates.currentIndex()
        self._load(self._template_named(self.templates.currentData()) if self.templates.count() else None)

    def _template_named(self, name: str | None) -> LabelTemplate | None:
        if self.catalog is None or name is None:
            return None
        return next((t for t in self.catalog.templates if t.name == name), None)

    def template_names(self) -> list[str]:
        return [str(self.templates.itemData(row)) for row in range(self.templates.count())]

    def select_template(self, name: str) -> None:
        index = self.templates.findData(name)
        if index >= 0:
            self.templates.setCurrentIndex(index)

    def _template_chosen(self, index: int) -> None:
        if index < 0 or index == self._shown_index:
            return
        chosen = self._template_named(self.templates.itemData(index))
        if self.dirty and self.current is not None:
            self.templates.blockSignals(True)
            self.templates.setCurrentIndex(self._shown_index)
            self.templates.blockSignals(False)
            self._ask_discard(chosen)
            return
        self._shown_index = index
        self._load(chosen)

    def _ask_discard(self, chosen: LabelTemplate | None) -> QMessageBox:
        assert self.current is not None
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Your changes to {self.current.name} are not saved.",
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("discardBox")
        discard = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_r: int) -> None:
            if box.clickedButton() is discard and chosen is not None:
                self.templates.blockSignals(True)
                self.select_template(chosen.name)
                self.templates.blockSignals(False)
                self._shown_index = self.templates.currentIndex()
                self._load(chosen)

        box.finished.connect(answered)
        box.open()
        return box

    def _load(self, template: LabelTemplate | None) -> None:
        self.current = template
        self._show_template(template)

    def _show_template(self, template: LabelTemplate | None) -> None:
        self._loading = True
        try:
            editable = template is not None and template.name not in self.shipped
            if template is None:
                self.kind_note.setText("")
            elif editable:
                self.kind_note.setText("Biobank copy: you can change it.")
            else:
                self.kind_note.setText("Shipped, read-only: copy it to change it.")
            for widget in (self.width_mm, self.height_mm, self.shape, self.default_dpi, self.description):
                widget.setEnabled(editable)
            if template is not None:
                self.width_mm.setValue(template.width_mm)
                self.height_mm.setValue(template.height_mm)
                self.shape.setCurrentIndex(max(0, self.shape.findData(template.shape)))
                self.default_dpi.setCurrentIndex(max(0, self.default_dpi.findData(template.dpi)))
                self.description.setText(template.description)
                self.description.setCursorPosition(0)
                self.elements.set_elements(template.elements, read_only=not editable)
                self.preview.set_dpi(template.dpi)
            else:
                self.elements.set_elements((), read_only=True)
        finally:
            self._loading = False
        self._edited()

    # -- editing ----------------------------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.current is not None and self.current.name not in self.shipped

    def edited_template(self) -> LabelTemplate:
        """The template as the form shows it; ValidationError saying what is wrong."""
        if self.current is None:
            raise ValidationError("No template is chosen.")
        base = self.current
        if not self.editable:
            return base
        return LabelTemplate(name=base.name, width_mm=round(self.width_mm.value(), 2),
                             height_mm=round(self.height_mm.value(), 2), elements=self.elements.elements(),
                             description=self.description.text().strip(), kind=base.kind,
                             shape=self.shape.currentData(), dpi=int(self.default_dpi.currentData()),
                             sheet=base.sheet)

    @property
    def dirty(self) -> bool:
        if not self.editable or self.current is None:
            return False
        try:
            return template_to_dict(self.edited_template()) != template_to_dict(self.current)
        except ValidationError:
            return True

    def _default_dpi_changed(self, _index: int) -> None:
        if not self._loading:
            self.preview.set_dpi(int(self.default_dpi.currentData()))

    def _edited(self) -> None:
        if self._loading:
            return
        self.save_errors = []
        if self.current is None:
            self.preview.clear("Choose a template on the left.")
        else:
            try:
                template = self.edited_template()
            except ValidationError as exc:
                self.preview.show_problem(str(exc))
                self.save_errors = [str(exc)]
            else:
                layout = self.preview.show_label(template, self.data)
                self.save_errors = [issue.message for issue in layout.errors] if layout else ["No layout"]
                # Saving checks the example sample at the template's own resolution: say so when that fails.
                check = self.session.services.labelling.preview(template, SAMPLE_LABEL_DATA)
                if check.errors and not self.save_errors:
                    extra = [f"✖ Refused at the template's {template.dpi} dpi with the example sample — "
                             f"{issue.message}" for issue in check.errors]
                    self.save_errors = extra
                    kept = [line for line in self.preview.issue_lines() if line[0] != "ok"]
                    self.preview.show_lines([*(("error", line) for line in extra), *kept])
        self._update_buttons()

    def _update_buttons(self) -> None:
        editable, dirty = self.editable, self.dirty
        self.save_button.setEnabled(editable and dirty and not self.save_errors)
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable and bool(self.table.selectionModel().selectedRows()))
        self.delete_button.setEnabled(editable and self.session.can(Permission.MANAGE_REFERENCE))
        self.copy_button.setEnabled(self.current is not None)
        if not editable:
            text, colour = "", MUTED
        elif self.save_errors:
            text, colour = "Cannot save: see the errors below", ERROR
        elif dirty:
            text, colour = "Unsaved changes", MUTED
        else:
            text, colour = "Saved", OK
        self.save_state.setText(text)
        self.save_state.setStyleSheet(f"color: {colour}; font-weight: 600;")
        repolish(self.save_state)

    def _element_selected(self, _s: QItemSelection, _d: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.preview.canvas.set_highlight(rows[0].row() if rows else None)
        self._update_buttons()

    def add_element(self) -> None:
        row = self.elements.add_element()
        self.table.selectRow(row)

    def remove_element(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.elements.remove_element(rows[0].row())

    # -- preview data -------------------------------------------------------------------------------------------

    def preview_sample(self, code: str) -> None:
        labelling = self.session.services.labelling

        def shown(data: list[LabelData]) -> None:
            self.data = data[0]
            self.sample_scan.show_feedback("ok", f"✔ Showing {self.data.sample_id}")
            self._edited()

        def failed(exc: BaseException) -> None:
            message, _hint = error_text(exc)
            self.sample_scan.show_feedback("error", f"✖ {message}")

        self.session.runner.call(lambda: labelling.label_data([code]), on_result=shown, on_error=failed, owner=self)

    def use_example(self) -> None:
        self.data = SAMPLE_LABEL_DATA
        self.sample_scan.show_feedback("info", "Showing the example sample")
        self._edited()

    # -- actions ------------------------------------------------------------------------------------------------

    def copy_template(self) -> CopyDialog | None:
        if self.current is None:
            return None
        try:
            source = self.edited_template()
        except ValidationError as exc:
            self.page.show_error(exc)
            return None
        dialog = CopyDialog(source, set(self.template_names()), self)
        labelling, actor = self.session.services.labelling, self.session.actor

        def accepted() -> None:
            copy = dialog.copy
            assert copy is not None

            def saved(_r: object) -> None:
                self.page.banner.show_message(f"{copy.name} made from {source.name}: you can change it now.", "ok")
                self.current = None  # nothing to keep: the list selects the copy
                self.reload(copy.name)

            run_write(self.page, lambda: labelling.save_template(actor, copy), on_done=saved, owner=self)

        ask(self, dialog, accepted)
        dialog.name_edit.selectAll()
        dialog.name_edit.setFocus()
        return dialog

    def save(self) -> None:
        try:
            template = self.edited_template()
        except ValidationError as exc:
            self.page.show_error(exc)
            return
        labelling, actor = self.session.services.labelling, self.session.actor
        self.save_button.setEnabled(False)

        def saved(_r: object) -> None:
            self.page.banner.show_message(f"Template {template.name} saved.", "ok")
            self.current = template
            self.reload(template.name)

        def failed(exc: BaseException) -> None:
            self._update_buttons()
            self.page.show_error(exc)

        run_write(self.page, lambda: labelling.save_template(actor, template), on_done=saved, on_error=failed,
                  owner=self)

    def delete_copy(self) -> ReasonDialog | None:
        if self.current is None or not self.editable:
            return None
        name = self.current.name
        dialog = ReasonDialog(f"Delete the template {name}", f"{name} is deleted for every workstation. Print rules "
                              "that name it stop working. Say why: the reason is kept in the audit trail.",
                              ok_text="Delete template", parent=self)
        dialog.setObjectName("deleteTemplateDialog")
        labelling, actor = self.session.services.labelling, self.session.actor

        def accepted() -> None:
            reason = dialog.reason_text()

            def deleted(_r: object) -> None:
                self.page.banner.show_message(f"Template {name} deleted.", "ok")
                self.current = None
                self.reload()

            def refused(exc: BaseException) -> None:
                if isinstance(exc, BiobankError):
                    self.page.banner.show_message(f"{name} was not deleted: {exc}", "error")
                else:
                    self.page.show_error(exc)

            run_write(self.page, lambda: labelling.delete_template(actor, name, reason), on_done=deleted,
                      on_error=refused, owner=self)

        return ask(self, dialog, accepted)  # type: ignore[return-value]
