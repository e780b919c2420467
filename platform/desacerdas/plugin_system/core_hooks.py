"""The core's own hook implementations: called in every village, whatever is enabled."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import hookimpl
from ..auth.permissions import can
from ..models import Hamlet, Membership, Role, Tenant, User
from .types import DocumentKind, Indicator, NavEntry, Widget

STAFF_ROLES = (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR, Role.HAMLET_HEAD)


@hookimpl
def desa_navigation(tenant: Tenant, user: User | None) -> list[NavEntry]:
    entries = [NavEntry(str(_l("Home")), "village.home", 0)]
    if user is not None and can(user, "village.dashboard.view", tenant):
        entries.append(NavEntry(str(_l("Dashboard")), "village.dashboard", 10))
        entries.append(NavEntry(str(_l("Hamlets")), "village.hamlets", 20))
    if user is not None and can(user, "village.members.view", tenant):
        entries.append(NavEntry(str(_l("Members")), "village.members", 22))
    if user is not None and can(user, "village.profile.manage", tenant):
        entries.append(NavEntry(str(_l("Local terms and letterhead")), "village_terms.edit", 25))
    if user is not None and can(user, "notifications.messages.view", tenant):
        entries.append(NavEntry(str(_l("Messages sent")), "notification_messages.messages", 26))
    if user is not None and can(user, "notifications.settings.manage", tenant):
        entries.append(NavEntry(str(_l("Message settings")), "notification_settings.edit", 27))
    if user is not None and (can(user, "documents.view", tenant) or can(user, "documents.upload", tenant)):
        entries.append(NavEntry(str(_l("Documents")), "documents.index", 30))
    if user is not None and can(user, "village.dashboard.view", tenant):  # staff: residents start no jobs
        entries.append(NavEntry(str(_l("Background jobs")), "jobs.index", 85))
    if user is not None and can(user, "village.plugins.view", tenant):
        entries.append(NavEntry(str(_l("Pillars")), "village.pillars", 90))
    return entries


def _counts(tenant: Tenant, session: Session) -> tuple[int, int]:
    hamlets = session.scalar(select(func.count(Hamlet.id))) or 0
    staff = session.scalar(
        select(func.count(Membership.id)).where(
            Membership.tenant_id == tenant.id, Membership.role.in_(STAFF_ROLES)
        )
    )
    return hamlets, staff or 0


@hookimpl
def desa_dashboard_widgets(tenant: Tenant, user: User, session: Session) -> list[Widget]:
    hamlets, staff = _counts(tenant, session)
    return [
        Widget(
            str(_l("Village")), ((str(_l("Hamlets")), hamlets), (str(_l("Staff accounts")), staff)), order=0
        )
    ]


@hookimpl
def desa_indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    hamlets, staff = _counts(tenant, session)
    return [
        Indicator("core.hamlets", str(_l("Hamlets")), hamlets),
        Indicator("core.staff_accounts", str(_l("Staff accounts")), staff),
    ]


@hookimpl
def desa_document_kinds() -> list[DocumentKind]:
    """The core's kinds; plugins add theirs (an empty type list accepts the default types)."""
    images = ("image/jpeg", "image/png", "image/webp")
    return [
        DocumentKind("general", str(_l("Document"))),
        DocumentKind("photo", str(_l("Photo")), images),
        DocumentKind(
            "identity", str(_l("Identity card (KTP) or family card (KK)")), (*images, "application/pdf")
        ),
        DocumentKind("letter", str(_l("Letter")), ("application/pdf",)),
        DocumentKind(
            "spreadsheet",
            str(_l("Spreadsheet")),
            ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ),
        DocumentKind("archive", str(_l("Archive (ZIP)")), ("application/zip",)),
    ]
