"""Hook implementations of smart_society, registered through the ``desacerdas.plugins`` entry point.

Complaints (``complaints``: filing, a workflow with the national standard's working-day deadlines,
an append-only thread, a public list the village chooses) are its first feature; social aid,
emergency alerts and community events follow (issue 14). The feature's pages and API are nested
in the pillar's blueprints, mounted at ``/desa/<slug>/smart_society`` and
``/api/v1/desa/<slug>/smart_society`` and gated per village.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy.orm import Session

from desacerdas import hookimpl
from desacerdas.auth.permissions import can
from desacerdas.models import Role, Tenant, User
from desacerdas.plugin_system.pillar import Pillar, has_role
from desacerdas.plugin_system.types import (
    DocumentKind,
    DomainEvent,
    Indicator,
    NavEntry,
    PermissionSpec,
    PluginBlueprints,
)

from .aid import api as aid_api
from .aid import demo as aid_demo
from .aid import figures as aid_figures
from .aid import service as aid
from .aid import views as aid_pages
from .aid.models import MODELS as AID_MODELS
from .alerts import api as alerts_api
from .alerts import figures as alert_figures
from .alerts import notices as alert_notices
from .alerts import views as alerts_pages
from .alerts.models import MODELS as ALERT_MODELS
from .complaints import api as complaints_api
from .complaints import demo as complaints_demo
from .complaints import figures as complaint_figures
from .complaints import notices as complaint_notices
from .complaints import views as complaints_pages
from .complaints.models import MODELS as COMPLAINT_MODELS
from .events import api as events_api
from .events import service as events
from .events import views as events_pages
from .events.models import MODELS as EVENT_MODELS
from .permissions import (
    AID_VIEW,
    ALERTS_RAISE,
    ALERTS_VIEW,
    COMPLAINTS_FILE,
    COMPLAINTS_HANDLE,
    COMPLAINTS_VIEW,
    PERMISSIONS,
)
from .settings import SocietySettings, anonymous_allowed, public_mode

MODELS: list[type] = [
    *AID_MODELS,
    *COMPLAINT_MODELS,
    *ALERT_MODELS,
    *EVENT_MODELS,
]  # children before parents (purge order)

# The features' pages in the menu: label, endpoint, place after the pillar's entry, permission.
NAVIGATION: tuple[tuple[object, str, int, str], ...] = (
    (_l("Complaints"), "complaints.complaints", 1, COMPLAINTS_VIEW),
    (_l("My complaints"), "complaints.my_complaints", 2, COMPLAINTS_FILE),
    (_l("File a complaint"), "complaints.new_complaint", 3, COMPLAINTS_FILE),
    (_l("Take a complaint"), "complaints.new_complaint", 3, COMPLAINTS_HANDLE),
    (_l("Social aid"), "aid.programmes", 4, AID_VIEW),
    (_l("Emergency alerts"), "alerts.alerts", 5, ALERTS_VIEW),
    (_l("Emergency button"), "alerts.alerts", 5, ALERTS_RAISE),
)


class Society(Pillar):
    """The smart society pillar: social aid, complaints, emergency alerts, community events."""

    event_prefixes = ("smart_government.resident.",)  # the registry's civil events end aid

    part_hints = {  # noqa: RUF012 - read only
        "smart_society.complaints.complaints": _l(
            "Complaints to verify, assign and answer within their deadlines."
        ),
        "smart_society.complaints.my_complaints": _l("Follow your complaints and reply."),
        "smart_society.complaints.new_complaint": _l("Tell the village what is wrong."),
        "smart_society.complaints.public_complaints": _l("What residents have complained about."),
        "smart_society.alerts.alerts": _l("The emergency button, and the alerts to answer at once."),
        "smart_society.aid.programmes": _l(
            "Aid programmes, candidates to the village deliberation, handovers, no double receipt."
        ),
        "smart_society.events.events": _l(
            "Meetings, gotong royong and ceremonies of the village and the banjar."
        ),
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        self.api = ApiBlueprint(
            f"{self.name}_api",
            __name__,
            description="Smart society: social aid, complaints, emergency alerts and community events.",
        )
        self.pages.register_blueprint(aid_pages.blueprint())
        self.pages.register_blueprint(complaints_pages.blueprint())
        self.pages.register_blueprint(alerts_pages.blueprint())
        self.pages.register_blueprint(events_pages.blueprint())
        self.api.register_blueprint(aid_api.blp)
        self.api.register_blueprint(complaints_api.blp)
        self.api.register_blueprint(alerts_api.blp)
        self.api.register_blueprint(events_api.blp)

    @hookimpl
    def desa_owned_models(self) -> list[type]:
        return list(MODELS)

    @hookimpl
    def desa_permissions(self) -> list[PermissionSpec]:
        return [*super().desa_permissions(), *PERMISSIONS]

    @hookimpl
    def desa_blueprints(self, app: Flask) -> PluginBlueprints:
        return PluginBlueprints(pages=self.pages, api=self.api)

    @hookimpl
    def desa_navigation(self, tenant: Tenant, user: User | None) -> list[NavEntry]:
        title = self.title_en if str(get_locale()) == "en" else self.title_id
        first = 100 + self.rollout_order
        entries = [NavEntry(title, f"{self.name}.index", first)]
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        shown: set[str] = set()
        for label, endpoint, position, permission in NAVIGATION:
            if signed_in and endpoint not in shown and can(user, permission, tenant):
                shown.add(endpoint)
                entries.append(NavEntry(str(label), f"{self.name}.{endpoint}", first + position))
        if not signed_in and anonymous_allowed(tenant):
            for label, endpoint in (
                (_l("File a complaint"), "file_anonymously"),
                (_l("Follow a complaint"), "track"),
            ):
                entries.append(NavEntry(str(label), f"{self.name}.complaints.{endpoint}", first + 3))
        entries.append(NavEntry(str(_l("Community events")), f"{self.name}.events.events", first + 6))
        if public_mode(tenant) != "none":
            entries.append(
                NavEntry(str(_l("Public complaints")), f"{self.name}.complaints.public_complaints", first + 4)
            )
        return entries

    @hookimpl
    def desa_indicators(self, tenant: Tenant, period: str, session: Session) -> list[Indicator]:
        return [
            *aid_figures.indicators(tenant, period, session),
            *complaint_figures.indicators(tenant, period, session),
            *alert_figures.indicators(tenant, period, session),
            *events.indicators(tenant, period, session),
        ]

    @hookimpl
    def desa_waiting_items(self, tenant: Tenant, session: Session) -> list:
        return [
            *complaint_figures.waiting_items(tenant, session),
            *aid_figures.waiting_items(tenant, session),
        ]

    @hookimpl
    def desa_notification_kinds(self) -> list:
        """New complaints and the daily overdue reminder for staff; steps for the complainant."""
        return [*complaint_notices.kinds(), *alert_notices.kinds()]

    @hookimpl
    def desa_document_kinds(self) -> list[DocumentKind]:
        """Minutes and decrees of aid deliberations, photos of handovers."""
        return [
            DocumentKind(
                aid.DOCUMENT_KIND,
                str(_l("Social aid: deliberation minutes, decrees, handover photos")),
                ("application/pdf", "image/jpeg", "image/png"),
            )
        ]

    @hookimpl
    def desa_event(self, event: DomainEvent, session: Session | None) -> None:
        """A death or a move out recorded in the registry ends the person's aid."""
        prefix = "smart_government.resident."
        if session is None or not event.name.startswith(prefix) or event.tenant_id is None:
            return
        import datetime as dt
        import uuid

        tenant = session.get(Tenant, event.tenant_id)
        actor = session.get(User, event.actor_id) if event.actor_id is not None else None
        aid.on_civil_event(
            session,
            tenant,
            actor,
            uuid.UUID(event.payload["resident_id"]),
            event.name.removeprefix(prefix),
            dt.date.fromisoformat(event.payload["event_date"]),
        )

    @hookimpl
    def desa_cli_commands(self):  # noqa: ANN201 - a click group
        """``desa smart_society aid-import|aid-export`` (:mod:`.aid.cli`)."""
        from .aid import cli as aid_cli

        return aid_cli.group()

    @hookimpl
    def desa_demo_data(self, tenant: Tenant, session: Session) -> None:
        complaints_demo.load(tenant, session)
        aid_demo.load(tenant, session)


plugin = Society(
    name="smart_society",
    title_id="Sosial Cerdas",
    title_en="Smart society",
    pillar="society",
    version="0.3.0",
    description=(
        "Bantuan sosial tanpa penerima ganda, pengaduan warga dengan tenggat layanan, "
        "kentongan digital dan kegiatan masyarakat."
    ),
    description_en=(
        "Social aid without double receipt, residents' complaints with service deadlines, "
        "emergency alerts and community events."
    ),
    rollout_order=40,
    requires=("smart_government",),
    settings_schema=SocietySettings,
    checks=[
        has_role(
            Role.HAMLET_HEAD,
            _l("A hamlet head account exists"),
            _l("Give at least one hamlet head an account: they verify aid recipients."),
        ),
    ],
)
