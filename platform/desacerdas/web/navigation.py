"""Navigation entries: a village's come from the core and its enabled plugins (``desa_navigation``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, url_for
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


def _user():  # noqa: ANN202
    return current_user if getattr(current_user, "is_authenticated", False) else None


def items_for(tenant: Tenant | None) -> list[NavItem]:
    items: list[NavItem] = []
    user = _user()
    if tenant is not None:
        enabled = g.get("enabled_plugins", frozenset())
        groups = plugins().hook_for(enabled).desa_navigation(tenant=tenant, user=user)
        entries = sorted((e for group in groups for e in group or []), key=lambda e: (e.order, e.label))
        items += [NavItem(e.label, url_for(e.endpoint, **e.values), e.endpoint) for e in entries]
        if user is not None and can(user, "village.personal_data_log.view", tenant):
            log = "data_access.access_log"
            items.append(NavItem(str(_l("Who looked at residents' data")), url_for(log), log))
    if user is not None and (
        user.is_platform_admin or any(m.role == Role.REGENCY_ADMIN for m in user.memberships)
    ):
        items.append(NavItem(str(_l("Villages")), url_for("admin.tenants"), "admin.tenants"))
        items.append(NavItem(str(_l("Audit log")), url_for("admin.audit"), "admin.audit"))
        usage = "notification_usage_admin.usage_admin"
        items.append(NavItem(str(_l("Messages: volume and cost")), url_for(usage), usage))
    if user is not None and (
        user.is_platform_admin
        or any(m.role in (Role.REGENCY_ADMIN, Role.FACILITATOR) for m in user.memberships)
    ):
        items.append(NavItem(str(_l("Rollout")), url_for("rollout.board"), "rollout.board"))
    if user is not None and user.is_platform_admin:
        items.append(NavItem(str(_l("Plugins")), url_for("plugins_admin.index"), "plugins_admin.index"))
    return items
