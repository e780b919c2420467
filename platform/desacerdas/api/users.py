"""``/api/v1/users``: every account and its memberships (platform admins only)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Membership, Role, Tenant, User
from ..services import tenants as tenant_service
from ..services import users as user_service
from ..services.i18n import _
from .pagination import PAGINATION, page_of
from .schemas import MembershipCreateSchema, MembershipSchema, UserCreateSchema, UserQuerySchema, UserSchema
from .security import ApiError, api_blueprint, require

blp = api_blueprint("Users", __name__, "/api/v1/users", "Accounts and their roles (platform admins).")

MANAGE = "platform.users.manage"


def _user(user_id: int) -> User:
    return user_service.get_user(user_id)


@blp.route("")
class Users(MethodView):
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[User]:
        """List accounts, optionally searched by name, email or phone. Paginated (``X-Pagination``)."""
        require(MANAGE)
        stmt = select(User).order_by(User.id)
        if q := (args.get("q") or "").strip().lower():
            like = f"%{q}%"
            stmt = stmt.where(
                or_(
                    func.lower(User.name).like(like),
                    func.lower(User.email).like(like),
                    User.phone.like(like),
                )
            )
        return page_of(stmt, pagination_parameters)

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, description="Another account uses this email or phone (`duplicate_user`).")
    def post(self, data: dict) -> User:
        """Create an account (without roles: grant them through its memberships)."""
        actor = require(MANAGE)
        user = user_service.create_user(
            data["name"],
            email=data.get("email"),
            phone=data.get("phone"),
            password=data["password"],
            actor=actor,
        )
        db.session.commit()
        return user


@blp.route("/<int:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> User:
        """One account with its memberships."""
        require(MANAGE)
        return _user(user_id)


@blp.route("/<int:user_id>/memberships")
class Memberships(MethodView):
    @blp.response(200, MembershipSchema(many=True))
    def get(self, user_id: int) -> list[Membership]:
        """Every role the account holds."""
        require(MANAGE)
        return sorted(_user(user_id).memberships, key=lambda m: m.id)

    @blp.arguments(MembershipCreateSchema)
    @blp.response(201, MembershipSchema)
    def post(self, data: dict, user_id: int) -> tuple[Membership, int]:
        """Grant a role; each role has its own scope (village, hamlet, area prefix or none).

        Granting a role the account already holds changes nothing and answers 200.
        """
        actor = require(MANAGE)
        user = _user(user_id)
        tenant: Tenant | None = None
        if data.get("village"):
            tenant = tenant_service.get_by_slug(data["village"])
        before = {m.id for m in user.memberships}
        membership = user_service.grant(
            user,
            data["role"],
            tenant=tenant,
            hamlet_id=data.get("hamlet_id"),
            area_prefix=data.get("area_prefix"),
            actor=actor,
        )
        db.session.commit()
        return membership, 200 if membership.id in before else 201


@blp.route("/<int:user_id>/memberships/<int:membership_id>")
class MembershipItem(MethodView):
    @blp.response(204)
    def delete(self, user_id: int, membership_id: int) -> None:
        """Revoke a role. The last platform admin cannot be removed."""
        actor = require(MANAGE)
        membership = db.session.get(Membership, membership_id)
        if membership is None or membership.user_id != user_id:
            raise ApiError(404, _("No such membership."), "not_found")
        if membership.role == Role.PLATFORM_ADMIN:
            admins = db.session.scalar(
                select(func.count()).select_from(Membership).where(Membership.role == Role.PLATFORM_ADMIN)
            )
            if admins <= 1:
                raise ApiError(
                    409, _("The platform needs at least one platform admin."), "last_platform_admin"
                )
        user_service.revoke(membership, actor=actor)
        db.session.commit()
