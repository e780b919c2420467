"""The social-aid ledger: recipients' NIK fingerprints, source and period, across villages

Revision ID: 0014_aid_ledger
Revises: 0013_facilitator_visits
Create Date: 2026-12-07 23:50:00

The audit log's policy: a village session reads and writes only its own rows; the cross-village
check (``services.aid_ledger``) reads in a platform context.
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import PLATFORM_READ_EXPR, disable_audit_rls, enable_audit_rls

revision = "0014_aid_ledger"
down_revision = "0013_facilitator_visits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aid_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("nik_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("excludes", sa.String(200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("programme", sa.String(160), nullable=False),
        sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_aid_ledger_nik", "aid_ledger", ["nik_hash", "period_start"])
    op.create_index("ix_aid_ledger_record", "aid_ledger", ["tenant_id", "record_id"])
    enable_audit_rls(op, "aid_ledger", PLATFORM_READ_EXPR)


def downgrade() -> None:
    disable_audit_rls(op, "aid_ledger")
    op.drop_index("ix_aid_ledger_record", table_name="aid_ledger")
    op.drop_index("ix_aid_ledger_nik", table_name="aid_ledger")
    op.drop_table("aid_ledger")
