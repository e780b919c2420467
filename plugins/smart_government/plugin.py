"""Hook implementations of smart_government, registered through the ``desacerdas.plugins`` entry point.

Three features, each a sub-package with its models, services, pages, API and templates: the
population registry (``registry``), letter services (``letters``) and resident accounts
(``accounts``). Each feature's pages and API are one blueprint, nested here in the pillar's own
(:meth:`Government.mount_features`): the platform mounts those at ``/desa/<slug>/smart_government``
and ``/api/v1/desa/<slug>/smart_government`` and gates them per village.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from desacerdas import hookimpl
from desacerdas.auth.permissions import can
from desacerdas.models import Tenant, User
from desacerdas.plugin_system.pillar import Pillar
from desacerdas.plugin_system.types import Indicator, NavEntry, PermissionSpec, PluginBlueprints

from . import cli, notice_kinds, readiness, waiting
from . import personal_data as own_data
from .accounts import api as accounts_api
from .accounts import views_resident as accounts_pages
from .accounts import web as accounts_web
from .accounts.models import MODELS as ACCOUNT_MODELS
from .letters import api as letters_api
from .letters import figures as letter_figures
from .letters import reminders as _reminders  # noqa: F401 - declares the daily reminder for beat
from .letters import web as letters_web
from .letters.demo import load_letters
from .letters.models import MODELS as LETTER_MODELS
from .letters.types import seed_defaults
from .permissions import (
    LETTERS_CONFIGURE,
    LETTERS_REQUEST,
    LETTERS_VIEW,
    PERMISSIONS,
    REGISTRATIONS_REVIEW,
    RESIDENTS_VIEW,
)
from .registry import api as registry_api
from .registry import demo, statistics
from .registry import web as registry_web
from .registry.models import MODELS as REGISTRY_MODELS
from .settings import GovernmentSettings

# Children before parents: purging a village's data deletes in this order.
MODELS: list[type] = [*ACCOUNT_MODELS, *LETTER_MODELS, *REGISTRY_MODELS]


class Government(Pillar):
    """The smart government pillar: population registry, letter services, resident accounts."""

    # One line under each part's link on the pillar's index page (the kit's ``overview``).
    part_hints = {  # noqa: RUF012 - read only
        "smart_government.registry.residents": _l(
            "Families and residents of the village: search, add, record events."
        ),
        "smart_government.registry.population_statistics": _l("Residents by age, sex and hamlet, as charts."),
        "smart_government.accounts.registrations": _l(
            "Residents who registered online, waiting for a check."
        ),
        "smart_government.letters.letter_requests": _l(
            "Letter requests to verify, sign and issue; new ones at the counter."
        ),
        "smart_government.letters.my_letters": _l("Ask the village for a letter and follow your requests."),
        "smart_government.letters.letter_types": _l("The letters the village issues and their wording."),
        "smart_government.letters.letter_settings": _l("Letter numbers and the steps of the workflow."),
        "village_contacts.village_contacts": _l("Where the village sends news of your letters."),
        "smart_government.accounts.resident_sign_in": _l(
            "Residents sign in with their NIK and PIN, or register."
        ),
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        self.api = ApiBlueprint(
            f"{self.name}_api",
            __name__,
            description="Smart government: the village's population registry (residents, families, events).",
        )
        self.mount_features()

    def mount_features(self) -> None:
        """Nest each feature's blueprint in the pillar's (once: the platform registers the same
        plugin object in every app the process creates)."""
        self.pages.register_blueprint(registry_web.blueprint())
        self.pages.register_blueprint(letters_web.blueprint())
        self.pages.register_blueprint(accounts_web.blueprint())
        # Rules for every page of the pillar, whichever feature it belongs to.
        self.pages.before_request(accounts_pages.pin_change_first)
        self.pages.register_error_handler(RequestEntityTooLarge, accounts_pages.too_large)
        self.api.register_blueprint(registry_api.blp)
        self.api.register_blueprint(accounts_api.blp)
        self.api.register_blueprint(letters_api.blp)
        self.api.before_request(accounts_api.pin_change_first)

    @hookimpl
    def desa_owned_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def desa_permissions(self) -> list[PermissionSpec]:
        """The pillar's view/manage, plus the features' (:mod:`smart_government.permissions`)."""
        return [*super().desa_permissions(), *PERMISSIONS]

    @hookimpl
    def desa_blueprints(self, app: Flask) -> PluginBlueprints:
        return PluginBlueprints(pages=self.pages, api=self.api)

    @hookimpl
    def desa_on_enable(self, tenant: Tenant, session: Session) -> None:
        """Seed the common letter types (only those the village does not have yet)."""
        seed_defaults(tenant, session)

    @hookimpl
    def desa_navigation(self, tenant: Tenant, user: User | None) -> list[NavEntry]:
        """The pillar's entry, then each of :data:`NAVIGATION` the user may open."""
        title = self.title_en if str(get_locale()) == "en" else self.title_id
        first = 100 + self.rollout_order
        entries = [NavEntry(title, f"{self.name}.index", first)]
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        for label, endpoint, position, permission in NAVIGATION:
            if (not signed_in) if permission is None else can(user, permission, tenant):
                entries.append(NavEntry(str(label), f"{self.name}.{endpoint}", first + position))
        if signed_in and can(user, LETTERS_REQUEST, tenant):  # where residents are told of their letters
            entries.append(
                NavEntry(str(_l("My phone numbers")), "village_contacts.village_contacts", first + 8)
            )
        return entries

    @hookimpl
    def desa_indicators(self, tenant: Tenant, period: str, session: Session) -> list[Indicator]:
        return [
            *statistics.indicators(tenant, period, session),
            *letter_figures.indicators(tenant, period, session),
        ]

    @hookimpl
    def desa_waiting_items(self, tenant: Tenant, session: Session) -> list:
        """Letter requests past the service standard and registrations to review (:mod:`.waiting`)."""
        return waiting.waiting_items(tenant, session)

    @hookimpl
    def desa_personal_data(self, tenant: Tenant, user: User, session: Session) -> list[dict]:
        """The resident's registry record, family, letters (with PDFs) and registrations."""
        return own_data.sections(tenant, user, session)

    @hookimpl
    def desa_demo_data(self, tenant: Tenant, session: Session) -> None:
        demo.load(tenant, session)
        session.flush()
        load_letters(tenant, session)

    @hookimpl
    def desa_notification_kinds(self) -> list:
        """PIN codes, registration decisions, letter moves and overdue reminders (:mod:`.notice_kinds`)."""
        return notice_kinds.kinds()

    @hookimpl
    def desa_cli_commands(self):  # noqa: ANN201 - a click group
        return cli.group()


# The features' pages in the menu: label, endpoint, place after the pillar's entry, and the
# permission it needs (None: only for someone not signed in).
NAVIGATION: tuple[tuple[object, str, int, str | None], ...] = (
    (_l("Residents"), "registry.residents", 1, RESIDENTS_VIEW),
    (_l("Population statistics"), "registry.population_statistics", 2, RESIDENTS_VIEW),
    (_l("Registrations"), "accounts.registrations", 3, REGISTRATIONS_REVIEW),
    (_l("Letter requests"), "letters.letter_requests", 4, LETTERS_VIEW),
    (_l("My letters"), "letters.my_letters", 5, LETTERS_REQUEST),
    (_l("Letter types"), "letters.letter_types", 6, LETTERS_CONFIGURE),
    (_l("Letter settings"), "letters.letter_settings", 7, LETTERS_CONFIGURE),
    (_l("Residents' sign-in"), "accounts.resident_sign_in", 9, None),
)

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
    checks=readiness.CHECKS,
)
