"""smart_economy: sellers, their timeline, products and product photos

Revision ID: smart_economy_0001
Revises:
Create Date: 2026-12-08 00:45:00

Four tables owned by the village (keys and foreign keys include ``tenant_id``; Row-Level Security
on PostgreSQL). The regency-wide listing is the core's (``0015_market_listings``).
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

revision = "smart_economy_0001"
down_revision = None
branch_labels = ("smart_economy",)
depends_on = "0015_market_listings"

SELLERS = "smart_economy_sellers"
STEPS = "smart_economy_seller_steps"
PRODUCTS = "smart_economy_products"
PHOTOS = "smart_economy_product_photos"
TABLES = (SELLERS, STEPS, PRODUCTS, PHOTOS)


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Integer(), sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False
    )


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


def _of(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete="CASCADE"
    )


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table(
        SELLERS,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("business_name", sa.String(120), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_resident_id", sa.Uuid(), nullable=True),
        _user("owner_user_id"),
        sa.Column("owner_name", sa.String(120), nullable=False),
        sa.Column("nib", sa.String(13), nullable=True),
        sa.Column("npwp", sa.String(16), nullable=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("pickup_address", sa.String(300), nullable=True),
        sa.Column("refusal_reason", sa.String(500), nullable=True),
        sa.Column("suspension_reason", sa.String(500), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_index("ix_smart_economy_sellers_status", SELLERS, ["tenant_id", "status"])
    op.create_index("ix_smart_economy_sellers_owner", SELLERS, ["tenant_id", "owner_user_id"])
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
        _of("record_id", SELLERS),
    )
    op.create_index("ix_smart_economy_seller_steps_record", STEPS, ["tenant_id", "record_id", "at"])
    op.create_table(
        PRODUCTS,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seller_id", sa.Uuid(), nullable=False),
        _user("owner_user_id"),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_search", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        _of("seller_id", SELLERS),
    )
    op.create_index("ix_smart_economy_products_seller", PRODUCTS, ["tenant_id", "seller_id"])
    op.create_index(
        "ix_smart_economy_products_market", PRODUCTS, ["tenant_id", "active", "category", "name_search"]
    )
    op.create_table(
        PHOTOS,
        _tenant(),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("thumb_document_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        _of("product_id", PRODUCTS),
    )
    op.create_index(
        "ix_smart_economy_product_photos_product", PHOTOS, ["tenant_id", "product_id", "position"]
    )
    for table in TABLES:
        enable_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_rls(op, table)
        op.drop_table(table)
