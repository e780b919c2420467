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

from . import demo, readiness, statistics
from .models import MODELS
from .village_settings import GovernmentSettings


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
            # Letter services. A hamlet head sees and verifies only their hamlet's requests.
            PermissionSpec(
                "smart_government.letters.view",
                "See letter requests and issued letters",
                (*STAFF, "hamlet_head", "facilitator"),
                True,
            ),
            PermissionSpec(
                "smart_government.letters.process",
                "Enter requests at the counter, verify and reject them",
                (*STAFF, "hamlet_head"),
            ),
            PermissionSpec(
                "smart_government.letters.approve",
                "Approve verified requests (when the village uses an approval step)",
                ("village_head", "village_secretary"),
            ),
            PermissionSpec(
                "smart_government.letters.sign",
                "Sign letters (the village head, or on their behalf: a.n., u.b., Plt., Plh.)",
                ("village_head", "village_secretary"),
            ),
            PermissionSpec(
                "smart_government.letters.issue", "Issue signed letters, reprint and revoke them", STAFF
            ),
            PermissionSpec(
                "smart_government.letters.configure",
                "Edit letter types, the letterhead, the workflow and the number format",
                ("village_head", "village_secretary"),
            ),
            PermissionSpec(
                "smart_government.letters.request", "Request letters online for oneself", ("resident",)
            ),
            # Resident accounts.
            PermissionSpec(
                "smart_government.registrations.review",
                "Approve or reject account requests and new arrivals",
                (*STAFF, "hamlet_head"),
            ),
            PermissionSpec(
                "smart_government.accounts.manage",
                "Create resident accounts and reset their PIN",
                STAFF,
            ),
        ]

    @hookimpl
    def desa_blueprints(self, app: Flask) -> PluginBlueprints:
        # These modules register their routes on self.pages and api.blp when imported.
        from . import api, api_accounts, api_letters, views, views_accounts, views_letters  # noqa: F401

        return PluginBlueprints(pages=self.pages, api=api.blp)

    @hookimpl
    def desa_on_enable(self, tenant: Tenant, session: Session) -> None:
        """Seed the common letter types (only those the village does not have yet)."""
        from .letter_types import seed_defaults

        seed_defaults(tenant, session)

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
        if can(user, "smart_government.registrations.review", tenant):
            entries.append(
                NavEntry(str(_l("Registrations")), f"{self.name}.registrations", 103 + self.rollout_order)
            )
        if can(user, "smart_government.letters.view", tenant):
            entries.append(
                NavEntry(str(_l("Letter requests")), f"{self.name}.letter_requests", 104 + self.rollout_order)
            )
        if can(user, "smart_government.letters.request", tenant):
            entries.append(
                NavEntry(str(_l("My letters")), f"{self.name}.my_letters", 105 + self.rollout_order)
            )
        if can(user, "smart_government.letters.configure", tenant):
            entries += [
                NavEntry(str(_l("Letter types")), f"{self.name}.letter_types", 106 + self.rollout_order),
                NavEntry(
                    str(_l("Letter settings")), f"{self.name}.letter_settings", 107 + self.rollout_order
                ),
            ]
        if user is None or not getattr(user, "is_authenticated", False):
            entries.append(
                NavEntry(
                    str(_l("Residents' sign-in")), f"{self.name}.resident_sign_in", 109 + self.rollout_order
                )
            )
        return entries

    @hookimpl
    def desa_indicators(self, tenant: Tenant, period: str, session: Session) -> list[Indicator]:
        from . import letter_figures

        return [
            *statistics.indicators(tenant, period, session),
            *letter_figures.indicators(tenant, period, session),
        ]

    @hookimpl
    def desa_demo_data(self, tenant: Tenant, session: Session) -> None:
        from .demo_letters import load_letters

        demo.load(tenant, session)
        session.flush()
        load_letters(tenant, session)

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
    settings_schema=GovernmentSettings,
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
        readiness.letterhead_set,
        readiness.letter_type_active,
    ],
)


@plugin.pages.context_processor
def _local_terms() -> dict[str, object]:
    """Every page of the pillar names offices as the village does (``terms.hamlet`` …)."""
    from flask import g

    from .village_settings import terms_for

    tenant = getattr(g, "tenant", None)
    return {"terms": terms_for(tenant)} if tenant is not None else {}
