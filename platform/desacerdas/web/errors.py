"""Error pages (both languages) and the one JSON error shape of the API.

API errors always look like ``{"error": {"status": 404, "code": "not_found", "message": "…"}}``,
with ``details`` for validation errors.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db
from ..services import ServiceError
from ..services.i18n import validation_messages
from ..storage import StorageUnavailable
from .tenant import VillageSuspended, wants_json

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You are not allowed to open this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state of the data."),
        413: _("The file or form is too large."),
        415: _("This type of file or content is not accepted."),
        422: _("Some fields are not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again."),
        503: _("The service is temporarily unavailable. Please try again soon."),
    }


def api_error(status: int, message: str, code: str | None = None, details: dict | None = None):  # noqa: ANN201
    body = {"status": status, "code": code or CODES.get(status, "error"), "message": message}
    if details:
        body["details"] = details
    return jsonify(error=body), status


def error_response(
    status: int, message: str | None = None, code: str | None = None, details: dict | None = None
):  # noqa: ANN201
    if wants_json():
        return api_error(
            status,
            message or _titles().get(status) or _("The request could not be completed."),
            code,
            details,
        )
    return (
        render_template("errors/error.html", status=status, message=message or _titles().get(status, "")),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # noqa: ANN202
        status = exc.code or 500
        details = None
        data = getattr(exc, "data", None) or {}
        if "messages" in data:
            details = validation_messages(data["messages"])  # marshmallow's English, translated
            message = _("Some fields are not valid.")
        else:
            # werkzeug's own English description is replaced by the title in the reader's language
            own = exc.description if exc.description != type(exc).description else None
            message = data.get("message") or (own if status in (400, 409, 422) and wants_json() else None)
        response = error_response(status, message, details=details)
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response = (*response, {"Allow": ", ".join(exc.valid_methods)})
        return response

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):  # noqa: ANN202
        return error_response(
            400, _("The form expired or was not sent from this site. Please try again."), "csrf"
        )

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):  # noqa: ANN202
        db.session.rollback()
        return error_response(exc.status, exc.message, exc.code)

    @app.errorhandler(VillageSuspended)
    def _suspended(exc: VillageSuspended):  # noqa: ANN202
        message = _("The village %(name)s is suspended on this platform.", name=exc.tenant.name)
        if wants_json():
            return api_error(403, message, "village_suspended")
        return render_template("errors/suspended.html", suspended=exc.tenant, message=message), 403

    @app.errorhandler(StorageUnavailable)
    def _storage_down(exc: StorageUnavailable):  # noqa: ANN202
        app.logger.error("storage unavailable: %s", exc)
        db.session.rollback()
        return error_response(
            503,
            _("Document storage is not available right now. Please try again later."),
            code="storage_unavailable",
        )

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):  # noqa: ANN202
        app.logger.error("database unavailable: %s", exc)
        db.session.rollback()
        return error_response(503, code="database_unavailable")

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError):  # noqa: ANN202
        db.session.rollback()
        return error_response(500)
