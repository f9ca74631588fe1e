"""The composition root of the GUI: settings → database → services → login → main window.

Start-up as a small state machine driven by signals, so no step blocks the event loop and tests can
drive every dialog (``BiobankApp.start()`` returns at once; ``current_dialog`` is what waits for the
user; ``finished(exit_code)`` ends it):

1. load the settings and resolve the database URL (``--database``, ``$BIOBANK_DATABASE_URL``, the saved
   setting); a PostgreSQL password comes from the keyring or is asked;
2. open the database and bring its schema up to date on a worker (the service copies an SQLite file
   aside first);
3. a brand-new embedded SQLite database on a REAL first run of this workstation (its settings know no
   database yet, no backups folder beside the file) is filled with demonstration data, with a progress
   dialog; any other brand-new database asks for its first administrator. A database this workstation
   used before (recorded in its settings: identity, file, created here) that is now missing, empty or
   another database is never created nor filled: it ends in the error dialog, which names the newest
   backups (see :mod:`biobank_desktop.core.services.identity`);
4. the login dialog (listing the demo accounts when the database holds demo data), a forced password
   change when the account needs one;
5. the main window. Logging out returns to 4; switching the database returns to 2.

Every failure in 1–3 (not an SQLite file, a newer schema, the server unreachable, a wrong password)
ends in a dialog with Retry / Switch database / Quit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from biobank_desktop.config import ENV_DATABASE_URL, Settings, data_dir, get_password
from biobank_desktop.core.domain.errors import BiobankError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.ui.background import JobRunner
from biobank_desktop.ui.theme import apply_theme

if TYPE_CHECKING:
    from biobank_desktop.core.labels.printers import PrinterConfig
    from biobank_desktop.core.services import Services
    from biobank_desktop.core.services.identity import KnownDatabase
    from biobank_desktop.core.services.self_test import SelfTestContext
    from biobank_desktop.ui.dialogs.login import DemoAccount, LoginDialog, LoginResult
    from biobank_desktop.ui.main_window import MainWindow

log = logging.getLogger("biobank_desktop")

#: Rows of demonstration data put into a brand-new embedded database (primary tubes and their aliquots).
FIRST_RUN_DEMO_SAMPLES = 5000
EXIT_OK = 0
EXIT_STARTUP_FAILED = 1


@dataclass(frozen=True)
class Opened:
    """What step 2 found out, on the worker."""

    services: Services
    backup: str | None
    has_users: bool
    has_samples: bool
    demo: bool
    identity: KnownDatabase | None = None  # to record in this workstation's settings
    first_run: bool = False  # a real first run of this workstation: demonstration data may be added


def configured_printers(settings: Settings) -> Callable[[], list[PrinterConfig]]:
    """This workstation's printers as the services see them: read from ``settings`` at each call, so a
    printer added or changed in Settings → Printers applies at once."""

    def printers() -> list[PrinterConfig]:
        from biobank_desktop.core.domain.errors import ValidationError
        from biobank_desktop.core.labels.printers import PrinterConfig

        usable = []
        for raw in settings.printers:
            try:
                usable.append(PrinterConfig.from_dict(raw))
            except ValidationError:
                log.warning("skipping a malformed printer in the settings: %r", raw)  # shown in Settings → Printers
        return usable

    return printers


def open_services(url: str, workstation: str | None, progress: ProgressFn, _cancelled: CancelledFn,
                  printers: Callable[[], list[PrinterConfig]] | None = None, *,
                  known_record: dict[str, Any] | None = None, first_workstation_start: bool = False,
                  accept_other_identity: bool = False) -> Opened:
    """Open the database at ``url``, check it is the one this workstation used (``known_record``, from its
    settings), upgrade its schema, and look at what it holds. Worker thread.

    ``first_workstation_start``: this workstation's settings record no database at all. Only then may a new
    embedded database get demonstration data (and only when no backups folder lies beside it).
    ``accept_other_identity``: the user chose this database again knowingly (Switch database); a missing or
    empty file is still refused."""
    progress(-1.0, "Opening the database")
    from biobank_desktop.core.services import build_services, open_database
    from biobank_desktop.core.services.demo import is_demo_database
    from biobank_desktop.core.services.identity import (
        KnownDatabase,
        check_before_open,
        check_identity,
        ensure_identity,
    )
    from biobank_desktop.core.services.queries import SampleCriteria
    from biobank_desktop.core.services.self_test import require_writable_folder

    known = KnownDatabase.from_dict(known_record) if known_record else None
    path = sqlite_path(url)
    if path is not None:
        check_before_open(path, known)  # a known file that is missing or empty is never created
        require_writable_folder(path.parent, what="the folder of the database file")  # SQLite writes beside it
    db = open_database(url)
    try:
        is_empty = check_identity(db, None if accept_other_identity else known)
        services = build_services(db, workstation=workstation or None, printers=printers or list)
        progress(-1.0, "Checking the database schema (a copy of the file is kept before an upgrade)")
        backup = services.system.upgrade().value
        identity = replace(ensure_identity(db, services.workstation),
                           created_here=is_empty or bool(known and known.created_here))
        has_users = services.accounts.has_users()
        has_samples = services.queries.count(SampleCriteria(), cap=1)[0] > 0
        demo = is_demo_database(db)
    except BaseException:
        db.dispose()
        raise
    first_run = (first_workstation_start and is_empty and path is not None
                 and not (path.parent / "backups").exists())
    return Opened(services, backup, has_users, has_samples, demo, identity, first_run)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("sqlite"):
        return None
    target = safe_target(url)
    return Path(target) if target and target != ":memory:" else None


def database_key(url: str) -> str:
    """How this workstation's settings name a database: the SQLite file's absolute path, or user@host:port/db."""
    path = sqlite_path(url)
    return str(path.expanduser().absolute()) if path is not None else safe_target(url).split("?", 1)[0]


def demo_accounts() -> list[DemoAccount]:
    from biobank_desktop.core.services.demo import DEMO_ACCOUNTS
    from biobank_desktop.ui.dialogs.login import DemoAccount

    return [DemoAccount(username, password, role.label) for username, _display, role, password in DEMO_ACCOUNTS]


def safe_target(url: str) -> str:
    """A database URL as the user may see it: an SQLite path, or user@host:port/db without the password."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return parts.path[1:] if parts.path.startswith("//") else parts.path
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        netloc = f"{credentials.split(':', 1)[0]}@{host}"
    return f"{netloc}{parts.path}"


class BiobankApp(QObject):
    """The start-up state machine and the application's life (see the module docstring)."""

    finished = Signal(int)
    main_window_shown = Signal(object)
    dialog_shown = Signal(object)

    def __init__(self, qapp: QApplication, *, database_url: str | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.qapp = qapp
        self.explicit_url = database_url
        self.settings = settings
        self.password: str | None = None  # typed by the user for this run
        self.use_keyring = True  # False once the server refused the stored password
        self._open_token = 0  # results of an older open_database() (the user switched meanwhile) are dropped
        self.services: Services | None = None
        self.opened: Opened | None = None
        self.window: MainWindow | None = None
        self.current_dialog: QDialog | None = None
        self.runner = JobRunner(None)
        self.exit_code: int | None = None
        self._last_username = ""
        self._chosen_knowingly: str | None = None  # the database the user chose in Switch database
        self._settings_broken = False  # a settings file could not be read at start

    # -- 1 + 2: settings, database ----------------------------------------------------------------------

    def start(self) -> None:
        # --database, then $BIOBANK_DATABASE_URL (as config.resolve_database_url orders them), then the settings.
        self.explicit_url = self.explicit_url or os.environ.get(ENV_DATABASE_URL) or None
        if self.settings is None or self._settings_broken:
            try:
                self.settings = Settings.load()
                self._settings_broken = False
            except BiobankError as exc:
                self.settings = Settings()
                self._settings_broken = True  # Retry reads the files again (never goes on with the defaults)
                self._fail(exc)
                return
        self.open_database()

    def database_url(self) -> str | None:
        """The URL to open, or None when a PostgreSQL password must be asked first."""
        assert self.settings is not None
        if self.explicit_url:
            return self.explicit_url
        db = self.settings.database
        if db.backend == "postgresql":
            password = self.password if self.password is not None else get_password(db) if self.use_keyring else None
            if password is None:
                return None
            return db.url(password)
        return db.url()

    def describe_target(self) -> str:
        assert self.settings is not None
        if self.explicit_url:
            return safe_target(self.explicit_url)
        db = self.settings.database
        return str(db.sqlite_file()) if db.backend == "sqlite" else db.keyring_account()

    def open_database(self) -> None:
        """Step 2 on a worker. The login dialog shows at once meanwhile ("Connecting…"): the technician can
        type while the database opens, and a slow server is visible there, with Database… and Quit."""
        url = self.database_url()
        if url is None:
            self._ask_database_password()
            return
        assert self.settings is not None
        workstation = self.settings.workstation_name
        printers = configured_printers(self.settings)
        key = database_key(url)
        known_record = self.settings.known_databases.get(key)
        first_start = not self.settings.known_databases
        accept = key == self._chosen_knowingly
        self._open_token += 1
        token = self._open_token
        job = self.runner.start(lambda p, c: open_services(url, workstation, p, c, printers,
                                                           known_record=known_record,
                                                           first_workstation_start=first_start,
                                                           accept_other_identity=accept),
                                on_result=lambda opened: self._opened(token, opened, key),
                                on_error=lambda exc: self._open_failed(token, exc))
        login = self.show_login()
        job.progressed.connect(lambda _fraction, text: login.set_status(text) if self._current_is(login) else None)

    def _ask_database_password(self) -> None:
        from biobank_desktop.ui.dialogs.login import PasswordPromptDialog

        assert self.settings is not None
        dialog = PasswordPromptDialog(self.settings.database.keyring_account())

        def entered(password: str) -> None:
            self.password = password
            self.open_database()

        dialog.entered.connect(entered)
        dialog.rejected.connect(lambda: self._fail(BiobankError(
            "No database password was given.", hint="Retry and type it, switch to another database, or quit.")))
        self._show(dialog)

    def _open_failed(self, token: int, exc: BaseException) -> None:
        if token == self._open_token:
            self._fail(exc)

    def _opened(self, token: int, opened: Opened, key: str) -> None:
        if token != self._open_token or self.exit_code is not None:
            opened.services.close()  # the user switched to another database (or quit) meanwhile
            return
        self.opened = opened
        self.services = opened.services
        self._remember_database(key, opened)
        if opened.backup:
            log.info("Schema upgraded; the previous database file was copied to %s", opened.backup)
        # Import the main window ahead of need, on a worker (on the GUI thread it would freeze the login dialog
        # while the imports it shares with the core finish), overlapping the password check.
        self.runner.call(_preload_main_window)
        if opened.first_run and not opened.has_users and not opened.has_samples:
            self._dismiss_dialog()
            self.generate_demo()
        elif not opened.has_users:
            self._first_administrator()
        elif isinstance(self.current_dialog, _login_dialog_class()):
            self.current_dialog.connect_to(opened.services, self._database_text(), self._demo_accounts())
        # else: another dialog (Settings → Database) is open; the login dialog shown after it is connected

    def _remember_database(self, key: str, opened: Opened) -> None:
        """Record in this workstation's settings which database this is (identity, file, created here), so a
        later start notices when it went missing, was emptied or replaced. Saved at once to the settings file
        (only this entry changes there)."""
        assert self.settings is not None
        if opened.identity is None:
            return
        record = opened.identity.to_dict()
        self.settings.known_databases[key] = record
        try:
            on_disk = Settings.load() if Settings.path().exists() else Settings(database=self.settings.database)
            on_disk.known_databases[key] = record
            on_disk.save()
        except (OSError, BiobankError) as exc:
            log.warning("could not record the database's identity in the settings: %s", exc)

    # -- failures ---------------------------------------------------------------------------------------------

    def _fail(self, exc: BaseException) -> None:
        from biobank_desktop.ui.dialogs.startup import StartupErrorDialog

        if not isinstance(exc, BiobankError):
            log.error("Start-up failed: %s", "".join(traceback.format_exception(exc)))
        if isinstance(exc, BiobankError) and "password" in exc.message.lower():
            self.password, self.use_keyring = None, False  # a refused password is asked again on Retry
        self._close_services()
        dialog = StartupErrorDialog(exc, where=self.describe_target() if self.settings else "")
        dialog.chosen.connect(self._choice)
        self._show(dialog)

    def _choice(self, choice: str) -> None:
        if choice == "retry" and self._settings_broken:
            self.start()
        elif choice == "retry":
            self.open_database()
        elif choice == "switch":
            self.switch_database()
        else:
            self.quit(EXIT_STARTUP_FAILED)

    def switch_database(self, *, then_back: bool = False) -> None:
        """Settings → Database; saving reconnects (back to step 2), cancelling returns to where we were."""
        from biobank_desktop.ui.dialogs.database import DatabaseDialog

        assert self.settings is not None
        dialog = DatabaseDialog(self.settings, self.runner)

        def saved(settings: Settings, password: str | None) -> None:
            self.reconnect(settings, password)

        def cancelled() -> None:
            if then_back:
                self.show_login()
            else:
                self._fail(BiobankError("No other database was chosen.",
                                        hint="Retry the same database, switch to another one, or quit."))

        dialog.saved.connect(saved)
        dialog.rejected.connect(cancelled)
        self._show(dialog)

    def reconnect(self, settings: Settings, password: str | None) -> None:
        """Drop the current database (and window) and start again from step 2 with ``settings``."""
        self._close_window()
        self._close_services()
        self.settings = settings
        self.explicit_url = None  # the user chose: their choice beats --database and the environment
        self.password, self.use_keyring = password, True
        url = self.database_url()
        self._chosen_knowingly = database_key(url) if url else None  # another identity there is accepted
        self.open_database()

    # -- 3: first run -----------------------------------------------------------------------------------------

    def generate_demo(self) -> None:
        services = self.services
        assert services is not None

        def work(progress: ProgressFn, cancelled: CancelledFn) -> object:
            from biobank_desktop.core.domain.actor import Actor
            from biobank_desktop.core.services.demo import generate_demo

            actor = Actor.system("first-run-demo", services.workstation)
            return generate_demo(services.db, actor, samples=FIRST_RUN_DEMO_SAMPLES, progress=progress,
                                 cancelled=cancelled)

        def done(_report: object) -> None:
            assert self.opened is not None
            self.opened = Opened(services, self.opened.backup, True, True, True)
            self.show_login()

        def failed(exc: BaseException) -> None:
            # The database itself is fine: start without demo data (create the first administrator).
            box = QMessageBox(QMessageBox.Icon.Warning, "No demonstration data",
                              f"The demonstration data could not be created: {exc}", QMessageBox.StandardButton.Ok)
            box.setObjectName("demoFailedBox")
            box.finished.connect(lambda _r: self._first_administrator())
            self._show(box)

        self.runner.start(work, title="Preparing demonstration data for the first start", on_result=done,
                          on_error=failed, on_cancel=self._first_administrator, discard_if_cancelled=False)

    def _first_administrator(self) -> None:
        from biobank_desktop.ui.dialogs.login import FirstAdministratorDialog

        assert self.services is not None
        dialog = FirstAdministratorDialog(self.services, self.runner,
                                          database=self.services.system.info.description)

        def created(username: str) -> None:
            self._last_username = username
            self.show_login()

        dialog.created.connect(created)
        dialog.rejected.connect(lambda: self.quit(EXIT_OK))
        self._show(dialog)

    # -- 4: login ---------------------------------------------------------------------------------------------

    def show_login(self) -> LoginDialog:
        """The login dialog; "Connecting…" until the database is open (then it is connected by _opened)."""
        from biobank_desktop.ui.dialogs.login import LoginDialog

        self.runner.parent_widget = None
        # Only a just-created first administrator is filled in: after a logout the next person types their
        # own name (a shared bench: the last user's name must not invite the next one to log in as them).
        username, self._last_username = self._last_username, ""
        dialog = LoginDialog(self.services, self.runner, database=self._database_text(),
                             demo_accounts=self._demo_accounts(), username=username)
        dialog.logged_in.connect(self._logged_in)

        def closed(code: int) -> None:
            if code == LoginDialog.SWITCH_DATABASE:
                self.switch_database(then_back=True)
            elif code == QDialog.DialogCode.Rejected.value:
                self.quit(EXIT_OK)

        dialog.finished.connect(closed)
        self._show(dialog)
        return dialog

    def _database_text(self) -> str:
        if self.services is None:
            return self.describe_target() if self.settings is not None else ""
        info = self.services.system.info
        return f"{'SQLite file' if info.backend == 'sqlite' else 'PostgreSQL'} {info.description}"

    def _demo_accounts(self) -> list[DemoAccount]:
        return demo_accounts() if self.opened is not None and self.services is not None and self.opened.demo else []

    def _logged_in(self, result: LoginResult) -> None:
        if result.must_change_password:
            from biobank_desktop.ui.dialogs.login import ChangePasswordDialog

            assert self.services is not None
            dialog = ChangePasswordDialog(self.services, self.runner, result.actor,
                                          current_password=result.password, forced=True)
            dialog.changed.connect(lambda: self.show_main_window(result))
            dialog.rejected.connect(self.show_login)
            self._show(dialog)
        else:
            self.show_main_window(result)

    # -- 5: the main window -------------------------------------------------------------------------------

    def show_main_window(self, result: LoginResult) -> MainWindow:
        from biobank_desktop.ui.main_window import MainWindow
        from biobank_desktop.ui.session import Events, UiSession

        assert self.services is not None and self.settings is not None
        self.current_dialog = None
        session = UiSession(self.services, result.actor, self.settings, self.runner, Events())
        window = MainWindow(session)
        window.logout_requested.connect(self.logout)
        window.database_change_requested.connect(self.reconnect)
        window.closed.connect(self._window_closed)
        self.window = window
        window.place_on_screen()
        window.start()
        self.main_window_shown.emit(window)
        return window

    def logout(self) -> None:
        self._close_window()
        self.show_login()

    def _window_closed(self) -> None:
        if self.window is not None:  # closed by the user, not by logout/reconnect
            self.window = None
            self.quit(EXIT_OK)

    def _close_window(self) -> None:
        window, self.window = self.window, None
        if window is not None:
            window.stop()
            window.close()
            window.deleteLater()
        self.runner.parent_widget = None

    def _close_services(self) -> None:
        services, self.services = self.services, None
        if services is not None:
            self.runner.shutdown()
            services.close()

    # -- plumbing -------------------------------------------------------------------------------------------

    def _current_is(self, dialog: QDialog) -> bool:
        return self.current_dialog is dialog and shiboken6.isValid(dialog)

    def _dismiss_dialog(self) -> None:
        old, self.current_dialog = self.current_dialog, None
        if old is not None and shiboken6.isValid(old):
            old.hide()
            old.deleteLater()

    def _show(self, dialog: QDialog) -> None:
        old, self.current_dialog = self.current_dialog, dialog
        if old is not None and old is not dialog and shiboken6.isValid(old):
            old.hide()
            old.deleteLater()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.dialog_shown.emit(dialog)

    def quit(self, code: int) -> None:
        if self.exit_code is not None:
            return
        self.exit_code = code
        self._dismiss_dialog()  # an application-modal error dialog must not outlive the application's life
        self._close_window()
        self._close_services()
        self.runner.shutdown()
        self.finished.emit(code)  # main() ends its event loop on this


def _login_dialog_class() -> type[LoginDialog]:
    from biobank_desktop.ui.dialogs.login import LoginDialog

    return LoginDialog


def _import_core() -> None:
    import biobank_desktop.core.services  # noqa: F401


def _preload_main_window() -> None:
    """Import the main window and the Search page ahead of need (on the worker, while the user types)."""
    import biobank_desktop.ui.main_window
    import biobank_desktop.ui.pages.search.page  # noqa: F401


# -- process set-up -------------------------------------------------------------------------------------------


def _setup_logging() -> None:
    root = logging.getLogger()
    if root.handlers:
        return
    root.setLevel(logging.INFO)
    stream = logging.StreamHandler()
    stream.setLevel(logging.WARNING)
    root.addHandler(stream)
    try:
        folder = data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(folder / "biobank-desktop.log", maxBytes=2_000_000,
                                                       backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    except OSError:
        pass  # a read-only data folder must not stop the application


def set_window_icon(qapp: QApplication) -> None:
    """The application's mark (resources/icons/biobank-desktop.svg) on every window and in the task bar."""
    from PySide6.QtGui import QIcon

    from biobank_desktop.core.resources import resource_path

    try:
        qapp.setWindowIcon(QIcon(str(resource_path("icons", "biobank-desktop.svg"))))
    except FileNotFoundError as exc:
        log.warning("%s", exc)  # an incomplete installation still starts; the self-test names the file


def _install_excepthook() -> None:
    """A bug in a slot shows 'Unexpected error' with details and is logged; the window stays usable."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        details = "".join(traceback.format_exception(kind, exc, tb))
        log.error("Unhandled exception: %s", details)
        if QApplication.instance() is not None:
            from biobank_desktop.ui.background import show_error

            show_error(QApplication.activeWindow(), exc, details)

    sys.excepthook = hook


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="biobank-desktop-gui", description="Biobank Desktop")
    parser.add_argument("--database", metavar="URL", help="database URL for this run "
                        "(e.g. sqlite+pysqlite:////path/biobank.sqlite); overrides the settings")
    parser.add_argument("--self-test", action="store_true", help="check this installation and this workstation's "
                        "set-up, print what was checked, exit 0 when all passed")
    return parser.parse_known_args(list(argv))


def self_test_window(ctx: SelfTestContext) -> str:
    """The self-test's window check, for the command line's ``--self-test`` (which must not import the UI)."""
    from biobank_desktop.ui.self_test import open_main_window

    return open_main_window(ctx)


def self_test(database_url: str | None = None) -> int:
    """``--self-test``: the checks of :mod:`biobank_desktop.core.services.self_test` plus the main window
    (offscreen without a display). A windowed executable without a console (Windows) shows the result in a
    message box instead of printing it."""
    import io

    from biobank_desktop import __version__
    from biobank_desktop.core.services.self_test import run_self_test
    from biobank_desktop.ui.self_test import WINDOW_CHECK

    if sys.stdout is not None and sys.stderr is not None:
        return run_self_test(sys.stdout, sys.stderr, window=WINDOW_CHECK, database_url=database_url,
                             version=__version__)
    report = io.StringIO()
    code = run_self_test(report, report, window=WINDOW_CHECK, database_url=database_url, version=__version__)
    _qapp = QApplication.instance() or QApplication([sys.argv[0]])  # kept while the box shows
    QMessageBox(QMessageBox.Icon.Information if code == 0 else QMessageBox.Icon.Critical, "Biobank Desktop self-test",
                report.getvalue()).exec()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Start the GUI; returns the exit code (0: closed normally, 1: start-up failed and the user quit)."""
    args, qt_args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        return self_test(args.database)
    # The core (SQLAlchemy, Alembic, argon2) takes longer to import than the GUI takes to appear: start it now,
    # beside the main thread, so that the login dialog shows while it loads.
    threading.Thread(target=_import_core, name="import-core", daemon=True).start()
    _setup_logging()
    existing = QApplication.instance()
    qapp: Any = existing if existing is not None else QApplication([sys.argv[0], *qt_args])
    qapp.setApplicationName("Biobank Desktop")
    qapp.setOrganizationName("Biobank Desktop")
    qapp.setQuitOnLastWindowClosed(False)  # between dialogs there is a moment without a window
    apply_theme(qapp)
    set_window_icon(qapp)
    _install_excepthook()
    app = BiobankApp(qapp, database_url=args.database)
    # Only the loop main() runs is ended: QCoreApplication.exit() outside exec() would make every later
    # event loop of the process return at once (Qt keeps "quitNow" set until the next exec()).
    app.finished.connect(qapp.exit)
    QTimer.singleShot(0, app.start)
    code = qapp.exec()
    return int(app.exit_code if app.exit_code is not None else code)
