"""Declarative provisioning from ``tenants/*.toml``: plan, then apply all or nothing.

A manifest lists villages by official code, with optional slug, hamlets, facilitators and pillars.
Applying it creates or updates to match; hamlets that are not listed are kept (deleting a hamlet
could orphan residents), facilitator assignments that are not listed are removed.
"""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Hamlet, Membership, Role, Tenant, TenantStatus, User
from ..plugin_system.events import SINK, emit
from ..plugin_system.types import DomainEvent
from ..tenancy import tenant_session
from . import ServiceError, audit
from .regions import lookup_village
from .tenants import RESERVED_SLUGS, SLUG, slug_candidates
from .users import EMAIL, create_user, normalize_email

PILLAR_NAME = r"^[a-z][a-z0-9_]{1,60}$"


class ManifestError(ServiceError):
    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{path} is not valid:\n" + "\n".join(f"  - {p}" for p in problems), "invalid_manifest"
        )


@dataclass
class FacilitatorSpec:
    key: str
    name: str
    email: str


@dataclass
class VillageSpec:
    code: str
    slug: str | None
    hamlets: list[str]
    facilitators: list[str]
    pillars: list[str]
    region: Any = None


@dataclass
class Manifest:
    path: str
    villages: list[VillageSpec]
    facilitators: dict[str, FacilitatorSpec]


@dataclass
class Plan:
    changes: list[str] = field(default_factory=list)
    unchanged: int = 0
    events: list[DomainEvent] = field(default_factory=list)  # delivered once the manifest commits
    kept: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes


def _str_list(value: Any, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a list of non-empty strings")
        return []
    return [v.strip() for v in value]


def load(
    path: str | Path,
    known_pillars: set[str] | None = None,
    requirements: dict[str, tuple[str, ...]] | None = None,
) -> Manifest:
    """Parse and validate a manifest completely before anything is written.

    ``known_pillars`` are the installed plugins and ``requirements`` what each requires; the CLI
    passes both, so a manifest naming an unknown pillar, or one without its requirement, is refused.
    """
    path = Path(path)
    problems: list[str] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(str(path), [f"not valid TOML: {exc}"]) from None
    unknown_top = set(data) - {"facilitators", "village"}
    if unknown_top:
        problems.append(f"unknown top-level keys: {', '.join(sorted(unknown_top))}")
    facilitators: dict[str, FacilitatorSpec] = {}
    for key, entry in (data.get("facilitators") or {}).items():
        where = f"facilitators.{key}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        email = normalize_email(entry.get("email"))
        if not entry.get("name") or not email or not EMAIL.match(email):
            problems.append(f"{where}: needs a name and a valid email")
            continue
        facilitators[key] = FacilitatorSpec(key, entry["name"].strip(), email)
    villages: list[VillageSpec] = []
    seen_codes: dict[str, int] = {}
    seen_slugs: dict[str, int] = {}
    entries = data.get("village") or []
    if not isinstance(entries, list) or not entries:
        problems.append("no [[village]] entries")
        entries = []
    for i, entry in enumerate(entries, start=1):
        code = str(entry.get("code", "")).strip() if isinstance(entry, dict) else ""
        where = f"village #{i} ({code or 'no code'})"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        unknown = set(entry) - {"code", "slug", "name", "hamlets", "facilitators", "pillars"}
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        try:
            region = lookup_village(code)
        except ServiceError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        if region.code in seen_codes:
            problems.append(f"{where}: code listed twice (also village #{seen_codes[region.code]})")
        seen_codes[region.code] = i
        if entry.get("name") and entry["name"] != region.name:
            problems.append(
                f"{where}: name '{entry['name']}' does not match the official name '{region.name}'"
            )
        slug = entry.get("slug")
        if slug is not None:
            if not isinstance(slug, str) or not SLUG.match(slug) or slug in RESERVED_SLUGS:
                problems.append(f"{where}: slug '{slug}' is not valid (lowercase letters, digits, hyphens)")
            elif slug in seen_slugs:
                problems.append(f"{where}: slug '{slug}' also used by village #{seen_slugs[slug]}")
            else:
                seen_slugs[slug] = i
        hamlets = _str_list(entry.get("hamlets"), f"{where}: hamlets", problems)
        if len(set(hamlets)) != len(hamlets):
            problems.append(f"{where}: a hamlet is listed twice")
        facs = _str_list(entry.get("facilitators"), f"{where}: facilitators", problems)
        for key in facs:
            if key not in facilitators:
                problems.append(f"{where}: facilitator '{key}' is not defined under [facilitators]")
        pillars = _str_list(entry.get("pillars"), f"{where}: pillars", problems)
        for pillar in pillars:
            if known_pillars is not None and pillar not in known_pillars:
                problems.append(f"{where}: pillar '{pillar}' is not an installed plugin")
            elif requirements is not None:
                for needed in requirements.get(pillar, ()):
                    if needed not in pillars:
                        problems.append(f"{where}: pillar '{pillar}' requires '{needed}'; list it too")
        villages.append(VillageSpec(region.code, slug, hamlets, facs, pillars, region))
    if problems:
        raise ManifestError(str(path), problems)
    return Manifest(str(path), villages, facilitators)


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def _membership_event(tenant_id: int, user_id: int, change: str, actor: User | None) -> DomainEvent:
    payload = {"user_id": user_id, "role": "facilitator", "change": change}
    return DomainEvent("membership.changed", tenant_id, payload, _id(actor))


def _facilitator_user(session: Session, spec: FacilitatorSpec, actor: User | None, plan: Plan, write: bool):
    user = session.scalar(select(User).where(User.email == spec.email))
    if user is None:
        plan.changes.append(f"+ facilitator {spec.name} <{spec.email}>")
        if write:
            # No usable password: the facilitator sets one through the reset link.
            user = create_user(
                spec.name,
                email=spec.email,
                password=secrets.token_urlsafe(32),
                actor=actor,
                session=session,
                check_password=False,
            )
    return user


def apply(manifest: Manifest, *, actor: User | None = None, write: bool = True) -> Plan:
    """Compute the plan and, when ``write``, apply it in one transaction (all or nothing)."""
    plan = Plan()
    connection = db.engine.connect()
    transaction = connection.begin()
    try:
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        users: dict[str, User | None] = {
            key: _facilitator_user(session, spec, actor, plan, write)
            for key, spec in manifest.facilitators.items()
        }
        for spec in manifest.villages:
            _apply_village(session, connection, spec, manifest, users, actor, plan, write)
        if write:
            session.commit()
            transaction.commit()
            for event in plan.events:
                emit(event)
        else:
            transaction.rollback()
    except Exception:
        transaction.rollback()
        raise
    finally:
        connection.close()
    return plan


def _apply_village(session, connection, spec, manifest, users, actor, plan, write) -> None:  # noqa: ANN001, C901
    region = spec.region
    tenant = session.scalar(select(Tenant).where(Tenant.code == spec.code))
    changed = False
    if tenant is None:
        slug = spec.slug or _free_slug(session, region)
        plan.changes.append(f"+ village {spec.code} {region.name} ({slug})")
        changed = True
        if write:
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
            session.add(tenant)
            session.flush()
            plan.events.append(
                DomainEvent("village.provisioned", tenant.id, {"code": tenant.code}, _id(actor))
            )
            audit.record(
                "tenant.provisioned",
                actor=actor,
                tenant_id=tenant.id,
                target=tenant.code,
                slug=slug,
                source=manifest.path,
                session=session,
            )
    else:
        if spec.slug and spec.slug != tenant.slug:
            clash = session.scalar(select(Tenant).where(Tenant.slug == spec.slug))
            if clash is not None:
                raise ServiceError(
                    f"{manifest.path}: slug '{spec.slug}' belongs to {clash.code}", "slug_taken", 409
                )
            plan.changes.append(f"~ village {spec.code}: slug {tenant.slug} -> {spec.slug}")
            changed = True
            if write:
                tenant.slug = spec.slug
    if tenant is not None:
        session.flush()
        changed |= _apply_hamlets(connection, tenant, spec, actor, plan, write)
        changed |= _apply_facilitators(session, tenant, spec, manifest, users, actor, plan, write)
        changed |= _apply_pillars(session, connection, tenant, spec, manifest, actor, plan, write)
    else:
        for hamlet in spec.hamlets:
            plan.changes.append(f"+ hamlet {hamlet} in {region.name}")
        for key in spec.facilitators:
            plan.changes.append(f"+ facilitator {manifest.facilitators[key].name} for {region.name}")
        for pillar in spec.pillars:
            plan.changes.append(f"+ pillar {pillar} in {region.name}")
    if not changed:
        plan.unchanged += 1


def _free_slug(session: Session, region) -> str:  # noqa: ANN001
    """Like tenants.unique_slug, but sees the villages this manifest has added and not committed."""
    taken = set(session.scalars(select(Tenant.slug)))
    for candidate in slug_candidates(region.name, region.district_name, region.regency_name, region.code):
        if candidate and candidate not in taken and candidate not in RESERVED_SLUGS:
            return candidate
    raise ServiceError(f"No free slug for {region.name} ({region.code}).", "slug_taken", 409)


def _apply_hamlets(connection, tenant: Tenant, spec: VillageSpec, actor, plan: Plan, write: bool) -> bool:  # noqa: ANN001
    changed = False
    with tenant_session(tenant.id, connection) as s:
        existing = set(s.scalars(select(Hamlet.name)))
        for name in spec.hamlets:
            if name not in existing:
                plan.changes.append(f"+ hamlet {name} in {tenant.name}")
                changed = True
                if write:
                    s.add(Hamlet(name=name))
        for name in sorted(existing - set(spec.hamlets)):
            plan.kept.append(f"hamlet {name} in {tenant.name} is not in the manifest (kept)")
        if write and changed:
            s.commit()
    return changed


def _apply_facilitators(session, tenant, spec, manifest, users, actor, plan, write) -> bool:  # noqa: ANN001
    changed = False
    current = {
        m.user_id: m
        for m in session.scalars(
            select(Membership).where(Membership.tenant_id == tenant.id, Membership.role == Role.FACILITATOR)
        )
    }
    wanted_ids = set()
    for key in spec.facilitators:
        user = users[key]
        if user is None:  # only in a dry run: the user does not exist yet
            plan.changes.append(f"+ facilitator {manifest.facilitators[key].name} for {tenant.name}")
            changed = True
            continue
        wanted_ids.add(user.id)
        if user.id not in current:
            plan.changes.append(f"+ facilitator {user.name} for {tenant.name}")
            changed = True
            if write:
                session.add(Membership(user_id=user.id, role=Role.FACILITATOR, tenant_id=tenant.id))
                plan.events.append(_membership_event(tenant.id, user.id, "granted", actor))
                audit.record(
                    "membership.granted",
                    actor=actor,
                    tenant_id=tenant.id,
                    target=f"user:{user.id}",
                    role="facilitator",
                    source=manifest.path,
                    session=session,
                )
    for user_id, membership in current.items():
        if user_id not in wanted_ids:
            plan.changes.append(f"- facilitator user:{user_id} from {tenant.name}")
            changed = True
            if write:
                audit.record(
                    "membership.revoked",
                    actor=actor,
                    tenant_id=tenant.id,
                    target=f"user:{user_id}",
                    role="facilitator",
                    source=manifest.path,
                    session=session,
                )
                session.delete(membership)
                plan.events.append(_membership_event(tenant.id, user_id, "revoked", actor))
    return changed


def _apply_pillars(session, connection, tenant, spec, manifest, actor, plan, write) -> bool:  # noqa: ANN001
    """Enable and disable plugins to match the manifest, as a platform admin decision.

    A readiness check that fails does not stop a manifest: the manifest is the platform admins'
    declared state, so the plugin is enabled as an override with the manifest named as the reason.
    """
    from ..models import VillagePlugin
    from . import rollout

    current = set(
        session.scalars(
            select(VillagePlugin.plugin).where(
                VillagePlugin.tenant_id == tenant.id, VillagePlugin.enabled.is_(True)
            )
        )
    )
    wanted = set(spec.pillars)
    to_enable = [p for p in rollout.plugins().working() if p in wanted - current]
    to_disable = [p for p in reversed(list(rollout.plugins().working())) if p in current - wanted]
    for name in to_enable:
        plan.changes.append(f"+ pillar {name} in {tenant.name}")
    for name in to_disable:
        plan.changes.append(f"- pillar {name} in {tenant.name} (data kept)")
    if write and (to_enable or to_disable):
        reason = f"declared in {manifest.path}"
        with tenant_session(tenant.id, connection, info={SINK: plan.events}) as s:
            steps = [
                rollout.Step(name, False, rollout.readiness(tenant, name, connection)) for name in to_enable
            ]
            rollout.apply_enable(s, tenant, steps, actor=actor, reason=reason)
            rollout.apply_disable(s, tenant, to_disable, actor=actor, reason=reason)
            s.commit()
    return bool(to_enable or to_disable)
