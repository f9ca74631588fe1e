"""The reception board: scan a shipment's tubes one after another and see at once what each one is.

A USB scanner types the code and presses Enter; the board receives it through the scan session
(:class:`~biobank_desktop.core.flows.reception.ReceptionSession`, one transaction per scan) on the worker and
answers with the big verdict (:mod:`.feedback`), the counters and the tube's line, selected in the list.
Scans are handled strictly one after another, in the order they came (a fast scanner's second code waits
for the first's answer): the scan order is the order of accessioning and of the labels.

Nothing here keeps state the database does not: closing the window loses nothing, and another workstation's
scans appear when the main window's poll announces them (:meth:`ReceptionBoard.data_changed` reloads the board
when the audit trail moved past what the board last read).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from biobank_desktop.core.domain.errors import BiobankError, ConflictError
from biobank_desktop.core.flows.reception import Feedback, NextStep, ReceptionSession, ServiceBackend
from biobank_desktop.core.services.changes import SAMPLE, SHIPMENT, Changes
from biobank_desktop.core.services.reception import Board, BoardCounts, BoardTube, ScanResult
from biobank_desktop.core.services.reception.matching import looks_like_shipment_code
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.models.reception import TUBE_ROLE, BoardFilter, BoardTubeModel
from biobank_desktop.ui.operations.writes import WritingPage
from biobank_desktop.ui.pages.reception.feedback import ScanVerdict
from biobank_desktop.ui.pages.reception.tube_panel import TubePanel
from biobank_desktop.ui.widgets.common import fit_columns, label, table_view
from biobank_desktop.ui.widgets.scan_field import ScanField

TONE_VERDICT = {"ok": "ok", "warning": "warn", "error": "error"}
RELOAD_DELAY_MS = 700  # after the last scan or news from elsewhere, the whole board is read again once

TILE_STYLE = """
QPushButton#countTile { min-height: 52px; padding: 0px 4px; }
QPushButton#countTile:checked { background: #dcebfb; border: 2px solid #0b5cad; }
QLabel#tileNumber { font-size: 16pt; font-weight: 700; background: transparent; }
QLabel#tileCaption { font-size: 10pt; font-weight: 600; color: #4a5361; background: transparent; }
"""


class CountTile(QPushButton):
    """A counter that filters the list when pressed: the number large, what it counts below."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("countTile")
        self.setStyleSheet(TILE_STYLE)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        column = QVBoxLayout(self)
        column.setContentsMargins(2, 4, 2, 4)
        column.setSpacing(0)
        self.number = QLabel("0")
        self.number.setObjectName("tileNumber")
        self.caption = QLabel(caption)
        self.caption.setObjectName("tileCaption")
        for part in (self.number, self.caption):
            part.setAlignment(Qt.AlignmentFlag.AlignCenter)
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            column.addWidget(part)
        self.setAccessibleName(caption)

    def set_count(self, value: int) -> None:
        self.number.setText(f"{value:,}")
        self.setAccessibleDescription(f"{value:,} {self.caption.text()}")

    def count(self) -> int:
        return int(self.number.text().replace(",", ""))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.caption.sizeHint().width() + 10, 52)


@dataclass(frozen=True)
class Answer:
    """A scan's or a decision's answer as the board shows it (from the session's Feedback or a service call)."""

    verdict: str
    headline: str
    detail: str
    result: ScanResult | None
    changes: Changes


def answer_of(feedback: Feedback) -> Answer:
    return Answer(TONE_VERDICT.get(feedback.tone, "error"), feedback.headline, feedback.detail, feedback.result,
                  feedback.changes)


def answer_of_result(result: ScanResult, changes: Changes) -> Answer:
    return Answer(TONE_VERDICT.get(result.tone, "error"), result.message, result.hint, result, changes)


class ReceptionBoard(QWidget):
    """See the module docstring. ``answered(Answer)`` after every scan or decision (tests wait on it)."""

    answered = Signal(object)
    loaded = Signal()
    shipment_scanned = Signal(str)  # a shipment's code scanned into the board's field: the page opens it

    def __init__(self, page: WritingPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.session = page.session
        self.code: str | None = None
        self.board: Board | None = None
        self.scan_session: ReceptionSession | None = None
        self.loads = 0  # how many times the board was read (tests wait on it)
        self._board_seq = -1  # the audit head when the board was last read
        self._work: deque[tuple[Callable[[], Any], Callable[[Any], None], str | None]] = deque()
        self._working = False
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self._reload_when_idle)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        top = QHBoxLayout()
        top.setSpacing(12)
        left = QVBoxLayout()
        left.setSpacing(8)
        self.scan = ScanField(self.tr("Scan a tube of this shipment (Enter)"), sound=False)
        self.scan.feedback.hide()
        self.scan.scanned.connect(self.handle_scan)
        self.verdict = ScanVerdict(sound=self.session.settings.scan_sound)
        left.addWidget(self.scan)
        left.addWidget(self.verdict)
        tiles = QHBoxLayout()
        tiles.setSpacing(6)
        self.tile_group = QButtonGroup(self)
        self.tile_group.setExclusive(True)
        self.tiles: dict[str, CountTile] = {}
        for key, caption in (("all", self.tr("Expected")), ("received", self.tr("Received")),
                             ("missing", self.tr("Missing")), ("unexpected", self.tr("Unexpected")),
                             ("damaged", self.tr("Damaged")), ("pending", self.tr("Waiting"))):
            tile = CountTile(caption)
            tile.setToolTip(self.tr("Show only these tubes in the list (again: all)"))
            tile.clicked.connect(lambda _=False, k=key: self.set_filter(k))
            self.tile_group.addButton(tile)
            self.tiles[key] = tile
            tiles.addWidget(tile, 1)
        self.tiles["all"].setChecked(True)
        left.addLayout(tiles)
        top.addLayout(left, 1)
        self.tube_panel = TubePanel()
        self.tube_panel.setFixedWidth(470)
        self.tube_panel.install_shortcuts(self)
        top.addWidget(self.tube_panel)
        layout.addLayout(top)

        self.stats = label("", "fieldname")  # shown by the page, beside the accepted tubes' buttons
        self.stats.setObjectName("boardStats")
        self.model = BoardTubeModel()
        self.filter = BoardFilter(self.model)
        self.table = table_view("boardTubes", self.filter, widths=(145, 170, 100, 150, 78, 150, 120, 96))
        fit_columns(self.table, stretch=(3,))
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        layout.addWidget(self.table, 1)
        self.counts = BoardCounts()
        self.set_counts(self.counts)

    # -- opening and reading ---------------------------------------------------------------------------------

    def open(self, code: str) -> None:
        """Show shipment ``code`` (its board read on the worker); the scan field takes the focus."""
        if code != self.code:
            self.code = code
            self.board = None
            self._board_seq = -1
            self.model.set_rows([])
            self.tube_panel.show_tube(None)
            self.verdict.show_idle(self.tr("Ready: scan a tube of {code}").format(code=code), "")
            self.scan_session = ReceptionSession(ServiceBackend(self.session.services.reception, self.session.actor,
                                                                code))
        self.reload()
        self.focus_scan()

    def focus_scan(self) -> None:
        self.scan.focus_for_scan()

    def reload(self) -> None:
        code = self.code
        if code is None:
            return
        services = self.session.services

        def read() -> tuple[int, Board]:
            seq = services.audit.last_seq()  # first: a change made while the board is read is seen next time
            return seq, services.reception.board(code)

        def shown(result: tuple[int, Board]) -> None:
            seq, board = result
            if board.shipment.code != self.code:
                return
            self._board_seq = max(self._board_seq, seq)
            self.show_board(board)

        self.session.runner.call(read, on_result=shown, on_error=self.page.show_error, owner=self)

    def show_board(self, board: Board) -> None:
        selected = self.current_tube()
        self.board = board
        self.model.set_rows(board.tubes)
        self.set_counts(board.counts)
        if selected is not None:
            row = self.model.row_of(selected)
            if row is not None:
                self._select_source_row(row)
        if self.tube_panel.tube is not None:  # the last tube as it stands now (another workstation may have decided)
            row = self.model.row_of(self.tube_panel.tube)
            self.tube_panel.show_tube(self.model.row_at(row) if row is not None else None)
        self.loads += 1
        self.loaded.emit()

    def set_counts(self, counts: BoardCounts) -> None:
        values = {"all": counts.expected, "received": counts.received, "missing": counts.missing,
                  "unexpected": counts.unexpected, "damaged": counts.damaged, "pending": counts.pending}
        for key, tile in self.tiles.items():
            tile.set_count(values[key])
        self.stats.setText(self.tr("{a} accepted · {q} quarantined · {r} rejected · labels: {p} printed, {w} "
                                   "queued · {s} stored").format(
            a=counts.accepted, q=counts.quarantined, r=counts.rejected, p=counts.printed,
            w=counts.labelled - counts.printed, s=counts.stored))
        self.counts = counts

    def set_filter(self, key: str) -> None:
        if self.filter.key == key and key != "all":
            key = "all"
        self.tiles[key].setChecked(True)
        self.filter.set_key(key)
        self.focus_scan()

    # -- scans, one after another -------------------------------------------------------------------------------

    def handle_scan(self, text: str) -> None:
        """A scan (the board's field, or the window's while this board shows)."""
        if looks_like_shipment_code(text):
            self.shipment_scanned.emit(text.strip().upper())
            return
        if self.scan_session is None:
            return
        flow = self.scan_session
        self.verdict.show_verdict("busy", self.tr("Checking {code}…").format(code=text.strip()))
        self._queue(lambda: flow.scan(text), self._scanned, text.strip())

    def _scanned(self, feedback: Feedback | None) -> None:
        if feedback is None:
            return
        answer = answer_of(feedback)
        if feedback.next_step is NextStep.RELOAD_BOARD:  # someone else got there first: show what they did
            answer = dataclasses.replace(answer, detail=self.tr("Nothing was changed; the board was reloaded."))
            self.reload()
        self.show_answer(answer)

    def run_in_session(self, call: Callable[[ReceptionSession], Feedback], busy: str) -> None:
        """A decision made through the scan session (``call(session)``), queued behind the scans."""
        if self.scan_session is None:
            return
        flow = self.scan_session
        self.verdict.show_verdict("busy", busy)
        self._queue(lambda: call(flow), self._scanned, None)

    def run_decision(self, work: Callable[[], Any], busy: str, *, after: Callable[[Any], None] | None = None) -> None:
        """A correction or a registration (a service call returning ``Result[ScanResult]``), queued behind the
        scans; ``after(result)`` runs once its answer is shown. Decisions on waiting tubes go through
        :meth:`run_in_session`."""
        self.verdict.show_verdict("busy", busy)

        def answered(done: Any) -> None:
            self.show_answer(answer_of_result(done.value, done.changes))
            if after is not None:
                after(done)

        self._queue(work, answered, None)

    def _queue(self, work: Callable[[], Any], then: Callable[[Any], None], code: str | None) -> None:
        self._work.append((work, then, code))
        if not self._working:
            self._next()

    def _next(self) -> None:
        if not self._work:
            self._working = False
            return
        self._working = True
        work, then, code = self._work.popleft()

        def done(result: Any) -> None:
            try:
                then(result)
            finally:
                self._next()

        def failed(exc: BaseException) -> None:
            try:
                self.show_failure(exc, code)
            finally:
                self._next()

        self.session.runner.call(work, on_result=done, on_error=failed, owner=self, discard_if_cancelled=False)

    @property
    def busy(self) -> bool:
        """A scan or a decision is being written, or waits its turn."""
        return self._working or bool(self._work)

    # -- answers -------------------------------------------------------------------------------------------------

    def show_answer(self, answer: Answer) -> None:
        self.verdict.show_verdict(answer.verdict, answer.headline, answer.detail)
        self.scan.show_feedback({"ok": "ok", "error": "error"}.get(answer.verdict, "info"), "")
        result = answer.result
        if result is not None:
            if result.counts is not None:
                self.set_counts(result.counts)
            if result.tube is not None:
                row = self.model.put(result.tube)
                self._select_source_row(row)
                self.tube_panel.show_tube(result.tube)
        if answer.changes:
            self.session.events.changed.emit(answer.changes)
        self.answered.emit(answer)

    def show_failure(self, exc: BaseException, code: str | None) -> None:
        message, hint = error_text(exc)
        if code and not isinstance(exc, BiobankError):
            message = self.tr("{code} was NOT recorded: {message}").format(code=code, message=message)
        if isinstance(exc, ConflictError):  # someone else got there first: show what they did
            hint = self.tr("Nothing was changed; the board was reloaded.")
            self.reload()
        self.verdict.show_verdict("error", message, hint or "")
        self.scan.show_feedback("error", "")
        if not isinstance(exc, BiobankError):
            self.session.runner.report(exc)
        self.answered.emit(Answer("error", message, hint or "", None, Changes()))

    # -- the list ------------------------------------------------------------------------------------------------

    def current_tube(self) -> BoardTube | None:
        index = self.table.currentIndex()
        tube = index.data(TUBE_ROLE) if index.isValid() else None
        return tube if isinstance(tube, BoardTube) else None

    def _select_source_row(self, row: int) -> None:
        proxy = self.filter.mapFromSource(self.model.index(row, 0))
        if not proxy.isValid():
            return
        self.table.selectionModel().blockSignals(True)
        self.table.setCurrentIndex(proxy)
        self.table.selectionModel().blockSignals(False)
        self.table.scrollTo(proxy)

    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        tube = current.data(TUBE_ROLE) if current.isValid() else None
        if isinstance(tube, BoardTube):
            self.tube_panel.show_tube(tube)

    # -- refresh ---------------------------------------------------------------------------------------------------

    def data_changed(self, changes: Changes) -> None:
        """Read the board again (soon, once) when shipments or samples moved past what it last read."""
        if self.code is None or not changes.touches(SHIPMENT, SAMPLE):
            return
        if changes.last_audit_seq and changes.last_audit_seq <= self._board_seq:
            return
        self._reload_timer.start()

    def _reload_when_idle(self) -> None:
        if self.busy:
            self._reload_timer.start()  # scanning goes first; the reload waits for a pause
            return
        self.reload()

    def set_sound(self, on: bool) -> None:
        self.verdict.sound = on

