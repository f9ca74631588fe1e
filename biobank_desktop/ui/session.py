"""What every page works with: the services, who is logged in, the workstation settings, the job runner."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Permission, allows
from biobank_desktop.core.services import Services
from biobank_desktop.ui.background import JobRunner
from biobank_desktop.ui.navigation import Navigator, NoNavigation


class Events(QObject):
    """Application-wide notifications, past tense. Pages connect to what concerns them."""

    #: a :class:`~biobank_desktop.core.services.changes.Changes`: what this window's own write changed, or
    #: what other workstations changed (the main window's poll of the audit trail). Pages refresh only when
    #: ``changes.touches(...)`` the kinds of record they show.
    changed = Signal(object)
    settings_changed = Signal()  # this workstation's settings were saved (scan sound, printers, ...)
    connection_changed = Signal(bool, str)  # healthy?, reason when not


@dataclass
class UiSession:
    services: Services
    actor: Actor
    settings: Settings
    runner: JobRunner
    events: Events
    #: how a page asks the window to show something else (set by the main window)
    navigate: Navigator = field(default_factory=NoNavigation)

    def can(self, permission: Permission) -> bool:
        """The role allows it (the services check again; this only decides what to show)."""
        return allows(self.actor.role, permission)
