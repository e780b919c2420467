"""the pillar's tables, indexes and constraints take the plugin's name as prefix (sg_* -> smart_government_*)

Revision ID: smart_government_0005
Revises: sg_0004
Create Date: 2026-12-02 09:00:00.000000

The revisions before this one keep their ids (sg_0001 … sg_0004): existing databases record them.
Data stays where it is: PostgreSQL renames in place (the RLS policy ``tenant_isolation`` and the
grants belong to the table and follow it); SQLite renames the tables in place and rebuilds each one
with its constraints' new names (they live in the table's SQL), then recreates its indexes.

"""

import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import conv

# revision identifiers, used by Alembic.
revision = "smart_government_0005"
down_revision = "sg_0004"
branch_labels = None
depends_on = None

OLD, NEW = "sg_", "smart_government_"
TABLES = (
    "families",
    "residents",
    "civil_events",
    "letter_sequences",
    "letter_types",
    "letter_requests",
    "letter_request_steps",
    "letters",
    "resident_accounts",
    "registrations",
)
# Explicit names that are not the naming convention's (the convention's is too long for PostgreSQL).
SPECIAL = {"fk_sg_residents_tenant_id_family_id_sg_families": "fk_smart_government_residents_family_id"}
# Every named index and constraint of the tables, by their sg_ names (the naming convention's full
# names: PostgreSQL holds the long ones truncated, see _final).
NAMES = {
    "families": (
        "fk_sg_families_tenant_id_hamlet_id_hamlets",
        "fk_sg_families_tenant_id_tenants",
        "pk_sg_families",
        "uq_sg_families_tenant_id_kk_number",
    ),
    "residents": (
        "fk_sg_residents_tenant_id_family_id_sg_families",
        "fk_sg_residents_tenant_id_hamlet_id_hamlets",
        "fk_sg_residents_tenant_id_tenants",
        "pk_sg_residents",
        "uq_sg_residents_tenant_id_nik",
        "ix_sg_residents_hamlet",
        "ix_sg_residents_search",
    ),
    "civil_events": (
        "fk_sg_civil_events_recorded_by_users",
        "fk_sg_civil_events_tenant_id_resident_id_sg_residents",
        "fk_sg_civil_events_tenant_id_tenants",
        "pk_sg_civil_events",
        "ix_sg_civil_events_date",
    ),
    "letter_sequences": (
        "fk_sg_letter_sequences_tenant_id_tenants",
        "pk_sg_letter_sequences",
        "uq_sg_letter_sequences_tenant_id_scope_key_year",
    ),
    "letter_types": (
        "fk_sg_letter_types_tenant_id_tenants",
        "pk_sg_letter_types",
        "uq_sg_letter_types_tenant_id_code",
    ),
    "letter_requests": (
        "fk_sg_letter_requests_requested_by_users",
        "fk_sg_letter_requests_signed_by_users",
        "fk_sg_letter_requests_tenant_id_resident_id_sg_residents",
        "fk_sg_letter_requests_tenant_id_tenants",
        "fk_sg_letter_requests_tenant_id_type_id_sg_letter_types",
        "pk_sg_letter_requests",
        "ix_sg_letter_requests_resident",
        "ix_sg_letter_requests_status",
    ),
    "letter_request_steps": (
        "fk_sg_letter_request_steps_actor_id_users",
        "fk_sg_letter_request_steps_tenant_id_request_id_sg_letter_requests",
        "fk_sg_letter_request_steps_tenant_id_tenants",
        "pk_sg_letter_request_steps",
        "ix_sg_letter_request_steps_request",
    ),
    "letters": (
        "fk_sg_letters_issued_by_users",
        "fk_sg_letters_revoked_by_users",
        "fk_sg_letters_tenant_id_request_id_sg_letter_requests",
        "fk_sg_letters_tenant_id_tenants",
        "pk_sg_letters",
        "uq_sg_letters_tenant_id_number",
        "uq_sg_letters_tenant_id_request_id",
        "uq_sg_letters_tenant_id_token",
    ),
    "resident_accounts": (
        "fk_sg_resident_accounts_tenant_id_resident_id_sg_residents",
        "fk_sg_resident_accounts_tenant_id_tenants",
        "fk_sg_resident_accounts_user_id_users",
        "pk_sg_resident_accounts",
        "uq_sg_resident_accounts_tenant_id_resident_id",
        "uq_sg_resident_accounts_tenant_id_user_id",
    ),
    "registrations": (
        "fk_sg_registrations_decided_by_users",
        "fk_sg_registrations_tenant_id_resident_id_sg_residents",
        "fk_sg_registrations_tenant_id_tenants",
        "pk_sg_registrations",
        "ix_sg_registrations_nik",
        "ix_sg_registrations_status",
    ),
}


def _renamed(name: str) -> str:
    """The new name of an sg_ name: every table name in it takes the new prefix."""
    return SPECIAL.get(name) or re.sub(rf"(?<=_){OLD}|^{OLD}", NEW, name)


def _final(name: str) -> str:
    """The name as the database holds it: SQLAlchemy shortens a convention name longer than the
    dialect allows (PostgreSQL: 63) to its start and a hash; SQLite keeps it whole."""
    prep = op.get_bind().dialect.identifier_preparer
    render = (
        prep.truncate_and_render_index_name
        if name.startswith("ix_")
        else prep.truncate_and_render_constraint_name
    )
    return render(conv(name)).strip('"')


def _pairs(forward: bool) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """old table -> (new table, [(old name, new name)]) in the direction asked."""
    out = {}
    for table in TABLES:
        names = [(n, _renamed(n)) for n in NAMES[table]]
        if forward:
            out[OLD + table] = (NEW + table, names)
        else:
            out[NEW + table] = (OLD + table, [(b, a) for a, b in names])
    return out


def _postgresql(pairs: dict[str, tuple[str, list[tuple[str, str]]]]) -> None:
    for old_table, (new_table, names) in pairs.items():
        op.execute(f'ALTER TABLE "{old_table}" RENAME TO "{new_table}"')
        for old, new in names:
            old, new = _final(old), _final(new)
            if old.startswith("ix_"):
                op.execute(f'ALTER INDEX "{old}" RENAME TO "{new}"')
            else:  # a primary key's or unique constraint's index follows its constraint
                op.execute(f'ALTER TABLE "{new_table}" RENAME CONSTRAINT "{old}" TO "{new}"')


def _sqlite(pairs: dict[str, tuple[str, list[tuple[str, str]]]]) -> None:
    bind = op.get_bind()
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        # Dropping a rebuilt table would cascade to the rows that refer to it.
        raise RuntimeError(
            "run this migration with PRAGMA foreign_keys=OFF (SQLite's default on a new connection)"
        )
    # SQLite runs this DDL outside a transaction: every step is written so that a second run after a
    # failure carries on where the first stopped.
    present = set(sa.inspect(bind).get_table_names())
    for old_table, (new_table, _names) in pairs.items():
        if old_table in present and new_table not in present:
            # Also rewrites the references of the other tables' foreign keys (SQLite >= 3.26).
            op.execute(f'ALTER TABLE "{old_table}" RENAME TO "{new_table}"')
    for new_table, names in pairs.values():
        _rebuild(bind, new_table, dict(names))


def _rebuild(bind, table: str, names: dict[str, str]) -> None:  # noqa: ANN001
    """Rebuild ``table`` with its constraints renamed (copy, drop, rename), then its indexes."""
    schema = "SELECT sql FROM sqlite_master WHERE type = :type AND tbl_name = :table AND sql IS NOT NULL"
    temporary = f"_rename_{table}"
    present = set(sa.inspect(bind).get_table_names())
    if table not in present and temporary in present:  # an earlier run stopped between drop and rename
        op.execute(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    op.execute(f'DROP TABLE IF EXISTS "{temporary}"')
    create = bind.execute(sa.text(schema), {"type": "table", "table": table}).scalar_one()
    indexes = list(bind.execute(sa.text(schema), {"type": "index", "table": table}).scalars())
    for old, new in names.items():
        create = re.sub(rf"\bCONSTRAINT {old}\b", f"CONSTRAINT {new}", create)
    create = re.sub(r'^CREATE TABLE\s+("?)[^\s"(]+\1\s*\(', f'CREATE TABLE "{temporary}" (', create, count=1)
    bind.exec_driver_sql(create)
    op.execute(f'INSERT INTO "{temporary}" SELECT * FROM "{table}"')  # noqa: S608 - this file's names
    op.execute(f'DROP TABLE "{table}"')  # and its indexes
    op.execute(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    for index in indexes:
        for old, new in names.items():
            index = re.sub(rf"\b{old}\b", new, index)
        bind.exec_driver_sql(index)


def _rename(forward: bool) -> None:
    pairs = _pairs(forward)
    if op.get_bind().dialect.name == "postgresql":
        _postgresql(pairs)
    else:
        _sqlite(pairs)


def upgrade():
    _rename(True)


def downgrade():
    _rename(False)
