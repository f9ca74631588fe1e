"""The storage page's dialogs: confirm a move, find space, the layout changes (create, rename, duplicate,
move a container) and the evacuation of a failing freezer (plan table, pick list, commit in one go)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.space import BoxMove, BoxToMove, EvacuationPlan
from biobank_desktop.core.services.storage import ContainerTypeInfo, NewContainer, TreeNode
from biobank_desktop.core.services.storage_layout import ALLOWED_CHILDREN, TOP_LEVEL_KINDS
from biobank_desktop.ui.models.base import ReadOnlyTableModel
from biobank_desktop.ui.operations import file_dialogs
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.pages.storage.evacuation_picture import EvacuationPicture
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, form_layout, label, table_view


def confirm(parent: QWidget, title: str, question: str, detail: str, on_yes: Callable[[], None], *,
            yes_text: str, warning: bool = False) -> QMessageBox:
    """Ask before a change (window-modal, not blocking); ``on_yes`` runs when accepted. ``warning``: a change the
    technician most likely does not want (a warning icon, and Enter means Cancel)."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question
    box = QMessageBox(icon, title, question, QMessageBox.StandardButton.Cancel, parent)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    if warning:
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    else:
        box.setDefaultButton(yes)
    if detail:
        box.setInformativeText(detail)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.buttonClicked.connect(lambda clicked: on_yes() if clicked is yes else None)
    box.finished.connect(box.deleteLater)
    box.open()
    return box


class _FormDialog(QDialog):
    def __init__(self, title: str, intro: str, parent: QWidget | None, ok_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(24, 20, 24, 18)
        self.outer.setSpacing(10)
        if intro:
            self.outer.addWidget(label(intro, wrap=True))
        self.form = form_layout()
        self.outer.addLayout(self.form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setProperty("primary", True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.outer.addWidget(self.buttons)


class FindSpaceDialog(_FormDialog):
    """How many tubes, of which study and type, where: the plan is shown on the map before anything is written."""

    def __init__(self, box_code: str | None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Find space"), self.tr("Free positions for N tubes, consecutive where possible, "
                                                        "honouring every box's restrictions. Nothing is written "
                                                        "until you reserve them."), parent, self.tr("Find"))
        self.count_input = QSpinBox()
        self.count_input.setRange(1, 5000)
        self.count_input.setValue(10)
        self.study_input = QLineEdit()
        self.study_input.setPlaceholderText(self.tr("any study"))
        self.type_input = QLineEdit()
        self.type_input.setPlaceholderText(self.tr("any sample type (e.g. PL1)"))
        self.here = QCheckBox(self.tr("Only in box {box}").format(box=box_code) if box_code else "")
        self.here.setVisible(box_code is not None)
        self._box = box_code
        self.form.addRow(self.tr("Tubes"), self.count_input)
        self.form.addRow(self.tr("Study"), self.study_input)
        self.form.addRow(self.tr("Sample type"), self.type_input)
        self.form.addRow("", self.here)
        self.finish_layout()

    def count(self) -> int:
        return self.count_input.value()

    def study(self) -> str | None:
        return self.study_input.text().strip() or None

    def sample_type(self) -> str | None:
        return self.type_input.text().strip() or None

    def within(self) -> str | None:
        return self._box if self.here.isChecked() else None


def node_code(node: TreeNode) -> str:
    """The code the storage service knows a container by: its barcode, else its id."""
    return node.barcode or str(node.id)


class NewContainerDialog(_FormDialog):
    """A new container under ``parent`` (None: a freezer or room at the top), of a type that may go there."""

    def __init__(self, parent_node: TreeNode | None, types: Sequence[ContainerTypeInfo],
                 parent: QWidget | None = None) -> None:
        where = parent_node.name if parent_node else self.tr("the top of the tree")
        super().__init__(self.tr("New container"), self.tr("A new container in {where}.").format(where=where),
                         parent, self.tr("Create"))
        allowed = ALLOWED_CHILDREN.get(parent_node.kind, frozenset()) if parent_node else TOP_LEVEL_KINDS
        self.parent_node = parent_node
        self.type_input = QComboBox()
        for t in types:
            if t.kind in allowed:
                size = f" ({t.rows} × {t.columns})" if t.rows and t.columns else ""
                self.type_input.addItem(f"{t.name}{size}", t.name)
        self.name_input = QLineEdit()
        self.barcode_input = QLineEdit()
        self.barcode_input.setPlaceholderText(self.tr("empty: the next from the counter"))
        self.form.addRow(self.tr("Type"), self.type_input)
        self.form.addRow(self.tr("Name"), self.name_input)
        self.form.addRow(self.tr("Barcode"), self.barcode_input)
        self.finish_layout()
        self.name_input.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.name_input.text().strip()) and self.type_input.count() > 0)

    def new_container(self) -> NewContainer:
        return NewContainer(self.name_input.text().strip(), self.type_input.currentData(),
                            node_code(self.parent_node) if self.parent_node else None,
                            self.barcode_input.text().strip() or None)


class RenameDialog(_FormDialog):
    def __init__(self, node: TreeNode, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Rename {name}").format(name=node.name), "", parent, self.tr("Rename"))
        self.name_input = QLineEdit(node.name)
        self.form.addRow(self.tr("New name"), self.name_input)
        self.finish_layout()

    def new_name(self) -> str:
        return self.name_input.text().strip()


class DuplicateDialog(_FormDialog):
    def __init__(self, node: TreeNode, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Duplicate {name}").format(name=node.name),
                         self.tr("Copies of {name} with its boxes (empty), in the same place.").format(name=node.name),
                         parent, self.tr("Duplicate"))
        self.copies_input = QSpinBox()
        self.copies_input.setRange(1, 200)
        self.form.addRow(self.tr("Copies"), self.copies_input)
        self.finish_layout()

    def copies(self) -> int:
        return self.copies_input.value()


class MoveContainerDialog(_FormDialog):
    """Move a box or rack (with all inside it): scan or type the container it goes into."""

    def __init__(self, node: TreeNode, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Move {name}").format(name=node.name),
                         self.tr("Scan or type the barcode of the rack, shelf or freezer it goes into."), parent,
                         self.tr("Move"))
        self.target_input = QLineEdit()
        self.form.addRow(self.tr("Into"), self.target_input)
        self.finish_layout()
        self.target_input.textChanged.connect(lambda t: self.ok_button.setEnabled(bool(t.strip())))
        self.ok_button.setEnabled(False)

    def target(self) -> str:
        return self.target_input.text().strip()


# -- evacuation -----------------------------------------------------------------------------------------------


class EvacuationModel(ReadOnlyTableModel[Any]):
    HEADERS = ("Box", "Tubes", "From", "To")

    def titles(self) -> Sequence[str]:
        return [self.tr(h) for h in self.HEADERS]

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(item, BoxMove):
                return (item.box_code, item.tubes, item.from_path, f"{item.to_path} ({item.rack_code})")[column]
            if isinstance(item, BoxToMove):
                return (item.code, item.tubes, item.path, self.tr("— no room —"))[column]
        if role == Qt.ItemDataRole.ForegroundRole and isinstance(item, BoxToMove):
            from PySide6.QtGui import QColor

            return QColor("#a4161a")
        return None


class EvacuationDialog(QDialog):
    """The plan to move every box out of a failing freezer: a table, a pick list, a commit in one go."""

    def __init__(self, page: WritingPage, session: UiSession, freezer: TreeNode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page, self.session, self.freezer = page, session, freezer
        self.code = node_code(freezer)
        self.plan: EvacuationPlan | None = None
        self.setWindowTitle(self.tr("Evacuate {name}").format(name=freezer.name))
        self.resize(1240, 600)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        self.summary = label(self.tr("Planning…"), wrap=True)
        self.summary.setObjectName("evacuationSummary")
        layout.addWidget(self.summary)
        self.model = EvacuationModel()
        self.table = table_view("evacuationPlan", self.model, widths=(140, 70, 330, 330))
        self.picture = EvacuationPicture()  # the same plan as a picture: racks and boxes from → to
        pictured = QScrollArea()
        pictured.setWidget(self.picture)
        pictured.setWidgetResizable(True)
        pictured.setMinimumWidth(440)
        both = QHBoxLayout()
        both.addWidget(self.table, 3)
        both.addWidget(pictured, 2)
        layout.addLayout(both, 1)
        row = QHBoxLayout()
        self.pick_pdf = button(self.tr("Print pick list (PDF)…"), on_click=lambda: self._pick_list(".pdf"))
        self.pick_xlsx = button(self.tr("Pick list to Excel…"), on_click=lambda: self._pick_list(".xlsx"))
        self.commit_button = button(self.tr("Move every box now…"), primary=True, on_click=self.ask_commit)
        self.close_button = button(self.tr("Close"), on_click=self.reject)
        for widget in (self.pick_pdf, self.pick_xlsx):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.commit_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        for widget in (self.pick_pdf, self.pick_xlsx, self.commit_button):
            widget.setEnabled(False)
        self.load()

    def load(self) -> None:
        storage, code = self.session.services.storage, self.code
        self.session.runner.call(lambda: storage.plan_evacuation(code), on_result=self._planned,
                                 on_error=self._failed, owner=self, title=self.tr("Planning the evacuation"))

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(str(exc))

    def _planned(self, plan: EvacuationPlan) -> None:
        self.plan = plan
        self.model.set_rows([*plan.moves, *plan.unplaced])
        self.picture.set_plan(plan)
        tubes = sum(m.tubes for m in plan.moves)
        text = (self.tr("{boxes} box(es) with {tubes} tube(s) go to {racks} rack(s) elsewhere.").format(
            boxes=len(plan.moves), tubes=tubes, racks=len({m.rack_id for m in plan.moves})) if plan.moves
            else self.tr("No room was found elsewhere for any box."))
        if not plan.complete:
            text += " " + plan.shortfall() + " " + self.tr("Nothing can be moved until there is room for every box.")
        if plan.notes:
            text += " " + " ".join(plan.notes)
        self.summary.setText(text)
        self.pick_pdf.setEnabled(bool(plan.moves))
        self.pick_xlsx.setEnabled(bool(plan.moves))
        self.commit_button.setEnabled(plan.complete and bool(plan.moves))

    def _pick_list(self, suffix: str) -> None:
        path = file_dialogs.save_file(self, self.tr("Pick list"), f"evacuation-{self.code}{suffix}")
        if path is not None:
            self.write_pick_list(path)

    def write_pick_list(self, out: Path) -> None:
        storage, code, who = self.session.services.storage, self.code, self.session.actor.username
        self.session.runner.call(lambda: storage.export_pick_list(code, out, printed_by=who),
                                 on_result=lambda p: self.summary.setText(
                                     self.tr("Pick list written to {p}.").format(p=p)),
                                 on_error=self._failed, owner=self, title=self.tr("Writing the pick list"))

    def ask_commit(self) -> ReasonDialog:
        storage, actor, code = self.session.services.storage, self.session.actor, self.code
        dialog = ReasonDialog(self.tr("Evacuate {name}").format(name=self.freezer.name),
                              self.tr("Every box moves as planned, in one transaction (or nothing moves). Why?"),
                              ok_text=self.tr("Move every box"))

        def go() -> None:
            run_write(self.page, partial(storage.evacuate, actor, code, dialog.reason_text()),
                      on_done=lambda _r: self.accept(),
                      title=self.tr("Evacuating {name}").format(name=self.freezer.name),
                      done_message=self.tr("{name} evacuated; every move is in the audit trail.").format(
                          name=self.freezer.name))

        ask_then(self, dialog, go)
        return dialog


def ask_then(parent: QWidget, dialog: QDialog, on_accept: Callable[[], object]) -> QDialog:
    """:func:`ask` for an action whose answer (a started job) is not needed."""

    def accepted() -> None:
        on_accept()

    return ask(parent, dialog, accepted)


def ask_reason(parent: QWidget, title: str, prompt: str, ok_text: str,
               on_accept: Callable[[str], object]) -> ReasonDialog:
    dialog = ReasonDialog(title, prompt, ok_text=ok_text)
    ask_then(parent, dialog, lambda: on_accept(dialog.reason_text()))
    return dialog
