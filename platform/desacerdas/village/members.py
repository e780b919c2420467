"""The members page of a village: its staff accounts and roles, and inviting, changing, suspending
and ending them (``village.members.manage``: the village head and the secretary).

The rules are in :mod:`desacerdas.members.service`; this module parses the forms and renders.
The invitation link and its QR code are shown once, on the page that answers the form (never
stored in a page that can be reloaded from the history: ``Cache-Control: no-store``).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from ..auth.permissions import can
from ..extensions import db
from ..kit import terms
from ..kit.access import require
from ..members import service
from ..members.service import Member
from ..models import Hamlet, Role, Tenant, User
from ..services import ServiceError
from ..web.labels import register_events
from ..web.pagination import page_links, page_number, page_size
from .views import REQUIRED, TOO_LONG, bp

VIEW, MANAGE = "village.members.view", "village.members.manage"

STATE_LABELS = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "invited": _l("Invitation not used yet"),
    "invitation_expired": _l("Invitation expired"),
}

# The audit log's words for what this page records (the granted/revoked/rescoped ones are the core's).
register_events(
    {
        "membership.role_changed": _l("Role changed"),
        "membership.suspended": _l("Account suspended"),
        "membership.resumed": _l("Account resumed"),
    }
)

CHANNELS = {"email": _l("email"), "whatsapp": _l("WhatsApp"), "sms": _l("SMS"), "inbox": _l("inbox")}


def role_labels(tenant: Tenant) -> dict[Role, str]:
    """Roles in the page's language; in Indonesian with the village's own words (Perbekel…)."""
    labels = {
        Role.VILLAGE_HEAD: str(_l("Village head")),
        Role.VILLAGE_SECRETARY: str(_l("Village secretary")),
        Role.OPERATOR: str(_l("Operator")),
        Role.HAMLET_HEAD: str(_l("Hamlet head")),
        Role.FACILITATOR: str(_l("Facilitator")),
        Role.RESIDENT: str(_l("Resident")),
    }
    if str(get_locale()) == "id":
        words = terms.terms_for(tenant)
        labels[Role.VILLAGE_HEAD], labels[Role.HAMLET_HEAD] = words.village_head, words.hamlet_head
    return labels


def _hamlets() -> list[Hamlet]:
    return list(db.session.scalars(select(Hamlet).order_by(Hamlet.name)))


class Choice(SelectField):
    """A select whose refusal of a value that is not offered is in the page's language (WTForms
    has no Indonesian catalogue): e.g. a secretary posting the village head role."""

    def pre_validate(self, form: FlaskForm) -> None:
        offered = {value for value, _label in self.choices or []}
        if (self.data or "") not in offered:
            raise StopValidation(_("Choose one of the options offered."))


class RoleForm(FlaskForm):
    role = Choice(_l("Role"), validators=[DataRequired(message=REQUIRED)])
    hamlet = Choice(_l("Hamlet (for a hamlet head)"), validators=[Optional()])

    def fill(self, tenant: Tenant, actor: User) -> RoleForm:
        labels = role_labels(tenant)
        words = terms.terms_for(tenant) if str(get_locale()) == "id" else None
        self.role.choices = [(r.value, labels[r]) for r in service.grantable_roles(actor, tenant)]
        self.hamlet.choices = [("", "—")] + [(str(h.id), h.name) for h in _hamlets()]
        if words is not None:
            self.hamlet.label.text = _(
                "%(hamlet)s (for a %(head)s)", hamlet=words.hamlet, head=words.hamlet_head
            )
        return self

    def hamlet_or_error(self) -> str | None:
        """The chosen hamlet, or None with an error on the field for a hamlet head without one."""
        if self.role.data == Role.HAMLET_HEAD.value and not self.hamlet.data:
            self.hamlet.errors = [*self.hamlet.errors, _("Choose the hamlet of the hamlet head.")]
            return None
        return self.hamlet.data or None


class InviteForm(RoleForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=REQUIRED), Length(max=120, message=TOO_LONG)]
    )
    email = StringField(_l("Email address"), validators=[Optional(), Length(max=254, message=TOO_LONG)])
    phone = StringField(
        _l("Phone number (WhatsApp or SMS)"), validators=[Optional(), Length(max=20, message=TOO_LONG)]
    )


class ConfirmForm(FlaskForm):
    """A button that posts: only the CSRF token."""


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/members")
@login_required
def members() -> ResponseReturnValue:
    tenant, _scope, user = require(VIEW)
    result = service.page_of_members(tenant, page_number(), page_size())
    return render_template(
        "village/members.html",
        pagination=result,
        page_url=page_links("village.members"),
        roles=role_labels(tenant),
        states=STATE_LABELS,
        hamlet_names={h.id: h.name for h in _hamlets()},
        may_manage=can(user, MANAGE, tenant),
    )


@bp.route("/members/invite", methods=["GET", "POST"])
@login_required
def members_invite() -> ResponseReturnValue:
    tenant, _scope, user = require(MANAGE)
    form = InviteForm().fill(tenant, user)
    status = 200
    if form.validate_on_submit():
        hamlet = form.hamlet_or_error()
        if not form.hamlet.errors:
            try:
                invited = service.invite(
                    tenant,
                    user,
                    name=form.name.data,
                    email=form.email.data,
                    phone=form.phone.data,
                    role=form.role.data,
                    hamlet_id=hamlet,
                )
            except ServiceError as exc:
                form.name.errors = [*form.name.errors, exc.message]
                status = exc.status
            else:
                return _shown_once(tenant, invited.membership.id, invited.issued, invited.existing_account)
        else:
            status = 400
    elif form.is_submitted():
        status = 400
    return render_template(
        "village/members_invite.html", form=form, has_hamlets=bool(form.hamlet.choices[1:])
    ), status


def _shown_once(tenant: Tenant, membership_id: int, issued: Any, existing: bool) -> ResponseReturnValue:
    """The page that shows an invitation link and its QR code, once."""
    member = service.get_member(tenant, membership_id)
    response = render_template(
        "village/members_invited.html",
        member=member,
        issued=issued,
        existing=existing,
        roles=role_labels(tenant),
        channel_names=[str(CHANNELS.get(c, c)) for c in (getattr(issued, "channels", None) or [])],
    )
    return _no_store(make_response(response))


@bp.get("/members/<int:membership_id>")
@login_required
def members_detail(membership_id: int) -> ResponseReturnValue:
    tenant, _scope, user = require(VIEW)
    member = _member_or_404(tenant, membership_id)
    return _detail(tenant, user, member, RoleForm(formdata=None))


def _detail(
    tenant: Tenant, user: User, member: Member, role_form: RoleForm, status: int = 200
) -> ResponseReturnValue:
    may_manage = can(user, MANAGE, tenant)
    managed = may_manage and member.role in service.MANAGED_ROLES
    if managed and not role_form.is_submitted():
        role_form.role.data = member.role.value
        role_form.hamlet.data = str(member.hamlet_id) if member.hamlet_id else ""
    return render_template(
        "village/members_detail.html",
        member=member,
        roles=role_labels(tenant),
        states=STATE_LABELS,
        hamlet_names={h.id: h.name for h in _hamlets()},
        managed=managed,
        head_role=member.role in service.HEAD_ONLY and not service.acts_as_head(user, tenant),
        role_form=role_form.fill(tenant, user),
        confirm=ConfirmForm(formdata=None),
        may_invite_again=managed and service.may_invite_again(member.user, tenant, member.invitation),
        may_suspend=managed
        and not service.roles_elsewhere(member.user, tenant)
        and member.user.id != user.id,
    ), status


def _member_or_404(tenant: Tenant, membership_id: int) -> Member:
    try:
        return service.get_member(tenant, membership_id)
    except ServiceError:
        abort(404)


def _refused(tenant: Tenant, user: User, member: Member, exc: ServiceError) -> ResponseReturnValue:
    flash(exc.message, "error")
    return _detail(tenant, user, service.get_member(tenant, member.id), RoleForm(formdata=None), exc.status)


@bp.post("/members/<int:membership_id>/role")
@login_required
def members_role(membership_id: int) -> ResponseReturnValue:
    tenant, _scope, user = require(MANAGE)
    member = _member_or_404(tenant, membership_id)
    if member.role in service.HEAD_ONLY and not service.acts_as_head(user, tenant):
        abort(403)  # the page offers no form for it
    form = RoleForm().fill(tenant, user)
    if not form.validate_on_submit():
        return _detail(tenant, user, member, form, 400)
    hamlet = form.hamlet_or_error()
    if form.hamlet.errors:
        return _detail(tenant, user, member, form, 400)
    try:
        new = service.change_role(tenant, user, member.membership, form.role.data, hamlet)
    except ServiceError as exc:
        return _refused(tenant, user, member, exc)
    flash(
        _("The role of %(name)s is now %(role)s.", name=new.user.name, role=role_labels(tenant)[new.role]),
        "success",
    )
    return redirect(url_for("village.members_detail", membership_id=new.id))


def _expired(tenant: Tenant, user: User, member: Member) -> ResponseReturnValue:
    flash(_("The form has expired: please try again."), "error")
    return _detail(tenant, user, member, RoleForm(formdata=None), 400)


@bp.post("/members/<int:membership_id>/suspend")
@login_required
def members_suspend(membership_id: int) -> ResponseReturnValue:
    return _suspension(membership_id, True)


@bp.post("/members/<int:membership_id>/resume")
@login_required
def members_resume(membership_id: int) -> ResponseReturnValue:
    return _suspension(membership_id, False)


def _suspension(membership_id: int, suspended: bool) -> ResponseReturnValue:
    tenant, _scope, user = require(MANAGE)
    member = _member_or_404(tenant, membership_id)
    if not ConfirmForm().validate_on_submit():
        return _expired(tenant, user, member)
    try:
        person = service.set_suspended(tenant, user, member.membership, suspended)
    except ServiceError as exc:
        return _refused(tenant, user, member, exc)
    if suspended:
        flash(_("%(name)s can no longer sign in.", name=person.name), "success")
    else:
        flash(_("%(name)s can sign in again.", name=person.name), "success")
    return redirect(url_for("village.members_detail", membership_id=membership_id))


@bp.post("/members/<int:membership_id>/end")
@login_required
def members_end(membership_id: int) -> ResponseReturnValue:
    tenant, _scope, user = require(MANAGE)
    member = _member_or_404(tenant, membership_id)
    if not ConfirmForm().validate_on_submit():
        return _expired(tenant, user, member)
    name, role = member.user.name, role_labels(tenant)[member.role]
    try:
        service.end(tenant, user, member.membership)
    except ServiceError as exc:
        return _refused(tenant, user, member, exc)
    flash(_("%(name)s no longer has the role %(role)s here.", name=name, role=role), "success")
    return redirect(url_for("village.members"))


@bp.post("/members/<int:membership_id>/invitation")
@login_required
def members_invite_again(membership_id: int) -> ResponseReturnValue:
    tenant, _scope, user = require(MANAGE)
    member = _member_or_404(tenant, membership_id)
    if not ConfirmForm().validate_on_submit():
        return _expired(tenant, user, member)
    try:
        issued = service.invite_again(tenant, user, member.membership)
    except ServiceError as exc:
        return _refused(tenant, user, member, exc)
    return _shown_once(tenant, member.id, issued, False)
