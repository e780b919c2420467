"""Every table, present and future, must follow the tenancy rules. Introspects the metadata and,
on PostgreSQL, the live database, so a table that forgets a rule fails here."""

from __future__ import annotations

import pytest
from conftest import PG_APP_ROLE, PG_OWNER_URL, PG_URL
from sqlalchemy import create_engine, text

from desacerdas.extensions import db
from desacerdas.models import Base, is_tenant_scoped
from desacerdas.tenancy.context import PG_SETTING


def _tenant_tables() -> set[str]:
    return {m.local_table.name for m in Base.registry.mappers if is_tenant_scoped(m.class_)}


def test_every_model_is_tenant_scoped_or_declared_platform_level():
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        assert is_tenant_scoped(cls) or getattr(cls, "__platform_level__", False), (
            f"{cls.__name__} must subclass TenantScoped or set __platform_level__ = True"
        )


def test_tenant_tables_have_tenant_id_in_every_key():
    tenant_tables = _tenant_tables()
    assert "hamlets" in tenant_tables
    for table in Base.metadata.sorted_tables:
        if table.name not in tenant_tables:
            continue
        pk = [c.name for c in table.primary_key.columns]
        assert pk[0] == "tenant_id", f"{table.name}: primary key must start with tenant_id, is {pk}"
        for constraint in table.constraints:
            cols = [c.name for c in getattr(constraint, "columns", [])]
            if constraint.__class__.__name__ == "UniqueConstraint":
                assert "tenant_id" in cols, f"{table.name}: unique {cols} lacks tenant_id"
        for index in table.indexes:
            if index.unique:
                assert "tenant_id" in [c.name for c in index.columns], (
                    f"{table.name}: unique index lacks tenant_id"
                )
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            if target in tenant_tables:
                assert "tenant_id" in fk.column_keys, f"{table.name}: FK to {target} must include tenant_id"


def test_platform_tables_never_point_at_tenant_tables():
    tenant_tables = _tenant_tables()
    for table in Base.metadata.sorted_tables:
        if table.name in tenant_tables:
            continue
        for fk in table.foreign_key_constraints:
            assert fk.referred_table.name not in tenant_tables, (
                f"{table.name} references {fk.referred_table.name}"
            )


def test_migrations_match_the_models(app):
    """Autogenerate finds nothing to do: no model change is missing its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


pg = pytest.mark.skipif(not PG_URL, reason="PostgreSQL lane only (CI runs it: DESA_TEST_DATABASE_URL)")


@pg
def test_rls_enabled_and_forced_on_every_tenant_table(app):
    engine = create_engine(PG_OWNER_URL)
    with engine.connect() as conn:
        rows = {
            r.relname: r
            for r in conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                    "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            )
        }
    engine.dispose()
    for name in _tenant_tables():
        assert rows[name].relrowsecurity and rows[name].relforcerowsecurity, f"{name}: RLS not enabled+forced"
        assert rows[name].policies >= 1, f"{name}: no policy"


@pg
def test_app_role_neither_owns_tables_nor_bypasses_rls(app):
    with app.app_context(), db.engine.connect() as conn:
        me = conn.execute(
            text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owners = set(
            conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars()
        )
    assert me.rolname == PG_APP_ROLE
    assert not me.rolsuper and not me.rolbypassrls
    assert me.rolname not in owners


@pg
def test_raw_sql_as_app_role_sees_only_the_current_village(app, menanga, bebandem):
    from desacerdas.models import Tenant
    from desacerdas.services.tenants import add_hamlet

    with app.app_context():
        add_hamlet(db.session.get(Tenant, menanga.id), "Kaja")
        add_hamlet(db.session.get(Tenant, bebandem.id), "Kangin")
        db.session.rollback()
        with db.engine.connect() as conn:
            # No village set: RLS fails closed, even for a statement with no WHERE clause.
            assert conn.execute(text("SELECT count(*) FROM hamlets")).scalar() == 0
            conn.rollback()
            with conn.begin():
                conn.execute(text("SELECT set_config(:k, :v, true)"), {"k": PG_SETTING, "v": str(menanga.id)})
                names = conn.execute(text("SELECT name FROM hamlets")).scalars().all()
                assert names == ["Kaja"]
                # WITH CHECK: writing a row for another village is refused by the database itself.
                with pytest.raises(Exception, match="row-level security"), conn.begin_nested():
                    conn.execute(
                        text(
                            "INSERT INTO hamlets (tenant_id, id, name, created_at, updated_at) "
                            "VALUES (:t, gen_random_uuid(), 'X', now(), now())"
                        ),
                        {"t": bebandem.id},
                    )
                assert conn.execute(text("UPDATE hamlets SET code = 'x'")).rowcount == 1
            # set_config(..., true) is transaction-local: the next transaction sees nothing again.
            assert conn.execute(text("SELECT count(*) FROM hamlets")).scalar() == 0
