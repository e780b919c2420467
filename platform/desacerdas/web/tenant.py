"""Tenant resolution: ``/desa/<slug>/…`` (and ``/api/v1/desa/<slug>/…``) to the current village."""

from __future__ import annotations

from flask import Blueprint, abort, g, request
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Tenant, TenantStatus
from ..plugin_system.state import enabled_for
from ..tenancy import bind_tenant


class VillageSuspended(Exception):
    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant.slug)
        self.tenant = tenant


def _is_platform_admin() -> bool:
    return bool(getattr(current_user, "is_authenticated", False) and current_user.is_platform_admin)


def resolve(slug: str) -> Tenant:
    """Load the village, refuse it if suspended or archived, and bind the session to it."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    if tenant.status == TenantStatus.ARCHIVED and not _is_platform_admin():
        abort(404)
    if tenant.status == TenantStatus.SUSPENDED and not _is_platform_admin():
        raise VillageSuspended(tenant)
    g.tenant = tenant
    bind_tenant(db.session, tenant.id)
    g.enabled_plugins = enabled_for(tenant.id)
    return tenant


def current_tenant() -> Tenant:
    tenant = g.get("tenant")
    if tenant is None:
        raise RuntimeError("no current village in this request")
    return tenant


def attach_village_resolution(bp: Blueprint) -> Blueprint:
    """Resolve ``<slug>`` to the current village before every view of ``bp``."""

    @bp.url_value_preprocessor
    def _pull_slug(endpoint, values) -> None:  # noqa: ANN001
        if values is not None and "slug" in values:
            resolve(values.pop("slug"))

    @bp.url_defaults
    def _add_slug(endpoint, values) -> None:  # noqa: ANN001
        if "slug" not in values and g.get("tenant") is not None:
            values["slug"] = g.tenant.slug

    return bp


def make_tenant_blueprint(name: str, import_name: str, url_prefix: str = "/desa/<slug>", **kw) -> Blueprint:
    """A blueprint whose every route lives under a village and sees only that village."""
    return attach_village_resolution(Blueprint(name, import_name, url_prefix=url_prefix, **kw))


def wants_json() -> bool:
    return request.path.startswith("/api/")
