"""plugin state: installed plugins, enabled plugins per village, their history

The pillars a village declared (tenants.pillars) become enabled plugins.

Revision ID: 0002_plugin_state
Revises: 0001_core
Create Date: 2026-11-27 22:39:18.989780

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0002_plugin_state'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('platform_plugins',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('installed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_platform_plugins'))
    )
    op.create_table('village_plugin_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('plugin', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('override', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_village_plugin_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_village_plugin_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village_plugin_events'))
    )
    with op.batch_alter_table('village_plugin_events', schema=None) as batch_op:
        batch_op.create_index('ix_village_plugin_events_tenant_plugin', ['tenant_id', 'plugin', 'at'], unique=False)

    op.create_table('village_plugins',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('plugin', sa.String(length=60), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_village_plugins_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'plugin', name=op.f('pk_village_plugins'))
    )
    _pillars_to_village_plugins()
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('pillars')


def _pillars_to_village_plugins():
    conn = op.get_bind()
    tenants = sa.table('tenants', sa.column('id', sa.Integer), sa.column('pillars', sa.JSON))
    village_plugins = sa.table(
        'village_plugins',
        sa.column('tenant_id', sa.Integer), sa.column('plugin', sa.String), sa.column('enabled', sa.Boolean),
        sa.column('settings', sa.JSON), sa.column('created_at', sa.DateTime), sa.column('updated_at', sa.DateTime),
    )
    now = sa.func.now()
    for tenant_id, pillars in conn.execute(sa.select(tenants.c.id, tenants.c.pillars)):
        for plugin in pillars or []:
            conn.execute(village_plugins.insert().values(
                tenant_id=tenant_id, plugin=plugin, enabled=True, settings={}, created_at=now, updated_at=now,
            ))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pillars', sa.JSON(), nullable=False, server_default='[]'))

    op.drop_table('village_plugins')
    with op.batch_alter_table('village_plugin_events', schema=None) as batch_op:
        batch_op.drop_index('ix_village_plugin_events_tenant_plugin')

    op.drop_table('village_plugin_events')
    op.drop_table('platform_plugins')
