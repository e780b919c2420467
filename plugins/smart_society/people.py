"""Who in the village may do something to a record of a hamlet: the members holding a permission
whose scope covers that hamlet (staff: every hamlet; a hamlet head: their own)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.auth.permissions import registry as permissions
from desacerdas.kit.access import scope_for
from desacerdas.models import Membership, Role, Tenant, User
from desacerdas.services import ServiceError


def may_act(user: User, tenant: Tenant, permission: str, hamlet_id: uuid.UUID | None) -> bool:
    """Whether ``user`` holds ``permission`` for a record of ``hamlet_id`` (not as its owner)."""
    try:
        scope = scope_for(user, tenant, permission)
    except ServiceError:
        return False
    return scope.own_user_id is None and scope.allows(hamlet_id=hamlet_id)


def members_who_may(
    session: Session, tenant: Tenant, permission: str, hamlet_id: uuid.UUID | None
) -> list[User]:
    """The village's active members who may act on a record of ``hamlet_id``, by name.

    Only members whose role grants the permission are read (a village has thousands of resident
    accounts and a handful of staff); each one's scope then decides."""
    roles = [role for role in Role if permissions.role_grants(role, permission)]
    users = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id, Membership.role.in_(roles), User.active.is_(True))
        .distinct()
        .order_by(User.name, User.id)
    ).all()
    return [u for u in users if may_act(u, tenant, permission, hamlet_id)]
