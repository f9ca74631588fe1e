"""A batch: many parents, one protocol, one transaction, with progress and Cancel (cancel leaves nothing).

Parents come from a received shipment (its code), a scanned rack (its barcode scanned, or the rack scanner's
file read through the storage service), a selection in Search (``session.navigate.aliquot_samples``), or
tubes scanned one by one. Check shows, parent by parent, whether the protocol fits before anything is
written; Run stays disabled while a parent does not fit (remove those, or choose another protocol).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import OperationCancelledError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.services.aliquoting import AliquotOutcome, BatchRequest, ParentCheck, ParentList, ProtocolInfo
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.dto import ScanResult
from biobank_desktop.ui.background import CANCEL_NOTE
from biobank_desktop.ui.formatting import tr_n
from biobank_desktop.ui.operations import file_dialogs
from biobank_desktop.ui.operations.files import read_scan_file
from biobank_desktop.ui.operations.writes import WritingPage, changes_of
from biobank_desktop.ui.pages.aliquoting.result import ResultView, boxes_of, children_of, id_table
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ERROR
from biobank_desktop.ui.widgets.common import button, label
from biobank_desktop.ui.widgets.scan_field import ScanField

AnswerFn = Callable[[str, str], None]
COLUMNS = ("Parent", "Study", "What it gives, or why it does not fit")


class BatchView(QWidget):
    """See the module docstring. ``page``: the aliquoting page (banner, errors)."""

    void_requested = Signal(int)

    def __init__(self, page: WritingPage, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = session
        self.parents: list[str] = []
        self.source = ""
        self.checks: list[ParentCheck] | None = None
        self.protocols: list[ProtocolInfo] = []
        self.running = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        setup = QWidget()
        setup_layout = QVBoxLayout(setup)
        setup_layout.setContentsMargins(0, 0, 0, 0)
        setup_layout.setSpacing(8)
        self.scan = ScanField(self.tr("Scan parent tubes one by one, a rack, or a box for the children"),
                              sound=session.settings.scan_sound, banner=page.banner)
        self.scan.edit.setObjectName("batchScan")
        self.scan.scanned.connect(lambda text: self.handle_scan(text, self.scan.show_feedback))
        setup_layout.addWidget(self.scan)
        sources = QHBoxLayout()
        self.shipment = QLineEdit()
        self.shipment.setObjectName("batchShipment")
        self.shipment.setPlaceholderText(self.tr("Shipment code, then Enter"))
        self.shipment.returnPressed.connect(self.load_shipment)
        self.rack_file_button = button(self.tr("Rack-scan file…"), on_click=self.choose_rack_file)
        self.clear_button = button(self.tr("Clear the list"), on_click=lambda: self.set_parents([], ""))
        sources.addWidget(label(self.tr("Parents from"), "fieldname"))
        sources.addWidget(self.shipment, 1)
        sources.addWidget(self.rack_file_button)
        sources.addWidget(self.clear_button)
        setup_layout.addLayout(sources)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        self.protocol = QComboBox()
        self.protocol.setObjectName("batchProtocol")
        self.protocol.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.protocol.setMinimumContentsLength(30)
        self.protocol.currentIndexChanged.connect(lambda _i: self.check())
        self.box = QLineEdit()
        self.box.setObjectName("batchBox")
        self.box.setPlaceholderText(self.tr("Box for the children (scan it; empty: not placed)"))
        self.box.setClearButtonEnabled(True)
        self.box.editingFinished.connect(self.check)
        self.find_space = QCheckBox(self.tr("Find free space anywhere"))
        self.find_space.toggled.connect(lambda on: self.box.setEnabled(not on))
        grid.addWidget(label(self.tr("Protocol"), "fieldname"), 0, 0)
        grid.addWidget(self.protocol, 0, 1)
        grid.addWidget(label(self.tr("Children to"), "fieldname"), 1, 0)
        grid.addWidget(self.box, 1, 1)
        grid.addWidget(self.find_space, 1, 2)
        grid.setColumnStretch(1, 1)
        setup_layout.addLayout(grid)
        self.table = id_table("batchParents", [self.tr(c) for c in COLUMNS], stretch=2)
        self.table.itemDoubleClicked.connect(self._open_parent)
        setup_layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.summary = label("", "value", wrap=True)
        self.summary.setObjectName("batchSummary")
        self.remove_button = button(self.tr("Remove those that do not fit"), on_click=self.remove_misfits)
        self.run_button = button(self.tr("Run the batch"), primary=True, on_click=self.run)
        self.run_button.setObjectName("runBatch")
        self.run_button.setMinimumWidth(180)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.remove_button)
        bottom.addWidget(self.run_button)
        setup_layout.addLayout(bottom)
        self.stack.addWidget(setup)

        self.result = ResultView(session, page.banner.show_message)
        self.result.next_button.setText(self.tr("Another batch"))
        self.result.next_requested.connect(self.another_batch)
        self.result.void_requested.connect(self.void_requested)
        self.stack.addWidget(self.result)
        self._update()

    # -- protocols ------------------------------------------------------------------------------------------

    def set_protocols(self, protocols: list[ProtocolInfo]) -> None:
        """Protocols are applied by name: each parent's study's protocol of that name."""
        current = self.protocol.currentData()
        self.protocols = protocols
        names = sorted({p.name for p in protocols})
        self.protocol.blockSignals(True)
        self.protocol.clear()
        self.protocol.addItem(self.tr("— choose a protocol —"), None)
        for name in names:
            studies = ", ".join(sorted({p.study for p in protocols if p.name == name}))
            self.protocol.addItem(self.tr("{name}  ({studies})").format(name=name, studies=studies), name)
        index = self.protocol.findData(current)
        self.protocol.setCurrentIndex(max(0, index))
        self.protocol.blockSignals(False)

    def choose_protocol(self, name: str) -> None:
        index = self.protocol.findData(name)
        if index >= 0:
            self.protocol.setCurrentIndex(index)

    # -- parents ------------------------------------------------------------------------------------------

    def set_parents(self, codes: Sequence[str], source: str) -> None:
        self.parents = list(dict.fromkeys(codes))
        self.source = source
        if not self.parents:  # an empty list comes from nowhere: the shipment field does not keep an old code
            self.shipment.clear()
            self.scan.edit.clear()
        self.checks = None
        self.stack.setCurrentIndex(0)
        self._fill()
        self.check()

    def handle_scan(self, text: str, on_answer: AnswerFn | None = None) -> None:
        """A tube joins the list; a box with tubes is a rack of parents when the list is empty, else the box
        the children go to."""
        answer = on_answer or self.scan.show_feedback
        services = self.session.services

        def found(result: ScanResult) -> None:
            if result.kind == "sample":
                if result.key not in self.parents:
                    self.set_parents([*self.parents, result.key], self.source or "scanned")
                answer("ok", tr_n("AliquotBatch", "✔ {code} added: %n parent(s).", len(self.parents)).format(
                    code=result.key))
            elif result.kind == "container" and self.parents:
                self.box.setText(text)
                self.find_space.setChecked(False)
                answer("ok", self.tr("✔ The children go to box {box}.").format(box=text))
                self.check()
            elif result.kind == "container":
                self._load(lambda: services.aliquoting.parents_in_container(text),
                           self.tr("rack {code}").format(code=text), answer)
            else:  # a shipment code, or a box/rack barcode as printed (the service knows them all)
                self._load_scan(text, answer)

        self.session.runner.call(lambda: services.queries.lookup(text), on_result=found,
                                 on_error=lambda exc: answer("error", f"✖ {exc}"), owner=self)

    def _load_scan(self, text: str, answer: AnswerFn) -> None:
        """A shipment code (its received tubes) or a box/rack barcode (its tubes) scanned into the field."""
        aliquoting = self.session.services.aliquoting

        def loaded(found: ParentList) -> None:
            self._loaded(list(found.codes), found.source, answer)

        self.session.runner.call(lambda: aliquoting.parents_of_scan(text), on_result=loaded,
                                 on_error=lambda exc: answer("error", f"✖ {exc}"), owner=self)

    def load_shipment(self) -> None:
        code = self.shipment.text().strip()
        if code:
            aliquoting = self.session.services.aliquoting
            self._load(lambda: aliquoting.parents_of_shipment(code), self.tr("shipment {code}").format(code=code),
                       self.scan.show_feedback)

    def choose_rack_file(self) -> None:
        path = file_dialogs.open_file(self, self.tr("Parents from a rack-scan file"),
                                      self.tr("Rack-scan files (*.csv *.txt);;All files (*)"))
        if path is not None:
            self.load_rack_file(path)

    def load_rack_file(self, path: Path) -> None:
        """The parents the rack scanner saw, in the rack's order (read through the storage service)."""
        storage = self.session.services.storage

        def read() -> list[str]:
            review = storage.review_rackscan(read_scan_file(path), path.name)
            return [item.sample_code for item in review.items if item.sample_code]

        self._load(read, self.tr("rack-scan file {name}").format(name=path.name), self.scan.show_feedback)

    def _load(self, read: Callable[[], list[str]], source: str, answer: AnswerFn) -> None:
        self.session.runner.call(read, on_result=lambda codes: self._loaded(codes, source, answer),
                                 on_error=lambda exc: answer("error", f"✖ {exc}"), owner=self)

    def _loaded(self, codes: list[str], source: str, answer: AnswerFn) -> None:
        if not codes:
            answer("error", self.tr("✖ No parent tube in {source}.").format(source=source))
            return
        self.set_parents(codes, source)
        answer("ok", tr_n("AliquotBatch", "✔ %n parent(s) from {source}.", len(codes)).format(source=source))

    # -- check, then run -------------------------------------------------------------------------------------

    def request(self) -> BatchRequest | None:
        name = self.protocol.currentData()
        if not self.parents or name is None:
            return None
        return BatchRequest(tuple(self.parents), str(name), box=self.box.text().strip() or None,
                            find_space=self.find_space.isChecked(), source=self.source or "scanned")

    def check(self) -> None:
        """Look at every parent with the protocol chosen; nothing is written."""
        request = self.request()
        self.checks = None
        if request is None:
            self._fill()
            return
        aliquoting = self.session.services.aliquoting

        def checked(checks: list[ParentCheck]) -> None:
            if self.request() == request:
                self.checks = checks
                self._fill()

        self.session.runner.call(lambda: aliquoting.check_batch(request), on_result=checked,
                                 on_error=self.page.show_error, owner=self)

    def misfits(self) -> list[ParentCheck]:
        return [c for c in self.checks or [] if c.problem]

    def remove_misfits(self) -> None:
        bad = {c.parent for c in self.misfits()}
        self.set_parents([p for p in self.parents if p not in bad], self.source)

    def _fill(self) -> None:
        checks = {c.parent: c for c in self.checks or []}
        self.table.setRowCount(len(self.parents))
        for row, code in enumerate(self.parents):
            check = checks.get(code)
            problem = check.problem if check is not None else None
            gives = (f"✖ {problem}" if problem else check.plan.sum_text() if check is not None and check.plan
                     else "")
            cells = (check.sample_code or code if check else code, (check.study or "") if check else "", gives)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, code)
                item.setToolTip(text)
                if col == 2 and problem:
                    item.setForeground(QColor(ERROR))
                self.table.setItem(row, col, item)
        self._update()

    def _update(self) -> None:
        bad = self.misfits()
        if not self.parents:
            text = self.tr("No parent yet: scan tubes or a rack, give a shipment, or select samples in Search.")
        elif self.protocol.currentData() is None:
            text = tr_n("AliquotBatch", "%n parent(s). Choose the protocol.", len(self.parents))
        elif self.checks is None:
            text = self.tr("Checking…")
        elif bad:
            text = tr_n("AliquotBatch", "%n parent(s) cannot take the protocol: nothing is written until they are "
                                        "removed.", len(bad))
        else:
            children = sum(c.plan.children for c in self.checks if c.plan is not None)
            text = tr_n("AliquotBatch", "%n parent(s) fit", len(self.checks)) + " · " + tr_n(
                "AliquotBatch", "%n new tube(s) will be made.", children)
        self.summary.setText(text)
        self.summary.setStyleSheet(f"color: {ERROR};" if bad else "")
        self.remove_button.setVisible(bool(bad))
        self.run_button.setEnabled(self.checks is not None and bool(self.checks) and not bad and not self.running)
        for widget in (self.rack_file_button, self.clear_button, self.shipment, self.protocol):
            widget.setEnabled(not self.running)

    def run(self) -> None:
        request = self.request()
        if request is None or self.running or self.misfits() or self.checks is None:
            return
        aliquoting, actor = self.session.services.aliquoting, self.session.actor
        self.running = True
        self._update()

        def work(progress: ProgressFn, cancelled: CancelledFn) -> Result[AliquotOutcome]:
            return aliquoting.apply_protocol(actor, request, progress=progress, cancelled=cancelled)

        def done(result: Result[AliquotOutcome]) -> None:
            self.running = False
            self._update()
            self._done(result.value)
            changes = changes_of(result)
            if changes:
                self.session.events.changed.emit(changes)

        def failed(exc: BaseException) -> None:
            self.running = False
            self._update()
            self.page.show_error(exc)

        def stopped() -> None:
            self.running = False
            self._update()
            self.page.banner.show_message(self.tr("The batch was cancelled: nothing was written."), "info")

        self.session.runner.start(work, title=tr_n("AliquotBatch", "Aliquoting %n parent(s)", len(request.parents)),
                                  on_result=done, on_error=lambda e: stopped() if isinstance(
                                      e, OperationCancelledError) else failed(e), on_cancel=stopped, owner=self,
                                  discard_if_cancelled=False, cancel_note=CANCEL_NOTE)

    def _done(self, outcome: AliquotOutcome) -> None:
        children = children_of(outcome)
        boxes = boxes_of(children)
        heading = tr_n("AliquotBatch", "%n parent(s) aliquoted", len(outcome.parents)) + ": " + tr_n(
            "AliquotBatch", "%n new tube(s)", len(children)) + (
            " — " + ", ".join(f"{box} ({n})" for box, n in boxes) if boxes else "") + "."
        self.page.banner.clear()  # the result says it, in green, above the new tubes
        self.result.show_outcome(outcome, heading)
        self.stack.setCurrentIndex(1)

    def another_batch(self) -> None:
        self.set_parents([], "")
        self.page.banner.clear()

    def _open_parent(self, item: QTableWidgetItem) -> None:
        code = item.data(Qt.ItemDataRole.UserRole)
        if code:
            self.session.navigate.open_sample(str(code))
