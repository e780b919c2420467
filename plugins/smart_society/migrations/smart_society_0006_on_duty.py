"""smart_society: who is on duty for emergency alerts

Revision ID: smart_society_0006
Revises: smart_society_0005
Create Date: 2026-12-08 00:10:00

One table owned by the village (Row-Level Security on PostgreSQL).
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

revision = "smart_society_0006"
down_revision = "smart_society_0005"
branch_labels = None
depends_on = None

TABLE = "smart_society_on_duty"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column(
            "tenant_id", sa.Integer(), sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "user_id"),
    )
    enable_rls(op, TABLE)


def downgrade():
    disable_rls(op, TABLE)
    op.drop_table(TABLE)
