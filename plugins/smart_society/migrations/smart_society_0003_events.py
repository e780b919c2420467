"""smart_society: community events

Revision ID: smart_society_0003
Revises: smart_society_0002
Create Date: 2026-12-07 14:45:00

One table owned by the village (Row-Level Security on PostgreSQL).
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

revision = "smart_society_0003"
down_revision = "smart_society_0002"
branch_labels = None
depends_on = None

EVENTS = "smart_society_events"


def upgrade():
    op.create_table(
        EVENTS,
        sa.Column(
            "tenant_id", sa.Integer(), sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(160), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(160), nullable=True),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("attendance", sa.Integer(), nullable=True),
        sa.Column("cancelled_reason", sa.String(300), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_index("ix_smart_society_events_starts", EVENTS, ["tenant_id", "starts_at"])
    enable_rls(op, EVENTS)


def downgrade():
    disable_rls(op, EVENTS)
    op.drop_table(EVENTS)
