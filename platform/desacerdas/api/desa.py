"""``/api/v1/desa/<slug>/…``: one village's own data, seen through the caller's roles there.

The blueprint's preprocessor authenticates, answers 404 to anyone whose roles do not cover the
village, and binds the database session to it (``web.tenant.resolve``): from then on every query
on a village-owned model (``Hamlet`` …) is filtered to this village, so an id from another
village is simply not found.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from ..auth.permissions import can, memberships_for, registry
from ..extensions import db
from ..models import VILLAGE_ROLES, Hamlet, Membership, Role, Tenant, User
from ..services import audit
from ..services import tenants as tenant_service
from ..services import users as user_service
from ..web.tenant import current_tenant
from .pagination import PAGINATION, page_of
from .schemas import (
    HamletCreateSchema,
    HamletSchema,
    HamletUpdateSchema,
    MemberCreateSchema,
    MemberSchema,
    VillageHereSchema,
    VillageSchema,
)
from .security import ApiError, api_user, require, village_blueprint

blp = village_blueprint("Desa", __name__, "One village's data: hamlets and the people who work there.")

SLUG_PARAMETER = {
    "in": "path",
    "name": "slug",
    "required": True,
    "description": "The village's slug, e.g. `menanga`.",
    "schema": {"type": "string"},
}


def _permissions_here(user: User, tenant: Tenant) -> list[str]:
    return [p.name for p in registry.all() if can(user, p.name, tenant)]


@blp.route("/")
class Village(MethodView):
    @blp.response(200, VillageHereSchema)
    def get(self) -> SimpleNamespace:
        """The village, with the caller's roles and permissions in it."""
        user, tenant = api_user(), current_tenant()
        return SimpleNamespace(
            **{name: getattr(tenant, name) for name in VillageSchema().fields if hasattr(tenant, name)},
            roles=sorted({m.role.value for m in memberships_for(user, tenant)}),
            permissions=_permissions_here(user, tenant),
        )


# -- hamlets ----------------------------------------------------------------------------------


def _hamlet(hamlet_id: uuid.UUID) -> Hamlet:
    # Filtered to the current village by the isolation layer: another village's id is not found.
    hamlet = db.session.scalar(select(Hamlet).where(Hamlet.id == hamlet_id))
    if hamlet is None:
        raise ApiError(404, "No such hamlet in this village.", "not_found")
    return hamlet


@blp.route("/hamlets")
class Hamlets(MethodView):
    @blp.response(200, HamletSchema(many=True))
    def get(self) -> list[Hamlet]:
        """The village's hamlets (banjar dinas / dusun), by name. Not paginated: a village has few."""
        return list(db.session.scalars(select(Hamlet).order_by(Hamlet.name)))

    @blp.arguments(HamletCreateSchema)
    @blp.response(201, HamletSchema)
    @blp.alt_response(409, description="The village already has a hamlet with this name.")
    def post(self, data: dict) -> Hamlet:
        """Add a hamlet (``village.hamlets.manage``)."""
        tenant = current_tenant()
        user = require("village.hamlets.manage", tenant)
        return tenant_service.add_hamlet(tenant, data["name"], data.get("code"), actor=user)


@blp.route("/hamlets/<uuid:hamlet_id>")
class HamletItem(MethodView):
    @blp.response(200, HamletSchema)
    def get(self, hamlet_id: uuid.UUID) -> Hamlet:
        """One hamlet of this village."""
        return _hamlet(hamlet_id)

    @blp.arguments(HamletUpdateSchema)
    @blp.response(200, HamletSchema)
    def patch(self, data: dict, hamlet_id: uuid.UUID) -> Hamlet:
        """Rename a hamlet or change its code (``village.hamlets.manage``)."""
        tenant = current_tenant()
        user = require("village.hamlets.manage", tenant)
        hamlet = _hamlet(hamlet_id)
        changes: dict[str, object] = {}
        if "name" in data:
            name = data["name"].strip()
            if not name:
                raise ApiError(400, "A hamlet needs a name.", "name_required")
            if name != hamlet.name:
                if db.session.scalar(select(Hamlet.id).where(Hamlet.name == name)) is not None:
                    raise ApiError(409, f"{tenant.name} already has a hamlet named {name}.", "duplicate")
                changes["name"] = name
        if "code" in data:
            code = (data["code"] or "").strip() or None
            if code != hamlet.code:
                changes["code"] = code
        if changes:
            for key, value in changes.items():
                setattr(hamlet, key, value)
            audit.record(
                "hamlet.updated",
                actor=user,
                tenant_id=tenant.id,
                target=f"hamlet:{hamlet.id}",
                **{k: str(v) if v is not None else None for k, v in changes.items()},
            )
            db.session.commit()
        return hamlet


# -- members ----------------------------------------------------------------------------------


@blp.route("/members")
class Members(MethodView):
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: PaginationParameters) -> list[Membership]:
        """Who holds a role in this village (``village.members.view``). Paginated (``X-Pagination``)."""
        tenant = current_tenant()
        require("village.members.view", tenant)
        stmt = (
            select(Membership)
            .where(Membership.tenant_id == tenant.id)
            .order_by(Membership.role, Membership.id)
        )
        return page_of(stmt, pagination_parameters)

    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    @blp.alt_response(404, description="No account with this login or id, or no such hamlet here.")
    def post(self, data: dict) -> tuple[Membership, int]:
        """Give an existing account a village role here (``village.members.manage``).

        Only village roles can be granted here; facilitators, regency and platform admins are
        assigned through ``/api/v1/users/<id>/memberships``. Granting a role the person already
        holds changes nothing and answers 200.
        """
        tenant = current_tenant()
        actor = require("village.members.manage", tenant)
        if "user_id" in data:
            # Ids are sequential: only a platform admin may name an account by id, so that village
            # staff cannot walk the ids to list every account on the platform.
            if not actor.is_platform_admin:
                raise ApiError(403, "Name the account by its email or phone number.", "login_required")
            person = db.session.get(User, data["user_id"])
        else:
            person = user_service.find_by_login(data["login"])
        if person is None:
            raise ApiError(404, "No account has this email, phone number or id.", "unknown_user")
        before = {m.id for m in person.memberships}
        membership = user_service.grant(
            person, data["role"], tenant=tenant, hamlet_id=data.get("hamlet_id"), actor=actor
        )
        db.session.commit()
        return membership, 200 if membership.id in before else 201


@blp.route("/members/<int:membership_id>")
class MemberItem(MethodView):
    @blp.response(204)
    def delete(self, membership_id: int) -> None:
        """Take a village role away (``village.members.manage``); a head cannot remove their own head role."""
        tenant = current_tenant()
        actor = require("village.members.manage", tenant)
        membership = db.session.get(Membership, membership_id)
        if membership is None or membership.tenant_id != tenant.id:
            raise ApiError(404, "No such member in this village.", "not_found")
        if membership.role not in VILLAGE_ROLES and not actor.is_platform_admin:
            raise ApiError(403, "Only village roles can be revoked here.", "not_a_village_role")
        if membership.user_id == actor.id and membership.role == Role.VILLAGE_HEAD:
            raise ApiError(409, "You cannot revoke your own village head role.", "cannot_revoke_self")
        user_service.revoke(membership, actor=actor)
        db.session.commit()
