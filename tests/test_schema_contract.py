"""Every table, present and future, must follow the tenancy rules. Introspects the metadata and,
on PostgreSQL, the live database, so a table that forgets a rule fails here."""

from __future__ import annotations

import pytest
from conftest import PG_APP_ROLE, PG_OWNER_URL, PG_URL
from sqlalchemy import create_engine, text

from desacerdas.extensions import db
from desacerdas.models import Base
from desacerdas.tenancy.context import PG_SETTING
from desacerdas.tenancy.contract import model_violations, table_violations, tenant_tables
from desacerdas.tenancy.rls import tables_without_rls


def test_every_model_and_table_follows_the_tenancy_rules():
    assert "hamlets" in tenant_tables()
    problems = [p for m in Base.registry.mappers for p in model_violations(m.class_)]
    problems += [p for t in Base.metadata.sorted_tables for p in table_violations(t)]
    assert problems == []


def test_the_rules_catch_a_careless_table():
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint

    md = MetaData()
    Table("tenants", md, Column("id", Integer, primary_key=True))
    Table(
        "hamlets", md, Column("tenant_id", Integer, primary_key=True), Column("id", Integer, primary_key=True)
    )
    careless = Table(
        "hamlets_careless",
        md,
        Column("id", Integer, primary_key=True),
        Column("tenant_id", Integer),
        Column("nik", String),
        Column("hamlet_id", Integer, ForeignKey("hamlets.id")),
        UniqueConstraint("nik"),
    )
    careless.name = "hamlets"  # pretend it is the tenant-owned table
    problems = table_violations(careless)
    assert any("primary key must start with tenant_id" in p for p in problems)
    assert any("lacks tenant_id" in p for p in problems)
    assert any("must include tenant_id" in p for p in problems)


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
        assert tables_without_rls(conn, sorted(tenant_tables())) == []
        conn.execute(text("CREATE TABLE careless (tenant_id int, id int)"))
        assert tables_without_rls(conn, ["careless", "hamlets"]) == ["careless"]  # the check can fail
        conn.rollback()
    engine.dispose()


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
