"""registrations get a short reference the applicant can read and type back (K7QM-4TZP)

Revision ID: smart_government_0009
Revises: smart_government_0008
Create Date: 2026-12-02 21:20:00.000000

Until this revision an applicant followed their request with the registration's UUID (36
characters). Now every registration has ``reference``: eight characters of Crockford's base 32 in
two groups (``accounts/references.py``), unique per village. Existing registrations get one here,
drawn the same way; the UUID stays the row's key (and its old status address keeps working).

``smart_government_registrations`` has FORCEd Row-Level Security on PostgreSQL: its rows are read
and written one village at a time with the village set as the session's (``desa.tenant_id``).

Downgrade drops the column (the UUIDs still find every request).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.context import PG_SETTING

# revision identifiers, used by Alembic.
revision = "smart_government_0009"
down_revision = "smart_government_0008"
branch_labels = None
depends_on = None

TABLE = "smart_government_registrations"
# Frozen here (not imported), so a later change of the format does not change this revision.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

tenants = sa.table("tenants", sa.column("id", sa.Integer()))
registrations = sa.table(
    TABLE,
    sa.column("tenant_id", sa.Integer()),
    sa.column("id", sa.Uuid()),
    sa.column("reference", sa.String()),
)


def _code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _fill(bind: sa.Connection, tenant_id: int) -> None:
    ids = bind.execute(
        sa.select(registrations.c.id)
        .where(registrations.c.tenant_id == tenant_id, registrations.c.reference.is_(None))
        .order_by(registrations.c.id)
    ).scalars()
    used: set[str] = set()
    for row_id in list(ids):
        code = _code()
        while code in used:
            code = _code()
        used.add(code)
        bind.execute(
            sa.update(registrations)
            .where(registrations.c.tenant_id == tenant_id, registrations.c.id == row_id)
            .values(reference=code)
        )


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=9), nullable=True))
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    try:
        for tenant_id in bind.execute(sa.select(tenants.c.id).order_by(tenants.c.id)).scalars().all():
            if postgresql:
                bind.execute(sa.select(sa.func.set_config(PG_SETTING, str(tenant_id), True)))
            _fill(bind, tenant_id)
    finally:
        if postgresql:
            bind.execute(sa.select(sa.func.set_config(PG_SETTING, "", True)))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(length=9), nullable=False)
        batch_op.create_unique_constraint(
            op.f("uq_smart_government_registrations_tenant_id_reference"), ["tenant_id", "reference"]
        )


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("uq_smart_government_registrations_tenant_id_reference"), type_="unique"
        )
        batch_op.drop_column("reference")
