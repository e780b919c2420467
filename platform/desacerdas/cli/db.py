"""``desa db …``: Flask-Migrate's commands, with an upgrade that knows the plugin branches."""

from __future__ import annotations

import click
from flask import g
from flask.cli import with_appcontext
from flask_migrate.cli import db as alembic_db

from ..plugin_system import migrations
from ..plugin_system.state import installed_names, plugins
from ..services import ServiceError
from ._util import service_errors


@with_appcontext
def _flask_migrate_defaults() -> None:
    # Flask-Migrate's own group sets these for its subcommands; ours must too.
    g.directory = None
    g.x_arg = ()


group = click.Group(
    "db",
    help="Database migrations: the core and each installed plugin's branch.",
    callback=_flask_migrate_defaults,
)
for _name, _command in alembic_db.commands.items():
    if _name != "upgrade":
        group.add_command(_command, _name)


@group.command("upgrade")
@click.option("--plugin", help="Upgrade only this plugin's branch (after the core).")
@with_appcontext
@service_errors
def upgrade(plugin: str | None) -> None:
    """Apply the core's migrations and every installed plugin's (or one plugin's)."""
    migrations.upgrade([migrations.CORE_BRANCH])
    if plugin:
        if plugin not in plugins().working():
            raise ServiceError(f"No working plugin named {plugin}.")
        names = {plugin}
    else:
        names = installed_names()
    migrations.upgrade([b for b in migrations.targets(names) if b != migrations.CORE_BRANCH])
    click.echo("Database is up to date: core" + (f", {', '.join(sorted(names))}" if names else "") + ".")


@group.command("pending")
@with_appcontext
def pending() -> None:
    """List migrations not applied yet, per branch (core and every plugin that has migrations)."""
    applied = migrations.applied_revisions()
    installed = installed_names() if "0002_plugin_state" in applied else set()
    branches = [migrations.CORE_BRANCH] + sorted(
        migrations.branches_with_migrations() - {migrations.CORE_BRANCH}
    )
    nothing = True
    for branch in branches:
        todo = migrations.pending_for(branch, applied)
        if todo:
            nothing = False
            note = (
                "" if branch == migrations.CORE_BRANCH or branch in installed else " (plugin not installed)"
            )
            click.echo(f"{branch}{note}: {', '.join(todo)}")
    if nothing:
        click.echo("Nothing pending.")
