"""The JSON API under ``/api/v1`` (flask-smorest, OpenAPI at ``/api/v1/openapi.json``).

- Authentication: personal API tokens only, ``Authorization: Bearer dc_…`` (create one at
  ``/auth/tokens`` or ``POST /api/v1/me/tokens``). Session cookies do not authenticate API calls,
  which is why the API blueprints are exempt from CSRF.
- Errors: always ``{"error": {"status", "code", "message", "details"?}}`` (``web/errors.py``);
  ``details`` carries validation errors (422) by location and field. ``code`` is stable
  snake_case (``docs/labels.md`` lists them); ``message`` and ``details`` are in one language per
  request: ``?lang=``, else ``Accept-Language`` (``id``/``en``), else the token owner's language,
  else the platform default (``web/i18n.py``, ``services/i18n.validation_messages``).
- Lists: ``page`` and ``page_size`` (default 25, at most 100; more is refused with 422); the
  pagination metadata is in the ``X-Pagination`` response header (JSON).
- Interactive docs: ``/api/v1/docs`` (Swagger UI served from bundled assets, no CDN).
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api

from ..extensions import api_of
from .schemas import ApiErrorBodySchema

DESCRIPTION = """\
The Desa Cerdas platform API.

**Authentication.** Personal API tokens only: send `Authorization: Bearer dc_…`. Create a token on
the *API tokens* page after signing in, or with `POST /api/v1/me/tokens`; it is shown once. A
token acts with its owner's roles. Browser session cookies do not authenticate API calls.

**Villages.** Platform-level resources live under `/api/v1/villages` and `/api/v1/users`; a
village's own data lives under `/api/v1/desa/{slug}/`. A village you hold no role in answers 404;
a suspended village answers 403 with the code `village_suspended`.

**Errors.** Every error has the same shape:
`{"error": {"status": 404, "code": "not_found", "message": "…"}}`. Validation errors (422) add
`details`, keyed by location (`json`, `query`) and field. Branch on `code` (stable snake_case);
`message` and `details` are for people, in one language per request: `?lang=id|en`, else the
`Accept-Language` header, else the token owner's language, else Indonesian.

**Pagination.** Lists take `page` (from 1) and `page_size` (default 25, at most 100; a larger
value is refused with 422). The `X-Pagination` response header carries the metadata as JSON:
`total`, `total_pages`, `first_page`, `last_page`, `page`, `previous_page`, `next_page`.
"""

SWAGGER_UI_CONFIG = {
    # Swagger UI would otherwise send the document to validator.swagger.io: nothing leaves the host.
    "validatorUrl": None,
    "persistAuthorization": False,
}


def register(app: Flask) -> None:
    """Register the API blueprints on ``app`` (called by the factory after creating the Api)."""
    from . import desa, docs, documents, me, plugins, users, villages

    docs.init_app(app)
    app.config.setdefault("OPENAPI_SWAGGER_UI_CONFIG", SWAGGER_UI_CONFIG)
    api = api_of(app)
    _document(api)
    api.register_blueprint(me.blp)
    api.register_blueprint(villages.blp)
    api.register_blueprint(users.blp)
    api.register_blueprint(desa.blp, parameters=[desa.SLUG_PARAMETER])
    api.register_blueprint(plugins.blp)
    api.register_blueprint(plugins.desa_blp, parameters=[desa.SLUG_PARAMETER])
    api.register_blueprint(documents.blp, parameters=[desa.SLUG_PARAMETER])


def _document(api: Api) -> None:
    """Describe the API and its real error shape in the OpenAPI document."""
    spec = api.spec
    spec.options = {**spec.options, "info": {**spec.options.get("info", {}), "description": DESCRIPTION}}
    # flask-smorest documents its own error payload as the "Error" schema that every default
    # response refers to; replace it with the envelope web/errors.py actually sends.
    spec.components.schema("ApiErrorBody", schema=ApiErrorBodySchema)
    envelope = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/ApiErrorBody"}},
    }
    for bucket in (spec.components.schemas, spec.components.schemas_lazy):
        if "Error" in bucket:
            bucket["Error"] = envelope
    # flask-smorest documents X-Pagination as an object, but a header is a string: say what is
    # sent (JSON text) so clients and schema checkers read the same thing the server writes.
    for bucket in (spec.components.headers, spec.components.headers_lazy):
        if "PAGINATION" in bucket:
            bucket["PAGINATION"] = PAGINATION_HEADER
    # Plugin, job and notification APIs are in the document already (registered before the core's
    # API); blueprints registered later go through the apispec plugin.
    for operations in spec._paths.values():
        document_error_bodies(operations)
    if not any(isinstance(plugin, ErrorBodies) for plugin in spec.plugins):
        plugin = ErrorBodies()
        plugin.init_spec(spec)
        spec.plugins.append(plugin)


ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


class ErrorBodies(BasePlugin):
    """Give every documented 4xx/5xx answer without a body the error envelope as its body.

    Views document refusals with ``alt_response(403, description=…)``; without this the document
    would say those answers have no body, while ``web/errors.py`` always sends the JSON envelope
    (e.g. the resident import's 415). Applies to plugin APIs too, as they share the spec.
    """

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        document_error_bodies(operations or {})


def document_error_bodies(operations: dict) -> None:
    """Add the error envelope to the 4xx/5xx responses of ``operations`` that have no body."""
    for operation in operations.values():
        if not isinstance(operation, dict):
            continue
        for status, response in (operation.get("responses") or {}).items():
            if str(status)[:1] in "45" and isinstance(response, dict) and "$ref" not in response:
                response.setdefault("content", dict(ERROR_CONTENT))


PAGINATION_HEADER = {
    "description": (
        "Pagination metadata as a JSON object: `total`, `total_pages`, and when there are items "
        "`first_page`, `last_page`, and for a page within range `page`, `previous_page`, `next_page`."
    ),
    "schema": {
        "type": "string",
        "example": (
            '{"total": 42, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}'
        ),
    },
}
