"""A village's notification switches: which external channels it uses and its daily cap.

Stored in ``Tenant.profile["notifications"]`` as ``{"channels": {"whatsapp": bool, ...},
"daily_cap": int}``; only what the village changed is kept. A channel the village never touched
is on (it still needs the platform to configure a provider), and the cap never exceeds the
platform's ``NOTIFY_DAILY_CAP``. Reading costs no query: the tenant row is loaded anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..models import Tenant, User
from ..services import ServiceError, audit
from ..services.i18n import _
from .kinds import EXTERNAL_CHANNELS

PROFILE_KEY = "notifications"


def platform_cap() -> int:
    return int(current_app.config.get("NOTIFY_DAILY_CAP", 300))


@dataclass(frozen=True)
class ChannelSettings:
    """What the village chose, with the platform's limits applied."""

    channels: dict[str, bool] = field(default_factory=dict)
    daily_cap: int = 0

    def enabled(self, channel: str) -> bool:
        return channel == "inbox" or bool(self.channels.get(channel, False))


def village_settings(tenant: Tenant | None) -> ChannelSettings:
    """The village's switches (every external channel on by default) and its daily cap; for a
    platform-level recipient (``tenant`` None) every channel is on at the platform cap."""
    cap = platform_cap()
    stored = ((tenant.profile or {}).get(PROFILE_KEY) or {}) if tenant is not None else {}
    chosen = stored.get("channels") or {}
    channels = {c: bool(chosen.get(c, True)) for c in EXTERNAL_CHANNELS}
    own_cap = stored.get("daily_cap")
    daily_cap = cap if own_cap is None else max(0, min(int(own_cap), cap))
    return ChannelSettings(channels=channels, daily_cap=daily_cap)


def _clean(changes: Mapping) -> dict:
    out: dict = {}
    if "channels" in changes:
        given = changes["channels"] or {}
        unknown = sorted(set(given) - set(EXTERNAL_CHANNELS))
        if unknown:
            raise ServiceError(_("Unknown channel: %(names)s.", names=", ".join(unknown)), "unknown_channel")
        out["channels"] = {c: bool(v) for c, v in given.items()}
    if "daily_cap" in changes:
        cap = changes["daily_cap"]
        if cap is not None:
            try:
                cap = int(cap)
            except (TypeError, ValueError):
                raise ServiceError(_("The daily limit must be a whole number."), "invalid_cap") from None
            if cap < 0 or cap > platform_cap():
                raise ServiceError(
                    _("The daily limit must be between 0 and %(cap)d.", cap=platform_cap()),
                    "invalid_cap",
                )
        out["daily_cap"] = cap
    return out


def save_settings(
    session: Session,
    tenant: Tenant,
    changes: Mapping,
    *,
    actor: User | None = None,
    commit: bool = True,
) -> ChannelSettings:
    """Apply ``changes`` (``channels`` dict and/or ``daily_cap``; ``daily_cap`` None: the platform
    cap), audit them, and return the new settings. The tenant row is locked while it changes."""
    clean = _clean(changes)
    row = session.scalar(
        select(Tenant)
        .where(Tenant.id == tenant.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    profile = dict(row.profile or {})
    own = dict(profile.get(PROFILE_KEY) or {})
    if "channels" in clean:
        own["channels"] = {**(own.get("channels") or {}), **clean["channels"]}
    if "daily_cap" in clean:
        if clean["daily_cap"] is None:
            own.pop("daily_cap", None)
        else:
            own["daily_cap"] = clean["daily_cap"]
    profile[PROFILE_KEY] = own
    row.profile = profile
    audit.record(
        "notifications.settings_changed",
        actor=actor,
        tenant_id=tenant.id,
        target="notifications",
        session=session,
        **clean,
    )
    if commit:
        session.commit()
    if row is not tenant:
        set_committed_value(tenant, "profile", row.profile)
    return village_settings(row)
