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
from sqlalchemy import select

from ..auth.permissions import can, memberships_for, registry
from ..extensions import db
from ..models import Hamlet, Tenant, User
from ..services import audit
from ..services import tenants as tenant_service
from ..services.i18n import _
from ..web.tenant import current_tenant
from .schemas import (
    HamletCreateSchema,
    HamletSchema,
    HamletUpdateSchema,
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
        raise ApiError(404, _("No such hamlet in this village."), "not_found")
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
                raise ApiError(400, _("A hamlet needs a name."), "name_required")
            if name != hamlet.name:
                if db.session.scalar(select(Hamlet.id).where(Hamlet.name == name)) is not None:
                    raise ApiError(
                        409,
                        _("%(village)s already has a hamlet named %(name)s.", village=tenant.name, name=name),
                        "duplicate",
                    )
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


# -- members: api/members.py (its routes are on this blueprint) --------------------------------

from . import members as _members  # noqa: E402, F401
