"""``desa terms show|set --tenant S``: a village's local terms and letterhead from the command line
(what ``desa plugins settings smart_government --set term_…`` did before the kit)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..cli._util import service_errors
from ..services import ServiceError
from ..services import tenants as tenant_svc
from ..tenancy import tenant_session
from . import terms

group = click.Group("terms", help="A village's local terms (perbekel, banjar dinas…) and letterhead.")


def _echo(tenant) -> None:  # noqa: ANN001
    own = terms.own_values(tenant)
    for key, value in terms.values_for(tenant).items():
        click.echo(f"{key} = {value if value is not None else ''}{'' if key in own else '  (default)'}")
    click.echo("letterhead = " + " / ".join(terms.letterhead_for(tenant).lines()))


@group.command("show")
@click.option("--tenant", "slug", required=True, help="Village slug.")
@with_appcontext
@service_errors
def show(slug: str) -> None:
    """The values in use; those the village did not set are marked (default)."""
    _echo(tenant_svc.get_by_slug(slug))


@group.command("set")
@click.option("--tenant", "slug", required=True, help="Village slug.")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@with_appcontext
@service_errors
def set_(slug: str, assignments: tuple[str, ...]) -> None:
    """Change fields, e.g. ``village_head=Perbekel``; an empty value (``office_name=``) returns a
    field to the village's default."""
    tenant = tenant_svc.get_by_slug(slug)
    changes = {}
    for pair in assignments:
        key, sep, value = pair.partition("=")
        if not sep or key.strip() not in terms.KEYS:
            raise ServiceError(f"'{pair}' is not KEY=VALUE with KEY one of {', '.join(terms.KEYS)}.")
        changes[key.strip()] = value.strip() or None
    with tenant_session(tenant.id) as session:  # bound to the village: the logo is looked up in it
        terms.update(tenant, changes, session=session)
    _echo(tenant)
