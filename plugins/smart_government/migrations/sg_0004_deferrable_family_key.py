"""the resident → family foreign key becomes deferrable (a bulk import checks it at commit)

Revision ID: sg_0004
Revises: sg_0003
Create Date: 2026-11-28 02:45:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "sg_0004"
down_revision = "sg_0003"
branch_labels = None
depends_on = None

NAME = "fk_sg_residents_tenant_id_family_id_sg_families"


def _recreate(**deferral) -> None:  # noqa: ANN003
    # batch mode: PostgreSQL alters in place, SQLite rebuilds the table (it cannot alter a constraint)
    with op.batch_alter_table("sg_residents") as batch:
        batch.drop_constraint(NAME, type_="foreignkey")
        batch.create_foreign_key(
            NAME,
            "sg_families",
            ["tenant_id", "family_id"],
            ["tenant_id", "id"],
            ondelete="RESTRICT",
            **deferral,
        )


def upgrade():
    _recreate(deferrable=True, initially="IMMEDIATE")


def downgrade():
    _recreate()
