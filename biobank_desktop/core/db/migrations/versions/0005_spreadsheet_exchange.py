"""spreadsheet exchange: saved mappings per partner site, import records, shipments of expected tubes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

A file's SHA-256 is unique among imports and among shipments' manifests, so the same file is never
imported twice, even by two workstations at once. Reception (issue 11) extends shipments and
expected_tubes in its own migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_site_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('manifest', 'inventory')", name=op.f('ck_saved_mappings_kind')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_saved_mappings_version_positive')),
    sa.ForeignKeyConstraint(['partner_site_id'], ['partner_sites.id'], name=op.f('fk_saved_mappings_partner_site_id_partner_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_mappings')),
    sa.UniqueConstraint('partner_site_id', 'kind', 'name', 'version', name=op.f('uq_saved_mappings_partner_site_id_kind_name_version'))
    )
    with op.batch_alter_table('saved_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_mappings_partner_site_id'), ['partner_site_id'], unique=False)

    op.create_table('import_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('sheet', sa.String(length=100), nullable=False),
    sa.Column('partner_site_id', sa.Integer(), nullable=True),
    sa.Column('mapping_id', sa.Integer(), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_valid', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('valid_rows_only', sa.Boolean(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('workstation', sa.String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('manifest', 'inventory')", name=op.f('ck_import_records_kind')),
    sa.CheckConstraint('rows_imported >= 0 AND rows_imported <= rows_read', name=op.f('ck_import_records_counts')),
    sa.ForeignKeyConstraint(['mapping_id'], ['saved_mappings.id'], name=op.f('fk_import_records_mapping_id_saved_mappings')),
    sa.ForeignKeyConstraint(['partner_site_id'], ['partner_sites.id'], name=op.f('fk_import_records_partner_site_id_partner_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_records')),
    sa.UniqueConstraint('sha256', name=op.f('uq_import_records_sha256'))
    )
    with op.batch_alter_table('import_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_records_imported_at'), ['imported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_records_partner_site_id'), ['partner_site_id'], unique=False)

    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('partner_site_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('manifest_file', sa.String(length=255), nullable=True),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('mapping_id', sa.Integer(), nullable=True),
    sa.Column('expected_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('expected', 'receiving', 'closed', 'cancelled')", name=op.f('ck_shipments_status')),
    sa.ForeignKeyConstraint(['import_id'], ['import_records.id'], name=op.f('fk_shipments_import_id_import_records')),
    sa.ForeignKeyConstraint(['mapping_id'], ['saved_mappings.id'], name=op.f('fk_shipments_mapping_id_saved_mappings')),
    sa.ForeignKeyConstraint(['partner_site_id'], ['partner_sites.id'], name=op.f('fk_shipments_partner_site_id_partner_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('code', name=op.f('uq_shipments_code')),
    sa.UniqueConstraint('manifest_sha256', name=op.f('uq_shipments_manifest_sha256'))
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipments_partner_site_id'), ['partner_site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipments_status'), ['status'], unique=False)

    op.create_table('expected_tubes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('clinic_barcode', sa.String(length=64), nullable=False),
    sa.Column('pseudonym', sa.String(length=40), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('visit', sa.String(length=40), nullable=True),
    sa.Column('sample_type', sa.String(length=3), nullable=False),
    sa.Column('primary_container', sa.String(length=3), nullable=True),
    sa.Column('volume_ul', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('collected_at', sa.DateTime(), nullable=True),
    sa.Column('clinic_received_at', sa.DateTime(), nullable=True),
    sa.Column('centrifugation_started_at', sa.DateTime(), nullable=True),
    sa.Column('centrifugation_ended_at', sa.DateTime(), nullable=True),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.Column('consent_confirmed', sa.Boolean(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.CheckConstraint('centrifugation_ended_at IS NULL OR centrifugation_started_at IS NULL OR centrifugation_ended_at >= centrifugation_started_at', name=op.f('ck_expected_tubes_centrifugation_order')),
    sa.CheckConstraint('volume_ul IS NULL OR volume_ul > 0', name=op.f('ck_expected_tubes_volume_positive')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_expected_tubes_shipment_id_shipments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_expected_tubes_study_id_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expected_tubes')),
    sa.UniqueConstraint('shipment_id', 'clinic_barcode', name=op.f('uq_expected_tubes_shipment_id_clinic_barcode'))
    )
    with op.batch_alter_table('expected_tubes', schema=None) as batch_op:
        batch_op.create_index('ix_expected_tubes_clinic_barcode', ['clinic_barcode'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('expected_tubes', schema=None) as batch_op:
        batch_op.drop_index('ix_expected_tubes_clinic_barcode')

    op.drop_table('expected_tubes')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_status'))
        batch_op.drop_index(batch_op.f('ix_shipments_partner_site_id'))
        batch_op.drop_index(batch_op.f('ix_shipments_created_at'))

    op.drop_table('shipments')
    with op.batch_alter_table('import_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_records_partner_site_id'))
        batch_op.drop_index(batch_op.f('ix_import_records_imported_at'))

    op.drop_table('import_records')
    with op.batch_alter_table('saved_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_mappings_partner_site_id'))

    op.drop_table('saved_mappings')
