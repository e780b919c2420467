"""The gate of every rollout page: signed in, and a platform admin, regency admin or facilitator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import login_manager
from ..models import User
from ..services import areas
from . import scope
from .forms import BoardFilterForm

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


def board_page(view: F) -> F:
    """Anonymous visitors are sent to sign in; anyone outside the board's audience gets 403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not scope.is_audience(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def user() -> User:
    """The signed-in user itself (services keep it, so not the request-bound proxy)."""
    return current_user._get_current_object()  # noqa: SLF001


def parse_filters(regency: str | None, district: str | None, facilitator: str | int | None) -> scope.Filters:
    """Filters from untrusted text; malformed values are ignored (scope still applies)."""
    fac = str(facilitator or "")
    return scope.Filters(
        regency=regency or None,
        district=district or None,
        facilitator=int(fac) if fac.isdigit() else None,
    )


def filter_form() -> tuple[BoardFilterForm, scope.Filters]:
    """The filter form with the options of the user's scope; values not offered are dropped."""
    form = BoardFilterForm(formdata=request.args)
    form.validate()
    viewer = user()
    regencies = scope.regencies(viewer)
    form.regency.choices = [("", _("All regencies"))] + [(r.code, f"{r.name} ({r.code})") for r in regencies]
    form.regency.data = areas.regency_of(form.regency.data, form.district.data, regencies)
    districts = scope.districts(viewer, form.regency.data or None)
    form.district.choices = [("", _("All districts"))] + [(d.code, d.name) for d in districts]
    if form.district.data not in {d.code for d in districts}:
        form.district.data = ""
    facilitators = scope.facilitators(viewer)
    form.facilitator.choices = [("", _("All facilitators"))] + [(str(i), n) for i, n in facilitators]
    if form.facilitator.data not in {str(i) for i, _n in facilitators}:
        form.facilitator.data = ""
    return form, parse_filters(form.regency.data, form.district.data, form.facilitator.data)
