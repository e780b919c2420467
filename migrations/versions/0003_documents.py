"""documents: files of a village, with versions (RLS on both tables)

Revision ID: 0003_documents
Revises: 0002_plugin_state
Create Date: 2026-11-27 23:18:50.975533

"""
from alembic import op
import sqlalchemy as sa

from desacerdas.tenancy.rls import disable_rls, enable_rls


# revision identifiers, used by Alembic.
revision = '0003_documents'
down_revision = '0002_plugin_state'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documents',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('plugin', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.Enum('staff', 'owner', 'public', name='visibility', native_enum=False, length=10), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deleted_by'], ['users.id'], name=op.f('fk_documents_deleted_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_documents_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_documents_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_documents_uploaded_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_tenant_kind', ['tenant_id', 'kind'], unique=False)
        batch_op.create_index('ix_documents_tenant_object', ['tenant_id', 'plugin', 'object_id'], unique=False)

    op.create_table('document_versions',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name=op.f('fk_document_versions_tenant_id_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_document_versions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_document_versions_uploaded_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_document_versions')),
    sa.UniqueConstraint('tenant_id', 'document_id', 'number', name=op.f('uq_document_versions_tenant_id_document_id_number')),
    sa.UniqueConstraint('tenant_id', 'storage_key', name=op.f('uq_document_versions_tenant_id_storage_key'))
    )
    enable_rls(op, 'documents')
    enable_rls(op, 'document_versions')


def downgrade():
    disable_rls(op, 'document_versions')
    disable_rls(op, 'documents')
    op.drop_table('document_versions')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_tenant_object')
        batch_op.drop_index('ix_documents_tenant_kind')

    op.drop_table('documents')
