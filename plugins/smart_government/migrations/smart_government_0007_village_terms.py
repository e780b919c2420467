"""the local terms and the letterhead move from the pillar's settings to the village (profile["terms"])

Revision ID: smart_government_0007
Revises: smart_government_0006
Create Date: 2026-12-03 10:00:00.000000

The seven keys (``term_village_head``, ``term_hamlet``, ``term_hamlet_head``, ``office_name``,
``office_address``, ``logo_document_id``, ``letter_place``) leave the pillar's stored settings (each
village's ``village_plugins.settings`` and the platform's ``platform_plugins.settings``) for the
village's own terms in the core (``desacerdas.kit.terms``). ``kit.terms.legacy_changes`` decides what
is kept: the village's value over the platform's, nothing empty, nothing equal to the village's new
default; a value the village has already set in the core is never overwritten. The three tables are
platform-level (no Row-Level Security), so plain Core statements on the migration's connection do.

Downgrade writes them back into each village's settings: its own letterhead values, and its words
wherever they differ from the old defaults (Kepala Desa / Dusun / Kepala Dusun), so that a Balinese
village keeps seeing "Perbekel" and "Banjar Dinas"; then the core's copy is removed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op

from desacerdas.kit import terms as village_terms

# revision identifiers, used by Alembic.
revision = "smart_government_0007"
down_revision = "smart_government_0006"
branch_labels = None
depends_on = None

PLUGIN = "smart_government"
OLD_KEYS = tuple(village_terms.LEGACY_KEYS)  # term_village_head … letter_place
PROFILE_KEY = village_terms.PROFILE_KEY  # "terms"
# What the pillar showed when a village had set nothing (before this revision).
OLD_DEFAULTS = {"village_head": "Kepala Desa", "hamlet": "Dusun", "hamlet_head": "Kepala Dusun"}


def _table(name: str, /, **columns: sa.types.TypeEngine) -> sa.TableClause:
    return sa.table(name, *(sa.column(key, kind) for key, kind in columns.items()))


TEXT, WHEN = sa.String(), sa.DateTime(timezone=True)
tenants = _table(
    "tenants",
    id=sa.Integer(),
    code=TEXT,
    kind=TEXT,
    name=TEXT,
    district_name=TEXT,
    regency_name=TEXT,
    profile=sa.JSON(),
)
village_plugins = _table(
    "village_plugins",
    tenant_id=sa.Integer(),
    plugin=TEXT,
    enabled=sa.Boolean(),
    settings=sa.JSON(),
    created_at=WHEN,
    updated_at=WHEN,
)
platform_plugins = _table("platform_plugins", name=TEXT, settings=sa.JSON())


def _village_settings(conn: sa.Connection) -> dict[int, dict[str, Any]]:
    rows = conn.execute(
        sa.select(village_plugins.c.tenant_id, village_plugins.c.settings).where(
            village_plugins.c.plugin == PLUGIN
        )
    )
    return {tenant_id: dict(settings or {}) for tenant_id, settings in rows}


def _platform_settings(conn: sa.Connection) -> dict[str, Any] | None:
    found = conn.execute(
        sa.select(platform_plugins.c.settings).where(platform_plugins.c.name == PLUGIN)
    ).first()
    return None if found is None else dict(found[0] or {})


def _tenants(conn: sa.Connection) -> list[SimpleNamespace]:
    """Plain rows with what ``kit.terms`` needs of a village (``code, kind, name …``)."""
    query = sa.select(tenants).order_by(tenants.c.id)
    return [SimpleNamespace(**row._mapping) for row in conn.execute(query)]


def _set_profile(conn: sa.Connection, tenant_id: int, profile: dict[str, Any]) -> None:
    conn.execute(sa.update(tenants).where(tenants.c.id == tenant_id).values(profile=profile))


def _set_village_settings(conn: sa.Connection, tenant_id: int, settings: dict[str, Any]) -> None:
    conn.execute(
        sa.update(village_plugins)
        .where(village_plugins.c.tenant_id == tenant_id, village_plugins.c.plugin == PLUGIN)
        .values(settings=settings)
    )


def _without_old_keys(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k not in OLD_KEYS}


def upgrade() -> None:
    conn = op.get_bind()
    villages = _village_settings(conn)
    platform = _platform_settings(conn)
    for tenant in _tenants(conn):
        profile = dict(tenant.profile or {})
        own = dict(profile.get(PROFILE_KEY) or {})
        # The platform's old values reached only villages where the pillar had been set up.
        moved = village_terms.legacy_changes(
            tenant, villages.get(tenant.id), platform if tenant.id in villages else None
        )
        merged = {**moved, **own}  # what the village set in the core already wins
        if merged != own:
            _set_profile(conn, tenant.id, {**profile, PROFILE_KEY: merged})
    for tenant_id, settings in villages.items():
        if any(k in settings for k in OLD_KEYS):
            _set_village_settings(conn, tenant_id, _without_old_keys(settings))
    if platform is not None and any(k in platform for k in OLD_KEYS):
        conn.execute(
            sa.update(platform_plugins)
            .where(platform_plugins.c.name == PLUGIN)
            .values(settings=_without_old_keys(platform))
        )


def _old_values(tenant: SimpleNamespace) -> dict[str, str]:
    """The village's terms under the pillar's old keys, as the pillar before this revision reads
    them (its words where they differ from its old defaults, its own letterhead values)."""
    own = {
        k: v
        for k, v in ((tenant.profile or {}).get(PROFILE_KEY) or {}).items()
        if k in village_terms.KEYS and v not in (None, "")
    }
    effective = {**village_terms.defaults_for(tenant), **own}
    words = {k: effective[k] for k, old in OLD_DEFAULTS.items() if effective[k] != old}
    new_to_old = {new: old for old, new in village_terms.LEGACY_KEYS.items()}
    return {new_to_old[k]: str(v) for k, v in {**own, **words}.items()}


def downgrade() -> None:
    conn = op.get_bind()
    villages = _village_settings(conn)
    now = datetime.now(UTC)
    for tenant in _tenants(conn):
        profile = dict(tenant.profile or {})
        if tenant.id not in villages and not profile.get(PROFILE_KEY):
            continue  # the pillar never ran here and the village set nothing: nothing to carry
        old = _old_values(tenant)
        if tenant.id in villages:
            if old:
                _set_village_settings(conn, tenant.id, {**villages[tenant.id], **old})
        elif old:
            conn.execute(
                sa.insert(village_plugins).values(
                    tenant_id=tenant.id,
                    plugin=PLUGIN,
                    enabled=False,
                    settings=old,
                    created_at=now,
                    updated_at=now,
                )
            )
        if PROFILE_KEY in profile:
            profile.pop(PROFILE_KEY)
            _set_profile(conn, tenant.id, profile)
