"""The pillar's permissions: their names (pages, API and services use them) and who gets them by
default (:data:`PERMISSIONS`, returned by ``plugin.desa_permissions``)."""

from __future__ import annotations

from desacerdas.plugin_system.pillar import STAFF
from desacerdas.plugin_system.types import PermissionSpec

SELLERS_VIEW = "smart_economy.sellers.view"
SELLERS_MANAGE = "smart_economy.sellers.manage"
SELL = "smart_economy.sell"

PERMISSIONS: list[PermissionSpec] = [
    PermissionSpec(
        SELLERS_VIEW,
        "See the village's sellers and their products",
        (*STAFF, "hamlet_head", "facilitator"),
        True,
    ),
    PermissionSpec(SELLERS_MANAGE, "Approve, refuse and suspend sellers; register BUMDes units", STAFF),
    # A resident applies to sell and keeps their own products (the kit's own-records scope).
    PermissionSpec(SELL, "Apply to sell and keep one's own products", ("resident",)),
]
