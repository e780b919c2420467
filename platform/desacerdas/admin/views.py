"""Platform admin pages: provisioning villages and reading the audit log.

Platform admins see and change everything. A regency admin may read the village list and the
detail pages of the villages in their area (read-only, archived villages excluded); every
other user gets 403 and anonymous visitors are sent to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, or_, select

from ..auth.permissions import can
from ..extensions import db, login_manager
from ..models import Role, Tenant, TenantStatus, User
from ..plugin_system.state import enabled_for
from ..services import ServiceError, audit
from ..services import tenants as tenant_svc
from ..services import users as user_svc
from ..services.regions import normalize_code
from ..web.pagination import page_links, paginate
from . import labels
from .forms import (
    ArchiveForm,
    AuditFilterForm,
    ConfirmForm,
    CreateVillageForm,
    SuspendForm,
    VillageFilterForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

MANAGE = "platform.tenants.manage"
RECENT_EVENTS = 10
MAX_DISTRICT_OPTIONS = 200
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
    regencies = db.session.execute(
        _scoped(select(Tenant.regency_code, Tenant.regency_name).distinct()).order_by(Tenant.regency_code)
    ).all()
    form.regency.choices = [("", _("All regencies"))] + [
        (code, f"{name} ({code})") for code, name in regencies
    ]
    regency = form.regency.data if form.regency.data in {c for c, _n in regencies} else ""
    form.regency.data = regency

    district_stmt = _scoped(
        select(Tenant.district_code, Tenant.district_name, Tenant.regency_name).distinct()
    ).order_by(Tenant.district_code)
    if regency:
        district_stmt = district_stmt.where(Tenant.regency_code == regency)
    districts = db.session.execute(district_stmt.limit(MAX_DISTRICT_OPTIONS + 1)).all()
    if len(districts) > MAX_DISTRICT_OPTIONS:  # too many to list: ask for a regency first
        districts = []
    several_regencies = not regency and len(regencies) > 1
    form.district.choices = [("", _("All districts"))] + [
        (code, f"{name} · {regency_name}" if several_regencies else name)
        for code, name, regency_name in districts
    ]
    if form.district.data not in {c for c, *_rest in districts}:
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
    pagination = paginate(_scoped(stmt))
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


def _render_detail(tenant: Tenant, status: int = 200, **forms: FlaskForm) -> ResponseReturnValue:
    """Members and events follow the village permissions, so a regency admin sees them read-only."""
    viewer = current_user
    members = user_svc.village_members(tenant) if can(viewer, "village.members.view", tenant) else None
    events = None
    if can(viewer, "village.audit.view", tenant):
        events = db.session.scalars(audit.query(tenant_ids=[tenant.id]).limit(RECENT_EVENTS)).all()
    if g.admin_can_manage:
        forms.setdefault("suspend_form", SuspendForm(formdata=None, prefix="suspend"))
        forms.setdefault("archive_form", ArchiveForm(formdata=None, prefix="archive"))
        forms.setdefault("resume_form", ConfirmForm(formdata=None, prefix="resume"))
    return (
        render_template(
            "admin/village.html",
            village=tenant,
            pillars=sorted(enabled_for(tenant.id)),
            hamlets=tenant_svc.hamlet_names(tenant),
            members=members,
            events=events,
            **forms,
        ),
        status,
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


# --- audit log ---------------------------------------------------------------------------------


def _find_village(text: str) -> Tenant | None:
    text = text.strip()
    stmt = select(Tenant).where(or_(Tenant.code == normalize_code(text), Tenant.slug == text.lower()))
    return db.session.scalar(_scoped(stmt))


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


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
    stmt = audit.query(
        tenant_ids=tenant_ids,
        action=(_clean(form.action) or "").strip() or None,
        since=_day_start(since) if since else None,
        until=_day_start(until) + timedelta(days=1) if until else None,  # the "until" day is included
    )
    pagination = paginate(stmt)
    ids = {e.tenant_id for e in pagination.items if e.tenant_id is not None}
    villages = {t.id: t for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))} if ids else {}
    return render_template(
        "admin/audit.html",
        form=form,
        pagination=pagination,
        page_url=page_links("admin.tenants"),
        villages=villages,
        action_prefixes=ACTION_PREFIXES,
    )
