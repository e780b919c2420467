"""notifications: outbox and inbox rows, contacts with consent, villages' own wording

Revision ID: 0006_notifications
Revises: 0005_jobs
Create Date: 2026-12-02 06:45:00

"""
from alembic import op
import sqlalchemy as sa

from desacerdas.tenancy.rls import disable_rls, enable_rls


# revision identifiers, used by Alembic.
revision = '0006_notifications'
down_revision = '0005_jobs'
branch_labels = None
depends_on = None

TABLES = ('notifications', 'notification_templates')


def upgrade():
    op.create_table('contact_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('inbox', 'whatsapp', 'sms', 'email', name='notificationchannel', native_enum=False, length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('action', sa.Enum('opt_in', 'opt_out', name='consentaction', native_enum=False, length=20), nullable=False),
    sa.Column('how', sa.Enum('web', 'api', 'whatsapp_reply', 'staff', name='consenthow', native_enum=False, length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_consents'))
    )
    with op.batch_alter_table('contact_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_consents_user_id'), ['user_id'], unique=False)

    op.create_table('notification_templates',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.Enum('inbox', 'whatsapp', 'sms', 'email', name='notificationchannel', native_enum=False, length=20), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notification_templates_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_notification_templates')),
    sa.UniqueConstraint('tenant_id', 'kind', 'channel', 'locale', name=op.f('uq_notification_templates_tenant_id_kind_channel_locale'))
    )
    op.create_table('notifications',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.Enum('inbox', 'whatsapp', 'sms', 'email', name='notificationchannel', native_enum=False, length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', name='notificationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_notifications_recipient_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('tenant_id', 'idempotency_key', 'channel', name=op.f('uq_notifications_tenant_id_idempotency_key_channel'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_created', ['tenant_id', 'created_at', 'channel', 'status', 'secret'], unique=False)
        batch_op.create_index('ix_notifications_due', ['tenant_id', 'status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_provider_message_id'), ['provider_message_id'], unique=False)
        batch_op.create_index('ix_notifications_recipient', ['tenant_id', 'recipient_user_id', 'channel', 'status'], unique=False)

    op.create_table('platform_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.Enum('inbox', 'whatsapp', 'sms', 'email', name='notificationchannel', native_enum=False, length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', name='notificationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_platform_notifications_recipient_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_notifications')),
    sa.UniqueConstraint('idempotency_key', 'channel', name=op.f('uq_platform_notifications_idempotency_key_channel'))
    )
    with op.batch_alter_table('platform_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_platform_notifications_created', ['created_at', 'channel', 'status', 'secret'], unique=False)
        batch_op.create_index('ix_platform_notifications_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_notifications_provider_message_id'), ['provider_message_id'], unique=False)
        batch_op.create_index('ix_platform_notifications_recipient', ['recipient_user_id', 'channel', 'status'], unique=False)

    op.create_table('user_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('inbox', 'whatsapp', 'sms', 'email', name='notificationchannel', native_enum=False, length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_hash', sa.String(length=255), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_attempts', sa.Integer(), nullable=False),
    sa.Column('opted_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opt_in_how', sa.Enum('web', 'api', 'whatsapp_reply', 'staff', name='consenthow', native_enum=False, length=20), nullable=True),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('preferred', sa.Boolean(), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_contacts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_contacts')),
    sa.UniqueConstraint('user_id', 'channel', name=op.f('uq_user_contacts_user_id_channel'))
    )
    with op.batch_alter_table('user_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_contacts_address'), ['address'], unique=False)

    for table in TABLES:
        enable_rls(op, table)


def downgrade():
    for table in TABLES:
        disable_rls(op, table)
    with op.batch_alter_table('user_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_contacts_address'))

    op.drop_table('user_contacts')
    with op.batch_alter_table('platform_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_platform_notifications_recipient')
        batch_op.drop_index(batch_op.f('ix_platform_notifications_provider_message_id'))
        batch_op.drop_index('ix_platform_notifications_due')
        batch_op.drop_index('ix_platform_notifications_created')

    op.drop_table('platform_notifications')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_recipient')
        batch_op.drop_index(batch_op.f('ix_notifications_provider_message_id'))
        batch_op.drop_index('ix_notifications_due')
        batch_op.drop_index('ix_notifications_created')

    op.drop_table('notifications')
    op.drop_table('notification_templates')
    with op.batch_alter_table('contact_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_consents_user_id'))

    op.drop_table('contact_consents')
