"""letter number sequences

Revision ID: sg_0002
Revises: sg_0001
Create Date: 2026-11-28 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

# revision identifiers, used by Alembic.
revision = "sg_0002"
down_revision = "sg_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sg_letter_sequences",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope_key", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sg_letter_sequences_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sg_letter_sequences")),
        sa.UniqueConstraint(
            "tenant_id", "scope_key", "year", name=op.f("uq_sg_letter_sequences_tenant_id_scope_key_year")
        ),
    )
    enable_rls(op, "sg_letter_sequences")


def downgrade():
    disable_rls(op, "sg_letter_sequences")
    op.drop_table("sg_letter_sequences")
