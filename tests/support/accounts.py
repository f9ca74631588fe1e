"""Making test accounts the way the application does: the first through set-up, the others by an administrator.

The services refuse the system actor once a database has accounts, so a test cannot add users as "the system".
"""

from __future__ import annotations

import sqlalchemy as sa

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services

PASSWORD = "correct-horse-42"


def administrator(services: Services) -> Actor | None:
    """An Actor for the oldest active administrator (the services check it against the database), or None."""
    with services.db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT id, username, display_name FROM users WHERE role = 'administrator' "
                                   "AND active = :yes ORDER BY id LIMIT 1"), {"yes": True}).first()
    if row is None:
        return None
    return Actor(int(row[0]), str(row[1]), str(row[2]), Role.ADMINISTRATOR, services.workstation)


def make_user(services: Services, username: str, role: Role, *, must_change: bool = False,
              display_name: str | None = None) -> Actor:
    """Add an account with :data:`PASSWORD` and log it in. On a database without an administrator the first
    administrator is made through set-up (a hidden ``root`` one when the account asked for is not one)."""
    name = display_name or f"{username.capitalize()} Tester"
    admin = administrator(services)
    if admin is None and role is Role.ADMINISTRATOR and not must_change:
        services.accounts.create_first_administrator(username, name, PASSWORD)
        return services.accounts.authenticate(username, PASSWORD)
    if admin is None:
        services.accounts.create_first_administrator("root", "Root Administrator", PASSWORD)
        admin = administrator(services)
        assert admin is not None
    services.accounts.add_user(admin, username, name, role, PASSWORD, must_change_password=must_change)
    return services.accounts.authenticate(username, PASSWORD)
