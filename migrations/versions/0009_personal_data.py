"""personal-data access log (tenant-owned, RLS)

Revision ID: 0009_personal_data
Revises: 0008_login_throttles
Create Date: 2026-12-02 13:00:00

"""

from alembic import op
import sqlalchemy as sa

from desacerdas.tenancy.rls import disable_rls, enable_rls


# revision identifiers, used by Alembic.
revision = "0009_personal_data"
down_revision = "0008_login_throttles"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "personal_data_access",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_personal_data_access_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_personal_data_access_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_personal_data_access")),
    )
    with op.batch_alter_table("personal_data_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personal_data_access_at"), ["at"], unique=False)
        batch_op.create_index("ix_personal_data_access_user_at", ["tenant_id", "user_id", "at"], unique=False)

    enable_rls(op, "personal_data_access")


def downgrade():
    disable_rls(op, "personal_data_access")
    with op.batch_alter_table("personal_data_access", schema=None) as batch_op:
        batch_op.drop_index("ix_personal_data_access_user_at")
        batch_op.drop_index(batch_op.f("ix_personal_data_access_at"))

    op.drop_table("personal_data_access")
