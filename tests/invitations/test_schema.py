"""The ``invitations`` table: its migration matches the model, and it follows the platform-level rules."""

from __future__ import annotations

from pathlib import Path

from desacerdas.extensions import db
from desacerdas.models import Base, Invitation
from desacerdas.tenancy.contract import model_violations, table_violations, tenant_tables


def test_platform_level_and_follows_the_rules():
    assert "invitations" not in tenant_tables()
    assert model_violations(Invitation) == []
    assert table_violations(Base.metadata.tables["invitations"]) == []


def test_migration_matches_the_model(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    mine = [d for d in diff if "invitations" in repr(d)]
    assert mine == []


def test_listed_for_citus_after_the_tables_it_references():
    text = (Path(__file__).resolve().parents[2] / "docs" / "scaling.md").read_text()
    block = text.split("<!-- citus:begin -->")[1].split("<!-- citus:end -->")[0]
    at = block.index("create_reference_table('invitations')")
    assert block.index("create_reference_table('users')") < at
    assert block.index("create_reference_table('tenants')") < at
