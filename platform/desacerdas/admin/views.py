"""Platform admin pages: provisioning villages and reading the audit log.

Platform admins see and change everything. A regency admin may read the village list and the
detail pages of the villages in their area (read-only, archived villages excluded); every
other user gets 403 and anonymous visitors are sent to the sign-in page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, or_, select

from ..auth.permissions import can
from ..extensions import db, login_manager
from ..models import Hamlet, Membership, Role, Tenant, TenantStatus, User
from ..notifications.web import labels as notification_labels
from ..plugin_system.state import enabled_for
from ..services import ServiceError, areas, audit, invitations
from ..services import tenants as tenant_svc
from ..services import users as user_svc
from ..services.regions import normalize_code, time_zone
from ..tenancy import tenant_session
from ..web.pagination import fetch_bounded, page_links, page_number, page_size, paginate
from ..web.zoned_time import zone_label, zone_of
from . import labels
from .forms import (
    ArchiveForm,
    AuditFilterForm,
    ConfirmForm,
    CreateVillageForm,
    InviteForm,
    SuspendForm,
    VillageFilterForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")
CHANNEL_LABELS = notification_labels.CHANNELS

MANAGE = "platform.tenants.manage"
RECENT_EVENTS = 10
ACTION_PREFIXES = ("tenant.", "membership.", "user.", "hamlet.", "auth.")

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

bp.add_app_template_global(labels.status_label, "status_label")
bp.add_app_template_global(labels.role_label, "role_label")
bp.add_app_template_global(labels.pillar_label, "pillar_label")
bp.add_app_template_global(labels.plugin_state_label, "plugin_state_label")
bp.add_app_template_global(labels.plugin_action_label, "plugin_action_label")


# --- access ------------------------------------------------------------------------------------


def _is_regency_admin(user: User) -> bool:
    return any(m.role == Role.REGENCY_ADMIN for m in user.memberships)


def admin_page(*, write: bool = False) -> Callable[[F], F]:
    """Gate a view; sets ``g.admin_scope`` (None = every village) and ``g.admin_can_manage``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if can(current_user, MANAGE):
                g.admin_scope, g.admin_can_manage = None, True
            elif not write and _is_regency_admin(current_user):
                g.admin_scope, g.admin_can_manage = user_svc.tenants_in_scope(current_user), False
            else:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _scoped(stmt: Select) -> Select:
    """Hold a tenant query to what the viewer may see: regency admins never see archived villages."""
    if g.admin_scope is None:
        return stmt
    return stmt.where(Tenant.id.in_(g.admin_scope), Tenant.status != TenantStatus.ARCHIVED)


def _tenant_or_404(slug: str) -> Tenant:
    tenant = db.session.scalar(_scoped(select(Tenant).where(Tenant.slug == slug)))
    if tenant is None:
        abort(404)
    return tenant


# --- helpers -----------------------------------------------------------------------------------


def _clean(field: Any) -> Any:
    """A filter value, or None when the field is empty or invalid (bad filters are ignored)."""
    return None if field.errors or field.data in ("", None) else field.data


# --- village list ------------------------------------------------------------------------------


def _filter_choices(form: VillageFilterForm) -> None:
    where = None if g.admin_scope is None else _scoped(select(Tenant)).whereclause
    regencies = areas.regencies(where)
    form.regency.choices = [("", _("All regencies"))] + [(r.code, f"{r.name} ({r.code})") for r in regencies]
    regency = areas.regency_of(form.regency.data, form.district.data, regencies)
    form.regency.data = regency
    districts = areas.district_menu(regency or None, where)
    several_regencies = not regency and len(regencies) > 1
    form.district.choices = [("", _("All districts"))] + [
        (d.code, f"{d.name} · {d.regency_name}" if several_regencies else d.name) for d in districts
    ]
    if form.district.data not in {d.code for d in districts}:
        form.district.data = ""

    statuses = [TenantStatus.ACTIVE, TenantStatus.SUSPENDED]
    if g.admin_scope is None:
        statuses.append(TenantStatus.ARCHIVED)
    form.status.choices = [("", _("Any status"))] + [(s.value, labels.status_label(s)) for s in statuses]
    if form.status.data not in {s.value for s in statuses}:
        form.status.data = ""


@bp.get("/villages")
@admin_page()
def tenants() -> ResponseReturnValue:
    """The village list: search, filters and paging are all in the URL, so it works without JS."""
    form = VillageFilterForm(formdata=request.args)
    form.validate()
    _filter_choices(form)
    stmt = tenant_svc.search(
        q=_clean(form.q),
        regency_code=form.regency.data or None,
        district_code=form.district.data or None,
        status=form.status.data or None,
    )
    pagination = fetch_bounded(_scoped(stmt), page_number(), page_size())
    create_form = CreateVillageForm(formdata=None) if g.admin_can_manage else None
    filtered = any(request.args.get(k) for k in ("q", "regency", "district", "status"))
    return render_template(
        "admin/villages.html",
        form=form,
        create_form=create_form,
        pagination=pagination,
        page_url=page_links("admin.tenants"),
        filtered=filtered,
    )


# --- create by code ----------------------------------------------------------------------------


@bp.route("/villages/new", methods=["GET", "POST"])
@admin_page(write=True)
def create() -> ResponseReturnValue:
    """Provision a village from its official code; names come from the region dataset."""
    form = CreateVillageForm()
    status = 200
    if form.validate_on_submit():
        raw_code = form.code.data.strip()
        try:
            slug = (form.slug.data or "").strip() or None
            tenant = tenant_svc.create_tenant(raw_code, actor=current_user, slug=slug)
        except ServiceError as exc:
            db.session.rollback()
            status = 409 if exc.status == 409 else 400
            target = form.slug if exc.code in ("invalid_slug", "slug_taken") else form.code
            target.errors = [*target.errors, exc.message]
        else:
            message = _("Village %(name)s (%(code)s) is provisioned.", name=tenant.name, code=tenant.code)
            flash(message, "success")
            return redirect(url_for("admin.tenant", slug=tenant.slug))
    elif form.is_submitted():
        status = 400
    return render_template("admin/village_new.html", form=form), status


# --- detail and status actions -----------------------------------------------------------------


def _render_detail(tenant: Tenant, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """Members and events follow the village permissions, so a regency admin sees them read-only.
    ``issued`` (an invitation just made) shows its link and QR code once: never cached."""
    viewer = current_user
    members = user_svc.village_members(tenant) if can(viewer, "village.members.view", tenant) else None
    forms.setdefault("invitation_states", invitations.state_for(m.user_id for m in members or []))
    if g.admin_can_manage:
        forms.setdefault("invite_form", _invite_form(tenant, formdata=None))
    events = None
    if can(viewer, "village.audit.view", tenant):
        events = db.session.scalars(audit.query(tenant_ids=[tenant.id]).limit(RECENT_EVENTS)).all()
    if g.admin_can_manage:
        forms.setdefault("suspend_form", SuspendForm(formdata=None, prefix="suspend"))
        forms.setdefault("archive_form", ArchiveForm(formdata=None, prefix="archive"))
        forms.setdefault("resume_form", ConfirmForm(formdata=None, prefix="resume"))
    headers = {"Cache-Control": "no-store"} if forms.get("issued") is not None else {}
    return (
        render_template(
            "admin/village.html",
            village=tenant,
            pillars=sorted(enabled_for(tenant.id)),
            hamlets=tenant_svc.hamlet_names(tenant),
            members=members,
            events=events,
            channel_labels=CHANNEL_LABELS,
            invite_days=invitations.max_age_days(),
            **forms,
        ),
        status,
        headers,
    )


@bp.get("/villages/<slug>")
@admin_page()
def tenant(slug: str) -> ResponseReturnValue:
    """One village; outside a regency admin's area it does not exist (404, not 403)."""
    return _render_detail(_tenant_or_404(slug))


def _status_action(
    slug: str,
    form: FlaskForm,
    form_name: str,
    change: Callable[[Tenant, Any], Tenant],
    done: Callable[[Tenant], str],
) -> ResponseReturnValue:
    """Run a status change; on a refused change re-render the page with the reason and its status."""
    village = _tenant_or_404(slug)
    if not form.validate_on_submit():
        return _render_detail(village, 400, **{form_name: form})
    try:
        change(village, form)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")  # in the page's language
        return _render_detail(village, exc.status, **{form_name: form})
    flash(done(village), "success")
    return redirect(url_for("admin.tenant", slug=village.slug))


@bp.post("/villages/<slug>/suspend")
@admin_page(write=True)
def suspend(slug: str) -> ResponseReturnValue:
    """Residents then see a "suspended" page; the reason is required so others know why."""
    return _status_action(
        slug,
        SuspendForm(prefix="suspend"),
        "suspend_form",
        lambda t, f: tenant_svc.suspend(t, f.reason.data, actor=current_user),
        lambda t: _("%(name)s is suspended.", name=t.name),
    )


@bp.post("/villages/<slug>/resume")
@admin_page(write=True)
def resume(slug: str) -> ResponseReturnValue:
    """Undo a suspension or an archive: the village is public again."""
    return _status_action(
        slug,
        ConfirmForm(prefix="resume"),
        "resume_form",
        lambda t, _f: tenant_svc.resume(t, actor=current_user),
        lambda t: _("%(name)s is active again.", name=t.name),
    )


@bp.post("/villages/<slug>/archive")
@admin_page(write=True)
def archive(slug: str) -> ResponseReturnValue:
    """Retire a village without deleting its data; only platform admins still see it."""
    return _status_action(
        slug,
        ArchiveForm(prefix="archive"),
        "archive_form",
        lambda t, f: tenant_svc.archive(t, (f.reason.data or "").strip() or None, actor=current_user),
        lambda t: _("%(name)s is archived.", name=t.name),
    )


# --- invitations -------------------------------------------------------------------------------

INVITE_ROLES = (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR, Role.HAMLET_HEAD)
FIELD_OF_ERROR = {
    "name_required": "name",
    "login_required": "email",
    "invalid_email": "email",
    "duplicate_user": "email",
    "invalid_phone": "phone",
    "hamlet_required": "hamlet",
    "not_found": "hamlet",
}


def _hamlets(tenant: Tenant) -> list[tuple[str, str]]:
    with tenant_session(tenant.id) as s:
        return [(str(i), n) for i, n in s.execute(select(Hamlet.id, Hamlet.name).order_by(Hamlet.name))]


def _invite_form(tenant: Tenant, **kwargs: Any) -> InviteForm:
    form = InviteForm(prefix="invite", **kwargs)
    form.role.choices = [(r.value, labels.role_label(r)) for r in INVITE_ROLES]
    form.hamlet.choices = [("", "—"), *_hamlets(tenant)]
    return form


def _existing_user(email: str | None, phone: str | None) -> User | None:
    for login in (email, phone):
        if login and (user := user_svc.find_by_login(login)) is not None:
            return user
    return None


def _issue(village: Tenant, user: User, role: Role, hamlet_id: uuid.UUID | None) -> invitations.Issued | None:
    """Grant the role and, for an account with no password yet, a new invitation (None: the
    person already signs in, so the role is all they need)."""
    user_svc.grant(user, role, tenant=village, hamlet_id=hamlet_id, actor=current_user)
    if invitations.has_usable_password(user):
        return None
    return invitations.invite(user, tenant=village, actor=current_user)


@bp.post("/villages/<slug>/invite")
@admin_page(write=True)
def invite(slug: str) -> ResponseReturnValue:
    """Invite a village head or staff member: link and QR code shown once, and sent where possible."""
    village = _tenant_or_404(slug)
    form = _invite_form(village)
    if not form.validate_on_submit():
        return _render_detail(village, 400, invite_form=form)
    role = Role(form.role.data)
    hamlet_id = None
    if role == Role.HAMLET_HEAD:
        try:
            hamlet_id = uuid.UUID(form.hamlet.data or "")
        except ValueError:
            form.hamlet.errors = [*form.hamlet.errors, _("Choose the hamlet of the hamlet head.")]
            return _render_detail(village, 400, invite_form=form)
    email, phone = (form.email.data or "").strip() or None, (form.phone.data or "").strip() or None
    try:
        user = _existing_user(email, phone)
        if user is None:
            user = invitations.create_invited_user(
                form.name.data, email=email, phone=phone, actor=current_user
            )
        issued = _issue(village, user, role, hamlet_id)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        target = getattr(form, FIELD_OF_ERROR.get(exc.code, "name"))
        target.errors = [*target.errors, exc.message]
        return _render_detail(village, exc.status if exc.status < 500 else 400, invite_form=form)
    role_name = labels.role_label(role)
    if issued is None:
        flash(
            _("%(name)s already has an account and is now %(role)s.", name=user.name, role=role_name),
            "success",
        )
        return redirect(url_for("admin.tenant", slug=village.slug))
    flash(_("%(name)s is invited as %(role)s.", name=user.name, role=role_name), "success")
    return _render_detail(village, issued=issued, issued_user=user)


@bp.post("/villages/<slug>/members/<int:user_id>/invite")
@admin_page(write=True)
def invite_again(slug: str, user_id: int) -> ResponseReturnValue:
    """A new link for a member who has not chosen a password yet (the earlier link stops working)."""
    village = _tenant_or_404(slug)
    form = ConfirmForm()
    member = db.session.scalar(
        select(Membership).where(Membership.tenant_id == village.id, Membership.user_id == user_id).limit(1)
    )
    if member is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    try:
        issued = invitations.invite(member.user, tenant=village, actor=current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_detail(village, exc.status)
    flash(
        _("A new invitation for %(name)s is ready; the earlier link no longer works.", name=member.user.name),
        "success",
    )
    return _render_detail(village, issued=issued, issued_user=member.user)


# --- audit log ---------------------------------------------------------------------------------


def _find_village(text: str) -> Tenant | None:
    text = text.strip()
    stmt = select(Tenant).where(or_(Tenant.code == normalize_code(text), Tenant.slug == text.lower()))
    return db.session.scalar(_scoped(stmt))


def _filter_zone(tenant_ids: list[int] | None) -> tuple[ZoneInfo, Tenant | None]:
    """The clock the From/Until days are read on, and the village whose clock it is.

    One village in view (the village filter, or a regency admin with one village): its zone, the
    one its rows are shown in. Several villages that share a zone (a regency admin in Bali): that
    zone. Otherwise (the whole platform, or villages in different zones): the platform's zone,
    which the page says.
    """
    if not tenant_ids:
        return zone_of(None), None
    rows = db.session.execute(select(Tenant.code, Tenant.profile).where(Tenant.id.in_(tenant_ids))).all()
    zones = {time_zone(code, (profile or {}).get("timezone")).key for code, profile in rows}
    if len(zones) != 1:
        return zone_of(None), None
    village = db.session.get(Tenant, tenant_ids[0]) if len(tenant_ids) == 1 else None
    return ZoneInfo(zones.pop()), village


def _day_start(day: Any, zone: ZoneInfo) -> datetime:
    """Midnight of ``day`` on ``zone``'s clock, in UTC (how the events are stored)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


@bp.get("/audit", endpoint="audit")
@admin_page()
def audit_log() -> ResponseReturnValue:
    """The audit log, newest first; a regency admin sees only the events of their villages."""
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    tenant_ids = g.admin_scope
    if (text := _clean(form.village)) is not None:
        village = _find_village(text)
        if village is None:
            form.village.errors = [*form.village.errors, _("No village with this code or slug.")]
            tenant_ids = []
        else:
            tenant_ids = [village.id]
    since, until = _clean(form.since), _clean(form.until)
    zone, zone_village = _filter_zone(tenant_ids)
    stmt = audit.query(
        tenant_ids=tenant_ids,
        action=(_clean(form.action) or "").strip() or None,
        since=_day_start(since, zone) if since else None,
        # the "until" day is included: up to the next midnight on the same clock
        until=_day_start(until + timedelta(days=1), zone) if until else None,
    )
    pagination = paginate(stmt)
    ids = {e.tenant_id for e in pagination.items if e.tenant_id is not None}
    villages = {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))} if ids else {}
    return render_template(
        "admin/audit.html",
        form=form,
        pagination=pagination,
        page_url=page_links("admin.audit"),
        villages=villages,
        action_prefixes=ACTION_PREFIXES,
        filter_zone=zone_label(zone, datetime.now(UTC)),
        filter_zone_village=zone_village,
    )
