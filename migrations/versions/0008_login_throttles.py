"""sign-in throttles per account and client

Revision ID: 0008_login_throttles
Revises: 0007_user_sessions
Create Date: 2026-12-02 13:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0008_login_throttles'
down_revision = '0007_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
