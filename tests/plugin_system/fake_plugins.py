"""Small in-process plugins for testing the plugin system itself (no package, no models)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask.cli import with_appcontext
from flask_smorest import Blueprint as ApiBlueprint

from desacerdas import hookimpl
from desacerdas.plugin_system.types import (
    DocumentKind,
    Indicator,
    NavEntry,
    PermissionSpec,
    PluginBlueprints,
    PluginInfo,
    ReadinessCheck,
    Widget,
)


class FakePlugin:
    """A configurable plugin object; pluggy registers instances just like modules."""

    def __init__(
        self,
        name: str,
        *,
        requires: tuple[str, ...] = (),
        ready: bool = True,
        order: int = 50,
        settings_schema: type | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.requires = requires
        self.ready = ready
        self.order = order
        self.settings_schema = settings_schema
        self.secrets = secrets
        self.calls: list[tuple[str, object]] = []
        self.events: list[object] = []
        self.fail_on_enable = False
        self.fail_on_event = False
        self.pages = Blueprint(name, __name__)
        self.api = ApiBlueprint(f"{name}_api", __name__, description=f"{name} API")

        @self.pages.get("/")
        def index():  # noqa: ANN202
            return f"<h1>{name} of {g.tenant.name}</h1>"

        @self.api.route("/ping")
        def ping():  # noqa: ANN202
            return jsonify(plugin=name, village=g.tenant.slug)

    @hookimpl
    def desa_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            self.name,
            f"Uji {self.name}",
            f"Test {self.name}",
            "test",
            "1.0",
            requires=self.requires,
            rollout_order=self.order,
            settings_schema=self.settings_schema,
            secret_settings=self.secrets,
        )

    @hookimpl
    def desa_permissions(self) -> list[PermissionSpec]:
        return [PermissionSpec(f"{self.name}.use", f"Use {self.name}", ("operator",))]

    @hookimpl
    def desa_blueprints(self, app) -> PluginBlueprints:  # noqa: ANN001
        return PluginBlueprints(pages=self.pages, api=self.api)

    @hookimpl
    def desa_navigation(self, tenant, user) -> list[NavEntry]:  # noqa: ANN001
        self.calls.append(("desa_navigation", tenant.slug))
        return [NavEntry(f"Menu {self.name}", f"{self.name}.index", 50)]

    @hookimpl
    def desa_dashboard_widgets(self, tenant, user, session) -> list[Widget]:  # noqa: ANN001
        return [Widget(f"Widget {self.name}", (("answer", 42),))]

    @hookimpl
    def desa_readiness_checks(self, tenant, session) -> list[ReadinessCheck]:  # noqa: ANN001
        return [
            ReadinessCheck(f"{self.name}.ok", f"{self.name} prerequisites", self.ready, "Do the thing first.")
        ]

    @hookimpl
    def desa_on_enable(self, tenant, session) -> None:  # noqa: ANN001
        if self.fail_on_enable:
            raise RuntimeError("seeding failed")
        self.calls.append(("desa_on_enable", tenant.slug))

    @hookimpl
    def desa_on_disable(self, tenant, session) -> None:  # noqa: ANN001
        self.calls.append(("desa_on_disable", tenant.slug))

    @hookimpl
    def desa_indicators(self, tenant, period, session) -> list[Indicator]:  # noqa: ANN001
        return [Indicator(f"{self.name}.score", f"{self.name} score", 7, series=(("a", 1.0), ("b", 3.0)))]

    @hookimpl
    def desa_event(self, event, session) -> None:  # noqa: ANN001
        if self.fail_on_event:
            raise RuntimeError("handler failed")
        self.events.append(event)


class FakeWithCli(FakePlugin):
    """Adds a CLI group, a document kind and demo data to a fake plugin."""

    @hookimpl
    def desa_cli_commands(self):  # noqa: ANN201
        import click

        from desacerdas.plugin_system.cli_support import village_for_plugin

        @click.group()
        def group() -> None:
            """Commands of the fake plugin."""

        @group.command("hello")
        @click.option("--tenant", "slug", required=True)
        @with_appcontext
        def hello(slug: str) -> None:
            tenant = village_for_plugin(self.name, slug)
            click.echo(f"hello from {self.name} in {tenant.name}")

        return group

    @hookimpl
    def desa_document_kinds(self) -> list[DocumentKind]:
        return [DocumentKind(f"{self.name}.photo", "Photo", ("image/jpeg",))]

    @hookimpl
    def desa_notification_kinds(self) -> list:
        return []

    @hookimpl
    def desa_demo_data(self, tenant, session) -> None:  # noqa: ANN001
        self.calls.append(("desa_demo_data", tenant.slug))


class BrokenInfo:
    """Claims a different name than its entry point: refused as broken."""

    @hookimpl
    def desa_plugin_info(self) -> PluginInfo:
        return PluginInfo("someone_else", "x", "x", None, "1")


class Misspelled(FakePlugin):
    """Implements ``desa_indicator`` (no such hook: ``desa_indicators`` is meant): refused as broken."""

    @hookimpl
    def desa_indicator(self, tenant, period, session) -> list[Indicator]:  # noqa: ANN001
        return []


class OptionalExtra(FakePlugin):
    """An unknown hook marked optional is allowed, as pluggy allows it."""

    @hookimpl(optionalhook=True)
    def desa_future_hook(self) -> None:
        return None


class CliCommandOnly(FakePlugin):
    """``desa_cli_commands`` returns one plain command, run as ``desa <plugin> --tenant …``."""

    @hookimpl
    def desa_cli_commands(self):  # noqa: ANN201
        import click

        from desacerdas.plugin_system.cli_support import village_for_plugin

        @click.command()
        @click.option("--tenant", "slug", required=True)
        @with_appcontext
        def single(slug: str) -> None:
            tenant = village_for_plugin(self.name, slug)
            click.echo(f"one command of {self.name} in {tenant.name}")

        return single


class CliNotACommand(FakePlugin):
    """``desa_cli_commands`` returns a function, not a click command: refused as broken."""

    @hookimpl
    def desa_cli_commands(self):  # noqa: ANN201
        def not_a_command() -> None:
            """Forgot @click.command()."""

        return not_a_command
