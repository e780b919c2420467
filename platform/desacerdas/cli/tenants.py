"""``desa tenants …``: provision and manage villages."""

from __future__ import annotations

import json
import time

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..plugin_system.state import enabled_for, installed_names, plugins
from ..services import bulk_provision, manifests
from ..services import tenants as svc
from ._util import service_errors

group = click.Group("tenants", help="Provision and manage villages (tenants).")


def _row(t) -> dict:  # noqa: ANN001
    return {
        "code": t.code,
        "slug": t.slug,
        "name": t.name,
        "kind": t.kind,
        "district": t.district_name,
        "regency": t.regency_name,
        "province": t.province_name,
        "status": t.status.value,
        "pillars": sorted(enabled_for(t.id)),
    }


@group.command("create")
@click.argument("code")
@click.option("--slug", help="URL name; derived from the village name when omitted.")
@with_appcontext
@service_errors
def create(code: str, slug: str | None) -> None:
    """Provision a village by its Kemendagri code, e.g. 51.07.04.2007."""
    tenant = svc.create_tenant(code, slug=slug)
    click.echo(
        f"Created {tenant.name} ({tenant.code}), {tenant.district_name}, {tenant.regency_name}: "
        f"/desa/{tenant.slug}/"
    )


@group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--regency", help="Regency code, e.g. 51.07")
@click.option("--status", type=click.Choice(["active", "suspended", "archived"]))
@with_appcontext
def list_(fmt: str, regency: str | None, status: str | None) -> None:
    """List villages."""
    rows = [_row(t) for t in db.session.scalars(svc.search(regency_code=regency, status=status))]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No villages.")
        return
    for r in rows:
        click.echo(f"{r['code']:<14} {r['slug']:<24} {r['name']:<22} {r['district']:<14} {r['status']}")
    click.echo(f"{len(rows)} villages")


@group.command("show")
@click.argument("slug")
@with_appcontext
@service_errors
def show(slug: str) -> None:
    """Show one village."""
    tenant = svc.get_by_slug(slug)
    for key, value in _row(tenant).items():
        click.echo(f"{key:>9}: {', '.join(value) if isinstance(value, list) else value}")
    click.echo(f"{'hamlets':>9}: {', '.join(svc.hamlet_names(tenant)) or '-'}")


@group.command("suspend")
@click.argument("slug")
@click.option("--reason", required=True, help="Why; shown to admins and kept in the audit log.")
@with_appcontext
@service_errors
def suspend(slug: str, reason: str) -> None:
    """Suspend a village: its pages say so and its API answers 403."""
    tenant = svc.suspend(svc.get_by_slug(slug), reason)
    click.echo(f"{tenant.name} is suspended.")


@group.command("resume")
@click.argument("slug")
@with_appcontext
@service_errors
def resume(slug: str) -> None:
    """Resume a suspended or archived village."""
    tenant = svc.resume(svc.get_by_slug(slug))
    click.echo(f"{tenant.name} is active.")


@group.command("archive")
@click.argument("slug")
@click.option("--reason")
@with_appcontext
@service_errors
def archive(slug: str, reason: str | None) -> None:
    """Archive a village: gone for everyone but platform admins; its data stays."""
    tenant = svc.archive(svc.get_by_slug(slug), reason)
    click.echo(f"{tenant.name} is archived.")


@group.command("add-hamlet")
@click.argument("slug")
@click.argument("name")
@with_appcontext
@service_errors
def add_hamlet(slug: str, name: str) -> None:
    """Add a hamlet (banjar dinas / dusun) to a village."""
    tenant = svc.get_by_slug(slug)
    svc.add_hamlet(tenant, name)
    click.echo(f"Added hamlet {name} to {tenant.name}.")


@group.command("apply")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--plan", "plan_only", is_flag=True, help="Print what would change; write nothing.")
@with_appcontext
@service_errors
def apply(path: str, plan_only: bool) -> None:
    """Create or update villages to match a manifest (tenants/*.toml), all or nothing."""
    started = time.perf_counter()
    registry = plugins()
    installed = installed_names()
    manifest = manifests.load(
        path, known_pillars=installed, requirements={n: registry.info(n).requires for n in installed}
    )
    click.echo(
        f"… {len(manifest.villages)} villages in {path} ({time.perf_counter() - started:.1f} s)", err=True
    )

    def progress(message: str) -> None:
        click.echo(f"… {message} ({time.perf_counter() - started:.1f} s)", err=True)

    plan = manifests.apply(manifest, write=not plan_only, progress=progress)
    for line in plan.changes:
        click.echo(line)
    for line in plan.kept:
        click.echo(f"  note: {line}")
    if plan.empty:
        click.echo(f"No changes: {len(manifest.villages)} villages already match {path}.")
    elif plan_only:
        click.echo(f"Plan only: {len(plan.changes)} changes would be made; nothing was written.")
    else:
        click.echo(f"Applied {len(plan.changes)} changes; {plan.unchanged} villages were already up to date.")


@group.command("manifest")
@click.argument("areas", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every village in Indonesia (83,762).")
@click.option("--pillar", "pillars", multiple=True, help="A pillar to list for every village (repeatable).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
@with_appcontext
@service_errors
def manifest(areas: tuple[str, ...], everything: bool, pillars: tuple[str, ...], output: str | None) -> None:
    """Write a manifest of every village in AREAS (province 51, regency 51.07, district 51.07.04) or --all."""
    if bool(areas) == everything:
        raise click.UsageError("Name one or more areas, or --all.")
    known = installed_names()
    unknown = [p for p in pillars if p not in known]
    if unknown:
        raise click.UsageError(f"not an installed plugin: {', '.join(unknown)}")
    command = "desa tenants manifest " + (" ".join(areas) if areas else "--all")
    text, count = bulk_provision.manifest_text(list(areas) or None, pillars=pillars, generated_by=command)
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
        click.echo(f"Wrote {count} villages to {output}.", err=True)
    else:
        click.echo(text, nl=False)
