"""Print rules: which template and printer a sample's label uses, by study, sample type and workstation.

The most specific matching rule wins (workstation, then study, then sample type); without any rule
a label uses the default template on this workstation's first printer. Supervisors manage the
rules; technicians see them read-only (and the service refuses anyone else who tries).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.dto import StudyInfo
from biobank_desktop.core.services.labelling import DEFAULT_TEMPLATE, RuleInfo
from biobank_desktop.ui.operations.writes import run_write
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.labels.models import RuleTableModel
from biobank_desktop.ui.widgets.common import button, label, shown_if, table_view

RulesData = tuple[list[RuleInfo], list[StudyInfo], list[str]]


def _combo(minimum: int = 12) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(minimum)
    combo.view().setMinimumWidth(320)
    combo.setMaxVisibleItems(20)
    return combo


def _line_edit(combo: QComboBox) -> QLineEdit:
    edit = combo.lineEdit()
    assert edit is not None  # an editable drop-down has one
    return edit


class RulesTab(QWidget):
    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.session = page.session
        self.can_manage = self.session.can(Permission.MANAGE_REFERENCE)
        self.loaded = False

        intro = label(self.tr("A label uses the most specific rule that matches its sample: a rule for this "
                              "workstation beats one for any workstation, then a study beats any study, then a sample"
                              " type. Without a rule, labels use {default_template} on this workstation's first "
                              "printer.").format(default_template=DEFAULT_TEMPLATE), "fieldname", wrap=True)
        self.read_only_note = label(self.tr("Only supervisors change print rules; you see them read-only."), "value")
        self.read_only_note.setObjectName("rulesReadOnly")
        shown_if(self.read_only_note, not self.can_manage)

        self.model = RuleTableModel()
        self.table = table_view("ruleTable", self.model, widths=RuleTableModel.WIDTHS)
        self.delete_button = button(self.tr("Delete rule…"), danger=True, on_click=self.delete_rule)
        self.refresh_button = button(self.tr("Refresh"), on_click=self.reload)
        table_actions = QHBoxLayout()
        table_actions.addStretch(1)
        table_actions.addWidget(self.refresh_button)
        table_actions.addWidget(self.delete_button)

        self.study = _combo()
        self.study.addItem(self.tr("Any study"), None)
        self.sample_type = _combo()
        self.sample_type.setEditable(True)
        self.sample_type.addItem(self.tr("Any type"), None)
        for code, meaning in (*sprec.fluid_sample_types(), *sprec.solid_sample_types()):
            self.sample_type.addItem(f"{code} — {meaning}", code)
        _line_edit(self.sample_type).setPlaceholderText(self.tr("Any type"))
        self.workstation = QLineEdit(self.session.services.workstation)
        self.workstation.setPlaceholderText(self.tr("Any workstation"))
        self.workstation.setClearButtonEnabled(True)
        self.template = _combo()
        self.printer = _combo()
        self.printer.setEditable(True)
        _line_edit(self.printer).setPlaceholderText(self.tr("First printer"))
        self.printer.setToolTip(
            self.tr("A printer of the workstation that prints; empty: that workstation's first printer"))
        self.add_button = button(self.tr("Add rule"), primary=True, on_click=self.add_rule)
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        for column, (caption, widget) in enumerate((("Study", self.study), ("Sample type", self.sample_type),
                                                     ("Workstation", self.workstation),
                                                     ("Template", self.template), ("Printer", self.printer))):
            form.addWidget(label(caption, "fieldname"), 0, column)
            form.addWidget(widget, 1, column)
            form.setColumnStretch(column, 1)
        form.addWidget(self.add_button, 1, 5)
        add_box = QGroupBox(self.tr("Add a rule"))
        add_box.setLayout(form)
        self.add_box = add_box
        self.controls: list[QWidget] = [self.study, self.sample_type, self.workstation, self.template, self.printer,
                                        self.add_button]
        for widget in self.controls:
            widget.setEnabled(self.can_manage)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        outer.setSpacing(10)
        outer.addWidget(intro)
        outer.addWidget(self.read_only_note)
        outer.addWidget(self.table, 1)
        outer.addLayout(table_actions)
        outer.addWidget(add_box)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self._selected(QItemSelection(), QItemSelection())

    def _selected(self, _s: QItemSelection, _d: QItemSelection) -> None:
        self.delete_button.setEnabled(self.can_manage and self.selected_rule() is not None)

    def selected_rule(self) -> RuleInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rule(rows[0].row()) if rows else None

    def reload(self) -> None:
        services = self.session.services

        def work() -> RulesData:
            labelling = services.labelling
            return labelling.rules(), services.reference.studies(), labelling.catalog().names()

        def loaded(result: RulesData) -> None:
            rules, studies, templates = result
            self.loaded = True
            self.model.set_rows(rules)
            self._fill(self.study, [(s.code, f"{s.code} — {s.name}") for s in studies], keep_first=True)
            fresh = self.template.count() == 0
            self._fill(self.template, [(name, name) for name in templates], keep_first=False)
            if fresh:
                self.template.setCurrentIndex(max(0, self.template.findData(DEFAULT_TEMPLATE)))
            printers = [(p.name, f"{p.name} ({p.dpi} dpi)") for p in services.labelling.printers()]
            self._fill(self.printer, printers, keep_first=False)
            self.printer.setCurrentIndex(-1)
            self._selected(QItemSelection(), QItemSelection())

        self.session.runner.call(work, on_result=loaded, on_error=lambda exc: self.page.show_error(exc, "Retry"),
                                 owner=self)

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, str]], *, keep_first: bool) -> None:
        current = combo.currentData()
        while combo.count() > (1 if keep_first else 0):
            combo.removeItem(combo.count() - 1)
        for value, text in items:
            combo.addItem(text, value)
        index = combo.findData(current)
        if index >= 0:
            combo.setCurrentIndex(index)

    @staticmethod
    def _choice(combo: QComboBox) -> str | None:
        """The chosen value, or what was typed into an editable drop-down (None: any)."""
        if combo.isEditable():
            text = combo.currentText().strip()
            index = combo.findText(text)
            if index >= 0:
                value = combo.itemData(index)
                return str(value) if value else None
            return text.split(" — ")[0].strip() or None
        value = combo.currentData()
        return str(value) if value else None

    def add_rule(self) -> None:
        """Add the rule the form describes; the service refuses a role that may not (shown in the banner)."""
        template = self._choice(self.template)
        if not template:
            self.page.banner.show_message(self.tr("Choose the template the rule prints with."), "error")
            return
        study, sample_type = self._choice(self.study), self._choice(self.sample_type)
        workstation, printer = self.workstation.text().strip() or None, self._choice(self.printer)
        labelling, actor = self.session.services.labelling, self.session.actor

        def added(_result: Result[int]) -> None:
            self.page.banner.show_message(
                self.tr("Rule added: {study} / {sample_type} / {workstation} → {template} on {printer}.").format(
                    study=study or self.tr("any study"), sample_type=sample_type or self.tr("any type"),
                    workstation=workstation or self.tr("any workstation"), template=template,
                    printer=printer or self.tr("the first printer")), "ok")
            self.reload()

        run_write(self.page, lambda: labelling.add_rule(actor, template_name=template, printer_name=printer,
                                                        study_code=study, sample_type=sample_type,
                                                        workstation=workstation),
                  on_done=added, on_error=self._refused, owner=self)

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, BiobankError):
            self.page.banner.show_message(self.tr("The print rules were not changed: {exc}").format(exc=exc), "error")
        else:
            self.page.show_error(exc)

    def delete_rule(self) -> QMessageBox | None:
        rule = self.selected_rule()
        if rule is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Delete the print rule",
                          f"Delete the rule {rule.study_code or 'any study'} / {rule.sample_type or 'any type'} / "
                          f"{rule.workstation or 'any workstation'} → {rule.template_name}? Labels that used it follow "
                          "the other rules from now on.", QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("deleteRuleBox")
        delete = box.addButton("Delete rule", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        labelling, actor = self.session.services.labelling, self.session.actor

        def deleted(_r: object) -> None:
            self.page.banner.show_message(self.tr("Rule deleted."), "ok")
            self.reload()

        def answered(_r: int) -> None:
            if box.clickedButton() is delete:
                run_write(self.page, lambda: labelling.delete_rule(actor, rule.id), on_done=deleted,
                          on_error=self._refused, owner=self)

        box.finished.connect(answered)
        box.open()
        return box
