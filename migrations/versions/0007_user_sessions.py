"""server-side browser sessions

Revision ID: 0007_user_sessions
Revises: 0006_notifications
Create Date: 2026-12-02 13:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0007_user_sessions'
down_revision = '0006_notifications'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
