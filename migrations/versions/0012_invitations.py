"""Invitations: a one-time link that lets a new account set its own password.

Revision ID: 0012_invitations
Revises: 0011_request_state
Create Date: 2026-12-02 21:00:00

"""

# revision identifiers, used by Alembic.
revision = "0012_invitations"
down_revision = "0011_request_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
