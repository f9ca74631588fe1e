"""The typed way a page asks the main window to show something else (``session.navigate``).

Pages never reach into the window (``getattr(self.window(), ...)``) nor import one another: they call
``self.session.navigate.open_sample(code)`` and the main window, which implements :class:`Navigator`, does
it. Outside a main window (a page built alone in a test) :class:`NoNavigation` answers and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol


class PrintSummary(Protocol):
    """What a page is told when labels it asked for have printed (or not)."""

    @property
    def error(self) -> BaseException | None: ...

    @property
    def complete(self) -> bool: ...

    def summary(self) -> str:
        """One sentence for the page's banner: what printed, what waits, what failed."""
        ...


class Navigator(Protocol):
    """What a page may ask of the window around it. A new destination adds a method here and in the window."""

    def show_page(self, name: str) -> bool:
        """Show the page ``name`` (``"search"``, ``"labels"``, ...); False when the role may not."""
        ...

    def open_sample(self, code: str) -> None:
        """Show the sample page for ``code`` (an internal ID)."""
        ...

    def open_box(self, code: str) -> None:
        """Show the storage container ``code`` (its barcode): what it is and where."""
        ...

    def open_participant(self, pseudonym: str, study_code: str | None = None) -> None:
        """List the samples of a participant (in one study, or in every study with that pseudonym)."""
        ...

    def aliquot_samples(self, codes: Sequence[str]) -> None:
        """Show the aliquoting page with ``codes`` (sample IDs, e.g. a selection in Search) as a batch of parents."""
        ...

    def open_shipment(self, code: str) -> None:
        """Show the reception board of shipment ``code``."""
        ...

    def import_manifest(self, partner: str | None = None) -> None:
        """Start importing a partner's manifest (the Exchange page's import, kind "manifest", ``partner`` chosen)."""
        ...

    def focus_scan(self) -> None:
        """Put the keyboard focus in the window's scan field (its text selected), ready for the next tube."""
        ...

    def print_labels(self, codes: Sequence[str], *, reason: str | None = None,
                     on_done: Callable[[PrintSummary], None] | None = None,
                     on_error: Callable[[BaseException], None] | None = None) -> None:
        """Queue the labels of ``codes`` (a reprint with ``reason``) and print them at once, on a worker.

        ``on_done`` receives the print outcome (``summary()``, ``error``, ``complete``)."""
        ...

    def print_label_jobs(self, job_ids: Sequence[int], *, on_done: Callable[[PrintSummary], None] | None = None,
                         on_error: Callable[[BaseException], None] | None = None) -> None:
        """Print label jobs a service queued already (aliquoting queues its children's labels in placement
        order), what they have not printed yet, on a worker; as :meth:`print_labels` otherwise."""
        ...


class NoNavigation:
    """The navigator of a page that is not inside a main window: every request is ignored."""

    def show_page(self, name: str) -> bool:
        return False

    def open_sample(self, code: str) -> None:
        pass

    def open_box(self, code: str) -> None:
        pass

    def open_participant(self, pseudonym: str, study_code: str | None = None) -> None:
        pass

    def aliquot_samples(self, codes: Sequence[str]) -> None:
        pass

    def open_shipment(self, code: str) -> None:
        pass

    def import_manifest(self, partner: str | None = None) -> None:
        pass

    def focus_scan(self) -> None:
        pass

    def print_labels(self, codes: Sequence[str], *, reason: str | None = None,
                     on_done: Callable[[PrintSummary], None] | None = None,
                     on_error: Callable[[BaseException], None] | None = None) -> None:
        pass

    def print_label_jobs(self, job_ids: Sequence[int], *, on_done: Callable[[PrintSummary], None] | None = None,
                         on_error: Callable[[BaseException], None] | None = None) -> None:
        pass
