"""personal-data access log; RLS on audit events

Revision ID: 0009_personal_data
Revises: 0008_login_throttles
Create Date: 2026-12-02 13:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0009_personal_data'
down_revision = '0008_login_throttles'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
