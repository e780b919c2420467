"""What every page of resident accounts and self-registration shares: labels for stored values and
the photos. The pages are in ``views_resident`` (residents, phone-first, no script needed) and
``views_staff`` (the review queue and a resident's account panel); apps sign in and apply through
the village API (``api``: ``sign-in``, ``registrations/…``)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import lazy_gettext as _l

from ..pages import Routes
from ..registry.models import Sex
from .models import RegistrationKind
from .review import FLOW

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them

KIND_LABELS = {
    RegistrationKind.ACCOUNT.value: _l("Account request"),
    RegistrationKind.NEW_ARRIVAL.value: _l("New arrival"),
}
SEX_LABELS = {Sex.MALE.value: _l("Male"), Sex.FEMALE.value: _l("Female")}
DATA_LABELS = {
    "sex": _l("Sex"),
    "birth_place": _l("Place of birth"),
    "religion": _l("Religion"),
    "marital_status": _l("Marital status"),
    "relationship_to_head": _l("Relationship to the family head"),
    "education": _l("Education"),
    "occupation": _l("Occupation"),
    "address": _l("Address in the village"),
    "previous_address": _l("Previous address"),
}
PHOTOS = {"ktp": "ktp_document_id", "kk": "kk_document_id", "selfie": "selfie_document_id"}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.context_processor
def _account_labels() -> dict[str, Any]:
    return {
        "registration_status_label": FLOW.state_label,
        "registration_kind_label": lambda v: str(KIND_LABELS.get(getattr(v, "value", v), v)),
    }
