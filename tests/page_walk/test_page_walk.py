"""Every page each role reaches, in Indonesian and in English: no raw codes, no ``None``, no
``1.0`` counts, no English on an Indonesian page, and within the page weight budget.

The walk starts at the start page, the account page and the village's home page, follows the
links (the navigation and what the pages link to, two levels deep, within the village), and adds
the pages a role reaches only from lists (a letter request, a resident, a registration, a
member). A second test sends every form with a required field empty and reads the refusal.
Failures are listed per page with the text found; nothing here is marked xfail: a failing page is
a page to fix.
"""

from __future__ import annotations

from datetime import date

import pytest
from smart_economy.catalogue.models import Product
from smart_economy.sellers.models import Seller
from smart_government.accounts.models import Registration
from smart_government.letters.models import LetterRequest
from smart_government.registry.models import Resident
from smart_society.aid.models import AidProgramme, AidRecipient
from smart_society.alerts.models import Alert
from smart_society.complaints.models import Complaint
from smart_society.events.models import Event
from sqlalchemy import select

from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from . import walker
from .conftest import ROLES


def _details(app, village) -> list[str]:  # noqa: ANN001
    """Detail pages reached from lists (the walk follows only two levels)."""
    base = f"/desa/{village.slug}/smart_government"
    with app.app_context(), tenant_session(village.id) as s:
        requests = s.scalars(select(LetterRequest.id).limit(12)).all()
        residents = s.scalars(select(Resident.id).limit(2)).all()
        registrations = s.scalars(select(Registration.id).limit(2)).all()
        complaints = s.scalars(select(Complaint.id)).all()
        alerts = s.scalars(select(Alert.id)).all()
        events = s.scalars(select(Event.id)).all()
        programmes = s.scalars(select(AidProgramme.id)).all()
        candidates = s.scalars(select(AidRecipient.id).order_by(AidRecipient.status).limit(6)).all()
        shops = s.scalars(select(Seller.id).order_by(Seller.status)).all()
        products = s.scalars(select(Product.id).limit(2)).all()
    aid = f"/desa/{village.slug}/smart_society/aid"
    return [
        *(f"{base}/letters/requests/{i}" for i in requests),
        *(f"{base}/residents/{i}" for i in residents),
        *(f"{base}/registrations/{i}" for i in registrations),
        *(f"/desa/{village.slug}/smart_society/complaints/{i}" for i in complaints),
        f"/desa/{village.slug}/smart_society/complaints?status=all",
        f"/desa/{village.slug}/smart_society/complaints/new",
        *(f"/desa/{village.slug}/smart_society/alerts/{i}" for i in alerts),
        f"/desa/{village.slug}/smart_society/alerts/warn",
        *(f"/desa/{village.slug}/smart_society/events/{i}" for i in events),
        f"/desa/{village.slug}/smart_society/events?when=past",
        f"/desa/{village.slug}/smart_society/events/new",
        *(f"/desa/{village.slug}/smart_society/events/{i}/edit" for i in events[:1]),
        *(f"{aid}/programmes/{i}" for i in programmes),
        *(f"{aid}/programmes/{i}/{page}" for i in programmes[:1] for page in ("propose", "decide", "import")),
        *(f"{aid}/programmes/{i}/edit" for i in programmes[:1]),
        *(f"{aid}/programmes/{i}/periods/{date.today():%Y-%m}" for i in programmes[:1]),
        *(f"{aid}/candidates/{i}" for i in candidates),
        f"{aid}/programmes/new",
        "/rollout/aid-conflicts",
        *(f"/desa/{village.slug}/smart_economy/sellers/{i}" for i in shops),
        *(f"/desa/{village.slug}/smart_economy/market/products/{i}" for i in products),
        *(f"/desa/{village.slug}/smart_economy/products/{i}/edit" for i in products[:1]),
        f"/desa/{village.slug}/smart_economy/sellers/bumdes/new",
        "/pasar/51.07",
        f"/desa/{village.slug}/members",
        f"/desa/{village.slug}/me",
        f"/rollout/village/{village.slug}/smart_economy",
        f"/desa/{village.slug}/no-such-page",  # the error page, in both languages
        "/no-such-page",
        "/admin/audit?action=membership.",
        f"/admin/villages/{village.slug}",
        f"/admin/villages/{village.other_slug}",
        "/admin/audit",
    ]


# A page each role must reach: the walk cannot pass by reaching nothing (a failed sign-in, a broken nav).
MUST_REACH = {
    "platform_admin": ("/admin/audit", "/plugins/"),
    "regency_admin": ("/rollout", "/admin/audit"),
    "facilitator": ("/facilitation", "/desa/{slug}/smart_government/residents"),
    "village_head": ("/desa/{slug}/smart_government/letters/requests", "/desa/{slug}/members"),
    "village_secretary": ("/desa/{slug}/smart_government/letters/requests",),
    "operator": ("/desa/{slug}/smart_government/residents", "/desa/{slug}/smart_government/letters/counter"),
    "hamlet_head": ("/desa/{slug}/smart_government/letters/requests",),
    "resident": ("/desa/{slug}/smart_government/letters/mine",),
    "anonymous": ("/auth/login", "/desa/{slug}/smart_government/masuk"),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_words(app, walk_app, walk_village, role):
    village = walk_village
    client = walk_app.test_client()
    if role != "anonymous":
        support.sign_in(client, village.people[role])
    starts = ["/", "/auth/", f"/desa/{village.slug}/", f"/desa/{village.slug}/smart_government/"]
    starts += _details(app, village)
    findings = walker.Findings()
    with walk_app.app_context():
        walker.codes()  # the plugin names need the app
    visited: dict[str, list[str]] = {}
    for lang in ("id", "en"):
        client.get(f"/?lang={lang}")  # the choice is kept in the session for the walk
        visited[lang] = walker.walk(client, starts, village.slug, lang, findings)
        size, heaviest = findings.heaviest
        print(f"{role} {lang}: {len(visited[lang])} pages, heaviest {size} B {heaviest}")  # -s / -rA
    for lang, pages in visited.items():
        paths = {page.split("?")[0] for page in pages}
        missing = [
            p.format(slug=village.slug) for p in MUST_REACH[role] if p.format(slug=village.slug) not in paths
        ]
        assert not missing, f"{role} ({lang}) never reached {missing}"
    assert not findings.problems, f"{role}: {len(findings.problems)} pages fail\n" + findings.report()


@pytest.mark.parametrize(
    "role", ["platform_admin", "village_head", "operator", "hamlet_head", "resident", "anonymous"]
)
def test_refused_forms_read_in_words(app, walk_app, walk_village, role):
    """Every form with a required field, sent empty: the page that refuses it reads in words."""
    village = walk_village
    client = walk_app.test_client()
    if role != "anonymous":
        support.sign_in(client, village.people[role])
    with walk_app.app_context():
        walker.codes()
    findings = walker.Findings()
    forms: dict[str, walker.Form] = {}
    client.get("/?lang=id")
    starts = ["/", "/auth/", f"/desa/{village.slug}/", f"/desa/{village.slug}/smart_government/"]
    walker.walk(client, starts + _details(app, village), village.slug, "id", walker.Findings(), forms=forms)
    assert forms, "no form with a required field was found"
    answered = {}
    for lang in ("id", "en"):
        client.get(f"/?lang={lang}")
        answered[lang] = walker.submit_empty(client, forms, lang, findings)
        print(f"{role} {lang}: {len(forms)} forms, {answered[lang]} refusal pages")
    assert not findings.problems, f"{role}: {len(findings.problems)} refusals fail\n" + findings.report()
