"""Stamps that let every worker cache a village's enabled plugins and drop the cache at once.

``tenants.plugins_stamp`` changes (a new random value) in the same transaction as any change to
the village's ``village_plugins`` rows; ``platform_state`` row ``plugins`` changes with every
install or uninstall on the platform. Tenant resolution reads both with the tenant row, in one
statement, and reuses its process cache only when both match.

Revision ID: 0011_request_state
Revises: 0010_audit_rls
Create Date: 2026-12-02 17:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_request_state"
down_revision = "0010_audit_rls"
branch_labels = None
depends_on = None


def _random_stamp() -> sa.TextClause:
    # Random per row, so a village created by raw SQL (bulk provisioning) never shares a stamp
    # with a deleted village whose id it reuses.
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("md5(random()::text || clock_timestamp()::text)")
    return sa.text("(lower(hex(randomblob(16))))")


def upgrade():
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(
            sa.Column("plugins_stamp", sa.String(32), nullable=False, server_default=_random_stamp())
        )
    op.create_table(
        "platform_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("stamp", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("platform_state")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("plugins_stamp")
