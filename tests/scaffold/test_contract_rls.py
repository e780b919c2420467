"""The contract's Row-Level Security check is real: on SQLite it runs the plugin's migrations and
sees ``enable_rls`` called for each table (a comment naming it is not enough); on PostgreSQL it
reads pg_class and pg_policies (enabled, forced, a policy).

The plugins here own the core's ``hamlets`` table (no model of their own, nothing added to the
metadata); each is a package written into a temporary folder with its own migrations.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from desacerdas.testing import support
from desacerdas.testing.contract import Contract, ContractViolation

PLUGIN = """
from desacerdas import hookimpl
from desacerdas.models import Hamlet
from desacerdas.plugin_system.types import PluginInfo


@hookimpl
def desa_plugin_info():
    return PluginInfo("{name}", "Uji", "Probe", None, "1.0")


@hookimpl
def desa_owned_models():
    return [Hamlet]
"""

REVISION = '''"""{name}: {what}"""

from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

revision = "{name}_{number}"
down_revision = {down}
branch_labels = {labels}
depends_on = "0002_plugin_state"


def upgrade():
{body}


def downgrade():
    pass
'''

MENTION = """    # TODO: enable_rls(op, "hamlets") once the table exists
    op.execute("SELECT 'enable_rls hamlets'")"""
CALL = """    enable_rls(op, "hamlets")"""
UNDO = """    disable_rls(op, "hamlets")"""
BROKEN = """    op.execute("SELECT * FROM no_such_table")"""


def _write(root: Path, name: str, bodies: list[str]) -> None:
    package = root / name
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN.format(name=name), encoding="utf-8")
    for i, body in enumerate(bodies, start=1):
        down = "None" if i == 1 else f'"{name}_{i - 1:04d}"'
        labels = f'("{name}",)' if i == 1 else "()"
        source = REVISION.format(
            name=name, what=f"step {i}", number=f"{i:04d}", down=down, labels=labels, body=body
        )
        (package / "migrations" / f"{name}_{i:04d}_step.py").write_text(source, encoding="utf-8")


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    root = tmp_path_factory.mktemp("rls_plugins")
    plugins = {
        "rls_mention": [MENTION],
        "rls_call": [MENTION, CALL],
        "rls_undone": [CALL, UNDO],
        "rls_broken": [CALL, BROKEN],
    }
    for name, bodies in plugins.items():
        _write(root, name, bodies)
    sys.path.insert(0, str(root))
    try:
        modules = {name: importlib.import_module(name) for name in plugins}
        db_dir = tmp_path_factory.mktemp("rls_db")
        url = f"sqlite:///{db_dir / 'app.db'}"  # the SQLite path of the check, in every lane
        config = support.app_config(
            (url, url), db_dir / "instance", EXTRA_PLUGINS=modules, DISCOVER_PLUGINS=False
        )
        yield Contract(support.create_test_app(config))
    finally:
        sys.path.remove(str(root))
        for name in plugins:
            sys.modules.pop(name, None)


def test_a_comment_naming_enable_rls_is_not_a_call(contract):
    with pytest.raises(ContractViolation, match=r"no migration calls enable_rls\(op, 'hamlets'\)"):
        contract.models_are_tenant_owned("rls_mention")


def test_a_migration_that_calls_enable_rls_passes(contract):
    report = contract.models_are_tenant_owned("rls_call")
    assert report.models == ["Hamlet"]


def test_rls_disabled_by_a_later_revision_fails(contract):
    with pytest.raises(ContractViolation, match=r"no migration calls enable_rls\(op, 'hamlets'\)"):
        contract.models_are_tenant_owned("rls_undone")


def test_migrations_that_fail_to_run_are_reported(contract):
    with pytest.raises(ContractViolation, match=r"the migrations of rls_broken fail on an empty SQLite"):
        contract.models_are_tenant_owned("rls_broken")


def test_the_recorders_are_removed_after_the_check(contract):
    from desacerdas.tenancy import rls

    contract.models_are_tenant_owned("rls_call")
    assert rls.enable_rls.__module__ == "desacerdas.tenancy.rls" and rls.enable_rls.__name__ == "enable_rls"


pg = pytest.mark.skipif(
    not support.database_urls(Path("/nonexistent"))[0].startswith("postgresql"),
    reason="PostgreSQL lane only (DESA_TEST_DATABASE_URL)",
)


@pg
def test_on_postgresql_rls_must_be_forced_and_have_a_policy(desa_app, desa_contract, desa_database_urls):
    desa_contract.models_are_tenant_owned("good")  # hamlets: enabled, forced, policy (core migration)
    engine = create_engine(desa_database_urls[1])  # the tables' owner
    try:
        with engine.begin() as conn:
            conn.execute(text('ALTER TABLE "hamlets" NO FORCE ROW LEVEL SECURITY'))
        with pytest.raises(ContractViolation, match=r"hamlets: Row-Level Security lacks forced"):
            desa_contract.models_are_tenant_owned("good")
    finally:
        with engine.begin() as conn:
            conn.execute(text('ALTER TABLE "hamlets" FORCE ROW LEVEL SECURITY'))
        engine.dispose()
