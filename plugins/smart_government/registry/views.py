"""Pages of the population registry, on the pillar's blueprint (``/desa/<slug>/smart_government/``).

Every page goes through the registry service: the same rules as the API and imports. Access is the
kit's (``desacerdas.kit.access``): 404 to outsiders, 403 without the permission; a hamlet head sees
and edits only their hamlet (``Scope.staff_hamlet``), and a record outside it is 404. The list is
the registry's ``listing.RESIDENTS``; forms go through ``desacerdas.kit.forms.handle``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField

from desacerdas.extensions import db
from desacerdas.kit import terms as village_terms
from desacerdas.kit.access import may, require, scope_for
from desacerdas.kit.forms import handle
from desacerdas.models import Tenant, User
from desacerdas.services import ServiceError, personal_data
from desacerdas.web.tenant import current_tenant

from ..pages import Routes, hamlet_names, hamlets
from ..permissions import ACCOUNTS_MANAGE, LETTERS_PROCESS, RESIDENTS_EDIT, RESIDENTS_VIEW
from . import listing, statistics, vocabulary
from . import service as registry
from .forms import EventForm, FilterForm, NikForm, ReasonForm, ResidentForm
from .models import CivilEvent, EventKind, Family, Resident, ResidentStatus, Sex

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them

SEX_LABELS = {Sex.MALE.value: _l("Male"), Sex.FEMALE.value: _l("Female")}
STATUS_LABELS = {
    ResidentStatus.LIVING.value: _l("Living"),
    ResidentStatus.DIED.value: _l("Died"),
    ResidentStatus.MOVED_OUT.value: _l("Moved out"),
    ResidentStatus.MISSING.value: _l("Missing"),
}
EVENT_LABELS = {
    EventKind.BIRTH.value: _l("Birth"),
    EventKind.DEATH.value: _l("Death"),
    EventKind.MOVE_IN.value: _l("Moved in"),
    EventKind.MOVE_OUT.value: _l("Moved out"),
    EventKind.MISSING.value: _l("Missing"),
    EventKind.CORRECTION.value: _l("Data correction"),
}
SORT_LABELS = {"name": _l("Name"), "birth_date": _l("Date of birth"), "nik": _l("NIK")}


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [("", "—"), *((v, v) for v in values)]


# -- access ------------------------------------------------------------------------------------------


def may_import(user: User, tenant: Tenant) -> bool:
    """Imports write anywhere in the village: the edit permission for the whole village, not a
    hamlet (for the page's link; the import pages refuse the others with 403)."""
    try:
        return scope_for(user, tenant, RESIDENTS_EDIT).village_wide
    except ServiceError:
        return False


def _done(message: str, resident_id: uuid.UUID) -> Response:
    flash(message, "success")
    return redirect(url_for(".resident", resident_id=resident_id))


def viewer(tenant: Tenant, user: User) -> personal_data.Viewer:
    """Who sees what in this request (masked for a regency admin or facilitator); once per request."""
    found = g.get("_pd_viewer")
    if found is None:
        found = g._pd_viewer = personal_data.Viewer(db.session, user, tenant)
    return found


def _show(record: Any) -> Any:
    found = g.get("_pd_viewer")
    return found.show(record) if found is not None else record


def _translated(labels: dict[str, Any]) -> Any:
    """A label function for templates that translates each value once per page, not once per row
    (a list of 20 rows asked for the same two words 20 times each)."""
    done: dict[Any, str] = {}

    def label(value: Any) -> str:
        key = getattr(value, "value", value)
        found = done.get(key)
        if found is None:
            found = done[key] = str(labels.get(key, value))
        return found

    return label


def url_maker(endpoint: str, argument: str) -> Any:
    """``url_for(endpoint, argument=<uuid>)`` for many rows: the route built once per page, then
    each row's id put in (a UUID needs no escaping)."""
    placeholder = str(uuid.UUID(int=0))
    template = url_for(endpoint, **{argument: placeholder})
    head, _sep, tail = template.partition(placeholder)
    return lambda value: f"{head}{value}{tail}"


@routes.context_processor
def _labels() -> dict[str, Any]:
    found = g.get("_pd_viewer")
    return {
        "shown": _show,
        "data_masked": bool(found and found.masking and not found.list_open),
        "sex_label": _translated(SEX_LABELS),
        "status_label": _translated(STATUS_LABELS),
        "event_label": _translated(EVENT_LABELS),
        "not_recorded": statistics.NOT_RECORDED,
    }


# -- residents ---------------------------------------------------------------------------------------


FILTERS_CACHE_SIZE = 5000  # rendered filter forms per app; cleared whole when full


def filters_html(form: FilterForm) -> Markup:
    """The list's filter fields, rendered once per distinct form and remembered per app.

    WTForms renders the six fields and their options for every request (a tenth of the page's
    time); the HTML depends only on the language, the fields' labels, choices and chosen values,
    which are the cache key. A typed search (free text) is rendered and never remembered."""

    def render() -> Markup:
        html = render_template("smart_government/_residents_filters.html", form=form)
        return Markup(html)  # noqa: S704 - a rendered, autoescaped template

    if form.q.data:
        return render()
    fields = (form.hamlet, form.sex, form.age, form.status, form.sort)
    # a chosen value that is no choice renders as no choice: one key for all of them
    chosen = [f.data if any(f.data == value for value, _label in f.choices) else None for f in fields]
    key = (
        str(get_locale()),
        *((str(f.label.text), tuple(f.choices), c) for f, c in zip(fields, chosen, strict=True)),
    )
    cache = current_app.extensions.setdefault("smart_government_filters", {})
    html = cache.get(key)
    if html is None:
        html = render()
        if len(cache) >= FILTERS_CACHE_SIZE:
            cache.clear()
        cache[key] = html
    return html


@routes.route("/residents")
@login_required
def residents() -> ResponseReturnValue:
    tenant, scope, user = require(RESIDENTS_VIEW)
    masked = viewer(tenant, user).masking and not viewer(tenant, user).list_open
    form = FilterForm(request.args)
    staff_hamlet = scope.staff_hamlet()
    shown_hamlets = hamlets(staff_hamlet)
    form.hamlet.choices = [("", _("All hamlets")), *((str(h.id), h.name) for h in shown_hamlets)]
    form.hamlet.label.text = village_terms.terms_for(tenant).hamlet
    form.sex.choices = [("", _("Any")), *((k, str(v)) for k, v in SEX_LABELS.items())]
    form.age.choices = [("", _("Any")), *((b, b) for b in statistics.AGE_BANDS)]
    form.status.choices = [("", _("Any")), *((k, str(v)) for k, v in STATUS_LABELS.items())]
    form.sort.choices = [(k, str(v)) for k, v in SORT_LABELS.items() if not masked or k == "name"]
    args = listing.masked_args(request.args) if masked else request.args  # digits match nothing
    result = listing.RESIDENTS.apply(listing.visible(scope), args)  # a bad filter: ListError → 400
    # every hamlet's name (a row may sit in any): the list above already is all of them, unless the
    # caller is a hamlet head
    names = {h.id: h.name for h in shown_hamlets} if staff_hamlet is None else hamlet_names()
    return render_template(
        "smart_government/residents.html",
        form=form,
        filters=filters_html(form),
        pagination=result,
        page_url=result.page_url("smart_government.registry.residents"),
        hamlet_names=names,
        filtered=result.filtered,
        may_edit=may(user, tenant, RESIDENTS_EDIT),
        may_import=may_import(user, tenant),
        export_url=lambda fmt: url_for(".export_residents", **result.query_args(format=fmt)),
        resident_url=url_maker(".resident", "resident_id"),
    )


@routes.route("/residents/<uuid:resident_id>")
@login_required
def resident(resident_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope, user = require(RESIDENTS_VIEW)
    person = registry.get_resident(db.session, resident_id, hamlet_scope=scope.staff_hamlet())  # → 404
    events = db.session.scalars(
        select(CivilEvent)
        .where(CivilEvent.resident_id == person.id)
        .order_by(CivilEvent.event_date.desc(), CivilEvent.recorded_at.desc())
    ).all()
    seen = viewer(tenant, user)
    return render_template(
        "smart_government/resident.html",
        person=seen.show(person),
        person_masked=not seen.is_open(person.id),
        events=events if seen.is_open(person.id) else [],  # the birth event's date is the birth date
        hamlet_names=hamlet_names(),
        may_edit=may(user, tenant, RESIDENTS_EDIT),
        may_manage_account=may(user, tenant, ACCOUNTS_MANAGE),
        may_counter=may(user, tenant, LETTERS_PROCESS),
        form=_event_form(),
    )


@routes.route("/families/<uuid:family_id>")
@login_required
def family(family_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope, user = require(RESIDENTS_VIEW)
    viewer(tenant, user)
    hamlet = scope.staff_hamlet()
    kk = registry.get_family(db.session, family_id, hamlet_scope=hamlet)
    members = db.session.scalars(
        listing.search(db.session, family_id=kk.id, sort="birth_date", hamlet_scope=hamlet)
    ).all()
    return render_template(
        "smart_government/family.html", family=_show(kk), members=members, hamlet_names=hamlet_names()
    )


@routes.route("/residents/full-data", methods=["GET", "POST"])
@routes.route("/residents/<uuid:resident_id>/full-data", methods=["GET", "POST"])
@login_required
def full_data(resident_id: uuid.UUID | None = None) -> ResponseReturnValue:
    """A regency admin or facilitator states a reason to see one resident's full data (or the
    list's, for ``personal_data.WINDOW``); the opening is logged for the village."""
    tenant, scope, user = require(RESIDENTS_VIEW)
    person = None
    if resident_id is not None:
        person = registry.get_resident(db.session, resident_id, hamlet_scope=scope.staff_hamlet())  # → 404
    back = url_for(".resident", resident_id=resident_id) if person else url_for(".residents")
    if not personal_data.needs_masking(user, tenant):
        return redirect(back)  # village staff see full data already
    form = ReasonForm()
    if form.validate_on_submit():
        personal_data.record_access(db.session, tenant, user, form.reason.data, resident_id=resident_id)
        db.session.commit()
        minutes = int(personal_data.WINDOW.total_seconds() // 60)
        flash(
            _("Full data is shown for %(minutes)d minutes. The village can see this.", minutes=minutes),
            "success",
        )
        return redirect(back)
    status = 400 if form.is_submitted() else 200
    name = person.name if person else None
    return render_template(
        "smart_government/registry/reason_form.html", form=form, name=name, back=back
    ), status


# -- registering and editing a resident ------------------------------------------------------------------

EDITABLE = (
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "hamlet_id",
    "relationship_to_head",
    "religion",
    "marital_status",
    "education",
    "occupation",
    "address",
    "phone",
)


def _resident_form(scope: uuid.UUID | None) -> ResidentForm:
    form = ResidentForm()
    form.sex.choices = [(k, str(v)) for k, v in SEX_LABELS.items()]
    choices = [(str(h.id), h.name) for h in hamlets(scope)]
    form.hamlet_id.choices = choices if scope is not None else [("", "—"), *choices]
    form.hamlet_id.label.text = village_terms.terms_for(current_tenant()).hamlet
    form.relationship_to_head.choices = _choices(vocabulary.RELATIONSHIPS)
    form.religion.choices = _choices(vocabulary.RELIGIONS)
    form.marital_status.choices = _choices(vocabulary.MARITAL_STATUSES)
    form.education.choices = _choices(vocabulary.EDUCATION_LEVELS)
    return form


def _family_for(
    kk_number: str, hamlet_id: str | None, scope: uuid.UUID | None, actor: User
) -> uuid.UUID | None:
    kk_number = (kk_number or "").strip()
    if not kk_number:
        return None
    existing = db.session.scalar(select(Family).where(Family.kk_number == kk_number))
    if existing is not None:
        return registry.get_family(db.session, existing.id, hamlet_scope=scope).id
    created = registry.create_family(
        db.session, kk_number=kk_number, hamlet_id=hamlet_id, actor=actor, hamlet_scope=scope
    )
    return created.id


@routes.route("/residents/new", methods=["GET", "POST"])
@login_required
def add_resident() -> ResponseReturnValue:
    _tenant, scope, user = require(RESIDENTS_EDIT)
    hamlet = scope.staff_hamlet()
    form = _resident_form(hamlet)

    def register() -> Resident:
        data = {name: getattr(form, name).data for name in EDITABLE}
        data["family_id"] = _family_for(form.kk_number.data, data["hamlet_id"] or None, hamlet, user)
        return registry.create_resident(db.session, actor=user, hamlet_scope=hamlet, **data)

    return handle(
        form,
        register,
        template="smart_government/resident_form.html",
        on_success=lambda person: _done(_("%(name)s registered.", name=person.name), person.id),
    )


def _with_current(field: SelectField, value: str | None) -> None:
    """Keep a registered value the form's list does not offer (an import may bring other wording)."""
    if value and value not in {v for v, _label in field.choices}:
        field.choices = [*field.choices, (value, value)]


def _prefill(form: ResidentForm, person: Resident) -> None:
    for name in EDITABLE:
        value = getattr(person, name)
        getattr(form, name).data = str(value) if name == "hamlet_id" and value else value
    form.sex.data = person.sex.value
    form.nik.data = "" if person.nik_temporary else person.nik
    form.kk_number.data = person.family.kk_number if person.family and not person.family.kk_temporary else ""


@routes.route("/residents/<uuid:resident_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resident(resident_id: uuid.UUID) -> ResponseReturnValue:
    _tenant, scope, user = require(RESIDENTS_EDIT)
    hamlet = scope.staff_hamlet()
    person = registry.get_resident(db.session, resident_id, hamlet_scope=hamlet)  # NotFound → 404
    form = _resident_form(hamlet)
    for name in ("relationship_to_head", "religion", "marital_status", "education"):
        _with_current(getattr(form, name), getattr(person, name))
    if not form.is_submitted():
        _prefill(form, person)

    def save() -> Resident:
        data = {name: getattr(form, name).data for name in EDITABLE}
        data["hamlet_id"] = data["hamlet_id"] or None
        if person.nik_temporary and not (data["nik"] or "").strip():
            data.pop("nik")  # the temporary number stays until it is replaced
        kk = (form.kk_number.data or "").strip()
        if kk and kk != (person.family.kk_number if person.family else None):  # a new KK only
            data["family_id"] = _family_for(kk, data["hamlet_id"], hamlet, user)
        return registry.update_resident(person, actor=user, hamlet_scope=hamlet, **data)

    return handle(
        form,
        save,
        template="smart_government/resident_form.html",
        on_success=lambda saved: _done(_("The data of %(name)s was saved.", name=saved.name), saved.id),
        refresh=lambda: {"person": registry.get_resident(db.session, resident_id, hamlet_scope=hamlet)},
    )


@routes.route("/residents/<uuid:resident_id>/nik", methods=["GET", "POST"])
@login_required
def replace_nik(resident_id: uuid.UUID) -> ResponseReturnValue:
    """Replace a temporary number with the real NIK. When another record holds that NIK the
    service refuses and names it (the two are probably one person registered twice): the page
    links to that record so the clerk can compare them."""
    _tenant, scope, user = require(RESIDENTS_EDIT)
    hamlet = scope.staff_hamlet()
    person = registry.get_resident(db.session, resident_id, hamlet_scope=hamlet)
    form = NikForm()
    template = "smart_government/registry/nik_form.html"
    if not person.nik_temporary:
        message = _("This resident already has a real NIK.")
        return render_template(template, person=person, form=form, form_error=message, other=None), 409
    taken: list[str] = []  # the NIK another record holds, when the service says so

    def replace() -> Resident:
        nik = form.nik.data.strip().replace(" ", "")
        try:
            return registry.replace_temporary_nik(person, nik, actor=user, hamlet_scope=hamlet)
        except ServiceError as exc:
            if exc.code == "duplicate_nik":
                taken.append(nik)
            raise

    def refresh() -> dict[str, Any]:
        other = None
        if taken:  # the other record, if the caller may see it (a hamlet head: only in their hamlet)
            other = db.session.scalar(listing.search(db.session, nik=taken[0], hamlet_scope=hamlet))
        return {"person": registry.get_resident(db.session, resident_id, hamlet_scope=hamlet), "other": other}

    return handle(
        form,
        replace,
        template=template,
        on_success=lambda p: _done(_("The NIK of %(name)s is now %(nik)s.", name=p.name, nik=p.nik), p.id),
        refresh=refresh,
    )


def _event_form() -> EventForm:
    form = EventForm()
    form.kind.choices = [(k, str(v)) for k, v in EVENT_LABELS.items()]
    return form


@routes.route("/residents/<uuid:resident_id>/events", methods=["GET", "POST"])
@login_required
def record_event(resident_id: uuid.UUID) -> ResponseReturnValue:
    _tenant, scope, user = require(RESIDENTS_EDIT)
    hamlet = scope.staff_hamlet()
    person = registry.get_resident(db.session, resident_id, hamlet_scope=hamlet)
    form = _event_form()

    def record() -> CivilEvent:
        return registry.record_event(
            person,
            form.kind.data,
            form.event_date.data,
            form.report_date.data or None,
            form.note.data,
            user,
            hamlet_scope=hamlet,
        )

    return handle(
        form,
        record,
        template="smart_government/event_form.html",
        on_success=lambda _event: _done(_("The event was recorded."), resident_id),
        refresh=lambda: {"person": registry.get_resident(db.session, resident_id, hamlet_scope=hamlet)},
    )


# -- statistics --------------------------------------------------------------------------------------


@routes.route("/statistics")
@login_required
def population_statistics() -> ResponseReturnValue:
    _tenant, scope, _user = require(RESIDENTS_VIEW)
    pop = statistics.population(db.session, date.today(), hamlet_scope=scope.staff_hamlet())
    pyramid = []
    for band, male, female in reversed(pop.pyramid):
        pyramid += [(_("%(band)s men", band=band), male), (_("%(band)s women", band=band), female)]

    def rows(counts: dict[str, int]) -> list[tuple[str, int]]:
        return [
            (_("Not recorded") if k == statistics.NOT_RECORDED else k, v)
            for k, v in statistics.as_rows(counts)
        ]

    return render_template(
        "smart_government/statistics.html",
        pop=pop,
        pyramid=pyramid,
        by_sex=[(str(SEX_LABELS[k]), v) for k, v in pop.by_sex.items()],
        by_status=[(str(STATUS_LABELS[k]), v) for k, v in pop.by_status.items()],
        breakdowns=[
            (_("Per hamlet"), rows(pop.by_hamlet)),
            (_("Religion"), rows(pop.by_religion)),
            (_("Education"), rows(pop.by_education)),
            (_("Occupation"), rows(pop.by_occupation)),
            (_("Marital status"), rows(pop.by_marital_status)),
        ],
    )
