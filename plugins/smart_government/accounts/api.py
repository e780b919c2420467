"""Resident accounts and registrations in the village API (``/api/v1/desa/<slug>/smart_government/``).

Token-authenticated like every village API, but for three open calls: a resident gets a token by
signing in with NIK and PIN (``POST …/sign-in``), and anyone may apply for an account or submit
their data as a new arrival (``POST …/registrations/account-request`` and ``…/new-arrival``); these
are rate-limited. While their PIN must be changed, that token
opens only ``GET /account`` and ``POST /account/pin`` (403 ``pin_change_required`` elsewhere).
Staff (``smart_government.registrations.review``; a hamlet head only for their hamlet) list and
decide registrations (the workflow ``review.FLOW``); ``smart_government.accounts.manage`` opens
accounts and resets PINs (for residents of the caller's scope). Access is the kit's
``require_api``: 404 to outsiders, 403 without the permission. A PIN set
by staff is in the response once and never stored in plain.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, after_this_request, g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields, validate

from desacerdas.api.pagination import PAGINATION
from desacerdas.api.schemas import UtcDateTime
from desacerdas.api.security import ApiError, api_user, public
from desacerdas.extensions import db
from desacerdas.kit.access import Access, require_api
from desacerdas.models import Role
from desacerdas.services import NotFound, ServiceError, login_throttle
from desacerdas.services import auth as auth_service
from desacerdas.services.i18n import _
from desacerdas.web.tenant import current_tenant

from .. import limits
from ..pages import uploaded
from ..permissions import ACCOUNTS_MANAGE, REGISTRATIONS_REVIEW
from ..registry import service as registry
from ..registry.models import Resident
from . import registration, review
from . import service as accounts
from .models import Registration, RegistrationKind, RegistrationStatus, ResidentAccount

# The accounts endpoints; ``plugin.py`` nests them in the pillar's API blueprint (same paths).
blp = Blueprint("accounts", __name__)

OPEN_WHILE_PIN_CHANGE = frozenset(
    {"smart_government_api.accounts.MyAccount", "smart_government_api.accounts.MyPin"}
)


def pin_change_first() -> None:
    """A token of a resident who must change their PIN opens nothing but the PIN change."""
    user = g.get("api_user")
    tenant = g.get("tenant")
    if user is None or tenant is None or request.endpoint in OPEN_WHILE_PIN_CHANGE:
        return
    if not any(m.role == Role.RESIDENT and m.tenant_id == tenant.id for m in user.memberships):
        return
    account = accounts.account_of(user, db.session)
    if account is not None and account.must_change_pin:
        raise ApiError(403, _("Change the PIN first: POST …/account/pin."), "pin_change_required")


def _reviewed(registration_id: uuid.UUID) -> tuple[Access, Registration]:
    """The reviewer's access and the request: 404 outside their scope (a hamlet head: their hamlet)."""
    access = require_api(REGISTRATIONS_REVIEW)
    return access, registration.get(db.session, registration_id, scope=access.scope)


# -- schemas -----------------------------------------------------------------------------------------


class MyAccountSchema(Schema):
    resident_id = fields.UUID()
    name = fields.String()
    nik = fields.String()
    must_change_pin = fields.Boolean()
    last_sign_in_at = UtcDateTime(allow_none=True)


class PinChangeSchema(Schema):
    current = fields.String(required=True, validate=validate.Length(max=20))
    new = fields.String(required=True, validate=validate.Length(max=20))


class RegistrationQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in RegistrationStatus]))
    kind = fields.String(validate=validate.OneOf([k.value for k in RegistrationKind]))
    q = fields.String(validate=validate.Length(max=100))
    sort = fields.String(
        validate=validate.OneOf([f"{d}{k}" for k in registration.REGISTRATIONS.sorts for d in ("", "-")]),
        metadata={"description": "queue (pending first, then the newest; the default) or name; -… reverses"},
    )


class RegistrationSchema(Schema):
    id = fields.UUID(metadata={"description": "The registration's key in this API"})
    reference = fields.String(
        metadata={
            "description": "The short reference the applicant keeps (e.g. K7QM-4TZP), unique per village"
        }
    )
    kind = fields.String()
    status = fields.String()
    nik = fields.String()
    kk_number = fields.String()
    name = fields.String()
    birth_date = fields.Date()
    phone = fields.String(allow_none=True)
    hamlet_id = fields.UUID(allow_none=True)
    resident_id = fields.UUID(allow_none=True)
    data = fields.Dict()
    ktp_document_id = fields.UUID(allow_none=True)
    kk_document_id = fields.UUID(allow_none=True)
    selfie_document_id = fields.UUID(allow_none=True)
    submitted_at = UtcDateTime()
    decided_by = fields.Integer(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    reason = fields.String(allow_none=True)


class ApproveSchema(Schema):
    open_account = fields.Boolean(
        load_default=True, metadata={"description": "For a new arrival: open an account too"}
    )


class ApprovedSchema(Schema):
    registration = fields.Nested(RegistrationSchema)
    pin = fields.String(
        allow_none=True, metadata={"description": "The initial PIN to hand over: shown once, never again"}
    )


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=registration.REASON_MAX))


class AccountSchema(Schema):
    resident_id = fields.UUID()
    user_id = fields.Integer()
    active = fields.Boolean()
    must_change_pin = fields.Boolean()
    locked_until = UtcDateTime(
        allow_none=True,
        metadata={
            "description": "Until when sign-in with this NIK is closed to unknown devices after many "
            "failed attempts (the resident's known devices still sign in); null when not locked. "
            "A PIN reset clears it."
        },
    )
    pin_changed_at = UtcDateTime(allow_none=True)
    last_sign_in_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class AccountPinSchema(Schema):
    account = fields.Nested(AccountSchema)
    pin = fields.String(metadata={"description": "The PIN to hand over: shown once, never again"})


def _account_dump(account: ResidentAccount) -> dict[str, Any]:
    return {
        "resident_id": account.resident_id,
        "user_id": account.user_id,
        "active": account.active,
        "must_change_pin": account.must_change_pin,
        "locked_until": accounts.locked_until(account, db.session),
        "pin_changed_at": account.pin_changed_at,
        "last_sign_in_at": account.last_sign_in_at,
        "created_at": account.created_at,
    }


# -- the resident's own account ------------------------------------------------------------------------


def _mine(account: ResidentAccount) -> dict[str, Any]:
    person = registry.get_resident(db.session, account.resident_id)
    return {
        "resident_id": account.resident_id,
        "name": person.name,
        "nik": person.nik,
        "must_change_pin": account.must_change_pin,
        "last_sign_in_at": account.last_sign_in_at,
    }


@blp.route("/account")
class MyAccount(MethodView):
    @blp.response(200, MyAccountSchema)
    def get(self) -> dict[str, Any]:
        """The signed-in resident's account (404 for anyone without one in this village)."""
        account = accounts.account_of(api_user(), db.session)
        if account is None:
            raise ApiError(404, _("You have no resident account in this village."), "not_found")
        return _mine(account)


@blp.route("/account/pin")
class MyPin(MethodView):
    @blp.arguments(PinChangeSchema)
    @blp.response(200, MyAccountSchema)
    @blp.alt_response(400, description="The current PIN is wrong, or the new one is refused (and why).")
    def post(self, data: dict) -> dict[str, Any]:
        """Change the PIN (6 digits, not trivial, not the birth date). Browser sessions end; this
        token keeps working."""
        account = accounts.change_pin(current_tenant(), db.session, api_user(), data["current"], data["new"])
        return _mine(account)


# -- registrations (staff) -----------------------------------------------------------------------------


@blp.route("/registrations")
class Registrations(MethodView):
    @blp.arguments(RegistrationQuerySchema, location="query")
    @blp.response(200, RegistrationSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[Registration]:
        """Account requests and new arrivals, pending first. A hamlet head sees their hamlet's."""
        access = require_api(REGISTRATIONS_REVIEW)
        stmt = registration.queue(access.scope)
        return registration.REGISTRATIONS.api_page(stmt, args, pagination_parameters)


@blp.route("/registrations/<uuid:registration_id>")
class RegistrationById(MethodView):
    @blp.response(200, RegistrationSchema)
    def get(self, registration_id: uuid.UUID) -> Registration:
        """One request; its photos are documents (``GET /api/v1/desa/<slug>/documents/<id>``)."""
        return _reviewed(registration_id)[1]


@blp.route("/registrations/<uuid:registration_id>/approve")
class ApproveRegistration(MethodView):
    @blp.arguments(ApproveSchema)
    @blp.response(200, ApprovedSchema)
    @blp.alt_response(409, description="Decided already, or the registry refuses (e.g. the NIK is taken).")
    def post(self, data: dict, registration_id: uuid.UUID) -> dict[str, Any]:
        """Approve: an account request opens the account, a new arrival is added to the registry."""
        access, found = _reviewed(registration_id)
        pin = review.approve(access.tenant, db.session, found, access.user, open_account=data["open_account"])
        return {"registration": found, "pin": pin}


@blp.route("/registrations/<uuid:registration_id>/reject")
class RejectRegistration(MethodView):
    @blp.arguments(RejectSchema)
    @blp.response(200, RegistrationSchema)
    def post(self, data: dict, registration_id: uuid.UUID) -> Registration:
        """Reject with a reason (required; the applicant sees it)."""
        access, found = _reviewed(registration_id)
        return review.reject(access.tenant, db.session, found, access.user, data["reason"])


# -- a resident's account (staff) ----------------------------------------------------------------------


def _manage(resident_id: uuid.UUID) -> tuple[Access, Resident, ResidentAccount | None]:
    """The caller's access, the resident (404 outside their scope: a hamlet head granted
    ``accounts.manage`` finds only their hamlet's residents) and the resident's account."""
    access = require_api(ACCOUNTS_MANAGE)
    person = registry.get_resident(db.session, resident_id, hamlet_scope=access.scope.staff_hamlet())
    return access, person, accounts.account_for_resident(db.session, person.id)


@blp.route("/residents/<uuid:resident_id>/account")
class ResidentAccountById(MethodView):
    @blp.response(200, AccountSchema)
    def get(self, resident_id: uuid.UUID) -> dict[str, Any]:
        """The resident's account (404 when there is none)."""
        _access, _person, account = _manage(resident_id)
        if account is None:
            raise NotFound(_("This resident has no account."))
        return _account_dump(account)

    @blp.response(201, AccountPinSchema)
    @blp.alt_response(
        409, description="An account exists, or the resident is not living / has a temporary NIK."
    )
    def post(self, resident_id: uuid.UUID) -> dict[str, Any]:
        """Open an account; the initial PIN is in this response only."""
        access, person, _account = _manage(resident_id)
        account, pin = accounts.create_account(access.tenant, db.session, person, access.user)
        db.session.commit()
        return {"account": _account_dump(account), "pin": pin}


@blp.route("/residents/<uuid:resident_id>/account/reset-pin")
class ResidentPinReset(MethodView):
    @blp.response(200, AccountPinSchema)
    def post(self, resident_id: uuid.UUID) -> dict[str, Any]:
        """A new PIN (in this response only), to change at next sign-in; every session and token ends."""
        access, _person, account = _manage(resident_id)
        if account is None:
            raise NotFound(_("This resident has no account."))
        pin = accounts.reset_pin(access.tenant, db.session, account, access.user)
        db.session.commit()
        return {"account": _account_dump(account), "pin": pin}


@blp.route("/residents/<uuid:resident_id>/account/deactivate")
class ResidentAccountDeactivate(MethodView):
    @blp.response(200, AccountSchema)
    def post(self, resident_id: uuid.UUID) -> dict[str, Any]:
        """Close the account (a PIN reset opens it again)."""
        access, _person, account = _manage(resident_id)
        if account is None:
            raise NotFound(_("This resident has no account."))
        accounts.deactivate(access.tenant, db.session, account, access.user)
        db.session.commit()
        return _account_dump(account)


# -- open without a token: signing in and applying ------------------------------------------------------


class SignInSchema(Schema):
    nik = fields.String(required=True, validate=validate.Length(max=32))
    pin = fields.String(required=True, load_only=True, validate=validate.Length(max=32))


class SignedInSchema(Schema):
    token = fields.String(metadata={"description": "A personal API token: shown once, never again"})
    expires_at = UtcDateTime(allow_none=True)
    must_change_pin = fields.Boolean()
    name = fields.String()


class AccountRequestSchema(Schema):
    nik = fields.String(required=True, validate=validate.Length(max=32))
    kk_number = fields.String(required=True, validate=validate.Length(max=32))
    birth_date = fields.Date(required=True)
    phone = fields.String(load_default=None, validate=validate.Length(max=20))


class NewArrivalSchema(AccountRequestSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    sex = fields.String(required=True, validate=validate.OneOf(["male", "female"]))
    hamlet_id = fields.UUID(load_default=None)
    birth_place = fields.String(validate=validate.Length(max=80))
    religion = fields.String(validate=validate.Length(max=30))
    marital_status = fields.String(validate=validate.Length(max=30))
    relationship_to_head = fields.String(validate=validate.Length(max=30))
    education = fields.String(validate=validate.Length(max=60))
    occupation = fields.String(validate=validate.Length(max=80))
    address = fields.String(validate=validate.Length(max=300))
    previous_address = fields.String(validate=validate.Length(max=300))


class PhotosSchema(Schema):
    ktp = Upload(required=True, metadata={"description": "Photo of the KTP"})
    kk = Upload(required=True, metadata={"description": "Photo of the Kartu Keluarga"})
    selfie = Upload(metadata={"description": "A selfie (required for an account request)"})


class ReceiptSchema(Schema):
    reference = fields.String(
        metadata={"description": "The registration's id (kept for older apps; staff calls take it)"}
    )
    code = fields.String(
        metadata={"description": "The short reference to show the applicant (e.g. K7QM-4TZP): random"}
    )
    status = fields.String()
    status_url = fields.String()


def _receipt(found: Registration) -> dict[str, Any]:
    return {
        "reference": str(found.id),
        "code": found.reference,
        "status": found.status.value,
        "status_url": url_for(
            "smart_government.accounts.registration_status", reference=found.reference, _external=True
        ),
    }


def _service(call: Any) -> Any:
    """Run a service call, turning its refusal into the API's error (nothing half-written stays).
    A throttled sign-in (429) also says in ``Retry-After`` how many seconds to wait."""
    try:
        return call()
    except ServiceError as exc:
        db.session.rollback()
        if headers := login_throttle.retry_after_headers(exc):

            @after_this_request
            def _retry_after(response: Response) -> Response:
                response.headers.update(headers)
                return response

        raise ApiError(exc.status, exc.message, exc.code) from None


RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before the next try (sent when the sign-in is throttled).",
    "schema": {"type": "integer", "minimum": 1},
}


@blp.route("/sign-in")
@public
class SignIn(MethodView):
    decorators = [limits.pin_attempts]

    @blp.arguments(SignInSchema)
    @blp.response(200, SignedInSchema)
    @blp.alt_response(401, description="Wrong NIK or PIN (the same answer for a NIK without an account).")
    @blp.alt_response(
        429,
        description="Too many failed tries (from this client, or for this NIK from unknown devices): "
        "try again after the seconds in `Retry-After`.",
        headers={"Retry-After": RETRY_AFTER_HEADER},
    )
    def post(self, data: dict) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Sign in with NIK and PIN (no token needed) and get a personal API token valid 30 days.
        While ``must_change_pin`` is true the token opens only ``account`` and ``account/pin``."""
        tenant = current_tenant()
        user = _service(lambda: accounts.sign_in(tenant, db.session, data["nik"], data["pin"]))
        account = accounts.account_of(user, db.session)
        token, plain = auth_service.create_api_token(user, _("Resident sign-in"), accounts.API_TOKEN_DAYS)
        body = {
            "token": plain,
            "expires_at": token.expires_at,
            "must_change_pin": bool(account and account.must_change_pin),
            "name": user.name,
        }
        return body, 200, {"Cache-Control": "no-store"}


@blp.route("/registrations/account-request")
@public
class AccountRequest(MethodView):
    decorators = [limits.applications]

    @blp.arguments(AccountRequestSchema, location="form")
    @blp.arguments(PhotosSchema, location="files")
    @blp.response(201, ReceiptSchema)
    def post(self, form: dict, files: dict) -> dict[str, Any]:
        """Ask for an account (no token: the applicant has none yet). NIK, KK number and birth date
        must match the registry; the KTP, KK and selfie photos go to staff for review."""
        tenant = current_tenant()
        if uploaded(files.get("selfie")) is None:
            raise ApiError(422, _("Missing photos: %(names)s.", names="selfie"), "files_required")
        found = _service(
            lambda: registration.request_account(
                tenant,
                db.session,
                nik=form["nik"],
                kk_number=form["kk_number"],
                birth_date=form["birth_date"],
                phone=form.get("phone"),
                ktp=uploaded(files["ktp"]),
                kk=uploaded(files["kk"]),
                selfie=uploaded(files["selfie"]),
            )
        )
        return _receipt(found)


@blp.route("/registrations/new-arrival")
@public
class NewArrival(MethodView):
    decorators = [limits.applications]

    @blp.arguments(NewArrivalSchema, location="form")
    @blp.arguments(PhotosSchema, location="files")
    @blp.response(201, ReceiptSchema)
    def post(self, form: dict, files: dict) -> dict[str, Any]:
        """A new arrival submits their data for staff to verify and add to the registry."""
        tenant = current_tenant()
        extra = {k: form[k] for k in registration.ARRIVAL_FIELDS if form.get(k)}
        found = _service(
            lambda: registration.new_arrival(
                tenant,
                db.session,
                name=form["name"],
                nik=form["nik"],
                kk_number=form["kk_number"],
                birth_date=form["birth_date"],
                sex=form["sex"],
                hamlet_id=form.get("hamlet_id"),
                phone=form.get("phone"),
                ktp=uploaded(files["ktp"]),
                kk=uploaded(files["kk"]),
                selfie=uploaded(files.get("selfie")),
                **extra,
            )
        )
        return _receipt(found)
