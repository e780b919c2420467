"""Tenant resolution: ``/desa/<slug>/…`` (and ``/api/v1/desa/<slug>/…``) to the current village."""

from __future__ import annotations

from typing import NoReturn

from flask import Blueprint, abort, g, request
from flask_login import current_user
from werkzeug.exceptions import NotFound

from ..extensions import db
from ..models import Tenant, TenantStatus
from ..plugin_system.state import enabled_cached, tenant_with_stamps
from ..tenancy import bind_tenant
from ..tenancy.context import forget_preset


class VillageSuspended(Exception):
    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant.slug)
        self.tenant = tenant


def _is_platform_admin() -> bool:
    return bool(getattr(current_user, "is_authenticated", False) and current_user.is_platform_admin)


def lookup(slug: str) -> tuple[Tenant, str | None] | None:
    """The village of ``slug`` with the platform's plugins stamp, or None: one statement, which
    on PostgreSQL also sets the village for RLS (undone by :func:`refuse` if it is then refused)."""
    return tenant_with_stamps(slug, set_village=True)


def refuse(error: BaseException) -> NoReturn:
    """Raise ``error`` after clearing a village that :func:`lookup` set but nobody bound."""
    forget_preset(db.session)
    raise error


def resolve(slug: str, found: tuple[Tenant, str | None] | None = None) -> Tenant:
    """Load the village, refuse it if suspended or archived, and bind the session to it.

    The village's enabled plugins come from the app's cache, checked against the stamps read with
    the tenant row: no further query unless a plugin changed somewhere (another worker included).
    ``found``: what :func:`lookup` already answered for ``slug`` in this request (the API checks
    who may see the village first)."""
    found = found if found is not None else lookup(slug)
    if found is None:
        abort(404)
    tenant, platform_stamp = found
    if tenant.status == TenantStatus.ARCHIVED and not _is_platform_admin():
        refuse(NotFound())
    if tenant.status == TenantStatus.SUSPENDED and not _is_platform_admin():
        refuse(VillageSuspended(tenant))
    g.tenant = tenant
    bind_tenant(db.session, tenant.id)
    g.enabled_plugins = enabled_cached(tenant, platform_stamp)
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
