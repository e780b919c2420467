"""Invitations: a new account gets a one-time link and chooses its own password (docs/invitations.md).

Nobody types a password for someone else and no password goes to a log: an account made for a
person (members page, admin page, ``desa users create``, a manifest's facilitator) has no usable
password until that person opens the link. The link is

* shown once, with a QR code, on the page (or printed once by the command) that created it, so a
  person at the counter scans it with their own phone, and
* sent through the notifications outbox (e-mail to the account's address, else WhatsApp or SMS to
  its phone) when the platform has a provider and the village has the channel on.

A link is 32 random bytes; only their sha256 is stored (a 256-bit secret cannot be guessed, so
a slow hash adds nothing, and an equality lookup finds the row). It is valid for
``INVITATION_MAX_AGE`` seconds, works once, and a new invitation of the same person ends the
earlier pending ones. Accepting is one conditional UPDATE, so two tabs cannot both use one link.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import segno
from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session, scoped_session

from ..auth.passwords import hash_secret, password_problem
from ..extensions import db
from ..models import Invitation, Tenant, User
from ..models.base import as_utc
from ..notifications import NotificationKind, notify, register_kind
from ..notifications.service import choose_channel
from ..notifications.settings import village_settings
from ..tenancy import current_tenant_id, tenant_session
from . import ServiceError, audit
from .i18n import _
from .users import create_user

log = logging.getLogger(__name__)

KIND = "auth.invitation"
UNUSABLE = "!invited:"  # noqa: S105 - a password_hash marker no password verifies against
PENDING, EXPIRED, ACCEPTED = "pending", "expired", "accepted"

INVITATION = NotificationKind(
    key=KIND,
    title=_l("Invitation link"),
    audience="any",
    channels=("email", "whatsapp", "sms"),
    templates={
        "id": {
            "subject": "Undangan ke {{ place }}",
            "body": "Halo {{ name }},\n\n{{ inviter }} mengundang Anda ke {{ place }} di Desa Cerdas. "
            "Buka tautan ini dalam {{ days }} hari untuk memilih kata sandi Anda:\n{{ link }}\n\n"
            "Tautan ini hanya dapat dipakai sekali. "
            "Jika Anda tidak mengenal undangan ini, abaikan pesan ini.",
            "sms": "Undangan ke {{ place }}: pilih kata sandi Anda dalam {{ days }} hari di {{ link }}",
        },
        "en": {
            "subject": "Invitation to {{ place }}",
            "body": "Hello {{ name }},\n\n{{ inviter }} invites you to {{ place }} on Desa Cerdas. "
            "Open this link within {{ days }} days to choose your password:\n{{ link }}\n\n"
            "The link works once. If you do not know about this invitation, ignore this message.",
            "sms": "Invitation to {{ place }}: choose your password within {{ days }} days at {{ link }}",
        },
    },
    whatsapp_template="desa_invitation",
    whatsapp_params=("place", "link"),
    secret=True,  # a link that sets a password: no inbox copy, masked once delivered, never logged
    sample={
        "name": "Made",
        "inviter": "Admin Platform",
        "place": "Desa Menanga",
        "days": 7,
        "link": "https://desa.example/invitation/abc",
    },
)

register_kind(INVITATION)


def _register_event_labels() -> None:
    from ..web.labels import register_events

    register_events(
        {
            "invitation.created": _l("Invitation sent"),
            "invitation.accepted": _l("Invitation accepted, password chosen"),
            "invitation.withdrawn": _l("Invitation withdrawn"),
            "auth.reset_link_issued": _l("Password reset link made by the platform operator"),
        }
    )


_register_event_labels()


@dataclass(frozen=True)
class Issued:
    """A new invitation and what to show once: the link and its QR code."""

    invitation: Invitation
    url: str  # absolute link, shown once
    qr_svg: Markup  # inline SVG QR code of url, shown once
    channels: list[str]  # where it was also sent (["email"]), [] when nowhere


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _real(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def max_age() -> timedelta:
    """How long a link stays valid (``DESA_INVITATION_MAX_AGE`` seconds, default 7 days)."""
    return timedelta(seconds=int(current_app.config.get("INVITATION_MAX_AGE", 7 * 24 * 3600)))


def max_age_days() -> int:
    """The validity in whole days, for the words "it works within 7 days"."""
    return max(1, round(max_age().total_seconds() / 86400))


def has_usable_password(user: User) -> bool:
    """False for an account made by invitation whose person has not chosen a password yet."""
    return not (user.password_hash or "").startswith(UNUSABLE)


def absolute_url(path: str, endpoint: str, **values: str) -> str:
    """The link under ``DESA_PUBLIC_URL`` when set (a clerk on the office network never hands out
    an internal address), else the address of this request, else ``SERVER_NAME``; a command line
    with none of them gets ``http://localhost:8000`` (``desa serve``'s default)."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return "http://localhost:8000" + path


def invitation_url(token: str) -> str:
    return absolute_url(f"/invitation/{token}", "auth.invitation", token=token)


def qr_svg(url: str, label: str | None = None) -> Markup:
    """The QR code of ``url`` as inline SVG (2–5 KB, no JavaScript, dark on white for any theme)."""
    qr = segno.make(url, error="m", micro=False)
    svg = qr.svg_inline(scale=4, border=2, title=label or url, svgclass="qr", lineclass=None, light="#fff")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's own markup


# -- accounts --------------------------------------------------------------------------------------


def create_invited_user(
    name: str,
    *,
    email: str | None,
    phone: str | None,
    actor: User | None,
    session: Session | None = None,
) -> User:
    """A new account with no usable password (the person sets it through :func:`invite`'s link).

    Checked as every account (name, a valid and unused e-mail or phone); the caller commits."""
    user = create_user(
        name,
        email=email,
        phone=phone,
        password=secrets.token_urlsafe(16),  # replaced below: nobody ever knows it
        actor=actor,
        session=session,
        check_password=False,
    )
    user.password_hash = UNUSABLE + secrets.token_hex(16)  # never verifies: not an argon2 hash
    return user


# -- issuing ----------------------------------------------------------------------------------------


def _route(user: User) -> tuple[tuple[str, ...], str] | None:
    """Where the link may go: the account's own e-mail, else its own phone (WhatsApp, then SMS)."""
    if user.email:
        return ("email",), user.email
    if user.phone:
        return ("whatsapp", "sms"), user.phone
    return None


def place_name(tenant: Tenant | None) -> str:
    """``Desa Menanga`` (the village's own word for itself), or the platform's name."""
    if tenant is None:
        return "Desa Cerdas"
    from ..kit.terms import terms_for

    return terms_for(tenant).village_title or tenant.name


def _after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once, after ``session`` commits (a rolled-back invitation sends nothing)."""

    def run(_session: Session) -> None:
        try:
            callback()
        except Exception:  # noqa: BLE001 - the invitation is committed; "send again" still works
            log.exception("invitation message not written (the link itself was not logged)")

    sa_event.listen(session, "after_commit", run, once=True)


def _send_in_village(tenant_id: int, token_hash: str, user_id: int, data: dict, key: str, route) -> None:  # noqa: ANN001
    """Write the village outbox rows of one invitation, in a session of that village."""
    with tenant_session(tenant_id) as s:
        invitation = s.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
        if invitation is None or invitation.accepted_at is not None or invitation.ended_at is not None:
            return  # rolled back, replaced or used meanwhile
        village = s.get(Tenant, tenant_id)
        user = s.get(User, user_id)
        notify(s, village, user, KIND, data, key=key, channels=route[0], address=route[1])
        s.commit()


def _deliver(
    s: Session, invitation: Invitation, user: User, tenant: Tenant | None, link: str, actor: User | None
) -> list[str]:
    route = _route(user)
    if route is None:
        return []
    data = {
        "name": user.name,
        "inviter": actor.name if actor is not None else place_name(tenant),
        "place": place_name(tenant),
        "days": max_age_days(),
        "link": link,
    }
    key = f"invitation:{invitation.token_hash[:32]}"
    if tenant is None or current_tenant_id(s) == tenant.id:
        rows = notify(s, tenant, user, KIND, data, key=key, channels=route[0], address=route[1])
        return [r.channel.value for r in rows if r.channel.value != "inbox"]
    # A session not bound to the village (admin page, command line): the village's outbox rows are
    # written by a session of that village, right after the caller commits the invitation.
    chosen = choose_channel(s, user, route[0], village_settings(tenant), route[1])
    if chosen is None:
        return []
    token_hash, tenant_id, user_id = invitation.token_hash, tenant.id, user.id
    _after_commit(s, lambda: _send_in_village(tenant_id, token_hash, user_id, data, key, route))
    return [chosen[0]]


def _end_pending(s: Session, user: User, now: datetime) -> int:
    table = Invitation.__table__
    result = s.execute(
        update(table)
        .where(table.c.user_id == user.id, table.c.accepted_at.is_(None), table.c.ended_at.is_(None))
        .values(ended_at=now, updated_at=now)
    )
    return result.rowcount or 0


def invite(
    user: User,
    *,
    tenant: Tenant | None,
    actor: User | None,
    session: Session | None = None,
) -> Issued:
    """A new one-time link for ``user`` (earlier pending ones stop working), sent where it can be.

    Only for an account whose person has not chosen a password yet (:func:`create_invited_user`):
    a link that sets the password of a working account would let whoever holds it take it over,
    so that is refused (they use "forgot password"). ``tenant`` is the village the person is
    invited to (None: the platform). The caller commits; the message goes out after the commit.
    """
    s = session or db.session
    if has_usable_password(user):
        raise ServiceError(
            _(
                '%(name)s already has a password: they sign in, or use "Forgot your password?".',
                name=user.name,
            ),
            "already_active",
            409,
        )
    if not user.active:
        raise ServiceError(_("This account is suspended."), "account_inactive", 409)
    now = _now()
    replaced = _end_pending(s, user, now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user_id=user.id,
        tenant_id=tenant.id if tenant is not None else None,
        created_by_id=actor.id if actor is not None else None,
        token_hash=_digest(token),
        expires_at=now + max_age(),
    )
    s.add(invitation)
    s.flush()
    link = invitation_url(token)
    channels = _deliver(_real(s), invitation, user, tenant, link, actor)
    invitation.sent_via = ",".join(channels) or None
    audit.record(
        "invitation.created",
        actor=actor,
        tenant_id=tenant.id if tenant is not None else None,
        target=f"user:{user.id}",
        session=s,
        sent_via=invitation.sent_via,
        replaced=replaced,
    )
    return Issued(invitation, link, qr_svg(link, _("Invitation link")), channels)


def withdraw(user: User, *, actor: User | None, session: Session | None = None) -> int:
    """End the pending invitations of ``user`` (a membership ended before they accepted)."""
    s = session or db.session
    ended = _end_pending(s, user, _now())
    if ended:
        audit.record("invitation.withdrawn", actor=actor, target=f"user:{user.id}", session=s, count=ended)
    return ended


# -- state -----------------------------------------------------------------------------------------


def _state(invitation: Invitation, user_usable: bool, now: datetime) -> str:
    if invitation.accepted_at is not None or user_usable:
        return ACCEPTED  # or the person chose a password another way ("forgot password")
    if invitation.ended_at is not None or as_utc(invitation.expires_at) <= now:
        return EXPIRED
    return PENDING


def state_for(user_ids: Iterable[int], session: Session | None = None) -> dict[int, str]:
    """``user id -> "pending" | "expired" | "accepted"`` from each user's latest invitation; users
    never invited are left out. One query, whatever the number of users."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    s = session or db.session
    rows = s.execute(
        select(Invitation, User.password_hash)
        .join(User, User.id == Invitation.user_id)
        .where(Invitation.user_id.in_(ids))
        .order_by(Invitation.user_id, Invitation.id.desc())
    ).all()
    now, found = _now(), {}
    for invitation, password_hash in rows:
        if invitation.user_id not in found:
            found[invitation.user_id] = _state(
                invitation, not (password_hash or "").startswith(UNUSABLE), now
            )
    return found


def latest_for(user_id: int, session: Session | None = None) -> Invitation | None:
    s = session or db.session
    return s.scalar(
        select(Invitation).where(Invitation.user_id == user_id).order_by(Invitation.id.desc()).limit(1)
    )


# -- accepting -------------------------------------------------------------------------------------


def for_token(token: str) -> Invitation:
    """The pending invitation of ``token``, or a ServiceError that says why not, in words."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token or "")))
    if invitation is None:
        raise ServiceError(
            _("This invitation link is not valid. Check that it was copied whole."), "invitation_unknown", 404
        )
    if invitation.accepted_at is not None or has_usable_password(invitation.user):
        # Used, or the person chose a password another way ("forgot password"): a link someone
        # else saw at the counter must not set it again.
        raise ServiceError(
            _("This invitation has already been used. Sign in with the password you chose."),
            "invitation_used",
            410,
        )
    if invitation.ended_at is not None:
        raise ServiceError(
            _("This invitation link was replaced by a newer one. Use the latest link you received."),
            "invitation_replaced",
            410,
        )
    if as_utc(invitation.expires_at) <= _now():
        raise ServiceError(
            _("This invitation has expired. Ask the person who invited you to send it again."),
            "invitation_expired",
            410,
        )
    if not invitation.user.active:
        raise ServiceError(_("This account is suspended."), "account_inactive", 403)
    return invitation


def accept(token: str, password: str) -> User:
    """Set the person's password and mark the invitation used: exactly once, even for two tabs."""
    invitation = for_token(token)
    if problem := password_problem(password or ""):
        raise ServiceError(problem, "weak_password")
    now = _now()
    table = Invitation.__table__
    claimed = db.session.execute(
        update(table)
        .where(table.c.id == invitation.id, table.c.accepted_at.is_(None), table.c.ended_at.is_(None))
        .values(accepted_at=now, updated_at=now)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ServiceError(
            _("This invitation has already been used. Sign in with the password you chose."),
            "invitation_used",
            410,
        )
    user = invitation.user
    user.password_hash = hash_secret(password)
    user.session_version += 1
    audit.record("invitation.accepted", actor=user, tenant_id=invitation.tenant_id, target=f"user:{user.id}")
    db.session.commit()
    return user
