"""For plugin CLI commands: the tenant is always passed explicitly, and gated like a request."""

from __future__ import annotations

import click

from ..models import Tenant
from ..services import ServiceError
from ..services import tenants as tenant_svc
from .state import enabled_for


def village_for_plugin(plugin: str, slug: str) -> Tenant:
    """The village ``slug`` if ``plugin`` is enabled there; a clear CLI error otherwise."""
    try:
        tenant = tenant_svc.get_by_slug(slug)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    if not tenant.is_active:
        raise click.ClickException(f"{tenant.name} is {tenant.status.value}; resume it first.")
    if plugin not in enabled_for(tenant.id):
        raise click.ClickException(f"{plugin} is not enabled in {tenant.name}; enable it first.")
    return tenant
