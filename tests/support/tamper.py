"""What a determined person with the database owner's rights can do behind the application's back."""

from __future__ import annotations

import sqlalchemy as sa


def tamper_with_audit(url: str, sql: str) -> None:
    """Drop the append-only guard of ``audit_events``, then run ``sql`` on it."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            else:
                conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_events_append_only_update"))
                conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_events_append_only_delete"))
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()
