"""The letter services' API, on the pillar's API blueprint (``/api/v1/desa/<slug>/smart_government/``).

Same services and permissions as the pages: letter types (``letters.configure`` to change), requests
(staff at the counter with ``letters.process``, residents for themselves with ``letters.request``),
moves (``verify``, ``approve``, ``sign``, ``reject``, ``cancel``, ``issue``), issued letters
(download = reprint of the stored PDF, revoke) and the verification of a token. Attachments are
documents uploaded first through the documents API, referenced by id. A row of another village (or,
for a hamlet head, another hamlet) is 404; a wrong role 403; a move the state does not allow 409.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, validate
from marshmallow import fields as mf
from sqlalchemy import select

from desacerdas.api.pagination import PAGINATION, page_of
from desacerdas.api.schemas import UtcDateTime
from desacerdas.api.security import ApiError, api_user, public
from desacerdas.extensions import db, limiter
from desacerdas.kit.access import require_api
from desacerdas.models import Visibility
from desacerdas.services.i18n import _
from desacerdas.services.personal_data import Viewer
from desacerdas.web.downloads import send_version
from desacerdas.web.tenant import current_tenant

from ..permissions import LETTERS_CONFIGURE, LETTERS_REQUEST, LETTERS_VIEW
from . import issuing
from . import requests as letters
from . import types as letter_types
from .models import Letter, LetterRequest, LetterType, RequestStatus

# The letters endpoints; ``plugin.py`` nests them in the pillar's API blueprint (same paths).
blp = Blueprint("letters", __name__)

# -- schemas ---------------------------------------------------------------------------------------


class LetterFieldSpecSchema(Schema):
    name = mf.String(required=True)
    label = mf.String(required=True)
    required = mf.Boolean(load_default=True)
    kind = mf.String(load_default="text", validate=validate.OneOf(letter_types.FIELD_KINDS))


class LetterAttachmentSpecSchema(Schema):
    key = mf.String(required=True)
    label = mf.String(required=True)
    required = mf.Boolean(load_default=True)


class LetterTypeSchema(Schema):
    id = mf.UUID(dump_only=True)
    code = mf.String(required=True, validate=validate.Length(min=1, max=20))
    title = mf.String(required=True, validate=validate.Length(min=1, max=150))
    description = mf.String(allow_none=True)
    fields = mf.List(mf.Nested(LetterFieldSpecSchema), load_default=list)
    attachments = mf.List(mf.Nested(LetterAttachmentSpecSchema), load_default=list)
    validity_days = mf.Integer(allow_none=True)
    template = mf.String(required=True)
    online = mf.Boolean(load_default=True)
    active = mf.Boolean(load_default=True)
    position = mf.Integer(load_default=0)


class LetterTypePatchSchema(Schema):
    """Only the attributes sent are changed (no defaults fill the others)."""

    code = mf.String(validate=validate.Length(min=1, max=20))
    title = mf.String(validate=validate.Length(min=1, max=150))
    description = mf.String(allow_none=True)
    fields = mf.List(mf.Nested(LetterFieldSpecSchema))
    attachments = mf.List(mf.Nested(LetterAttachmentSpecSchema))
    validity_days = mf.Integer(allow_none=True)
    template = mf.String()
    online = mf.Boolean()
    active = mf.Boolean()
    position = mf.Integer()


class LetterTypeQuerySchema(Schema):
    active = mf.Boolean(metadata={"description": "Only offered (true) or withdrawn (false) types"})
    online = mf.Boolean(metadata={"description": "Only the types residents may request online"})


class LetterStepSchema(Schema):
    action = mf.String()
    status = mf.String()
    actor_id = mf.Integer(allow_none=True)
    actor_name = mf.String(allow_none=True)
    note = mf.String(allow_none=True)
    at = UtcDateTime()


class LetterRequestSchema(Schema):
    id = mf.UUID(dump_only=True)
    type_id = mf.UUID()
    resident_id = mf.UUID()
    hamlet_id = mf.UUID(allow_none=True)
    channel = mf.String()
    status = mf.String()
    purpose = mf.String()
    data = mf.Dict()
    attachments = mf.Dict(keys=mf.String(), values=mf.String())
    submitted_at = UtcDateTime()
    rejection_reason = mf.String(allow_none=True)
    signer_name = mf.String(allow_none=True)
    signer_prefix = mf.String(allow_none=True)
    signer_title_lines = mf.List(mf.String(), allow_none=True)
    signer_id_line = mf.String(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    letter_id = mf.UUID(allow_none=True)
    allowed_actions = mf.List(mf.String())
    steps = mf.List(mf.Nested(LetterStepSchema))


class LetterRequestCreateSchema(Schema):
    type_id = mf.UUID(required=True)
    resident_id = mf.UUID(metadata={"description": "Staff at the counter: the resident. Residents: omit."})
    purpose = mf.String(required=True, validate=validate.Length(max=300))
    data = mf.Dict(keys=mf.String(), load_default=dict)
    attachments = mf.Dict(
        keys=mf.String(),
        values=mf.UUID(),
        load_default=dict,
        metadata={"description": "Attachment key → id of a document uploaded through the documents API"},
    )
    originals_seen = mf.List(
        mf.String(), load_default=list, metadata={"description": "Counter: keys of paper originals seen"}
    )


class LetterRequestQuerySchema(Schema):
    status = mf.String(validate=validate.OneOf([s.value for s in RequestStatus]))
    type_id = mf.UUID()
    mine = mf.Boolean(
        load_default=False,
        metadata={"description": "The calling resident's own requests instead of the queue"},
    )


class LetterTransitionSchema(Schema):
    reason = mf.String(validate=validate.Length(max=500), metadata={"description": "reject: required"})
    note = mf.String(validate=validate.Length(max=500))
    prefix = mf.String(
        validate=validate.OneOf(["a.n.", "u.b.", "Plt.", "Plh."]),
        metadata={"description": "sign: required unless the village head signs"},
    )
    title = mf.String(
        validate=validate.Length(max=100), metadata={"description": "sign a.n./u.b.: own office"}
    )
    id_line = mf.String(validate=validate.Length(max=80))


class LetterSchema(Schema):
    id = mf.UUID()
    request_id = mf.UUID()
    type_code = mf.String()
    type_title = mf.String()
    number = mf.String()
    seq = mf.Integer()
    year = mf.Integer()
    token = mf.String()
    document_id = mf.UUID()
    sha256 = mf.String()
    resident_name = mf.String()
    signer_name = mf.String()
    signer_title = mf.String()
    issued_at = UtcDateTime()
    valid_until = mf.Date(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)
    revoked_reason = mf.String(allow_none=True)


class LetterQuerySchema(Schema):
    type_code = mf.String()


class LetterRevokeSchema(Schema):
    reason = mf.String(required=True, validate=validate.Length(max=500))


class LetterVerificationSchema(Schema):
    number = mf.String()
    type_code = mf.String()
    type_title = mf.String()
    issued_on = mf.String()
    village = mf.String()
    office = mf.String()
    signer_name = mf.String()
    signer_title_lines = mf.List(mf.String())
    valid_until = mf.String(allow_none=True)
    resident = mf.String(metadata={"description": "The resident's name, masked"})
    sha256 = mf.String()
    revoked = mf.Boolean()
    revoked_on = mf.String(allow_none=True)
    expired = mf.Boolean()
    valid = mf.Boolean()


# -- helpers ---------------------------------------------------------------------------------------


def _request_out(req: LetterRequest) -> dict[str, Any]:
    tenant = current_tenant()
    letter = issuing.letter_for_request(db.session, req)
    return {
        **{
            k: getattr(req, k)
            for k in LetterRequestSchema().fields
            if hasattr(req, k) and k not in ("steps", "channel", "status")
        },
        "channel": req.channel.value,
        "status": req.status.value,
        "letter_id": letter.id if letter else None,
        "allowed_actions": letters.allowed_actions(db.session, tenant, api_user(), req),
        "steps": [
            {
                "action": s.action,
                "status": s.status.value,
                "actor_id": s.actor_id,
                "actor_name": s.actor_name,
                "note": s.note,
                "at": s.at,
            }
            for s in letters.timeline(req)
        ],
    }


# -- letter types ----------------------------------------------------------------------------------


@blp.route("/letter-types")
class LetterTypes(MethodView):
    @blp.arguments(LetterTypeQuerySchema, location="query")
    @blp.response(200, LetterTypeSchema(many=True))
    def get(self, args: dict) -> list[LetterType]:
        """The village's letter types (staff with ``letters.view`` or residents who may request)."""
        require_api(LETTERS_VIEW, LETTERS_REQUEST)
        found = letter_types.list_types(db.session)
        if "active" in args:
            found = [t for t in found if t.active == args["active"]]
        if "online" in args:
            found = [t for t in found if t.online == args["online"]]
        return found

    @blp.arguments(LetterTypeSchema)
    @blp.response(201, LetterTypeSchema)
    @blp.alt_response(400, description="Bad code, field, attachment or unknown template placeholder.")
    @blp.alt_response(409, description="The code is used by another type of this village.")
    def post(self, data: dict) -> LetterType:
        """Add a letter type (``letters.configure``)."""
        tenant, _scope, user = require_api(LETTERS_CONFIGURE)
        created = letter_types.create_type(db.session, tenant, data, user)
        db.session.commit()
        return created


@blp.route("/letter-types/<uuid:type_id>")
class LetterTypeById(MethodView):
    @blp.response(200, LetterTypeSchema)
    def get(self, type_id: uuid.UUID) -> LetterType:
        """One letter type."""
        require_api(LETTERS_VIEW, LETTERS_REQUEST)
        return letter_types.get_type(db.session, type_id)

    @blp.arguments(LetterTypePatchSchema)
    @blp.response(200, LetterTypeSchema)
    def patch(self, data: dict, type_id: uuid.UUID) -> LetterType:
        """Change some attributes (``letters.configure``); ``active: false`` withdraws it."""
        tenant, _scope, user = require_api(LETTERS_CONFIGURE)
        letter_type = letter_types.get_type(db.session, type_id)
        letter_types.update_type(db.session, tenant, letter_type, data, user)
        db.session.commit()
        return letter_type

    @blp.response(200, LetterTypeSchema)
    def delete(self, type_id: uuid.UUID) -> LetterType:
        """Withdraw the type (deactivate: its requests and letters stay)."""
        tenant, _scope, user = require_api(LETTERS_CONFIGURE)
        letter_type = letter_types.get_type(db.session, type_id)
        letter_types.set_active(db.session, tenant, letter_type, False, user)
        db.session.commit()
        return letter_type


# -- requests --------------------------------------------------------------------------------------


@blp.route("/letter-requests")
class LetterRequests(MethodView):
    @blp.arguments(LetterRequestQuerySchema, location="query")
    @blp.response(200, LetterRequestSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The staff queue (a hamlet head: their hamlet), or with ``mine=true`` the caller's own
        requests. Paginated (``X-Pagination``)."""
        tenant = current_tenant()
        if args.get("mine"):
            stmt = letters.my_requests(db.session, api_user())
        else:
            tenant, _scope, user = require_api(LETTERS_VIEW)
            stmt = letters.queue(db.session, tenant, user)
        filters = {"status": args.get("status"), "type": args.get("type_id")}
        return [_request_out(r) for r in letters.QUEUE.api_page(stmt, filters, pagination_parameters)]

    @blp.arguments(LetterRequestCreateSchema)
    @blp.response(201, LetterRequestSchema)
    @blp.alt_response(
        400, description="Missing or invalid field, purpose or attachment; in-person type online."
    )
    @blp.alt_response(409, description="An open request for the same letter exists.")
    def post(self, data: dict) -> dict[str, Any]:
        """Staff (``letters.process``) enter a request for ``resident_id``; a resident
        (``letters.request``) asks for themself, without ``resident_id``."""
        tenant = current_tenant()
        user = api_user()
        common = {"purpose": data["purpose"], "data": data["data"], "attached": data["attachments"]}
        if data.get("resident_id"):
            req = letters.submit_counter(
                db.session,
                tenant,
                user,
                data["resident_id"],
                data["type_id"],
                originals_seen=data["originals_seen"],
                **common,
            )
        else:
            req = letters.submit_online(db.session, tenant, user, data["type_id"], **common)
        return _request_out(req)


@blp.route("/letter-requests/<uuid:request_id>")
class LetterRequestById(MethodView):
    @blp.response(200, LetterRequestSchema)
    def get(self, request_id: uuid.UUID) -> dict[str, Any]:
        """One request with its timeline and the moves the caller may make."""
        return _request_out(letters.get_request(db.session, current_tenant(), api_user(), request_id))


@blp.route("/letter-requests/<uuid:request_id>/<any(verify,approve,sign,reject,cancel,issue):action>")
class LetterRequestTransition(MethodView):
    @blp.arguments(LetterTransitionSchema)
    @blp.response(200, LetterRequestSchema)
    @blp.alt_response(403, description="The caller may not make this move.")
    @blp.alt_response(409, description="The request's state does not allow this move.")
    def post(self, data: dict, request_id: uuid.UUID, action: str) -> dict[str, Any]:
        """Move a request: ``verify``, ``approve``, ``sign`` (``prefix`` a.n./u.b./Plt./Plh. unless
        the village head signs), ``reject`` (``reason`` required), ``cancel`` (the resident),
        ``issue`` (number, PDF, verification token)."""
        tenant = current_tenant()
        user = api_user()
        req = letters.get_request(db.session, tenant, user, request_id)
        letters.transition(db.session, tenant, req, user, action, **data)
        return _request_out(req)


# -- issued letters --------------------------------------------------------------------------------


@blp.route("/letters")
class Letters(MethodView):
    @blp.arguments(LetterQuerySchema, location="query")
    @blp.response(200, LetterSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[Letter]:
        """Issued letters, newest first (``letters.view``; a hamlet head: their hamlet's)."""
        tenant, _scope, user = require_api(LETTERS_VIEW)
        return page_of(
            issuing.letters_query(db.session, tenant, user, type_code=args.get("type_code")),
            pagination_parameters,
        )


@blp.route("/letters/<uuid:letter_id>")
class LetterById(MethodView):
    @blp.response(200, LetterSchema)
    def get(self, letter_id: uuid.UUID) -> Letter:
        """One issued letter (staff, or the resident it was issued to)."""
        return issuing.get_letter(db.session, current_tenant(), api_user(), letter_id)


@blp.route("/letters/<uuid:letter_id>/revoke")
class LetterRevoke(MethodView):
    @blp.arguments(LetterRevokeSchema)
    @blp.response(200, LetterSchema)
    @blp.alt_response(409, description="Already revoked.")
    def post(self, data: dict, letter_id: uuid.UUID) -> Letter:
        """Revoke a letter (``letters.issue``); its verification then says so."""
        tenant = current_tenant()
        letter = issuing.get_letter(db.session, tenant, api_user(), letter_id)
        return issuing.revoke(db.session, tenant, letter, api_user(), data["reason"])


@blp.route("/letters/<uuid:letter_id>/download")
class LetterDownload(MethodView):
    @blp.response(200, description="The PDF (application/pdf): the stored file, same bytes every time.")
    def get(self, letter_id: uuid.UUID) -> Response:
        """Download (reprint) the issued PDF."""
        tenant = current_tenant()
        letter = issuing.get_letter(db.session, tenant, api_user(), letter_id)
        viewer = Viewer(db.session, api_user(), tenant)
        resident_id = db.session.scalar(
            select(LetterRequest.resident_id).where(LetterRequest.id == letter.request_id)
        )
        if viewer.masking and not viewer.is_open(resident_id):
            raise ApiError(
                403,
                _("This holds a resident's personal data; your role sees it only masked."),
                "personal_data",
            )
        return send_version(issuing.reprint(db.session, tenant, letter, api_user()), Visibility.OWNER)


@blp.route("/verify/<token>")
@public
class VerifyToken(MethodView):
    decorators = [limiter.limit(issuing.verify_limit)]

    @blp.response(200, LetterVerificationSchema)
    def get(self, token: str) -> dict[str, Any]:
        """What the public verification page shows for a token of this village; open without a
        token (apps that scan the QR code), rate-limited."""
        letter = issuing.find_by_token(db.session, token)
        return issuing.verification(current_tenant(), letter).as_dict()
