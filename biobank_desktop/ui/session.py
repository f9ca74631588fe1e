"""What every page works with: the services, who is logged in, the workstation settings, the job runner."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from biobank_desktop.config import Settings
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Permission, allows
from biobank_desktop.core.services import Services
from biobank_desktop.ui.background import JobRunner


class Events(QObject):
    """Application-wide notifications, past tense. Pages connect to what concerns them."""

    data_changed = Signal(int)  # the newest audit seq: someone (here or elsewhere) changed something
    sample_changed = Signal(str)  # a sample changed by this window
    connection_changed = Signal(bool, str)  # healthy?, reason when not


@dataclass
class UiSession:
    services: Services
    actor: Actor
    settings: Settings
    runner: JobRunner
    events: Events

    def can(self, permission: Permission) -> bool:
        """The role allows it (the services check again; this only decides what to show)."""
        return allows(self.actor.role, permission)
