"""In-process plugins for testing the pytest plugin's fixtures and contract checks.

``good`` follows the rules; ``leaky`` reads hamlets of every village; ``sneaky`` adds a route the
platform cannot gate; ``careless`` declares a model that is not tenant-owned (refused at load).
They own the core's ``Hamlet`` model, so no table of their own is needed.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Flask, abort, g
from sqlalchemy import select

from desacerdas import hookimpl
from desacerdas.extensions import db
from desacerdas.models import Hamlet, Tenant
from desacerdas.plugin_system.types import PluginBlueprints, PluginInfo
from desacerdas.tenancy import tenant_session


class Fake:
    def __init__(self, name: str, *, leak: bool = False, sneak: bool = False) -> None:
        self.name, self.leak, self.sneak = name, leak, sneak
        self.pages = Blueprint(name, __name__)
        self.pages.add_url_rule("/", "index", self.index)
        self.pages.add_url_rule("/hamlets/<uuid:hamlet_id>", "hamlet", self.hamlet)
        self.pages.add_url_rule("/hamlets", "add", self.add, methods=["POST"])

    def _hamlets(self) -> list[Hamlet]:
        if not self.leak:
            return list(db.session.scalars(select(Hamlet)))
        found = []
        for tenant_id in db.session.scalars(select(Tenant.id)):  # the bug: every village's rows
            with tenant_session(tenant_id) as session:
                found += list(session.scalars(select(Hamlet)))
        return found

    def index(self) -> str:
        return " ".join(f"{h.name}:{h.id}" for h in self._hamlets()) or f"{self.name} in {g.tenant.slug}"

    def hamlet(self, hamlet_id: uuid.UUID) -> str:
        for hamlet in self._hamlets():
            if hamlet.id == hamlet_id:
                return hamlet.name
        abort(404)

    def add(self) -> tuple[str, int]:
        return "", 201

    @hookimpl
    def desa_plugin_info(self) -> PluginInfo:
        return PluginInfo(self.name, f"Uji {self.name}", f"Test {self.name}", None, "1.0")

    @hookimpl
    def desa_blueprints(self, app: Flask) -> PluginBlueprints:
        if self.sneak:
            app.add_url_rule(f"/desa/<slug>/{self.name}/open", f"{self.name}_open", lambda slug: "open")
        return PluginBlueprints(pages=self.pages)

    @hookimpl
    def desa_owned_models(self) -> list[type]:
        return [Hamlet]


class NotTenantOwned:
    __tablename__ = "careless"


class Careless:
    @hookimpl
    def desa_plugin_info(self) -> PluginInfo:
        return PluginInfo("careless", "x", "x", None, "1.0")

    @hookimpl
    def desa_owned_models(self) -> list[type]:
        return [NotTenantOwned]


PLUGINS = {
    "good": Fake("good"),
    "leaky": Fake("leaky", leak=True),
    "sneaky": Fake("sneaky", sneak=True),
    "careless": Careless(),
}
