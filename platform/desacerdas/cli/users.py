"""``desa users …``: accounts and roles."""

from __future__ import annotations

import secrets
import sys

import click
import segno
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..auth.permissions import can_see_village
from ..extensions import db
from ..models import Hamlet, Membership, Role, User
from ..services import ServiceError, invitations
from ..services import tenants as tenant_svc
from ..services import users as svc
from ..services.auth import create_api_token, reset_link_for
from ..tenancy import tenant_session
from ._util import service_errors

group = click.Group("users", help="User accounts and roles.")

DEMO_ADMIN_EMAIL = "admin@desacerdas.local"


def _print_invitation(issued, user: User) -> None:  # noqa: ANN001 - invitations.Issued
    """The link once (standard output), the QR code and where it was also sent (standard error)."""
    valid = issued.invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    where = ", ".join(issued.channels) if issued.channels else "nowhere (no channel configured): hand it over"
    click.echo(f"Invitation for {user.name} ({user.email or user.phone}), valid until {valid}.", err=True)
    click.echo(f"Also sent by: {where}.", err=True)
    click.echo("The link is shown only now; it works once:", err=True)
    click.echo(issued.url)
    if sys.stderr.isatty():
        segno.make(issued.url, error="m").terminal(out=sys.stderr, compact=True)


@group.command("create")
@click.option("--name", required=True)
@click.option("--email")
@click.option("--phone")
@click.option("--tenant", "slug", help="The village the person is invited to (its name and channels).")
@click.option(
    "--password",
    help="Set this password instead of inviting (scripts and drills); it may end up in shell history.",
)
@with_appcontext
@service_errors
def create(name: str, email: str | None, phone: str | None, slug: str | None, password: str | None) -> None:
    """Create a user account and print its one-time invitation link (the person sets the password).

    The link is also sent to the account's e-mail (or WhatsApp/SMS to its phone) where the platform
    has a provider. Give roles with ``desa users grant``."""
    tenant = tenant_svc.get_by_slug(slug) if slug else None
    if password is not None:
        user = svc.create_user(name, email=email, phone=phone, password=password)
        db.session.commit()
        click.echo(f"Created user {user.id} ({user.email or user.phone}).")
        return
    user = invitations.create_invited_user(name, email=email, phone=phone, actor=None)
    issued = invitations.invite(user, tenant=tenant, actor=None)
    db.session.commit()
    click.echo(f"Created user {user.id} ({user.email or user.phone}).", err=True)
    _print_invitation(issued, user)


@group.command("invite")
@click.argument("login")
@click.option("--tenant", "slug", help="The village the person is invited to (its name and channels).")
@with_appcontext
@service_errors
def invite(login: str, slug: str | None) -> None:
    """Send a new invitation link to LOGIN (earlier links stop working): for an account whose
    person has not chosen a password yet. Anyone else: ``desa users reset-link``."""
    user = svc.find_by_login(login)
    if user is None:
        raise ServiceError(f"No user signs in as {login}.")
    tenant = tenant_svc.get_by_slug(slug) if slug else None
    issued = invitations.invite(user, tenant=tenant, actor=None)
    db.session.commit()
    _print_invitation(issued, user)


@group.command("reset-link")
@click.argument("login")
@with_appcontext
@service_errors
def reset_link(login: str) -> None:
    """Print a one-time password-reset link for LOGIN (a lost demo admin password, a person who
    cannot receive e-mail). Valid for DESA_RESET_TOKEN_MAX_AGE seconds; audited; works once."""
    user = svc.find_by_login(login)
    if user is None:
        raise ServiceError(f"No user signs in as {login}.")
    if not user.is_active:
        raise ServiceError(f"{user.name} is deactivated: a new password would not let them in.")
    link = reset_link_for(user)
    minutes = max(1, int(current_app.config["RESET_TOKEN_MAX_AGE"]) // 60)
    click.echo(
        f"Password reset link for {user.name} ({user.email or user.phone}), valid {minutes} minutes.",
        err=True,
    )
    click.echo("It is shown only now and works once:", err=True)
    click.echo(link)


@group.command("grant")
@click.argument("login")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--tenant", "slug", help="Village slug, for village roles and facilitators.")
@click.option("--hamlet", help="Hamlet name, for hamlet heads.")
@click.option("--area", help="Area code prefix, for regency admins (e.g. 51.07).")
@with_appcontext
@service_errors
def grant(login: str, role: str, slug: str | None, hamlet: str | None, area: str | None) -> None:
    """Give a user a role."""
    user = svc.find_by_login(login)
    if user is None:
        raise ServiceError(f"No user signs in as {login}.")
    tenant = tenant_svc.get_by_slug(slug) if slug else None
    hamlet_id = None
    if hamlet:
        if tenant is None:
            raise ServiceError("--hamlet needs --tenant.")
        with tenant_session(tenant.id) as s:
            hamlet_id = s.scalar(select(Hamlet.id).where(Hamlet.name == hamlet))
        if hamlet_id is None:
            raise ServiceError(f"{tenant.name} has no hamlet named {hamlet}.")
    svc.grant(user, role, tenant=tenant, hamlet_id=hamlet_id, area_prefix=area)
    db.session.commit()
    click.echo(
        f"{user.name} is now {role}{' of ' + tenant.name if tenant else ''}{' for ' + area if area else ''}."
    )


@group.command("token")
@click.argument("login")
@click.option("--tenant", "slug", help="Check the user has a role in this village; print its API address.")
@click.option(
    "--expires-days",
    type=click.IntRange(1, 3650),
    help="Valid for this many days (default: until revoked on the Tokens page).",
)
@click.option(
    "--name", "token_name", default="desa users token", show_default=True, help="Shown on the Tokens page."
)
@with_appcontext
@service_errors
def token(login: str, slug: str | None, expires_days: int | None, token_name: str) -> None:
    """Create a personal API token for LOGIN and print it, once.

    The token alone goes to standard output (``TOKEN=$(desa users token …)``), the notes to
    standard error. It is created and audited exactly as on the Tokens page (``auth.token_created``)
    and acts with the user's roles: ``--tenant`` refuses a user with no role in that village.
    """
    user = svc.find_by_login(login)
    if user is None:
        raise ServiceError(f"No user signs in as {login}.")
    if not user.is_active:
        raise ServiceError(f"{user.name} is deactivated: a token would not work.")
    tenant = tenant_svc.get_by_slug(slug) if slug else None
    if tenant is not None and not can_see_village(user, tenant):
        raise ServiceError(
            f"{user.name} has no role in {tenant.name}: grant one first (desa users grant {login} ROLE "
            f"--tenant {tenant.slug})."
        )
    created, plain = create_api_token(user, token_name, expires_days)
    expires = created.expires_at.strftime("%Y-%m-%d %H:%M UTC") if created.expires_at else "never (revoke it)"
    click.echo(
        f"API token '{created.name}' of {user.name} ({user.email or user.phone}), expires: {expires}.",
        err=True,
    )
    click.echo("Copy it now: it is shown only once. Send it as 'Authorization: Bearer <token>'.", err=True)
    if tenant is not None:
        click.echo(f"The village's API: /api/v1/desa/{tenant.slug}/ (documented at /api/v1/docs).", err=True)
    click.echo(plain)


@group.command("ensure-demo-admin")
@with_appcontext
def ensure_demo_admin() -> None:
    """Create the demo platform admin once and print its password (only that once)."""
    existing = db.session.scalar(select(User).where(User.email == DEMO_ADMIN_EMAIL))
    if existing is not None:
        click.echo(f"Demo platform admin: {DEMO_ADMIN_EMAIL} (password printed when it was created).")
        click.echo(f"Lost it? A one-time link to choose a new one: desa users reset-link {DEMO_ADMIN_EMAIL}")
        return
    password = secrets.token_urlsafe(12)
    user = svc.create_user("Admin Platform", email=DEMO_ADMIN_EMAIL, password=password)
    db.session.add(Membership(user=user, role=Role.PLATFORM_ADMIN))
    db.session.commit()
    click.echo("Demo platform admin created. Sign in with:")
    click.echo(f"  email:    {DEMO_ADMIN_EMAIL}")
    click.echo(f"  password: {password}")
    click.echo("This password is shown only now.")
