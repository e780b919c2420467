"""Declarative provisioning from ``tenants/*.toml``: plan, then apply all or nothing.

A manifest lists villages by official code, with optional slug, hamlets, facilitators and pillars.
Applying it creates or updates to match; hamlets that are not listed are kept (deleting a hamlet
could orphan residents), facilitator assignments that are not listed are removed. A manifest of
whole areas, up to every village in Indonesia, comes from ``desa tenants manifest``
(``bulk_provision.manifest_text``).

Applying reads the platform-level state once (villages, facilitator memberships, enabled
plugins), decides in memory and writes new villages, memberships and audit events set-based, in
the one transaction: the cost per village stays the same at 80,000 villages as at 20, and a
re-apply of an applied manifest writes nothing. Hamlets are village data under Row-Level
Security, so they are read and written in a session bound to that village, and only for the
villages whose entry lists hamlets (a village listing none keeps its hamlets, unread, and gets no
"kept" note). Pillars change through the rollout service, one village session each, so plugins'
hooks run and every worker's cache of enabled plugins is invalidated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Hamlet, Membership, Role, Tenant, User
from ..plugin_system.events import SINK, emit
from ..plugin_system.types import DomainEvent
from ..tenancy import tenant_session
from . import ServiceError
from . import bulk_provision as bulk
from .invitations import create_invited_user
from .manifest_file import FacilitatorSpec, Manifest, ManifestError, VillageSpec, load  # noqa: F401 - the module's API
from .tenants import RESERVED_SLUGS, slug_candidates


@dataclass
class Plan:
    changes: list[str] = field(default_factory=list)
    unchanged: int = 0
    events: list[DomainEvent] = field(default_factory=list)  # delivered once the manifest commits
    kept: list[str] = field(default_factory=list)
    invite: list[int] = field(default_factory=list)  # new facilitators, invited after the commit

    @property
    def empty(self) -> bool:
        return not self.changes


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
            # No usable password: the facilitator chooses one through an invitation link, sent once
            # the manifest is committed (``_invite_facilitators``).
            user = create_invited_user(spec.name, email=spec.email, phone=None, actor=actor, session=session)
            plan.invite.append(user.id)
        else:
            plan.kept.append(f"an invitation link would be sent to {spec.name} <{spec.email}>")
    return user


def _invite_facilitators(manifest: Manifest, user_ids: list[int], actor: User | None, plan: Plan) -> None:
    """After the manifest commits: an invitation for each new facilitator, delivered by the
    notifications service; the plan says where each went, never the link. A facilitator of one
    village is invited to it (its name, its channels); of several, to the platform."""
    from .invitations import invite

    villages: dict[str, list[str]] = {}
    for spec in manifest.villages:
        for key in spec.facilitators:
            villages.setdefault(manifest.facilitators[key].email, []).append(spec.code)
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        codes = villages.get(user.email or "", [])
        tenant = db.session.scalar(select(Tenant).where(Tenant.code == codes[0])) if len(codes) == 1 else None
        try:
            issued = invite(user, tenant=tenant, actor=db.session.get(User, actor.id) if actor else None)
            db.session.commit()
        except Exception:  # noqa: BLE001 - the villages are committed; the link can be sent again
            db.session.rollback()
            plan.kept.append(f"no invitation for {user.name} <{user.email}>: send one with desa users invite")
            continue
        where = ", ".join(issued.channels)
        plan.kept.append(
            f"invitation for {user.name} <{user.email}> sent by {where}"
            if where
            else f"invitation for {user.name} <{user.email}> not sent (no channel configured): "
            f"print a new link with desa users invite {user.email}"
        )


@dataclass(frozen=True)
class Village:
    """What the manifest code needs of a village row (read in bulk, not as ORM objects)."""

    id: int
    code: str
    slug: str
    name: str


@dataclass
class _State:
    """The platform-level state a manifest is compared with, read once (never per village)."""

    by_code: dict[str, Village]
    slug_owner: dict[str, str]  # slug -> village code
    facilitators: dict[int, dict[int, int]]  # tenant id -> user id -> membership id
    enabled: dict[int, set[str]]  # tenant id -> enabled plugins
    order: list[str]  # the working plugins, requirements first (computed once, not per village)


@dataclass
class _Writes:
    """Platform-level rows collected while planning, written set-based at the end."""

    memberships: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[int] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


def _read_state(session: Session) -> _State:
    from ..models import VillagePlugin

    by_code: dict[str, Village] = {}
    slug_owner: dict[str, str] = {}
    for tenant_id, code, slug, name in session.execute(
        select(Tenant.id, Tenant.code, Tenant.slug, Tenant.name)
    ):
        by_code[code] = Village(tenant_id, code, slug, name)
        slug_owner[slug] = code
    facilitators: dict[int, dict[int, int]] = {}
    for membership_id, tenant_id, user_id in session.execute(
        select(Membership.id, Membership.tenant_id, Membership.user_id).where(
            Membership.role == Role.FACILITATOR, Membership.tenant_id.is_not(None)
        )
    ):
        facilitators.setdefault(tenant_id, {})[user_id] = membership_id
    enabled: dict[int, set[str]] = {}
    for tenant_id, plugin in session.execute(
        select(VillagePlugin.tenant_id, VillagePlugin.plugin).where(VillagePlugin.enabled.is_(True))
    ):
        enabled.setdefault(tenant_id, set()).add(plugin)
    from . import rollout

    return _State(by_code, slug_owner, facilitators, enabled, list(rollout.plugins().working()))


def apply(
    manifest: Manifest,
    *,
    actor: User | None = None,
    write: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Compute the plan and, when ``write``, apply it in one transaction (all or nothing).

    The state is read once and the platform-level rows are written a few thousand per statement
    (``bulk_provision``), so the cost per village does not grow with the number of villages, and
    re-applying an applied manifest writes nothing and reads nothing per village.
    """
    say = progress or (lambda _message: None)
    connection = db.engine.connect()
    transaction = connection.begin()
    subs: list[tuple[VillageSpec, Plan, Village | None]] = []
    try:
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        first = Plan()  # facilitator accounts, before any village
        users: dict[str, User | None] = {
            key: _facilitator_user(session, spec, actor, first, write)
            for key, spec in manifest.facilitators.items()
        }
        session.flush()
        state = _read_state(session)
        say(f"{len(state.by_code)} villages on the platform")
        subs, new_rows, slug_changes = _plan_villages(manifest, state)
        if write:
            table = Tenant.__table__
            for village, slug in slug_changes:
                connection.execute(update(table).where(table.c.id == village.id).values(slug=slug))
            if new_rows:
                ids = _create_villages(connection, new_rows, manifest, actor, first)
                for spec, slug in new_rows:
                    state.by_code[spec.code] = Village(ids[spec.code], spec.code, slug, spec.region.name)
                say(f"{len(ids)} villages created")
        writes = _Writes()
        for spec, sub, village in subs:
            if village is None and write:
                village = state.by_code[spec.code]
            _apply_rest(session, connection, spec, village, manifest, users, state, writes, actor, sub, write)
        say(f"{len(subs)} villages compared")
        if write:
            bulk.insert_memberships(connection, writes.memberships)
            bulk.delete_memberships(connection, writes.revoked)
            bulk.insert_audit(connection, writes.audit)
            session.commit()
            transaction.commit()
            say("committed")
        else:
            transaction.rollback()
    except Exception:
        transaction.rollback()
        raise
    finally:
        connection.close()
    plan = first
    for _spec, sub, _village in subs:
        plan.changes.extend(sub.changes)
        plan.kept.extend(sub.kept)
        plan.events.extend(sub.events)
        if not sub.changes:
            plan.unchanged += 1
    if write:
        for event in plan.events:
            emit(event)
        _invite_facilitators(manifest, plan.invite, actor, plan)
    return plan


def _plan_villages(manifest: Manifest, state: _State) -> tuple[list, list, list]:
    """New villages (with their slugs) and slug changes, decided in memory against ``state``.

    Slugs named in the manifest are reserved before any is derived, so a derived slug never takes
    one that a later entry asks for; a slug that belongs to another village stops the manifest
    before anything is written.
    """
    explicit = {spec.slug: spec.code for spec in manifest.villages if spec.slug}
    for slug, code in explicit.items():
        owner = state.slug_owner.get(slug)
        if owner is not None and owner != code:
            raise ServiceError(f"{manifest.path}: slug '{slug}' belongs to {owner}", "slug_taken", 409)
    taken = set(state.slug_owner) | set(explicit)
    subs: list[tuple[VillageSpec, Plan, Village | None]] = []
    new_rows: list[tuple[VillageSpec, str]] = []
    slug_changes: list[tuple[Village, str]] = []
    for spec in manifest.villages:
        sub = Plan()
        village = state.by_code.get(spec.code)
        if village is None:
            slug = spec.slug or _free_slug(spec.region, taken)
            taken.add(slug)
            sub.changes.append(f"+ village {spec.code} {spec.region.name} ({slug})")
            new_rows.append((spec, slug))
        elif spec.slug and spec.slug != village.slug:
            sub.changes.append(f"~ village {spec.code}: slug {village.slug} -> {spec.slug}")
            slug_changes.append((village, spec.slug))
        subs.append((spec, sub, village))
    return subs, new_rows, slug_changes


def _create_villages(connection, new_rows, manifest: Manifest, actor, plan: Plan) -> dict[str, int]:  # noqa: ANN001
    """Insert the new villages and their ``tenant.provisioned`` audit events, set-based."""
    ids = bulk.insert_tenants(connection, [bulk.tenant_row(spec.region, slug) for spec, slug in new_rows])
    bulk.insert_audit(
        connection,
        [
            bulk.audit_row(
                "tenant.provisioned",
                actor=actor,
                tenant_id=ids[spec.code],
                target=spec.code,
                slug=slug,
                source=manifest.path,
            )
            for spec, slug in new_rows
        ],
    )
    for spec, _slug in new_rows:
        plan.events.append(
            DomainEvent("village.provisioned", ids[spec.code], {"code": spec.code}, _id(actor))
        )
    return ids


def _apply_rest(
    session, connection, spec, village, manifest, users, state, writes, actor, sub, write
) -> None:  # noqa: ANN001
    """Hamlets, facilitators and pillars of one village (``village`` None: new, in a dry run)."""
    if village is None:
        name = spec.region.name
        for hamlet in spec.hamlets:
            sub.changes.append(f"+ hamlet {hamlet} in {name}")
        for key in spec.facilitators:
            sub.changes.append(f"+ facilitator {manifest.facilitators[key].name} for {name}")
        for pillar in _ordered(state, set(spec.pillars)):
            sub.changes.append(f"+ pillar {pillar} in {name}")
        return
    if spec.hamlets:
        # Hamlets are village data: read and written in a session bound to this one village, and
        # only for villages whose entry lists hamlets (the others keep theirs, unread).
        _apply_hamlets(connection, village, spec, actor, sub, write)
    _apply_facilitators(village, spec, manifest, users, state, writes, actor, sub, write)
    _apply_pillars(session, connection, village, spec, manifest, state, actor, sub, write)


def _free_slug(region, taken: set[str]) -> str:  # noqa: ANN001
    """Like tenants.unique_slug, against the slugs read once plus those this manifest assigns."""
    for candidate in slug_candidates(region.name, region.district_name, region.regency_name, region.code):
        if candidate and candidate not in taken and candidate not in RESERVED_SLUGS:
            return candidate
    raise ServiceError(f"No free slug for {region.name} ({region.code}).", "slug_taken", 409)


def _apply_hamlets(connection, tenant: Village, spec: VillageSpec, actor, plan: Plan, write: bool) -> bool:  # noqa: ANN001
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


def _apply_facilitators(village, spec, manifest, users, state, writes, actor, plan, write) -> bool:  # noqa: ANN001
    """Grant and revoke facilitator memberships to match; the rows are written set-based later."""
    changed = False
    current = state.facilitators.get(village.id, {})
    wanted_ids = set()
    for key in spec.facilitators:
        user = users[key]
        if user is None:  # only in a dry run: the user does not exist yet
            plan.changes.append(f"+ facilitator {manifest.facilitators[key].name} for {village.name}")
            changed = True
            continue
        wanted_ids.add(user.id)
        if user.id not in current:
            plan.changes.append(f"+ facilitator {user.name} for {village.name}")
            changed = True
            if write:
                writes.memberships.append(
                    {"user_id": user.id, "role": Role.FACILITATOR, "tenant_id": village.id}
                )
                plan.events.append(_membership_event(village.id, user.id, "granted", actor))
                writes.audit.append(
                    bulk.audit_row(
                        "membership.granted",
                        actor=actor,
                        tenant_id=village.id,
                        target=f"user:{user.id}",
                        role="facilitator",
                        source=manifest.path,
                    )
                )
    for user_id, membership_id in current.items():
        if user_id not in wanted_ids:
            plan.changes.append(f"- facilitator user:{user_id} from {village.name}")
            changed = True
            if write:
                writes.audit.append(
                    bulk.audit_row(
                        "membership.revoked",
                        actor=actor,
                        tenant_id=village.id,
                        target=f"user:{user_id}",
                        role="facilitator",
                        source=manifest.path,
                    )
                )
                writes.revoked.append(membership_id)
                plan.events.append(_membership_event(village.id, user_id, "revoked", actor))
    return changed


def _ordered(state: _State, names: set[str]) -> list[str]:
    """``names`` in the platform's plugin order (requirements first)."""
    return [p for p in state.order if p in names] if names else []


def _apply_pillars(session, connection, village, spec, manifest, state, actor, plan, write) -> bool:  # noqa: ANN001
    """Enable and disable plugins to match the manifest, as a platform admin decision.

    A readiness check that fails does not stop a manifest: the manifest is the platform admins'
    declared state, so the plugin is enabled as an override with the manifest named as the reason.
    The current state comes from the bulk read; only a village whose pillars change opens a
    session, and the rollout service writes it (the plugins' hooks run, and the village's plugins
    stamp is renewed, so every worker's cache of enabled plugins notices).
    """
    from . import rollout

    current = state.enabled.get(village.id, set())
    wanted = set(spec.pillars)
    if wanted == current:
        return False
    to_enable = _ordered(state, wanted - current)
    to_disable = list(reversed(_ordered(state, current - wanted)))
    for name in to_enable:
        plan.changes.append(f"+ pillar {name} in {village.name}")
    for name in to_disable:
        plan.changes.append(f"- pillar {name} in {village.name} (data kept)")
    if write and (to_enable or to_disable):
        reason = f"declared in {manifest.path}"
        tenant = session.get(Tenant, village.id)
        with tenant_session(tenant.id, connection, info={SINK: plan.events}) as s:
            steps = [
                rollout.Step(name, False, rollout.readiness(tenant, name, connection)) for name in to_enable
            ]
            rollout.apply_enable(s, tenant, steps, actor=actor, reason=reason)
            rollout.apply_disable(s, tenant, to_disable, actor=actor, reason=reason)
            s.commit()
    return bool(to_enable or to_disable)
