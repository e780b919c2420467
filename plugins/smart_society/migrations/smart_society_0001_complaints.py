"""smart_society: complaints, their thread and their timeline

Revision ID: smart_society_0001
Revises:
Create Date: 2026-12-07 14:40:00

The first tables of the pillar (it had none). Every table is owned by the village: its key and
foreign keys include ``tenant_id`` and Row-Level Security is on (PostgreSQL).
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

# revision identifiers, used by Alembic.
revision = "smart_society_0001"
down_revision = None  # the first revision of this plugin's branch
branch_labels = ("smart_society",)
depends_on = "0002_plugin_state"

COMPLAINTS = "smart_society_complaints"
ENTRIES = "smart_society_complaint_entries"
STEPS = "smart_society_complaint_steps"


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id",
        sa.Integer(),
        sa.ForeignKey("tenants.id", name=None, ondelete="RESTRICT"),
        nullable=False,
    )


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


def upgrade():
    op.create_table(
        COMPLAINTS,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("title", sa.String(160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        _user("author_id"),
        sa.Column("reporter_name", sa.String(120), nullable=True),
        sa.Column("reporter_phone", sa.String(30), nullable=True),
        sa.Column("name_withheld", sa.Boolean(), nullable=False),
        _user("assignee_id"),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("verify_due", sa.Date(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("resolve_due", sa.Date(), nullable=False),
        sa.Column("extension_reason", sa.String(500), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(500), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "number"),
    )
    op.create_index("ix_smart_society_complaints_status", COMPLAINTS, ["tenant_id", "status", "filed_at"])
    op.create_index("ix_smart_society_complaints_author", COMPLAINTS, ["tenant_id", "author_id"])

    op.create_table(
        ENTRIES,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _user("author_id"),
        sa.Column("author_name", sa.String(120), nullable=False),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "complaint_id"], [f"{COMPLAINTS}.tenant_id", f"{COMPLAINTS}.id"], ondelete="CASCADE"
        ),
    )
    op.create_index(
        "ix_smart_society_complaint_entries_complaint", ENTRIES, ["tenant_id", "complaint_id", "at"]
    )

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
            ["tenant_id", "record_id"], [f"{COMPLAINTS}.tenant_id", f"{COMPLAINTS}.id"], ondelete="CASCADE"
        ),
    )
    op.create_index("ix_smart_society_complaint_steps_record", STEPS, ["tenant_id", "record_id", "at"])
    for table in (COMPLAINTS, ENTRIES, STEPS):
        enable_rls(op, table)


def downgrade():
    for table in (STEPS, ENTRIES, COMPLAINTS):
        disable_rls(op, table)
        op.drop_table(table)
