"""Who sees the rollout board, and which villages they see on it.

The board is for people who drive the rollout across villages: platform admins (every village),
regency admins (the villages of their area) and facilitators (the villages they accompany). A
village role held elsewhere (a facilitator who is also a resident somewhere) does not add rows.
Archived villages are retired and never appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from ..extensions import db
from ..models import Membership, Role, Tenant, TenantStatus, User
from ..services import areas
from ..services import tenants as tenant_svc
from ..services.users import tenants_in_scope

AUDIENCE_ROLES = (Role.PLATFORM_ADMIN, Role.REGENCY_ADMIN, Role.FACILITATOR)


@dataclass(frozen=True)
class Filters:
    """The board's filters; the same in the page, the CSV export and the API."""

    regency: str | None = None
    district: str | None = None
    facilitator: int | None = None

    def as_args(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v not in (None, "")}


def is_audience(user: User | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(m.role in AUDIENCE_ROLES for m in user.memberships)


def reads_across_villages(user: User) -> bool:
    """Regency and platform admins see cross-village detail (double receipt of aid); a
    facilitator works in their villages, not across them."""
    return user.is_platform_admin or any(m.role == Role.REGENCY_ADMIN for m in user.memberships)


def _visible(user: User) -> list[int]:
    """``tenants_in_scope`` once per request: a page asks for the scope several times."""
    cache = g.setdefault("rollout_visible", {})
    if user.id not in cache:
        cache[user.id] = tenants_in_scope(user) or []
    return cache[user.id]


def scope_clause(user: User) -> ColumnElement[bool]:
    """The villages of ``user``'s rollout scope, as a condition on ``Tenant``."""
    if user.is_platform_admin:
        return true()
    visible = _visible(user)
    facilitated = [m.tenant_id for m in user.memberships if m.role == Role.FACILITATOR and m.tenant_id]
    prefixes = [m.area_prefix for m in user.memberships if m.role == Role.REGENCY_ADMIN and m.area_prefix]
    roles: list[ColumnElement[bool]] = []
    if facilitated:
        roles.append(Tenant.id.in_(facilitated))
    roles += [or_(Tenant.code == p, Tenant.code.startswith(p + ".")) for p in prefixes]
    if not roles or not visible:
        return false()
    return and_(Tenant.id.in_(visible), or_(*roles))


def _in_scope(user: User) -> ColumnElement[bool]:
    return and_(scope_clause(user), Tenant.status != TenantStatus.ARCHIVED)


def villages(user: User, filters: Filters) -> Select:
    """The board's rows: villages in scope matching the filters, by regency, district and name."""
    stmt = tenant_svc.search(regency_code=filters.regency, district_code=filters.district).where(
        _in_scope(user)
    )
    if filters.facilitator is not None:
        stmt = stmt.where(
            Tenant.id.in_(
                select(Membership.tenant_id).where(
                    Membership.user_id == filters.facilitator, Membership.role == Role.FACILITATOR
                )
            )
        )
    return stmt


def village(user: User, slug: str) -> Tenant | None:
    """One village of the board by slug, or None when it is outside the user's scope."""
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug, _in_scope(user)))


def villages_by_id(user: User, ids: list[int]) -> list[Tenant]:
    """The villages among ``ids`` that are in scope (others are silently left out), board order."""
    if not ids:
        return []
    stmt = select(Tenant).where(Tenant.id.in_(ids), _in_scope(user))
    return list(db.session.scalars(stmt.order_by(Tenant.regency_code, Tenant.district_code, Tenant.name)))


# -- filter options --------------------------------------------------------------------------------


def regencies(user: User) -> list[areas.Area]:
    return areas.regencies(_in_scope(user))


def districts(user: User, regency: str | None) -> list[areas.Area]:
    return areas.district_menu(regency, _in_scope(user))


def facilitators(user: User) -> list[tuple[int, str]]:
    """Facilitators of the villages in scope: who can be filtered on."""
    stmt = (
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Tenant, Tenant.id == Membership.tenant_id)
        .where(Membership.role == Role.FACILITATOR, _in_scope(user))
        .distinct()
        .order_by(User.name, User.id)
    )
    return [(uid, name) for uid, name in db.session.execute(stmt)]
