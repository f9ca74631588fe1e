"""One parent: scan it, read its facts, say what to make of it (or apply a protocol), where the children go; Aliquot.

Scans (this view's field, or the window's while the page shows): a tube makes it the parent; with a parent
shown, a box's barcode is where the children go. The Aliquot button stays disabled, with the reason under the
arithmetic, until the request can be sent; nothing is written before it is pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import ConflictError
from biobank_desktop.core.services.aliquoting import (
    AliquotOutcome,
    AliquotRequest,
    BatchRequest,
    ParentInfo,
    ProtocolInfo,
)
from biobank_desktop.core.services.dto import ScanResult
from biobank_desktop.ui.formatting import DASH, tr_n, volume
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.pages.aliquoting.arithmetic import in_separator
from biobank_desktop.ui.pages.aliquoting.form import CAPTION_WIDTH, AliquotForm
from biobank_desktop.ui.pages.aliquoting.result import ResultView
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import status_text
from biobank_desktop.ui.widgets.common import button, label
from biobank_desktop.ui.widgets.scan_field import ScanField

AnswerFn = Callable[[str, str], None]
FACTS = (("sample_code", "Parent"), ("type", "Type"), ("volume", "Available"), ("status", "Status"),
         ("position", "Position"), ("sprec", "SPREC"), ("children", "Children so far"))
ID_FACTS = ("sample_code",)


class ParentView(QWidget):
    """See the module docstring. ``page``: the aliquoting page (banner, errors, run_write)."""

    aliquoted = Signal(object)  # AliquotOutcome
    void_requested = Signal(int)

    def __init__(self, page: WritingPage, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = session
        self.info: ParentInfo | None = None
        self.protocols: list[ProtocolInfo] = []
        self.pending_protocol: int | None = None  # chosen on the Protocols tab before a parent was scanned
        self.busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        self.scan = ScanField(self.tr("Scan the parent tube, then a box for its children (or type + Enter)"),
                              sound=session.settings.scan_sound, banner=page.banner)
        self.scan.edit.setObjectName("parentScan")
        self.scan.scanned.connect(lambda text: self.handle_scan(text, self.scan.show_feedback))
        layout.addWidget(self.scan)
        row = QHBoxLayout()
        row.setSpacing(14)
        layout.addLayout(row, 1)

        # -- the parent's facts ----------------------------------------------------------------------------
        facts_box = QGroupBox(self.tr("Parent tube"))
        facts_box.setObjectName("parentFacts")
        facts_box.setMinimumWidth(300)
        facts_box.setMaximumWidth(380)
        facts = QGridLayout(facts_box)
        facts.setVerticalSpacing(6)
        self.fact_labels: dict[str, QLabel] = {}
        for i, (key, caption) in enumerate(FACTS):
            # an ID is never cut: it does not wrap (a wrapped label would clip its end), so the box grows to it
            value = label(DASH, "value", wrap=key not in ID_FACTS, selectable=True)
            value.setObjectName(f"fact_{key}")
            if key in ID_FACTS:  # the whole width of the box, never cut: the group's title says what it is
                value.setStyleSheet("font-size: 13pt;")
                facts.addWidget(value, i, 0, 1, 2)
            else:
                facts.addWidget(label(self.tr(caption), "fieldname"), i, 0, Qt.AlignmentFlag.AlignTop)
                facts.addWidget(value, i, 1)
            self.fact_labels[key] = value
        self.refusal = label("", wrap=True)
        self.refusal.setObjectName("parentRefusal")
        self.refusal.setStyleSheet("color: #a4161a; font-weight: 700;")
        self.refusal.hide()
        facts.addWidget(self.refusal, len(FACTS), 0, 1, 2)
        out_row = QHBoxLayout()
        self.check_out_button = button(self.tr("Check out"), on_click=self.check_out)
        self.check_out_button.setToolTip(self.tr("Take the parent out of its freezer now (its position stays its own)"))
        self.check_in_button = button(self.tr("Check in"), on_click=self.check_in)
        self.check_in_button.setToolTip(self.tr("Put the parent back in its position (counts a freeze–thaw)"))
        out_row.addWidget(self.check_out_button)
        out_row.addWidget(self.check_in_button)
        facts.addLayout(out_row, len(FACTS) + 1, 0, 1, 2)
        self.take_out = QCheckBox(self.tr("Check out and back in"))
        self.take_out.setObjectName("checkOutParent")
        self.take_out.setChecked(True)
        self.take_out.setToolTip(self.tr("Counts the freeze–thaw of taking a stored parent out to aliquot it"))
        self.consume = QCheckBox(self.tr("Parent consumed"))
        self.consume.setObjectName("consumeParent")
        self.consume.setToolTip(self.tr("It is marked consumed anyway when nothing is left"))
        facts.addWidget(self.take_out, len(FACTS) + 2, 0, 1, 2)  # about the parent: under its facts (the row
        facts.addWidget(self.consume, len(FACTS) + 3, 0, 1, 2)  # beside the Aliquot button stays short)
        facts.setRowStretch(len(FACTS) + 4, 1)
        facts.setColumnStretch(1, 1)
        row.addWidget(facts_box)

        # -- right: the form, or what it made --------------------------------------------------------------
        self.stack = QStackedWidget()
        row.addWidget(self.stack, 1)
        scroll = QScrollArea()
        scroll.setObjectName("aliquotFormScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        scroll.setWidget(content)
        form_layout = QVBoxLayout(content)
        form_layout.setContentsMargins(0, 0, 8, 0)
        form_layout.setSpacing(8)
        protocol_row = QHBoxLayout()
        self.protocol = QComboBox()
        self.protocol.setObjectName("parentProtocol")
        self.protocol.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.protocol.setMinimumContentsLength(30)
        self.protocol.currentIndexChanged.connect(self._protocol_chosen)
        protocol_caption = label(self.tr("Protocol"), "fieldname")
        protocol_caption.setFixedWidth(CAPTION_WIDTH)
        protocol_row.setSpacing(10)
        protocol_row.addWidget(protocol_caption)
        protocol_row.addWidget(self.protocol, 1)
        form_layout.addLayout(protocol_row)
        self.form = AliquotForm()
        self.form.changed.connect(self._update)
        form_layout.addWidget(self.form)
        self.protocol_text = label("", "mono", wrap=True, selectable=True)
        self.protocol_text.setObjectName("protocolSum")
        self.protocol_text.hide()
        form_layout.addWidget(self.protocol_text)

        # where the children go: outside the scrolling form, always in sight (1280×720 too), Enter takes the box
        where = QHBoxLayout()
        where.setSpacing(10)
        self.box = QLineEdit()
        self.box.setObjectName("childBox")
        self.box.setPlaceholderText(self.tr("Scan a box + Enter (empty: not placed)"))
        self.box.setClearButtonEnabled(True)
        self.box.returnPressed.connect(self._box_entered)
        self.find_space = QCheckBox(self.tr("Find free space anywhere"))
        self.find_space.setObjectName("findSpace")
        self.find_space.toggled.connect(lambda on: self.box.setEnabled(not on))
        where_caption = label(self.tr("Children go to"), "fieldname")
        where_caption.setFixedWidth(CAPTION_WIDTH)
        where_caption.setBuddy(self.box)
        where.addWidget(where_caption)
        where.addWidget(self.box, 1)
        where.addWidget(self.find_space)
        options = QHBoxLayout()
        self.print_after = QCheckBox(self.tr("Print labels"))
        self.print_after.setObjectName("printAfter")
        self.print_after.setToolTip(self.tr("Print the children's labels as soon as they are made"))
        self.print_after.setChecked(True)
        options.addStretch(1)
        options.addWidget(self.print_after)
        form_layout.addStretch(1)
        self.ok_button = button(self.tr("Aliquot  (Ctrl+Enter)"), primary=True, on_click=self.submit)
        self.ok_button.setObjectName("aliquotButton")
        self.ok_button.setMinimumWidth(200)
        options.addWidget(self.ok_button)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # the happy path without the mouse
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.submit)
        asking = QWidget()  # the form scrolls on a short screen; where the children go, the options and the
        asking_layout = QVBoxLayout(asking)  # button stay in sight
        asking_layout.setContentsMargins(0, 0, 0, 0)
        asking_layout.addWidget(scroll, 1)
        asking_layout.addLayout(where)
        asking_layout.addLayout(options)
        self.stack.addWidget(asking)
        self.result = ResultView(session, page.banner.show_message)
        self.result.next_requested.connect(self.next_parent)
        self.result.void_requested.connect(self.void_requested)
        self.stack.addWidget(self.result)
        self._show_facts(None)
        self._update()

    # -- scans --------------------------------------------------------------------------------------------

    def handle_scan(self, text: str, on_answer: AnswerFn | None = None) -> None:
        """A tube becomes the parent; a box (with a parent shown) is where the children go."""
        answer = on_answer or self.scan.show_feedback
        queries = self.session.services.queries

        def found(result: ScanResult) -> None:
            if result.kind == "container" and self.info is not None:
                self.stack.setCurrentIndex(0)
                self.find_space.setChecked(False)
                self.box.setText(text)
                answer("ok", self.tr("✔ The children go to box {box}.").format(box=text))
                self._update()
            elif result.kind == "container":
                answer("error", self.tr("✖ {box} is a box: scan the parent tube first.").format(box=text))
            elif result.kind == "sample":
                self.load_parent(result.key, answer)
            else:
                answer("error", f"✖ {result.display}")

        self.session.runner.call(lambda: queries.lookup(text), on_result=found,
                                 on_error=lambda exc: answer("error", f"✖ {exc}"), owner=self)

    def _box_entered(self) -> None:
        """Enter in the box field: the box is checked (a box, not a tube) and taken; then Ctrl+Enter aliquots."""
        text = self.box.text().strip()
        if not text:
            return
        queries = self.session.services.queries

        def found(result: ScanResult) -> None:
            if result.kind == "container":
                self.page.banner.show_message(self.tr("✔ The children go to box {box}. Ctrl+Enter: Aliquot.").format(
                    box=text), "ok")
                self.ok_button.setFocus()
            else:
                self.page.banner.show_message(self.tr("✖ {code} is not a box: scan the box the children go to.")
                                              .format(code=text), "error")
                self.box.selectAll()

        self.session.runner.call(lambda: queries.lookup(text), on_result=found,
                                 on_error=self.page.show_error, owner=self)

    def load_parent(self, code: str, answer: AnswerFn | None = None, *, show_form: bool = True) -> None:
        """Read ``code`` as the parent; ``show_form``: go back to the form (not when refreshing a result)."""
        aliquoting, username = self.session.services.aliquoting, self.session.actor.username
        answer = answer or self.scan.show_feedback

        def read() -> tuple[ParentInfo, list[ProtocolInfo]]:
            info = aliquoting.parent_info(code, username=username)
            return info, aliquoting.protocols(info.study)

        def shown(result: tuple[ParentInfo, list[ProtocolInfo]]) -> None:
            info, protocols = result
            if show_form:
                self.stack.setCurrentIndex(0)
            self.set_parent(info, protocols)
            if info.refusal:
                answer("error", f"✖ {info.refusal}")
            else:
                answer("ok", self.tr("✔ {code}: {volume} available. Say what to make, or scan a box.").format(
                    code=info.sample_code, volume=self.volume_text(info.volume_ul)))

        self.session.runner.call(read, on_result=shown, on_error=lambda exc: answer("error", f"✖ {exc}"),
                                 owner=self)

    def set_parent(self, info: ParentInfo | None, protocols: list[ProtocolInfo] | None = None) -> None:
        same = info is not None and self.info is not None and info.sample_code == self.info.sample_code
        if same and self.pending_protocol is None and self.protocol.currentData() is not None:
            self.pending_protocol = self.protocol.currentData()  # a refresh keeps the protocol chosen
        self.info = info
        if protocols is not None:
            self.protocols = protocols
        self._show_scanned(info)
        self._show_facts(info)
        self.form.set_parent(info)
        self.protocol.blockSignals(True)
        self.protocol.clear()
        self.protocol.addItem(self.tr("— none: say below what to make —"), None)
        for p in self.protocols:
            self.protocol.addItem(self.tr("{name} v{version}: {text}").format(name=p.name, version=p.version,
                                                                              text=p.text), p.id)
        index = self.protocol.findData(self.pending_protocol) if info is not None and self.pending_protocol else -1
        if index >= 0:
            self.protocol.setCurrentIndex(index)
            self.pending_protocol = None
        self.protocol.blockSignals(False)
        self._protocol_chosen()

    def _show_scanned(self, info: ParentInfo | None) -> None:
        """The tab's scan field names the parent shown (selected: the next scan replaces it), also when it came
        from the window's field or Search; empty without a parent. Never while the technician types in it."""
        edit = self.scan.edit
        typing = edit.hasFocus() and edit.isModified()  # keys typed since the last parent was shown
        if typing and info is not None and edit.text().strip() not in ("", info.sample_code):
            return
        if info is None:
            edit.clear()
        elif edit.text().strip() != info.sample_code:
            edit.setText(info.sample_code)
        edit.setModified(False)
        edit.selectAll()

    def _show_facts(self, info: ParentInfo | None) -> None:
        f = self.fact_labels
        if info is None:
            for value in f.values():
                value.setText(DASH)
        else:
            f["sample_code"].setText(info.sample_code)
            f["type"].setText(f"{info.sample_type} — {info.sample_type_meaning}")
            f["volume"].setText(self.volume_text(info.volume_ul))
            f["status"].setText(status_text(info.status) + (self.tr(" · checked out by {who}").format(
                who=info.checked_out_by) if info.checked_out_by else ""))
            f["position"].setText(info.position or self.tr("Not in storage"))
            f["sprec"].setText(info.sprec_code or DASH)
            f["children"].setText(str(info.children))
        self.refusal.setText(f"✖ {info.refusal}" if info is not None and info.refusal else "")
        self.refusal.setVisible(bool(self.refusal.text()))
        stored = info is not None and info.position is not None
        self.check_out_button.setEnabled(stored and info is not None and info.checked_out_by is None)
        self.check_in_button.setEnabled(stored and info is not None and info.checked_out_by is not None)

    # -- protocol or form --------------------------------------------------------------------------------

    def chosen_protocol(self) -> ProtocolInfo | None:
        pid = self.protocol.currentData()
        return next((p for p in self.protocols if p.id == pid), None)

    def choose_protocol(self, protocol_id: int) -> None:
        index = self.protocol.findData(protocol_id)
        if index >= 0:
            self.protocol.setCurrentIndex(index)

    def _protocol_chosen(self, _index: int = 0) -> None:
        protocol = self.chosen_protocol()
        self.form.setVisible(protocol is None)
        self.protocol_text.setVisible(protocol is not None)
        self._update()

    def problem(self) -> str:
        protocol = self.chosen_protocol()
        if protocol is None or self.info is None:
            return self.form.problem()
        if self.info.refusal:
            return self.info.refusal
        return protocol.definition.misfit(self.info.sample_type, self.info.volume_ul) or ""

    def _update(self) -> None:
        protocol = self.chosen_protocol()
        if protocol is not None and self.info is not None:
            misfit = self.problem()
            if misfit:
                self.protocol_text.setText(f"{protocol.text}\n✖ {misfit}")
            else:
                self.protocol_text.setText(protocol.definition.plan_for(self.info.volume_ul).sum_text())
        problem = self.problem()
        self.ok_button.setEnabled(not problem and not self.busy)
        self.ok_button.setToolTip(problem)

    # -- writes ------------------------------------------------------------------------------------------

    def submit(self) -> None:
        info = self.info
        if info is None or self.problem() or self.busy:
            return
        services, actor = self.session.services, self.session.actor
        box = self.box.text().strip() or None
        protocol = self.chosen_protocol()
        if protocol is not None:
            batch = BatchRequest((info.sample_code,), protocol.name, version=protocol.version, box=box,
                                 find_space=self.find_space.isChecked(), check_out=self.take_out.isChecked(),
                                 source="one parent")

            def work() -> object:
                return services.aliquoting.apply_protocol(actor, batch)
        else:
            request = AliquotRequest(
                info.sample_code, (self.form.line(),), dead_volume=self.form.dead_volume(),
                processing=self.form.derivative_processing(), box=box, find_space=self.find_space.isChecked(),
                check_out=self.take_out.isChecked(), consume_parent=self.consume.isChecked(),
                expected_version=info.version)

            def work() -> object:
                return services.aliquoting.aliquot(actor, request)

        self.busy = True
        self._update()

        def done(result: object) -> None:
            self.busy = False
            outcome: AliquotOutcome = result.value  # type: ignore[attr-defined]
            self._done(outcome)

        def failed(exc: BaseException) -> None:
            self.busy = False
            if isinstance(exc, ConflictError) and protocol is None:
                self._changed_meanwhile(info.sample_code)
                return
            self._update()
            self.page.show_error(exc)

        run_write(self.page, work, on_done=done, on_error=failed, title=self.tr("Aliquoting"))

    def volume_text(self, ul: Decimal | None) -> str:
        """``ul`` as the page writes volumes: the decimal separator the technician types (the form's), at first
        the workstation's."""
        return in_separator(volume(ul), self.form.units().comma)

    def _changed_meanwhile(self, code: str) -> None:
        """Another workstation drew from the parent first: nothing was written. The numbers typed were for the
        old volume (split evenly would silently recalculate to tiny shares): they are cleared, the parent read
        again, and the banner says what it holds now."""
        self.form.reset_numbers()

        def said(_status: str, _text: str) -> None:
            held = self.volume_text(self.info.volume_ul) if self.info is not None else DASH
            self.page.banner.show_message(self.tr(
                "{code} was changed on another workstation meanwhile: it now holds {volume}. Nothing was written. "
                "Type again how many children and how much each.").format(code=code, volume=held), "error")

        self.load_parent(code, said)

    def _done(self, outcome: AliquotOutcome) -> None:
        parent = outcome.parents[0]
        children = len(parent.children)
        heading = tr_n("AliquotParent", "%n tube(s) made from {parent}: {before} → {after} left{consumed}.",
                       children).format(parent=parent.parent_code, before=self.volume_text(parent.volume_before_ul),
                                        after=self.volume_text(parent.volume_after_ul),
                                        consumed=self.tr(" (consumed)") if parent.status_after == "consumed" else "")
        self.result.show_outcome(outcome, heading)
        self.stack.setCurrentIndex(1)
        self.page.banner.clear()  # the result says it, in green, above the new tubes
        self.form.clear_processing()
        self.aliquoted.emit(outcome)
        if self.print_after.isChecked() and outcome.label_jobs:
            self.result.print_labels()
        # its new volume, for a next split of the same tube
        self.load_parent(parent.parent_code, lambda _s, _m: None, show_form=False)

    def next_parent(self) -> None:
        self.set_parent(None)
        self.stack.setCurrentIndex(0)
        self.page.banner.clear()
        self.scan.focus_for_scan()

    def check_out(self) -> None:
        info = self.info
        if info is None:
            return
        storage, actor = self.session.services.storage, self.session.actor
        run_write(self.page, lambda: storage.check_out(actor, info.sample_code, self.tr("Aliquoting")),
                  on_done=lambda _r: self.load_parent(info.sample_code, lambda _s, _m: None),
                  done_message=self.tr("{code} is checked out.").format(code=info.sample_code))

    def check_in(self) -> None:
        info = self.info
        if info is None:
            return
        storage, actor = self.session.services.storage, self.session.actor
        run_write(self.page, lambda: storage.check_in(actor, info.sample_code),
                  on_done=lambda _r: self.load_parent(info.sample_code, lambda _s, _m: None),
                  done_message=self.tr("{code} is back in {where}.").format(code=info.sample_code,
                                                                           where=info.position or DASH))

    def refresh(self) -> None:
        """Read the parent again (another workstation's change) while the form shows."""
        if self.info is not None and self.stack.currentIndex() == 0 and not self.busy:
            self.load_parent(self.info.sample_code, lambda _s, _m: None)
