"""Plugin settings: village value, then platform value, then the schema's typed default.

A plugin declares a marshmallow schema (``PluginInfo.settings_schema``); unknown keys are
rejected, values are type-checked, and the fields named in ``secret_settings`` are never shown.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, ValidationError

from ..extensions import db
from ..models import PlatformPlugin, Tenant, User, VillagePlugin
from ..services import ServiceError, audit
from ..services.i18n import _, validation_messages
from .state import plugins

REDACTED = "••••••"


def _schema(name: str):  # noqa: ANN202
    info = plugins().info(name)
    if info.settings_schema is None:
        return None
    return info.settings_schema(unknown=RAISE)


def defaults(name: str) -> dict[str, Any]:
    schema = _schema(name)
    if schema is None:
        return {}
    return {key: f.load_default for key, f in schema.fields.items() if f.load_default is not None}


def resolve(name: str, tenant_id: int | None = None) -> dict[str, Any]:
    """The effective settings of a plugin in one village (or on the platform)."""
    values = defaults(name)
    platform = db.session.get(PlatformPlugin, name)
    values.update((platform.settings or {}) if platform else {})
    if tenant_id is not None:
        village = db.session.get(VillagePlugin, (tenant_id, name))
        values.update((village.settings or {}) if village else {})
    return values


def validate(name: str, changes: dict[str, Any]) -> dict[str, Any]:
    schema = _schema(name)
    if schema is None:
        if changes:
            raise ServiceError(_("The plugin %(name)s has no settings.", name=name), "unknown_setting")
        return {}
    try:
        loaded = schema.load(changes, partial=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{field}: {' '.join(map(str, found if isinstance(found, list) else [found]))}"
            for field, found in validation_messages(exc.messages).items()
        )
        message = _("Invalid settings for %(name)s: %(problems)s", name=name, problems=problems)
        raise ServiceError(message, "invalid_settings") from None
    return schema.dump(loaded)


def update(
    name: str, changes: dict[str, Any], *, tenant: Tenant | None = None, actor: User | None = None
) -> dict:
    """Store validated settings for a village (or the platform when ``tenant`` is None)."""
    clean = validate(name, changes)
    if tenant is None:
        row = db.session.get(PlatformPlugin, name) or PlatformPlugin(name=name, installed=False, settings={})
    else:
        row = db.session.get(VillagePlugin, (tenant.id, name)) or VillagePlugin(
            tenant_id=tenant.id, plugin=name, enabled=False, settings={}
        )
    row.settings = {**(row.settings or {}), **clean}
    db.session.add(row)
    audit.record(
        "plugin.settings_changed",
        actor=actor,
        tenant_id=tenant.id if tenant else None,
        target=name,
        keys=sorted(clean),
    )
    db.session.commit()
    return resolve(name, tenant.id if tenant else None)


def redact(name: str, values: dict[str, Any]) -> dict[str, Any]:
    secret = set(plugins().info(name).secret_settings)
    return {k: (REDACTED if k in secret and v not in (None, "") else v) for k, v in values.items()}


def parse_assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    """``key=value`` pairs from the command line (values are typed by the schema)."""
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ServiceError(f"'{pair}' is not key=value.", "invalid_settings")
        result[key.strip()] = value
    return result
