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
