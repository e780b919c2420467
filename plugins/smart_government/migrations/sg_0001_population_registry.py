"""population registry

Revision ID: sg_0001
Revises:
Create Date: 2026-11-28 00:05:57.975817

"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

# revision identifiers, used by Alembic.
revision = "sg_0001"
down_revision = None
branch_labels = ("smart_government",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "sg_families",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kk_number", sa.String(length=16), nullable=False),
        sa.Column("kk_temporary", sa.Boolean(), nullable=False),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            name=op.f("fk_sg_families_tenant_id_hamlet_id_hamlets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sg_families_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sg_families")),
        sa.UniqueConstraint("tenant_id", "kk_number", name=op.f("uq_sg_families_tenant_id_kk_number")),
    )
    op.create_table(
        "sg_residents",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("nik_temporary", sa.Boolean(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_search", sa.String(length=120), nullable=False),
        sa.Column("birth_place", sa.String(length=80), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.Enum("male", "female", name="sex", native_enum=False, length=20), nullable=False),
        sa.Column("religion", sa.String(length=30), nullable=True),
        sa.Column("marital_status", sa.String(length=30), nullable=True),
        sa.Column("relationship_to_head", sa.String(length=30), nullable=True),
        sa.Column("education", sa.String(length=60), nullable=True),
        sa.Column("occupation", sa.String(length=80), nullable=True),
        sa.Column("citizenship", sa.String(length=3), nullable=False),
        sa.Column("blood_type", sa.String(length=3), nullable=True),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("father_name", sa.String(length=120), nullable=True),
        sa.Column("father_nik", sa.String(length=16), nullable=True),
        sa.Column("mother_name", sa.String(length=120), nullable=True),
        sa.Column("mother_nik", sa.String(length=16), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "living", "died", "moved_out", "missing", name="residentstatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "family_id"],
            ["sg_families.tenant_id", "sg_families.id"],
            name=op.f("fk_sg_residents_tenant_id_family_id_sg_families"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "hamlet_id"],
            ["hamlets.tenant_id", "hamlets.id"],
            name=op.f("fk_sg_residents_tenant_id_hamlet_id_hamlets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sg_residents_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sg_residents")),
        sa.UniqueConstraint("tenant_id", "nik", name=op.f("uq_sg_residents_tenant_id_nik")),
    )
    with op.batch_alter_table("sg_residents", schema=None) as batch_op:
        batch_op.create_index("ix_sg_residents_hamlet", ["tenant_id", "hamlet_id", "status"], unique=False)
        batch_op.create_index("ix_sg_residents_search", ["tenant_id", "name_search"], unique=False)

    op.create_table(
        "sg_civil_events",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "birth",
                "death",
                "move_in",
                "move_out",
                "missing",
                "correction",
                name="eventkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_sg_civil_events_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "resident_id"],
            ["sg_residents.tenant_id", "sg_residents.id"],
            name=op.f("fk_sg_civil_events_tenant_id_resident_id_sg_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sg_civil_events_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sg_civil_events")),
    )
    with op.batch_alter_table("sg_civil_events", schema=None) as batch_op:
        batch_op.create_index("ix_sg_civil_events_date", ["tenant_id", "event_date"], unique=False)
    for table in ("sg_families", "sg_residents", "sg_civil_events"):
        enable_rls(op, table)


def downgrade():
    for table in ("sg_civil_events", "sg_residents", "sg_families"):
        disable_rls(op, table)
    with op.batch_alter_table("sg_civil_events", schema=None) as batch_op:
        batch_op.drop_index("ix_sg_civil_events_date")

    op.drop_table("sg_civil_events")
    with op.batch_alter_table("sg_residents", schema=None) as batch_op:
        batch_op.drop_index("ix_sg_residents_search")
        batch_op.drop_index("ix_sg_residents_hamlet")

    op.drop_table("sg_residents")
    op.drop_table("sg_families")
