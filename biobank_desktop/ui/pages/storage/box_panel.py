"""The box side of the storage page: the box map with its scan field, placing by scanning, moves by drag and
drop, the cell menu (check-out, check-in, discard, reserve, block), find space and the box's exports.

Every read and write runs on the worker; writes go through :func:`run_write`, so their ``Changes`` reach every
page. Placing by scanning is :class:`~biobank_desktop.core.flows.box_filling.BoxFilling`: one transaction per
scan, answered at once (the cell flashes; a refusal changes nothing and says why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.cold_chain import TemperatureClass
from biobank_desktop.core.domain.errors import NotFoundError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.domain.space import SpacePlan
from biobank_desktop.core.flows.box_filling import BoxFilling, ScanAnswer, Verdict
from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.core.services.storage import (
    BoxMap,
    CellInfo,
    CheckoutInfo,
    PlacedTube,
    Placement,
    ScanTarget,
    StorageService,
)
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.hints import ui_hint
from biobank_desktop.ui.operations import file_dialogs
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.pages.storage.checkouts import ask_kept_frozen, show_checkout_history
from biobank_desktop.ui.pages.storage.dialogs import FindSpaceDialog, ask_then, confirm
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.box_map import BoxMapWidget
from biobank_desktop.ui.widgets.box_map_legend import BoxMapLegend
from biobank_desktop.ui.widgets.common import ReasonDialog, button, label
from biobank_desktop.ui.widgets.scan_field import ScanField

AnswerFn = Callable[[str, str], None]  # (state 'ok'|'info'|'error', message): for the main window's scan field


@dataclass
class RecordingBackend:
    """The storage service acting for one person, keeping what each placement changed (for ``events.changed``)."""

    storage: StorageService
    actor: object
    changes: Changes = field(default_factory=Changes)

    def place(self, sample: str, box: str, position: str | None, *, move: bool) -> PlacedTube:
        result = self.storage.place(self.actor, sample, box, position, move=move)  # type: ignore[arg-type]
        self.changes = self.changes | result.changes
        return result.value

    def box_map(self, box: str) -> BoxMap:
        return self.storage.box_map(box)

    def take_changes(self) -> Changes:
        changes, self.changes = self.changes, Changes()
        return changes


class BoxPanel(QWidget):
    """See the module docstring. ``page`` is the storage page (banner, errors, run_write)."""

    def __init__(self, page: WritingPage, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = session
        self.box: BoxMap | None = None
        self.filling: BoxFilling | None = None
        self.plan: SpacePlan | None = None
        self._queue: list[str] = []
        self._scanning = False
        self._chosen: str | None = None
        self.last_confirm: QMessageBox | None = None
        self.last_history: QDialog | None = None  # the check-out history last opened (tests read it)
        self._backend = RecordingBackend(session.services.storage, session.actor)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        self.title = label("", "section")
        self.title.setObjectName("boxTitle")
        self.info = label("", "subtitle", selectable=True)
        for text in (self.title, self.info):  # a new box's text never moves the layout (no repaint of the page)
            text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            layout.addWidget(text)

        scan_row = QHBoxLayout()
        scan_row.setSpacing(12)
        self.scan = ScanField(self.tr("Scan a tube or a box  (Ctrl+F)"), sound=session.settings.scan_sound,
                              banner=page.banner)  # the page's one message area answers each scan
        self.scan.setObjectName("storageScan")
        self.fill_mode = QCheckBox(self.tr("Scans place tubes here"))
        self.fill_mode.setToolTip(self.tr("On: each scanned tube goes into the next free position in the box's "
                                          "fill order, or into the cell clicked just before. Off: a scan opens "
                                          "the tube's box."))
        self.move_mode = QCheckBox(self.tr("Move from other boxes"))
        self.move_mode.setToolTip(self.tr("A scanned tube already stored in another box is moved here."))
        self.fill_mode.toggled.connect(self._fill_mode_toggled)
        self.move_mode.toggled.connect(self._reset_filling)
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.fill_mode)
        layout.addLayout(scan_row)
        answer_row = QHBoxLayout()
        answer_row.setSpacing(16)
        answer_row.addStretch(1)
        self.next_label = label("", "subtitle")
        self.next_label.setObjectName("nextPosition")
        answer_row.addWidget(self.next_label)
        layout.addLayout(answer_row)

        middle = QHBoxLayout()
        middle.setSpacing(12)
        self.map = BoxMapWidget()
        side = QVBoxLayout()
        side.setSpacing(6)
        self.colour_by = QComboBox()
        self.colour_by.addItem(self.tr("Colour by sample type"), "type")
        self.colour_by.addItem(self.tr("Colour by status"), "status")
        self.colour_by.currentIndexChanged.connect(self._colour_changed)
        self.legend = BoxMapLegend()
        side.addWidget(self.move_mode)
        side.addWidget(self.colour_by)
        side.addWidget(self.legend)
        side.addStretch(1)
        self.find_button = button(self.tr("Find space…"), on_click=self.find_space)
        self.reserve_plan_button = button(self.tr("Reserve planned positions…"), primary=True,
                                          on_click=self.reserve_plan)
        self.reserve_plan_button.hide()
        self.clear_plan_button = button(self.tr("Clear plan"), on_click=self.clear_plan)
        self.clear_plan_button.hide()
        self.pdf_button = button(self.tr("Print box map (PDF)…"), on_click=lambda: self.export_dialog(".pdf"))
        self.xlsx_button = button(self.tr("Export to Excel…"), on_click=lambda: self.export_dialog(".xlsx"))
        for widget in (self.find_button, self.reserve_plan_button, self.clear_plan_button, self.pdf_button,
                       self.xlsx_button):
            side.addWidget(widget)
        side_panel = QWidget()
        side_panel.setLayout(side)
        side.setContentsMargins(0, 0, 6, 0)
        self.side = QScrollArea()  # on a short screen (with a banner shown) the side scrolls, nothing overlaps
        self.side.setWidget(side_panel)
        self.side.setWidgetResizable(True)
        self.side.setFrameShape(QFrame.Shape.NoFrame)
        self.side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side.setFixedWidth(262)
        middle.addWidget(self.map, 1)
        middle.addWidget(self.side)
        layout.addLayout(middle, 1)

        self.scan.scanned.connect(self.handle_scan)
        self.map.cell_activated.connect(self._activated)
        self.map.current_changed.connect(self._current_changed)
        self.map.context_menu_requested.connect(self._cell_menu)
        self.map.tubes_dropped.connect(self.drop_tubes)
        self._show_box(None)

    # -- opening -----------------------------------------------------------------------------------------------

    def open_scan(self, text: str, on_answer: AnswerFn | None = None, *, unknown: str | None = None) -> None:
        """A scanned tube → its box with its cell ringed; a scanned box → that box. ``unknown``: what to say
        when nothing has that code (default: the service's message)."""
        storage = self.session.services.storage

        def done(target: ScanTarget) -> None:
            self._show_box(target.box)
            self.map.highlight(target.row, target.col)
            self.map.setFocus()
            if target.sample_code:
                cell = target.box.cell(target.row or 1, target.col or 1)
                message = self.tr("✔ {tube} is in {box} at {pos}").format(tube=target.sample_code,
                                                                         box=target.box.code, pos=cell.position)
            else:
                message = self.tr("✔ Box {box} ({name}) in {path}").format(
                    box=target.box.code, name=target.box.name, path=" › ".join(target.box.path[:-1]))
            self.scan.show_feedback("ok", message)
            if on_answer:
                on_answer("ok", message)
            self.opened(target.box)

        def failed(exc: BaseException) -> None:
            message, _hint = error_text(exc)
            if unknown is not None and isinstance(exc, NotFoundError):
                message = unknown
            self.scan.show_feedback("error", f"✖ {message}")
            if on_answer:
                on_answer("error", f"✖ {message}")

        self.session.runner.call(lambda: storage.open_scan(text), on_result=done, on_error=failed, owner=self)

    def open_box(self, code: str) -> None:
        storage = self.session.services.storage
        self.session.runner.call(lambda: storage.box_map(code), on_result=self._opened_box,
                                 on_error=self.page.show_error, owner=self)

    def _opened_box(self, box: BoxMap) -> None:
        self._show_box(box)
        self.opened(box)

    def opened(self, box: BoxMap) -> None:
        """A box was opened (the page selects it in the tree)."""

    def reload(self) -> None:
        """Read the shown box again (a change here or on another workstation)."""
        if self.box is None:
            return
        code, storage = self.box.code, self.session.services.storage

        def done(box: BoxMap) -> None:
            if self.box is not None and box.box_id == self.box.box_id:
                self._show_box(box, keep_state=True)

        self.session.runner.call(lambda: storage.box_map(code), on_result=done,
                                 on_error=lambda _exc: None, owner=self)

    def _show_box(self, box: BoxMap | None, *, keep_state: bool = False) -> None:
        if box is None or self.box is None or box.box_id != self.box.box_id:
            self._reset_filling()
            self.clear_plan()
        self.box = box
        self.map.set_box(box, keep_state=keep_state)
        self.legend.set_box(box, self.map.colour_by)
        for widget in (self.find_button, self.pdf_button, self.xlsx_button):
            widget.setEnabled(box is not None)
        if box is None:
            self.title.setText(self.tr("No box open"))
            self.info.setText(self.tr("Choose a box in the tree, or scan a tube or a box."))
            self.next_label.setText("")
            return
        if self.plan is not None:
            self.map.set_preview((s.row, s.col) for s in self.plan.slots if s.box_id == box.box_id)
        self.title.setText(f"{box.name}  ·  {box.code}   —   {' › '.join(box.path[:-1])}")
        out = sum(1 for c in box.cells if c.checked_out)
        reserved = sum(1 for c in box.cells if c.hold == "reserved")
        self.info.setText(self.tr("{occ} of {cap} filled{out}{res} · {type} · {conv} · filled {order} · holds "
                                  "{rule}").format(
            type=box.type_name, conv=box.convention, order=box.fill_order.replace("_", " "),
            occ=box.occupied, cap=box.capacity, rule=box.restrictions,
            out=self.tr(", {n} checked out").format(n=out) if out else "",
            res=self.tr(", {n} reserved").format(n=reserved) if reserved else ""))
        self.info.setToolTip(self.info.text())  # the line may be cut on a small screen
        self.title.setToolTip(self.title.text())
        self._update_next()

    def _colour_changed(self) -> None:
        self.map.set_colour_by(self.colour_by.currentData())
        self.legend.set_box(self.box, self.map.colour_by)

    # -- scanning ----------------------------------------------------------------------------------------------

    def handle_scan(self, text: str, on_answer: AnswerFn | None = None) -> None:
        """A scan on the page (or the main window's, while the page shows): place it, or open what it names."""
        if self.fill_mode.isChecked() and self.box is not None:
            self._queue.append(text)
            self._next_scan(on_answer)
        else:
            self.open_scan(text, on_answer)

    def _fill_mode_toggled(self, on: bool) -> None:
        self._reset_filling()
        self._update_next()
        self.scan.focus_for_scan()

    def _reset_filling(self) -> None:
        self.filling = None
        self._chosen = None
        self._queue.clear()

    def _next_scan(self, on_answer: AnswerFn | None) -> None:
        if self._scanning or not self._queue or self.box is None:
            return
        self._scanning = True
        text = self._queue.pop(0)
        if self.scanned_container(text, on_answer):
            return
        backend, code, move, chosen = self._backend, self.box.code, self.move_mode.isChecked(), self._chosen
        filling = self.filling

        def work() -> tuple[BoxFilling, ScanAnswer, Changes]:
            nonlocal filling
            if filling is None or filling.box_code != code or filling.move != move:
                filling = BoxFilling(backend, code, move=move)
            if chosen is not None:
                filling.choose_cell(chosen)
            answer = filling.scan(text)
            return filling, answer, backend.take_changes()

        def done(result: tuple[BoxFilling, ScanAnswer, Changes]) -> None:
            self._scanning = False
            made, answer, changes = result
            if self.box is None or made.box.box_id != self.box.box_id:
                return
            self.filling = made
            self._answered(made, answer, chosen, on_answer)
            if changes:
                self.session.events.changed.emit(changes)
            self._next_scan(on_answer)

        def failed(exc: BaseException) -> None:
            self._scanning = False
            message, _hint = error_text(exc)
            self.scan.show_feedback("error", f"✖ {message}")
            if on_answer:
                on_answer("error", f"✖ {message}")
            self._next_scan(on_answer)

        self.session.runner.call(work, on_result=done, on_error=failed, owner=self, discard_if_cancelled=False)

    def scanned_container(self, text: str, on_answer: AnswerFn | None) -> bool:
        """While filling, ``text`` may name a container rather than a tube (the storage page knows its tree): True
        when it did and was answered; the override then calls :meth:`continue_filling` when done."""
        return False

    def switch_box(self, box: BoxMap) -> None:
        """Go on filling ``box``: the scans queued after the one that named it go there."""
        rest = list(self._queue)
        self._show_box(box)
        self._queue.extend(rest)
        self.opened(box)

    def continue_filling(self, on_answer: AnswerFn | None) -> None:
        self._scanning = False
        self._next_scan(on_answer)

    def answer(self, state: str, message: str, on_answer: AnswerFn | None) -> None:
        """Say ``message`` under the page's field and in the window's (when the scan came from there)."""
        self.scan.show_feedback(state, message)
        if on_answer:
            on_answer(state, message)

    def _answered(self, filling: BoxFilling, answer: ScanAnswer, chosen: str | None,
                  on_answer: AnswerFn | None) -> None:
        state = "ok" if answer.ok else "error"
        prefix = "✔ " if answer.verdict is Verdict.PLACED else ("• " if answer.ok else "✖ ")
        hint = ui_hint(answer.reason, None)
        message = prefix + (f"{answer.refusal} {hint}" if hint and answer.refusal else answer.message)
        if answer.verdict is Verdict.PLACED:
            self._chosen = None
            self._show_box(filling.box, keep_state=True)
            if answer.row is not None and answer.col is not None:
                self.map.flash(answer.row, answer.col, ok=True)
                self.map.highlight(answer.row, answer.col)
        else:
            target = next((c for c in filling.box.cells if c.position == (answer.position or chosen or
                                                                          filling.next_position)), None)
            if target is not None:
                self.map.flash(target.row, target.col, ok=answer.ok)
            if not answer.ok:  # the box as it is now (another workstation may have filled the cell meanwhile) …
                self._show_box(filling.box, keep_state=True)
                if chosen is not None and self._chosen == chosen and target is not None and target.state != "empty":
                    self._chosen = filling.chosen = None  # … and the next scan goes to the next free position
        self.scan.show_feedback(state, message)
        if on_answer:
            on_answer(state, message)
        self._update_next()

    def _update_next(self) -> None:
        if self.box is None or not self.fill_mode.isChecked():
            self.next_label.setText("")
            return
        where: str | None = self._chosen
        if where is None:
            free = sorted((c for c in self.box.cells if c.state == "empty"), key=lambda c: c.index)
            where = free[0].position if free else None
        self.next_label.setText(self.tr("Next scan goes to {pos}.").format(pos=where) if where
                                else self.tr("The box is full."))

    def choose_cell(self, cell: CellInfo | None) -> None:
        """The next scan goes to this (empty) cell; then filling continues in fill order."""
        self._chosen = cell.position if cell is not None and cell.state == "empty" else None
        self._update_next()

    def _current_changed(self, cell: CellInfo | None) -> None:
        if self.fill_mode.isChecked():
            self.choose_cell(cell)

    def _activated(self, cell: CellInfo | None) -> None:
        if cell is None:
            return
        if cell.sample_code is not None:
            self.session.navigate.open_sample(cell.sample_code)
        elif cell.state == "empty":
            if not self.fill_mode.isChecked():
                self.fill_mode.setChecked(True)
            self.choose_cell(cell)
            self.scan.focus_for_scan()

    # -- moving tubes by drag and drop -------------------------------------------------------------------------

    def drop_tubes(self, payload: dict[str, object], row: int, col: int) -> None:
        """Tubes dragged onto a cell of this box: each keeps its offset from the dragged cell; confirm, then move."""
        if self.box is None:
            return
        tubes = [(str(t[0]), int(t[1]), int(t[2])) for t in payload.get("tubes", [])]  # type: ignore[attr-defined]
        anchor = payload.get("anchor") or [tubes[0][1], tubes[0][2]]
        dr, dc = row - int(anchor[0]), col - int(anchor[1])  # type: ignore[index]
        moves: list[Placement] = []
        lines = []
        for code, r, c in tubes:
            tr, tc = r + dr, c + dc
            if not (1 <= tr <= self.box.rows and 1 <= tc <= self.box.columns):
                self.page.banner.show_message(self.tr("The {n} tube(s) do not fit there: {code} would land outside "
                                                      "the box. Nothing was moved.").format(n=len(tubes), code=code),
                                              "error")
                return
            target = self.box.cell(tr, tc)
            moves.append(Placement(code, self.box.code, target.position))
            lines.append(f"{code} → {target.position}")
        if payload.get("box") == self.box.code and dr == 0 and dc == 0:
            return
        self.confirm_move(moves, self.tr("Move {n} tube(s) to box {box}?").format(n=len(moves), box=self.box.code),
                          lines)

    def confirm_move(self, moves: list[Placement], question: str, lines: list[str]) -> None:
        storage, actor = self.session.services.storage, self.session.actor
        detail = "\n".join(lines[:12]) + ("\n…" if len(lines) > 12 else "")

        def go() -> None:
            run_write(self.page, lambda: storage.move_tubes(actor, moves),
                      done_message=self.tr("{n} tube(s) moved; the move is in the audit trail.").format(n=len(moves)))

        self.last_confirm = confirm(self, self.tr("Move tubes"), question, detail, go,
                                    yes_text=self.tr("Move"))

    # -- the cell menu -----------------------------------------------------------------------------------------

    def _cell_menu(self, cell: CellInfo, where: QPoint) -> None:
        menu = self.cell_menu(cell)
        menu.popup(where)

    def cell_menu(self, cell: CellInfo) -> QMenu:
        menu = QMenu(self)
        can_place = self.session.can(Permission.RECORD_SAMPLES)
        can_layout = self.session.can(Permission.MANAGE_STORAGE)
        tubes = self.map.selected_cells()
        empties = [c for c in (self.map._cell(at) for at in sorted(self.map.selected)) if c is not None
                   and c.sample_code is None and c.hold is None]
        if cell.sample_code is not None:
            menu.addAction(self.tr("Open sample {code}").format(code=cell.sample_code),
                           lambda: self.session.navigate.open_sample(cell.sample_code or ""))
            if cell.checked_out:
                menu.addAction(self.tr("Check in {code}").format(code=cell.sample_code),
                               lambda: self.check_in(cell)).setEnabled(can_place)
            else:
                menu.addAction(self.tr("Check out {code}…").format(code=cell.sample_code),
                               lambda: self.ask_check_out(cell)).setEnabled(can_place)
            menu.addAction(self.tr("Check-out history of {code}…").format(code=cell.sample_code),
                           lambda: show_checkout_history(self, self.session, cell.sample_code or "",
                                                         self.page.show_error, self._history_opened))
            menu.addAction(self.tr("Discard or destroy {code}…").format(code=cell.sample_code),
                           lambda: self.ask_discard(cell)).setEnabled(can_place)
            if len(tubes) > 1:
                menu.addAction(self.tr("{n} tubes selected: drag them to other cells or to a box in the tree")
                               .format(n=len(tubes))).setEnabled(False)
        elif cell.hold is None:
            menu.addAction(self.tr("Next scan goes here ({pos})").format(pos=cell.position),
                           lambda: self._activated(cell)).setEnabled(can_place)
            menu.addAction(self.tr("Reserve {n} position(s)…").format(n=max(1, len(empties))),
                           lambda: self.ask_reserve([c.position for c in empties] or [cell.position])
                           ).setEnabled(can_place)
            menu.addAction(self.tr("Block {pos}…").format(pos=cell.position),
                           lambda: self.ask_block(cell)).setEnabled(can_layout)
        else:
            what = self.tr("Unblock {pos}") if cell.hold == "blocked" else self.tr("Release the reservation of {pos}")
            allowed = can_layout if cell.hold == "blocked" else can_place
            menu.addAction(what.format(pos=cell.position), lambda: self.release(cell)).setEnabled(allowed)
        return menu

    def _history_opened(self, dialog: QDialog) -> None:
        self.last_history = dialog

    def ask_check_out(self, cell: CellInfo) -> ReasonDialog:
        storage, actor, code = self.session.services.storage, self.session.actor, cell.sample_code or ""
        dialog = ReasonDialog(self.tr("Check out {code}").format(code=code),
                              self.tr("Check out {code} from {box} {pos}: the tube leaves the freezer; {pos} stays its "
                                      "own and shows as out on the map. Why is it taken out?").format(
                                  code=code, box=self.box.code if self.box else "", pos=cell.position),
                              ok_text=self.tr("Check out {code}").format(code=code))
        dialog.reason.setPlaceholderText(self.tr("For example: aliquoting, DNA extraction, sent for analysis"))
        ask_then(self, dialog, lambda: run_write(
            self.page, partial(storage.check_out, actor, code, dialog.reason_text()),
            done_message=self.tr("{code} checked out of {pos}.").format(code=code, pos=cell.position)))
        return dialog

    def check_in(self, cell: CellInfo) -> None:
        """Check the tube in; into frozen storage, first ask whether it stayed frozen (dry ice, cold block)."""
        klass = self.box.temperature_class if self.box is not None else None
        if klass is not None and TemperatureClass(klass).frozen:
            self.last_confirm = ask_kept_frozen(self, cell.sample_code or "",
                                                lambda kept: self._check_in(cell, kept_frozen=kept))
        else:
            self._check_in(cell, kept_frozen=False)

    def _check_in(self, cell: CellInfo, *, kept_frozen: bool) -> None:
        storage, actor, code = self.session.services.storage, self.session.actor, cell.sample_code or ""

        def done(result: Result[CheckoutInfo]) -> None:
            info = result.value
            text = self.tr("{code} checked in to {pos} after {m} min out; freeze–thaw cycles: {t}.").format(
                code=code, pos=cell.position, m=info.minutes_out, t=info.freeze_thaw_count)
            if info.kept_frozen:
                text += " " + self.tr("Kept frozen: no cycle counted.")
            self.page.banner.show_message(text, "ok")

        run_write(self.page, lambda: storage.check_in(actor, code, kept_frozen=kept_frozen), on_done=done)

    def ask_discard(self, cell: CellInfo) -> ReasonDialog:
        storage, actor, code = self.session.services.storage, self.session.actor, cell.sample_code or ""
        dialog = ReasonDialog(self.tr("Discard {code}").format(code=code),
                              self.tr("Position {pos} is freed; the sample keeps its history.").format(
                                  pos=cell.position),
                              ok_text=self.tr("Discard"),
                              choices=[("discard", self.tr("Discard")), ("destroy", self.tr("Destroy"))],
                              choice_label=self.tr("What"))
        ask_then(self, dialog, lambda: run_write(
            self.page, partial(storage.discard, actor, code, dialog.reason_text(),
                               destroy=dialog.choice_value() == "destroy"),
            done_message=self.tr("{code} discarded; {pos} is free.").format(code=code, pos=cell.position)))
        return dialog

    def ask_reserve(self, positions: list[str]) -> ReasonDialog | None:
        if self.box is None:
            return None
        storage, actor, box = self.session.services.storage, self.session.actor, self.box.code
        dialog = ReasonDialog(self.tr("Reserve positions"),
                              self.tr("Reserve {pos} in {box} so nobody else fills them. What are they for?").format(
                                  pos=", ".join(positions), box=box), ok_text=self.tr("Reserve"))
        dialog.reason.setPlaceholderText(self.tr("For example: shipment SH-0042"))
        ask_then(self, dialog, lambda: run_write(
            self.page, partial(storage.reserve_positions, actor, box, positions, dialog.reason_text()),
            done_message=self.tr("{n} position(s) reserved.").format(n=len(positions))))
        return dialog

    def ask_block(self, cell: CellInfo) -> ReasonDialog | None:
        if self.box is None:
            return None
        storage, actor, box = self.session.services.storage, self.session.actor, self.box.code
        dialog = ReasonDialog(self.tr("Block {pos}").format(pos=cell.position),
                              self.tr("Nothing will be placed in {pos} until it is unblocked. Why?").format(
                                  pos=cell.position), ok_text=self.tr("Block"))
        ask_then(self, dialog, lambda: run_write(
            self.page, partial(storage.block_position, actor, box, cell.position, dialog.reason_text()),
            done_message=self.tr("{pos} blocked.").format(pos=cell.position)))
        return dialog

    def release(self, cell: CellInfo) -> None:
        if self.box is None:
            return
        storage, actor, box = self.session.services.storage, self.session.actor, self.box.code
        run_write(self.page, lambda: storage.release_positions(actor, box, [cell.position]),
                  done_message=self.tr("{pos} is free again.").format(pos=cell.position))

    # -- find space --------------------------------------------------------------------------------------------

    def find_space(self) -> FindSpaceDialog:
        dialog = FindSpaceDialog(self.box.code if self.box else None, self)
        ask_then(self, dialog, lambda: self.plan_space(dialog.count(), dialog.study(), dialog.sample_type(),
                                                  dialog.within()))
        return dialog

    def plan_space(self, count: int, study: str | None, sample_type: str | None, within: str | None) -> None:
        """Plan positions for ``count`` tubes and show them on the map; nothing is written until reserved."""
        storage = self.session.services.storage

        def done(plan: SpacePlan) -> None:
            self.plan = plan
            boxes: dict[str, int] = {}
            for slot in plan.slots:
                boxes[slot.box_code] = boxes.get(slot.box_code, 0) + 1
            where = ", ".join(self.tr("{n} in {box}").format(n=n, box=b) for b, n in boxes.items())
            if not plan.slots:
                self.page.banner.show_message(self.tr("No room found: {why}").format(why=plan.shortfall()), "error")
                return
            text = self.tr("Planned (not yet reserved): {where}.").format(where=where)
            if not plan.complete:
                text += " " + plan.shortfall()
            self.page.banner.show_message(text, "ok" if plan.complete else "warn")
            self.reserve_plan_button.show()
            self.clear_plan_button.show()
            first = plan.slots[0]
            if self.box is None or self.box.box_id != first.box_id:
                self.open_box(first.box_code)
            else:
                self.map.set_preview((s.row, s.col) for s in plan.slots if s.box_id == self.box.box_id)

        self.session.runner.call(lambda: storage.find_space(count, study=study, sample_type=sample_type,
                                                            within=within),
                                 on_result=done, on_error=self.page.show_error, owner=self)

    def clear_plan(self) -> None:
        self.plan = None
        self.map.set_preview(())
        self.reserve_plan_button.hide()
        self.clear_plan_button.hide()

    def reserve_plan(self) -> ReasonDialog | None:
        """Reserve the planned positions (one write per box, each audited)."""
        if self.plan is None or not self.plan.slots:
            return None
        storage, actor = self.session.services.storage, self.session.actor
        per_box: dict[str, list[str]] = {}
        for slot in self.plan.slots:
            per_box.setdefault(slot.box_code, []).append(slot.label)
        dialog = ReasonDialog(self.tr("Reserve planned positions"),
                              self.tr("Reserve {n} position(s) in {b} box(es). What are they for?").format(
                                  n=len(self.plan.slots), b=len(per_box)), ok_text=self.tr("Reserve"))

        def work(purpose: str) -> Changes:
            changes = Changes()
            for box, positions in per_box.items():
                changes = changes | storage.reserve_positions(actor, box, positions, purpose)
            return changes

        ask_then(self, dialog, lambda: run_write(self.page, partial(work, dialog.reason_text()),
                                                 on_done=lambda _c: self.clear_plan(),
                                                 done_message=self.tr("Planned positions reserved.")))
        return dialog

    # -- exports -----------------------------------------------------------------------------------------------

    def export_dialog(self, suffix: str) -> None:
        if self.box is None:
            return
        caption = self.tr("Print box map") if suffix == ".pdf" else self.tr("Export box map to Excel")
        wanted = self.tr("PDF (*.pdf)") if suffix == ".pdf" else self.tr("Excel workbook (*.xlsx)")
        path = file_dialogs.save_file(self, caption, f"{self.box.code}{suffix}", wanted)
        if path is not None:
            self.export_to(path)

    def export_to(self, out: Path, on_done: Callable[[Path], None] | None = None) -> None:
        """Write the box map to ``out`` (.pdf or .xlsx) on the worker, with progress."""
        if self.box is None:
            return
        storage, code, who = self.session.services.storage, self.box.code, self.session.actor.username

        def done(path: Path) -> None:
            self.page.banner.show_message(self.tr("Box map written to {path}.").format(path=path), "ok")
            if on_done:
                on_done(path)

        self.session.runner.call(lambda: storage.export_box_maps([code], out, printed_by=who), on_result=done,
                                 on_error=self.page.show_error, owner=self, title=self.tr("Writing the box map"))

    def keyPressEvent(self, event: object) -> None:  # Ctrl+F: the page's scan field
        from PySide6.QtGui import QKeyEvent

        if isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_F and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.scan.focus_for_scan()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]
