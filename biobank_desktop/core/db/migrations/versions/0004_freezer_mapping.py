"""freezer mapping: freezer kinds and status, container conventions, restrictions, holds, check-outs, rack scans

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Container types gain Roman-numeral labels, linear numbering, the eight fill orders and the kind of tube
a box holds; top-level units a freezer kind, room, status and temperature class; tubes their storage
container (for the SPREC long-term storage code) and a check-out state that keeps their position.
Blocked and reserved positions live in ``position_holds``; triggers refuse a tube in a held position and
a hold on a taken one (on PostgreSQL under a per-container advisory lock, so two workstations cannot
slip past each other).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_SCHEMES = "('letters', 'numbers', 'roman')"
_ORDERS = ("('row_major', 'column_major', 'row_major_tr', 'row_major_bl', 'row_major_br', 'column_major_tr', "
           "'column_major_bl', 'column_major_br')")
_TUBES = ("('pp_40_500ul', 'pp_0.5_2ml', 'pp_5ml', 'cryotube_1_2ml', 'straw', 'microplate', 'paraffin_block', "
          "'bag', 'dry_medium', 'primary_container')")
_FREEZER_KINDS = ("('upright_-80', 'chest_-80', 'freezer_-20', 'ln2_vapour', 'ln2_liquid', 'fridge_+4', "
                  "'room_cabinet')")
_CLASSES = "('below_-135', '-85_to_-60', '-35_to_-18', '2_to_10', 'room')"
# The messages begin with the names the constraint-message registry knows (core.db.models.storage).
_HELD = "position_holds.container_id: the position is blocked or reserved"
_TAKEN = "sample_locations.container_id: a tube is in this position"
_LOOP = "storage_containers.parent_id: a container cannot go inside itself"


def upgrade() -> None:
    with op.batch_alter_table('container_types') as batch_op:
        batch_op.drop_constraint(op.f('ck_container_types_row_scheme'), type_='check')
        batch_op.drop_constraint(op.f('ck_container_types_column_scheme'), type_='check')
        batch_op.drop_constraint(op.f('ck_container_types_fill_order'), type_='check')
        batch_op.alter_column('fill_order', existing_type=sa.String(length=12), type_=sa.String(length=20),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('linear', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('tube_kind', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint('row_scheme', f"row_scheme IN {_SCHEMES}")
        batch_op.create_check_constraint('column_scheme', f"column_scheme IN {_SCHEMES}")
        batch_op.create_check_constraint('fill_order', f"fill_order IN {_ORDERS}")
        batch_op.create_check_constraint('tube_kind', f"tube_kind IS NULL OR tube_kind IN {_TUBES}")
    with op.batch_alter_table('container_types') as batch_op:
        batch_op.alter_column('linear', server_default=None)

    with op.batch_alter_table('storage_containers') as batch_op:
        batch_op.add_column(sa.Column('freezer_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('room', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='in_service'))
        batch_op.add_column(sa.Column('temperature_class', sa.String(length=12), nullable=True))
        batch_op.create_check_constraint('freezer_kind', f"freezer_kind IS NULL OR freezer_kind IN {_FREEZER_KINDS}")
        batch_op.create_check_constraint('status', "status IN ('in_service', 'defrosting', 'out_of_service')")
        batch_op.create_check_constraint('temperature_class',
                                         f"temperature_class IS NULL OR temperature_class IN {_CLASSES}")
    # Existing top-level units: a temperature class from their set-point, a kind from their type.
    op.execute("""UPDATE storage_containers SET temperature_class = CASE
        WHEN temperature_c < -135 THEN 'below_-135'
        WHEN temperature_c >= -85 AND temperature_c < -60 THEN '-85_to_-60'
        WHEN temperature_c >= -35 AND temperature_c < -18 THEN '-35_to_-18'
        WHEN temperature_c >= 2 AND temperature_c < 10 THEN '2_to_10'
        WHEN temperature_c >= 15 AND temperature_c < 30 THEN 'room' END
        WHERE temperature_c IS NOT NULL""")
    op.execute("""UPDATE storage_containers SET freezer_kind = CASE
        WHEN temperature_c < -135 THEN 'ln2_vapour'
        WHEN temperature_c < -60 THEN 'upright_-80'
        WHEN temperature_c < -10 THEN 'freezer_-20'
        WHEN temperature_c < 12 THEN 'fridge_+4'
        ELSE 'room_cabinet' END
        WHERE parent_id IS NULL AND temperature_c IS NOT NULL""")
    op.execute("""UPDATE container_types SET tube_kind = CASE
        WHEN kind = 'box' AND columns = 12 AND rows = 8 THEN 'pp_40_500ul'
        WHEN kind = 'box' THEN 'cryotube_1_2ml' END""")

    with op.batch_alter_table('sample_locations') as batch_op:
        batch_op.add_column(sa.Column('checked_out_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_out_by', sa.String(length=64), nullable=True))

    op.add_column('samples', sa.Column('storage_tube', sa.String(length=20), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint('storage_tube', 'samples', f"storage_tube IS NULL OR storage_tube IN {_TUBES}")
    else:  # SQLite cannot add a constraint to a table; triggers keep the same rule without copying the table
        for verb in ("INSERT", "UPDATE OF storage_tube"):
            op.execute(f"""
                CREATE TRIGGER ck_samples_storage_tube_{verb.split()[0].lower()} BEFORE {verb} ON samples
                WHEN NEW.storage_tube IS NOT NULL AND NEW.storage_tube NOT IN {_TUBES}
                BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ck_samples_storage_tube'); END""")

    op.create_table('storage_restrictions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('axis', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.CheckConstraint("axis IN ('study', 'sample_type', 'container')", name=op.f('ck_storage_restrictions_axis')),
    sa.ForeignKeyConstraint(['container_id'], ['storage_containers.id'],
                            name=op.f('fk_storage_restrictions_container_id_storage_containers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_restrictions')),
    sa.UniqueConstraint('container_id', 'axis', 'value', name=op.f('uq_storage_restrictions_container_id_axis_value'))
    )
    op.create_table('position_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('col', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('blocked', 'reserved')", name=op.f('ck_position_holds_kind')),
    sa.CheckConstraint('row >= 1 AND col >= 1', name=op.f('ck_position_holds_position_positive')),
    sa.CheckConstraint("kind = 'reserved' OR expires_at IS NULL",
                       name=op.f('ck_position_holds_only_reservations_expire')),
    sa.ForeignKeyConstraint(['container_id'], ['storage_containers.id'],
                            name=op.f('fk_position_holds_container_id_storage_containers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_holds')),
    sa.UniqueConstraint('container_id', 'row', 'col', name=op.f('uq_position_holds_container_id_row_col'))
    )
    op.create_index('ix_position_holds_purpose', 'position_holds', ['purpose'], unique=False)
    op.create_table('storage_checkouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('col', sa.Integer(), nullable=False),
    sa.Column('out_at', sa.DateTime(), nullable=False),
    sa.Column('out_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('back_at', sa.DateTime(), nullable=True),
    sa.Column('back_by', sa.String(length=64), nullable=True),
    sa.Column('minutes_out', sa.Integer(), nullable=True),
    sa.Column('freeze_thaw_counted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('minutes_out IS NULL OR minutes_out >= 0', name=op.f('ck_storage_checkouts_minutes_not_negative')),
    sa.ForeignKeyConstraint(['container_id'], ['storage_containers.id'],
                            name=op.f('fk_storage_checkouts_container_id_storage_containers')),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_storage_checkouts_sample_id_samples'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_checkouts'))
    )
    op.create_index(op.f('ix_storage_checkouts_sample_id'), 'storage_checkouts', ['sample_id'], unique=False)
    op.create_table('rackscan_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('profile', sa.String(length=40), nullable=False),
    sa.Column('rack_code_in_file', sa.String(length=64), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['container_id'], ['storage_containers.id'],
                            name=op.f('fk_rackscan_imports_container_id_storage_containers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rackscan_imports'))
    )
    op.create_index(op.f('ix_rackscan_imports_container_id'), 'rackscan_imports', ['container_id'], unique=False)
    _position_guards()


def _position_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION storage_position_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- One lock per container: a hold and a tube for the same position cannot pass each other.
                PERFORM pg_advisory_xact_lock(7304, NEW.container_id);
                IF TG_TABLE_NAME = 'sample_locations' THEN
                    IF EXISTS (SELECT 1 FROM position_holds h WHERE h.container_id = NEW.container_id
                               AND h.row = NEW.row AND h.col = NEW.col) THEN
                        RAISE EXCEPTION '{_HELD}' USING ERRCODE = 'check_violation';
                    END IF;
                ELSIF EXISTS (SELECT 1 FROM sample_locations l WHERE l.container_id = NEW.container_id
                              AND l.row = NEW.row AND l.col = NEW.col) THEN
                    RAISE EXCEPTION '{_TAKEN}' USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END $$""")
        for table in ("sample_locations", "position_holds"):
            op.execute(f"""
                CREATE TRIGGER {table}_position_guard BEFORE INSERT OR UPDATE OF container_id, row, col
                ON {table} FOR EACH ROW EXECUTE FUNCTION storage_position_guard()""")
        # The container tree never loops: a move takes the tree lock the storage service takes (7305, 0), so two
        # workstations moving racks into each other queue, and the second one sees the first one's move.
        op.execute(f"""
            CREATE FUNCTION storage_tree_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(7305, 0);
                IF EXISTS (WITH RECURSIVE up(id, parent_id) AS (
                               SELECT c.id, c.parent_id FROM storage_containers c WHERE c.id = NEW.parent_id
                               UNION
                               SELECT c.id, c.parent_id FROM storage_containers c JOIN up ON c.id = up.parent_id)
                           SELECT 1 FROM up WHERE up.id = NEW.id) THEN
                    RAISE EXCEPTION '{_LOOP}' USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END $$""")
        op.execute("""
            CREATE TRIGGER storage_containers_no_loop BEFORE UPDATE OF parent_id ON storage_containers
            FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL AND NEW.parent_id IS DISTINCT FROM OLD.parent_id)
            EXECUTE FUNCTION storage_tree_guard()""")
        return
    for verb in ("INSERT", "UPDATE OF container_id, row, col"):
        name = verb.split()[0].lower()
        op.execute(f"""
            CREATE TRIGGER sample_locations_not_held_{name} BEFORE {verb} ON sample_locations
            WHEN EXISTS (SELECT 1 FROM position_holds h WHERE h.container_id = NEW.container_id
                         AND h.row = NEW.row AND h.col = NEW.col)
            BEGIN SELECT RAISE(ABORT, '{_HELD}'); END""")
        op.execute(f"""
            CREATE TRIGGER position_holds_not_taken_{name} BEFORE {verb} ON position_holds
            WHEN EXISTS (SELECT 1 FROM sample_locations l WHERE l.container_id = NEW.container_id
                         AND l.row = NEW.row AND l.col = NEW.col)
            BEGIN SELECT RAISE(ABORT, '{_TAKEN}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("sample_locations", "position_holds"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_position_guard ON {table}")
        op.execute("DROP FUNCTION IF EXISTS storage_position_guard()")
        op.execute("DROP TRIGGER IF EXISTS storage_containers_no_loop ON storage_containers")
        op.execute("DROP FUNCTION IF EXISTS storage_tree_guard()")
        op.drop_constraint(op.f('ck_samples_storage_tube'), 'samples', type_='check')
    else:
        for name in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS sample_locations_not_held_{name}")
            op.execute(f"DROP TRIGGER IF EXISTS position_holds_not_taken_{name}")
            op.execute(f"DROP TRIGGER IF EXISTS ck_samples_storage_tube_{name}")
    for table in ("rackscan_imports", "storage_checkouts", "position_holds", "storage_restrictions"):
        op.drop_table(table)
    with op.batch_alter_table('samples') as batch_op:
        batch_op.drop_column('storage_tube')
    with op.batch_alter_table('sample_locations') as batch_op:
        batch_op.drop_column('checked_out_by')
        batch_op.drop_column('checked_out_at')
    with op.batch_alter_table('storage_containers') as batch_op:
        for name in ('temperature_class', 'status', 'freezer_kind'):
            batch_op.drop_constraint(op.f(f'ck_storage_containers_{name}'), type_='check')
        for column in ('temperature_class', 'status', 'room', 'freezer_kind'):
            batch_op.drop_column(column)
    op.execute("UPDATE container_types SET row_scheme = 'letters' WHERE row_scheme = 'roman'")
    op.execute("UPDATE container_types SET column_scheme = 'numbers' WHERE column_scheme = 'roman'")
    op.execute("UPDATE container_types SET fill_order = 'row_major' WHERE fill_order LIKE 'row_major_%'")
    op.execute("UPDATE container_types SET fill_order = 'column_major' WHERE fill_order LIKE 'column_major_%'")
    with op.batch_alter_table('container_types') as batch_op:
        for name in ('row_scheme', 'column_scheme', 'fill_order', 'tube_kind'):
            batch_op.drop_constraint(op.f(f'ck_container_types_{name}'), type_='check')
        batch_op.drop_column('tube_kind')
        batch_op.drop_column('linear')
        batch_op.alter_column('fill_order', existing_type=sa.String(length=20), type_=sa.String(length=12),
                              existing_nullable=False)
        batch_op.create_check_constraint('row_scheme', "row_scheme IN ('letters', 'numbers')")
        batch_op.create_check_constraint('column_scheme', "column_scheme IN ('letters', 'numbers')")
        batch_op.create_check_constraint('fill_order', "fill_order IN ('row_major', 'column_major')")
