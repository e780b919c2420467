"""Forms: POST → service → (commit, redirect) or (roll back, the same form again with the message).

Every form page does the same dance: validate, call the service, and when the service refuses
(``ServiceError``) roll back, put the message on the field it concerns or above the form, and answer
the form again with the service's status (400, 409, …) so a client and a test can tell. ``handle``
is that dance once::

    @bp.route("/residents/new", methods=["GET", "POST"])
    def add_resident():
        form = ResidentForm()
        return handle(
            form,
            lambda: registry.create_resident(db.session, actor=current_user, **form.data_for_service()),
            template="smart_government/resident_form.html",
            on_success=lambda person: redirect(url_for(".resident", resident_id=person.id)),
            field={"duplicate_nik": "nik"},
        )

The template gets ``form`` and ``form_error`` (the message not tied to a field, else None) and the
extra context. A GET renders the form with 200; an invalid POST with 400 (WTForms' messages on the
fields); a refused POST with the error's status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from ..extensions import db
from ..services import ServiceError

T = TypeVar("T")

FieldTarget = str | Mapping[str, str] | None  # a field name, or error code → field name


def attach_error(form: FlaskForm, exc: ServiceError, field: FieldTarget = None) -> str | None:
    """Put ``exc`` on ``form``: each of its ``fields`` (``{"nik": "…"}``, as ``InvalidRequest``
    carries) on the field of that name, its message on ``field`` (a name, or by the error's code);
    what fits no field is returned, to be shown above the form."""
    leftovers: list[str] = []
    for name, message in (getattr(exc, "fields", None) or {}).items():
        if not _append(form, name, message):
            leftovers.append(f"{name}: {message}")
    if getattr(exc, "fields", None):
        return "; ".join(leftovers) or None
    target = field.get(exc.code) if isinstance(field, Mapping) else field
    if target and _append(form, target, exc.message):
        return None
    return exc.message


def _append(form: FlaskForm, name: str, message: str) -> bool:
    bound = form._fields.get(name)  # noqa: SLF001 - WTForms' public mapping of fields
    if bound is None:
        return False
    bound.errors = [*bound.errors, message]
    return True


def handle(
    form: FlaskForm,
    action: Callable[[], T],
    *,
    template: str,
    on_success: Callable[[T], ResponseReturnValue],
    field: FieldTarget = None,
    commit: bool = True,
    refresh: Callable[[], Mapping[str, Any]] | None = None,
    **context: Any,
) -> ResponseReturnValue:
    """Validate ``form``; on a valid POST run ``action`` and answer ``on_success(result)`` after a
    commit (``commit=False`` leaves the transaction to the action); on a ``ServiceError`` roll back
    and render ``template`` with the message and the error's status. ``refresh()`` gives context
    that must be read again after the rollback (records the page shows)."""
    form_error: str | None = None
    status = 200
    if form.validate_on_submit():
        try:
            result = action()
        except ServiceError as exc:
            db.session.rollback()
            form_error, status = attach_error(form, exc, field), exc.status
        else:
            if commit:
                db.session.commit()
            return on_success(result)
    elif form.is_submitted():
        status = 400
    if refresh is not None:
        context.update(refresh())
    return render_template(template, form=form, form_error=form_error, **context), status
