"""Token authentication and the blueprint factory every API module uses.

The API authenticates with personal API tokens only (``Authorization: Bearer dc_…``). A browser
session cookie never authenticates an API call: that is what makes it safe to exempt the API from
CSRF. The token's user is put where Flask-Login looks first (``g._login_user``), so everything that
reads ``current_user`` during an API request (tenant resolution, locale choice) sees the token's
user and never the cookie's.
"""

from __future__ import annotations

from flask import Response, current_app, g, request
from flask_smorest import Blueprint

from ..auth.permissions import can, can_see_village
from ..extensions import csrf
from ..models import Tenant, User
from ..services import ServiceError
from ..services.auth import user_for_api_token
from ..services.i18n import _
from ..web.tenant import lookup, refuse, resolve

BEARER = "bearer"


class ApiError(ServiceError):
    """An API refusal; rendered by ``web/errors.py`` as the one JSON error shape.

    Raised instead of ``flask_smorest.abort`` so that the message and the machine-readable code
    always reach the client (the generic handler keeps werkzeug's text for some statuses).
    """

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message, code, status)


def _set_current_user(user: User | None) -> None:
    # Flask-Login reads g._login_user before it ever looks at the session cookie.
    g._login_user = user if user is not None else current_app.login_manager.anonymous_user()
    g.api_user = user


def authenticate() -> User:
    """The user of the request's bearer token, or a 401; the session cookie is ignored."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, plain = header.partition(" ")
    if scheme.lower() != BEARER or not plain.strip():
        _set_current_user(None)
        raise ApiError(401, _("An API token is required: send 'Authorization: Bearer dc_…'."), "unauthorized")
    user = user_for_api_token(plain.strip())
    if user is None:
        _set_current_user(None)
        raise ApiError(401, _("The API token is not valid, has expired or was revoked."), "invalid_token")
    _set_current_user(user)
    return user


def api_user() -> User:
    """The authenticated user of this API request (set by the blueprint's preprocessor)."""
    user = g.get("api_user")
    if user is None:  # pragma: no cover - every API blueprint authenticates first
        raise ApiError(401, _("An API token is required."), "unauthorized")
    return user


def require(permission: str, tenant: Tenant | None = None) -> User:
    """Refuse with 403 unless the current user holds ``permission`` (in ``tenant``)."""
    user = api_user()
    if not can(user, permission, tenant):
        raise ApiError(403, _("You are not allowed to do this."), "forbidden")
    return user


def public(view):  # noqa: ANN001, ANN201 - a view function or MethodView class, returned as is
    """Mark a village API view as open without a token (sign-in, public verification, applying for
    an account). The village is still resolved (404 if unknown) and the caller is anonymous: a
    public view must not rely on any user, and must be rate-limited.

    Apply it below ``@blp.route`` (route reads the documentation): every operation of the view is
    documented with ``security: []`` so clients and schema tools know no token is needed."""
    view._desa_public = True
    methods = (
        [getattr(view, m) for m in HTTP_METHODS if hasattr(view, m)] if isinstance(view, type) else [view]
    )
    for function in methods:
        apidoc = function.__dict__.setdefault("_apidoc", {})
        apidoc.setdefault("manual_doc", {})["security"] = []
    return view


HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _is_public(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(getattr(view, "view_class", view), "_desa_public", False))


def _www_authenticate(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="desacerdas"'
    return response


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    """A platform-level API blueprint: token auth on every route, no CSRF (no cookie auth)."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix, description=description)
    csrf.exempt(bp)

    @bp.url_value_preprocessor
    def _authenticate(endpoint: str | None, values: dict | None) -> None:
        authenticate()

    bp.after_request(_www_authenticate)
    return bp


def village_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """An API blueprint under ``/api/v1/desa/<slug>``: token auth, then the village."""
    bp = Blueprint(name, import_name, url_prefix="/api/v1/desa/<slug>", description=description)
    return attach_village_auth(bp)


def attach_village_auth(bp: Blueprint) -> Blueprint:
    """Token auth, then the village, before every view of ``bp`` (core and plugin APIs alike).

    Authentication comes first so an anonymous caller learns nothing about a village (not even
    that it is suspended). A user with no role covering the village gets 404, as if it did not
    exist; permission checks inside the views then answer 403.
    """
    csrf.exempt(bp)

    @bp.url_value_preprocessor
    def _authenticate_and_resolve(endpoint: str | None, values: dict | None) -> None:
        if _is_public(endpoint):
            _set_current_user(None)
            if values is not None and "slug" in values:
                resolve(values.pop("slug"))
            return
        user = authenticate()
        if values is None or "slug" not in values:
            return
        slug = values.pop("slug")
        found = lookup(slug)
        if found is None or not can_see_village(user, found[0]):
            # Checked before resolve(): an outsider must not even learn that a village is suspended.
            refuse(ApiError(404, _("This village does not exist."), "not_found"))
        resolve(slug, found)

    @bp.url_defaults
    def _add_slug(endpoint: str, values: dict) -> None:
        if "slug" not in values and g.get("tenant") is not None:
            values["slug"] = g.tenant.slug

    bp.after_request(_www_authenticate)
    return bp
