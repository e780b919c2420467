"""The rules for a village's members: who may invite whom, change a role, suspend or end a
membership, from the village's own members page and API.

* **Who manages**: ``village.members.manage`` (the village head and the secretary). Only a village
  head (or a platform admin) grants, changes or takes away the *village head* role; a secretary
  handles secretaries, operators and hamlet heads. Platform, regency and facilitator roles are never
  granted here (they are assigned above the village: admin pages, ``/api/v1/users``).
* **The last village head** stays: nobody here ends, changes or suspends the village's last active
  head (a platform admin may end it, e.g. to hand the village over), and a head never removes
  their own head role.
* **Suspending** stops an account from signing in (``User.active``; its sessions and API tokens
  stop working at once) and is reversible. It is allowed only for an account whose every role is in
  this village: an account that also works elsewhere (another village, a regency, the platform) is
  not this village's to switch off, so its membership here is *ended* instead. A suspended account
  keeps its roles, so resuming it gives them back unchanged.
* **Invitations** (:mod:`desacerdas.services.invitations`): inviting someone new creates an account
  without a usable password and a one-time link. Inviting an email or phone number that already has an
  account grants the role to that account and issues *no* link, unless the account has never been
  used (its invitation is still pending or has expired) and has no role outside this village: a
  village must never obtain a link that sets the password of somebody else's account.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, contains_eager

from ..extensions import db
from ..models import VILLAGE_ROLES, Membership, Role, Tenant, User
from ..services import NotFound, ServiceError, audit, invitations
from ..services import users as user_service
from ..services.i18n import _
from ..web.pagination import Page, fetch

# Shown on the members page (residents are the pillars' business: their accounts have PINs).
MEMBER_ROLES: tuple[Role, ...] = (
    Role.VILLAGE_HEAD,
    Role.VILLAGE_SECRETARY,
    Role.OPERATOR,
    Role.HAMLET_HEAD,
    Role.FACILITATOR,
)
# Granted, changed, suspended and ended from here.
MANAGED_ROLES: tuple[Role, ...] = (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR, Role.HAMLET_HEAD)
HEAD_ONLY: frozenset[Role] = frozenset({Role.VILLAGE_HEAD})
REINVITABLE = frozenset({"pending", "expired"})

_ORDER = case({role.value: i for i, role in enumerate(MEMBER_ROLES)}, value=Membership.role, else_=99)


class Forbidden(ServiceError):
    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message, code, 403)


@dataclass(frozen=True)
class Member:
    """One membership on the members page or in the API, with its account's state."""

    membership: Membership
    user: User
    suspended: bool
    invitation: str | None  # "pending" | "expired" | "accepted" | None (never invited)

    @property
    def id(self) -> int:
        return self.membership.id

    @property
    def role(self) -> Role:
        return self.membership.role

    @property
    def hamlet_id(self) -> uuid.UUID | None:
        return self.membership.hamlet_id

    @property
    def created_at(self) -> Any:
        return self.membership.created_at

    @property
    def state(self) -> str:
        """``suspended``, ``invited`` (the link not used yet), ``invitation_expired`` or ``active``."""
        if self.suspended:
            return "suspended"
        if self.invitation == "pending":
            return "invited"
        if self.invitation == "expired":
            return "invitation_expired"
        return "active"


# -- reading ---------------------------------------------------------------------------------------


def members_query(tenant: Tenant, roles: Iterable[Role] | None = MEMBER_ROLES) -> Select:
    """The village's memberships (of ``roles``; None: every role), heads first, then by name."""
    stmt = (
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .options(contains_eager(Membership.user))  # the page shows every member's name: one query
        .where(Membership.tenant_id == tenant.id)
    )
    if roles is not None:
        stmt = stmt.where(Membership.role.in_(list(roles)))
    return stmt.order_by(_ORDER, func.lower(User.name), Membership.id)


def describe(memberships: list[Membership]) -> list[Member]:
    """The rows with each account's suspension and invitation state (one query for all)."""
    states = invitation_states({m.user_id for m in memberships})
    return [Member(m, m.user, not m.user.active, states.get(m.user_id)) for m in memberships]


def page_of_members(
    tenant: Tenant, page: int, per_page: int, roles: Iterable[Role] | None = MEMBER_ROLES
) -> Page:
    """One page of members, described."""
    result = fetch(members_query(tenant, roles), page, per_page)
    result.items = describe(result.items)
    return result


def get_member(tenant: Tenant, membership_id: int) -> Member:
    """A membership of this village, or 404 (another village's id is not found here)."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.tenant_id != tenant.id:
        raise NotFound(_("No such member in this village."))
    return describe([membership])[0]


def invitation_states(user_ids: Iterable[int]) -> dict[int, str]:
    return invitations.state_for(user_ids)


# -- who may do what ---------------------------------------------------------------------------------


def acts_as_head(actor: User, tenant: Tenant) -> bool:
    """A platform admin or a village head of ``tenant``: may handle the village head role."""
    return actor.is_platform_admin or any(
        m.role == Role.VILLAGE_HEAD and m.tenant_id == tenant.id for m in actor.memberships
    )


def grantable_roles(actor: User, tenant: Tenant) -> list[Role]:
    """The roles ``actor`` may give from the members page, in the page's order."""
    return [r for r in MANAGED_ROLES if r not in HEAD_ONLY or acts_as_head(actor, tenant)]


def active_heads(tenant: Tenant, session: Session | None = None) -> set[int]:
    """User ids of the village's heads whose accounts are not suspended."""
    s = session or db.session
    return set(
        s.scalars(
            select(Membership.user_id)
            .join(User, Membership.user_id == User.id)
            .where(
                Membership.tenant_id == tenant.id, Membership.role == Role.VILLAGE_HEAD, User.active.is_(True)
            )
        )
    )


def _check_role(actor: User, tenant: Tenant, role: Role) -> None:
    if role not in MANAGED_ROLES:
        raise ServiceError(_("This role cannot be given from the members page."), "role_not_allowed", 400)
    if role in HEAD_ONLY and not acts_as_head(actor, tenant):
        raise Forbidden(_("Only the village head can give or take away the village head role."), "head_only")


def _check_managed(actor: User, tenant: Tenant, membership: Membership) -> None:
    if membership.role not in MANAGED_ROLES:
        raise Forbidden(_("Only village roles can be changed here."), "not_a_village_role")
    if membership.role in HEAD_ONLY and not acts_as_head(actor, tenant):
        raise Forbidden(_("Only the village head can give or take away the village head role."), "head_only")


def _keeps_a_head(tenant: Tenant, membership: Membership, actor: User) -> None:
    """Refuse to take away the village's last active head (a platform admin may)."""
    if membership.role != Role.VILLAGE_HEAD or actor.is_platform_admin:
        return
    if membership.user_id == actor.id:
        raise ServiceError(_("You cannot take away your own village head role."), "cannot_revoke_self", 409)
    if not active_heads(tenant) - {membership.user_id}:
        raise ServiceError(
            _("The village needs a village head: give someone else the role first."), "last_village_head", 409
        )


def roles_elsewhere(user: User, tenant: Tenant) -> bool:
    """Whether the account holds any role outside this village (other villages, areas, platform)."""
    return any(m.tenant_id != tenant.id for m in user.memberships)


def may_invite_again(user: User, tenant: Tenant, state: str | None) -> bool:
    """A new link only for an account never used and working only here (see the module doc)."""
    return state in REINVITABLE and not roles_elsewhere(user, tenant)


# -- changes (each commits) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    """What inviting did: the membership, and the link when one was issued (shown once)."""

    membership: Membership
    issued: Any  # services.invitations.Issued | None
    existing_account: bool


def _hamlet(hamlet_id: uuid.UUID | str | None) -> uuid.UUID | None:
    if hamlet_id in (None, ""):
        return None
    if isinstance(hamlet_id, uuid.UUID):
        return hamlet_id
    try:
        return uuid.UUID(str(hamlet_id))
    except ValueError:
        raise NotFound(_("No such hamlet in this village.")) from None


def invite(
    tenant: Tenant,
    actor: User,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    role: Role | str,
    hamlet_id: uuid.UUID | str | None = None,
) -> Invited:
    """Give a person a role here; a new person gets an account and a one-time invitation link."""
    role = Role(role)
    _check_role(actor, tenant, role)
    hamlet = _hamlet(hamlet_id)
    email, phone = user_service.normalize_email(email), user_service.normalize_phone(phone)
    if not email and not phone:
        raise ServiceError(_("A user needs an email address or a phone number."), "login_required")
    found = [u for u in (user_service.find_by_login(x) for x in (email, phone) if x) if u is not None]
    if len({u.id for u in found}) > 1:
        raise ServiceError(
            _("This email and this phone number belong to two different accounts."), "duplicate_user", 409
        )
    try:
        if found:
            user = found[0]
            membership = user_service.grant(user, role, tenant=tenant, hamlet_id=hamlet, actor=actor)
            state = invitation_states([user.id]).get(user.id)
            issued = (
                invitations.invite(user, tenant=tenant, actor=actor)
                if may_invite_again(user, tenant, state)
                else None
            )
        else:
            user = invitations.create_invited_user(name, email=email, phone=phone, actor=actor)
            membership = user_service.grant(user, role, tenant=tenant, hamlet_id=hamlet, actor=actor)
            issued = invitations.invite(user, tenant=tenant, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Invited(membership, issued, bool(found))


def grant_existing(
    tenant: Tenant, actor: User, user: User, role: Role | str, hamlet_id: uuid.UUID | str | None = None
) -> Membership:
    """Give an existing account a role here (the API's ``login``); no invitation is issued. A
    resident role may be given too (the API always allowed it), the village head role only by a head."""
    role = Role(role)
    if role != Role.RESIDENT:
        _check_role(actor, tenant, role)
    try:
        membership = user_service.grant(user, role, tenant=tenant, hamlet_id=_hamlet(hamlet_id), actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return membership


def invite_again(tenant: Tenant, actor: User, membership: Membership) -> Any:
    """A new one-time link for a member who never used theirs ("send again"); earlier links end."""

    _check_managed(actor, tenant, membership)
    user = membership.user
    state = invitation_states([user.id]).get(user.id)
    if not may_invite_again(user, tenant, state):
        raise ServiceError(
            _("This account is already in use: its owner signs in with their own password."),
            "not_invitable",
            409,
        )
    try:
        issued = invitations.invite(user, tenant=tenant, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return issued


def change_role(
    tenant: Tenant,
    actor: User,
    membership: Membership,
    role: Role | str,
    hamlet_id: uuid.UUID | str | None = None,
) -> Membership:
    """Replace a member's role here (or move a hamlet head to another hamlet)."""
    role = Role(role)
    _check_managed(actor, tenant, membership)
    _check_role(actor, tenant, role)
    hamlet = _hamlet(hamlet_id) if role == Role.HAMLET_HEAD else None
    if role == membership.role and hamlet == membership.hamlet_id:
        return membership
    if role != membership.role:
        _keeps_a_head(tenant, membership, actor)
    try:
        new = user_service.grant(membership.user, role, tenant=tenant, hamlet_id=hamlet, actor=actor)
        if new.id != membership.id:
            audit.record(
                "membership.role_changed",
                actor=actor,
                tenant_id=tenant.id,
                target=f"user:{membership.user_id}",
                role_from=membership.role.value,
                role_to=role.value,
            )
            user_service.revoke(membership, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return new


def end(tenant: Tenant, actor: User, membership: Membership) -> None:
    """End a membership here (the account stays, with its other roles)."""
    if membership.role not in VILLAGE_ROLES and not actor.is_platform_admin:
        raise Forbidden(_("Only village roles can be changed here."), "not_a_village_role")
    if membership.role in HEAD_ONLY and not acts_as_head(actor, tenant):
        raise Forbidden(_("Only the village head can give or take away the village head role."), "head_only")
    _keeps_a_head(tenant, membership, actor)

    user = membership.user
    others = [m for m in user.memberships if m.id != membership.id]
    try:
        user_service.revoke(membership, actor=actor)
        if not others:
            # Invited for this role only and not there yet: the link would open an account with
            # nothing to do, so it ends too.
            invitations.withdraw(user, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def set_suspended(tenant: Tenant, actor: User, membership: Membership, suspended: bool) -> User:
    """Suspend (or resume) a member's account; see the module doc for when that is allowed."""
    _check_managed(actor, tenant, membership)
    user = membership.user
    if user.active != suspended:  # nothing to change
        return user
    if user.id == actor.id:
        raise ServiceError(_("You cannot suspend your own account."), "cannot_suspend_self", 409)
    if roles_elsewhere(user, tenant):
        raise ServiceError(
            _(
                "This person also has a role outside this village, so the account stays open: "
                "end their role in this village instead."
            ),
            "member_elsewhere",
            409,
        )
    here = [m for m in user.memberships if m.tenant_id == tenant.id]
    if suspended:
        for m in here:
            if m.role in HEAD_ONLY and not acts_as_head(actor, tenant):
                raise Forbidden(
                    _("Only the village head can give or take away the village head role."), "head_only"
                )
        head_here = any(m.role == Role.VILLAGE_HEAD for m in here)
        if head_here and not actor.is_platform_admin and not active_heads(tenant) - {user.id}:
            raise ServiceError(
                _("The village needs a village head: give someone else the role first."),
                "last_village_head",
                409,
            )
    try:
        user.active = not suspended
        if suspended:
            user.session_version = (user.session_version or 1) + 1  # every session ends now
        audit.record(
            "membership.suspended" if suspended else "membership.resumed",
            actor=actor,
            tenant_id=tenant.id,
            target=f"user:{user.id}",
            roles=sorted(m.role.value for m in here),
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return user
