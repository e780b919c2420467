"""The market listing: every village's public products, for the regency-wide market

Revision ID: 0015_market_listings
Revises: 0014_aid_ledger
Create Date: 2026-12-08 00:40:00

The audit log's policy: a village session reads and writes only its own rows; the regency market
(``services.market_listing``) reads in a platform context.
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import PLATFORM_READ_EXPR, disable_audit_rls, enable_audit_rls

revision = "0015_market_listings"
down_revision = "0014_aid_ledger"
branch_labels = None
depends_on = None

TABLE = "market_listings"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("regency_code", sa.String(5), nullable=False),
        sa.Column("village_slug", sa.String(80), nullable=False),
        sa.Column("village_name", sa.String(120), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        sa.Column("seller_name", sa.String(120), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_search", sa.String(120), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("thumb_document_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "product_id"),
    )
    op.create_index("ix_market_listings_regency", TABLE, ["regency_code", "name_search", "price", "id"])
    op.create_index(
        "ix_market_listings_category", TABLE, ["regency_code", "category", "name_search", "price", "id"]
    )
    op.create_index("ix_market_listings_seller", TABLE, ["tenant_id", "seller_id"])
    op.create_index(
        "ix_market_listings_village", TABLE, ["regency_code", "village_slug", "name_search", "price", "id"]
    )
    enable_audit_rls(op, TABLE, PLATFORM_READ_EXPR)


def downgrade() -> None:
    disable_audit_rls(op, TABLE)
    op.drop_index("ix_market_listings_village", table_name=TABLE)
    op.drop_index("ix_market_listings_seller", table_name=TABLE)
    op.drop_index("ix_market_listings_category", table_name=TABLE)
    op.drop_index("ix_market_listings_regency", table_name=TABLE)
    op.drop_table(TABLE)
