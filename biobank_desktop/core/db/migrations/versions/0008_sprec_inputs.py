"""sprec inputs: the end of centrifugation, solid-tissue pre-analytics, a study's own sample ID prefix

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

SPREC times the post-centrifugation delay from the END of the last centrifugation; until now only its
start was stored. Solid tissue (the cancer cohorts' tumour and normal tissue) gets its SPREC inputs:
type of collection, warm and cold ischaemia, fixation type and time (times as whole minutes or the
element's non-time code). A study may carry its own sample ID prefix (LUNG-2026-000123K).
Existing rows keep NULL: unknown, which derivation reads as 'X' — never a guess.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from biobank_desktop.core.db.sqlite_triggers import sqlite_triggers_kept

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_TISSUE = (('collection_type', 3), ('warm_ischemia', 8), ('cold_ischemia', 8), ('fixation', 3),
           ('fixation_time', 8))


def upgrade() -> None:
    # On SQLite a batch that rebuilds samples must bring back its storage_tube triggers (0004).
    with sqlite_triggers_kept(op.get_bind(), 'samples'), \
            op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('centrifugation_ended_at', sa.DateTime(), nullable=True))
        for name, length in _TISSUE:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table('studies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sample_id_prefix', sa.String(length=5), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_studies_sample_id_prefix'), ['sample_id_prefix'])


def downgrade() -> None:
    with op.batch_alter_table('studies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_studies_sample_id_prefix'), type_='unique')
        batch_op.drop_column('sample_id_prefix')
    # On SQLite a batch that rebuilds samples must bring back its storage_tube triggers (0004).
    with sqlite_triggers_kept(op.get_bind(), 'samples'), \
            op.batch_alter_table('samples', schema=None) as batch_op:
        for name, _ in reversed(_TISSUE):
            batch_op.drop_column(name)
        batch_op.drop_column('centrifugation_ended_at')
