"""GUI fixtures: real widgets, offscreen, over a fresh SQLite database (the ``sqlite_url`` fixture).

Every database call of the GUI runs on the JobRunner's workers; tests wait for results with
``qtbot.waitUntil``/``waitSignal``, never with sleep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import biobank_desktop.ui  # noqa: F401  (applies the Qt binding work-around before any Qt call)
from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services, build_services, open_database
from biobank_desktop.core.services.demo import generate_demo
from biobank_desktop.ui.background import JobRunner
from biobank_desktop.ui.main_window import MainWindow
from biobank_desktop.ui.session import Events, UiSession

PASSWORD = "correct-horse-42"
WORKSTATION = "GUI-TEST-WS"
SYSTEM = Actor.system("gui-test-setup", WORKSTATION)


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
    services.accounts.add_user(SYSTEM, username, f"{username.capitalize()} Tester", role, PASSWORD,
                               must_change_password=must_change)
    return services.accounts.authenticate(username, PASSWORD)


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
