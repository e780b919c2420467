"""``desa plugins …``: what is installed, and the rollout village by village."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..plugin_system import settings as plugin_settings
from ..plugin_system.state import enabled_for, platform_state, plugins
from ..services import ServiceError, rollout
from ..services import tenants as tenant_svc
from ._util import service_errors

group = click.Group("plugins", help="Plugins (pillars): install on the platform, enable per village.")


@group.command("list")
@click.option("--tenant", "slug", help="Also show the state in this village.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@with_appcontext
@service_errors
def list_(slug: str | None, fmt: str) -> None:
    """Installed plugins with versions, states and the hooks each implements."""
    registry = plugins()
    tenant = tenant_svc.get_by_slug(slug) if slug else None
    enabled = enabled_for(tenant.id) if tenant else frozenset()
    rows = []
    for name, loaded in sorted(registry.loaded.items()):
        row = {
            "name": name,
            "version": loaded.info.version if loaded.info else None,
            "state": platform_state(name),
            "requires": list(loaded.requires),
            "hooks": registry.implemented_hooks(name),
            "error": loaded.error,
        }
        if tenant is not None:
            row["village"] = "enabled" if name in enabled else "available"
        rows.append(row)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No plugins found (entry point group desacerdas.plugins).")
    for r in rows:
        village = f"  [{r['village']}]" if "village" in r else ""
        click.echo(f"{r['name']:<22} {r['version'] or '-':<8} {r['state']:<14}{village}")
        if r["error"]:
            click.echo(f"    broken: {r['error']}")
        else:
            click.echo(f"    requires: {', '.join(r['requires']) or '-'}; hooks: {', '.join(r['hooks'])}")


@group.command("install")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Install every plugin that loaded.")
@with_appcontext
@service_errors
def install(names: tuple[str, ...], all_: bool) -> None:
    """Install plugins on the platform: apply their migrations (before any village enables them)."""
    targets = list(plugins().working()) if all_ else list(names)
    if not targets:
        raise ServiceError("Name a plugin or use --all.")
    for name in targets:
        done = rollout.install(name)
        click.echo(f"Installed {', '.join(done)}.")


@group.command("uninstall")
@click.argument("name")
@with_appcontext
@service_errors
def uninstall(name: str) -> None:
    """Uninstall a plugin from the platform (its tables and data stay)."""
    rollout.uninstall(name)
    click.echo(f"Uninstalled {name}; its data is kept.")


def _print_plan(plan: rollout.Plan) -> None:
    for step in plan.steps:
        mark = "already enabled" if step.already else ("ready" if step.ready else "NOT READY")
        click.echo(f"  {step.plugin:<22} {mark}")
        for check in step.checks:
            click.echo(
                f"      [{'x' if check.passed else ' '}] {check.label}"
                + ("" if check.passed else f" – {check.how_to_pass}")
            )


@group.command("enable")
@click.argument("name")
@click.option("--tenant", "slug", required=True, help="Village slug.")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("--override", "override_reason", help="Enable although a check fails; the reason is audited.")
@with_appcontext
@service_errors
def enable(name: str, slug: str, dry_run: bool, override_reason: str | None) -> None:
    """Enable a plugin (and what it requires) in one village: all of them or none."""
    tenant = tenant_svc.get_by_slug(slug)
    plan = rollout.plan_enable(tenant, name)
    click.echo(f"Plan for {tenant.name}:")
    _print_plan(plan)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    rollout.enable(tenant, name, override_reason=override_reason)
    click.echo(f"Enabled {', '.join(s.plugin for s in plan.changes)} in {tenant.name}.")


@group.command("disable")
@click.argument("name")
@click.option("--tenant", "slug", required=True)
@click.option("--yes", is_flag=True, help="Also disable the enabled plugins that require it.")
@click.option("--reason")
@with_appcontext
@service_errors
def disable(name: str, slug: str, yes: bool, reason: str | None) -> None:
    """Disable a plugin in one village. Nothing is deleted."""
    tenant = tenant_svc.get_by_slug(slug)
    deps = rollout.dependents(tenant, name)
    if deps and not yes:
        raise ServiceError(
            f"{', '.join(deps)} require {name} in {tenant.name}; run again with --yes to disable them too."
        )
    names = rollout.disable(tenant, name, reason=reason, with_dependents=yes)
    click.echo(f"Disabled {', '.join(names)} in {tenant.name}; their data is kept.")


@group.command("purge")
@click.argument("name")
@click.option("--tenant", "slug", required=True)
@click.option("--dry-run", is_flag=True, help="List what would be deleted.")
@click.option("--yes", is_flag=True, help="Really delete.")
@with_appcontext
@service_errors
def purge(name: str, slug: str, dry_run: bool, yes: bool) -> None:
    """Delete everything a (disabled) plugin owns in one village. Lists first; needs --yes to delete."""
    tenant = tenant_svc.get_by_slug(slug)
    counts = rollout.purge(tenant, name, dry_run=True)
    for table, count in counts.items():
        click.echo(f"  {table:<30} {count} rows")
    if dry_run or not yes:
        click.echo("Nothing deleted" + ("" if dry_run else " (add --yes to delete)") + ".")
        return
    rollout.purge(tenant, name, dry_run=False)
    click.echo(f"Purged {name} from {tenant.name}: {sum(counts.values())} rows.")


@group.command("settings")
@click.argument("name")
@click.option("--tenant", "slug", help="Village slug; without it, the platform-wide values.")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE")
@with_appcontext
@service_errors
def settings(name: str, slug: str | None, assignments: tuple[str, ...]) -> None:
    """Show (and change) a plugin's settings: village value, else platform value, else default."""
    if name not in plugins().working():
        raise ServiceError(f"No working plugin named {name}.")
    tenant = tenant_svc.get_by_slug(slug) if slug else None
    if assignments:
        plugin_settings.update(name, plugin_settings.parse_assignments(assignments), tenant=tenant)
    values = plugin_settings.redact(name, plugin_settings.resolve(name, tenant.id if tenant else None))
    for key, value in sorted(values.items()):
        click.echo(f"{key} = {value}")


@group.command("demo")
@click.argument("name")
@click.option("--tenant", "slug", required=True)
@with_appcontext
@service_errors
def demo(name: str, slug: str) -> None:
    """Create a plugin's demo data in a village where it is enabled."""
    from ..extensions import db
    from ..tenancy import tenant_session

    tenant = tenant_svc.get_by_slug(slug)
    if name not in enabled_for(tenant.id):
        raise ServiceError(f"{name} is not enabled in {tenant.name}.")
    with tenant_session(tenant.id) as session:
        plugins().hook_only(name).desa_demo_data(tenant=tenant, session=session)
        session.commit()
    db.session.close()
    click.echo(f"Demo data of {name} created in {tenant.name}.")


@group.command("new")
@click.argument("name")
@click.option(
    "--path",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder in which to create the NAME folder.",
)
def new(name: str, parent: Path) -> None:
    """Scaffold a new plugin: a pip-installable package in PATH/NAME, with tests.

    NAME is the plugin's name and its Python package (lowercase letters, digits, underscores).
    """
    from ..plugin_system.scaffold import ScaffoldError, create_plugin, next_steps

    try:
        target = create_plugin(name, parent)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(next_steps(target, name))
