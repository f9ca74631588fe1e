"""The storage page (issue 9): the tree of freezers, racks and boxes with fill levels and a search over names and
barcodes on the left; the box map (placing, moving, check-out …) and the capacity view on the right.

Scans: the page's own scan field, and the main window's while this page shows (:meth:`handle_scan`): a tube
opens its box with its cell ringed, a box code opens that box; with "Scans place tubes" on, a tube is placed.
The page refreshes when a :class:`Changes` touches containers or samples — this window's writes and, through
the main window's poll, other workstations'.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.changes import CONTAINER, SAMPLE, Changes
from biobank_desktop.core.services.storage import BoxMap, Placement, TreeNode
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.models.storage_tree import NODE_ROLE, ContainerSearchModel, StorageTreeModel
from biobank_desktop.ui.operations.writes import run_write
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.storage.box_panel import AnswerFn, BoxPanel
from biobank_desktop.ui.pages.storage.capacity import CapacityView
from biobank_desktop.ui.pages.storage.dialogs import (
    DuplicateDialog,
    EvacuationDialog,
    MoveContainerDialog,
    NewContainerDialog,
    RenameDialog,
    ask_reason,
    ask_then,
    confirm,
    node_code,
)
from biobank_desktop.ui.pages.storage.rackscan import RackScanView
from biobank_desktop.ui.pages.storage.tree import StorageTreeView
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import button, table_view

TOP_KINDS = ("freezer", "refrigerator", "ln2_tank", "room")
BOX_KINDS = ("box", "plate")  # containers that hold tubes in positions


class _Panel(BoxPanel):
    def __init__(self, page: StoragePage, session: UiSession) -> None:
        super().__init__(page, session)
        self._storage_page = page

    def opened(self, box: BoxMap) -> None:
        self._storage_page.select_node(box.box_id)

    def scanned_container(self, text: str, on_answer: AnswerFn | None) -> bool:
        """A box's barcode while filling: fill that box now (and say so); a rack's or freezer's: say what to do."""
        node = self._storage_page.node_by_code(text, by_id=False)  # a tube's code may be all digits
        if node is None:
            return False
        if node.kind not in BOX_KINDS:
            self.answer("error", self.tr("✖ {code} is a {kind} ({name}), not a box: scan a box's barcode, or choose "
                                         "a box in the tree, to place tubes in it.").format(
                code=node_code(node), kind=node.kind.replace("_", " "), name=node.name), on_answer)
            self.continue_filling(on_answer)
            return True
        storage = self.session.services.storage

        def opened(box: BoxMap) -> None:
            if self.box is None or box.box_id != self.box.box_id:
                self.switch_box(box)
            self.answer("ok", self.tr("✔ Now filling box {code} ({name}): scans place tubes here.").format(
                code=box.code, name=box.name), on_answer)
            self.continue_filling(on_answer)

        def failed(exc: BaseException) -> None:
            self.answer("error", "✖ " + error_text(exc)[0], on_answer)
            self.continue_filling(on_answer)

        self.session.runner.call(lambda: storage.box_map(node_code(node)), on_result=opened, on_error=failed,
                                 owner=self)
        return True


class StoragePage(Page):
    title = "Storage"

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.title_label.setText(self.tr("Storage"))
        self.banner.keep_place()  # scans are answered here one after another: the map never jumps
        self.tree_loaded = 0  # how many times the tree was read (tests wait on it)
        self.last_dialog: QWidget | None = None
        self._after_tree: list[Callable[[], None]] = []

        # -- left: search + tree ---------------------------------------------------------------------------
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(6)
        self.search = QLineEdit()
        self.search.setObjectName("containerSearch")
        self.search.setPlaceholderText(self.tr("Find a freezer, rack or box by name or barcode"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.model = StorageTreeModel(self)
        self.tree = StorageTreeView()
        self.tree.setModel(self.model)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.tree.setColumnWidth(1, 104)
        left.setMinimumWidth(360)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.selectionModel().currentChanged.connect(self._node_chosen)
        self.tree.tubes_dropped.connect(self.drop_tubes_on_node)
        self.tree.container_dropped.connect(self.drop_container_on_node)
        self.results_model = ContainerSearchModel(self.path_of)
        self.results = table_view("containerResults", self.results_model, widths=(170, 110, 70, 120))
        self.results.clicked.connect(self._result_chosen)
        self.results.activated.connect(self._result_chosen)
        self.left_stack = QStackedWidget()
        self.left_stack.addWidget(self.tree)
        self.left_stack.addWidget(self.results)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.left_stack, 1)
        tree_buttons = QHBoxLayout()
        self.new_button = button(self.tr("New…"), on_click=self.ask_new)
        self.more_button = button(self.tr("Container…"), on_click=self._show_tree_menu_here)
        tree_buttons.addWidget(self.new_button)
        tree_buttons.addWidget(self.more_button)
        tree_buttons.addStretch(1)
        left_layout.addLayout(tree_buttons)
        self.new_button.setVisible(session.can(Permission.MANAGE_STORAGE))

        # -- right: box map / capacity --------------------------------------------------------------------
        self.box_panel = _Panel(self, session)
        self.capacity = CapacityView(self, session)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("storageTabs")
        self.tabs.addTab(self.box_panel, self.tr("Box map"))
        self.tabs.addTab(self.capacity, self.tr("Capacity"))
        self.rackscan = RackScanView(self, session)
        self.tabs.addTab(self.rackscan, self.tr("Rack scan"))
        self.tabs.currentChanged.connect(self._tab_changed)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 1000])
        self.splitter = split
        self.body.addWidget(split, 1)
        self.reload_tree()

    # -- the tree --------------------------------------------------------------------------------------------

    def reload_tree(self, then: Callable[[], None] | None = None) -> None:
        storage = self.session.services.storage
        self.session.runner.call(storage.tree, on_result=lambda nodes: self._tree_read(nodes, then),
                                 on_error=self.show_error, owner=self)

    def _tree_read(self, nodes: list[TreeNode], then: Callable[[], None] | None) -> None:
        expanded = [n.id for n in self.model.nodes() if self.tree.isExpanded(self.model.index_of(n.id))]
        current = self.tree.current_node()
        first = not self.model.nodes()
        self.model.set_nodes(nodes)
        for node_id in expanded:
            index = self.model.index_of(node_id)
            if index.isValid():
                self.tree.expand(index)
        if first:
            for node in nodes:
                if node.parent_id is None:
                    self.tree.expand(self.model.index_of(node.id))
        if current is not None and self.model.node_by_id(current.id) is not None:
            self.tree.selectionModel().blockSignals(True)
            self.tree.setCurrentIndex(self.model.index_of(current.id))
            self.tree.selectionModel().blockSignals(False)
        self.tree_loaded += 1
        if then:
            then()
        waiting, self._after_tree = self._after_tree, []
        for step in waiting:
            step()

    def select_node(self, node_id: int) -> None:
        """Show ``node_id`` in the tree (ancestors expanded) without opening anything else."""
        index = self.model.index_of(node_id)
        if not index.isValid():
            return
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.selectionModel().blockSignals(True)
        self.tree.setCurrentIndex(index)
        self.tree.selectionModel().blockSignals(False)
        self.tree.scrollTo(index)

    def path_of(self, node_id: int) -> str:
        names = []
        node = self.model.node_by_id(node_id)
        while node is not None:
            names.append(node.name)
            node = self.model.node_by_id(node.parent_id) if node.parent_id is not None else None
        return " › ".join(reversed(names))

    def _node_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = current.data(NODE_ROLE)
        if isinstance(node, TreeNode) and node.kind in BOX_KINDS:
            self.tabs.setCurrentWidget(self.box_panel)
            self.box_panel.open_box(node_code(node))

    def run_search(self) -> None:
        text = self.search.text().strip()
        if not text:
            self.left_stack.setCurrentWidget(self.tree)
            return
        storage = self.session.services.storage

        def found(nodes: list[TreeNode]) -> None:
            if self.search.text().strip() != text:
                return
            self.results_model.set_rows(nodes)
            self.left_stack.setCurrentWidget(self.results)

        self.session.runner.call(lambda: storage.search_containers(text), on_result=found, on_error=self.show_error,
                                 owner=self)

    def _result_chosen(self, index: QModelIndex) -> None:
        node = self.results_model.row_at(index.row())
        if node is None:
            return
        self.search.clear()
        self.left_stack.setCurrentWidget(self.tree)
        self.select_node(node.id)
        if node.kind in BOX_KINDS:
            self.tabs.setCurrentWidget(self.box_panel)
            self.box_panel.open_box(node_code(node))

    # -- scans and navigation ----------------------------------------------------------------------------

    def handle_scan(self, text: str, on_answer: AnswerFn | None = None) -> None:
        """A scan from the main window while this page shows (the page's own field goes the same way)."""
        if self.tabs.currentWidget() is self.rackscan and self.rackscan.wants_scans():
            self.rackscan.handle_scan(text, on_answer)  # a tube the rack scanner could not read, scanned by hand
            return
        self.tabs.setCurrentWidget(self.box_panel)
        self.box_panel.handle_scan(text, on_answer)

    def node_by_code(self, code: str, *, by_id: bool = True) -> TreeNode | None:
        """The container in the tree with this barcode (or, ``by_id``, this id), if any."""
        wanted = code.strip().upper()
        return next((n for n in self.model.nodes() if (n.barcode or "").upper() == wanted
                     or (by_id and str(n.id) == wanted)), None)

    def open_box(self, code: str, on_answer: AnswerFn | None = None) -> None:
        """Show box ``code`` (a barcode or a container id); a rack or freezer is shown in the tree."""
        def go() -> None:
            node = self.node_by_code(code)
            if node is not None and node.kind not in BOX_KINDS:
                self.select_node(node.id)
                self.tree.expand(self.model.index_of(node.id))
                message = self.tr("✔ {name} ({code}) in {path}: choose one of its boxes.").format(
                    name=node.name, code=node_code(node), path=self.path_of(node.id))
                self.box_panel.scan.show_feedback("ok", message)
                if on_answer:
                    on_answer("ok", message)
                return
            self.tabs.setCurrentWidget(self.box_panel)
            self.box_panel.open_scan(code, on_answer, unknown=self.tr("{code} is not a known box.").format(code=code))

        if self.tree_loaded:
            go()
        else:
            self._after_tree.append(go)

    # -- drops ---------------------------------------------------------------------------------------------

    def drop_tubes_on_node(self, payload: dict[str, object], node: TreeNode) -> None:
        """Tubes dragged onto a box in the tree go to its next free positions (confirmed first)."""
        if node.kind not in BOX_KINDS:
            self.banner.show_message(self.tr("Drop tubes onto a box, not onto a {kind}. Nothing was moved.").format(
                kind=node.kind), "error")
            return
        code = node_code(node)
        tubes = [str(t[0]) for t in payload.get("tubes", [])]  # type: ignore[attr-defined]
        moves = [Placement(t, code, None) for t in tubes]
        self.box_panel.confirm_move(moves, self.tr("Move {n} tube(s) to {name} ({code}), into its next free "
                                                   "positions?").format(n=len(tubes), name=node.name, code=code),
                                    tubes)
        self.last_dialog = self.box_panel.last_confirm

    def drop_container_on_node(self, node_id: int, target: TreeNode) -> None:
        moved = self.model.node_by_id(node_id)
        if moved is None or moved.id == target.id:
            return
        self.confirm_container_move(moved, node_code(target), target.name)

    def confirm_container_move(self, moved: TreeNode, target_code: str, target_name: str) -> None:
        storage, actor, code = self.session.services.storage, self.session.actor, node_code(moved)

        def go() -> None:
            run_write(self, lambda: storage.move_container(actor, code, target_code),
                      done_message=self.tr("{name} moved into {target}.").format(name=moved.name, target=target_name))

        self.last_dialog = confirm(self, self.tr("Move a container"),
                                   self.tr("Move {name} ({code}) with everything in it into {target}?").format(
                                       name=moved.name, code=code, target=target_name),
                                   self.tr("{n} tube(s) in {b} box(es) move with it.").format(
                                       n=moved.occupied, b=moved.boxes), go, yes_text=self.tr("Move"))

    # -- the container menu (layout changes are the supervisors') ----------------------------------------

    def _show_tree_menu_here(self) -> None:
        self.container_menu(self.tree.current_node()).popup(self.more_button.mapToGlobal(
            self.more_button.rect().bottomLeft()))

    def _tree_menu(self, point: QPoint) -> None:
        node = self.tree.indexAt(point).data(NODE_ROLE)
        self.container_menu(node if isinstance(node, TreeNode) else None).popup(
            self.tree.viewport().mapToGlobal(point))

    def container_menu(self, node: TreeNode | None) -> QMenu:
        menu = QMenu(self)
        layout = self.session.can(Permission.MANAGE_STORAGE)
        place = self.session.can(Permission.RECORD_SAMPLES)
        menu.addAction(self.tr("New container here…") if node else self.tr("New freezer…"),
                       lambda: self.ask_new(node)).setEnabled(layout)
        if node is None:
            return menu
        menu.addAction(self.tr("Rename {name}…").format(name=node.name), lambda: self.ask_rename(node)
                       ).setEnabled(layout)
        if node.parent_id is not None and node.kind not in BOX_KINDS:
            menu.addAction(self.tr("Duplicate {name} with its boxes…").format(name=node.name),
                           lambda: self.ask_duplicate(node)).setEnabled(layout)
        if node.parent_id is not None:
            menu.addAction(self.tr("Move {name} into…").format(name=node.name), lambda: self.ask_move(node)
                           ).setEnabled(place)
        menu.addAction(self.tr("Retire {name}…").format(name=node.name), lambda: self.ask_retire(node)
                       ).setEnabled(layout and node.occupied == 0)
        if node.kind in TOP_KINDS:
            menu.addSeparator()
            menu.addAction(self.tr("Evacuate {name}…").format(name=node.name), lambda: self.ask_evacuate(node)
                           ).setEnabled(place)
        return menu

    def ask_new(self, node: TreeNode | None = None) -> None:
        if node is None:
            node = self.tree.current_node()
        storage, actor = self.session.services.storage, self.session.actor

        def with_types(types: list[object]) -> None:
            dialog = NewContainerDialog(node, types, self)  # type: ignore[arg-type]
            self.last_dialog = dialog
            ask_then(self, dialog, lambda: run_write(
                self, partial(storage.create_containers, actor, [dialog.new_container()]),
                done_message=self.tr("Container created.")))

        self.session.runner.call(storage.container_types, on_result=with_types, on_error=self.show_error, owner=self)

    def ask_rename(self, node: TreeNode) -> RenameDialog:
        storage, actor = self.session.services.storage, self.session.actor
        dialog = RenameDialog(node, self)
        self.last_dialog = dialog
        ask_then(self, dialog, lambda: run_write(self, partial(storage.edit_container, actor, node_code(node),
                                                               name=dialog.new_name()),
                                                 done_message=self.tr("Renamed.")))
        return dialog

    def ask_duplicate(self, node: TreeNode) -> DuplicateDialog:
        storage, actor = self.session.services.storage, self.session.actor
        dialog = DuplicateDialog(node, self)
        self.last_dialog = dialog
        ask_then(self, dialog, lambda: run_write(
            self, partial(storage.duplicate_container, actor, node_code(node), dialog.copies()),
            title=self.tr("Duplicating {name}").format(name=node.name),
            done_message=self.tr("{n} cop(ies) of {name} made.").format(n=dialog.copies(), name=node.name)))
        return dialog

    def ask_move(self, node: TreeNode) -> MoveContainerDialog:
        dialog = MoveContainerDialog(node, self)
        self.last_dialog = dialog
        ask_then(self, dialog, lambda: self.confirm_container_move(node, dialog.target(), dialog.target()))
        return dialog

    def ask_retire(self, node: TreeNode) -> None:
        storage, actor = self.session.services.storage, self.session.actor
        self.last_dialog = ask_reason(
            self, self.tr("Retire {name}").format(name=node.name),
            self.tr("A retired container disappears from the tree; only empty containers can be retired. Why?"),
            self.tr("Retire"), lambda reason: run_write(self, lambda: storage.retire_container(
                actor, node_code(node), reason), done_message=self.tr("{name} retired.").format(name=node.name)))

    def ask_evacuate(self, node: TreeNode) -> EvacuationDialog:
        dialog = EvacuationDialog(self, self.session, node, self)
        self.last_dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # -- refresh -------------------------------------------------------------------------------------------

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.capacity:
            self.capacity.reload()

    def page_shown(self) -> None:
        self.box_panel.scan.focus_for_scan()

    def data_changed(self, changes: Changes) -> None:
        if not changes.touches(CONTAINER, SAMPLE):
            return
        self.reload_tree()
        self.box_panel.reload()
        self.rackscan.data_changed()
        if self.tabs.currentWidget() is self.capacity:
            self.capacity.reload()
