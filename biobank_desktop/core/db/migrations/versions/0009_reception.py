"""reception: arrival conditions on shipments, tube receipts, files kept with shipments, tissue on manifests

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Shipments get the courier's slip (sender, courier, tracking number, shipped at), the parcel's condition on
arrival (transport temperature class, dry ice left, logger or probe temperature, packaging), who received
and closed them and why. Every tube scanned into a shipment gets a receipt row; unique constraints make a
double receipt impossible even between two workstations: a barcode once per shipment, a listed tube once,
a sample from one receipt. Files are stored in the database (a shared PostgreSQL shows them everywhere),
at most 20 MB each. Expected tubes carry the solid-tissue inputs a manifest may give.
Existing shipments keep their status; their new columns are empty (unknown).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_TISSUE = (('collection_type', 3), ('warm_ischemia', 8), ('cold_ischemia', 8), ('fixation', 3),
           ('fixation_time', 8))
# The manifest's processing temperatures (SPREC's RT / COLD / BODY classes, as on samples).
_PROCESSING = (('pre_centrifugation_temp', 8), ('post_centrifugation_temp', 8))
_CONDITIONS = ("'OK', 'HAEMOLYSED', 'LIPAEMIC', 'ICTERIC', 'CLOTTED', 'LEAKING', 'BROKEN', 'THAWED', "
               "'LOW_VOLUME', 'UNLABELLED', 'WRONG_TUBE'")


def upgrade() -> None:
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('courier', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('tracking_number', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('shipped_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('received_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('transport_temperature', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('dry_ice_left', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('temperature_c', sa.Numeric(precision=5, scale=1), nullable=True))
        batch_op.add_column(sa.Column('packaging', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sa.Text(), nullable=True))
    # A shipment closed before this version has no closing record: give it one the new rule accepts.
    op.execute("UPDATE shipments SET closed_at = created_at, closed_by = created_by WHERE status = 'closed'")
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.alter_column('sender', server_default=None)
        batch_op.alter_column('courier', server_default=None)
        batch_op.alter_column('tracking_number', server_default=None)
        batch_op.create_check_constraint(
            'transport_temperature',
            "transport_temperature IS NULL OR transport_temperature IN ('ambient', 'cold', 'dry_ice', 'ln2')")
        batch_op.create_check_constraint('dry_ice_left', "dry_ice_left IS NULL OR dry_ice_left IN ('yes', 'no', 'na')")
        batch_op.create_check_constraint('packaging', "packaging IS NULL OR packaging IN ('intact', 'damaged')")
        batch_op.create_check_constraint('temperature_range',
                                         'temperature_c IS NULL OR (temperature_c >= -200 AND temperature_c <= 60)')
        batch_op.create_check_constraint('closed_fields',
                                         "(status = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL)")
    with op.batch_alter_table('expected_tubes', schema=None) as batch_op:
        for name, length in (*_TISSUE, *_PROCESSING):
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))

    op.create_table('tube_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('expected_tube_id', sa.Integer(), nullable=True),
    sa.Column('barcode', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('volume_ul', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('stop', sa.String(length=8), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('scanned_by', sa.String(length=64), nullable=False),
    sa.Column('scanned_at', sa.DateTime(), nullable=False),
    sa.Column('workstation', sa.String(length=100), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("outcome IN ('expected', 'unexpected', 'unlabelled')", name=op.f('ck_tube_receipts_outcome')),
    sa.CheckConstraint("decision IN ('pending', 'accepted', 'quarantined', 'rejected')",
                       name=op.f('ck_tube_receipts_decision')),
    sa.CheckConstraint(f"condition IN ({_CONDITIONS})", name=op.f('ck_tube_receipts_condition')),
    sa.CheckConstraint("stop IS NULL OR stop IN ('consent', 'time', 'data')", name=op.f('ck_tube_receipts_stop')),
    sa.CheckConstraint("(barcode IS NULL) = (outcome = 'unlabelled')",
                       name=op.f('ck_tube_receipts_barcode_or_unlabelled')),
    sa.CheckConstraint("(outcome = 'expected') = (expected_tube_id IS NOT NULL)",
                       name=op.f('ck_tube_receipts_listed_tube')),
    sa.CheckConstraint("(decision IN ('accepted', 'quarantined')) = (sample_id IS NOT NULL)",
                       name=op.f('ck_tube_receipts_sample_when_accepted')),
    sa.CheckConstraint("decision <> 'rejected' OR decision_reason IS NOT NULL",
                       name=op.f('ck_tube_receipts_rejection_reason')),
    sa.CheckConstraint('volume_ul IS NULL OR volume_ul >= 0', name=op.f('ck_tube_receipts_volume_not_negative')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_tube_receipts_shipment_id_shipments'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expected_tube_id'], ['expected_tubes.id'],
                            name=op.f('fk_tube_receipts_expected_tube_id_expected_tubes')),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_tube_receipts_sample_id_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tube_receipts')),
    sa.UniqueConstraint('shipment_id', 'barcode', name=op.f('uq_tube_receipts_shipment_id_barcode')),
    sa.UniqueConstraint('expected_tube_id', name=op.f('uq_tube_receipts_expected_tube_id')),
    sa.UniqueConstraint('sample_id', name=op.f('uq_tube_receipts_sample_id')),
    )
    with op.batch_alter_table('tube_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_tube_receipts_shipment_id_id', ['shipment_id', 'id'], unique=False)

    op.create_table('shipment_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size_bytes > 0 AND size_bytes <= 20971520', name=op.f('ck_shipment_attachments_size')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'],
                            name=op.f('fk_shipment_attachments_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_attachments')),
    sa.UniqueConstraint('shipment_id', 'sha256', name=op.f('uq_shipment_attachments_shipment_id_sha256')),
    )
    with op.batch_alter_table('shipment_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_attachments_shipment_id'), ['shipment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shipment_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_attachments_shipment_id'))
    op.drop_table('shipment_attachments')
    with op.batch_alter_table('tube_receipts', schema=None) as batch_op:
        batch_op.drop_index('ix_tube_receipts_shipment_id_id')
    op.drop_table('tube_receipts')
    with op.batch_alter_table('expected_tubes', schema=None) as batch_op:
        for name, _ in reversed((*_TISSUE, *_PROCESSING)):
            batch_op.drop_column(name)
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        for name in ('closed_fields', 'temperature_range', 'packaging', 'dry_ice_left', 'transport_temperature'):
            batch_op.drop_constraint(op.f(f'ck_shipments_{name}'), type_='check')
        for name in ('close_reason', 'closed_by', 'closed_at', 'packaging', 'temperature_c', 'dry_ice_left',
                     'transport_temperature', 'received_by', 'received_at', 'shipped_at', 'tracking_number',
                     'courier', 'sender'):
            batch_op.drop_column(name)
