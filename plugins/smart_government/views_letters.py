"""Pages of the letter services, on the pillar's blueprint (``/desa/<slug>/smart_government/letters/…``).

Staff: the request queue (a hamlet head sees their hamlet only), a request's page with its timeline
and the buttons the user may press, the counter form, letter types and the letter settings.
Residents: "My letters" and "Request a letter". Anyone: the verification page behind the QR code
(``/verify/<token>``), rate limited. Every page goes through ``letters``/``issuing``, the same
rules as the API.
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from desacerdas.auth.permissions import can, can_see_village
from desacerdas.extensions import db, limiter
from desacerdas.models import Tenant, Visibility
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.web.downloads import send_version
from desacerdas.web.pagination import page_links, paginate
from desacerdas.web.tenant import current_tenant

from . import accounts, issuing, letter_types, letters, registry
from .letter_pdf import DELEGATION_PREFIXES
from .models import Resident
from .models_letters import Letter, LetterRequest, LetterType, RequestStatus
from .numbering import NumberFormatError, format_number, village_letter_code
from .page_helpers import ConfirmForm, hamlet_names
from .plugin import plugin
from .village_settings import NAME, settings_for, terms_for

bp = plugin.pages
bp.template_folder = "templates"

T = "smart_government/letters/"
REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
SETTING_KEYS = (
    "number_format",
    "number_per_type",
    "verification_step",
    "approval_step",
    "office_name",
    "office_address",
    "letter_place",
    "term_village_head",
    "term_hamlet",
    "term_hamlet_head",
)


# -- forms -----------------------------------------------------------------------------------------


class QueueFilter(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("State"), choices=[], validate_choice=False)
    type = SelectField(_l("Letter"), choices=[], validate_choice=False)


class ActionForm(FlaskForm):
    """Every move of a request posts this form (only the fields its action needs are shown)."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    prefix = SelectField(_l("Signing for the village head as"), choices=[], validate_choice=False)
    title = StringField(_l("Your office"), validators=[Optional(), Length(max=100, message=TOO_LONG)])
    id_line = StringField(_l("ID line (e.g. NIP)"), validators=[Optional(), Length(max=80, message=TOO_LONG)])


class RequestForm(FlaskForm):
    """CSRF and the purpose; the type's own fields and attachments are read from the form by name."""

    purpose = StringField(
        _l("What is the letter for?"),
        validators=[Optional(), Length(max=300, message=TOO_LONG)],
        description=_l("For example: applying for a job, a scholarship, a bank loan."),
    )


class TypeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=REQUIRED), Length(max=20, message=TOO_LONG)],
        description=_l("Printed in the letter number, e.g. SKD. Capital letters, digits, dots or dashes."),
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(message=REQUIRED), Length(max=150, message=TOO_LONG)]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=1000, message=TOO_LONG)]
    )
    validity_days = IntegerField(
        _l("Valid for (days)"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description=_l("Empty: no end of validity."),
    )
    online = BooleanField(_l("Residents may request it online"))
    position = IntegerField(_l("Position in lists"), validators=[Optional()])
    fields_text = TextAreaField(
        _l("Fields to fill"),
        validators=[Optional(), Length(max=4000, message=TOO_LONG)],
        description=_l(
            "One per line: name | label | required or optional | kind (text, textarea, date, number). "
            "The name is used as ${name} in the template."
        ),
    )
    attachments_text = TextAreaField(
        _l("Attachments"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
        description=_l("One per line: key | label | required or optional."),
    )
    template = TextAreaField(
        _l("Letter text"),
        validators=[DataRequired(message=REQUIRED), Length(max=10000, message=TOO_LONG)],
        description=_l("Indonesian text with ${placeholders}: the resident's data and this type's fields."),
    )


class SettingsForm(FlaskForm):
    number_format = StringField(
        _l("Number format"), validators=[DataRequired(message=REQUIRED), Length(max=120, message=TOO_LONG)]
    )
    number_per_type = BooleanField(_l("Each letter type counts its own numbers"))
    verification_step = BooleanField(_l("Requests are verified first (hamlet head or staff)"))
    approval_step = BooleanField(_l("Verified requests are approved before signing"))
    office_name = StringField(
        _l("Office name on the letterhead"),
        validators=[Optional(), Length(max=120, message=TOO_LONG)],
        description=_l("Empty: DESA and the village's name."),
    )
    office_address = StringField(
        _l("Office address on the letterhead"), validators=[Optional(), Length(max=300, message=TOO_LONG)]
    )
    letter_place = StringField(
        _l("Place written before the date"),
        validators=[Optional(), Length(max=80, message=TOO_LONG)],
        description=_l("Empty: the village's name."),
    )
    term_village_head = StringField(
        _l("Local word for the village head"), validators=[DataRequired(message=REQUIRED), Length(max=60)]
    )
    term_hamlet = StringField(
        _l("Local word for a hamlet"), validators=[DataRequired(message=REQUIRED), Length(max=60)]
    )
    term_hamlet_head = StringField(
        _l("Local word for a hamlet head"), validators=[DataRequired(message=REQUIRED), Length(max=60)]
    )
    logo = FileField(_l("Logo (PNG or JPEG)"))
    remove_logo = BooleanField(_l("Remove the logo"))


class VerifyForm(FlaskForm):
    file = FileField(_l("The PDF you received"))


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
        return letters.staff_scope(current_user, tenant)
    except ServiceError:
        abort(403)


def _service(fn, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN001
    """Call a service; its 404 becomes the page's 404 (other refusals are shown by the caller)."""
    try:
        return fn(*args, **kwargs)
    except NotFound:
        abort(404)


@bp.context_processor
def _letter_helpers() -> dict[str, Any]:
    return {
        "letter_status_label": letters.status_label,
        "letter_action_label": letters.action_label,
    }


def _names(ids: set[uuid.UUID]) -> dict[uuid.UUID, Resident]:
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_(ids)))}


def _types() -> dict[uuid.UUID, LetterType]:
    return {t.id: t for t in db.session.scalars(select(LetterType))}


# -- the staff queue -------------------------------------------------------------------------------


@bp.route("/letters/requests")
@login_required
def letter_requests() -> ResponseReturnValue:
    tenant = _allowed(letters.VIEW)
    _staff_scope(tenant)
    form = QueueFilter(request.args)
    types = _types()
    form.status.choices = [("", _("Open requests")), ("all", _("All"))] + [
        (s.value, letters.status_label(s)) for s in RequestStatus
    ]
    form.type.choices = [("", _("All letters"))] + [
        (str(t.id), t.title) for t in sorted(types.values(), key=lambda t: (t.position, t.title))
    ]
    status = request.args.get("status") or None
    type_id = request.args.get("type") or None
    try:
        stmt = letters.queue(
            db.session,
            tenant,
            current_user,
            status=None if status in (None, "all") else status,
            type_id=type_id,
            open_only=status is None,
        )
    except NotFound:
        abort(404)
    except ServiceError as exc:
        abort(400, exc.message)
    pagination = paginate(stmt)
    return render_template(
        T + "queue.html",
        form=form,
        pagination=pagination,
        page_url=page_links("smart_government.letter_requests"),
        people=_names({r.resident_id for r in pagination.items}),
        types=types,
        hamlets=hamlet_names(),
        filtered=bool(status or type_id),
        may_enter=can(current_user, letters.PROCESS, tenant),
        may_configure=can(current_user, letters.CONFIGURE, tenant),
        terms=terms_for(tenant),
    )


# -- one request -----------------------------------------------------------------------------------


def _render_request(
    tenant: Tenant,
    req: LetterRequest,
    form: ActionForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    letter_type = db.session.scalar(select(LetterType).where(LetterType.id == req.type_id))
    resident = db.session.scalar(select(Resident).where(Resident.id == req.resident_id))
    actions = letters.allowed_actions(db.session, tenant, current_user, req)
    form = form or ActionForm(formdata=None)
    is_head = letters._is_village_head(current_user, tenant)  # noqa: SLF001
    form.prefix.choices = [("", "—"), *((p, p) for p in DELEGATION_PREFIXES)]
    letter = issuing.letter_for_request(db.session, req)
    return render_template(
        T + "request.html",
        req=req,
        letter_type=letter_type,
        resident=resident,
        steps=letters.timeline(req),
        actions=actions,
        form=form,
        form_error=error,
        is_head=is_head,
        own_title=letters.own_title(current_user, tenant),
        letter=letter,
        verification=issuing.verification(tenant, letter) if letter else None,
        may_revoke=letter is not None
        and letter.revoked_at is None
        and can(current_user, letters.ISSUE, tenant),
        is_staff=can(current_user, letters.VIEW, tenant),
        hamlets=hamlet_names(),
        confirm=ConfirmForm(formdata=None),
    ), status


@bp.route("/letters/requests/<uuid:request_id>")
@login_required
def letter_request(request_id: uuid.UUID) -> ResponseReturnValue:
    tenant = _village()
    req = _service(letters.get_request, db.session, tenant, current_user, request_id)
    return _render_request(tenant, req)


@bp.route("/letters/requests/<uuid:request_id>/<action>", methods=["POST"])
@login_required
def letter_request_action(request_id: uuid.UUID, action: str) -> ResponseReturnValue:
    tenant = _village()
    if action not in letters.ACTIONS:
        abort(404)
    req = _service(letters.get_request, db.session, tenant, current_user, request_id)
    form = ActionForm()
    form.prefix.choices = [("", "—"), *((p, p) for p in DELEGATION_PREFIXES)]
    if not form.validate():
        return _render_request(tenant, req, form, _("Some fields are not valid."), 400)
    try:
        letters.transition(
            db.session,
            tenant,
            req,
            current_user,
            action,
            reason=form.reason.data,
            note=form.note.data,
            prefix=form.prefix.data or None,
            title=form.title.data,
            id_line=form.id_line.data,
        )
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        req = _service(letters.get_request, db.session, tenant, current_user, request_id)
        return _render_request(tenant, req, form, exc.message, exc.status)
    messages = {
        "verify": _("The request is verified."),
        "approve": _("The request is approved."),
        "sign": _("The request is signed."),
        "issue": _("The letter is issued."),
        "reject": _("The request is rejected."),
        "cancel": _("The request is cancelled."),
    }
    flash(messages[action], "success")
    return redirect(url_for("smart_government.letter_request", request_id=req.id))


@bp.route("/letters/requests/<uuid:request_id>/attachments/<key>")
@login_required
def letter_attachment(request_id: uuid.UUID, key: str) -> ResponseReturnValue:
    """An attachment of a request, for whoever may see the request (hamlet heads included)."""
    tenant = _village()
    req = _service(letters.get_request, db.session, tenant, current_user, request_id)
    document_id = (req.attachments or {}).get(key)
    if not document_id:
        abort(404)
    document = _service(docs.get, uuid.UUID(document_id))
    return send_version(docs.version(document), Visibility.OWNER, attachment=False)


@bp.route("/letters/<uuid:letter_id>/pdf")
@login_required
def letter_download(letter_id: uuid.UUID) -> ResponseReturnValue:
    """The issued PDF (a reprint is the same stored file: same bytes, same SHA-256)."""
    tenant = _village()
    letter = _service(issuing.get_letter, db.session, tenant, current_user, letter_id)
    version = _service(issuing.reprint, db.session, tenant, letter, current_user)
    return send_version(version, Visibility.OWNER, attachment=request.args.get("inline") != "1")


@bp.route("/letters/<uuid:letter_id>/revoke", methods=["POST"])
@login_required
def letter_revoke(letter_id: uuid.UUID) -> ResponseReturnValue:
    tenant = _village()
    letter = _service(issuing.get_letter, db.session, tenant, current_user, letter_id)
    form = ActionForm()
    form.prefix.choices = [("", "—")]
    req = db.session.scalar(select(LetterRequest).where(LetterRequest.id == letter.request_id))
    if not form.validate():
        return _render_request(tenant, req, form, _("Some fields are not valid."), 400)
    try:
        issuing.revoke(db.session, tenant, letter, current_user, form.reason.data)
    except ServiceError as exc:
        db.session.rollback()
        return _render_request(tenant, req, form, exc.message, exc.status)
    flash(_("The letter is revoked; its verification page says so."), "success")
    return redirect(url_for("smart_government.letter_request", request_id=req.id))


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


def _field_problems(exc: ServiceError) -> dict[str, str]:
    return exc.fields if isinstance(exc, letters.InvalidRequest) else {}


@bp.route("/letters/counter", methods=["GET", "POST"])
@login_required
def letter_counter() -> ResponseReturnValue:
    """Staff enter a request for a resident at the counter: find them by NIK or name, pick the
    letter, fill it in."""
    tenant = _allowed(letters.PROCESS)
    scope = _staff_scope(tenant)
    q = (request.args.get("q") or "").strip()
    found: list[Resident] = []
    if q:
        try:
            found = list(db.session.scalars(registry.search(db.session, q=q, hamlet_scope=scope).limit(20)))
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
        if form.validate():
            data, uploads, seen = _request_values(letter_type)
            try:
                req = letters.submit_counter(
                    db.session,
                    tenant,
                    current_user,
                    resident.id,
                    letter_type.id,
                    purpose=form.purpose.data,
                    data=data,
                    uploads=uploads,
                    originals_seen=seen,
                )
            except NotFound:
                abort(404)
            except ServiceError as exc:
                db.session.rollback()
                problems, form_error, status = _field_problems(exc), exc.message, exc.status
            else:
                flash(_("The request is entered."), "success")
                return redirect(url_for("smart_government.letter_request", request_id=req.id))
        else:
            form_error, status = _("Some fields are not valid."), 400
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


@bp.route("/letters/mine")
@login_required
def my_letters() -> ResponseReturnValue:
    """The signed-in resident's requests, their state and timeline, and the issued PDFs."""
    tenant = _village()
    resident = accounts.resident_of(current_user, db.session)
    pagination = paginate(letters.my_requests(db.session, current_user))
    ids = [req.id for req in pagination.items if req.status == RequestStatus.ISSUED]
    issued = {
        letter.request_id: letter
        for letter in db.session.scalars(select(Letter).where(Letter.request_id.in_(ids)))
    }
    return render_template(
        T + "mine.html",
        resident=resident,
        pagination=pagination,
        page_url=page_links("smart_government.my_letters"),
        types=_types(),
        issued=issued,
        may_request=resident is not None and can(current_user, letters.REQUEST, tenant),
    )


@bp.route("/letters/request", methods=["GET", "POST"])
@login_required
def request_letter() -> ResponseReturnValue:
    """A resident asks for a letter online (only the types the village serves online)."""
    tenant = _allowed(letters.REQUEST)
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
    if request.method == "POST":
        if letter_type is None:
            abort(400)
        if form.validate():
            data, uploads, _seen = _request_values(letter_type)
            try:
                req = letters.submit_online(
                    db.session,
                    tenant,
                    current_user,
                    letter_type.id,
                    purpose=form.purpose.data,
                    data=data,
                    uploads=uploads,
                )
            except NotFound:
                abort(404)
            except ServiceError as exc:
                db.session.rollback()
                problems, form_error, status = _field_problems(exc), exc.message, exc.status
            else:
                flash(_("Your request is sent. You can follow it here."), "success")
                return redirect(url_for("smart_government.letter_request", request_id=req.id))
        else:
            form_error, status = _("Some fields are not valid."), 400
    return render_template(
        T + "request_form.html",
        types=types,
        letter_type=letter_type,
        form=form,
        problems=problems,
        values=request.form,
        form_error=form_error,
        resident=resident,
    ), status


# -- letter types ----------------------------------------------------------------------------------


@bp.route("/letters/types", endpoint="letter_types")
@login_required
def letter_types_page() -> ResponseReturnValue:
    _allowed(letters.CONFIGURE)
    return render_template(
        T + "types.html", types=letter_types.list_types(db.session), confirm=ConfirmForm(formdata=None)
    )


def _lines_to_fields(text: str) -> list[dict[str, Any]]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (4 - len(parts))
        out.append(
            {
                "name": parts[0],
                "label": parts[1],
                "required": parts[2].lower() not in ("optional", "opsional", "no", "tidak"),
                "kind": parts[3] or "text",
            }
        )
    return out


def _lines_to_attachments(text: str) -> list[dict[str, Any]]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (3 - len(parts))
        out.append(
            {
                "key": parts[0],
                "label": parts[1],
                "required": parts[2].lower() not in ("optional", "opsional", "no", "tidak"),
            }
        )
    return out


def _fields_to_lines(fields: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(
            (f["name"], f["label"], "required" if f.get("required") else "optional", f.get("kind", "text"))
        )
        for f in fields or []
    )


def _attachments_to_lines(attachments: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{a['key']} | {a['label']} | {'required' if a.get('required') else 'optional'}"
        for a in attachments or []
    )


def _type_data(form: TypeForm) -> dict[str, Any]:
    return {
        "code": form.code.data,
        "title": form.title.data,
        "description": form.description.data,
        "validity_days": form.validity_days.data,
        "online": form.online.data,
        "position": form.position.data,
        "fields": _lines_to_fields(form.fields_text.data),
        "attachments": _lines_to_attachments(form.attachments_text.data),
        "template": form.template.data,
    }


def _type_form_page(
    form: TypeForm, letter_type: LetterType | None, error: str | None, status: int
) -> ResponseReturnValue:
    return render_template(
        T + "type_form.html",
        form=form,
        letter_type=letter_type,
        form_error=error,
        placeholders=letter_types.RESIDENT_PLACEHOLDERS,
    ), status


@bp.route("/letters/types/new", methods=["GET", "POST"])
@login_required
def letter_type_new() -> ResponseReturnValue:
    tenant = _allowed(letters.CONFIGURE)
    form = TypeForm()
    if request.method == "GET":
        form.online.data = True
    if form.validate_on_submit():
        try:
            created = letter_types.create_type(db.session, tenant, _type_data(form), current_user)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            return _type_form_page(form, None, exc.message, exc.status)
        flash(_("Letter type %(code)s added.", code=created.code), "success")
        return redirect(url_for("smart_government.letter_types"))
    return _type_form_page(form, None, None, 400 if form.is_submitted() else 200)


@bp.route("/letters/types/<uuid:type_id>/edit", methods=["GET", "POST"])
@login_required
def letter_type_edit(type_id: uuid.UUID) -> ResponseReturnValue:
    tenant = _allowed(letters.CONFIGURE)
    letter_type = _service(letter_types.get_type, db.session, type_id)
    form = TypeForm(obj=letter_type if request.method == "GET" else None)
    if request.method == "GET":
        form.fields_text.data = _fields_to_lines(letter_type.fields)
        form.attachments_text.data = _attachments_to_lines(letter_type.attachments)
    if form.validate_on_submit():
        try:
            letter_types.update_type(db.session, tenant, letter_type, _type_data(form), current_user)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            letter_type = _service(letter_types.get_type, db.session, type_id)
            return _type_form_page(form, letter_type, exc.message, exc.status)
        flash(_("Letter type %(code)s saved.", code=letter_type.code), "success")
        return redirect(url_for("smart_government.letter_types"))
    return _type_form_page(form, letter_type, None, 400 if form.is_submitted() else 200)


@bp.route("/letters/types/<uuid:type_id>/active", methods=["POST"])
@login_required
def letter_type_active(type_id: uuid.UUID) -> ResponseReturnValue:
    tenant = _allowed(letters.CONFIGURE)
    letter_type = _service(letter_types.get_type, db.session, type_id)
    if not ConfirmForm().validate():
        abort(400)
    letter_types.set_active(db.session, tenant, letter_type, not letter_type.active, current_user)
    db.session.commit()
    flash(
        _("%(title)s is offered again.", title=letter_type.title)
        if letter_type.active
        else _("%(title)s is no longer offered.", title=letter_type.title),
        "success",
    )
    return redirect(url_for("smart_government.letter_types"))


# -- settings --------------------------------------------------------------------------------------


def _preview(tenant: Tenant, fmt: str) -> tuple[str | None, str | None]:
    """(preview, error) of a number format, as the first SKD letter of today would get it."""
    try:
        return format_number(
            fmt, type_code="SKD", seq=1, village_code=village_letter_code(tenant), when=date.today()
        ), None
    except NumberFormatError as exc:
        return None, str(exc)


def _readable_logo(stream: Any) -> bytes:
    """The logo's bytes if the letter PDF can print them (a broken image is refused here, not at
    the first letter)."""
    from PIL import Image, UnidentifiedImageError

    data = stream.read(docs.max_bytes() + 1)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.format not in ("PNG", "JPEG"):
                raise ValueError(image.format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ServiceError(_("The logo must be a PNG or JPEG image that opens."), "invalid_logo") from None
    return data


@bp.route("/letters/settings", methods=["GET", "POST"])
@login_required
def letter_settings() -> ResponseReturnValue:
    tenant = _allowed(letters.CONFIGURE)
    values = settings_for(tenant)
    form = SettingsForm(data={k: values.get(k) for k in SETTING_KEYS} if request.method == "GET" else None)
    form_error, status = None, 200
    if request.method == "POST" and form.validate():
        changes = {k: getattr(form, k).data for k in SETTING_KEYS}
        preview, problem = _preview(tenant, changes["number_format"])
        if problem:
            form.number_format.errors = [*form.number_format.errors, problem]
            form_error, status = problem, 400
        elif request.form.get("preview"):
            pass  # show the preview of the typed format without saving
        else:
            try:
                upload = form.logo.data
                if form.remove_logo.data:
                    changes["logo_document_id"] = ""
                elif upload is not None and getattr(upload, "filename", ""):
                    data = _readable_logo(upload.stream)
                    logo = docs.store(
                        tenant,
                        docs.NewFile(io.BytesIO(data), upload.filename),
                        title=_("Letterhead logo"),
                        kind="photo",
                        plugin="smart_government",
                        object_id="letterhead",
                        visibility=Visibility.STAFF,
                        actor=current_user,
                    )
                    changes["logo_document_id"] = str(logo.id)
                plugin_settings.update(NAME, changes, tenant=tenant, actor=current_user)
            except ServiceError as exc:
                db.session.rollback()
                form_error, status = exc.message, exc.status
            else:
                flash(_("Letter settings saved."), "success")
                return redirect(url_for("smart_government.letter_settings"))
    elif request.method == "POST":
        form_error, status = _("Some fields are not valid."), 400
    preview, problem = _preview(tenant, form.number_format.data or values["number_format"])
    return render_template(
        T + "settings.html",
        form=form,
        form_error=form_error,
        preview=preview,
        preview_error=problem,
        has_logo=bool(values.get("logo_document_id")),
        placeholders=["{type_code}", "{seq:03}", "{village_code}", "{month_roman}", "{month:02}", "{year}"],
    ), status


@bp.route("/letters/settings/preview")
@login_required
def letter_number_preview() -> ResponseReturnValue:
    """The live preview of the settings page (a small script asks it while the format is typed)."""
    tenant = _allowed(letters.CONFIGURE)
    preview, problem = _preview(tenant, request.args.get("format", ""))
    return jsonify(preview=preview, error=problem), 200 if problem is None else 400


# -- public verification ---------------------------------------------------------------------------


@bp.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit(issuing.verify_limit)
def verify_letter(token: str) -> ResponseReturnValue:
    """Anyone holding the letter (a bank, a school) checks it: no sign-in. Only this village's
    letters are found here."""
    tenant = current_tenant()
    letter = _service(issuing.find_by_token, db.session, token)
    form = VerifyForm()
    outcome, form_error, status = None, None, 200
    if request.method == "POST":
        upload = form.file.data if form.validate() else None
        if upload is None or not getattr(upload, "filename", ""):
            form_error, status = _("Choose the PDF file to compare."), 400
        else:
            try:
                data = issuing.read_pdf_upload(
                    upload.stream, current_app.config.get("SG_VERIFY_MAX_BYTES", issuing.VERIFY_MAX_BYTES)
                )
            except ServiceError as exc:
                form_error, status = exc.message, exc.status
            else:
                outcome = issuing.matches(letter, data)
    response = render_template(
        T + "verify.html",
        v=issuing.verification(tenant, letter),
        form=form,
        outcome=outcome,
        form_error=form_error,
        token=token,
    )
    return response, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
