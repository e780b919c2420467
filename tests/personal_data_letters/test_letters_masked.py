"""A regency admin and a facilitator see a letter request with the NIK masked and may not download
its KTP/KK attachments, the issued PDF or the village's identity and letter documents; village
staff keep full access; a stated reason for that resident opens the files (issue 11)."""

from __future__ import annotations

import uuid

import pytest
from sg_letter_services.test_pages import issued, text
from smart_government.registry.models import Resident
from sqlalchemy import select

from desacerdas.models import Document, Tenant, User
from desacerdas.services.personal_data import mask_nik, record_access
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support


def _nik(app, lv) -> str:  # noqa: ANN001
    with app.app_context(), tenant_session(lv.id) as s:
        return s.scalar(select(Resident.nik).where(Resident.id == lv.residents["wayan"]))


def _documents(app, lv, rid) -> dict[str, uuid.UUID]:  # noqa: ANN001
    with app.app_context(), tenant_session(lv.id) as s:
        return {d.kind: d.id for d in s.scalars(select(Document)) if d.kind in ("identity", "letter")}


def _masked_person(app, lv, role, menanga):  # noqa: ANN001, ANN202
    return lv.people["facilitator"] if role == "facilitator" else support.make_user(app, role, menanga)


@pytest.mark.parametrize("role", ["facilitator", "regency_admin"])
def test_area_roles_see_masked_nik_and_get_403(app, as_user, lv, menanga, role, bearer):
    rid, letter = issued(app, as_user, lv)
    nik = _nik(app, lv)
    person = _masked_person(app, lv, role, menanga)
    c = as_user(person)
    page = c.get(lv.page(f"letters/requests/{rid}"))
    assert page.status_code == 200
    body = text(page)
    assert nik not in body and mask_nik(nik) in body and 'id="personal-masked"' in body
    assert f"/letters/{letter.id}/pdf" not in body and f"/requests/{rid}/attachments/" not in body
    for path in (f"letters/requests/{rid}/attachments/ktp", f"letters/{letter.id}/pdf"):
        assert c.get(lv.page(path)).status_code == 403, path
    assert c.post(lv.page("letters/batch"), data={"requests": [rid]}).status_code == 403

    headers = bearer(person)
    api = c.get(lv.api(f"letters/{letter.id}/download"), headers=headers)
    assert api.status_code == 403 and api.json["error"]["code"] == "personal_data"
    found = _documents(app, lv, rid)
    assert set(found) == {"identity", "letter"}
    listed = c.get(f"/api/v1/desa/{lv.slug}/documents", headers=headers)
    assert listed.status_code == 200
    ids = {d["id"] for d in listed.json}
    assert not ids & {str(i) for i in found.values()}
    for doc_id in found.values():
        resp = c.get(f"/api/v1/desa/{lv.slug}/documents/{doc_id}/download", headers=headers)
        assert resp.status_code == 403 and resp.json["error"]["code"] == "personal_data"
        assert c.get(f"/desa/{lv.slug}/documents/{doc_id}").status_code == 403
    listing = text(c.get(f"/desa/{lv.slug}/documents/"))
    assert not [i for i in found.values() if str(i) in listing]


def test_reason_for_that_resident_opens_the_letter_files(app, as_user, lv):
    rid, letter = issued(app, as_user, lv)
    person = lv.people["facilitator"]
    with app.app_context(), tenant_session(lv.id) as s:
        tenant, user = s.get(Tenant, lv.id), s.get(User, person.id)
        record_access(s, tenant, user, "Verifikasi surat domisili", resident_id=lv.residents["wayan"])
        s.commit()
    c = as_user(person)
    assert _nik(app, lv) in text(c.get(lv.page(f"letters/requests/{rid}")))
    assert c.get(lv.page(f"letters/requests/{rid}/attachments/ktp")).status_code == 200
    assert c.get(lv.page(f"letters/{letter.id}/pdf")).status_code == 200


def test_village_head_keeps_full_access(app, as_user, lv, bearer):
    rid, letter = issued(app, as_user, lv)
    head = lv.people["head"]
    c = as_user(head)
    body = text(c.get(lv.page(f"letters/requests/{rid}")))
    assert _nik(app, lv) in body and 'id="personal-masked"' not in body
    assert c.get(lv.page(f"letters/requests/{rid}/attachments/ktp")).status_code == 200
    assert c.get(lv.page(f"letters/{letter.id}/pdf")).status_code == 200
    headers = bearer(head)
    assert c.get(lv.api(f"letters/{letter.id}/download"), headers=headers).status_code == 200
    found = _documents(app, lv, rid)
    ids = {d["id"] for d in c.get(f"/api/v1/desa/{lv.slug}/documents", headers=headers).json}
    assert {str(i) for i in found.values()} <= ids
    for doc_id in found.values():
        assert (
            c.get(f"/api/v1/desa/{lv.slug}/documents/{doc_id}/download", headers=headers).status_code == 200
        )


def test_facilitator_of_another_village_gets_404(app, as_user, lv, lv_b):
    rid, letter = issued(app, as_user, lv)
    c = as_user(lv_b.people["facilitator"])
    for path in (
        f"letters/requests/{rid}",
        f"letters/requests/{rid}/attachments/ktp",
        f"letters/{letter.id}/pdf",
    ):
        assert c.get(lv.page(path)).status_code == 404, path
