"""``/api/v1/desa/<slug>/members``: the village's members, as on its members page.

The rules (who may invite whom, the last village head, suspending, invitations) are in
:mod:`desacerdas.members.service` and ``docs/members.md``. The routes live on the village API
blueprint (``api/desa.py``), so they share its token check, village resolution and OpenAPI tag.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import fields, validate

from ..extensions import db
from ..kit.access import require_api
from ..members import service
from ..members.service import Member
from ..models import Role, User
from ..services import NotFound, ServiceError
from ..services import users as user_service
from ..services.i18n import _
from .desa import blp
from .pagination import PAGINATION, page_of
from .schemas import ROLE_NAMES, VILLAGE_ROLE_NAMES, QuerySchema, UserRefSchema, UtcDateTime, _Enum

VIEW, MANAGE = "village.members.view", "village.members.manage"
MANAGED_NAMES = [r.value for r in service.MANAGED_ROLES]
STATES = ["active", "suspended", "invited", "invitation_expired"]


class InvitationSchema(ma.Schema):
    """A one-time invitation link: returned once, when it is issued (it is stored only hashed)."""

    url = fields.Str(metadata={"description": "The link the person opens to set a password. Shown once."})
    channels = fields.List(
        fields.Str(),
        metadata={"description": "Where it was also sent (`email`, `whatsapp`, `sms`); may be empty."},
    )


class MemberSchema(ma.Schema):
    """A role someone holds in this village, with the state of their account."""

    id = fields.Int(metadata={"description": "Membership id (use it to change, suspend or end the role)."})
    role = _Enum(metadata={"enum": ROLE_NAMES})
    hamlet_id = fields.UUID(allow_none=True)
    user = fields.Nested(UserRefSchema)
    state = fields.Str(
        metadata={
            "enum": STATES,
            "description": "`active`; `suspended` (cannot sign in); `invited` (the invitation link is "
            "not used yet); `invitation_expired` (send it again).",
        }
    )
    invitation = fields.Str(
        allow_none=True,
        metadata={
            "enum": ["pending", "expired", "accepted", None],
            "description": "The account's invitation, if it was created by one.",
        },
    )
    created_at = UtcDateTime()


class NewMemberSchema(MemberSchema):
    invitation_link = fields.Nested(
        InvitationSchema, allow_none=True, metadata={"description": "Present when a link was issued."}
    )


class MemberQuerySchema(QuerySchema):
    role = fields.Str(validate=validate.OneOf(ROLE_NAMES), metadata={"description": "Only this role."})


class MemberCreateSchema(ma.Schema):
    """Either name an existing account (``login``; ``user_id`` for platform admins) or invite a new
    person (``name`` with ``email`` and/or ``phone``)."""

    login = fields.Str(metadata={"description": "Email or phone number of an existing account."})
    user_id = fields.Int(metadata={"description": "Id of an existing account (platform admins only)."})
    name = fields.Str(
        validate=validate.Length(min=1, max=120), metadata={"description": "A new person: their name."}
    )
    email = fields.Str(validate=validate.Length(max=254), metadata={"description": "A new person's email."})
    phone = fields.Str(validate=validate.Length(max=20), metadata={"description": "A new person's phone."})
    role = fields.Str(required=True, validate=validate.OneOf(VILLAGE_ROLE_NAMES))
    hamlet_id = fields.UUID(metadata={"description": "Required for hamlet_head."})

    @ma.validates_schema
    def _one_person(self, data: dict, **kwargs: Any) -> None:
        if sum(key in data for key in ("login", "user_id", "name")) != 1:
            raise ma.ValidationError("Give exactly one of login, user_id or name.", "login")
        if "name" in data and not (data.get("email") or data.get("phone")):
            raise ma.ValidationError("A new person needs an email or a phone number.", "email")
        if "name" not in data and ("email" in data or "phone" in data):
            raise ma.ValidationError("email and phone go with name (a new person).", "email")


class MemberUpdateSchema(ma.Schema):
    role = fields.Str(validate=validate.OneOf(MANAGED_NAMES), metadata={"description": "The new role."})
    hamlet_id = fields.UUID(allow_none=True, metadata={"description": "The hamlet of a hamlet head."})
    suspended = fields.Bool(metadata={"description": "Suspend (true) or resume (false) the account."})


def _out(member: Member, issued: Any = None) -> dict[str, Any]:
    out = {
        "id": member.id,
        "role": member.role,
        "hamlet_id": member.hamlet_id,
        "user": member.user,
        "state": member.state,
        "invitation": member.invitation,
        "created_at": member.created_at,
    }
    if issued is not None:
        out["invitation_link"] = {"url": issued.url, "channels": list(issued.channels)}
    return out


@blp.route("/members")
class Members(MethodView):
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """Who holds a role in this village (``village.members.view``), heads first. Paginated
        (``X-Pagination``); every role unless ``role`` is given."""
        tenant, _scope, _user = require_api(VIEW)
        roles = [Role(args["role"])] if "role" in args else None
        rows = page_of(service.members_query(tenant, roles), pagination_parameters)
        return [_out(m) for m in service.describe(rows)]

    @blp.arguments(MemberCreateSchema)
    @blp.response(201, NewMemberSchema)
    @blp.alt_response(404, description="No account with this login or id, or no such hamlet here.")
    @blp.alt_response(409, description="The email and the phone number belong to two accounts.")
    def post(self, data: dict) -> tuple[dict[str, Any], int]:
        """Give a village role here (``village.members.manage``).

        With ``name`` and ``email``/``phone``: a new person gets an account without a password and
        a one-time invitation link (``invitation_link``, returned only here; also sent where a
        channel is set up). With ``login``: an existing account gets the role (no link). Only a
        village head gives the village head role; facilitators, regency and platform admins are
        assigned through ``/api/v1/users/<id>/memberships``. Granting a role the person already
        holds changes nothing and answers 200.
        """
        tenant, _scope, actor = require_api(MANAGE)
        if "name" in data:
            if data["role"] not in MANAGED_NAMES:
                raise ServiceError(_("This role cannot be given from the members page."), "role_not_allowed")
            invited = service.invite(
                tenant,
                actor,
                name=data["name"],
                email=data.get("email"),
                phone=data.get("phone"),
                role=data["role"],
                hamlet_id=data.get("hamlet_id"),
            )
            member = service.get_member(tenant, invited.membership.id)
            return _out(member, invited.issued), 201
        person = _existing(actor, data)
        before = {m.id for m in person.memberships}
        membership = service.grant_existing(tenant, actor, person, data["role"], data.get("hamlet_id"))
        return _out(service.get_member(tenant, membership.id)), 200 if membership.id in before else 201


def _existing(actor: User, data: dict) -> User:
    if "user_id" in data:
        # Ids are sequential: only a platform admin may name an account by id, so that village
        # staff cannot walk the ids to list every account on the platform.
        if not actor.is_platform_admin:
            raise ServiceError(_("Name the account by its email or phone number."), "login_required", 403)
        person = db.session.get(User, data["user_id"])
    else:
        person = user_service.find_by_login(data["login"])
    if person is None:
        raise NotFound(_("No account has this email, phone number or id."), "unknown_user")
    return person


@blp.route("/members/<int:membership_id>")
class MemberItem(MethodView):
    @blp.response(200, MemberSchema)
    def get(self, membership_id: int) -> dict[str, Any]:
        """One member of this village (``village.members.view``)."""
        tenant, _scope, _user = require_api(VIEW)
        return _out(service.get_member(tenant, membership_id))

    @blp.arguments(MemberUpdateSchema)
    @blp.response(200, MemberSchema)
    def patch(self, data: dict, membership_id: int) -> dict[str, Any]:
        """Change the role (``role``, ``hamlet_id``) or suspend/resume the account (``suspended``)
        (``village.members.manage``). The village keeps at least one active village head."""
        tenant, _scope, actor = require_api(MANAGE)
        member = service.get_member(tenant, membership_id)
        membership = member.membership
        if "role" in data or "hamlet_id" in data:
            role = data.get("role", membership.role.value)
            hamlet = data.get("hamlet_id", membership.hamlet_id)
            if role == Role.HAMLET_HEAD.value and hamlet is None:
                raise ServiceError(_("A hamlet head needs a hamlet."), "hamlet_required")
            membership = service.change_role(tenant, actor, membership, role, hamlet)
        if "suspended" in data:
            service.set_suspended(tenant, actor, membership, data["suspended"])
        return _out(service.get_member(tenant, membership.id))

    @blp.response(204)
    def delete(self, membership_id: int) -> None:
        """End a village role (``village.members.manage``). A head cannot end their own head role,
        and nobody but a platform admin ends the last village head's."""
        tenant, _scope, actor = require_api(MANAGE)
        member = service.get_member(tenant, membership_id)
        service.end(tenant, actor, member.membership)


@blp.route("/members/<int:membership_id>/invitation")
class MemberInvitation(MethodView):
    @blp.response(201, InvitationSchema)
    @blp.alt_response(409, description="The account is in use already, or works outside this village.")
    def post(self, membership_id: int) -> dict[str, Any]:
        """Send the invitation again: a new one-time link (the earlier one stops working). Only for
        an account that never used its invitation and has no role outside this village."""
        tenant, _scope, actor = require_api(MANAGE)
        member = service.get_member(tenant, membership_id)
        issued = service.invite_again(tenant, actor, member.membership)
        return {"url": issued.url, "channels": list(issued.channels)}
