"""Navigation entries: a village's come from the core and its enabled plugins (``desa_navigation``).

Every page shows them, so they are cheap: the hooks run on the signed-in user object itself (not
through Flask-Login's proxy, which resolves itself on every attribute), and each entry's URL is
built once per app, village and entry (:func:`nav_url`), not by ``url_for`` on every request. What
the user may see is decided on every request (permissions are never cached here).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.permissions import can
from ..models import Role, Tenant
from ..plugin_system.state import plugins


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    endpoint: str = ""


URL_CACHE_SIZE = 20_000  # entries per app: a few per village; cleared whole when full


def _user():  # noqa: ANN202
    resolve = getattr(current_user, "_get_current_object", None)
    user = resolve() if resolve is not None else current_user  # the proxy, resolved once
    return user if getattr(user, "is_authenticated", False) else None


def nav_url(endpoint: str, values: dict | None = None) -> str:
    """``url_for(endpoint, **values)`` in this request's village, remembered per app: the URL of
    an entry depends only on the route map, the mount point, the village and the values."""
    tenant = g.get("tenant")
    items = tuple(sorted((values or {}).items()))
    key = (request.script_root, tenant.slug if tenant is not None else None, endpoint, items)
    cache = current_app.extensions.setdefault("desa_nav_urls", {})
    try:
        url = cache.get(key)
    except TypeError:  # a value that cannot be a key (a list): built every time
        return url_for(endpoint, **(values or {}))
    if url is None:
        url = url_for(endpoint, **(values or {}))
        if len(cache) >= URL_CACHE_SIZE:
            cache.clear()
        cache[key] = url
    return url


def items_for(tenant: Tenant | None) -> list[NavItem]:
    items: list[NavItem] = []
    user = _user()
    if tenant is not None:
        enabled = g.get("enabled_plugins", frozenset())
        groups = plugins().hook_for(enabled).desa_navigation(tenant=tenant, user=user)
        entries = sorted((e for group in groups for e in group or []), key=lambda e: (e.order, e.label))
        items += [NavItem(e.label, nav_url(e.endpoint, e.values), e.endpoint) for e in entries]
        if user is not None and can(user, "village.personal_data_log.view", tenant):
            log = "data_access.access_log"
            items.append(NavItem(str(_l("Who looked at residents' data")), nav_url(log), log))
        if user is not None and can(user, "village.visits.view", tenant):
            visits = "facilitation_village.visit_log"
            items.append(NavItem(str(_l("Visit log")), nav_url(visits), visits))
    if user is not None and (
        user.is_platform_admin or any(m.role == Role.REGENCY_ADMIN for m in user.memberships)
    ):
        items.append(NavItem(str(_l("Villages")), nav_url("admin.tenants"), "admin.tenants"))
        items.append(NavItem(str(_l("Audit log")), nav_url("admin.audit"), "admin.audit"))
        usage = "notification_usage_admin.usage_admin"
        items.append(NavItem(str(_l("Messages: volume and cost")), nav_url(usage), usage))
    if user is not None and (
        user.is_platform_admin
        or any(m.role in (Role.REGENCY_ADMIN, Role.FACILITATOR) for m in user.memberships)
    ):
        surface = "facilitation.work_surface"
        items.append(NavItem(str(_l("Village support")), nav_url(surface), surface))
        items.append(NavItem(str(_l("Rollout")), nav_url("rollout.board"), "rollout.board"))
    if user is not None and user.is_platform_admin:
        items.append(NavItem(str(_l("Plugins")), nav_url("plugins_admin.index"), "plugins_admin.index"))
    return items
