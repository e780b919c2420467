"""Self-registration: account requests matched against the registry, new arrivals, photos through the
documents core, the review queue with hamlet scope, approval and rejection, the applicant's status."""

from __future__ import annotations

import io
import re
import uuid

from smart_government.accounts.models import Registration
from smart_government.registry.models import Resident
from sqlalchemy import func, select

from desacerdas.models import Document, Visibility
from desacerdas.tenancy import tenant_session

from .conftest import EXE, KK_KAJA, KK_KELOD, MADE, PNG, WAYAN, photos, sign_in

NEWCOMER_NIK = "5107015508920005"  # born 15-08-1992, female
NEWCOMER_KK = "5107011001240009"


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def ask(client, village, nik=WAYAN, kk=KK_KAJA, born="1990-05-17", files=None):  # noqa: ANN001
    data = {"nik": nik, "kk_number": kk, "birth_date": born, "phone": "081234567890", **(files or photos())}
    return client.post(village.page("daftar"), data=data, content_type="multipart/form-data")


def reference_of(resp) -> str:  # noqa: ANN001
    return re.search(r"/daftar/status/([0-9a-f-]{36})", resp.headers["Location"]).group(1)


def registrations(app, village) -> list[Registration]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return list(s.scalars(select(Registration)))


def documents_of(app, village) -> list[Document]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return list(s.scalars(select(Document)))


def arrival(client, village, hamlet, **over):  # noqa: ANN001, ANN003
    data = {
        "name": "Ni Luh Pendatang",
        "nik": NEWCOMER_NIK,
        "kk_number": NEWCOMER_KK,
        "birth_date": "1992-08-15",
        "sex": "female",
        "hamlet_id": str(hamlet),
        "address": "Jalan Baru 1",
        "previous_address": "Denpasar",
        "religion": "Hindu",
        "phone": "081311112222",
        "ktp": (io.BytesIO(PNG), "ktp.png"),
        "kk": (io.BytesIO(PNG), "kk.png"),
        **over,
    }
    return client.post(village.page("pendatang"), data=data, content_type="multipart/form-data")


def test_account_request_matches_and_is_followed_by_reference(va, client, app):
    assert client.get(va.page("daftar")).status_code == 200
    resp = ask(client, va)
    assert resp.status_code == 302
    reference = reference_of(resp)
    status = client.get(va.page(f"daftar/status/{reference}"))
    assert status.status_code == 200 and "Waiting for review" in text(status)
    [row] = registrations(app, va)
    assert str(row.id) == reference and row.resident_id == va.residents["wayan"] and row.hamlet_id == va.kaja
    docs = documents_of(app, va)
    assert len(docs) == 3 and {d.kind for d in docs} == {"identity", "photo"}
    assert all(d.visibility == Visibility.STAFF and d.object_id == reference for d in docs)
    assert {row.ktp_document_id, row.kk_document_id, row.selfie_document_id} == {d.id for d in docs}
    # anyone may look a reference up; an unknown one is 404, a malformed one is refused
    assert client.get(va.page(f"daftar/status/{uuid.uuid4()}")).status_code == 404
    assert client.get(va.page(f"daftar/status?reference={reference}")).status_code == 302
    assert "not a reference" in text(client.get(va.page("daftar/status?reference=12")))
    # a second request for the same NIK waits for the first
    again = ask(client, va)
    assert again.status_code == 409 and "already waiting" in text(again)


def test_mismatch_gets_one_generic_message(va, client, app):
    wrong = [
        {"kk": KK_KELOD},  # another family's KK
        {"born": "1990-05-18"},
        {"nik": "5107011705900099"},  # not in the registry
        {"nik": "5107012512600004", "kk": KK_KELOD, "born": "1960-12-25"},  # deceased
    ]
    bodies = set()
    for change in wrong:
        resp = ask(client, va, **change)
        assert resp.status_code == 400, change
        bodies.add(re.search(r'role="alert">([^<]+)<', text(resp)).group(1))
    assert len(bodies) == 1 and "do not match" in bodies.pop()
    assert registrations(app, va) == [] and documents_of(app, va) == []


def test_uploads_wrong_type_and_too_big_are_refused_and_nothing_is_kept(va, client, app, monkeypatch):
    exe = ask(client, va, files=photos(kk=EXE))
    assert exe.status_code == 415 and "not accepted" in text(exe)
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 40)
    big = ask(client, va)
    assert big.status_code == 413 and "larger than the limit" in text(big)
    missing = client.post(
        va.page("daftar"),
        data={"nik": WAYAN, "kk_number": KK_KAJA, "birth_date": "1990-05-17", "phone": "0812345678"},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400 and "Choose a photo" in text(missing)
    assert registrations(app, va) == [] and documents_of(app, va) == []


def test_a_late_failure_takes_back_what_was_stored(va, client, app, monkeypatch):
    """Storage fails on the second photo: no registration, no document row, no object left."""
    from desacerdas.services import documents as docs

    real_put, real_forget, written, forgotten = docs._put, docs.forget_object, [], []

    def flaky(key, spooled, content_type):  # noqa: ANN001, ANN202
        if len(written) == 1:
            raise docs.Unavailable()
        real_put(key, spooled, content_type)
        written.append(key)

    def forget(key):  # noqa: ANN001, ANN202
        forgotten.append(key)
        real_forget(key)

    monkeypatch.setattr(docs, "_put", flaky)
    monkeypatch.setattr(docs, "forget_object", forget)
    resp = ask(client, va)
    assert resp.status_code == 503
    assert registrations(app, va) == []
    assert documents_of(app, va) == []
    assert forgotten == written and len(written) == 1


def test_approval_opens_a_working_account(va, app, client, make_user, login, menanga):
    reference = reference_of(ask(client, va))
    staff = login(make_user("operator", menanga), app.test_client())
    queue = staff.get(va.page("registrations"))
    assert queue.status_code == 200 and "I Wayan Sudarsana" in text(queue)
    detail = staff.get(va.page(f"registrations/{reference}"))
    assert detail.status_code == 200 and "/photos/ktp" in text(detail)
    photo = staff.get(va.page(f"registrations/{reference}/photos/selfie"))
    assert photo.status_code == 200 and photo.data.startswith(b"\xff\xd8\xff")  # re-encoded as JPEG
    approved = staff.post(va.page(f"registrations/{reference}/approve"), data={"open_account": "y"})
    assert approved.status_code == 200 and approved.headers["Cache-Control"] == "no-store"
    pin = re.search(r'class="pin"[^>]*>(\d{6})<', text(approved)).group(1)
    assert pin not in text(staff.get(va.page(f"registrations/{reference}")))
    assert "Approved" in text(client.get(va.page(f"daftar/status/{reference}")))
    assert sign_in(client, va, WAYAN, pin).status_code == 302
    twice = staff.post(va.page(f"registrations/{reference}/approve"), data={"open_account": "y"})
    assert twice.status_code == 409


def test_reject_needs_a_reason_the_applicant_sees(va, app, client, make_user, login, menanga):
    reference = reference_of(ask(client, va))
    staff = login(make_user("village_secretary", menanga), app.test_client())
    empty = staff.post(va.page(f"registrations/{reference}/reject"), data={"reason": "  "})
    assert empty.status_code == 400
    done = staff.post(va.page(f"registrations/{reference}/reject"), data={"reason": "Foto KTP buram."})
    assert done.status_code == 302
    status = text(client.get(va.page(f"daftar/status/{reference}")))
    assert "Rejected" in status and "Foto KTP buram." in status
    photos = documents_of(app, va)
    assert len(photos) == 3 and all(d.deleted_at is not None for d in photos)  # not kept after a refusal
    assert ask(client, va).status_code == 302  # a new request is possible after a rejection


def test_a_village_takes_a_bounded_number_of_undecided_requests(va, app, client):
    app.config["SG_MAX_PENDING_REGISTRATIONS"] = 1
    try:
        assert ask(client, va).status_code == 302
        again = ask(client, va, nik=MADE, kk=KK_KELOD, born="2018-01-09")
        assert again.status_code == 429
    finally:
        app.config.pop("SG_MAX_PENDING_REGISTRATIONS")
    assert len(registrations(app, va)) == 1


def test_hamlet_heads_review_only_their_hamlet(va, app, client, make_user, login, menanga):
    kaja_ref = reference_of(ask(client, va))  # Wayan lives in Kaja
    kelod_ref = reference_of(ask(client, va, nik=MADE, kk=KK_KELOD, born="2018-01-09"))
    kelod_head = login(make_user("hamlet_head", menanga, hamlet_id=va.kelod), app.test_client())
    queue = text(kelod_head.get(va.page("registrations")))
    assert "I Made Kelod" in queue and "I Wayan" not in queue
    for path in (f"registrations/{kaja_ref}", f"registrations/{kaja_ref}/photos/ktp"):
        assert kelod_head.get(va.page(path)).status_code == 404, path
    assert kelod_head.post(va.page(f"registrations/{kaja_ref}/approve"), data={}).status_code == 404
    assert (
        kelod_head.post(va.page(f"registrations/{kaja_ref}/reject"), data={"reason": "x"}).status_code == 404
    )
    ok = kelod_head.post(va.page(f"registrations/{kelod_ref}/approve"), data={"open_account": "y"})
    assert ok.status_code == 200 and re.search(r'class="pin"[^>]*>\d{6}<', text(ok))
    assert kelod_head.get(va.page(f"registrations/{kelod_ref}/photos/ktp")).status_code == 200


def test_wrong_role_and_anonymous(va, app, client, make_user, login, menanga, open_account):
    reference = reference_of(ask(client, va))
    facilitator = login(make_user("facilitator", menanga), app.test_client())
    assert facilitator.get(va.page("registrations")).status_code == 403
    assert facilitator.post(va.page(f"registrations/{reference}/approve")).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(va.page("registrations")).status_code == 302  # to sign in
    pin = open_account(va, "made")
    resident = app.test_client()
    sign_in(resident, va, MADE, pin)
    resident.post(va.page("pin"), data={"current": pin, "new": "482915", "confirm": "482915"})
    assert resident.get(va.page(f"registrations/{reference}")).status_code == 403


def test_other_village_staff_cannot_see_or_decide(va, vb, app, client, make_user, login, bebandem):
    reference = reference_of(ask(client, va))
    staff_b = login(make_user("operator", bebandem), app.test_client())
    for path in (f"registrations/{reference}", f"registrations/{reference}/photos/ktp"):
        assert staff_b.get(vb.page(path)).status_code == 404, path
        assert staff_b.get(va.page(path)).status_code == 404, path
    assert staff_b.post(vb.page(f"registrations/{reference}/approve"), data={}).status_code == 404
    assert staff_b.post(vb.page(f"registrations/{reference}/reject"), data={"reason": "x"}).status_code == 404
    assert "I Wayan" not in text(staff_b.get(vb.page("registrations")))
    assert client.get(vb.page(f"daftar/status/{reference}")).status_code == 404


def test_new_arrival_is_checked_then_added_by_staff(va, app, client, make_user, login, menanga):
    assert client.get(va.page("pendatang")).status_code == 200
    bad_nik = arrival(client, va, va.kaja, sex="male")  # the NIK says female
    assert bad_nik.status_code == 400 and "women add 40" in text(bad_nik)
    bad_kk = arrival(client, va, va.kaja, kk_number="1234")
    assert bad_kk.status_code == 400 and "16 digits" in text(bad_kk)
    no_hamlet = arrival(client, va, "")
    assert no_hamlet.status_code == 400
    resp = arrival(client, va, va.kelod)
    assert resp.status_code == 302
    reference = reference_of(resp)
    assert len(documents_of(app, va)) == 2  # KTP and KK; no selfie given
    staff = login(make_user("operator", menanga), app.test_client())
    approved = staff.post(va.page(f"registrations/{reference}/approve"), data={"open_account": "y"})
    assert approved.status_code == 200
    pin = re.search(r'class="pin"[^>]*>(\d{6})<', text(approved)).group(1)
    with app.app_context(), tenant_session(va.id) as s:
        person = s.scalar(select(Resident).where(Resident.nik == NEWCOMER_NIK))
        assert (
            person.name == "Ni Luh Pendatang"
            and person.hamlet_id == va.kelod
            and person.family.kk_number == NEWCOMER_KK
        )
        assert s.scalar(select(func.count(Resident.id))) == 6
    assert sign_in(client, va, NEWCOMER_NIK, pin).status_code == 302


def test_new_arrival_without_account_and_duplicate_nik_at_approval(
    va, app, client, make_user, login, menanga
):
    staff = login(make_user("operator", menanga), app.test_client())
    first = reference_of(arrival(client, va, va.kaja))
    approved = staff.post(va.page(f"registrations/{first}/approve"), data={})  # box unticked
    assert approved.status_code == 200 and not re.search(r'class="pin"', text(approved))
    # the same person again (after approval): the registry refuses the NIK at approval, not before
    second = reference_of(arrival(client, va, va.kaja))
    refused = staff.post(va.page(f"registrations/{second}/approve"), data={})
    assert refused.status_code == 409 and "already registered" in text(refused)
    assert "Waiting for review" in text(client.get(va.page(f"daftar/status/{second}")))


def test_queue_filters_and_pagination(va, app, client, make_user, login, menanga, monkeypatch):
    ask(client, va)
    reference_of(arrival(client, va, va.kaja))
    staff = login(make_user("operator", menanga), app.test_client())

    def count(path: str) -> int:
        return int(re.search(r'id="count">(\d+)', text(staff.get(va.page(path)))).group(1))

    assert count("registrations") == 2
    assert count("registrations?kind=new_arrival") == 1
    assert count("registrations?status=approved") == 0
    assert count("registrations?q=Luh") == 1
    assert staff.get(va.page("registrations?status=nonsense")).status_code == 400
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    page = text(staff.get(va.page("registrations")))
    assert 'rel="next"' in page


def test_registration_pages_are_404_where_the_plugin_is_off(app, bebandem, client):
    for path in ("masuk", "daftar", "pendatang", "lupa-pin", f"daftar/status/{uuid.uuid4()}"):
        assert client.get(f"/desa/{bebandem.slug}/smart_government/{path}").status_code == 404, path
