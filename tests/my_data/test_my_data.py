"""A resident downloads everything the village holds about them (``/desa/<slug>/me/data``): their
account, registry record, family, letters with the PDFs, registrations and notifications; nothing of
another resident's, nothing of another village's; signed in only, rate limited, audited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sg_letter_services.test_pages import act, online_request
from smart_government.accounts.models import Registration, RegistrationKind
from sqlalchemy import select

from desacerdas.extensions import db, limiter
from desacerdas.models import AuditEvent
from desacerdas.tenancy import tenant_session


def download(client, lv):  # noqa: ANN001, ANN201
    return client.get(f"/desa/{lv.slug}/me/data")


def unpack(resp) -> tuple[dict, dict[str, bytes]]:  # noqa: ANN001
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    assert resp.mimetype == "application/zip"
    assert "attachment" in resp.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("data.json")), files


def section(data: dict, title: str) -> list[dict]:
    found = [s["records"] for s in data["sections"] if s["title"] == title]
    assert found, f"no section {title}: {[s['title'] for s in data['sections']]}"
    return found[0]


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def nik_of(app, lv, key: str) -> str:  # noqa: ANN001
    from smart_government.registry.models import Resident

    with app.app_context(), tenant_session(lv.id) as s:
        return s.get(Resident, (lv.id, lv.residents[key])).nik


def test_anonymous_is_sent_to_sign_in(client, lv):
    resp = download(client, lv)
    assert resp.status_code in (302, 401)
    if resp.status_code == 302:
        assert "/auth/login" in resp.headers["Location"] or "masuk" in resp.headers["Location"]


def test_resident_gets_own_record_family_letters_with_pdf(app, as_user, lv):
    rid = online_request(as_user, lv)
    act(as_user(lv.people["kelian_kaja"]), lv, rid, "verify")
    act(as_user(lv.people["head"]), lv, rid, "sign")
    act(as_user(lv.people["operator"]), lv, rid, "issue")
    wayan = as_user(lv.people["wayan"])
    data, files = unpack(download(wayan, lv))

    assert data["village"]["code"] == "51.07.01.2003"
    assert section(data, "account")[0]["name"] == "I Wayan Sudarsana"
    assert [m["role"] for m in section(data, "memberships")] == ["resident"]
    record = section(data, "registry_record")[0]
    assert record["name"] == "I Wayan Sudarsana" and record["birth_date"] == "1990-05-17"
    assert record["nik"] == nik_of(app, lv, "wayan")
    family = section(data, "family")[0]
    assert family["address"] == "Jl. Raya Kaja 7"
    assert {m["name"] for m in family["members"]} == {"I Wayan Sudarsana", "Ni Kadek Ayu"}
    requests = section(data, "letter_requests")
    assert len(requests) == 1 and requests[0]["purpose"] == "Melamar pekerjaan"
    assert [s["action"] for s in requests[0]["steps"]][0] == "submitted"
    letters = section(data, "letters")
    assert len(letters) == 1 and letters[0]["file"].startswith("files/letters/")
    pdf = files[letters[0]["file"]]
    assert pdf.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == letters[0]["sha256"]
    assert "notifications" in [s["title"] for s in data["sections"]]


def test_another_residents_data_is_never_in_it(app, as_user, lv):
    online_request(as_user, lv)  # Wayan's request
    made = as_user(lv.people["made"])
    data, files = unpack(download(made, lv))
    body = json.dumps(data)
    assert section(data, "registry_record")[0]["name"] == "I Made Kelod"
    assert "Wayan" not in body and "Kadek" not in body
    assert nik_of(app, lv, "wayan") not in body and nik_of(app, lv, "kadek") not in body
    assert section(data, "letter_requests") == [] and section(data, "letters") == []
    assert files == {}
    # A family member's identifiers are not copied either (only names and relationship).
    wayan_data, _ = unpack(download(as_user(lv.people["wayan"]), lv))
    assert nik_of(app, lv, "kadek") not in json.dumps(wayan_data)


def test_only_registrations_linked_to_the_resident_are_included(app, as_user, lv):
    """A registration counts as the resident's when it is linked to their record: one that only
    gives their NIK (anyone can type it) is someone else's request and stays out of the file."""
    wayan_nik = nik_of(app, lv, "wayan")
    with app.app_context(), tenant_session(lv.id) as s:
        from datetime import date

        rows = (
            (wayan_nik, "I Wayan Sudarsana", lv.residents["wayan"]),
            (wayan_nik, "Penipu Memakai NIK", None),  # unlinked, the resident's NIK typed in
            ("5107019999990001", "Orang Lain", None),
        )
        for nik, name, resident_id in rows:
            s.add(
                Registration(
                    kind=RegistrationKind.ACCOUNT,
                    nik=nik,
                    kk_number="5107010000000001",
                    name=name,
                    birth_date=date(1990, 5, 17),
                    resident_id=resident_id,
                )
            )
        s.commit()
    data, _ = unpack(download(as_user(lv.people["wayan"]), lv))
    regs = section(data, "registrations")
    assert [r["name"] for r in regs] == ["I Wayan Sudarsana"]
    body = json.dumps(data)
    assert "Penipu Memakai NIK" not in body and "Orang Lain" not in body


def test_another_villages_data_is_never_in_it(app, as_user, lv, lv_b):
    """Wayan of Menanga asking at Bebandem gets nothing of Bebandem's, and nothing of Menanga's
    leaks into Bebandem's file either."""
    wayan = as_user(lv.people["wayan"])
    resp = download(wayan, lv_b)
    if resp.status_code == 200:
        data, files = unpack(resp)
        body = json.dumps(data)
        assert "registry_record" not in [s["title"] for s in data["sections"]]
        assert section(data, "memberships") == []
        assert "Kelod" not in body and files == {}
    else:
        assert resp.status_code in (403, 404)
    made_b = as_user(lv_b.people["made"])
    data_b, _ = unpack(download(made_b, lv_b))
    assert data_b["village"]["code"] != "51.07.01.2003"
    assert nik_of(app, lv, "made") not in json.dumps(data_b)


def test_download_is_audited_in_the_village(app, as_user, lv):
    unpack(download(as_user(lv.people["wayan"]), lv))
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data.downloaded"))
        assert event is not None
        assert event.tenant_id == lv.id and event.actor_id == lv.people["wayan"].id
        assert "registry_record" in event.detail["sections"]


def test_download_is_rate_limited(as_user, lv):
    wayan = as_user(lv.people["wayan"])
    codes = [download(wayan, lv).status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def test_account_page_links_the_download(as_user, lv):
    page = as_user(lv.people["wayan"]).get(lv.page("akun")).get_data(as_text=True)
    assert f"/desa/{lv.slug}/me/data" in page


def test_overview_page_offers_the_download(as_user, lv):
    resp = as_user(lv.people["wayan"]).get(f"/desa/{lv.slug}/me")
    assert resp.status_code == 200
    assert f'href="/desa/{lv.slug}/me/data"' in resp.get_data(as_text=True)
