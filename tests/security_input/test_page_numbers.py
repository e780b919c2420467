"""Page numbers and sizes from the query are untrusted: ``?page=9223372036854775808`` (beyond 64
bits), negative, fractional or absurd sizes on every list page and API list never answer 500.

Every GET route of the app whose only path arguments are the village (and a plugin name) is probed,
signed in as a platform admin and as the village head, so a new list is covered the day it is added.
"""

from __future__ import annotations

import pytest

from desacerdas.testing import support

HUGE = "9223372036854775808"
PROBES = [
    f"page={HUGE}",
    f"page={HUGE}&page_size={HUGE}&per_page={HUGE}",
    "page=1&page_size=100000&per_page=100000",
    "page=-1&page_size=-5&per_page=0",
    "page=1e9&page_size=1.5",
    "page=" + "9" * 5000 + "&page_size=" + "9" * 5000 + "&per_page=" + "9" * 5000,
]
SKIP = {"/static/<path:filename>", "/api/v1/docs/assets/<path:filename>", "/webhooks/whatsapp"}
LIST_PAGES = [  # lists that must show an empty page, not an error, far past the end
    "/desa/{slug}/smart_government/residents",
    "/desa/{slug}/smart_government/letters/requests",
    "/desa/{slug}/smart_government/registrations",
    "/desa/{slug}/documents/",
    "/desa/{slug}/jobs",
    "/desa/{slug}/inbox",
    "/admin/villages",
]
LIST_APIS = [
    "/api/v1/villages",
    "/api/v1/users",
    "/api/v1/me/inbox",
    "/api/v1/desa/{slug}/smart_government/residents",
    "/api/v1/desa/{slug}/smart_government/letter-requests",
    "/api/v1/desa/{slug}/smart_government/letters",
    "/api/v1/desa/{slug}/smart_government/registrations",
    "/api/v1/desa/{slug}/members",
]


def probe_paths(app, slug: str) -> list[str]:  # noqa: ANN001
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule in SKIP:
            continue
        if not set(rule.arguments) <= {"slug", "name"}:
            continue
        paths.append(rule.rule.replace("<slug>", slug).replace("<name>", "smart_government"))
    return sorted(set(paths))


@pytest.fixture
def village(app, va):  # noqa: ANN001, ANN201
    names = [n for n in app.extensions["desa_plugins"].working() if n != "smart_government"]
    support.enable_plugins(app, support.Village(va.id, va.slug, "", ""), *names)
    return va


@pytest.mark.parametrize("role", ["platform_admin", "village_head"])
def test_no_list_answers_500(app, client, make_user, bearer, village, menanga, role):
    person = make_user(role, menanga if role != "platform_admin" else None)
    support.sign_in(client, person)
    headers = bearer(person)
    paths = probe_paths(app, village.slug)
    assert len(paths) > 40
    failures = []
    for path in paths:
        for query in PROBES:
            try:
                resp = client.get(f"{path}?{query}", headers=headers if path.startswith("/api/") else {})
            except Exception as exc:  # noqa: BLE001 - the test app propagates errors: a 500
                failures.append((type(exc).__name__, f"{path}?{query[:60]}"))
                continue
            if resp.status_code >= 500:
                failures.append((resp.status_code, f"{path}?{query[:60]}"))
            resp.close()
    assert failures == []


def test_far_past_the_end_is_an_empty_page(app, client, make_user, bearer, village, menanga):
    admin = make_user("platform_admin")
    support.sign_in(client, admin)
    for path in LIST_PAGES:
        resp = client.get(path.format(slug=village.slug) + f"?page={HUGE}")
        assert resp.status_code == 200, path
    head = make_user("village_head", menanga)
    for path in LIST_APIS:
        resp = client.get(path.format(slug=village.slug) + f"?page={HUGE}", headers=bearer(head))
        assert resp.status_code in (200, 403), (path, resp.status_code, resp.get_data(as_text=True)[:300])
        if resp.status_code == 200:
            assert resp.get_json() == [] or resp.get_json().get("items", []) == [], path


def test_huge_page_size_is_refused_not_cut(client, make_user, bearer, village, menanga):
    head = make_user("village_head", menanga)
    url = f"/api/v1/desa/{village.slug}/smart_government/residents?page_size={HUGE}"
    resp = client.get(url, headers=bearer(head))
    assert resp.status_code in (400, 422)
    assert resp.get_json()["error"]["status"] == resp.status_code
