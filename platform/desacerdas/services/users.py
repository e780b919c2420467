"""Users and their memberships (roles in villages, areas, or the platform)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..auth.passwords import hash_secret, password_problem
from ..extensions import db
from ..models import VILLAGE_ROLES, Hamlet, Membership, Role, Tenant, TenantStatus, User
from ..plugin_system import events
from ..plugin_system.types import DomainEvent
from ..tenancy import tenant_session
from . import NotFound, ServiceError, audit
from .i18n import _
from .regions import AREA_PREFIX, area_name

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9]{8,15}$")


def normalize_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def normalize_phone(phone: str | None) -> str | None:
    phone = re.sub(r"[\s-]", "", phone or "")
    if phone.startswith("08"):
        phone = "+62" + phone[1:]
    return phone or None


def find_by_login(login: str, session: Session | None = None) -> User | None:
    s = session or db.session
    login = (login or "").strip()
    if "@" in login:
        return s.scalar(select(User).where(User.email == normalize_email(login)))
    phone = normalize_phone(login)
    return s.scalar(select(User).where(User.phone == phone)) if phone else None


def create_user(
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    password: str,
    actor: User | None = None,
    session: Session | None = None,
    check_password: bool = True,
) -> User:
    s = session or db.session
    name = (name or "").strip()
    email, phone = normalize_email(email), normalize_phone(phone)
    if not name:
        raise ServiceError(_("A user needs a name."), "name_required")
    if not email and not phone:
        raise ServiceError(_("A user needs an email address or a phone number."), "login_required")
    if email and not EMAIL.match(email):
        raise ServiceError(_("'%(email)s' is not an email address.", email=email), "invalid_email")
    if phone and not PHONE.match(phone):
        raise ServiceError(_("'%(phone)s' is not a phone number.", phone=phone), "invalid_phone")
    if check_password and (problem := password_problem(password)):
        raise ServiceError(problem, "weak_password")
    clash = s.scalar(
        select(func.count()).where(
            or_(User.email == email if email else False, User.phone == phone if phone else False)
        )
    )
    if clash:
        raise ServiceError(_("Another account already uses this email or phone."), "duplicate_user", 409)
    user = User(name=name, email=email, phone=phone, password_hash=hash_secret(password))
    s.add(user)
    s.flush()
    audit.record("user.created", actor=actor, target=f"user:{user.id}", session=s)
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def _hamlet_exists(tenant: Tenant, hamlet_id: uuid.UUID, connection=None) -> bool:  # noqa: ANN001
    with tenant_session(tenant.id, connection) as s:
        return s.get(Hamlet, (tenant.id, hamlet_id)) is not None


def grant(
    user: User,
    role: Role | str,
    *,
    tenant: Tenant | None = None,
    hamlet_id: uuid.UUID | None = None,
    area_prefix: str | None = None,
    actor: User | None = None,
    session: Session | None = None,
) -> Membership:
    """Give ``user`` a role; each role has its own scope and the scope is checked here."""
    s = session or db.session
    role = Role(role)
    if role in VILLAGE_ROLES or role == Role.FACILITATOR:
        if tenant is None:
            raise ServiceError(_("The role %(role)s needs a village.", role=role.value), "tenant_required")
        if role == Role.HAMLET_HEAD:
            if hamlet_id is None:
                raise ServiceError(_("A hamlet head needs a hamlet."), "hamlet_required")
            if not _hamlet_exists(tenant, hamlet_id, s.connection() if session is not None else None):
                raise NotFound(_("No such hamlet in this village."))
        elif hamlet_id is not None:
            raise ServiceError(_("Only a hamlet head is scoped to a hamlet."), "invalid_scope")
    elif role == Role.REGENCY_ADMIN:
        if not area_prefix or not AREA_PREFIX.match(area_prefix) or area_name(area_prefix) is None:
            raise ServiceError(
                _("'%(prefix)s' is not a known area code prefix such as 51.07.", prefix=area_prefix),
                "invalid_area",
            )
        tenant = None
    else:  # platform admin
        tenant, area_prefix = None, None
    tenant_id = tenant.id if tenant is not None else None
    existing = s.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.role == role,
            Membership.tenant_id.is_(None) if tenant_id is None else Membership.tenant_id == tenant_id,
            Membership.area_prefix.is_(None)
            if area_prefix is None
            else Membership.area_prefix == area_prefix,
        )
    )
    if existing is not None:
        if existing.hamlet_id != hamlet_id:
            audit.record(
                "membership.rescoped",
                actor=actor,
                tenant_id=tenant_id,
                target=f"user:{user.id}",
                session=s,
                role=role.value,
                hamlet_from=str(existing.hamlet_id) if existing.hamlet_id else None,
                hamlet_to=str(hamlet_id) if hamlet_id else None,
            )
            existing.hamlet_id = hamlet_id
            _membership_changed(s, tenant_id, user.id, role, "rescoped", actor)
        return existing
    membership = Membership(
        user=user, role=role, tenant_id=tenant_id, hamlet_id=hamlet_id, area_prefix=area_prefix
    )
    s.add(membership)
    s.flush()
    _membership_changed(s, tenant_id, user.id, role, "granted", actor)
    audit.record(
        "membership.granted",
        actor=actor,
        tenant_id=tenant_id,
        target=f"user:{user.id}",
        role=role.value,
        area_prefix=area_prefix,
        session=s,
    )
    return membership


def revoke(membership: Membership, actor: User | None = None, session: Session | None = None) -> None:
    s = session or db.session
    audit.record(
        "membership.revoked",
        actor=actor,
        tenant_id=membership.tenant_id,
        target=f"user:{membership.user_id}",
        role=membership.role.value,
        session=s,
    )
    _membership_changed(s, membership.tenant_id, membership.user_id, membership.role, "revoked", actor)
    s.delete(membership)
    s.flush()


def _membership_changed(
    session: Session, tenant_id: int | None, user_id: int, role: Role, change: str, actor: User | None
) -> None:
    payload = {"user_id": user_id, "role": role.value, "change": change}
    events.queue(session, DomainEvent("membership.changed", tenant_id, payload, actor.id if actor else None))


def village_members(tenant: Tenant) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.tenant_id == tenant.id)
            .order_by(Membership.role, Membership.id)
        )
    )


def tenants_in_scope(user: User) -> list[int] | None:
    """Ids of the villages a user may see; None means all (platform admin)."""
    if user.is_platform_admin:
        return None
    prefixes = [m.area_prefix for m in user.memberships if m.role == Role.REGENCY_ADMIN and m.area_prefix]
    member_of = [m.tenant_id for m in user.memberships if m.tenant_id is not None]
    wanted = [Tenant.id.in_(member_of)] + [
        or_(Tenant.code == prefix, Tenant.code.startswith(prefix + ".")) for prefix in prefixes
    ]
    # Archived villages are gone for everyone but platform admins.
    stmt = select(Tenant.id).where(or_(*wanted), Tenant.status != TenantStatus.ARCHIVED)
    return sorted(db.session.scalars(stmt))
