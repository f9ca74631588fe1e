"""audit events indexed by the samples they concern

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

An event about a print job (queued, printed, reprinted, cancelled, resolved) concerns the samples of
the job: ``audit_event_samples`` indexes them by sample code, so a sample's history and the audit search
by ID find them (see models/audit.py for why a link table). Append-only like the trail. Existing label
events are indexed from the sample codes their JSON already holds.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_MESSAGE = "the audit trail is append-only: events cannot be changed or deleted"


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, dict):
        return []
    found: list[str] = []
    for key in ("samples", "unconfirmed"):
        items = value.get(key)
        if isinstance(items, list):
            found.extend(str(code) for code in items if isinstance(code, str) and 0 < len(code) <= 40)
    return found


def upgrade() -> None:
    op.create_table(
        "audit_event_samples",
        sa.Column("sample_code", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["seq"], ["audit_events.seq"],
                                name=op.f("fk_audit_event_samples_seq_audit_events")),
        sa.PrimaryKeyConstraint("sample_code", "seq", name=op.f("pk_audit_event_samples")),
    )
    op.create_index(op.f("ix_audit_event_samples_seq"), "audit_event_samples", ["seq"], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT seq, before, after FROM audit_events WHERE entity_type = 'print_job'"))
    links = {(code, int(seq)) for seq, before, after in rows for code in _codes(before) + _codes(after)}
    if links:
        table = sa.table("audit_event_samples", sa.column("sample_code"), sa.column("seq"))
        op.bulk_insert(table, [{"sample_code": code, "seq": seq} for code, seq in sorted(links)])
    if bind.dialect.name == "postgresql":
        op.execute("""
            CREATE TRIGGER audit_event_samples_append_only BEFORE UPDATE OR DELETE ON audit_event_samples
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_event_samples_append_only_{verb.lower()} BEFORE {verb} ON audit_event_samples
                BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_samples_append_only ON audit_event_samples")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_samples_append_only_{verb}")
    op.drop_index(op.f("ix_audit_event_samples_seq"), table_name="audit_event_samples")
    op.drop_table("audit_event_samples")
