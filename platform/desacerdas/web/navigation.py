"""Navigation entries. The core adds its own; plugins add theirs through a hook (plugin issue)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.permissions import can, can_see_village
from ..models import Role, Tenant


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    endpoint: str = ""


NavProvider = Callable[[Tenant | None], list[NavItem]]
_providers: list[NavProvider] = []


def nav_provider(fn: NavProvider) -> NavProvider:
    _providers.append(fn)
    return fn


def items_for(tenant: Tenant | None) -> list[NavItem]:
    items: list[NavItem] = []
    for provider in _providers:
        items.extend(provider(tenant))
    return items


@nav_provider
def _core(tenant: Tenant | None) -> list[NavItem]:
    items: list[NavItem] = []
    if tenant is not None:
        items.append(NavItem(str(_l("Home")), url_for("village.home"), "village.home"))
        if can_see_village(current_user, tenant) and can(current_user, "village.dashboard.view", tenant):
            items.append(NavItem(str(_l("Dashboard")), url_for("village.dashboard"), "village.dashboard"))
            items.append(NavItem(str(_l("Hamlets")), url_for("village.hamlets"), "village.hamlets"))
    if getattr(current_user, "is_authenticated", False) and (
        current_user.is_platform_admin or any(m.role == Role.REGENCY_ADMIN for m in current_user.memberships)
    ):
        items.append(NavItem(str(_l("Villages")), url_for("admin.tenants"), "admin.tenants"))
        items.append(NavItem(str(_l("Audit log")), url_for("admin.audit"), "admin.audit"))
    return items
