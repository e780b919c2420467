"""Plugins (pillars) and their rollout in the API.

- ``/api/v1/plugins`` and ``/api/v1/rollout``: platform-wide, for the rollout board's audience
  (platform admins, regency admins, facilitators); the board lists only the caller's villages.
- ``/api/v1/desa/<slug>/plugins…``: one village's pillars; a village outside the caller's roles
  answers 404, a missing permission there 403 (``village.plugins.view`` / ``village.plugins.manage``).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from marshmallow import fields, validate

from ..models import Tenant, User
from ..plugin_system import settings as plugin_settings
from ..plugin_system.state import enabled_for, platform_state, plugins
from ..plugin_system.types import PluginInfo, ReadinessCheck
from ..rollout import board as matrix
from ..rollout import scope
from ..rollout.access import parse_filters
from ..services import rollout
from ..web.tenant import current_tenant
from .pagination import PAGINATION, page_of
from .schemas import QuerySchema, VillageRefSchema
from .security import ApiError, api_blueprint, api_user, require, village_blueprint

blp = api_blueprint(
    "Plugins",
    __name__,
    "/api/v1",
    "Installed plugins (pillars) and the rollout board across the caller's villages.",
)
desa_blp = village_blueprint(
    "VillagePlugins", __name__, "One village's pillars: readiness, enabling and disabling."
)

STATES = [matrix.ENABLED, matrix.READY, matrix.BLOCKED]


# -- schemas ---------------------------------------------------------------------------------------


class TitlesSchema(ma.Schema):
    id = fields.Str(attribute="title_id")
    en = fields.Str(attribute="title_en")


class PluginSchema(ma.Schema):
    name = fields.Str()
    title = fields.Str(metadata={"description": "Title in the request's language."})
    titles = fields.Nested(TitlesSchema, allow_none=True)
    pillar = fields.Str(allow_none=True)
    version = fields.Str(allow_none=True)
    state = fields.Str(metadata={"enum": ["installed", "needs upgrade", "discovered", "broken"]})
    requires = fields.List(fields.Str())
    rollout_order = fields.Int(allow_none=True)
    hooks = fields.List(fields.Str(), metadata={"description": "Hooks the plugin implements."})


class CheckSchema(ma.Schema):
    id = fields.Str()
    label = fields.Str()
    passed = fields.Bool()
    how_to_pass = fields.Str()
    link = fields.Str(
        metadata={"description": "URL path of the page that fixes the check; empty when none does."}
    )


class FailingSchema(CheckSchema):
    plugin = fields.Str(metadata={"description": "The plugin whose check fails (it or a requirement)."})


class CellSchema(ma.Schema):
    plugin = fields.Str()
    state = fields.Str(metadata={"enum": STATES})
    failing = fields.List(fields.Nested(FailingSchema))


class BoardVillageSchema(VillageRefSchema):
    district_code = fields.Str()
    district_name = fields.Str()
    regency_code = fields.Str()
    regency_name = fields.Str()


class BoardRowSchema(ma.Schema):
    village = fields.Nested(BoardVillageSchema)
    cells = fields.List(fields.Nested(CellSchema))


class ColumnSchema(ma.Schema):
    name = fields.Str()
    title = fields.Str()


class BoardSchema(ma.Schema):
    plugins = fields.List(fields.Nested(ColumnSchema), metadata={"description": "Columns, in rollout order."})
    villages = fields.List(fields.Nested(BoardRowSchema), metadata={"description": "One page of rows."})


class BoardQuerySchema(QuerySchema):
    regency = fields.Str(metadata={"description": "Regency code, e.g. 51.07."})
    district = fields.Str(metadata={"description": "District code, e.g. 51.07.01."})
    facilitator = fields.Int(metadata={"description": "User id: the villages this facilitator accompanies."})


class VillagePluginSchema(ma.Schema):
    name = fields.Str()
    title = fields.Str()
    titles = fields.Nested(TitlesSchema)
    version = fields.Str()
    requires = fields.List(fields.Str())
    enabled = fields.Bool()
    state = fields.Str(metadata={"enum": STATES})
    checks = fields.List(
        fields.Nested(CheckSchema), metadata={"description": "The plugin's own readiness checks."}
    )
    failing = fields.List(
        fields.Nested(FailingSchema),
        metadata={"description": "Failing checks of the plugin and of requirements not yet enabled."},
    )


class EnableSchema(ma.Schema):
    dry_run = fields.Bool(load_default=False, metadata={"description": "Show the plan; change nothing."})
    override_reason = fields.Str(
        validate=validate.Length(max=1000),
        metadata={"description": "Enable although checks fail (regency or platform admin); audited."},
    )


class StepSchema(ma.Schema):
    plugin = fields.Str()
    title = fields.Str()
    already = fields.Bool(metadata={"description": "Already enabled: nothing to do for it."})
    ready = fields.Bool()
    checks = fields.List(fields.Nested(CheckSchema))


class PlanSchema(ma.Schema):
    village = fields.Str(metadata={"description": "The village's slug."})
    plugin = fields.Str()
    ready = fields.Bool()
    override = fields.Bool(metadata={"description": "Enabled although a check fails."})
    applied = fields.Bool(metadata={"description": "False for a dry run."})
    steps = fields.List(fields.Nested(StepSchema), metadata={"description": "Requirements first."})


class DisableSchema(ma.Schema):
    confirm_dependents = fields.Bool(
        load_default=False, metadata={"description": "Also disable the enabled plugins that need it."}
    )
    reason = fields.Str(validate=validate.Length(max=1000))


class DisabledSchema(ma.Schema):
    village = fields.Str()
    plugin = fields.Str()
    disabled = fields.List(fields.Str(), metadata={"description": "Dependents first; no data is deleted."})


# -- helpers ---------------------------------------------------------------------------------------


def _locale() -> str:
    return str(get_locale())


def _audience() -> User:
    user = api_user()
    if not scope.is_audience(user):
        raise ApiError(
            403, _("Only platform admins, regency admins and facilitators may do this."), "forbidden"
        )
    return user


def _check(c: ReadinessCheck, plugin: str | None = None) -> dict[str, Any]:
    out = {"id": c.id, "label": c.label, "passed": c.passed, "how_to_pass": c.how_to_pass, "link": c.link}
    return out if plugin is None else {**out, "plugin": plugin}


def _cell(cell: matrix.Cell) -> dict[str, Any]:
    return {"plugin": cell.plugin, "state": cell.state, "failing": [_check(c, p) for p, c in cell.failing]}


def _plan(plan: rollout.Plan, applied: bool) -> dict[str, Any]:
    infos = {s.plugin: plugins().info(s.plugin) for s in plan.steps}
    return {
        "village": plan.tenant.slug,
        "plugin": plan.target,
        "ready": plan.ready,
        "override": not plan.ready,
        "applied": applied,
        "steps": [
            {
                "plugin": s.plugin,
                "title": infos[s.plugin].title(_locale()),
                "already": s.already,
                "ready": s.ready,
                "checks": [_check(c) for c in s.checks],
            }
            for s in plan.steps
        ],
    }


class SettingsSchema(ma.Schema):
    plugin = fields.String()
    settings = fields.Dict(
        metadata={"description": "Effective values: the village's, else the platform's, else the default"}
    )


class SettingsChangeSchema(ma.Schema):
    settings = fields.Dict(required=True, metadata={"description": "Only the keys to change"})


def _info_or_404(name: str) -> PluginInfo:
    info = next((i for i in matrix.columns() if i.name == name), None)
    if info is None:
        raise ApiError(404, _("No plugin named '%(name)s' is installed.", name=name), "unknown_plugin")
    return info


# -- platform --------------------------------------------------------------------------------------


@blp.route("/plugins")
class Plugins(MethodView):
    @blp.response(200, PluginSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Every plugin the platform found, with its version, platform state, requirements and hooks.

        Broken plugins are listed too (``state`` = ``broken``, no titles), in dependency order
        after the working ones.
        """
        _audience()
        registry = plugins()
        names = list(registry.working()) + sorted(n for n, p in registry.loaded.items() if p.broken)
        rows = []
        for name in names:
            loaded = registry.loaded[name]
            info = loaded.info if not loaded.broken else None
            rows.append(
                {
                    "name": name,
                    "title": info.title(_locale()) if info else name,
                    "titles": info,
                    "pillar": info.pillar if info else None,
                    "version": info.version if info else None,
                    "state": platform_state(name),
                    "requires": list(loaded.requires),
                    "rollout_order": info.rollout_order if info else None,
                    "hooks": registry.implemented_hooks(name),
                }
            )
        return rows


@blp.route("/rollout")
class Rollout(MethodView):
    @blp.arguments(BoardQuerySchema, location="query")
    @blp.response(200, BoardSchema)
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> dict[str, Any]:
        """The rollout board: the caller's villages by installed plugins, one page of villages.

        Each cell is ``enabled``, ``ready`` (the plugin and what it requires pass their checks) or
        ``blocked`` (with the failing checks). Filters as on the page; ``X-Pagination`` header.
        """
        user = _audience()
        filters = parse_filters(args.get("regency"), args.get("district"), args.get("facilitator"))
        tenants: list[Tenant] = page_of(scope.villages(user, filters), pagination_parameters)
        infos = matrix.columns()
        rows = matrix.rows_for(tenants, [i.name for i in infos])
        return {
            "plugins": [{"name": i.name, "title": i.title(_locale())} for i in infos],
            "villages": [{"village": r.tenant, "cells": [_cell(c) for c in r.cells]} for r in rows],
        }


# -- one village -----------------------------------------------------------------------------------


@desa_blp.route("/plugins")
class VillagePlugins(MethodView):
    @desa_blp.response(200, VillagePluginSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The installed plugins here, in rollout order: enabled or not, and what blocks each."""
        tenant = current_tenant()
        require("village.plugins.view", tenant)
        infos = matrix.columns()
        enabled = enabled_for(tenant.id)
        checks: dict[str, list[ReadinessCheck]] = {}
        cells = matrix.cells_for(tenant, [i.name for i in infos], enabled, checks)
        return [
            {
                "name": info.name,
                "title": info.title(_locale()),
                "titles": info,
                "version": info.version,
                "requires": list(info.requires),
                "enabled": cell.state == matrix.ENABLED,
                "state": cell.state,
                "checks": [_check(c) for c in checks.get(info.name, [])],
                "failing": _cell(cell)["failing"],
            }
            for info, cell in zip(infos, cells, strict=True)
        ]


@desa_blp.route("/plugins/<name>/enable")
class Enable(MethodView):
    @desa_blp.arguments(EnableSchema)
    @desa_blp.response(200, PlanSchema)
    @desa_blp.alt_response(403, description="No permission, or an override by someone who may not override.")
    @desa_blp.alt_response(404, description="No such installed plugin (`unknown_plugin`).")
    @desa_blp.alt_response(
        409, description="`not_ready` (checks fail, no override reason) or `no_change` (already enabled)."
    )
    def post(self, data: dict, name: str) -> dict[str, Any]:
        """Enable a plugin and the plugins it requires here, all together or none.

        A check that fails refuses it (409 ``not_ready``, the message says what to do) unless a
        regency or platform admin gives ``override_reason``, which is audited. With ``dry_run``
        the same answer comes back (the plan, or the same refusal) and nothing changes.
        """
        tenant = current_tenant()
        user = require("village.plugins.manage", tenant)
        _info_or_404(name)
        plan = rollout.enable(
            tenant,
            name,
            actor=user,
            override_reason=data.get("override_reason"),
            dry_run=data["dry_run"],
        )
        return _plan(plan, applied=not data["dry_run"])


@desa_blp.route("/plugins/<name>/disable")
class Disable(MethodView):
    @desa_blp.arguments(DisableSchema)
    @desa_blp.response(200, DisabledSchema)
    @desa_blp.alt_response(404, description="No such installed plugin (`unknown_plugin`).")
    @desa_blp.alt_response(
        409,
        description="`has_dependents` (enabled plugins need it: confirm) or `no_change` (not enabled).",
    )
    def post(self, data: dict, name: str) -> dict[str, Any]:
        """Disable a plugin here; enabled plugins that need it go too once confirmed. No data is deleted."""
        tenant = current_tenant()
        user = require("village.plugins.manage", tenant)
        _info_or_404(name)
        if name in enabled_for(tenant.id):
            dependents = rollout.dependents(tenant, name)
            if dependents and not data["confirm_dependents"]:
                raise ApiError(
                    409,
                    _(
                        "%(names)s need %(name)s in %(village)s; send confirm_dependents to disable "
                        "them too.",
                        names=", ".join(dependents),
                        name=name,
                        village=tenant.name,
                    ),
                    "has_dependents",
                )
        disabled = rollout.disable(
            tenant,
            name,
            actor=user,
            reason=(data.get("reason") or "").strip() or None,
            with_dependents=data["confirm_dependents"],
        )
        return {"village": tenant.slug, "plugin": name, "disabled": disabled}


@desa_blp.route("/plugins/<name>/settings")
class VillagePluginSettings(MethodView):
    """The same settings as the village's settings page (``/desa/<slug>/pillars/<name>/settings``)."""

    @desa_blp.response(200, SettingsSchema)
    @desa_blp.alt_response(404, description="No such installed plugin, or it has no settings.")
    def get(self, name: str) -> dict[str, Any]:
        """The plugin's settings in this village; secret ones are redacted."""
        tenant = current_tenant()
        require("village.plugins.view", tenant)
        return _settings(name, tenant)

    @desa_blp.arguments(SettingsChangeSchema)
    @desa_blp.response(200, SettingsSchema)
    @desa_blp.alt_response(
        400, description="An unknown key or a value the plugin refuses (`invalid_settings`)."
    )
    def patch(self, data: dict, name: str) -> dict[str, Any]:
        """Change some settings for this village (works before the plugin is enabled); audited."""
        tenant = current_tenant()
        user = require("village.plugins.manage", tenant)
        _settings(name, tenant)
        plugin_settings.update(name, data["settings"], tenant=tenant, actor=user)
        return _settings(name, tenant)


def _settings(name: str, tenant: Tenant) -> dict[str, Any]:
    info = _info_or_404(name)
    if info.settings_schema is None:
        raise ApiError(404, _("%(name)s has no settings.", name=name), "no_settings")
    values = plugin_settings.resolve(name, tenant.id)
    return {"plugin": name, "settings": plugin_settings.redact(name, values)}
