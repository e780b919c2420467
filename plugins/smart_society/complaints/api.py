"""The complaints API (``/api/v1/desa/<slug>/smart_society/complaints…``): the same services and
rules as the pages. Staff read the queue (a hamlet head: their hamlet's) and move complaints; a
resident files and follows their own. The thread a complainant reads never holds staff notes."""

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
from desacerdas.services.i18n import _
from desacerdas.web.tenant import current_tenant

from ..permissions import COMPLAINTS_FILE, COMPLAINTS_HANDLE, COMPLAINTS_VIEW
from . import service
from .models import Category, Channel, Complaint
from .workflow import ACTIONS, FLOW

blp = Blueprint(
    "complaints_api",
    __name__,
    url_prefix="/complaints",
    description="Smart society: complaints (pengaduan) with their deadlines and thread.",
)


class ComplaintEntrySchema(Schema):
    id = mf.UUID()
    kind = mf.String(metadata={"description": "reply, answer, note (staff only), correction, extension"})
    body = mf.String()
    author_name = mf.String()
    corrects_id = mf.UUID(allow_none=True)
    at = UtcDateTime()


class ComplaintStepSchema(Schema):
    action = mf.String()
    from_state = mf.String(allow_none=True)
    to_state = mf.String()
    actor_name = mf.String(allow_none=True)
    note = mf.String(allow_none=True)
    at = UtcDateTime()


class ComplaintSchema(Schema):
    id = mf.UUID()
    number = mf.String()
    category = mf.String()
    title = mf.String()
    body = mf.String()
    channel = mf.String()
    status = mf.String()
    hamlet_id = mf.UUID(allow_none=True)
    latitude = mf.Float(allow_none=True)
    longitude = mf.Float(allow_none=True)
    name_withheld = mf.Boolean()
    assignee_id = mf.Integer(allow_none=True)
    filed_at = UtcDateTime()
    verify_due = mf.Date()
    answer_due = mf.Date()
    resolve_due = mf.Date()
    extension_reason = mf.String(allow_none=True)
    first_answer_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    rejection_reason = mf.String(allow_none=True)
    rating = mf.Integer(allow_none=True)
    missed = mf.List(
        mf.String(), metadata={"description": "Deadlines missed so far: verify, answer, resolve"}
    )


class ComplaintDetailSchema(ComplaintSchema):
    allowed_actions = mf.List(mf.String())
    thread = mf.List(mf.Nested(ComplaintEntrySchema))
    steps = mf.List(mf.Nested(ComplaintStepSchema))


class ComplaintQuerySchema(Schema):
    status = mf.String(
        validate=validate.OneOf(service.STATUS_CHOICES),
        metadata={"description": "open (default), all, or one state"},
    )
    category = mf.String(validate=validate.OneOf([c.value for c in Category]))
    overdue = mf.Boolean(metadata={"description": "Only complaints past a deadline"})
    q = mf.String(metadata={"description": "Part of the title"})
    sort = mf.String(metadata={"description": "newest (default), oldest or deadline; a leading - reverses"})


class ComplaintCreateSchema(Schema):
    category = mf.String(required=True, validate=validate.OneOf([c.value for c in Category]))
    title = mf.String(required=True, validate=validate.Length(min=1, max=service.TITLE_MAX))
    body = mf.String(required=True, validate=validate.Length(min=service.BODY_MIN, max=service.BODY_MAX))
    hamlet_id = mf.UUID(load_default=None)
    latitude = mf.Float(load_default=None, validate=validate.Range(-90, 90))
    longitude = mf.Float(load_default=None, validate=validate.Range(-180, 180))
    name_withheld = mf.Boolean(load_default=False)
    whole_village = mf.Boolean(
        load_default=False,
        metadata={"description": "About the whole village (else a resident's own hamlet, or hamlet_id)"},
    )
    channel = mf.String(
        load_default=Channel.ONLINE.value,
        validate=validate.OneOf([c.value for c in Channel]),
        metadata={"description": "Staff: counter or phone (with reporter_name)"},
    )
    reporter_name = mf.String(load_default=None, validate=validate.Length(max=120))
    reporter_phone = mf.String(load_default=None, validate=validate.Length(max=30))


class ComplaintMoveSchema(Schema):
    note = mf.String(load_default=None, validate=validate.Length(max=500))
    assignee_id = mf.Integer(load_default=None, metadata={"description": "For assign: the user id"})


class ComplaintPostSchema(Schema):
    body = mf.String(required=True, validate=validate.Length(min=1, max=service.BODY_MAX))
    corrects = mf.UUID(load_default=None, metadata={"description": "The id of the entry corrected"})


class ComplaintExtendSchema(Schema):
    days = mf.Integer(required=True, validate=validate.Range(15, 60))
    reason = mf.String(required=True, validate=validate.Length(min=1, max=500))


class ComplaintRateSchema(Schema):
    rating = mf.Integer(required=True, validate=validate.Range(1, 5))


def _out(item: Complaint, *, detail: bool = False) -> dict[str, Any]:
    tenant, user = current_tenant(), api_user()
    out = {c: getattr(item, c) for c in ComplaintSchema._declared_fields if hasattr(item, c)}
    out["missed"] = service.missed(item, service.today_in(tenant))
    if detail:
        handler = service.is_handler(db.session, tenant, user, item)
        hidden = service.withheld_from(db.session, tenant, user, item)
        out["allowed_actions"] = [a.name for a in FLOW.allowed_actions(db.session, tenant, user, item)]
        out["thread"] = [
            _masked(e, "author_name", e.author_id == hidden)
            for e in service.thread(db.session, item, with_notes=handler)
        ]
        out["steps"] = [
            _masked(step, "actor_name", step.actor_id == hidden) for step in FLOW.timeline(db.session, item)
        ]
    return out


def _masked(row: Any, name_attr: str, hide: bool) -> dict[str, Any]:
    """A timeline step or thread entry as a dict, the withheld complainant's name replaced."""
    columns = {c.key: getattr(row, c.key) for c in row.__table__.columns}
    if hide:
        columns[name_attr] = _("Name withheld")
    return columns


@blp.route("")
class Complaints(MethodView):
    @blp.arguments(ComplaintQuerySchema, location="query")
    @blp.response(200, ComplaintSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The queue (``complaints.view``; a hamlet head: their hamlet's), open ones by default."""
        tenant, _scope, user = require_api(COMPLAINTS_VIEW)
        filters = {
            "status": "open",
            **{k: str(v).lower() if isinstance(v, bool) else v for k, v in args.items()},
        }
        stmt = service.queue(db.session, tenant, user)
        return [_out(c) for c in service.QUEUE.api_page(stmt, filters, pagination_parameters)]

    @blp.arguments(ComplaintCreateSchema)
    @blp.response(201, ComplaintDetailSchema)
    @blp.alt_response(400, description="Text too short, unknown hamlet, counter filing without a name.")
    def post(self, data: dict) -> dict[str, Any]:
        """A resident files their own (online); staff take one at the counter or by phone."""
        tenant, _scope, user = require_api(COMPLAINTS_FILE, COMPLAINTS_HANDLE)
        item = service.file_complaint(db.session, tenant, user, **data)
        db.session.commit()
        return _out(item, detail=True)


@blp.route("/mine")
class MyComplaints(MethodView):
    @blp.response(200, ComplaintSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The caller's own complaints, newest first (``complaints.file``)."""
        tenant, _scope, user = require_api(COMPLAINTS_FILE)
        stmt = service.mine(db.session, tenant, user)
        return [_out(c) for c in service.QUEUE.api_page(stmt, {"status": "all"}, pagination_parameters)]


@blp.route("/<uuid:complaint_id>")
class ComplaintById(MethodView):
    @blp.response(200, ComplaintDetailSchema)
    def get(self, complaint_id: uuid.UUID) -> dict[str, Any]:
        """One complaint with its thread (staff notes for handlers only) and timeline."""
        tenant, _scope, user = require_api(COMPLAINTS_VIEW, COMPLAINTS_FILE, COMPLAINTS_HANDLE)
        return _out(service.get(db.session, tenant, user, complaint_id), detail=True)


@blp.route(f"/<uuid:complaint_id>/<any({','.join(ACTIONS)}):action>")
class ComplaintMove(MethodView):
    @blp.arguments(ComplaintMoveSchema)
    @blp.response(200, ComplaintDetailSchema)
    @blp.alt_response(403, description="The caller may not make this move.")
    @blp.alt_response(409, description="The complaint's state does not allow this move.")
    def post(self, data: dict, complaint_id: uuid.UUID, action: str) -> dict[str, Any]:
        """Move a complaint: verify, assign (``assignee_id``), start, answer (``note`` is the
        answer), reopen and close (the complainant too), reject (``note`` is the reason)."""
        tenant, _scope, user = require_api(COMPLAINTS_VIEW, COMPLAINTS_FILE, COMPLAINTS_HANDLE)
        item = service.get(db.session, tenant, user, complaint_id)
        FLOW.move(
            db.session,
            tenant,
            user,
            item,
            action,
            note=(data["note"] or "").strip() or None,
            assignee_id=data["assignee_id"],
            today=service.today_in(tenant),
        )
        db.session.commit()
        return _out(item, detail=True)


@blp.route("/<uuid:complaint_id>/thread")
class ComplaintThread(MethodView):
    @blp.arguments(ComplaintPostSchema)
    @blp.response(201, ComplaintEntrySchema)
    @blp.alt_response(409, description="The complaint is closed or rejected.")
    def post(self, data: dict, complaint_id: uuid.UUID) -> Any:
        """Add a reply (the complainant) or a staff note (a handler); ``corrects`` an own entry."""
        tenant, _scope, user = require_api(COMPLAINTS_VIEW, COMPLAINTS_FILE, COMPLAINTS_HANDLE)
        item = service.get(db.session, tenant, user, complaint_id)
        entry = service.post(db.session, tenant, user, item, data["body"], corrects=data["corrects"])
        db.session.commit()
        return entry


@blp.route("/<uuid:complaint_id>/extend")
class ComplaintExtend(MethodView):
    @blp.arguments(ComplaintExtendSchema)
    @blp.response(200, ComplaintDetailSchema)
    def post(self, data: dict, complaint_id: uuid.UUID) -> dict[str, Any]:
        """A complex case: resolved within ``days`` (15 to 60) working days of filing, with the reason."""
        tenant, _scope, user = require_api(COMPLAINTS_HANDLE)
        item = service.get(db.session, tenant, user, complaint_id)
        service.extend(db.session, tenant, user, item, data["days"], data["reason"])
        db.session.commit()
        return _out(item, detail=True)


@blp.route("/<uuid:complaint_id>/rate")
class ComplaintRate(MethodView):
    @blp.arguments(ComplaintRateSchema)
    @blp.response(200, ComplaintDetailSchema)
    def post(self, data: dict, complaint_id: uuid.UUID) -> dict[str, Any]:
        """The complainant rates the answer once, 1 to 5."""
        tenant, _scope, user = require_api(COMPLAINTS_FILE)
        item = service.get(db.session, tenant, user, complaint_id)
        service.rate(db.session, tenant, user, item, data["rating"])
        db.session.commit()
        return _out(item, detail=True)
