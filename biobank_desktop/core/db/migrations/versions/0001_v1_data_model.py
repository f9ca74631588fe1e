"""v1 data model

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('workstation', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_audit_events_seq_positive')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_username'), ['username'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('container_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.Column('columns', sa.Integer(), nullable=True),
    sa.Column('row_scheme', sa.String(length=10), nullable=False),
    sa.Column('column_scheme', sa.String(length=10), nullable=False),
    sa.Column('fill_order', sa.String(length=12), nullable=False),
    sa.CheckConstraint("column_scheme IN ('letters', 'numbers')", name=op.f('ck_container_types_column_scheme')),
    sa.CheckConstraint("fill_order IN ('row_major', 'column_major')", name=op.f('ck_container_types_fill_order')),
    sa.CheckConstraint("kind IN ('freezer', 'refrigerator', 'ln2_tank', 'room', 'shelf', 'rack', 'drawer', 'box', 'plate')", name=op.f('ck_container_types_kind')),
    sa.CheckConstraint("row_scheme IN ('letters', 'numbers')", name=op.f('ck_container_types_row_scheme')),
    sa.CheckConstraint('(rows IS NULL) = (columns IS NULL)', name=op.f('ck_container_types_grid_complete')),
    sa.CheckConstraint('rows IS NULL OR (rows BETWEEN 1 AND 64 AND columns BETWEEN 1 AND 64)', name=op.f('ck_container_types_grid_size')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_container_types')),
    sa.UniqueConstraint('name', name=op.f('uq_container_types_name'))
    )
    op.create_table('id_sequences',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('next_value', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_id_sequences'))
    )
    op.create_table('partner_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_sites')),
    sa.UniqueConstraint('code', name=op.f('uq_partner_sites_code'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studies')),
    sa.UniqueConstraint('code', name=op.f('uq_studies_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role IN ('technician', 'supervisor', 'administrator')", name=op.f('ck_users_role')),
    sa.CheckConstraint('failed_attempts >= 0', name=op.f('ck_users_failed_attempts_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=40), nullable=False),
    sa.Column('sex', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("sex IN ('male', 'female', 'unknown', 'undifferentiated', 'not_applicable')", name=op.f('ck_participants_sex')),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_participants_study_id_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants')),
    sa.UniqueConstraint('study_id', 'pseudonym', name=op.f('uq_participants_study_id_pseudonym'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_pseudonym'), ['pseudonym'], unique=False)

    op.create_table('storage_containers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('container_type_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('barcode', sa.String(length=64), nullable=True),
    sa.Column('temperature_c', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('location_note', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_storage_containers_not_own_parent')),
    sa.ForeignKeyConstraint(['container_type_id'], ['container_types.id'], name=op.f('fk_storage_containers_container_type_id_container_types')),
    sa.ForeignKeyConstraint(['parent_id'], ['storage_containers.id'], name=op.f('fk_storage_containers_parent_id_storage_containers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_containers')),
    sa.UniqueConstraint('barcode', name=op.f('uq_storage_containers_barcode')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_storage_containers_parent_id_name'))
    )
    with op.batch_alter_table('storage_containers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_containers_parent_id'), ['parent_id'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('given', 'withdrawn', 'refused')", name=op.f('ck_consents_status')),
    sa.CheckConstraint("withdrawn_on IS NULL OR status = 'withdrawn'", name=op.f('ck_consents_withdrawal_status')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_consents_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_participant_id'), ['participant_id'], unique=False)

    op.create_table('samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_code', sa.String(length=40), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('partner_site_id', sa.Integer(), nullable=True),
    sa.Column('material', sa.String(length=5), nullable=False),
    sa.Column('sample_type', sa.String(length=3), nullable=False),
    sa.Column('primary_container', sa.String(length=3), nullable=False),
    sa.Column('volume_ul', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('initial_volume_ul', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('lineage_kind', sa.String(length=12), nullable=False),
    sa.Column('freeze_thaw_count', sa.Integer(), nullable=False),
    sa.Column('collected_at', sa.DateTime(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('centrifuged_at', sa.DateTime(), nullable=True),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.Column('pre_centrifugation_temp', sa.String(length=8), nullable=True),
    sa.Column('centrifugation', sa.String(length=1), nullable=True),
    sa.Column('second_centrifugation', sa.String(length=1), nullable=True),
    sa.Column('post_centrifugation_temp', sa.String(length=8), nullable=True),
    sa.Column('long_term_storage', sa.String(length=1), nullable=True),
    sa.Column('sprec_version', sa.String(length=8), nullable=False),
    sa.Column('sprec_code', sa.String(length=32), nullable=True),
    sa.Column('sprec_overridden', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(lineage_kind = 'primary') = (parent_id IS NULL)", name=op.f('ck_samples_lineage_has_parent')),
    sa.CheckConstraint("lineage_kind IN ('primary', 'aliquot', 'derivative')", name=op.f('ck_samples_lineage_kind')),
    sa.CheckConstraint("material IN ('fluid', 'solid')", name=op.f('ck_samples_material')),
    sa.CheckConstraint("status IN ('expected', 'available', 'reserved', 'in_transit', 'shipped', 'consumed', 'discarded', 'quarantined')", name=op.f('ck_samples_status')),
    sa.CheckConstraint('freeze_thaw_count >= 0', name=op.f('ck_samples_freeze_thaw_not_negative')),
    sa.CheckConstraint('initial_volume_ul IS NULL OR initial_volume_ul >= 0', name=op.f('ck_samples_initial_volume_not_negative')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_samples_not_own_parent')),
    sa.CheckConstraint('volume_ul IS NULL OR volume_ul >= 0', name=op.f('ck_samples_volume_not_negative')),
    sa.ForeignKeyConstraint(['parent_id'], ['samples.id'], name=op.f('fk_samples_parent_id_samples')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_samples_participant_id_participants')),
    sa.ForeignKeyConstraint(['partner_site_id'], ['partner_sites.id'], name=op.f('fk_samples_partner_site_id_partner_sites')),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_samples_study_id_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_samples')),
    sa.UniqueConstraint('sample_code', name=op.f('uq_samples_sample_code'))
    )
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_samples_collected_at'), ['collected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_partner_site_id'), ['partner_site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_sample_type'), ['sample_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_status'), ['status'], unique=False)
        batch_op.create_index('ix_samples_study_status', ['study_id', 'status'], unique=False)

    op.create_table('sample_barcodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('barcode', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.CheckConstraint("kind IN ('clinic', 'tube', 'other')", name=op.f('ck_sample_barcodes_kind')),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_sample_barcodes_sample_id_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_barcodes')),
    sa.UniqueConstraint('barcode', name=op.f('uq_sample_barcodes_barcode'))
    )
    with op.batch_alter_table('sample_barcodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_barcodes_sample_id'), ['sample_id'], unique=False)

    op.create_table('sample_locations',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('col', sa.Integer(), nullable=False),
    sa.Column('placed_at', sa.DateTime(), nullable=False),
    sa.Column('placed_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint('row >= 1 AND col >= 1', name=op.f('ck_sample_locations_position_positive')),
    sa.ForeignKeyConstraint(['container_id'], ['storage_containers.id'], name=op.f('fk_sample_locations_container_id_storage_containers')),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_sample_locations_sample_id_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', name=op.f('pk_sample_locations')),
    sa.UniqueConstraint('container_id', 'row', 'col', name=op.f('uq_sample_locations_container_id_row_col'))
    )


    _seed_reference_data()


def _seed_reference_data() -> None:
    """The national programmes, common container types and the audit chain's head (genesis)."""
    now = datetime.datetime(2026, 1, 1)
    studies = sa.table(
        "studies", sa.column("code", sa.String), sa.column("name", sa.String), sa.column("programme", sa.String),
        sa.column("description", sa.Text), sa.column("active", sa.Boolean), sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(studies, [
        {"code": code, "name": name, "programme": programme, "description": description, "active": True,
         "created_at": now}
        for code, name, programme, description in (
            ("LUNG", "Lung cancer cohort", "Cancer", "National cancer programme: lung cancer"),
            ("BREAST", "Breast cancer cohort", "Cancer", "National cancer programme: breast cancer"),
            ("COLON", "Colon cancer cohort", "Cancer", "National cancer programme: colorectal cancer"),
            ("PARK", "Parkinson's disease cohort", "Parkinson's disease", "National Parkinson's disease programme"),
            ("T2D", "Type 2 diabetes cohort", "Type 2 diabetes", "National type 2 diabetes programme"),
            ("NPC", "Normal population cohort", "Normal population", "Healthy volunteers from the general population"),
        )
    ])
    types = sa.table(
        "container_types", sa.column("name", sa.String), sa.column("kind", sa.String), sa.column("rows", sa.Integer),
        sa.column("columns", sa.Integer), sa.column("row_scheme", sa.String), sa.column("column_scheme", sa.String),
        sa.column("fill_order", sa.String),
    )
    op.bulk_insert(types, [
        {"name": name, "kind": kind, "rows": rows, "columns": cols, "row_scheme": "letters",
         "column_scheme": "numbers", "fill_order": order}
        for name, kind, rows, cols, order in (
            ("Upright freezer -80 °C", "freezer", None, None, "row_major"),
            ("Chest freezer -80 °C", "freezer", None, None, "row_major"),
            ("Liquid nitrogen tank", "ln2_tank", None, None, "row_major"),
            ("Refrigerator 4 °C", "refrigerator", None, None, "row_major"),
            ("Shelf", "shelf", None, None, "row_major"),
            ("Freezer rack 4 × 5 boxes", "rack", 4, 5, "row_major"),
            ("Freezer rack 5 × 4 boxes", "rack", 5, 4, "row_major"),
            ("Cryobox 9 × 9", "box", 9, 9, "row_major"),
            ("Cryobox 10 × 10", "box", 10, 10, "row_major"),
            ("SBS rack 96 (8 × 12)", "box", 8, 12, "column_major"),
            ("SBS rack 48 (6 × 8)", "box", 6, 8, "column_major"),
        )
    ])
    head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_seq", sa.Integer),
                    sa.column("last_hash", sa.String))
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": "0" * 64}])
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(settings, [{"key": "sample_id_prefix", "value": "BB"}])

def downgrade() -> None:
    op.drop_table('sample_locations')
    with op.batch_alter_table('sample_barcodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_barcodes_sample_id'))

    op.drop_table('sample_barcodes')
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_index('ix_samples_study_status')
        batch_op.drop_index(batch_op.f('ix_samples_status'))
        batch_op.drop_index(batch_op.f('ix_samples_sample_type'))
        batch_op.drop_index(batch_op.f('ix_samples_received_at'))
        batch_op.drop_index(batch_op.f('ix_samples_partner_site_id'))
        batch_op.drop_index(batch_op.f('ix_samples_participant_id'))
        batch_op.drop_index(batch_op.f('ix_samples_parent_id'))
        batch_op.drop_index(batch_op.f('ix_samples_collected_at'))

    op.drop_table('samples')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_participant_id'))

    op.drop_table('consents')
    with op.batch_alter_table('storage_containers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_containers_parent_id'))

    op.drop_table('storage_containers')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_pseudonym'))

    op.drop_table('participants')
    op.drop_table('users')
    op.drop_table('studies')
    op.drop_table('settings')
    op.drop_table('partner_sites')
    op.drop_table('id_sequences')
    op.drop_table('container_types')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_username'))
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
