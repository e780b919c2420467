"""kit: number sequences, verifiable documents, indicator snapshots

Revision ID: 0004_kit
Revises: 0003_documents
Create Date: 2026-12-01 23:04:44.540902

"""
from alembic import op
import sqlalchemy as sa

from desacerdas.tenancy.rls import disable_rls, enable_rls


# revision identifiers, used by Alembic.
revision = '0004_kit'
down_revision = '0003_documents'
branch_labels = None
depends_on = None

TABLES = ('indicator_snapshots', 'sequences', 'verifications')


def upgrade():
    op.create_table('indicator_snapshots',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_indicator_snapshots_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_indicator_snapshots')),
    sa.UniqueConstraint('tenant_id', 'period', 'key', name=op.f('uq_indicator_snapshots_tenant_id_period_key'))
    )
    with op.batch_alter_table('indicator_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_snapshots_key', ['tenant_id', 'key', 'period'], unique=False)

    op.create_table('sequences',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('namespace', sa.String(length=60), nullable=False),
    sa.Column('scope_key', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sequences_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_sequences')),
    sa.UniqueConstraint('tenant_id', 'namespace', 'scope_key', 'year', name=op.f('uq_sequences_tenant_id_namespace_scope_key_year'))
    )
    op.create_table('verifications',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('plugin', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=True),
    sa.Column('document_id', sa.Uuid(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=120), nullable=True),
    sa.Column('holder_name', sa.String(length=120), nullable=True),
    sa.Column('issuer_name', sa.String(length=120), nullable=True),
    sa.Column('issuer_title', sa.String(length=300), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_verifications_revoked_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_verifications_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_verifications')),
    sa.UniqueConstraint('tenant_id', 'token', name=op.f('uq_verifications_tenant_id_token'))
    )
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.create_index('ix_verifications_object', ['tenant_id', 'plugin', 'object_id'], unique=False)

    for table in TABLES:
        enable_rls(op, table)


def downgrade():
    for table in TABLES:
        disable_rls(op, table)
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.drop_index('ix_verifications_object')

    op.drop_table('verifications')
    op.drop_table('sequences')
    with op.batch_alter_table('indicator_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_indicator_snapshots_key')

    op.drop_table('indicator_snapshots')
