"""labelling: templates, print rules, print queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('label_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_label_templates')),
    sa.UniqueConstraint('name', name=op.f('uq_label_templates_name'))
    )
    op.create_table('print_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('workstation', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('template_name', sa.String(length=100), nullable=False),
    sa.Column('printer_name', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('is_reprint', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('printed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'printing', 'printed', 'partial', 'failed', 'cancelled')", name=op.f('ck_print_jobs_status')),
    sa.CheckConstraint('NOT is_reprint OR reason IS NOT NULL', name=op.f('ck_print_jobs_reprint_has_reason')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_jobs'))
    )
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_jobs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_jobs_workstation'), ['workstation'], unique=False)

    op.create_table('print_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_code', sa.String(length=20), nullable=True),
    sa.Column('sample_type', sa.String(length=3), nullable=True),
    sa.Column('workstation', sa.String(length=100), nullable=True),
    sa.Column('template_name', sa.String(length=100), nullable=False),
    sa.Column('printer_name', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_rules'))
    )
    op.create_table('print_job_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'sent', 'failed', 'skipped')", name=op.f('ck_print_job_items_status')),
    sa.ForeignKeyConstraint(['job_id'], ['print_jobs.id'], name=op.f('fk_print_job_items_job_id_print_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_print_job_items_sample_id_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job_items')),
    sa.UniqueConstraint('job_id', 'position', name=op.f('uq_print_job_items_job_id_position'))
    )
    with op.batch_alter_table('print_job_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_job_items_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_job_items_sample_id'), ['sample_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('print_job_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_job_items_sample_id'))
        batch_op.drop_index(batch_op.f('ix_print_job_items_job_id'))

    op.drop_table('print_job_items')
    op.drop_table('print_rules')
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_jobs_workstation'))
        batch_op.drop_index(batch_op.f('ix_print_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_print_jobs_created_at'))

    op.drop_table('print_jobs')
    op.drop_table('label_templates')
