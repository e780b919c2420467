"""The alerts API (``/api/v1/desa/<slug>/smart_society/alerts``, ``…/warnings``): a resident's app
raises an alert with one request; handlers acknowledge and close; staff send warnings."""

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

from ..permissions import ALERTS_HANDLE, ALERTS_RAISE, ALERTS_VIEW, ALERTS_WARN
from . import service
from .models import Alert, AlertStatus, Hazard
from .workflow import FLOW

blp = Blueprint(
    "alerts_api",
    __name__,
    description="Smart society: emergency alerts (kentongan digital) and warnings.",
)


class AlertStepSchema(Schema):
    action = mf.String()
    to_state = mf.String()
    actor_name = mf.String(allow_none=True)
    at = UtcDateTime()


class AlertSchema(Schema):
    id = mf.UUID()
    status = mf.String()
    raised_by = mf.Integer(allow_none=True)
    raised_at = UtcDateTime()
    hamlet_id = mf.UUID(allow_none=True)
    latitude = mf.Float(allow_none=True)
    longitude = mf.Float(allow_none=True)
    note = mf.String(allow_none=True)
    notified = mf.Integer(metadata={"description": "People told when it was raised"})
    acknowledged_by = mf.Integer(allow_none=True)
    acknowledged_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    outcome = mf.String(allow_none=True)
    false_alarm = mf.Boolean()
    allowed_actions = mf.List(mf.String())
    steps = mf.List(mf.Nested(AlertStepSchema))


class AlertRaiseSchema(Schema):
    latitude = mf.Float(load_default=None)
    longitude = mf.Float(load_default=None)
    note = mf.String(load_default=None, validate=validate.Length(max=service.NOTE_MAX))


class AlertMoveSchema(Schema):
    note = mf.String(load_default=None, validate=validate.Length(max=500))
    false_alarm = mf.Boolean(load_default=False)


class AlertQuerySchema(Schema):
    status = mf.String(validate=validate.OneOf([s.value for s in AlertStatus]))


class WarningSchema(Schema):
    id = mf.UUID(dump_only=True)
    hazard = mf.String(required=True, validate=validate.OneOf([h.value for h in Hazard]))
    message = mf.String(required=True, validate=validate.Length(min=1, max=service.MESSAGE_MAX))
    hamlet_id = mf.UUID(load_default=None, allow_none=True)
    sent_at = UtcDateTime(dump_only=True)
    recipients = mf.Integer(dump_only=True)


def _out(item: Alert, *, detail: bool = True) -> dict[str, Any]:
    out = {k: getattr(item, k) for k in AlertSchema._declared_fields if hasattr(item, k)}
    if detail:
        tenant, user = current_tenant(), api_user()
        out["allowed_actions"] = [a.name for a in FLOW.allowed_actions(db.session, tenant, user, item)]
        out["steps"] = FLOW.timeline(db.session, item)
    return out


@blp.route("/alerts")
class Alerts(MethodView):
    @blp.arguments(AlertQuerySchema, location="query")
    @blp.response(200, AlertSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """Handlers: their scope's alerts (a hamlet head: their hamlet's); a resident: their own."""
        tenant, _scope, user = require_api(ALERTS_VIEW, ALERTS_RAISE)
        stmt = service.listing(db.session, tenant, user)
        return [_out(a, detail=False) for a in service.ALERTS.api_page(stmt, args, pagination_parameters)]

    @blp.arguments(AlertRaiseSchema)
    @blp.response(201, AlertSchema)
    @blp.alt_response(403, description="Not a resident with a verified account.")
    @blp.alt_response(429, description="Too many alerts from this resident in the last hour.")
    def post(self, data: dict) -> dict[str, Any]:
        """Raise an alert (a verified resident); the handlers are told at once on every channel."""
        tenant, _scope, user = require_api(ALERTS_RAISE)
        item = service.raise_alert(db.session, tenant, user, **data)
        db.session.commit()
        return _out(item)


@blp.route("/alerts/<uuid:alert_id>")
class AlertById(MethodView):
    @blp.response(200, AlertSchema)
    def get(self, alert_id: uuid.UUID) -> dict[str, Any]:
        tenant, _scope, user = require_api(ALERTS_VIEW, ALERTS_RAISE)
        return _out(service.get(db.session, tenant, user, alert_id))


@blp.route("/alerts/<uuid:alert_id>/<any(acknowledge,close):action>")
class AlertMove(MethodView):
    @blp.arguments(AlertMoveSchema)
    @blp.response(200, AlertSchema)
    @blp.alt_response(409, description="Answered already (the message names who), or closed.")
    def post(self, data: dict, alert_id: uuid.UUID, action: str) -> dict[str, Any]:
        """``acknowledge`` (the first handler wins), ``close`` (``note``: what happened; ``false_alarm``)."""
        tenant, _scope, user = require_api(ALERTS_HANDLE)
        item = service.get(db.session, tenant, user, alert_id)
        FLOW.move(
            db.session,
            tenant,
            user,
            item,
            action,
            note=(data["note"] or "").strip() or None,
            false_alarm=data["false_alarm"],
        )
        db.session.commit()
        return _out(item)


@blp.route("/warnings")
class Warnings(MethodView):
    @blp.response(200, WarningSchema(many=True))
    def get(self) -> list:
        """The ten latest warnings of the village."""
        require_api(ALERTS_VIEW)
        return service.recent_warnings(db.session)

    @blp.arguments(WarningSchema)
    @blp.response(201, WarningSchema)
    def post(self, data: dict) -> Any:
        """Warn a hamlet (``hamlet_id``) or the whole village; every resident with an account is told."""
        tenant, _scope, user = require_api(ALERTS_WARN)
        warning = service.send_warning(db.session, tenant, user, **data)
        db.session.commit()
        return warning


class DutySchema(Schema):
    on = mf.Boolean(required=True, metadata={"description": "Start (true) or end (false) the caller's duty"})


class OnDutySchema(Schema):
    user_id = mf.Integer()
    since = UtcDateTime()


@blp.route("/alerts/duty")
class AlertDuty(MethodView):
    @blp.response(200, OnDutySchema(many=True))
    def get(self) -> list:
        """Staff on duty now (with nobody on duty, every staff member is told of an alert)."""
        require_api(ALERTS_HANDLE)
        return service.on_duty(db.session)

    @blp.arguments(DutySchema)
    @blp.response(200, OnDutySchema(many=True))
    @blp.alt_response(403, description="Not village staff (a hamlet head is always told).")
    def post(self, data: dict) -> list:
        """Start or end the caller's duty for emergency alerts."""
        tenant, _scope, user = require_api(ALERTS_HANDLE)
        service.set_on_duty(db.session, tenant, user, data["on"])
        db.session.commit()
        return service.on_duty(db.session)
