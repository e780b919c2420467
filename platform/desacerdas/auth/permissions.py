"""The permission registry: roles map to permissions, and plugins add their own.

A permission is checked against a user *in one village*. Village roles and facilitators hold
permissions for the villages they belong to; a regency admin holds the read-only ones for every
village whose code starts with their area prefix; a platform admin holds everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Membership, Role, Tenant, User


@dataclass
class Permission:
    name: str
    description: str
    read_only: bool = False
    roles: set[Role] = field(default_factory=set)


class PermissionRegistry:
    def __init__(self) -> None:
        self._perms: dict[str, Permission] = {}

    def register(
        self, name: str, description: str, roles: list[Role | str] | tuple = (), read_only: bool = False
    ) -> Permission:
        """Add (or extend) a permission; the roles listed get it by default."""
        perm = self._perms.get(name)
        if perm is None:
            perm = self._perms[name] = Permission(name, description, read_only)
        perm.roles.update(Role(r) for r in roles)
        return perm

    def get(self, name: str) -> Permission:
        try:
            return self._perms[name]
        except KeyError:
            raise KeyError(f"unknown permission {name!r}; register it first") from None

    def all(self) -> list[Permission]:
        return sorted(self._perms.values(), key=lambda p: p.name)

    def role_grants(self, role: Role, name: str) -> bool:
        perm = self.get(name)
        if role == Role.PLATFORM_ADMIN:
            return True
        if role == Role.REGENCY_ADMIN:
            return perm.read_only or role in perm.roles
        return role in perm.roles


registry = PermissionRegistry()

_STAFF = (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR)
registry.register(
    "village.dashboard.view",
    "See the village staff dashboard",
    (*_STAFF, Role.HAMLET_HEAD, Role.FACILITATOR),
    read_only=True,
)
# A facilitator helps a village get ready, and adding its hamlets is part of that (audited).
registry.register(
    "village.hamlets.manage",
    "Add and rename hamlets",
    (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.FACILITATOR),
)
registry.register(
    "village.members.view", "See who works in the village", (*_STAFF, Role.FACILITATOR), read_only=True
)
# The members page: invite, change a role, suspend, end. Only a head handles the head role
# (members/service.py); platform, regency and facilitator roles are never granted from a village.
registry.register(
    "village.members.manage",
    "Invite village staff and hamlet heads, change and end their roles",
    (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY),
)
registry.register(
    "village.audit.view", "Read the village audit log", (Role.VILLAGE_HEAD, Role.FACILITATOR), read_only=True
)
registry.register(
    "village.plugins.view",
    "See which pillars run and what blocks the next",
    (*_STAFF, Role.FACILITATOR),
    read_only=True,
)
registry.register(
    "village.plugins.manage",
    "Enable and disable pillars in a village",
    (Role.VILLAGE_HEAD, Role.FACILITATOR, Role.REGENCY_ADMIN),
)
registry.register(
    "village.plugins.override",
    "Enable a pillar although a readiness check fails (with a reason)",
    (Role.REGENCY_ADMIN,),
)
registry.register(
    "documents.view", "See every document of the village", (*_STAFF, Role.FACILITATOR), read_only=True
)
registry.register("documents.manage", "Upload, replace and delete any document of the village", _STAFF)
registry.register(
    "documents.upload", "Upload own documents (KTP, KK, photos)", (*_STAFF, Role.HAMLET_HEAD, Role.RESIDENT)
)
registry.register("platform.tenants.manage", "Provision, suspend and archive villages")
registry.register("platform.plugins.manage", "Install, uninstall and purge plugins")
registry.register("platform.users.manage", "Manage every user")


def memberships_for(user: User, tenant: Tenant) -> list[Membership]:
    return [m for m in user.memberships if m.covers(tenant)]


def can(user: User | None, permission: str, tenant: Tenant | None = None) -> bool:
    """Whether ``user`` holds ``permission`` (in ``tenant`` for village permissions)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    registry.get(permission)
    if user.is_platform_admin:
        return True
    if tenant is None:
        return False
    return any(registry.role_grants(m.role, permission) for m in memberships_for(user, tenant))


def can_see_village(user: User | None, tenant: Tenant) -> bool:
    """Any membership covering the village lets a user in (residents see their own things)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or bool(memberships_for(user, tenant))
