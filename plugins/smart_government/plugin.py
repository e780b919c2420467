"""Hook implementations of smart_government, registered through the ``desacerdas.plugins`` entry point.

The population registry lives in ``models`` (residents, families, civil events); its pages, API
and services register on this plugin's blueprints.
"""

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from desacerdas import hookimpl
from desacerdas.models import Role, Tenant, User
from desacerdas.plugin_system.pillar import STAFF, Pillar, has_hamlets, has_role, has_staff
from desacerdas.plugin_system.types import Indicator, NavEntry, PermissionSpec, PluginBlueprints

from . import demo, statistics
from .models import MODELS


class Government(Pillar):
    """The smart government pillar: the population registry (and, next, letter services)."""

    @hookimpl
    def desa_owned_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def desa_permissions(self) -> list[PermissionSpec]:
        """The pillar's view/manage, plus the registry's: a hamlet head reads and edits only their
        hamlet (``registry.hamlet_scope_for``), so granting them these is safe."""
        return [
            *super().desa_permissions(),
            PermissionSpec(
                "smart_government.residents.view",
                "See the population registry and its statistics",
                (*STAFF, "hamlet_head", "facilitator"),
                True,
            ),
            PermissionSpec(
                "smart_government.residents.edit",
                "Register residents and families and record civil events",
                (*STAFF, "hamlet_head"),
            ),
        ]

    @hookimpl
    def desa_blueprints(self, app: Flask) -> PluginBlueprints:
        from . import api, views  # noqa: F401 - views registers its routes on self.pages

        return PluginBlueprints(pages=self.pages, api=api.blp)

    @hookimpl
    def desa_navigation(self, tenant: Tenant, user: User | None) -> list[NavEntry]:
        from desacerdas.auth.permissions import can

        entries = [
            NavEntry(
                self.title_en if str(get_locale()) == "en" else self.title_id,
                f"{self.name}.index",
                100 + self.rollout_order,
            )
        ]
        if can(user, "smart_government.residents.view", tenant):
            entries += [
                NavEntry(str(_l("Residents")), f"{self.name}.residents", 101 + self.rollout_order),
                NavEntry(
                    str(_l("Population statistics")),
                    f"{self.name}.population_statistics",
                    102 + self.rollout_order,
                ),
            ]
        return entries

    @hookimpl
    def desa_indicators(self, tenant: Tenant, period: str, session: Session) -> list[Indicator]:
        return statistics.indicators(tenant, period, session)

    @hookimpl
    def desa_demo_data(self, tenant: Tenant, session: Session) -> None:
        demo.load(tenant, session)

    @hookimpl
    def desa_cli_commands(self):  # noqa: ANN201 - a click group
        from .cli import group

        return group()


plugin = Government(
    name="smart_government",
    title_id="Pemerintahan Cerdas",
    title_en="Smart government",
    pillar="government",
    version="0.1.0",
    description=(
        "Layanan pemerintahan digital: registrasi penduduk, pendaftaran daring, "
        "dan layanan surat dengan penomoran, PDF dan verifikasi."
    ),
    description_en=(
        "Digital government services: population registry, online registration, "
        "and letter services with numbering, PDF and verification."
    ),
    rollout_order=10,
    requires=(),
    checks=[
        has_role(
            Role.VILLAGE_HEAD,
            _l("A village head account exists"),
            _l("Create the village head's account and grant the village_head role."),
        ),
        has_hamlets(
            _l("At least one hamlet is registered"), _l("Add the village's hamlets (banjar dinas / dusun).")
        ),
        has_staff(
            _l("A secretary or operator account exists"),
            _l("Grant an operator or the village secretary an account to serve at the counter."),
        ),
    ],
)
