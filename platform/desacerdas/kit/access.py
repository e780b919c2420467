"""Who may open a village page or endpoint, and how much of the village they see.

One rule for every pillar, failing closed: :func:`scope_for` answers the caller's :class:`Scope` for a
permission (the whole village, one hamlet, or only their own records) or refuses, and
:func:`require` / :func:`require_api` do the same for a page or an API view of the current village.

* No role covering the village (a stranger, a facilitator of another village, a regency admin of
  another area): **404**, as if the village did not exist.
* A role covering the village but none that grants the permission: **403**.
* Only the memberships that *grant* the permission decide the scope, widest first: a platform admin
  or a village-wide role (regency admin, facilitator, village head, secretary, operator) sees the
  village; a hamlet head sees their one hamlet; a resident sees their own records.
* A hamlet head without a hamlet, or with several hamlet-head memberships for different hamlets in
  one village (the services never create either), gets nothing from that role: never everything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import Select, false

from ..auth.permissions import memberships_for, registry
from ..models import Membership, Role, Tenant, User
from ..services import NotFound, ServiceError
from ..services.i18n import _

S = TypeVar("S", bound=Select)

# Roles that see a whole village for every permission they hold there.
VILLAGE_WIDE = frozenset(
    {
        Role.PLATFORM_ADMIN,
        Role.REGENCY_ADMIN,
        Role.FACILITATOR,
        Role.VILLAGE_HEAD,
        Role.VILLAGE_SECRETARY,
        Role.OPERATOR,
    }
)


class Forbidden(ServiceError):
    """The caller sees the village but may not do this (403)."""

    def __init__(self, message: str | None = None, code: str = "forbidden") -> None:
        super().__init__(message or _("You are not allowed to do this."), code, 403)


def village_not_found() -> NotFound:
    return NotFound(_("This village does not exist."))


@dataclass(frozen=True)
class Scope:
    """How much of one village a caller sees: exactly one of the three is set."""

    village_wide: bool = False
    hamlet_id: uuid.UUID | None = None
    own_user_id: int | None = None

    def __post_init__(self) -> None:
        given = [self.village_wide, self.hamlet_id is not None, self.own_user_id is not None]
        if sum(given) != 1:
            raise ValueError("a Scope is exactly one of: village_wide, hamlet_id, own_user_id")

    @classmethod
    def village(cls) -> Scope:
        return cls(village_wide=True)

    @classmethod
    def hamlet(cls, hamlet_id: uuid.UUID) -> Scope:
        return cls(hamlet_id=hamlet_id)

    @classmethod
    def own(cls, user_id: int) -> Scope:
        return cls(own_user_id=user_id)

    @property
    def kind(self) -> str:
        """``"village"``, ``"hamlet"`` or ``"own"`` (for templates and JSON)."""
        if self.village_wide:
            return "village"
        return "hamlet" if self.hamlet_id is not None else "own"

    def allows_hamlet(self, hamlet_id: uuid.UUID | None) -> bool:
        """Whether the caller sees everything of ``hamlet_id`` (an own-records scope sees no hamlet)."""
        return self.village_wide or (self.hamlet_id is not None and hamlet_id == self.hamlet_id)

    def allows(self, *, hamlet_id: uuid.UUID | None = None, owner_id: Any = None) -> bool:
        """Whether a record with this hamlet and this owner (a user id, or whatever ``owner_id``
        the caller compares with) is inside the scope."""
        if self.village_wide:
            return True
        if self.hamlet_id is not None:
            return hamlet_id is not None and hamlet_id == self.hamlet_id
        return owner_id is not None and owner_id == self.own_user_id

    def filter(
        self,
        stmt: S,
        *,
        hamlet_column: Any = None,
        owner_column: Any = None,
        owner_id: Any = None,
    ) -> S:
        """``stmt`` limited to the scope. Fails closed: a hamlet scope on a query without
        ``hamlet_column`` (or an own scope without ``owner_column``) returns no rows.

        ``owner_id`` replaces the caller's user id for tables whose owner is not a user (letters:
        ``owner_column=LetterRequest.resident_id, owner_id=resident.id``).
        """
        if self.village_wide:
            return stmt
        if self.hamlet_id is not None:
            if hamlet_column is None:
                return stmt.where(false())
            return stmt.where(hamlet_column == self.hamlet_id)
        wanted = owner_id if owner_id is not None else self.own_user_id
        if owner_column is None:
            return stmt.where(false())
        return stmt.where(owner_column == wanted)

    def staff_hamlet(self) -> uuid.UUID | None:
        """None for the whole village, the hamlet for a hamlet head, 403 for an own-records scope:
        what the older ``hamlet_scope=`` parameters of services take, without ever letting an
        own-records caller through as "no limit"."""
        if self.own_user_id is not None:
            raise Forbidden()
        return self.hamlet_id

    def widest(self, other: Scope) -> Scope:
        order = ("own", "hamlet", "village")
        return other if order.index(other.kind) > order.index(self.kind) else self


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _one_hamlet(heads: list[Membership]) -> uuid.UUID | None:
    hamlets = {m.hamlet_id for m in heads}
    if len(hamlets) == 1 and None not in hamlets:
        return hamlets.pop()
    return None  # no hamlet, or several: the role gives nothing


def _scope_one(user: User, memberships: list[Membership], permission: str) -> Scope | None:
    granting = [m for m in memberships if registry.role_grants(m.role, permission)]
    if any(m.role in VILLAGE_WIDE for m in granting):
        return Scope.village()
    heads = [m for m in granting if m.role == Role.HAMLET_HEAD]
    if heads and (hamlet := _one_hamlet(heads)) is not None:
        return Scope.hamlet(hamlet)
    if any(m.role == Role.RESIDENT for m in granting):
        return Scope.own(user.id)
    return None


def scope_for(user: User | None, tenant: Tenant, *permissions: str) -> Scope:
    """The caller's scope in ``tenant`` for any of ``permissions`` (the widest they give).

    Raises :class:`~desacerdas.services.NotFound` (404) when the user has no role covering the
    village (anonymous callers included) and :class:`Forbidden` (403) when no role grants any of
    the permissions. Services call this; pages and API views call :func:`require`/:func:`require_api`.
    """
    if not permissions:
        raise ValueError("scope_for needs at least one permission")
    for name in permissions:
        registry.get(name)  # an unknown permission is a programming error, not a refusal
    if not _authenticated(user):
        raise village_not_found()
    if user.is_platform_admin:
        return Scope.village()
    memberships = memberships_for(user, tenant)
    if not memberships:
        raise village_not_found()
    found: Scope | None = None
    for name in permissions:
        scope = _scope_one(user, memberships, name)
        if scope is not None:
            found = scope if found is None else found.widest(scope)
    if found is None:
        raise Forbidden()
    return found


def may(user: User | None, tenant: Tenant, *permissions: str) -> bool:
    """Whether :func:`scope_for` would let the user in (for buttons and links)."""
    try:
        scope_for(user, tenant, *permissions)
    except ServiceError:
        return False
    return True


@dataclass(frozen=True)
class Access:
    """What a page or endpoint may work with: the village, the caller's scope, the caller."""

    tenant: Tenant
    scope: Scope
    user: User

    def __iter__(self):  # noqa: ANN204 - ``tenant, scope, user = require(...)``
        return iter((self.tenant, self.scope, self.user))


def _page_user() -> User | None:
    user = current_user._get_current_object() if current_user else None  # noqa: SLF001
    return user if _authenticated(user) else None


def require(*permissions: str) -> Access:
    """For a page of the current village: the access, or sign-in for an anonymous visitor (the
    login manager's answer), 404 for an outsider and 403 without the permission."""
    from ..web.tenant import current_tenant

    tenant = current_tenant()
    user = _page_user()
    if user is None:
        abort(current_app.login_manager.unauthorized())
    try:
        scope = scope_for(user, tenant, *permissions)
    except ServiceError as exc:
        abort(exc.status)
    return Access(tenant, scope, user)


def visible_village() -> Tenant:
    """For a page that any member of the village may open (what they see is decided later):
    the village, sign-in for anonymous visitors, 404 for outsiders."""
    from ..web.tenant import current_tenant

    tenant = current_tenant()
    user = _page_user()
    if user is None:
        abort(current_app.login_manager.unauthorized())
    if not (user.is_platform_admin or memberships_for(user, tenant)):
        abort(404)
    return tenant


def require_api(*permissions: str) -> Access:
    """For a village API view (after the blueprint's token check): the access, or the API's JSON
    error: 404 ``not_found`` for an outsider, 403 ``forbidden`` without the permission."""
    from ..api.security import ApiError, api_user
    from ..web.tenant import current_tenant

    tenant = current_tenant()
    user = api_user()
    try:
        scope = scope_for(user, tenant, *permissions)
    except ServiceError as exc:
        raise ApiError(exc.status, exc.message, exc.code) from None
    return Access(tenant, scope, user)


def roles_in(user: User | None, tenant: Tenant) -> frozenset[Role]:
    """The user's roles covering ``tenant`` (for wording and menus, never for access decisions)."""
    if not _authenticated(user):
        return frozenset()
    return frozenset(m.role for m in memberships_for(user, tenant))
