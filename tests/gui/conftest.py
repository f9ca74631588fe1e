"""GUI fixtures: real widgets, offscreen, over a fresh SQLite database (the ``sqlite_url`` fixture).

Every database call of the GUI runs on the JobRunner's workers; tests wait for results with
``qtbot.waitUntil``/``waitSignal``, never with sleep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

import biobank_desktop.ui  # noqa: F401  (applies the Qt binding work-around before any Qt call)
from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services, open_database
from biobank_desktop.core.services.demo import generate_demo
from biobank_desktop.ui.background import JobRunner, ProgressDialog
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.session import Events, UiSession
from tests.support.accounts import make_user

PASSWORD = "correct-horse-42"
WORKSTATION = "GUI-TEST-WS"
SYSTEM = Actor.system("gui-test-setup", WORKSTATION)


@pytest.fixture
def app_theme(qapp: object) -> Iterator[None]:
    """The application's own look (glove-sized fields, its fonts): layout faults only show with it."""
    from biobank_desktop.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style, palette, font, sheet = app.style().name(), app.palette(), app.font(), app.styleSheet()
    apply_theme(app)
    yield
    app.setStyleSheet(sheet)
    app.setPalette(palette)
    app.setFont(font)
    app.setStyle(style)


@pytest.fixture
def gui_services(sqlite_url: str) -> Iterator[Services]:
    services = build_services(open_database(sqlite_url), workstation=WORKSTATION)
    yield services
    services.close()


@pytest.fixture
def demo_services(gui_services: Services) -> Services:
    """The same database with a little demo data (a few hundred samples)."""
    generate_demo(gui_services.db, SYSTEM, samples=300)
    return gui_services


@pytest.fixture
def runner(qapp: object) -> Iterator[JobRunner]:
    jobs = JobRunner(None)
    jobs.progress_delay_ms = 100
    yield jobs
    assert jobs.shutdown(20_000), "a background job did not finish"


def add_account(services: Services, username: str, role: Role, *, must_change: bool = False) -> Actor:
    return make_user(services, username, role, must_change=must_change)


@pytest.fixture
def make_session(runner: JobRunner) -> Callable[[Services, Actor], UiSession]:
    def make(services: Services, actor: Actor) -> UiSession:
        return UiSession(services, actor, Settings(), runner, Events())

    return make


@pytest.fixture
def open_window(qtbot: object, make_session: Callable[[Services, Actor], UiSession]
                ) -> Iterator[Callable[[Services, Actor], MainWindow]]:
    """Build, show and start a main window for ``actor``; closed and its jobs drained afterwards."""
    windows: list[MainWindow] = []

    def make(services: Services, actor: Actor) -> MainWindow:
        window = MainWindow(make_session(services, actor))
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        window.resize(1366, 768)
        window.show()
        window.start()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.stop()


# -- reception: a manifest of five tubes, and the technician who receives it -------------------------------------


@pytest.fixture
def shipment(gui_services: Services, tmp_path: Path) -> str:
    from tests.gui.reception_support import make_shipment

    return make_shipment(gui_services, tmp_path)


@pytest.fixture
def tom(gui_services: Services) -> Actor:
    return add_account(gui_services, "tom", Role.TECHNICIAN)


# -- a write held on its worker, and cancelled meanwhile ----------------------------------------------------


@dataclass
class Held:
    """Calls of a held function wait on the worker until ``release`` is set; ``entered`` says one is waiting."""

    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch, runner: JobRunner) -> Iterator[Callable[[object, str], Held]]:
    """``hold(services.samples, "add_barcode")``: the call runs (and commits) only once released.

    Depends on ``runner`` so that it is torn down first: a held worker is always released before the
    runner waits for its workers.
    """
    helds: list[Held] = []

    def make(target: object, name: str) -> Held:
        held = Held()
        real = getattr(target, name)

        def held_call(*args: Any, **kwargs: Any) -> Any:
            held.entered.set()
            if not held.release.wait(30):
                raise TimeoutError(f"{name} was held and never released")
            return real(*args, **kwargs)

        monkeypatch.setattr(target, name, held_call)
        helds.append(held)
        return held

    yield make
    for held in helds:
        held.release.set()


def cancel_running_jobs(runner: JobRunner) -> int:
    """What logging out does first (``JobRunner.shutdown``): ask every running job to stop. Returns how many."""
    jobs = runner.active_jobs()
    for job in jobs:
        job.cancel()
    return len(jobs)


def visible_progress_dialog() -> ProgressDialog | None:
    return next((w for w in QApplication.allWidgets() if isinstance(w, ProgressDialog) and w.isVisible()), None)
