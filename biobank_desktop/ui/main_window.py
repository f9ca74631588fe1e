"""The main window: navigation on the left, the global scan field on top, the status bar below.

The scan field is always one keystroke away (F2 or Ctrl+L). A scan opens the sample, or lists a
participant's samples; an unknown code is answered in the field itself (red, with the reason, and
a beep when sound is on).

Two timers keep the window honest on a shared database: every ``PING_MS`` a worker pings the
database (green/red indicator in the status bar; red says why and offers Retry), and every
``POLL_MS`` a worker asks the audit trail what changed since the last look
(:meth:`AuditService.changes_since`); when something did, ``events.changed`` carries that :class:`Changes`
to the open pages, which refresh when it concerns them — the same signal and record as for this window's own
writes (see :mod:`biobank_desktop.ui.operations.writes`).

The window is the session's :class:`~biobank_desktop.ui.navigation.Navigator` (``session.navigate``): pages
ask it to open a sample, a box, a participant's samples or to print labels, never reaching into it.

Pages are imported and built the first time they are shown, so start-up only pays for Search.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.config import config_dir
from biobank_desktop.core.domain.errors import BiobankError, DatabaseIdentityError, DatabaseReadOnlyError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.changes import LABEL_JOB, Changes
from biobank_desktop.core.services.dto import ScanResult
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.services.reception.matching import looks_like_shipment_code
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.navigation import PrintSummary
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ERROR, OK, WARN
from biobank_desktop.ui.widgets.common import button, label
from biobank_desktop.ui.widgets.scan_burst import ScanBurstFilter
from biobank_desktop.ui.widgets.scan_field import ScanField

if TYPE_CHECKING:
    from biobank_desktop.ui.operations.printing import LabelPrinter, PrintOutcome

PING_MS = 15_000
POLL_MS = 4_000
GEOMETRY_KEY = "main_window/geometry"
#: pages that answer the window's scan field themselves while they show (``handle_scan(text, on_answer=)``)
SCANNING_PAGES = ("storage", "reception", "aliquoting")


def window_state() -> QSettings:
    """Where this workstation keeps the window's place and size (next to its settings file, not per user
    account of the application: every technician at this bench finds the window where it was left)."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    module: str
    cls: str
    permission: Permission | None = None
    refusal: str = ""


PAGES: tuple[PageSpec, ...] = (
    PageSpec("search", "Search", "biobank_desktop.ui.pages.search.page", "SearchPage"),
    PageSpec("sample", "Sample", "biobank_desktop.ui.pages.sample.page", "SamplePage"),
    PageSpec("reception", "Reception", "biobank_desktop.ui.pages.reception.page", "ReceptionPage",
             Permission.VIEW_SAMPLES, "Your role may not view shipments."),
    PageSpec("storage", "Storage", "biobank_desktop.ui.pages.storage.page", "StoragePage", Permission.VIEW_SAMPLES,
             "Your role may not view the storage."),
    PageSpec("aliquoting", "Aliquoting", "biobank_desktop.ui.pages.aliquoting.page", "AliquotingPage",
             Permission.RECORD_SAMPLES, "Your role may not aliquot samples."),
    PageSpec("exchange", "Exchange", "biobank_desktop.ui.pages.exchange.page", "ExchangePage"),
    PageSpec("labels", "Labels", "biobank_desktop.ui.pages.labels.page", "LabelsPage", Permission.PRINT_LABELS,
             "Your role may not print labels."),
    PageSpec("audit", "Audit trail", "biobank_desktop.ui.pages.audit.page", "AuditPage", Permission.VIEW_AUDIT,
             "Your role may not view the audit trail."),
    PageSpec("users", "Users", "biobank_desktop.ui.pages.users.page", "UsersPage", Permission.MANAGE_USERS,
             "Only administrators manage user accounts."),
    PageSpec("settings", "Settings", "biobank_desktop.ui.pages.settings.page", "SettingsPage"),
)


class HealthIndicator(QWidget):
    """A dot and a sentence: green 'Connected', red 'Connection lost: reason' with Retry."""

    retry_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        self.dot = QLabel()
        self.dot.setFixedSize(16, 16)
        self.text = QLabel(self.tr("Connecting…"))
        self.text.setObjectName("healthText")
        self.retry = button(self.tr("Retry"), on_click=self.retry_clicked.emit)
        self.retry.setMinimumHeight(30)
        self.retry.hide()
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        layout.addWidget(self.retry)
        self.healthy: bool | None = None
        self._paint(WARN)

    def _paint(self, colour: str) -> None:
        self.dot.setStyleSheet(f"background: {colour}; border-radius: 8px; border: 1px solid #333;")

    def set_checking(self) -> None:
        if self.healthy is False:
            self.text.setText(self.tr("Reconnecting…"))
            self.retry.setEnabled(False)

    def set_healthy(self) -> None:
        self.healthy = True
        self._paint(OK)
        self.text.setText(self.tr("Connected"))
        self.text.setStyleSheet(f"color: {OK}; font-weight: 600;")
        self.setToolTip(self.tr("The database answered the last check."))
        self.retry.hide()

    def set_unhealthy(self, reason: str, prefix: str | None = None, details: str | None = None) -> None:
        """Red, with ``prefix`` ("Connection lost" unless told: "Stopped", "Read-only") and the reason; the
        tooltip says it in full (``details``)."""
        self.healthy = False
        self._paint(ERROR)
        self.text.setText(f"{prefix or self.tr('Connection lost')}: {reason}")
        self.text.setStyleSheet(f"color: {ERROR}; font-weight: 600;")
        self.setToolTip(details or reason)
        self.retry.setEnabled(True)
        self.retry.show()


class MainWindow(QMainWindow):
    logout_requested = Signal()
    database_change_requested = Signal(object, object)  # Settings, password: reconnect to another database
    closed = Signal()

    def __init__(self, session: UiSession) -> None:
        super().__init__()
        self.session = session
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("Biobank Desktop"))
        self.setMinimumSize(1024, 600)  # the content decides beyond that; a 1366x768 screen less its taskbar fits
        session.runner.parent_widget = self
        session.navigate = self
        self.pages: dict[str, Page] = {}
        self._last_seq: int | None = None
        self._ping_running = False
        self._poll_running = False
        self._label_printer: LabelPrinter | None = None
        self._scan_navigating = False  # a scan is opening a page: its answer stays
        self.database_gone_box: QMessageBox | None = None
        self._scanned_sample: str | None = None  # the sample the scan field's "✔" answer names

        # -- top bar: the scan field ------------------------------------------------------------------
        top = QFrame()
        top.setObjectName("topBar")
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(16, 10, 16, 10)
        top_layout.setSpacing(14)
        brand = label(self.tr("Biobank Desktop"), "title")
        brand.setMinimumWidth(190)
        self.scan = ScanField(self.tr("Scan a tube, or type an ID  (F2)"), sound=session.settings.scan_sound)
        self.logout_button = button(self.tr("Log out {user}").format(user=session.actor.username),
                                    on_click=self.logout_requested.emit)
        self.logout_button.setToolTip(f"{session.actor.display_name} ({session.actor.role.label})")
        top_layout.addWidget(brand)
        top_layout.addWidget(self.scan, 1)
        top_layout.addWidget(self.logout_button)

        # -- navigation + pages ------------------------------------------------------------------------
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(210)
        self.nav.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.stack = QStackedWidget()
        for spec in PAGES:
            if spec.permission is None or session.can(spec.permission):
                item = QListWidgetItem(spec.title)
                item.setData(Qt.ItemDataRole.UserRole, spec.key)
                self.nav.addItem(item)
        self.nav.currentItemChanged.connect(self._nav_changed)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(top)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        centre_layout.addLayout(row, 1)
        self.setCentralWidget(centre)

        # -- status bar ------------------------------------------------------------------------------
        info = session.services.system.info
        kind = self.tr("SQLite file") if info.backend == "sqlite" else "PostgreSQL"
        self.health = HealthIndicator()
        self.health.retry_clicked.connect(self.check_connection)
        self.database_label = label(f"{kind}: {info.description}")
        self.database_label.setObjectName("databaseLabel")
        self.database_label.setToolTip(info.url_without_password)
        self.who_label = label(self.tr("{name} ({role}) at {workstation}").format(
            name=session.actor.display_name, role=session.actor.role.label, workstation=session.actor.workstation))
        self.who_label.setObjectName("whoLabel")
        status = QStatusBar()
        status.setSizeGripEnabled(False)
        status.addWidget(self.health, 0)
        status.addWidget(self.database_label, 1)
        status.addPermanentWidget(self.who_label)
        self.setStatusBar(status)

        # -- wiring ------------------------------------------------------------------------------------
        self.scan.scanned.connect(self.lookup)
        for keys in (QKeySequence(Qt.Key.Key_F2), QKeySequence("Ctrl+L")):
            QShortcut(keys, self, self.scan.focus_for_scan, context=Qt.ShortcutContext.WindowShortcut)
        self.scan_bursts = ScanBurstFilter(self)  # a scanner's keys while the map (…) has the focus: not lost
        self.scan_bursts.burst.connect(self._scan_burst)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.scan_bursts)
        session.events.changed.connect(self._changed)
        session.events.settings_changed.connect(self._settings_changed)
        self.ping_timer = QTimer(self)
        self.ping_timer.setInterval(PING_MS)
        self.ping_timer.timeout.connect(self.check_connection)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll_changes)

    # -- life cycle ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Show Search, start the health and change timers."""
        self.open_page("search")
        self.ping_timer.start()
        self.poll_timer.start()
        self.check_connection()
        self.poll_changes()
        self.scan.focus_for_scan()

    def stop(self) -> None:
        self.ping_timer.stop()
        self.poll_timer.stop()

    def place_on_screen(self) -> None:
        """Show the window: maximised on the first run at this workstation, afterwards where and as large as
        it was left (also across logouts)."""
        stored = window_state().value(GEOMETRY_KEY)
        if stored and self.restoreGeometry(stored):
            self.show()
        else:
            self.showMaximized()

    def remember_geometry(self) -> None:
        state = window_state()
        state.setValue(GEOMETRY_KEY, self.saveGeometry())
        state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.remember_geometry()
        self.stop()
        super().closeEvent(event)
        self.closed.emit()

    # -- pages -------------------------------------------------------------------------------------

    def page(self, key: str) -> Page | None:
        """The page ``key`` if it has been built (tests use this)."""
        return self.pages.get(key)

    def current_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def open_page(self, key: str) -> Page | None:
        """Show page ``key``, building it the first time; None (and a message) when the role may not."""
        spec = next((s for s in PAGES if s.key == key), None)
        if spec is None:
            raise KeyError(key)
        if spec.permission is not None and not self.session.can(spec.permission):
            self.statusBar().showMessage(spec.refusal, 8000)
            return None
        page = self.pages.get(key)
        if page is None:
            module = importlib.import_module(spec.module)
            page = getattr(module, spec.cls)(self.session)
            assert page is not None
            self.pages[key] = page
            self.stack.addWidget(page)
            if key == "settings":
                page.database_change_requested.connect(self.database_change_requested)
        self._leaving(page)
        self.stack.setCurrentWidget(page)
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == key and self.nav.currentRow() != row:
                self.nav.blockSignals(True)
                self.nav.setCurrentRow(row)
                self.nav.blockSignals(False)
        page.page_shown()
        return page

    def _nav_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.open_page(current.data(Qt.ItemDataRole.UserRole))

    def _leaving(self, page: Page) -> None:
        """The technician goes to another page: the answers and messages of what they did before go."""
        previous = self.stack.currentWidget()
        if previous is page:
            return
        if isinstance(previous, Page):
            previous.banner.clear()
        if not self._scan_navigating:
            self.scan.clear_feedback()

    # -- the Navigator pages use (session.navigate) ----------------------------------------------------

    def show_page(self, name: str) -> bool:
        return self.open_page(name) is not None

    def focus_scan(self) -> None:
        self.scan.focus_for_scan()

    def open_sample(self, code: str) -> None:
        if code != self._scanned_sample and self.scan.state in ("ok", "info"):
            self.scan.show_feedback("", "")  # "✔ Sample …-A02" must not stay while A05 is shown
        self._scanned_sample = None
        page = self.open_page("sample")
        if page is not None:
            page.show_sample(code)  # type: ignore[attr-defined]

    def open_participant(self, pseudonym: str, study_code: str | None = None) -> None:
        criteria = SampleCriteria(participant=pseudonym, study_codes=(study_code,) if study_code else ())
        page = self.open_page("search")
        if page is not None:
            page.set_criteria(criteria)  # type: ignore[attr-defined]

    def open_box(self, code: str) -> None:
        """Show the storage page at box ``code`` (a barcode or a container id); the scan field says what opened."""
        page = self.open_page("storage")
        if page is not None:
            page.open_box(code, on_answer=self.scan.show_feedback)  # type: ignore[attr-defined]

    def aliquot_samples(self, codes: Sequence[str]) -> None:
        """Show the aliquoting page with ``codes`` as the parents of a batch."""
        page = self.open_page("aliquoting")
        if page is not None:
            page.take_parents(codes)  # type: ignore[attr-defined]

    def open_shipment(self, code: str) -> None:
        """Show the reception board of shipment ``code``."""
        page = self.open_page("reception")
        if page is not None:
            page.open_shipment(code)  # type: ignore[attr-defined]

    def import_manifest(self, partner: str | None = None) -> None:
        """The Exchange page's import, ready for a manifest (of ``partner``)."""
        page = self.open_page("exchange")
        if page is not None:
            page.start_manifest_import(partner)  # type: ignore[attr-defined]

    # -- printing labels from any page -----------------------------------------------------------------

    def print_labels(self, codes: Sequence[str], *, reason: str | None = None,
                     on_done: Callable[[PrintSummary], None] | None = None,
                     on_error: Callable[[BaseException], None] | None = None) -> None:
        """Print labels… for any page: queue the labels of ``codes`` (a reprint with ``reason``) and print them
        at once on the printer the print rules choose, on a worker with progress and Cancel. A printer problem
        ends in a message box with Retry; the labels stay in the queue (Labels → Print queue)."""
        self._printer().queue_and_print(codes, source="manual", reason=reason, on_done=on_done, on_error=on_error)

    def print_label_jobs(self, job_ids: Sequence[int], *, on_done: Callable[[PrintSummary], None] | None = None,
                         on_error: Callable[[BaseException], None] | None = None) -> None:
        """Print the labels of jobs already queued (what they have not printed yet), as :meth:`print_labels`."""
        self._printer().print_job_ids(job_ids, on_done=on_done, on_error=on_error)

    def _printer(self) -> LabelPrinter:
        if self._label_printer is None:
            from biobank_desktop.ui.operations.printing import LabelPrinter

            self._label_printer = LabelPrinter(self.session, self)
            self._label_printer.printed.connect(self._labels_printed)
        return self._label_printer

    def _labels_printed(self, outcome: PrintOutcome) -> None:
        # What the print run changed (jobs, labels); at least the print jobs moved.
        self.session.events.changed.emit(outcome.changes | Changes(entity_types=frozenset({LABEL_JOB})))

    # -- the scan field ----------------------------------------------------------------------------

    def lookup(self, text: str) -> None:
        """A scan (or typed code + Enter) in the global field: the current page's old message goes, then the
        code is looked up on a worker and answered (a sample opens, a box opens, a participant is listed)."""
        page = self.stack.currentWidget()
        if isinstance(page, Page):
            page.banner.clear()
        key = self.current_key()
        if key != "reception" and looks_like_shipment_code(text):  # a shipment's code opens its board anywhere
            self.scan.show_feedback("ok", self.tr("✔ Shipment {code}").format(code=text.strip().upper()))
            self.open_shipment(text.strip().upper())
            return
        if key in SCANNING_PAGES and key in self.pages:
            # On the storage page a scan opens the tube's box (or places it, when the page is filling a box); on
            # the reception page it goes to the board (or opens a shipment from the list); on the aliquoting page
            # it is the parent (or the box the children go to).
            self.pages[key].handle_scan(text, on_answer=self.scan.show_feedback)  # type: ignore[attr-defined]
            return
        queries = self.session.services.queries
        self.session.runner.call(lambda: queries.lookup(text), on_result=lambda r: self._scan_answered(r, text),
                                 on_error=self._scan_failed, owner=self)

    def _scan_burst(self, code: str) -> None:
        """A scanner typed ``code`` while no text field had the focus: the page's scan field takes it, or ours."""
        page = self.stack.currentWidget()
        field = page.scan_field() if isinstance(page, Page) else None
        (field or self.scan).submit(code)

    def _scan_answered(self, result: ScanResult, text: str = "") -> None:
        self._scan_navigating = True
        try:
            if result.kind == "sample":
                self.scan.show_feedback("ok", f"✔ {result.display}")
                self._scanned_sample = result.key
                self.open_sample(result.key)
            elif result.kind == "participant":
                study, _, pseudonym = result.key.partition("/")
                several = len(result.candidates) > 1
                where = (self.tr("in %n studies", "", len(result.candidates)) if several
                         else self.tr("in {study}").format(study=study))
                self.scan.show_feedback("ok", self.tr("✔ {who} ({where}): samples listed below").format(
                    who=result.display, where=where))
                self.open_participant(pseudonym, None if several else study)
            elif result.kind == "container":
                self.session.navigate.open_box(text or result.key)
            else:
                self.scan.show_feedback("error", f"✖ {result.display}")
        finally:
            self._scan_navigating = False

    def _scan_failed(self, exc: BaseException) -> None:
        message, hint = error_text(exc)
        self.scan.show_feedback("error", f"✖ {message}")
        if not isinstance(exc, BiobankError):
            self.session.runner.report(exc)
        elif hint:
            self.scan.set_hint(hint)

    # -- connection health and changes from elsewhere --------------------------------------------------

    def check_connection(self) -> None:
        if self._ping_running:
            return
        self._ping_running = True
        self.health.set_checking()
        system = self.session.services.system

        def healthy(_r: object) -> None:
            self._ping_running = False
            was = self.health.healthy
            self.health.set_healthy()
            self._resume_work()
            if was is False:
                self.session.events.connection_changed.emit(True, "")
                self.poll_changes()

        def unhealthy(exc: BaseException) -> None:
            self._ping_running = False
            reason = str(exc) if isinstance(exc, BiobankError) else f"{type(exc).__name__}: {exc}"
            was = self.health.healthy
            if isinstance(exc, DatabaseIdentityError):
                self.health.set_unhealthy(self.tr("the database file is gone or was replaced; nothing can be saved"),
                                          self.tr("Stopped"), reason)
                self._stop_work(exc)
            elif isinstance(exc, DatabaseReadOnlyError):
                self.health.set_unhealthy(self.tr("the database cannot be written ({0})").format(exc.why),
                                          self.tr("Read-only"), reason)
            else:
                self.health.set_unhealthy(reason)
            if was is not False:
                self.session.events.connection_changed.emit(False, reason)

        self.session.runner.call(system.ping, on_result=healthy, on_error=unhealthy, owner=self)

    def _stop_work(self, exc: DatabaseIdentityError) -> None:
        """The database file vanished or was replaced: no page may be used (writes are refused by the unit of
        work anyway) until Retry finds it back; say so once, in a box that cannot be missed."""
        if not self.stack.isEnabled():
            return
        self.stack.setEnabled(False)
        self.scan.setEnabled(False)
        box = QMessageBox(QMessageBox.Icon.Critical, self.tr("The database is gone"),
                          f"{exc.message}\n\n{exc.hint or ''}".strip(), QMessageBox.StandardButton.Ok, self)
        box.setObjectName("databaseGoneBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.database_gone_box = box
        box.open()

    def _resume_work(self) -> None:
        if not self.stack.isEnabled():
            self.stack.setEnabled(True)
            self.scan.setEnabled(True)

    def poll_changes(self) -> None:
        if self._poll_running or self.health.healthy is False:
            return
        self._poll_running = True
        audit, actor, since = self.session.services.audit, self.session.actor, self._last_seq

        def seen(changes: Changes) -> None:
            self._poll_running = False
            if self._last_seq is None or changes.last_audit_seq > self._last_seq:
                self._last_seq = changes.last_audit_seq
                if since is not None and changes:
                    self.session.events.changed.emit(changes)

        def failed(exc: BaseException) -> None:
            self._poll_running = False
            self.check_connection()  # the indicator says what is wrong; no dialog every few seconds

        work: Callable[[], Changes] = ((lambda: Changes(last_audit_seq=audit.last_seq())) if since is None
                                       else (lambda: audit.changes_since(actor, since)))
        self.session.runner.call(work, on_result=seen, on_error=failed, owner=self)

    def _changed(self, changes: Changes) -> None:
        """This window's own write, or the poll's news from elsewhere: each built page decides what concerns it.

        The poll's cursor (``_last_seq``) moves only with the poll, so another workstation's event written
        between two of this window's own is never skipped; a page may hear of its own change twice, and
        skips it by its sequence number where refreshing twice would be a nuisance (the sample page)."""
        for page in list(self.pages.values()):
            page.data_changed(changes)

    def _settings_changed(self) -> None:
        self.scan.sound = self.session.settings.scan_sound
