"""Complaint pages: a resident files and follows, staff work the queue, the public list the
village chooses; other villages, other hamlets and other residents get 404."""

from __future__ import annotations

import re

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings

from .conftest import file, move


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return found.group(1) if found else ""


def _csrf(client, url: str) -> str:  # noqa: ANN001
    """The form's token (tests run with CSRF off unless a test turns it on; pages in Indonesian)."""
    client.get("/?lang=id")  # the choice stays in the session
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', resp.get_data(as_text=True))
    return found.group(1) if found else ""


def test_a_resident_files_a_complaint_and_follows_it(app, sv, as_user):
    c = as_user(sv.people["wayan"])
    url = sv.page("complaints/new")
    token = _csrf(c, url)
    resp = c.post(
        url,
        data={
            "csrf_token": token,
            "category": "infrastructure",
            "title": "Jalan berlubang",
            "body": "Jalan menuju pura berlubang besar dan berbahaya.",
        },
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    page = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Jalan berlubang" in page and "ADU/0001/" in page and "Diterima" in page
    mine = c.get(sv.page("complaints/mine")).get_data(as_text=True)
    assert "Jalan berlubang" in mine
    # the staff queue is not theirs
    assert c.get(sv.page("complaints")).status_code == 403


def test_a_refused_form_says_why_in_indonesian(app, sv, as_user, monkeypatch):
    c = as_user(sv.people["wayan"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = sv.page("complaints/new")
    resp = c.post(
        url, data={"csrf_token": _csrf(c, url), "category": "infrastructure", "title": "", "body": "pendek"}
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Beri pengaduan judul singkat." in html and "Antara 10 dan 5000 karakter." in html
    # without the CSRF token nothing is filed
    assert c.post(url, data={"category": "other", "title": "x", "body": "y" * 20}).status_code == 400


def test_staff_take_one_at_the_counter_and_answer_it(app, sv, as_user):
    c = as_user(sv.people["operator"])
    url = sv.page("complaints/new")
    token = _csrf(c, url)
    resp = c.post(
        url,
        data={
            "csrf_token": token,
            "category": "security",
            "title": "Anjing liar",
            "body": "Anjing liar mengejar anak sekolah.",
            "reporter_name": "",
            "channel": "phone",
        },
    )
    assert resp.status_code == 400 and "Tuliskan nama orang yang mengadu." in resp.get_data(as_text=True)
    resp = c.post(
        url,
        data={
            "csrf_token": token,
            "category": "security",
            "title": "Anjing liar",
            "body": "Anjing liar mengejar anak sekolah.",
            "reporter_name": "Ni Made Sari",
            "channel": "phone",
            "hamlet": str(sv.kelod),
        },
    )
    assert resp.status_code == 303
    detail = resp.headers["Location"]
    html = c.get(detail).get_data(as_text=True)
    assert "Ni Made Sari" in html and "lewat telepon" in html
    token = _token(html)
    assert c.post(detail + "/verify", data={"csrf_token": token}).status_code == 303
    resp = c.post(detail + "/answer", data={"csrf_token": token, "note": ""})
    assert resp.status_code == 400  # the answer needs its text
    resp = c.post(detail + "/answer", data={"csrf_token": token, "note": "Sudah dilaporkan ke pecalang."})
    assert resp.status_code == 303
    html = c.get(detail).get_data(as_text=True)
    assert "Dijawab" in html and "Sudah dilaporkan ke pecalang." in html
    # the hamlet head of Kaja does not see a Kelod complaint
    kaja = as_user(sv.people["kelian_kaja"])
    assert kaja.get(detail).status_code == 404
    assert "Anjing liar" not in kaja.get(sv.page("complaints?status=all")).get_data(as_text=True)
    kelod = as_user(sv.people["kelian_kelod"])
    assert "Anjing liar" in kelod.get(sv.page("complaints?status=all")).get_data(as_text=True)


def test_other_people_and_other_villages_get_404(app, sv, sv_b, as_user):
    cid = file(app, sv, "wayan")
    url = sv.page(f"complaints/{cid}")
    assert as_user(sv.people["made"]).get(url).status_code == 404
    outsider = as_user(sv_b.people["head"])
    assert outsider.get(url).status_code == 404
    assert outsider.get(sv.page("complaints")).status_code == 404
    # the other village's own page does not know the id either
    assert outsider.get(sv_b.page(f"complaints/{cid}")).status_code == 404
    assert app.test_client().get(url).status_code in (302, 303)  # sign in first


def test_a_hamlet_head_does_not_see_a_withheld_name(app, sv, as_user):
    cid = file(app, sv, "wayan", name_withheld=True)
    kaja = as_user(sv.people["kelian_kaja"])
    kaja.get("/?lang=id")
    html = kaja.get(sv.page(f"complaints/{cid}")).get_data(as_text=True)
    assert "Nama dirahasiakan" in html and "I Wayan Sudarsana" not in html
    html = as_user(sv.people["operator"]).get(sv.page(f"complaints/{cid}")).get_data(as_text=True)
    assert "I Wayan Sudarsana" in html


def test_overdue_complaints_are_flagged_and_filtered(app, sv, as_user):
    from datetime import UTC, datetime, timedelta

    late = file(app, sv, "wayan", title="Sudah lama", now=datetime.now(UTC) - timedelta(days=21))
    file(app, sv, "wayan", title="Baru saja")
    c = as_user(sv.people["operator"])
    c.get("/?lang=id")
    html = c.get(sv.page("complaints?overdue=1")).get_data(as_text=True)
    assert "Sudah lama" in html and "Baru saja" not in html
    assert "Terlambat: verifikasi, jawaban pertama, penyelesaian" in html
    assert "Terlambat" in c.get(sv.page(f"complaints/{late}")).get_data(as_text=True)
    assert c.get(sv.page("complaints?status=nonsense")).status_code == 400


def test_the_public_list_follows_the_village_setting(app, sv, as_user):
    cid = file(app, sv, "wayan", title="Got mampet", body="Got di depan rumah saya mampet total.")
    move(app, sv, "operator", cid, "verify")
    move(app, sv, "operator", cid, "answer", note="Sudah dibersihkan gotong royong.")
    anonymous = app.test_client()
    assert anonymous.get(sv.page("complaints/public")).status_code == 404
    with app.app_context():
        tenant = db.session.get(Tenant, sv.id)
        plugin_settings.update("smart_society", {"complaints_public_titles": True}, tenant=tenant)
        db.session.remove()
    html = anonymous.get(sv.page("complaints/public")).get_data(as_text=True)
    assert "Got mampet" in html and "mampet total" not in html and "I Wayan" not in html
    file(app, sv, "wayan", title="Belum diperiksa")  # not verified yet: not public
    assert "Belum diperiksa" not in anonymous.get(sv.page("complaints/public")).get_data(as_text=True)
    with app.app_context():
        tenant = db.session.get(Tenant, sv.id)
        plugin_settings.update("smart_society", {"complaints_public_text": True}, tenant=tenant)
        db.session.remove()
    html = anonymous.get(sv.page("complaints/public")).get_data(as_text=True)
    assert "mampet total" in html and "Sudah dibersihkan gotong royong." in html and "I Wayan" not in html
    # another village's public list never shows it
    assert anonymous.get("/desa/bebandem/smart_society/complaints/public").status_code == 404


def test_a_village_without_the_pillar_has_no_complaint_pages(app, lv, as_user):
    assert as_user(lv.people["operator"]).get(f"/desa/{lv.slug}/smart_society/complaints").status_code == 404
