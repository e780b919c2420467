"""Facilitator visits: a visit or a call to a village, with a note and follow-ups.

Revision ID: 0013_facilitator_visits
Revises: 0012_invitations
Create Date: 2026-12-02 21:00:00

"""

# revision identifiers, used by Alembic.
revision = "0013_facilitator_visits"
down_revision = "0012_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
