"""What every page of the letter services shares (``/desa/<slug>/smart_government/letters/…``):
the labels for states and actions, and a service's 404 as the page's. Access is the kit's
(:mod:`desacerdas.kit.access`: 404 to outsiders, 403 without the permission).

Staff: the request queue and a request's page (``views_requests``), the counter form
(``views_counter``), letter types and the letter settings (``views_config``). Residents: "My
letters" and "Request a letter" (``views_counter``). Anyone: the verification page behind the QR
code (``views_verify``), rate limited. Every page goes through the letter services, the same rules
as the API."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.services import NotFound

from ..pages import Routes
from ..registry.models import Resident
from .models import LetterType
from .workflow import FLOW

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them

T = "smart_government/letters/"


def _service(fn, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN001
    """Call a service; its 404 becomes the page's 404 (other refusals are shown by the caller)."""
    try:
        return fn(*args, **kwargs)
    except NotFound:
        abort(404)


@routes.context_processor
def _letter_helpers() -> dict[str, Any]:
    return {
        "letter_status_label": FLOW.state_label,
        "letter_action_label": FLOW.action_label,
    }


def _names(ids: set[uuid.UUID]) -> dict[uuid.UUID, Resident]:
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_(ids)))}


def _types() -> dict[uuid.UUID, LetterType]:
    return {t.id: t for t in db.session.scalars(select(LetterType))}
