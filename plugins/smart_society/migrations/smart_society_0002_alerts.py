"""smart_society: emergency alerts, their timeline, and staff warnings

Revision ID: smart_society_0002
Revises: smart_society_0001
Create Date: 2026-12-07 14:30:00

Three tables owned by the village (keys and foreign keys include ``tenant_id``; Row-Level
Security on PostgreSQL).
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

revision = "smart_society_0002"
down_revision = "smart_society_0001"
branch_labels = None
depends_on = None

ALERTS = "smart_society_alerts"
STEPS = "smart_society_alert_steps"
WARNINGS = "smart_society_warnings"


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Integer(), sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False
    )


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


def upgrade():
    op.create_table(
        ALERTS,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _user("raised_by"),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("note", sa.String(300), nullable=True),
        _user("acknowledged_by"),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(500), nullable=True),
        sa.Column("false_alarm", sa.Boolean(), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_index("ix_smart_society_alerts_status", ALERTS, ["tenant_id", "status", "raised_at"])
    op.create_index("ix_smart_society_alerts_raised_by", ALERTS, ["tenant_id", "raised_by", "raised_at"])
    op.create_table(
        STEPS,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(30), nullable=True),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("actor_name", sa.String(120), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _user("actor_id"),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"], [f"{ALERTS}.tenant_id", f"{ALERTS}.id"], ondelete="CASCADE"
        ),
    )
    op.create_index("ix_smart_society_alert_steps_record", STEPS, ["tenant_id", "record_id", "at"])
    op.create_table(
        WARNINGS,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hazard", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        _user("sent_by"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_index("ix_smart_society_warnings_sent", WARNINGS, ["tenant_id", "sent_at"])
    for table in (ALERTS, STEPS, WARNINGS):
        enable_rls(op, table)


def downgrade():
    for table in (WARNINGS, STEPS, ALERTS):
        disable_rls(op, table)
        op.drop_table(table)
