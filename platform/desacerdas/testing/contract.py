"""Contract checks any plugin can run against itself (``desa_contract`` fixture).

* :meth:`Contract.routes_404_when_disabled`: every page and API route of the plugin answers 404, for
  every method, in a village where the plugin is not enabled, even to a platform admin;
* :meth:`Contract.models_are_tenant_owned`: every model follows the tenancy rules, is declared in
  ``desa_owned_models`` (so a purge finds it) and its table has Row-Level Security;
* :meth:`Contract.migrations_match_models`: the plugin's migrations create exactly its models;
* :meth:`Contract.no_cross_village_read`: a row of village A cannot be read from village B, neither
  through the ORM nor through any of the plugin's GET routes.

Each check raises :class:`ContractViolation` listing every problem it found, and otherwise returns
what it checked (so a test can make sure it was not vacuous).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import support

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient
    from sqlalchemy.orm import Session
    from werkzeug.routing import Rule

    from ..plugin_system.manager import LoadedPlugin

Factory = Callable[["Session"], Any]
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


class ContractViolation(AssertionError):
    """A plugin breaks a platform rule; the message lists every problem found."""

    def __init__(self, plugin: str, check: str, problems: list[str]) -> None:
        self.plugin = plugin
        self.check = check
        self.problems = problems
        super().__init__(f"{plugin} breaks '{check}':\n  - " + "\n  - ".join(problems))


@dataclass
class Report:
    """What the checks looked at."""

    plugin: str
    requests: list[str] = field(default_factory=list)  # "METHOD /url -> status"
    models: list[str] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)  # "Model id" created in village A


class Contract:
    """The checks, bound to a migrated test app (see the ``desa_contract`` fixture)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._admin: support.Person | None = None
        self._headers: dict[str, str] | None = None
        self._counter = itertools.count(1)

    # -- all at once ------------------------------------------------------------------------------

    def check(self, plugin: str, factories: dict[type, Factory] | None = None) -> Report:
        """Run every check; raise one :class:`ContractViolation` with the problems of all of them."""
        report = Report(plugin)
        problems: list[str] = []
        for name, run in (
            ("models are tenant-owned", lambda: self.models_are_tenant_owned(plugin, report)),
            ("migrations match models", lambda: self.migrations_match_models(plugin, report)),
            ("routes 404 when disabled", lambda: self.routes_404_when_disabled(plugin, report)),
            ("no cross-village read", lambda: self.no_cross_village_read(plugin, factories, report)),
        ):
            try:
                run()
            except ContractViolation as exc:
                problems += [f"[{name}] {p}" for p in exc.problems]
        if problems:
            raise ContractViolation(plugin, "the plugin contract", problems)
        return report

    # -- models ------------------------------------------------------------------------------------

    def models_are_tenant_owned(self, plugin: str, report: Report | None = None) -> Report:
        from ..models.base import Base, is_tenant_scoped
        from ..plugin_system.migrations import plugin_migration_dir
        from ..tenancy.contract import model_violations

        report = report or Report(plugin)
        loaded = self._loaded(plugin)
        problems = [p for model in loaded.models for p in model_violations(model)]
        declared = set(loaded.models)
        package = loaded.package or ""
        for mapper in Base.registry.mappers:
            cls = mapper.class_
            module = getattr(cls, "__module__", "")
            if package and (module == package or module.startswith(package + ".")) and cls not in declared:
                problems.append(
                    f"{cls.__name__} ({module}) is not returned by desa_owned_models: "
                    "the platform cannot check it at start-up nor purge it"
                )
        tables = [m.__table__.name for m in loaded.models if is_tenant_scoped(m)]
        report.models += [m.__name__ for m in loaded.models]
        problems += self._rls_problems(plugin, tables, plugin_migration_dir(loaded.package))
        if problems:
            raise ContractViolation(plugin, "models are tenant-owned", problems)
        return report

    def _rls_problems(self, plugin: str, tables: list[str], migration_dir: Path | None) -> list[str]:
        from ..extensions import db

        if not tables:
            return []
        with self.app.app_context(), db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                return _postgresql_rls_problems(conn, tables)
        # SQLite has no RLS: run the plugin's migrations and see enable_rls called for each table,
        # so that PostgreSQL gets it (a comment or a string naming it is not a call).
        with self.app.app_context():
            protected, failure = _tables_given_rls_by_migrations(plugin, migration_dir)
        if failure:
            return [failure]
        return [f"{t}: no migration calls enable_rls(op, '{t}')" for t in tables if t not in protected]

    def migrations_match_models(self, plugin: str, report: Report | None = None) -> Report:
        """Autogenerate finds nothing to do for the plugin's tables."""
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        from ..extensions import db

        report = report or Report(plugin)
        tables = {m.__table__.name for m in self._loaded(plugin).models if hasattr(m, "__table__")}
        if not tables:
            return report

        def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
            if type_ == "table":
                return name in tables
            table = getattr(obj, "table", None)
            return table is None or table.name in tables

        with self.app.app_context(), db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include})
            diff = compare_metadata(context, db.metadata)
        if diff:
            raise ContractViolation(
                plugin,
                "migrations match models",
                [f"the database differs from the models (write a migration): {d}" for d in diff],
            )
        return report

    # -- routes ------------------------------------------------------------------------------------

    def routes_404_when_disabled(self, plugin: str, report: Report | None = None) -> Report:
        """Every route, every method: 404 where disabled; GET routes without parameters work where
        enabled (not 404, no server error), so the check cannot pass by accident."""
        report = report or Report(plugin)
        self._loaded(plugin)
        rules = self.rules(plugin)
        if not rules:
            return report
        disabled = support.make_village(self.app)
        enabled = support.make_village(self.app, enable=[plugin])
        client = self._admin_client()
        problems = []
        for rule in rules:
            for method in sorted(rule.methods - IGNORED_METHODS):
                resp = self._request(client, rule, method, disabled.slug, {})
                report.requests.append(f"{method} {resp.request.path} -> {resp.status_code}")
                if resp.status_code != 404:
                    problems.append(
                        f"{method} {resp.request.path} answers {resp.status_code} in a village where "
                        f"{plugin} is disabled (must be 404)"
                    )
            if "GET" in rule.methods and not self._parameters(rule):
                resp = self._request(client, rule, "GET", enabled.slug, {})
                report.requests.append(f"GET {resp.request.path} -> {resp.status_code}")
                if resp.status_code == 404 or resp.status_code >= 500:
                    problems.append(
                        f"GET {resp.request.path} answers {resp.status_code} where {plugin} is enabled"
                    )
        if problems:
            raise ContractViolation(plugin, "routes 404 when disabled", problems)
        return report

    def rules(self, plugin: str) -> list[Rule]:
        """The URL rules of the plugin: those of its page and API blueprints, and any other rule
        under its prefixes (one added behind the platform's back escapes the gate)."""
        mine = {plugin, f"{plugin}_api"}
        prefixes = (f"/desa/<slug>/{plugin}/", f"/api/v1/desa/<slug>/{plugin}/")
        return sorted(
            (
                r
                for r in self.app.url_map.iter_rules()
                if r.endpoint.split(".", 1)[0] in mine or r.rule.startswith(prefixes)
            ),
            key=lambda r: r.rule,
        )

    # -- data --------------------------------------------------------------------------------------

    def no_cross_village_read(
        self, plugin: str, factories: dict[type, Factory] | None = None, report: Report | None = None
    ) -> Report:
        """Create one row of every tenant-owned model in village A; from village B (the plugin
        enabled in both), the ORM finds nothing and no GET route shows it: every route with an id
        parameter answers 404 for it, every other GET route leaves it out."""
        from sqlalchemy import select

        from ..models.base import is_tenant_scoped
        from ..tenancy import tenant_session

        report = report or Report(plugin)
        factories = factories or {}
        models = [m for m in self._loaded(plugin).models if is_tenant_scoped(m)]
        if not models:
            return report
        a = support.make_village(self.app, enable=[plugin])
        b = support.make_village(self.app, enable=[plugin])
        problems: list[str] = []
        rows: list[tuple[type, uuid.UUID]] = []
        with self.app.app_context():
            for model in models:
                with tenant_session(a.id) as session:
                    row = (factories.get(model) or self.auto_factory(model))(session)
                    session.add(row)
                    session.commit()
                    rows.append((model, row.id))
                    report.rows.append(f"{model.__name__} {row.id}")
                with tenant_session(b.id) as session:
                    if session.get(model, (a.id, row.id)) is not None:
                        problems.append(f"{model.__name__}: session.get() in village B returns A's row")
                    if session.scalar(select(model).where(model.id == row.id)) is not None:
                        problems.append(f"{model.__name__}: a query in village B returns A's row")
        client = self._admin_client()
        for rule in self.rules(plugin):
            if "GET" not in rule.methods:
                continue
            params = self._parameters(rule)
            if not params:
                resp = self._request(client, rule, "GET", b.slug, {})
                report.requests.append(f"GET {resp.request.path} -> {resp.status_code}")
                body = resp.get_data(as_text=True)
                problems += [
                    f"GET {resp.request.path} in village B shows {model.__name__} {key} of village A"
                    for model, key in rows
                    if str(key) in body
                ]
                continue
            if not any(type(c).__name__ == "UUIDConverter" for c in params.values()):
                continue  # no id to put in the URL
            for model, key in rows:
                resp = self._request(client, rule, "GET", b.slug, {"uuid": key})
                report.requests.append(f"GET {resp.request.path} -> {resp.status_code}")
                if resp.status_code != 404:
                    problems.append(
                        f"GET {resp.request.path} (id of a {model.__name__} of village A) answers "
                        f"{resp.status_code} in village B (must be 404)"
                    )
        if problems:
            raise ContractViolation(plugin, "no cross-village read", problems)
        return report

    def auto_factory(self, model: type) -> Factory:
        """A factory filling the required columns of ``model`` with typed values; models with
        required foreign keys need a factory of their own (``factories={Model: fn(session)}``)."""
        columns = []
        for column in model.__table__.columns:
            if column.name in ("tenant_id", "id") or column.nullable:
                continue
            if column.default is not None or column.server_default is not None:
                continue
            if column.foreign_keys:
                raise ContractViolation(
                    model.__name__,
                    "no cross-village read",
                    [
                        f"{model.__name__}.{column.name} is a required foreign key: pass "
                        f"factories={{{model.__name__}: lambda session: {model.__name__}(...)}}"
                    ],
                )
            columns.append(column)

        def build(session: Session) -> Any:
            n = next(self._counter)
            return model(**{c.key: self._value(model, c, n) for c in columns})

        return build

    def _value(self, model: type, column: Any, n: int) -> Any:
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            python_type = str
        enum_class = getattr(column.type, "enum_class", None)
        if enum_class is not None:
            return next(iter(enum_class))
        enums = getattr(column.type, "enums", None)
        if enums:
            return enums[0]
        if python_type is bool:
            return False
        if issubclass(python_type, enum.Enum):
            return next(iter(python_type))
        if python_type is int:
            return n
        if python_type in (float, decimal.Decimal):
            return python_type(n)
        if python_type is dt.datetime:
            return dt.datetime.now(dt.UTC)
        if python_type is dt.date:
            return dt.date.today()
        if python_type is uuid.UUID:
            return uuid.uuid4()
        if python_type in (dict, list):
            return python_type()
        length = getattr(column.type, "length", None) or 40
        return f"contract {n} {uuid.uuid4().hex}"[:length]

    # -- helpers -----------------------------------------------------------------------------------

    def _loaded(self, plugin: str) -> LoadedPlugin:
        loaded = self.app.extensions["desa_plugins"].loaded.get(plugin)
        if loaded is None:
            raise ContractViolation(
                plugin,
                "the plugin loads",
                [
                    f"no plugin named {plugin}: is its package installed (pip install -e .) with an entry "
                    "point in the group desacerdas.plugins?"
                ],
            )
        if loaded.broken:
            raise ContractViolation(plugin, "the plugin loads", [f"the plugin is broken: {loaded.error}"])
        return loaded

    def _admin_client(self) -> FlaskClient:
        if self._admin is None:
            self._admin = support.make_user(self.app, "platform_admin")
            self._headers = support.api_headers(self.app, self._admin)
        client = self.app.test_client()
        support.sign_in(client, self._admin)
        return client

    @staticmethod
    def _parameters(rule: Rule) -> dict[str, Any]:
        converters = getattr(rule, "_converters", {})
        return {name: converters.get(name) for name in rule.arguments if name != "slug"}

    def _request(self, client: FlaskClient, rule: Rule, method: str, slug: str, fill: dict[str, Any]) -> Any:
        values: dict[str, Any] = {"slug": slug}
        for name, converter in self._parameters(rule).items():
            kind = type(converter).__name__
            if kind == "UUIDConverter":
                values[name] = str(fill.get("uuid") or uuid.uuid4())
            elif kind == "IntegerConverter":
                values[name] = "1"
            elif kind == "FloatConverter":
                values[name] = "1.0"
            elif kind == "AnyConverter" and getattr(converter, "items", None):
                values[name] = sorted(converter.items)[0]
            else:
                values[name] = "x"
        built = rule.build(values, append_unknown=False)
        path = built[1] if built else rule.rule
        headers = dict(self._headers or {}) if path.startswith("/api/") else {}
        body = {} if method in ("POST", "PUT", "PATCH") else None
        return client.open(path, method=method, headers=headers, json=body)


# -- Row-Level Security ----------------------------------------------------------------------------

_RLS_HINT = "call desacerdas.tenancy.rls.enable_rls(op, table) in the migration"


def _postgresql_rls_problems(conn: Any, tables: list[str]) -> list[str]:
    """Each table must have RLS enabled, FORCEd (else its owner bypasses it) and a policy."""
    from sqlalchemy import bindparam, text

    rows = conn.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, EXISTS (SELECT 1 FROM pg_policies p "
            "WHERE p.schemaname = n.nspname AND p.tablename = c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname IN :names"
        ).bindparams(bindparam("names", expanding=True)),
        {"names": tables},
    )
    found = {name: (enabled, forced, policy) for name, enabled, forced, policy in rows}
    problems = []
    for table in tables:
        if table not in found:
            problems.append(f"{table}: no such table in the database (is the plugin's branch applied?)")
            continue
        enabled, forced, policy = found[table]
        missing = [
            what
            for what, ok in (
                ("enabled", enabled),
                ("forced (FORCE ROW LEVEL SECURITY)", forced),
                ("a policy", policy),
            )
            if not ok
        ]
        if missing:
            problems.append(f"{table}: Row-Level Security lacks {', '.join(missing)} ({_RLS_HINT})")
    return problems


def _tables_given_rls_by_migrations(plugin: str, migration_dir: Path | None) -> tuple[set[str], str | None]:
    """Run the plugin's branch (and what it depends on) on a scratch SQLite database with
    ``enable_rls``/``disable_rls`` recorded; return the tables the plugin's own revisions leave with
    RLS, or a problem when the migrations fail to run."""
    import tempfile
    from unittest import mock

    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from flask import current_app
    from sqlalchemy import create_engine

    from ..plugin_system.migrations import branches_with_migrations
    from ..tenancy import rls

    if migration_dir is None or plugin not in branches_with_migrations():
        return set(), None
    mine = {p.resolve() for p in migration_dir.glob("*.py")}
    calls: list[tuple[bool, str]] = []
    protected: set[str] = set()
    real_enable, real_disable = rls.enable_rls, rls.disable_rls

    def enable(op: Any, table: str) -> None:
        calls.append((True, table))
        real_enable(op, table)

    def disable(op: Any, table: str) -> None:
        calls.append((False, table))
        real_disable(op, table)

    def applied(*, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        script = step.up_revision if step.is_upgrade else None
        if script is not None and Path(script.path).resolve() in mine:
            for on, table in calls:
                (protected.add if on else protected.discard)(table)
        calls.clear()

    config = current_app.extensions["migrate"].migrate.get_config()
    target = f"{plugin}@head"
    with (
        tempfile.TemporaryDirectory(prefix="desa-contract-") as tmp,
        mock.patch.object(rls, "enable_rls", enable),
        mock.patch.object(rls, "disable_rls", disable),
    ):
        directory = ScriptDirectory.from_config(config)  # loads the revisions now, with the recorders
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        try:
            with (
                engine.connect() as conn,
                EnvironmentContext(
                    config,
                    directory,
                    fn=lambda rev, _context: directory._upgrade_revs(target, rev),  # noqa: SLF001
                    destination_rev=target,
                ) as env,
            ):
                env.configure(connection=conn, render_as_batch=True, on_version_apply=applied)
                with env.begin_transaction():
                    env.run_migrations()
        except Exception as exc:  # noqa: BLE001 - reported as a contract problem
            return set(), f"the migrations of {plugin} fail on an empty SQLite database: {exc!r}"
        finally:
            engine.dispose()
    return protected, None
