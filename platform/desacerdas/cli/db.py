"""``desa db …``: Flask-Migrate's commands, with an upgrade that knows the plugin branches."""

from __future__ import annotations

import click
import flask_migrate
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
    if _name not in ("upgrade", "migrate"):
        group.add_command(_command, _name)


@group.command("migrate")
@click.option("-m", "--message", help="What the revision changes.")
@click.option(
    "--head",
    default="head",
    show_default=True,
    help="Write the revision on top of this head: PLUGIN@head for a plugin's branch.",
)
@click.option("--rev-id", help="The revision id; a plugin's start with its name (waste_bank_0002).")
@click.option("--sql", is_flag=True, help="Write SQL instead (not for a plugin's branch).")
@click.option("--branch-label", help="A label for a new branch (not for a plugin's branch).")
@click.option("--version-path", help="Where to write it (not for a plugin's branch).")
@click.option(
    "--splice", is_flag=True, help="Allow a non-head revision as --head (not for a plugin's branch)."
)
@click.option("-x", "--x-arg", multiple=True, help="Extra arguments for env.py.")
@with_appcontext
@service_errors
def migrate_(
    message: str | None,
    head: str,
    rev_id: str | None,
    sql: bool,
    branch_label: str | None,
    version_path: str | None,
    splice: bool,
    x_arg: tuple[str, ...],
) -> None:
    """Autogenerate a revision. With --head PLUGIN@head: the plugin's next revision, comparing only
    its own tables, with only its branch applied (the other pillars' branches need not be)."""
    branch = head.removesuffix("@head") if head.endswith("@head") else None
    if branch is None or branch == migrations.CORE_BRANCH:
        flask_migrate.migrate(
            message=message,
            sql=sql,
            head=head,
            splice=splice,
            branch_label=branch_label,
            version_path=version_path,
            rev_id=rev_id,
            x_arg=x_arg,
        )
        return
    if sql or branch_label or version_path or splice or x_arg:
        raise ServiceError(
            "--sql, --branch-label, --version-path, --splice and -x do not apply to a plugin's branch."
        )
    try:
        written = migrations.autogenerate_branch(branch, message, rev_id)
    except migrations.BranchNotReady as exc:
        raise ServiceError(str(exc)) from None
    click.echo(f"Wrote {written.revision} ({branch}): {written.path}")
    click.echo("Review it (enable_rls(op, table) for every new village-owned table), then: desa db upgrade")


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
