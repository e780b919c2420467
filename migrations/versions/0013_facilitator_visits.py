"""Facilitator visits: a visit or a call to a village, with a note and follow-ups.

Revision ID: 0013_facilitator_visits
Revises: 0012_invitations
Create Date: 2026-12-02 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

# revision identifiers, used by Alembic.
revision = "0013_facilitator_visits"
down_revision = "0012_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitator_visits",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("facilitator_name", sa.String(length=120), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("visit", "call", name="visitkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("follow_ups", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["users.id"],
            name=op.f("fk_facilitator_visits_facilitator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_facilitator_visits_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_facilitator_visits")),
    )
    with op.batch_alter_table("facilitator_visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_facilitator_visits_tenant_visited_on", ["tenant_id", "visited_on"], unique=False
        )
    enable_rls(op, "facilitator_visits")


def downgrade() -> None:
    disable_rls(op, "facilitator_visits")
    with op.batch_alter_table("facilitator_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_facilitator_visits_tenant_visited_on")
    op.drop_table("facilitator_visits")
