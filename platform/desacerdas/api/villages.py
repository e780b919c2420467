"""``/api/v1/villages``: the platform's villages (tenants), listed within the caller's scope.

Everyone sees only the villages their roles cover (``services.users.tenants_in_scope``); archived
villages exist only for platform admins. Provisioning and status changes need
``platform.tenants.manage``.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from ..extensions import db
from ..models import Tenant, TenantStatus, User
from ..services import tenants as tenant_service
from ..services.i18n import _
from ..services.users import tenants_in_scope
from .pagination import PAGINATION, page_of
from .schemas import ArchiveSchema, SuspendSchema, VillageCreateSchema, VillageQuerySchema, VillageSchema
from .security import ApiError, api_blueprint, api_user, require

blp = api_blueprint(
    "Villages", __name__, "/api/v1/villages", "Villages (tenants) on the platform, within the caller's scope."
)

MANAGE = "platform.tenants.manage"


def _visible(user: User, tenant: Tenant) -> bool:
    if user.is_platform_admin:
        return True
    if tenant.status == TenantStatus.ARCHIVED:
        return False
    scope = tenants_in_scope(user)
    return scope is None or tenant.id in scope


def _village(slug: str) -> Tenant:
    """The village with this slug if the caller may see it; 404 otherwise (never 403: no probing)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or not _visible(api_user(), tenant):
        raise ApiError(404, _("No village with slug '%(slug)s'.", slug=slug), "not_found")
    return tenant


@blp.route("")
class Villages(MethodView):
    @blp.arguments(VillageQuerySchema, location="query")
    @blp.response(200, VillageSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[Tenant]:
        """List villages, filtered by name/code (``q``), regency, district and status.

        Paginated: see the ``X-Pagination`` header.
        """
        user = api_user()
        status = args.get("status")
        stmt = tenant_service.search(
            q=args.get("q"),
            regency_code=args.get("regency"),
            district_code=args.get("district"),
            status=status,
            tenant_ids=tenants_in_scope(user),
        )
        if not user.is_platform_admin:
            stmt = stmt.where(Tenant.status != TenantStatus.ARCHIVED)
        return page_of(stmt, pagination_parameters)

    @blp.arguments(VillageCreateSchema)
    @blp.response(201, VillageSchema)
    @blp.alt_response(400, description="Malformed code (`malformed_code`) or slug (`invalid_slug`).")
    @blp.alt_response(404, description="No village has this code (`unknown_code`).")
    @blp.alt_response(409, description="The village or slug already exists.")
    def post(self, data: dict) -> Tenant:
        """Provision a village by its Kemendagri code; names come from the region dataset."""
        user = require(MANAGE)
        return tenant_service.create_tenant(data["code"], actor=user, slug=data.get("slug"))


@blp.route("/<slug>")
class VillageItem(MethodView):
    @blp.response(200, VillageSchema)
    def get(self, slug: str) -> Tenant:
        """One village, if the caller's roles cover it."""
        return _village(slug)


@blp.route("/<slug>/suspend")
class Suspend(MethodView):
    @blp.arguments(SuspendSchema)
    @blp.response(200, VillageSchema)
    def post(self, data: dict, slug: str) -> Tenant:
        """Suspend a village: its pages and API answer 403 until it is resumed."""
        user = require(MANAGE)
        return tenant_service.suspend(_village(slug), data["reason"], actor=user)


@blp.route("/<slug>/resume")
class Resume(MethodView):
    @blp.response(200, VillageSchema)
    def post(self, slug: str) -> Tenant:
        """Make a suspended or archived village active again."""
        user = require(MANAGE)
        return tenant_service.resume(_village(slug), actor=user)


@blp.route("/<slug>/archive")
class Archive(MethodView):
    @blp.arguments(ArchiveSchema(), required=False)
    @blp.response(200, VillageSchema)
    def post(self, data: dict | None, slug: str) -> Tenant:
        """Archive a village: it disappears for everyone but platform admins; its data stays."""
        user = require(MANAGE)
        return tenant_service.archive(_village(slug), (data or {}).get("reason"), actor=user)
