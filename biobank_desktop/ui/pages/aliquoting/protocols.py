"""Protocols: each study's named recipes ("EDTA whole blood 9 mL → 6 × plasma 0.5 mL + 2 × buffy coat 0.25 mL"),
listed for everyone, written by supervisors. Saving never changes a version: it makes the next one (batches keep
the version they used). A protocol is applied from here to the parent shown, or to a batch, in one click."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.aliquoting import ProtocolDefinition, ProtocolInfo, ProtocolLine, allowed_children
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.dto import StudyInfo
from biobank_desktop.ui.formatting import local_time
from biobank_desktop.ui.formatting import volume as volume_text
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.pages.aliquoting.arithmetic import read_volume
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ROW_HEIGHT
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, form_layout, label, shown_if

COLUMNS = ("Study", "Protocol", "Version", "Lines", "Written by", "Status")
MAX_LINES = 8


def type_choices(parent_type: str | None) -> list[tuple[str, str]]:
    """(code, text) of the child types a line may name: those the parent type allows, else every fluid type."""
    meanings = dict(sprec.fluid_sample_types()) | {"DNA": "DNA (extracted)", "RNA": "RNA (extracted)"}
    codes = allowed_children(parent_type) if parent_type else list(meanings)
    return [(code, f"{code} — {meanings.get(code, code)}") for code in codes]


class ProtocolDialog(QDialog):
    """A new protocol, or the next version of one (``base``): name, study, the parent type it is written for,
    lines N × type × volume, dead volume, whether the parent is used up; the sum it needs, live."""

    def __init__(self, studies: list[StudyInfo], base: ProtocolInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protocolDialog")
        self.setWindowTitle(self.tr("New version of {name}").format(name=base.name) if base
                            else self.tr("New aliquoting protocol"))
        self.setMinimumWidth(820)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        form = form_layout()
        self.name = QLineEdit(base.name if base else "")
        self.name.setObjectName("protocolName")
        self.name.setPlaceholderText(self.tr("e.g. EDTA whole blood 9 mL"))
        self.study = QComboBox()
        self.study.setObjectName("protocolStudy")
        for study in studies:
            self.study.addItem(f"{study.code} — {study.name}", study.code)
        self.parent_type = QComboBox()
        self.parent_type.setObjectName("protocolParentType")
        self.parent_type.addItem(self.tr("— any parent type the lines allow —"), None)
        for code, meaning in sprec.fluid_sample_types():
            self.parent_type.addItem(f"{code} — {meaning}", code)
        self.dead = QLineEdit()
        self.dead.setObjectName("protocolDead")
        self.dead.setPlaceholderText(self.tr("e.g. 0.2 mL (empty: none)"))
        self.consumes = QCheckBox(self.tr("The parent is used up (marked consumed), whatever is left"))
        self.description = QLineEdit(base.description if base else "")
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Study"), self.study)
        form.addRow(self.tr("Parent type"), self.parent_type)
        layout.addLayout(form)
        layout.addWidget(label(self.tr("Lines: how many children of which type, and the volume of each"),
                               "fieldname"))
        self.lines_grid = QGridLayout()
        self.lines_grid.setHorizontalSpacing(8)
        self.lines: list[tuple[QSpinBox, QComboBox, QLineEdit, QPushButton]] = []
        layout.addLayout(self.lines_grid)
        self.add_line_button = button(self.tr("Add a line"), on_click=self.add_line)
        row = QHBoxLayout()
        row.addWidget(self.add_line_button)
        row.addStretch(1)
        layout.addLayout(row)
        form2 = form_layout()
        form2.addRow(self.tr("Dead volume"), self.dead)
        form2.addRow("", self.consumes)
        form2.addRow(self.tr("Description"), self.description)
        layout.addLayout(form2)
        self.summary = label("", "mono", wrap=True)
        self.summary.setObjectName("protocolSummary")
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.ok_button.setText(self.tr("Save as a new version") if base else self.tr("Save"))
        self.ok_button.setProperty("primary", True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.parent_type.currentIndexChanged.connect(self._parent_type_chosen)
        for widget in (self.name, self.dead):
            widget.textChanged.connect(self._update)
        if base is not None:
            d = base.definition
            self.study.setCurrentIndex(max(0, self.study.findData(base.study)))
            self.study.setEnabled(False)
            self.name.setReadOnly(True)
            self.parent_type.setCurrentIndex(max(0, self.parent_type.findData(d.parent_type)))
            self.dead.setText(f"{d.dead_volume_ul.normalize():f} µL" if d.dead_volume_ul else "")
            self.consumes.setChecked(d.consumes_parent)
            for line in d.lines:
                self.add_line(line.count, line.sample_type, f"{line.volume_ul.normalize():f} µL")
        else:
            self.add_line()
        self._update()

    def add_line(self, count: int = 1, sample_type: str | None = None, volume: str = "") -> None:
        if len(self.lines) >= MAX_LINES:
            return
        spin = QSpinBox()
        spin.setRange(1, 384)
        spin.setValue(count)
        spin.setMinimumWidth(80)
        kind = QComboBox()
        for code, text in type_choices(self.parent_type.currentData()):
            kind.addItem(text, code)
        kind.setCurrentIndex(max(0, kind.findData(sample_type)))
        each = QLineEdit(volume)
        each.setPlaceholderText(self.tr("each, e.g. 0.5 mL"))
        each.setMinimumWidth(150)
        remove = button(self.tr("Remove"))
        entry = (spin, kind, each, remove)
        remove.clicked.connect(lambda: self._remove_line(entry))
        row = len(self.lines)
        self.lines_grid.addWidget(spin, row, 0)
        self.lines_grid.addWidget(label("×"), row, 1)
        self.lines_grid.addWidget(kind, row, 2)
        self.lines_grid.addWidget(label("×"), row, 3)
        self.lines_grid.addWidget(each, row, 4)
        self.lines_grid.addWidget(remove, row, 5)
        self.lines_grid.setColumnStretch(2, 1)
        self.lines.append(entry)
        spin.valueChanged.connect(self._update)
        kind.currentIndexChanged.connect(self._update)
        each.textChanged.connect(self._update)
        self._update()

    def _remove_line(self, entry: tuple[QSpinBox, QComboBox, QLineEdit, QPushButton]) -> None:
        if len(self.lines) <= 1:
            return
        self.lines.remove(entry)
        for widget in entry:
            self.lines_grid.removeWidget(widget)
            widget.deleteLater()
        for row, widgets in enumerate(self.lines):  # close the gap
            for col, cell in zip((0, 2, 4, 5), widgets, strict=True):
                self.lines_grid.addWidget(cell, row, col)
        self._update()

    def _parent_type_chosen(self, _index: int) -> None:
        choices = type_choices(self.parent_type.currentData())
        for _spin, kind, _each, _remove in self.lines:
            current = kind.currentData()
            kind.blockSignals(True)
            kind.clear()
            for code, text in choices:
                kind.addItem(text, code)
            kind.setCurrentIndex(max(0, kind.findData(current)))
            kind.blockSignals(False)
        self._update()

    def definition(self) -> ProtocolDefinition:
        """The protocol as typed; ValidationError saying what is wrong."""
        lines = []
        for number, (spin, kind, each, _remove) in enumerate(self.lines, 1):
            try:
                volume = read_volume(each.text())
            except ValidationError as exc:
                raise ValidationError(self.tr("Line {n}: {why}").format(n=number, why=exc.message),
                                      hint=exc.hint) from None
            lines.append(ProtocolLine(spin.value(), str(kind.currentData()), volume))
        dead = read_volume(self.dead.text(), zero_allowed=True)
        return ProtocolDefinition(tuple(lines), parent_type=self.parent_type.currentData(),
                                  dead_volume_ul=dead.quantize(Decimal("0.01")),
                                  consumes_parent=self.consumes.isChecked())

    def _update(self) -> None:
        problem = "" if self.name.text().strip() else self.tr("Give the protocol a name.")
        if not problem:
            try:
                definition = self.definition()
            except ValidationError as exc:
                problem = exc.message
            else:
                self.summary.setText(self.tr("{text}\nA parent must hold at least {needs}.").format(
                    text=definition.text(), needs=volume_text(definition.needs_ul)))
        if problem:
            self.summary.setText(f"✖ {problem}")
        self.ok_button.setEnabled(not problem)
        self.add_line_button.setEnabled(len(self.lines) < MAX_LINES)


class ProtocolsView(QWidget):
    """See the module docstring. ``apply_to_parent(protocol)``, ``apply_to_batch(name)``; ``loaded(protocols)``."""

    apply_to_parent = Signal(object)
    apply_to_batch = Signal(str)
    loaded = Signal(object)

    def __init__(self, page: WritingPage, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = session
        self.protocols: list[ProtocolInfo] = []
        self.studies: list[StudyInfo] = []
        self.last_dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.study = QComboBox()
        self.study.setObjectName("protocolStudyFilter")
        self.study.addItem(self.tr("All studies"), None)
        self.study.currentIndexChanged.connect(lambda _i: self._fill())
        self.inactive = QCheckBox(self.tr("Show withdrawn"))
        self.inactive.toggled.connect(lambda _on: self.reload())
        top.addWidget(self.study, 1)
        top.addWidget(self.inactive)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("protocolTable")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.itemDoubleClicked.connect(lambda _item: self._apply_parent())
        self.empty = label(self.tr("No protocol for these studies yet. A supervisor writes one with New protocol…; "
                                   "until then, say on the One parent tab what to make."), "subtitle", wrap=True)
        self.empty.setObjectName("noProtocol")
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.parent_button = button(self.tr("Apply to the parent"), primary=True, on_click=self._apply_parent)
        self.batch_button = button(self.tr("Use for a batch"), on_click=self._apply_batch)
        self.new_button = button(self.tr("New protocol…"), on_click=self.new_protocol)
        self.version_button = button(self.tr("New version…"), on_click=self.new_version)
        self.withdraw_button = button(self.tr("Withdraw…"), danger=True, on_click=self.withdraw)
        for widget in (self.parent_button, self.batch_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        for widget in (self.new_button, self.version_button, self.withdraw_button):
            shown_if(widget, session.can(Permission.MANAGE_REFERENCE))
            buttons.addWidget(widget)
        layout.addLayout(buttons)
        self._update()

    def reload(self) -> None:
        services = self.session.services
        include = self.inactive.isChecked()

        def read() -> tuple[list[ProtocolInfo], list[StudyInfo]]:
            return services.aliquoting.protocols(include_inactive=include), services.reference.studies()

        def shown(result: tuple[list[ProtocolInfo], list[StudyInfo]]) -> None:
            self.protocols, self.studies = result
            current = self.study.currentData()
            self.study.blockSignals(True)
            while self.study.count() > 1:
                self.study.removeItem(1)
            for study in self.studies:
                self.study.addItem(f"{study.code} — {study.name}", study.code)
            self.study.setCurrentIndex(max(0, self.study.findData(current)))
            self.study.blockSignals(False)
            self._fill()
            self.loaded.emit([p for p in self.protocols if p.active])

        self.session.runner.call(read, on_result=shown, on_error=self.page.show_error, owner=self)

    def shown_protocols(self) -> list[ProtocolInfo]:
        study = self.study.currentData()
        return [p for p in self.protocols if study is None or p.study == study]

    def _fill(self) -> None:
        rows = self.shown_protocols()
        self.empty.setVisible(not rows)
        self.table.setRowCount(len(rows))
        for row, p in enumerate(rows):
            status = self.tr("In use") if p.active else self.tr("Withdrawn")
            for col, text in enumerate((p.study, p.name, f"v{p.version}", p.text,
                                        f"{p.created_by}, {local_time(p.created_at)}", status)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self._update()

    def selected(self) -> ProtocolInfo | None:
        rows = self.table.selectionModel().selectedRows()
        shown = self.shown_protocols()
        return shown[rows[0].row()] if rows and rows[0].row() < len(shown) else None

    def _update(self) -> None:
        chosen = self.selected()
        for widget in (self.parent_button, self.batch_button, self.version_button, self.withdraw_button):
            widget.setEnabled(chosen is not None)
        if chosen is not None:
            self.withdraw_button.setText(self.tr("Withdraw…") if chosen.active else self.tr("Bring back…"))
            self.parent_button.setEnabled(chosen.active)
            self.batch_button.setEnabled(chosen.active)

    def _apply_parent(self) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.active:
            self.apply_to_parent.emit(chosen)

    def _apply_batch(self) -> None:
        chosen = self.selected()
        if chosen is not None and chosen.active:
            self.apply_to_batch.emit(chosen.name)

    def new_protocol(self) -> QDialog:
        return self._edit(None)

    def new_version(self) -> QDialog | None:
        chosen = self.selected()
        return self._edit(chosen) if chosen is not None else None

    def _edit(self, base: ProtocolInfo | None) -> QDialog:
        dialog = ProtocolDialog(self.studies, base, self)
        self.last_dialog = dialog
        services, actor = self.session.services, self.session.actor

        def accepted() -> None:
            study, name = str(dialog.study.currentData()), dialog.name.text().strip()
            definition, description = dialog.definition(), dialog.description.text().strip()

            def saved(result: Result[ProtocolInfo]) -> None:
                self.page.banner.show_message(self.tr("Protocol {name} v{version} saved for {study}.").format(
                    name=result.value.name, version=result.value.version, study=result.value.study), "ok")
                self.reload()

            run_write(self.page, lambda: services.aliquoting.save_protocol(actor, study, name, definition,
                                                                          description=description), on_done=saved)

        return ask(self, dialog, accepted)

    def withdraw(self) -> QDialog | None:
        chosen = self.selected()
        if chosen is None:
            return None
        active = not chosen.active
        title = (self.tr("Bring back {name}") if active else self.tr("Withdraw {name}")).format(name=chosen.name)
        dialog = ReasonDialog(title, self.tr("A withdrawn protocol is not offered or applied any more; the batches "
                                             "that used it keep it. Say why."),
                              ok_text=self.tr("Bring back") if active else self.tr("Withdraw"), parent=self)
        self.last_dialog = dialog
        services, actor = self.session.services, self.session.actor

        def accepted() -> None:
            reason = dialog.reason_text()
            run_write(self.page, lambda: services.aliquoting.set_protocol_active(actor, chosen.study, chosen.name,
                                                                                active, reason),
                      on_done=lambda _c: self.reload())

        return ask(self, dialog, accepted)
