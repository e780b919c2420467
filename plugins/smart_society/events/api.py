"""The events API (``/api/v1/desa/<slug>/smart_society/events``): the calendar the caller may read
(members of the village: every event; others: the public ones), and staff changes."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, validate
from marshmallow import fields as mf

from desacerdas.api.pagination import PAGINATION
from desacerdas.api.schemas import UtcDateTime
from desacerdas.api.security import api_user
from desacerdas.extensions import db
from desacerdas.kit.access import require_api
from desacerdas.web.tenant import current_tenant

from ..permissions import EVENTS_MANAGE
from . import service
from .models import Audience, Event, EventKind

blp = Blueprint("events_api", __name__, description="Smart society: community events of the village.")


class CommunityEventSchema(Schema):
    id = mf.UUID(dump_only=True)
    title = mf.String(required=True, validate=validate.Length(min=1, max=service.TITLE_MAX))
    kind = mf.String(required=True, validate=validate.OneOf([k.value for k in EventKind]))
    audience = mf.String(
        load_default=Audience.PUBLIC.value, validate=validate.OneOf([a.value for a in Audience])
    )
    starts_at = UtcDateTime(required=True)
    ends_at = UtcDateTime(load_default=None, allow_none=True)
    place = mf.String(load_default=None, allow_none=True, validate=validate.Length(max=service.PLACE_MAX))
    hamlet_id = mf.UUID(load_default=None, allow_none=True)
    description = mf.String(
        load_default=None, allow_none=True, validate=validate.Length(max=service.TEXT_MAX)
    )
    attendance = mf.Integer(dump_only=True, allow_none=True)
    cancelled_reason = mf.String(dump_only=True, allow_none=True)


class CommunityEventQuerySchema(Schema):
    when = mf.String(
        validate=validate.OneOf(["upcoming", "past"]), metadata={"description": "upcoming (default) or past"}
    )
    hamlet = mf.UUID()
    kind = mf.String(validate=validate.OneOf([k.value for k in EventKind]))


class EventAttendanceSchema(Schema):
    attendance = mf.Integer(required=True, validate=validate.Range(0, service.MOST_PEOPLE))


class EventCancelSchema(Schema):
    reason = mf.String(required=True, validate=validate.Length(min=1, max=300))


def _event(event_id: uuid.UUID) -> Event:
    """An event the caller may read (a NotFound is the API's JSON 404)."""
    return service.get(db.session, current_tenant(), api_user(), event_id)


@blp.route("/events")
class Events(MethodView):
    @blp.arguments(CommunityEventQuerySchema, location="query")
    @blp.response(200, CommunityEventSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[Event]:
        """Coming events first (``when=past``: the latest first)."""
        filters: dict[str, Any] = {"when": "upcoming", **{k: str(v) for k, v in args.items()}}
        if filters["when"] == "past":
            filters.setdefault("sort", "latest")
        stmt = service.visible(db.session, current_tenant(), api_user())
        return service.CALENDAR.api_page(stmt, filters, pagination_parameters)

    @blp.arguments(CommunityEventSchema)
    @blp.response(201, CommunityEventSchema)
    def post(self, data: dict) -> Event:
        """Add an event (staff; a hamlet head for their own hamlet)."""
        tenant, _scope, user = require_api(EVENTS_MANAGE)
        event = service.create(db.session, tenant, user, **data)
        db.session.commit()
        return event


@blp.route("/events/<uuid:event_id>")
class EventById(MethodView):
    @blp.response(200, CommunityEventSchema)
    def get(self, event_id: uuid.UUID) -> Event:
        return _event(event_id)

    @blp.arguments(CommunityEventSchema)
    @blp.response(200, CommunityEventSchema)
    @blp.alt_response(409, description="The event was cancelled.")
    def put(self, data: dict, event_id: uuid.UUID) -> Event:
        """Change an event: every field, as when it was added."""
        tenant, _scope, user = require_api(EVENTS_MANAGE)
        event = service.save(db.session, tenant, user, _event(event_id), **data)
        db.session.commit()
        return event


@blp.route("/events/<uuid:event_id>/attendance")
class EventAttendance(MethodView):
    @blp.arguments(EventAttendanceSchema)
    @blp.response(200, CommunityEventSchema)
    def post(self, data: dict, event_id: uuid.UUID) -> Event:
        """How many came (once the event has begun)."""
        tenant, _scope, user = require_api(EVENTS_MANAGE)
        event = service.record_attendance(db.session, tenant, user, _event(event_id), data["attendance"])
        db.session.commit()
        return event


@blp.route("/events/<uuid:event_id>/cancel")
class EventCancel(MethodView):
    @blp.arguments(EventCancelSchema)
    @blp.response(200, CommunityEventSchema)
    def post(self, data: dict, event_id: uuid.UUID) -> Event:
        tenant, _scope, user = require_api(EVENTS_MANAGE)
        event = service.cancel(db.session, tenant, user, _event(event_id), data["reason"])
        db.session.commit()
        return event
