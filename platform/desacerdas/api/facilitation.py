"""The facilitator's work surface and the visit log in the API.

- ``GET /api/v1/facilitation``: the villages of the caller's rollout scope (platform admins,
  regency admins, facilitators), scored by "needs attention" as on the page ``/facilitation``
  (docs/facilitation.md); a platform admin's are every village (filter with ``regency=51.07``).
- ``/api/v1/desa/<slug>/visits``: a village's visit log; ``village.visits.view`` to read (village
  head, facilitators, the regency), ``village.visits.record`` to add or tick off follow-ups.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import Flask, request
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import fields, validate

from ..extensions import api_of, db
from ..facilitation import VISITS_RECORD, VISITS_VIEW, surface, visits
from ..kit.access import require_api
from ..models import FacilitatorVisit
from ..rollout import scope
from ..rollout.access import parse_filters
from ..services import ServiceError
from ..services.i18n import _
from .pagination import PAGINATION, default_page_size, page_of
from .schemas import QuerySchema, VillageRefSchema
from .security import ApiError, api_blueprint, api_user, village_blueprint

blp = api_blueprint(
    "Facilitation",
    __name__,
    "/api/v1/facilitation",
    "The facilitator's work surface: the caller's villages, those needing attention first.",
)
desa_blp = village_blueprint("Visits", __name__, "A village's visit log: facilitators' visits and calls.")


# -- schemas ---------------------------------------------------------------------------------------


class SurfaceQuerySchema(QuerySchema):
    regency = fields.Str(
        metadata={"description": "Regency code, e.g. 51.07 (required for a platform admin)."}
    )
    district = fields.Str(metadata={"description": "District code, e.g. 51.07.01."})
    facilitator = fields.Int(metadata={"description": "User id: the villages this facilitator accompanies."})
    sort = fields.Str(
        load_default="attention",
        validate=validate.OneOf(surface.SORTS),
        metadata={"description": "attention (highest score first), name, or activity (longest quiet first)."},
    )


class BlockingSchema(ma.Schema):
    plugin = fields.Str(metadata={"description": "The plugin whose check fails (the next or a requirement)."})
    id = fields.Str()
    label = fields.Str()
    how_to_pass = fields.Str()
    link = fields.Str(metadata={"description": "Path of the page that fixes it; empty when there is none."})


class WaitingSchema(ma.Schema):
    key = fields.Str(metadata={"description": "Stable, e.g. smart_government.letters_overdue."})
    label = fields.Str()
    count = fields.Int()
    link = fields.Str()
    oldest = fields.DateTime(allow_none=True)
    permission = fields.Str(metadata={"description": "What opening the link needs (empty: nothing)."})


class ActivitySchema(ma.Schema):
    at = fields.DateTime()
    action = fields.Str(metadata={"description": "The audit event code."})


class PointSchema(ma.Schema):
    period = fields.Str(metadata={"description": "YYYY-MM"})
    value = fields.Float(allow_none=True)


class TrendSchema(ma.Schema):
    key = fields.Str()
    label = fields.Str()
    unit = fields.Str()
    kind = fields.Str()
    points = fields.List(
        fields.Nested(PointSchema), metadata={"description": "Oldest first; the last is live."}
    )


class ScorePartSchema(ma.Schema):
    reason = fields.Str()
    points = fields.Int()


class CardSchema(ma.Schema):
    village = fields.Nested(VillageRefSchema)
    score = fields.Int(metadata={"description": "Needs attention: see docs/facilitation.md."})
    score_parts = fields.List(fields.Nested(ScorePartSchema))
    next_pillar = fields.Str(allow_none=True, metadata={"description": "The next plugin in rollout order."})
    next_pillar_title = fields.Str()
    blocking = fields.List(fields.Nested(BlockingSchema))
    waiting = fields.List(fields.Nested(WaitingSchema))
    last_activity = fields.Nested(ActivitySchema, allow_none=True)
    last_visit = fields.Date(allow_none=True)
    open_follow_ups = fields.Int()
    trends = fields.List(fields.Nested(TrendSchema))


class FollowUpSchema(ma.Schema):
    text = fields.Str()
    done = fields.Bool()


class VisitSchema(ma.Schema):
    id = fields.UUID()
    visited_on = fields.Date()
    kind = fields.Function(lambda v: getattr(v.kind, "value", v.kind), metadata={"enum": ["visit", "call"]})
    note = fields.Str()
    facilitator_id = fields.Int(allow_none=True)
    facilitator_name = fields.Str()
    follow_ups = fields.List(fields.Nested(FollowUpSchema))
    created_at = fields.DateTime()


class VisitCreateSchema(ma.Schema):
    visited_on = fields.Date(required=True)
    kind = fields.Str(load_default="visit", validate=validate.OneOf(["visit", "call"]))
    note = fields.Str(required=True, validate=validate.Length(min=1, max=visits.NOTE_MAX))
    follow_ups = fields.List(
        fields.Str(validate=validate.Length(max=visits.FOLLOW_UP_MAX)),
        load_default=list,
        validate=validate.Length(max=visits.FOLLOW_UPS_MAX),
    )


class FollowUpChangeSchema(ma.Schema):
    done = fields.Bool(required=True)


# -- the surface -----------------------------------------------------------------------------------


def _card(card: surface.Card) -> dict[str, Any]:
    return {
        "village": card.tenant,
        "score": card.score,
        "score_parts": [{"reason": r, "points": p} for r, p in card.score_parts()],
        "next_pillar": card.next_pillar,
        "next_pillar_title": card.next_title,
        "blocking": [
            {"plugin": p, "id": c.id, "label": c.label, "how_to_pass": c.how_to_pass, "link": c.link}
            for p, c in card.blocking
        ],
        "waiting": [
            {
                "key": i.key,
                "label": i.label,
                "count": i.count,
                "link": i.link,
                "oldest": i.oldest,
                "permission": i.permission,
            }
            for i in card.waiting
        ],
        "last_activity": card.last_activity,
        "last_visit": card.last_visit,
        "open_follow_ups": card.open_follow_ups,
        "trends": [
            {
                "key": t.key,
                "label": t.label,
                "unit": t.unit,
                "kind": t.kind,
                "points": [{"period": p, "value": v} for p, v in t.points],
            }
            for t in card.trends
        ],
    }


@blp.route("")
class Surface(MethodView):
    @blp.arguments(SurfaceQuerySchema, location="query")
    @blp.response(200, CardSchema(many=True))
    @blp.alt_response(403, description="Not a platform admin, regency admin or facilitator (`forbidden`).")
    @blp.alt_response(
        422,
        description="More than 300 villages in scope sorted by anything but name (`too_many_villages`).",
    )
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The caller's villages (a platform admin: every village) with what blocks their next
        pillar, what waits on people, the last activity, the visit log's open follow-ups and (for
        the page returned) the indicators' trends.

        Sorted by ``sort``; paginated (``X-Pagination`` header). Above 300 villages only
        ``sort=name`` is possible: name a regency or district to rank them."""
        user = api_user()
        if not scope.is_audience(user):
            raise ApiError(
                403, _("Only platform admins, regency admins and facilitators may do this."), "forbidden"
            )
        filters = parse_filters(args.get("regency"), args.get("district"), args.get("facilitator"))
        if "page_size" not in request.args:
            pagination_parameters.page_size = default_page_size()
        stmt = scope.villages(user, filters)
        total = surface.count_of(stmt, db.session)
        if total > surface.MAX_VILLAGES and args["sort"] != "name":
            raise ServiceError(
                _(
                    "More than %(num)d villages: name a regency or a district, or sort by name.",
                    num=surface.MAX_VILLAGES,
                ),
                "too_many_villages",
                422,
            )
        size, page = pagination_parameters.page_size, pagination_parameters.page
        found = surface.page_of(stmt, user, args["sort"], page, size, db.session, total)
        pagination_parameters.item_count = found.total
        return [_card(c) for c in found.cards]


# -- a village's visit log -------------------------------------------------------------------------


def _refused(exc: ServiceError) -> ApiError:
    return ApiError(exc.status, exc.message, exc.code)


@desa_blp.route("/visits")
class Visits(MethodView):
    @desa_blp.response(200, VisitSchema(many=True))
    @desa_blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: PaginationParameters) -> list[FacilitatorVisit]:
        """The village's visits, newest first (``village.visits.view``)."""
        tenant, _scope, user = require_api(VISITS_VIEW)
        return page_of(visits.listing(db.session, tenant, user), pagination_parameters)

    @desa_blp.arguments(VisitCreateSchema)
    @desa_blp.response(201, VisitSchema)
    @desa_blp.alt_response(403, description="Not a facilitator of this village (`forbidden`).")
    def post(self, data: dict) -> FacilitatorVisit:
        """Record a visit or a call (``village.visits.record``); audited."""
        tenant, _scope, user = require_api(VISITS_RECORD)
        entry = visits.VisitInput(data["visited_on"], data["kind"], data["note"], data["follow_ups"])
        try:
            visit = visits.record(db.session, tenant, user, entry)
        except ServiceError as exc:
            db.session.rollback()
            raise _refused(exc) from None
        db.session.commit()
        return visit


@desa_blp.route("/visits/<uuid:visit_id>")
class Visit(MethodView):
    @desa_blp.response(200, VisitSchema)
    def get(self, visit_id: uuid.UUID) -> FacilitatorVisit:
        """One visit; another village's id is not found (404)."""
        tenant, _scope, user = require_api(VISITS_VIEW)
        try:
            return visits.get(db.session, tenant, user, visit_id)
        except ServiceError as exc:
            raise _refused(exc) from None


@desa_blp.route("/visits/<uuid:visit_id>/follow-ups/<int:index>")
class FollowUp(MethodView):
    @desa_blp.arguments(FollowUpChangeSchema)
    @desa_blp.response(200, VisitSchema)
    def patch(self, data: dict, visit_id: uuid.UUID, index: int) -> FacilitatorVisit:
        """Tick follow-up ``index`` (from 0) done, or open it again; audited."""
        tenant, _scope, user = require_api(VISITS_RECORD)
        try:
            visit = visits.set_follow_up(db.session, tenant, user, visit_id, index, data["done"])
        except ServiceError as exc:
            db.session.rollback()
            raise _refused(exc) from None
        db.session.commit()
        return visit


def init_app(app: Flask) -> None:
    """Register both blueprints (after the API itself: ``api.register``)."""
    from .desa import SLUG_PARAMETER

    api = api_of(app)
    api.register_blueprint(blp)
    api.register_blueprint(desa_blp, parameters=[SLUG_PARAMETER])
