"""print claims: who prints a job, the heartbeat of the print, what the printer confirmed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

A job being printed carries the claim of the workstation printing it (a random token), the time
of the last label the printer confirmed (the heartbeat: a claim whose heartbeat is older than the
expiry is stale and can be taken over), how many of the claimed labels the printer confirmed so
far, and how many past those may be in the printer unconfirmed (the window). A stale claim is
resolved from these: confirmed labels ``sent``, the window ``failed`` (may have printed), the rest
back in the queue. Nothing is derived from them for finished jobs.

Numbered 0006 to follow the storage (0004) and spreadsheet exchange (0005) migrations written at the
same time; on a branch without them it revises 0003 — when they are merged, set ``down_revision``
to '0005'.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claim_confirmed', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('claim_window', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_column('claim_window')
        batch_op.drop_column('claim_confirmed')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claim_token')
