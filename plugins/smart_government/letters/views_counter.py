"""Asking for a letter: staff enter a request at the counter for a resident; a resident with an
account asks online and follows their requests (``/letters/mine``).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.kit.access import require, visible_village
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.web.pagination import page_links, paginate

from ..accounts import service as accounts
from ..pages import Routes, hamlet_names
from ..permissions import LETTERS_PROCESS, LETTERS_REQUEST
from ..registry import listing
from ..registry import service as registry
from ..registry.models import Resident
from . import requests as letters
from . import types as letter_types
from .forms import RequestForm
from .models import Letter, LetterRequest, LetterType, RequestStatus
from .on_file import chosen, on_file
from .views import T, _service, _types
from .workflow import InvalidRequest, next_actor

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


# -- entering a request (counter and online) -------------------------------------------------------


def _request_values(letter_type: LetterType) -> tuple[dict[str, str], dict[str, docs.NewFile], list[str]]:
    data = {f["name"]: request.form.get(f"field_{f['name']}", "") for f in letter_type.fields or []}
    uploads = {}
    for a in letter_type.attachments or []:
        upload = request.files.get(f"attachment_{a['key']}")
        if upload is not None and upload.filename:
            uploads[a["key"]] = docs.NewFile(upload.stream, upload.filename)
    seen = [a["key"] for a in letter_type.attachments or [] if request.form.get(f"seen_{a['key']}")]
    return data, uploads, seen


def _submitted(
    form: RequestForm, submit: Callable[[], LetterRequest], done: str
) -> tuple[Response | None, dict[str, str], str | None, int]:
    """A request form's POST (counter or online): the redirect to the new request, or what goes back
    on the form (each field's problem, the message above it, the status)."""
    if not form.validate():
        return None, {}, _("Some fields are not valid."), 400
    try:
        req = submit()
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        problems = exc.fields if isinstance(exc, InvalidRequest) else {}
        return None, problems, exc.message, exc.status
    flash(done, "success")
    return redirect(url_for("smart_government.letters.letter_request", request_id=req.id)), {}, None, 200


@routes.route("/letters/counter", methods=["GET", "POST"])
@login_required
def letter_counter() -> ResponseReturnValue:
    """Staff enter a request for a resident at the counter: find them by NIK or name, pick the
    letter, fill it in."""
    tenant, access_scope, _user = require(LETTERS_PROCESS)
    if access_scope.kind == "own":
        abort(403)
    scope = access_scope.hamlet_id
    q = (request.args.get("q") or "").strip()
    found: list[Resident] = []
    if q:
        try:
            found = list(db.session.scalars(listing.search(db.session, q=q, hamlet_scope=scope).limit(20)))
        except ServiceError as exc:
            abort(400, exc.message)
    resident = None
    if request.args.get("resident"):
        resident = _service(registry.get_resident, db.session, request.args["resident"], hamlet_scope=scope)
    types = letter_types.list_types(db.session, active_only=True)
    letter_type = None
    if resident is not None and request.args.get("type"):
        letter_type = _service(letter_types.get_type, db.session, request.args["type"])
    form = RequestForm()
    problems: dict[str, str] = {}
    form_error, status = None, 200
    if request.method == "POST":
        if resident is None or letter_type is None:
            abort(400)
        data, uploads, seen = _request_values(letter_type)
        done, problems, form_error, status = _submitted(
            form,
            lambda: letters.submit_counter(
                db.session,
                tenant,
                current_user,
                resident.id,
                letter_type.id,
                purpose=form.purpose.data,
                data=data,
                uploads=uploads,
                originals_seen=seen,
            ),
            _("The request is entered."),
        )
        if done is not None:
            return done
    return render_template(
        T + "counter.html",
        q=q,
        found=found,
        resident=resident,
        types=types,
        letter_type=letter_type,
        form=form,
        problems=problems,
        values=request.form,
        form_error=form_error,
        hamlets=hamlet_names(),
    ), status


@routes.route("/letters/mine")
@login_required
def my_letters() -> ResponseReturnValue:
    """The signed-in resident's requests, their state and timeline, and the issued PDFs."""
    tenant = visible_village()
    resident = accounts.resident_of(current_user, db.session)
    pagination = paginate(letters.my_requests(db.session, current_user))
    ids = [req.id for req in pagination.items if req.status == RequestStatus.ISSUED]
    issued = {
        letter.request_id: letter
        for letter in db.session.scalars(select(Letter).where(Letter.request_id.in_(ids)))
    }
    hamlets = hamlet_names()
    next_steps = {
        req.id: next_actor(db.session, tenant, req, hamlets.get(req.hamlet_id)) for req in pagination.items
    }
    return render_template(
        T + "mine.html",
        resident=resident,
        pagination=pagination,
        page_url=page_links("smart_government.letters.my_letters"),
        types=_types(),
        issued=issued,
        next_steps=next_steps,
        may_request=resident is not None and can(current_user, LETTERS_REQUEST, tenant),
    )


@routes.route("/letters/request", methods=["GET", "POST"])
@login_required
def request_letter() -> ResponseReturnValue:
    """A resident asks for a letter online (only the types the village serves online)."""
    tenant = require(LETTERS_REQUEST).tenant
    resident = accounts.resident_of(current_user, db.session)
    if resident is None:
        abort(403)
    types = letter_types.list_types(db.session, active_only=True, online_only=True)
    letter_type = None
    if request.args.get("type"):
        letter_type = _service(letter_types.get_type, db.session, request.args["type"])
    form = RequestForm()
    problems: dict[str, str] = {}
    form_error, status = None, 200
    if letter_type is not None and not letter_type.online:
        form_error, status = (
            _("%(title)s is only served in person at the village office.", title=letter_type.title),
            400,
        )
    offered = on_file(db.session, tenant, current_user, resident, letter_type) if letter_type else {}
    choices = {key: request.form.get(f"onfile_{key}", "keep") for key in offered}
    if request.method == "POST":
        if letter_type is None:
            abort(400)
        data, uploads, _seen = _request_values(letter_type)
        kept = chosen(offered, choices, set(uploads))
        done, problems, form_error, status = _submitted(
            form,
            lambda: letters.submit_online(
                db.session,
                tenant,
                current_user,
                letter_type.id,
                purpose=form.purpose.data,
                data=data,
                uploads=uploads,
                attached=kept,
            ),
            _("Your request is sent. You can follow it here."),
        )
        if done is not None:
            return done
    return render_template(
        T + "request_form.html",
        types=types,
        letter_type=letter_type,
        form=form,
        problems=problems,
        values=request.form,
        form_error=form_error,
        resident=resident,
        on_file=offered,
        choices=choices,
    ), status
