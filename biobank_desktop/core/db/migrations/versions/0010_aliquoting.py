"""aliquoting: per-study aliquot protocols (versioned), aliquoting batches and their items, a 'voided' status

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

A protocol row is one version of a study's named protocol ("EDTA 9 mL → 6 × PL1 0.5 mL + …"); its definition
is JSON (core.domain.aliquot_plan.ProtocolDefinition). A batch is one aliquoting (one parent or a whole rack),
with who, when, which workstation and protocol version, and its void (who, when, why). An item is one child:
its parent, the volume it drew (> 0), the dead volume lost with it (the parent's first child carries it), how it was made, its place in the batch's placement order. A child
belongs to one batch only. Samples get the status 'voided' (children of a batch undone the same day: kept,
never deleted). Nothing existing changes meaning; downgrade refuses while voided samples exist.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from biobank_desktop.core.db.sqlite_triggers import sqlite_triggers_kept

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_OLD_STATUSES = ("('expected', 'available', 'reserved', 'in_transit', 'shipped', 'consumed', 'discarded', "
                 "'quarantined')")
_NEW_STATUSES = ("('expected', 'available', 'reserved', 'in_transit', 'shipped', 'consumed', 'discarded', "
                 "'quarantined', 'voided')")
_STEPS = "('aliquot', 'separation', 'second_spin', 'extraction', 'preparation')"


def upgrade() -> None:
    op.create_table(
        'aliquot_protocols',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('study_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('definition', sa.Text(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('version >= 1', name=op.f('ck_aliquot_protocols_version_positive')),
        sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_aliquot_protocols_study_id_studies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aliquot_protocols')),
        sa.UniqueConstraint('study_id', 'name', 'version', name=op.f('uq_aliquot_protocols_study_id_name_version')),
    )
    op.create_index(op.f('ix_aliquot_protocols_study_id'), 'aliquot_protocols', ['study_id'], unique=False)
    op.create_table(
        'aliquot_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('workstation', sa.String(length=100), nullable=False),
        sa.Column('protocol_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.Column('voided_by', sa.String(length=64), nullable=True),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('done', 'voided')", name=op.f('ck_aliquot_batches_status')),
        sa.CheckConstraint("(status = 'voided') = (voided_at IS NOT NULL)",
                           name=op.f('ck_aliquot_batches_void_recorded')),
        sa.CheckConstraint("status <> 'voided' OR (voided_by IS NOT NULL AND void_reason IS NOT NULL)",
                           name=op.f('ck_aliquot_batches_void_has_reason')),
        sa.ForeignKeyConstraint(['protocol_id'], ['aliquot_protocols.id'],
                                name=op.f('fk_aliquot_batches_protocol_id_aliquot_protocols')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aliquot_batches')),
    )
    op.create_index(op.f('ix_aliquot_batches_created_at'), 'aliquot_batches', ['created_at'], unique=False)
    op.create_index(op.f('ix_aliquot_batches_protocol_id'), 'aliquot_batches', ['protocol_id'], unique=False)
    op.create_table(
        'aliquot_batch_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('volume_drawn_ul', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('dead_volume_ul', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('step', sa.String(length=12), nullable=False),
        sa.CheckConstraint('volume_drawn_ul > 0', name=op.f('ck_aliquot_batch_items_drawn_positive')),
        sa.CheckConstraint('dead_volume_ul >= 0', name=op.f('ck_aliquot_batch_items_dead_volume_not_negative')),
        sa.CheckConstraint(f'step IN {_STEPS}', name=op.f('ck_aliquot_batch_items_step')),
        sa.CheckConstraint('parent_id <> child_id', name=op.f('ck_aliquot_batch_items_not_own_child')),
        sa.ForeignKeyConstraint(['batch_id'], ['aliquot_batches.id'],
                                name=op.f('fk_aliquot_batch_items_batch_id_aliquot_batches')),
        sa.ForeignKeyConstraint(['parent_id'], ['samples.id'], name=op.f('fk_aliquot_batch_items_parent_id_samples')),
        sa.ForeignKeyConstraint(['child_id'], ['samples.id'], name=op.f('fk_aliquot_batch_items_child_id_samples')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aliquot_batch_items')),
        sa.UniqueConstraint('child_id', name=op.f('uq_aliquot_batch_items_child_id')),
        sa.UniqueConstraint('batch_id', 'seq', name=op.f('uq_aliquot_batch_items_batch_id_seq')),
    )
    op.create_index(op.f('ix_aliquot_batch_items_batch_id'), 'aliquot_batch_items', ['batch_id'], unique=False)
    op.create_index(op.f('ix_aliquot_batch_items_parent_id'), 'aliquot_batch_items', ['parent_id'], unique=False)
    # On SQLite the batch rebuilds samples: its storage_tube triggers (0004) must come back with it.
    with sqlite_triggers_kept(op.get_bind(), 'samples'), op.batch_alter_table('samples') as batch_op:
        batch_op.drop_constraint(op.f('ck_samples_status'), type_='check')
        batch_op.create_check_constraint('status', f"status IN {_NEW_STATUSES}")


def downgrade() -> None:
    voided = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM samples WHERE status = 'voided'")).scalar()
    if voided:
        raise RuntimeError(f"{voided} sample(s) are 'voided', a status the older schema does not know: "
                           "restore a backup taken before the upgrade instead.")
    # On SQLite the batch rebuilds samples: its storage_tube triggers (0004) must come back with it.
    with sqlite_triggers_kept(op.get_bind(), 'samples'), op.batch_alter_table('samples') as batch_op:
        batch_op.drop_constraint(op.f('ck_samples_status'), type_='check')
        batch_op.create_check_constraint('status', f"status IN {_OLD_STATUSES}")
    op.drop_index(op.f('ix_aliquot_batch_items_parent_id'), table_name='aliquot_batch_items')
    op.drop_index(op.f('ix_aliquot_batch_items_batch_id'), table_name='aliquot_batch_items')
    op.drop_table('aliquot_batch_items')
    op.drop_index(op.f('ix_aliquot_batches_protocol_id'), table_name='aliquot_batches')
    op.drop_index(op.f('ix_aliquot_batches_created_at'), table_name='aliquot_batches')
    op.drop_table('aliquot_batches')
    op.drop_index(op.f('ix_aliquot_protocols_study_id'), table_name='aliquot_protocols')
    op.drop_table('aliquot_protocols')
