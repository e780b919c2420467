"""smart_society: anonymous complaints, followed with their number and a code

Revision ID: smart_society_0005
Revises: smart_society_0004
Create Date: 2026-12-08 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "smart_society_0005"
down_revision = "smart_society_0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("smart_society_complaints") as batch:
        batch.add_column(sa.Column("tracking_hash", sa.String(200), nullable=True))


def downgrade():
    with op.batch_alter_table("smart_society_complaints") as batch:
        batch.drop_column("tracking_hash")
