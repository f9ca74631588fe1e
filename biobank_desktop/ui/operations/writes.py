"""Run a service write on the worker: never discard its result, announce what it changed, show errors.

Every button that changes data goes through :func:`run_write`::

    run_write(self, lambda: services.samples.add_barcode(actor, code, value),
              on_done=lambda _changes: self.barcode_input.clear(),
              done_message=self.tr("Barcode added."))

- the write runs on the session's worker; a Cancel (or a logout) meanwhile never drops it: a write cannot stop
  halfway, so what it committed is always reported (``discard_if_cancelled=False``);
- on success ``on_done(result)`` runs first (the page updates itself: select the new row, clear a field),
  then ``done_message`` appears in the page's banner, then the :class:`Changes` the service returned (itself,
  or a :class:`Result`'s ``changes``) is emitted on ``session.events.changed`` so every page it concerns
  refreshes (the main window's poll announces the same to other workstations);
- on failure ``on_error(exc)`` if given, else the page's banner (``page.show_error``: a technician's message in
  the banner, anything unexpected in a dialog).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject

from biobank_desktop.core.services.changes import Changes, Result
from biobank_desktop.ui.background import Job
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import Banner

T = TypeVar("T")


class WritingPage(Protocol):
    """What :func:`run_write` needs of the page that starts a write (every ``Page`` has it)."""

    session: UiSession
    banner: Banner

    def show_error(self, exc: BaseException, action: str | None = None) -> None: ...


def changes_of(result: object) -> Changes | None:
    """The Changes a service's answer carries: the answer itself, a Result's ``changes``, or None."""
    if isinstance(result, Changes):
        return result
    if isinstance(result, Result):
        return result.changes
    return None


def run_write(page: WritingPage, work: Callable[[], T], *, on_done: Callable[[T], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None, done_message: str | None = None,
              title: str | None = None, owner: QObject | None = None) -> Job:
    """Run ``work`` (one service write) on the worker; see the module docstring.

    ``title``: show a progress dialog (after the usual delay) with that title. ``owner``: the widget whose
    deletion means nobody is left to tell (default: ``page`` itself).
    """
    session = page.session
    if owner is None and isinstance(page, QObject):
        owner = page

    def alive() -> bool:
        return owner is None or shiboken6.isValid(owner)

    def succeeded(result: Any) -> None:
        if alive():
            if on_done is not None:
                on_done(result)
            if done_message:
                page.banner.show_message(done_message, "ok")
        changes = changes_of(result)
        if changes:  # announced even when the page is gone: the other pages still show the old state
            session.events.changed.emit(changes)

    def failed(exc: BaseException) -> None:
        if not alive():
            return
        if on_error is not None:
            on_error(exc)
        else:
            page.show_error(exc)

    return session.runner.call(work, on_result=succeeded, on_error=failed, title=title,
                               discard_if_cancelled=False)
