"""Rack-scan reconciliation on the storage page (issue 9, "Rack scanners").

The technician imports a rack scanner's file (the format is recognised, or chosen: one profile per instrument);
the file is read and compared with the database on the worker, and the result is drawn on the map of that rack
(:mod:`rackscan_map`) with a legend counting each outcome and a list of every position and tube code.

Unreadable tubes block acceptance: the technician selects one (on the map or in the list; the first is chosen
for them) and scans the tube by hand + Enter, or marks it "leave as it is". Unexpected tubes are left for
reception. **Accept** is one service call that commits the whole reconciliation in one audited transaction, or
nothing. A file that cannot be used (unknown format, unknown rack, a code twice, a cut-off line) gives a message
saying what happened and what to do; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.rackscan import BUILTIN_PROFILES, ScanProfile
from biobank_desktop.core.domain.reconcile import MARKED, Outcome
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.dto import StudyInfo
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.core.services.storage import BoxMap
from biobank_desktop.core.services.storage.rackscans import RackScanReview
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.operations import file_dialogs
from biobank_desktop.ui.operations.files import read_scan_file
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.pages.storage.dialogs import ask_then, confirm
from biobank_desktop.ui.pages.storage.rackscan_map import LEFT, ORDER, RackScanLegend, RackScanMap, describe_item
from biobank_desktop.ui.pages.storage.rackscan_register import RegisterTubeDialog
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import button, label
from biobank_desktop.ui.widgets.scan_field import ScanField

Cell = tuple[int, int]
class RackScanView(QWidget):
    """See the module docstring. ``page``: the storage page (banner, errors, run_write)."""

    def __init__(self, page: WritingPage, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rackScanView")
        self.page = page
        self.session = session
        self.path: Path | None = None
        self.text: str | None = None
        self.review: RackScanReview | None = None
        self.box: BoxMap | None = None
        self.resolutions: dict[str, str] = {}
        self.reviews = 0  # how many reviews were shown (tests wait on it)
        self.errors = 0
        self._pending: str | None = None
        self.last_dialog: RegisterTubeDialog | None = None
        self.last_confirm: QMessageBox | None = None  # the question before an Accept that frees positions

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.import_button = button(self.tr("Import rack-scan file…"), primary=True, on_click=self.choose_file)
        self.profile = QComboBox()
        self.profile.setObjectName("rackScanProfile")
        self.profile.addItem(self.tr("Format: recognise"), None)
        for profile in BUILTIN_PROFILES:
            self.profile.addItem(profile.description, profile.name)
        self.profile.setToolTip(self.tr("The instrument that wrote the file; 'recognise' tries every known format."))
        self.profile.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.rack_edit = QLineEdit()
        self.rack_edit.setObjectName("rackScanRack")
        self.rack_edit.setPlaceholderText(self.tr("Rack code, if the file names none"))
        self.rack_edit.setToolTip(self.tr("FluidX files and scans whose rack code was not read need the rack's code; "
                                          "a rack the database does not know is read as the box typed here. Enter "
                                          "reads the file again."))
        self.rack_edit.returnPressed.connect(self.read_again)
        # a whole box code shows ("BOX-000057", never "3OX-000057"): the text, the padding, border and margin
        self.rack_edit.setMinimumWidth(self.rack_edit.fontMetrics().horizontalAdvance("BOX-0000000") + 2 * 12 + 4)
        self.reload_button = button(self.tr("Read again"), on_click=self.read_again)
        top.addWidget(self.import_button)
        top.addWidget(self.profile, 2)
        top.addWidget(self.rack_edit, 1)
        top.addWidget(self.reload_button)
        layout.addLayout(top)
        self.title = label("", "section")
        self.title.setObjectName("rackScanTitle")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._message = ""  # what this view last said in the page's banner (the page's one message area)
        layout.addWidget(self.title)

        middle = QHBoxLayout()
        middle.setSpacing(10)
        self.map = RackScanMap()
        self.map.position_clicked.connect(lambda row, col: self.select((row, col)))
        middle.addWidget(self.map, 1)
        side = QVBoxLayout()
        side.setSpacing(6)
        self.legend = RackScanLegend()
        side.addWidget(self.legend)
        self.list = QTreeWidget()
        self.list.setObjectName("rackScanList")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([self.tr("Pos."), self.tr("Outcome"), self.tr("Tube code"), self.tr("Details")])
        self.list.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((40, 122, 96)):
            self.list.setColumnWidth(column, width)
        self.list.currentItemChanged.connect(self._list_chosen)
        side.addWidget(self.list, 1)
        self.target = label("", "subtitle", wrap=True)
        self.target.setObjectName("rackScanTarget")
        side.addWidget(self.target)
        self.scan = ScanField(self.tr("Scan the tube by hand + Enter"), sound=session.settings.scan_sound,
                              banner=page.banner)
        self.scan.setObjectName("rackScanScan")
        self.scan.edit.setMinimumWidth(200)
        self.scan.scanned.connect(self.handle_scan)
        side.addWidget(self.scan)
        marks = QHBoxLayout()
        self.leave_button = button(self.tr("Leave as it is (code unknown)"), on_click=self.leave_selected)
        self.undo_button = button(self.tr("Undo"), on_click=self.undo_selected)
        marks.addWidget(self.leave_button)
        marks.addWidget(self.undo_button)
        side.addLayout(marks)
        self.note = label(self.tr("Unexpected tubes are left for reception, or registered here:"), "subtitle",
                          wrap=True)
        side.addWidget(self.note)
        self.register_button = button(self.tr("Register the selected unexpected tube…"),
                                      on_click=self.register_selected)
        side.addWidget(self.register_button)
        self.accept_button = button(self.tr("Accept the reconciliation"), primary=True, on_click=self.accept)
        side.addWidget(self.accept_button)
        side_panel = QWidget()
        side_panel.setLayout(side)
        side.setContentsMargins(0, 0, 0, 0)
        # On a short screen (1366×768 with the window's bars) the side column scrolls; it never makes the page
        # taller than the window.
        side_scroll = QScrollArea()
        side_scroll.setWidget(side_panel)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setMinimumWidth(330)  # narrower on a 1280-pixel screen, never past the window
        side_scroll.setMaximumWidth(396)
        middle.addWidget(side_scroll)
        layout.addLayout(middle, 1)
        self._show()

    # -- reading -------------------------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path = file_dialogs.open_file(self, self.tr("Import a rack-scan file"),
                                      self.tr("Rack-scan files (*.csv *.txt *.tsv);;All files (*)"))
        if path is not None:
            self.load_file(path)

    def load_file(self, path: Path) -> None:
        """Read ``path`` and compare it with the database (on the worker); earlier resolutions are dropped."""
        self.path, self.text, self.resolutions = path, None, {}
        self._run_review()

    def data_changed(self) -> None:
        """The rack may have changed (here or on another workstation): compare the scan with it again."""
        if self.review is not None and not self.review.accepted and self.text is not None:
            self._run_review()

    def read_again(self) -> None:
        if self.path is not None:
            self.text = None
            self._run_review()

    def profiles(self) -> tuple[ScanProfile, ...]:
        chosen = self.profile.currentData()
        return tuple(p for p in BUILTIN_PROFILES if p.name == chosen) or BUILTIN_PROFILES

    def _run_review(self) -> None:
        path, text, storage = self.path, self.text, self.session.services.storage
        if path is None:
            return
        box, resolutions, profiles = self.rack_edit.text().strip() or None, dict(self.resolutions), self.profiles()

        def work() -> tuple[str, RackScanReview, BoxMap]:
            content = text if text is not None else read_scan_file(path)
            review = storage.review_rackscan(content, path.name, box=box, resolutions=resolutions,
                                             profiles=profiles)
            return content, review, storage.box_map(review.box_code)

        self.import_button.setEnabled(False)
        self.session.runner.call(work, on_result=self._reviewed, on_error=self._failed, owner=self)

    def _reviewed(self, result: tuple[str, RackScanReview, BoxMap]) -> None:
        self.import_button.setEnabled(True)
        self.text, self.review, self.box = result
        self._pending = None
        self.clear_message()
        if self.review.wrong_rack_suspected:
            self.show_warning(self.tr("⚠ {other}\nCheck the file and the Rack code before you accept.").format(
                other=self._wrong_rack_text(self.review)))
        self.reviews += 1
        self._show()

    def _failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.errors += 1
        if self._pending is not None:  # the hand scan made the review fail (e.g. a code already in the rack)
            self.resolutions.pop(self._pending, None)
            self._pending = None
        if self.text is None:  # the file itself could not be used: show nothing of an earlier one
            self.review, self.box = None, None
            self._show()
        self.show_message(exc)

    def show_message(self, exc: BaseException) -> None:
        """An error in the page's banner, the hint (what to do) on its own line; it replaces any other message."""
        message, hint = error_text(exc)
        self._say(f"✖ {message}" + (f"\n{hint}" if hint else ""), "error")

    def show_warning(self, text: str) -> None:
        self._say(text, "warn")

    def _say(self, text: str, kind: str) -> None:
        self._message = text
        self.page.banner.show_message(text, kind)

    @property
    def message(self) -> str:
        """What this view says in the page's banner now ('' when the banner shows something else or nothing)."""
        return self._message if self._message and self.page.banner.message == self._message else ""

    def clear_message(self) -> None:
        """This view's error or warning is out of date (a hand scan's or another action's answer stays)."""
        if self.message:
            self.page.banner.clear()
        self._message = ""

    def _wrong_rack_text(self, review: RackScanReview) -> str:
        return self.tr("This looks like the scan of another rack: {missing} of the {held} tubes {rack} holds are "
                       "not in it, and {unknown} of the {read} codes read are unknown to the database.").format(
            missing=len(review.leaving), held=review.expected_count, rack=review.box_code,
            unknown=review.unknown_codes, read=review.codes_read)

    # -- showing -------------------------------------------------------------------------------------------------

    def left_cells(self) -> list[Cell]:
        if self.box is None:
            return []
        cells = {c.position: (c.row, c.col) for c in self.box.cells}
        return [cells[p] for p, code in self.resolutions.items() if code == MARKED and p in cells]

    def counts(self) -> dict[str, int]:
        if self.review is None:
            return {}
        counts = dict(self.review.counts)
        counts[LEFT] = len(self.left_cells())
        return counts

    def _show(self) -> None:
        review, box = self.review, self.box
        self.list.blockSignals(True)
        self.list.clear()
        self.list.blockSignals(False)
        if review is None or box is None:
            self.map.clear()
            self.legend.set_counts({})
            self.title.setText(self.tr("No rack scan imported"))
            self._update_actions()
            return
        labels = {(c.row, c.col): c.position for c in box.cells}
        left = self.left_cells()
        self.map.set_result(box.rows, box.columns, labels, review.items, left)
        self.legend.set_counts(self.counts())
        state = self.tr("accepted") if review.accepted else self.tr("not accepted yet")
        rack = review.box_code
        if review.rack_code_in_file and review.rack_code_in_file not in (box.code, box.name):
            rack = self.tr("{box} (the file's {code})").format(box=box.code, code=review.rack_code_in_file)
        self.title.setText(self.tr("{file} — rack {rack} ({name}) — {fmt} — {state}").format(
            file=review.file_name, rack=rack, name=box.name, fmt=review.profile, state=state))
        self.title.setToolTip(self.title.text())
        rank = {state: i for i, state in enumerate(ORDER)}
        rows = [(rank[i.outcome.value], i.row, i.col, i.label, self._outcome_name(i.outcome.value), i.tube_code or "",
                 describe_item(self, i)) for i in review.items if i.outcome is not Outcome.EMPTY]
        rows += [(rank[LEFT], r, c, labels[(r, c)], self._outcome_name(LEFT), "",
                  self.tr("Unreadable tube, left as it is")) for r, c in left]
        self.list.blockSignals(True)
        for _rank, row, col, position, outcome, code, details in sorted(rows):
            item = QTreeWidgetItem([position, outcome, code, details])
            item.setData(0, Qt.ItemDataRole.UserRole, (row, col))
            item.setToolTip(3, details)
            self.list.addTopLevelItem(item)
        self.list.blockSignals(False)
        if self.selected_state() != Outcome.UNREADABLE.value and review.blocking:
            first = review.blocking[0]
            self.select((first.row, first.col))
        else:
            self.select(self.map.selected)

    def _outcome_name(self, state: str) -> str:
        """The short name of an outcome, for the list (the legend says more)."""
        return {Outcome.CONFIRMED.value: self.tr("Confirmed"), Outcome.MOVED.value: self.tr("Moved"),
                Outcome.UNEXPECTED.value: self.tr("Unexpected"), Outcome.MISSING.value: self.tr("Missing"),
                Outcome.CHECKED_OUT.value: self.tr("Checked out"), Outcome.CHECKED_IN.value: self.tr("Checked in"),
                Outcome.UNREADABLE.value: self.tr("Unreadable"), LEFT: self.tr("Left as it is"),
                Outcome.EMPTY.value: self.tr("Empty")}[state]

    def selected_state(self) -> str | None:
        if self.map.selected is None or self.review is None:
            return None
        return self.map.state_of(self.map.selected)[0]

    def selected_label(self) -> str | None:
        if self.map.selected is None or self.box is None:
            return None
        return self.box.cell(*self.map.selected).position

    def select(self, cell: Cell | None) -> None:
        self.map.select(cell)
        self.list.blockSignals(True)
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == cell:
                self.list.setCurrentItem(item)
                break
        self.list.blockSignals(False)
        self._update_actions()

    def _list_chosen(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self.select(current.data(0, Qt.ItemDataRole.UserRole))

    def _update_actions(self) -> None:
        review = self.review
        loaded = review is not None and not review.accepted
        state, position = self.selected_state(), self.selected_label()
        unreadable = loaded and state == Outcome.UNREADABLE.value
        resolved = loaded and position is not None and position in self.resolutions
        self.scan.edit.setEnabled(unreadable)
        self.leave_button.setEnabled(unreadable)
        self.undo_button.setEnabled(resolved)
        self.register_button.setEnabled(loaded and state == Outcome.UNEXPECTED.value)
        self.reload_button.setEnabled(self.path is not None)
        self.accept_button.setEnabled(loaded and review is not None and not review.blocking)
        if review is None:
            self.target.setText(self.tr("Import the file the rack scanner wrote."))
        elif review.accepted:
            self.target.setText(self.tr("The reconciliation of {rack} was accepted.").format(rack=review.box_code))
        elif unreadable:
            self.target.setText(self.tr("{pos}: the scanner could not read this tube. Scan it by hand + Enter, or "
                                        "leave it as it is.").format(pos=position))
        elif review.blocking:
            self.target.setText(self.tr("{n} unreadable tube(s) to resolve: select one on the map.").format(
                n=len(review.blocking)))
        else:
            self.target.setText(self.tr("Nothing left to resolve: check the map, then accept."))

    # -- resolving -----------------------------------------------------------------------------------------------

    def wants_scans(self) -> bool:
        """True while an unreadable position waits for a hand scan (the page sends its scans here)."""
        return self.review is not None and not self.review.accepted and bool(self.review.blocking)

    def handle_scan(self, text: str, on_answer: Callable[[str, str], None] | None = None) -> None:
        """A tube scanned by hand: it is the code of the selected unreadable position (or of the first one)."""
        code = text.strip()
        self.scan.edit.clear()
        if self.review is None or not self.review.blocking:
            self._answer("error", self.tr("✖ No unreadable position to resolve."), on_answer)
            return
        if self.selected_state() != Outcome.UNREADABLE.value:
            first = self.review.blocking[0]
            self.select((first.row, first.col))
        position = self.selected_label()
        if position is None or not code:
            return
        self.resolutions[position] = code
        self._pending = position
        self._answer("ok", self.tr("✔ {code} is the tube at {pos}.").format(code=code, pos=position), on_answer)
        self._run_review()

    def _answer(self, state: str, message: str, on_answer: Callable[[str, str], None] | None) -> None:
        self.scan.show_feedback(state, message)
        if on_answer is not None:
            on_answer(state, message)

    def leave_selected(self) -> None:
        position = self.selected_label()
        if position is None or self.selected_state() != Outcome.UNREADABLE.value:
            return
        self.resolutions[position] = MARKED
        self._pending = position
        self.scan.show_feedback("ok", self.tr("✔ {pos} is left as it is.").format(pos=position))
        self._run_review()

    def undo_selected(self) -> None:
        position = self.selected_label()
        if position is not None and self.resolutions.pop(position, None) is not None:
            self._run_review()

    def register_selected(self) -> None:
        """Register the selected unexpected tube where the scanner saw it (one transaction), then review again."""
        review, position, cell = self.review, self.selected_label(), self.map.selected
        if review is None or position is None or cell is None or self.selected_state() != Outcome.UNEXPECTED.value:
            return
        item = next(i for i in self.map.items[cell] if i.outcome is Outcome.UNEXPECTED)
        code, rack = item.tube_code or "", review.box_code
        services, actor = self.session.services, self.session.actor

        def read() -> tuple[list[StudyInfo], list[tuple[str, str]]]:
            return services.reference.studies(), sprec.fluid_sample_types() + sprec.solid_sample_types()

        def ask_for(choices: tuple[list[StudyInfo], list[tuple[str, str]]]) -> None:
            dialog = RegisterTubeDialog(code, rack, position, *choices, parent=self)
            self.last_dialog = dialog
            ask_then(self, dialog, lambda: register(dialog.new_sample()))  # read on this thread: the dialog goes

        def register(new: NewSample) -> None:
            run_write(self.page, lambda: services.storage.register_and_place(actor, new, rack, position),
                      on_done=lambda _result: self._run_review(), on_error=self._register_failed, owner=self,
                      done_message=self.tr("{code} registered and placed in {rack} at {pos}.").format(
                          code=code, rack=rack, pos=position))

        self.session.runner.call(read, on_result=ask_for, on_error=self.page.show_error, owner=self)

    def _register_failed(self, exc: BaseException) -> None:
        self.errors += 1
        self.show_message(exc)

    # -- accepting -----------------------------------------------------------------------------------------------

    def _confirm_leaving(self, review: RackScanReview) -> None:
        n = len(review.leaving)
        listed = ", ".join(f"{i.sample_code} ({i.label})" for i in review.leaving[:8]) + (
            ", …" if n > 8 else "")
        freed = self.tr("Accepting takes them out of their positions (the samples are kept; the audit trail says "
                        "where they were): {tubes}.").format(tubes=listed)
        if review.wrong_rack_suspected:
            question = self.tr("This file is probably not the scan of {rack}.").format(rack=review.box_code)
            detail = self._wrong_rack_text(review) + "\n\n" + freed + "\n\n" + self.tr(
                "Check the file and the Rack code; accept only if the rack really is like this.")
        else:
            question = self.tr("{n} tube(s) that {rack} holds are not in the scan.").format(n=n, rack=review.box_code)
            detail = freed
        self.last_confirm = confirm(self, self.tr("Accept the rack scan"), question, detail,
                                    lambda: self.accept(confirmed=True), warning=review.wrong_rack_suspected,
                                    yes_text=self.tr("Accept: {n} tube(s) leave their positions").format(n=n))

    def accept(self, *, confirmed: bool = False) -> None:
        """Commit the whole reconciliation in one transaction (audited), or nothing. When tubes the rack holds are
        not in the scan (accepting takes them out of their positions) the technician confirms first, warned
        when the file looks like another rack's."""
        review, text = self.review, self.text
        if review is None or text is None or review.blocking or review.accepted:
            return
        if review.leaving and not confirmed:
            self._confirm_leaving(review)
            return
        storage, actor = self.session.services.storage, self.session.actor
        box, resolutions, profiles = review.box_code, dict(self.resolutions), self.profiles()
        self.accept_button.setEnabled(False)

        def done(result: Result[RackScanReview]) -> None:
            self.review = result.value
            self._show()

        def failed(exc: BaseException) -> None:
            self.errors += 1
            self.show_message(exc)
            self._update_actions()

        counts = ", ".join(f"{n} {self._outcome_name(k).lower()}" for k, n in review.counts.items()
                           if n and k != Outcome.EMPTY.value)
        run_write(self.page, lambda: storage.accept_rackscan(actor, text, review.file_name, box=box,
                                                             resolutions=resolutions, profiles=profiles),
                  on_done=done, on_error=failed, owner=self,
                  done_message=self.tr("Rack scan of {rack} accepted: {counts}.").format(rack=review.box_code,
                                                                                       counts=counts))
