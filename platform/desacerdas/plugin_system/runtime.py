"""Wiring plugins into the application at start-up.

Every installed plugin's blueprints are registered when the app is created (Flask refuses
registration after the first request) and gated per request: in a village where the plugin is not
enabled, its pages and API answer 404.
"""

from __future__ import annotations

import click
from flask import Blueprint, Flask, abort, g

from ..auth.permissions import registry as permission_registry
from . import core_hooks, events, migrations
from .manager import PluginRefused, Plugins


def init_app(app: Flask) -> Plugins:
    registry = Plugins()
    registry.register_core(core_hooks)
    if app.config.get("DISCOVER_PLUGINS", True):
        registry.discover()
    for name, module in (app.config.get("EXTRA_PLUGINS") or {}).items():
        registry.add(name, module)
    app.extensions["desa_plugins"] = registry
    migrations.init_app(app)
    events.install()
    for specs in registry.all.desa_permissions():
        for spec in specs or []:
            permission_registry.register(spec.name, spec.description, spec.roles, read_only=spec.read_only)
    for name in list(registry.working()):
        try:
            _register_blueprints(app, registry, name)
            _register_cli(app, registry, name)
        except PluginRefused as exc:
            registry.loaded[name].error = str(exc)
            registry.pm.unregister(name=name)
            app.logger.error("plugin %s refused: %s", name, exc)
    registry.install_translations(app)
    return registry


def gate(plugin: str):  # noqa: ANN201
    """A before_request function: 404 unless ``plugin`` is enabled in the current village."""

    def _gate() -> None:
        if plugin not in g.get("enabled_plugins", frozenset()):
            abort(404)

    return _gate


def _register_blueprints(app: Flask, registry: Plugins, name: str) -> None:
    from ..api.desa import SLUG_PARAMETER
    from ..api.security import attach_village_auth
    from ..extensions import api_of
    from ..web.tenant import attach_village_resolution

    results = [r for r in registry.hook_only(name).desa_blueprints(app=app) if r is not None]
    for result in results:
        if result.pages is not None:
            _check_name(result.pages, name)
            if _first_time(result.pages):
                attach_village_resolution(result.pages)
                result.pages.before_request(gate(name))
            app.register_blueprint(result.pages, url_prefix=f"/desa/<slug>/{name}")
        if result.api is not None:
            _check_name(result.api, f"{name}_api")
            if _first_time(result.api):
                attach_village_auth(result.api)
                result.api.before_request(gate(name))
            api_of(app).register_blueprint(
                result.api, url_prefix=f"/api/v1/desa/<slug>/{name}", parameters=[SLUG_PARAMETER]
            )


def _first_time(bp: Blueprint) -> bool:
    """Plugin objects live as long as the process; a second app (tests) reuses their blueprints."""
    seen = getattr(bp, "_desa_gated", False)
    bp._desa_gated = True
    return not seen


def _check_name(bp: Blueprint, expected: str) -> None:
    if bp.name != expected:
        raise PluginRefused(f"blueprint '{bp.name}' must be named '{expected}'")


def _register_cli(app: Flask, registry: Plugins, name: str) -> None:
    for group in registry.hook_only(name).desa_cli_commands():
        if group is None:
            continue
        if not isinstance(group, click.Command):
            raise PluginRefused("desa_cli_commands must return a click command or group")
        group.name = name
        app.cli.add_command(group, name)
