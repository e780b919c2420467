"""What every page of the letter services shares (``/desa/<slug>/smart_government/letters/…``):
access (404 to outsiders, 403 without the permission), the labels for states and actions.

Staff: the request queue and a request's page (``views_requests``), the counter form
(``views_counter``), letter types and the letter settings (``views_config``). Residents: "My
letters" and "Request a letter" (``views_counter``). Anyone: the verification page behind the QR
code (``views_verify``), rate limited. Every page goes through the letter services, the same rules
as the API."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from desacerdas.auth.permissions import can, can_see_village
from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import NotFound, ServiceError
from desacerdas.web.tenant import current_tenant

from ..pages import Routes
from ..registry.models import Resident
from . import workflow
from .models import LetterType

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them

T = "smart_government/letters/"


# -- access ----------------------------------------------------------------------------------------


def _village() -> Tenant:
    """The village; 404 to visitors who are not members of it."""
    tenant = current_tenant()
    if not can_see_village(current_user, tenant):
        abort(404)
    return tenant


def _allowed(permission: str) -> Tenant:
    tenant = _village()
    if not can(current_user, permission, tenant):
        abort(403)
    return tenant


def _staff_scope(tenant: Tenant) -> uuid.UUID | None:
    try:
        return workflow.staff_scope(current_user, tenant)
    except ServiceError:
        abort(403)


def _service(fn, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN001
    """Call a service; its 404 becomes the page's 404 (other refusals are shown by the caller)."""
    try:
        return fn(*args, **kwargs)
    except NotFound:
        abort(404)


@routes.context_processor
def _letter_helpers() -> dict[str, Any]:
    return {
        "letter_status_label": workflow.status_label,
        "letter_action_label": workflow.action_label,
    }


def _names(ids: set[uuid.UUID]) -> dict[uuid.UUID, Resident]:
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_(ids)))}


def _types() -> dict[uuid.UUID, LetterType]:
    return {t.id: t for t in db.session.scalars(select(LetterType))}
