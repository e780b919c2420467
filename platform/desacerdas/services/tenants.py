"""Provisioning villages: create by official code, suspend, resume, archive, hamlets."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Hamlet, Tenant, TenantStatus, User
from ..plugin_system import events
from ..plugin_system.types import DomainEvent
from ..tenancy import tenant_session
from . import NotFound, ServiceError, audit
from .i18n import _
from .regions import lookup_village, normalize_code

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
RESERVED_SLUGS = frozenset({"admin", "api", "static", "www", "auth", "healthz", "readyz", "verify"})


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-")


def _slug_taken(slug: str) -> bool:
    return db.session.scalar(select(func.count()).where(Tenant.slug == slug)) > 0


def slug_candidates(name: str, district: str, regency: str, code: str) -> list[str]:
    """Shortest first: village names repeat across Indonesia, so add the district, then more."""
    regency_short = re.sub(r"^(kabupaten|kota)\s+", "", regency, flags=re.I)
    return [
        slugify(name),
        slugify(f"{name} {district}"),
        slugify(f"{name} {district} {regency_short}"),
        slugify(f"{name} {code.replace('.', '')}"),
    ]


def unique_slug(name: str, district: str, regency: str, code: str) -> str:
    for slug in slug_candidates(name, district, regency, code):
        if slug and slug not in RESERVED_SLUGS and not _slug_taken(slug):
            return slug
    raise ServiceError(_("No free slug for %(name)s (%(code)s).", name=name, code=code), "slug_taken", 409)


def validate_slug(slug: str) -> str:
    if not SLUG.match(slug or ""):
        raise ServiceError(
            _(
                "'%(slug)s' is not a valid slug: use lowercase letters, digits and hyphens (2–80).",
                slug=slug,
            ),
            "invalid_slug",
        )
    if slug in RESERVED_SLUGS:
        raise ServiceError(_("'%(slug)s' is reserved.", slug=slug), "invalid_slug")
    if _slug_taken(slug):
        raise ServiceError(
            _("The slug '%(slug)s' is already used by another village.", slug=slug), "slug_taken", 409
        )
    return slug


def get_by_code(code: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.code == normalize_code(code)))


def get_by_slug(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_("No village with slug '%(slug)s'.", slug=slug))
    return tenant


def create_tenant(
    code: str, *, actor: User | None = None, slug: str | None = None, commit: bool = True
) -> Tenant:
    """Provision a village from its Kemendagri code; names come from the region dataset."""
    region = lookup_village(code)
    if get_by_code(region.code) is not None:
        raise ServiceError(
            _("The village %(code)s (%(name)s) already exists.", code=region.code, name=region.name),
            "duplicate_code",
            409,
        )
    slug = (
        validate_slug(slug)
        if slug
        else unique_slug(region.name, region.district_name, region.regency_name, region.code)
    )
    tenant = Tenant(
        code=region.code,
        slug=slug,
        name=region.name,
        kind=region.kind,
        district_code=region.district_code,
        district_name=region.district_name,
        regency_code=region.regency_code,
        regency_name=region.regency_name,
        province_code=region.province_code,
        province_name=region.province_name,
        status=TenantStatus.ACTIVE,
        profile={"postal_code": region.postal_code} if region.postal_code else {},
    )
    db.session.add(tenant)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceError(
            _("The village %(code)s or slug %(slug)s already exists.", code=region.code, slug=slug),
            "duplicate",
            409,
        ) from exc
    audit.record("tenant.provisioned", actor=actor, tenant_id=tenant.id, target=tenant.code, slug=slug)
    events.queue(
        db.session,
        DomainEvent("village.provisioned", tenant.id, {"code": tenant.code}, actor.id if actor else None),
    )
    if commit:
        db.session.commit()
    return tenant


def _already(name: str, status: TenantStatus) -> str:
    """One whole sentence per status, so translators never have to glue words together."""
    if status == TenantStatus.ACTIVE:
        return _("%(name)s is already active.", name=name)
    if status == TenantStatus.SUSPENDED:
        return _("%(name)s is already suspended.", name=name)
    return _("%(name)s is already archived.", name=name)


def _set_status(
    tenant: Tenant, status: TenantStatus, reason: str | None, actor: User | None, action: str
) -> Tenant:
    if tenant.status == status:
        raise ServiceError(_already(tenant.name, status), "no_change", 409)
    if tenant.status == TenantStatus.ARCHIVED and status != TenantStatus.ACTIVE:
        raise ServiceError(_("%(name)s is archived; resume it first.", name=tenant.name), "archived", 409)
    previous = tenant.status
    tenant.status = status
    tenant.status_reason = reason
    audit.record(
        action, actor=actor, tenant_id=tenant.id, target=tenant.code, reason=reason, previous=previous.value
    )
    db.session.commit()
    return tenant


def suspend(tenant: Tenant, reason: str, actor: User | None = None) -> Tenant:
    if not (reason or "").strip():
        raise ServiceError(_("A reason is required to suspend a village."), "reason_required")
    return _set_status(tenant, TenantStatus.SUSPENDED, reason.strip(), actor, "tenant.suspended")


def resume(tenant: Tenant, actor: User | None = None) -> Tenant:
    return _set_status(tenant, TenantStatus.ACTIVE, None, actor, "tenant.resumed")


def archive(tenant: Tenant, reason: str | None = None, actor: User | None = None) -> Tenant:
    return _set_status(tenant, TenantStatus.ARCHIVED, reason, actor, "tenant.archived")


def search(
    q: str | None = None,
    regency_code: str | None = None,
    district_code: str | None = None,
    status: str | None = None,
    tenant_ids: list[int] | None = None,
) -> Select:
    # a district code starts with its regency code: this is regency, district, name order, read
    # from the district index (ordering by regency first sorts each regency's villages)
    stmt = select(Tenant).order_by(Tenant.district_code, Tenant.name, Tenant.id)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Tenant.name).like(like), Tenant.code.like(like), Tenant.slug.like(like))
        )
    if regency_code:
        stmt = stmt.where(Tenant.regency_code == regency_code)
    if district_code:
        stmt = stmt.where(Tenant.district_code == district_code)
    if status:
        stmt = stmt.where(Tenant.status == TenantStatus(status))
    if tenant_ids is not None:
        stmt = stmt.where(Tenant.id.in_(tenant_ids))
    return stmt


def hamlet_names(tenant: Tenant) -> list[str]:
    with tenant_session(tenant.id) as s:
        return list(s.scalars(select(Hamlet.name).order_by(Hamlet.name)))


def add_hamlet(tenant: Tenant, name: str, code: str | None = None, actor: User | None = None) -> Hamlet:
    """Add a hamlet; works inside a request bound to ``tenant`` and from the CLI alike."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("A hamlet needs a name."), "name_required")
    with tenant_session(tenant.id) as s:
        if s.scalar(select(Hamlet).where(Hamlet.name == name)) is not None:
            raise ServiceError(
                _("%(village)s already has a hamlet named %(name)s.", village=tenant.name, name=name),
                "duplicate",
                409,
            )
        hamlet = Hamlet(name=name, code=(code or "").strip() or None)
        s.add(hamlet)
        s.flush()
        audit.record(
            "hamlet.created",
            actor=actor,
            tenant_id=tenant.id,
            target=f"hamlet:{hamlet.id}",
            session=s,
            name=name,
        )
        s.commit()
        s.refresh(hamlet)
        s.expunge(hamlet)
        return hamlet
