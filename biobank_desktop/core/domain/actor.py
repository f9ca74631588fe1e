"""Who is acting: handed to every service call, written into every audit event."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from biobank_desktop.core.domain.roles import Role


def this_workstation() -> str:
    return socket.gethostname() or "unknown-workstation"


@dataclass(frozen=True)
class Actor:
    """The logged-in user (or the system, for start-up and command-line maintenance).

    The services re-read the user's role and active flag from the database in every unit of work
    that changes data, so a deactivated or demoted user cannot act on a stale Actor.
    """

    user_id: int | None
    username: str
    display_name: str
    role: Role
    workstation: str
    must_change_password: bool = False  # a temporary password set by an administrator: change it first

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    @classmethod
    def system(cls, purpose: str = "system", workstation: str | None = None) -> Actor:
        return cls(None, purpose, "System", Role.ADMINISTRATOR, workstation or this_workstation())
