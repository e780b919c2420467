"""One Alembic history with one branch per plugin.

The core's revisions carry the branch label ``core``; each plugin keeps its own revisions in
``<plugin package>/migrations/`` with the branch label of its name (and ``depends_on`` the core or
another plugin). A plugin is migrated when it is installed, before any village enables it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app

from ..extensions import db, migrate

CORE_BRANCH = "core"


def plugin_migration_dir(package: str | None) -> Path | None:
    """``<plugin's top-level package>/migrations``, when it exists (the core's live elsewhere)."""
    top = sys.modules.get(package or "")
    if top is None or package == "desacerdas" or not getattr(top, "__file__", None):
        return None
    path = Path(top.__file__).parent / "migrations"
    return path if path.is_dir() else None


def _installed_package_dirs() -> list[Path]:
    """Migration folders of every plugin package installed in this environment, loaded or not.

    An app that loads fewer plugins (tests, a plugin turned off) still shares the database's
    history: Alembic must know every revision that may be recorded there.
    """
    import importlib.metadata as md
    import importlib.util

    from .manager import ENTRY_POINT_GROUP

    found = []
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = importlib.util.find_spec(ep.module.split(".")[0])
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.origin:
            path = Path(spec.origin).parent / "migrations"
            if path.is_dir():
                found.append(path)
    return found


def _configure(config):  # noqa: ANN001, ANN202 - Flask-Migrate's configure callback
    registry = current_app.extensions.get("desa_plugins")
    locations = [Path(config.get_main_option("script_location")) / "versions"]
    if registry is not None:
        for plugin in registry.working().values():
            path = plugin_migration_dir(plugin.package)
            if path is not None:
                locations.append(path)
    locations += _installed_package_dirs()
    unique = list(dict.fromkeys(str(p.resolve()) for p in locations))
    config.set_main_option("version_locations", " ".join(unique))
    config.set_main_option("path_separator", "space")
    return config


_configured = False


def init_app(app: Flask) -> None:
    global _configured
    if not _configured:
        migrate.configure(_configure)
        _configured = True


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def branches_with_migrations() -> set[str]:
    labels: set[str] = set()
    for rev in script().walk_revisions():
        labels.update(rev.branch_labels or ())
    return labels


def targets(plugin_names: set[str] | None) -> list[str]:
    """Branches to upgrade: the core and every given plugin that has migrations."""
    have = branches_with_migrations()
    names = [CORE_BRANCH] + sorted(n for n in (plugin_names or set()) if n in have)
    return names


def applied_revisions() -> set[str]:
    sd = script()
    with db.engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    applied: set[str] = set()
    for head in heads:
        applied.update(rev.revision for rev in sd.iterate_revisions(head, "base"))
    return applied


def pending_for(branch: str, applied: set[str] | None = None) -> list[str]:
    """Revisions of a branch not applied yet, oldest first."""
    if branch not in branches_with_migrations():
        return []
    applied = applied_revisions() if applied is None else applied
    revisions = [rev.revision for rev in script().iterate_revisions(f"{branch}@head", "base")]
    return [rev for rev in reversed(revisions) if rev not in applied]


def expected_heads(installed: set[str]) -> set[str]:
    """The heads the database should be at: the core's and every installed plugin's."""
    sd = script()
    return {rev.revision for branch in targets(installed) for rev in sd.get_revisions(f"{branch}@head")}


def upgrade(branches: list[str]) -> None:
    from flask_migrate import upgrade as alembic_upgrade

    for branch in branches:
        alembic_upgrade(revision=f"{branch}@head")


# -- writing a plugin's next revision ---------------------------------------------------------------


class BranchNotReady(Exception):
    """The plugin's branch cannot get a new revision yet; the message says what to do."""


def plugin_tables(name: str) -> set[str]:
    """The tables a plugin owns: those of ``desa_owned_models`` and of any model in its package."""
    from ..models.base import Base

    loaded = current_app.extensions["desa_plugins"].working().get(name)
    if loaded is None:
        raise BranchNotReady(f"No working plugin named {name}.")
    tables = {m.__table__.name for m in loaded.models if hasattr(m, "__table__")}
    package = loaded.package or ""
    for mapper in Base.registry.mappers:
        module = getattr(mapper.class_, "__module__", "")
        if package and (module == package or module.startswith(package + ".")):
            tables.add(mapper.local_table.name)
    return tables


def next_revision_id(branch: str) -> str:
    """``<plugin>_NNNN``, one more than the branch's highest numbered revision."""
    numbers = [0]
    for rev in script().iterate_revisions(f"{branch}@head", "base"):
        prefix, _, number = rev.revision.rpartition("_")
        if prefix == branch and number.isdigit():
            numbers.append(int(number))
    return f"{branch}_{max(numbers) + 1:04d}"


def autogenerate_branch(branch: str, message: str | None, rev_id: str | None = None):  # noqa: ANN201
    """Write the next revision of a plugin's branch from the difference between its models and the
    database, and return the Alembic script.

    Alembic's own ``revision --autogenerate`` wants every branch applied ("Target database is not up
    to date") and compares every table, so a plugin author would need every built-in pillar's
    branch and would get their tables in the revision. Here only this branch must be applied and
    only the plugin's own tables are compared.
    """
    from alembic.autogenerate.api import RevisionContext
    from alembic.runtime.environment import EnvironmentContext

    tables = plugin_tables(branch)
    if branch not in branches_with_migrations():
        raise BranchNotReady(
            f"{branch} has no migrations yet: its first revision goes in <package>/migrations/ with "
            f'branch_labels = ("{branch}",) (desa plugins new writes one).'
        )
    todo = pending_for(branch)
    if todo:
        raise BranchNotReady(
            f"{branch} is not up to date ({', '.join(todo)} not applied): run "
            f"desa db upgrade --plugin {branch} first."
        )
    rev_id = rev_id or next_revision_id(branch)
    if not rev_id.startswith(f"{branch}_"):
        raise BranchNotReady(
            f"Revision ids of {branch} start with '{branch}_' (e.g. {next_revision_id(branch)})."
        )
    if rev_id in {r.revision for r in script().walk_revisions()}:
        raise BranchNotReady(f"A revision {rev_id} exists already.")

    config = current_app.extensions["migrate"].migrate.get_config(opts=["autogenerate"])
    directory = ScriptDirectory.from_config(config)
    args = dict(
        message=message,
        autogenerate=True,
        sql=False,
        head=f"{branch}@head",
        splice=False,
        branch_label=None,
        version_path=None,
        rev_id=rev_id,
        depends_on=None,
    )

    class _OneBranch(RevisionContext):
        def run_autogenerate(self, rev, migration_context):  # noqa: ANN001, ANN202
            _only_tables(migration_context.opts, tables)
            heads = tuple(s.revision for s in self.script_directory.get_revisions("heads"))
            self._run_environment(heads, migration_context, True)  # this branch is applied

    context = _OneBranch(config, directory, args)

    def retrieve(rev, migration_context):  # noqa: ANN001, ANN202
        context.run_autogenerate(rev, migration_context)
        return []

    with EnvironmentContext(
        config, directory, fn=retrieve, template_args=context.template_args, revision_context=context
    ):
        directory.run_env()
    return next(iter(context.generate_scripts()))


def _only_tables(opts: dict, tables: set[str]) -> None:
    """Restrict autogenerate to ``tables`` (reflection included), keeping any filter env.py set."""
    name_filter, object_filter = opts.get("include_name"), opts.get("include_object")

    def include_name(name, type_, parent_names):  # noqa: ANN001, ANN202
        if type_ == "table" and name not in tables:
            return False
        return name_filter is None or name_filter(name, type_, parent_names)

    def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN202
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        if table is not None and table not in tables:
            return False
        return object_filter is None or object_filter(obj, name, type_, reflected, compare_to)

    opts["include_name"] = include_name
    opts["include_object"] = include_object
