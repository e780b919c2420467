"""The surface and the visit log read in words, with content on them (the page walk's village has an
empty log): a visit and a call with follow-ups open and done, waiting queues and blocking checks,
read by the facilitator, the village head, the regency admin and the platform admin in both
languages, and the visit form sent empty and wrong — no raw code, no ``None``, no English on an
Indonesian page, within the page budget (the walker of tests/page_walk)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from page_walk import walker

from desacerdas.extensions import db
from desacerdas.facilitation import visits
from desacerdas.models import Tenant, User
from desacerdas.tenancy import tenant_session
from desacerdas.testing.support import make_user, make_village, sign_in

from .conftest import overdue, pending_registration
from .test_visits import csrf, visits_of


@pytest.fixture
def busy_log(app, sg_village, facilitator_of):  # noqa: ANN001, ANN201
    village, bare = sg_village(), make_village(app)
    overdue(app, village, 2)
    pending_registration(app, village)
    person = facilitator_of(village, bare, name="Ketut Pendamping")
    with app.app_context():
        tenant, actor = db.session.get(Tenant, village.id), db.session.get(User, person.id)
        with tenant_session(village.id) as s:
            visits.record(
                s,
                tenant,
                actor,
                visits.VisitInput(
                    date.today(), "visit", "Rapat dengan Sekdes.", ["Isi alamat kantor", "Buat akun operator"]
                ),
            )
            call = visits.record(
                s,
                tenant,
                actor,
                visits.VisitInput(date.today(), "call", "Telepon soal kop.", ["Kirim contoh"]),
            )
            visits.set_follow_up(s, tenant, actor, call.id, 0, True)
            s.commit()
    return village, bare, person


@pytest.mark.parametrize("role", ["facilitator", "village_head", "regency_admin", "platform_admin"])
def test_the_surface_and_the_log_read_in_words(app, busy_log, role):
    village, _bare, person = busy_log
    if role != "facilitator":
        person = make_user(app, role, None if role == "platform_admin" else village)
    client = app.test_client()
    sign_in(client, person)
    with app.app_context():
        walker.codes()
    findings = walker.Findings()
    for lang in ("id", "en"):
        client.get(f"/?lang={lang}")
        starts = [f"/desa/{village.slug}/visits"]
        if role != "village_head":
            starts += ["/facilitation", "/facilitation?sort=name", "/facilitation?sort=activity"]
        seen = walker.walk(client, starts, village.slug, lang, findings, depth=0)
        assert len(seen) == len(starts), (lang, seen)
    assert not findings.problems, findings.report()


def test_the_visit_form_refused_reads_in_words(app, busy_log):
    village, _bare, person = busy_log
    client = app.test_client()
    sign_in(client, person)
    with app.app_context():
        walker.codes()
    findings = walker.Findings()
    url = f"/desa/{village.slug}/visits"
    errors: dict[str, list] = {"id": [], "en": []}
    for lang in ("id", "en"):
        client.get(f"/?lang={lang}")
        token = csrf(client.get(url).text)
        for data in (
            {},
            {"visited_on": "2999-01-01", "kind": "visit", "note": "Terlalu awal"},
            {"visited_on": "kemarin", "kind": "tamasya", "note": " "},
            {"visited_on": date.today().isoformat(), "kind": "tamasya", "note": "Ke pura"},
            {"visited_on": date.today().isoformat(), "kind": "visit", "note": "x", "follow_ups": "a\n" * 11},
        ):
            resp = client.post(url, data={"csrf_token": token, **data})
            assert resp.status_code == 422, (lang, data, resp.status_code)
            walker.check(walker.parse(f"POST {url} {data}", 422, resp.text, lang), lang, 0, findings)
            errors[lang].append(
                re.findall(r'<span class="error" id="([\w-]+)-err">([^<]+)</span>', resp.text)
            )
    assert not findings.problems, findings.report()
    required = "Isian ini wajib diisi."
    assert errors["id"] == [
        [("visited_on", required), ("kind", required), ("note", required)],
        [("visited_on", "Tanggal kunjungan tidak boleh di masa depan.")],
        [("visited_on", "Tanggal tidak valid."), ("note", required)],
        [("kind", "Pilih kunjungan atau panggilan.")],
        [("follow_ups", "Paling banyak 10 tindak lanjut per kunjungan.")],
    ]
    assert errors["en"][3] == [("kind", "Choose a visit or a call.")]
    assert len(visits_of(app, village)) == 2
