"""RLS on audit events: a village reads only its own; platform events only platform roles

Revision ID: 0010_audit_rls
Revises: 0009_personal_data
Create Date: 2026-12-02 13:00:00

"""

from alembic import op

from desacerdas.tenancy.rls import disable_audit_rls, enable_audit_rls

# revision identifiers, used by Alembic.
revision = "0010_audit_rls"
down_revision = "0009_personal_data"
branch_labels = None
depends_on = None


def upgrade():
    enable_audit_rls(op, "audit_events")


def downgrade():
    disable_audit_rls(op, "audit_events")
