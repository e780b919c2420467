"""A small kit for pillar plugins: metadata, permissions, navigation, an overview page, and
readiness checks written as plain functions. The six built-in pillars use it; third-party plugins
may use it too or implement the hooks directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache

from flask import Blueprint, g, render_template
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from .. import hookimpl
from ..models import Hamlet, Membership, Role, Tenant, User
from .types import NavEntry, PermissionSpec, PluginBlueprints, PluginInfo, ReadinessCheck

Check = Callable[[Tenant, Session], ReadinessCheck]
STAFF = ("village_head", "village_secretary", "operator")


def page_link(tenant: Tenant, endpoint: str, path: str) -> str:
    """The URL path of a village page that fixes a readiness check (``ReadinessCheck.link``).

    Built with ``url_for`` in a request (it honours the mount point); outside one (the command line,
    a job) or for an endpoint that is not registered, ``/desa/<slug>/<path>``."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, slug=tenant.slug, _external=False)
    except (RuntimeError, BuildError):
        return f"/desa/{tenant.slug}/{path}"


def members_page(tenant: Tenant) -> str:
    """Where a village head or secretary invites staff and hamlet heads."""
    return page_link(tenant, "village.members", "members")


def hamlets_page(tenant: Tenant) -> str:
    return page_link(tenant, "village.hamlets", "hamlets")


_SHARED: ContextVar[dict[tuple, int] | None] = ContextVar("desa_shared_counts", default=None)


@contextmanager
def shared_counts() -> Iterator[None]:
    """While a read-only page asks every pillar of many villages whether it is ready (the rollout
    board), the kit's counts — accounts by role, hamlets — are read once per village instead of
    once per pillar (95 of the board's 431 statements for 20 villages were the same count).
    Only for reading: nothing inside may change what it counts."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _shared(key: tuple, compute: Callable[[], int]) -> int:
    memo = _SHARED.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@cache
def _role_count() -> Select:
    """Built once: building this join cost more than the database's answer (1.7 ms a call)."""
    return (
        select(func.count(Membership.id))
        .join(User, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == bindparam("tenant"),
            Membership.role.in_(bindparam("roles", expanding=True)),
            User.active.is_(True),
        )
    )


@cache
def _hamlet_count() -> Select:
    return select(func.count(Hamlet.id))


def count_role(tenant: Tenant, session: Session, *roles: Role) -> int:
    """Accounts holding one of ``roles`` here; a suspended account does not count (it cannot work)."""

    def compute() -> int:
        return session.scalar(_role_count(), {"tenant": tenant.id, "roles": list(roles)}) or 0

    return _shared(("roles", tenant.id, frozenset(roles)), compute)


def count_hamlets(tenant: Tenant, session: Session) -> int:
    """The village's hamlets (``session`` is bound to ``tenant``)."""
    return _shared(("hamlets", tenant.id), lambda: session.scalar(_hamlet_count()) or 0)


def has_role(role: Role, label: str, how: str) -> Check:
    """A readiness check: the village has at least one account with ``role``; fixed on the
    members page (a village head account is given by the platform or regency: the same page
    lists it once it exists)."""

    def check(tenant: Tenant, session: Session) -> ReadinessCheck:
        return ReadinessCheck(
            f"has_{role.value}",
            str(label),
            count_role(tenant, session, role) > 0,
            str(how),
            members_page(tenant),
        )

    return check


def has_staff(label: str, how: str) -> Check:
    """A secretary or an operator exists; fixed on the members page."""

    def check(tenant: Tenant, session: Session) -> ReadinessCheck:
        ok = count_role(tenant, session, Role.VILLAGE_SECRETARY, Role.OPERATOR) > 0
        return ReadinessCheck("has_staff", str(label), ok, str(how), members_page(tenant))

    return check


def has_hamlets(label: str, how: str) -> Check:
    """At least one hamlet; fixed on the hamlets page."""

    def check(tenant: Tenant, session: Session) -> ReadinessCheck:
        ok = count_hamlets(tenant, session) > 0
        return ReadinessCheck("has_hamlets", str(label), ok, str(how), hamlets_page(tenant))

    return check


@dataclass(eq=False)  # pluggy keeps plugins in sets: identity, not field equality
class Pillar:
    """Declare a pillar; register the instance as the plugin object (``plugin = Pillar(...)``)."""

    name: str
    title_id: str
    title_en: str
    pillar: str
    version: str
    description: str
    description_en: str
    rollout_order: int
    requires: tuple[str, ...] = ()
    checks: list[Check] = field(default_factory=list)
    settings_schema: type | None = None  # a marshmallow Schema class with typed defaults

    def __post_init__(self) -> None:
        self.pages = Blueprint(self.name, self.name)
        self.pages.add_url_rule("/", "index", self.overview)

    def overview(self):  # noqa: ANN201
        """The pillar's own index: what it offers, and a link to each of its parts this user may
        open (its navigation entries but this page, each with the plugin's one-line hint from an
        optional ``part_hints`` mapping of endpoint → text)."""
        locale = str(get_locale())
        user = current_user._get_current_object() if current_user.is_authenticated else None
        own = self.desa_navigation(tenant=g.tenant, user=user) or []
        entries = sorted(
            (e for e in own if e.endpoint != f"{self.name}.index"), key=lambda e: (e.order, e.label)
        )
        hints = getattr(self, "part_hints", {}) or {}
        parts = [(e, str(hints[e.endpoint]) if e.endpoint in hints else "") for e in entries]
        return render_template(
            "pillar/overview.html",
            info=self.desa_plugin_info(),
            locale=locale,
            parts=parts,
            may_manage=user is not None and _can(user, "village.plugins.manage", g.tenant),
        )

    @hookimpl
    def desa_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            self.name,
            self.title_id,
            self.title_en,
            self.pillar,
            self.version,
            description=self.description,
            description_en=self.description_en,
            requires=self.requires,
            rollout_order=self.rollout_order,
            settings_schema=self.settings_schema,
        )

    @hookimpl
    def desa_permissions(self) -> list[PermissionSpec]:
        return [
            PermissionSpec(
                f"{self.name}.view", f"Use {self.title_en}", (*STAFF, "hamlet_head", "facilitator"), True
            ),
            PermissionSpec(
                f"{self.name}.manage", f"Configure {self.title_en}", ("village_head", "village_secretary")
            ),
        ]

    @hookimpl
    def desa_blueprints(self, app) -> PluginBlueprints:  # noqa: ANN001
        return PluginBlueprints(pages=self.pages)

    @hookimpl
    def desa_navigation(self, tenant: Tenant, user: User | None) -> list[NavEntry]:
        return [
            NavEntry(
                self.title_en if str(get_locale()) == "en" else self.title_id,
                f"{self.name}.index",
                100 + self.rollout_order,
            )
        ]

    @hookimpl
    def desa_readiness_checks(self, tenant: Tenant, session: Session) -> list[ReadinessCheck]:
        return [check(tenant, session) for check in self.checks]


def _can(user, permission: str, tenant: Tenant) -> bool:  # noqa: ANN001
    from ..auth.permissions import can

    return can(user, permission, tenant)
