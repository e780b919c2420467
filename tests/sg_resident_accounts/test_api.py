"""The accounts API: PIN sign-in for apps (a personal token), the token on the village API, the PIN
change, registrations and accounts for staff; permissions, hamlet scope and other villages."""

from __future__ import annotations

import io

from desacerdas.testing.support import api_headers

from .conftest import EXE, KK_KAJA, KK_KELOD, MADE, PNG, WAYAN


def token_sign_in(client, village, nik: str, pin: str):  # noqa: ANN001
    return client.post(village.api("sign-in"), json={"nik": nik, "pin": pin})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def submit(client, village, nik=WAYAN, kk=KK_KAJA, born="1990-05-17", kk_file=PNG):  # noqa: ANN001
    data = {
        "nik": nik,
        "kk_number": kk,
        "birth_date": born,
        "phone": "081234567890",
        "ktp": (io.BytesIO(PNG), "ktp.png"),
        "kk": (io.BytesIO(kk_file), "kk.png"),
        "selfie": (io.BytesIO(PNG), "me.png"),
    }
    return client.post(
        village.api("registrations/account-request"), data=data, content_type="multipart/form-data"
    )


def test_pin_sign_in_gives_a_token_that_works_after_the_pin_change(va, client, open_account):
    pin = open_account(va, "wayan")
    resp = token_sign_in(client, va, WAYAN, pin)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["token"].startswith("dc_") and body["must_change_pin"] is True and body["expires_at"]
    headers = bearer(body["token"])
    me = client.get(va.api("account"), headers=headers)
    assert me.status_code == 200 and me.get_json()["nik"] == WAYAN
    blocked = client.get(va.api("registrations"), headers=headers)
    assert blocked.status_code == 403 and blocked.get_json()["error"]["code"] == "pin_change_required"
    weak = client.post(va.api("account/pin"), json={"current": pin, "new": "111111"}, headers=headers)
    assert weak.status_code == 400 and "repeated" in weak.get_json()["error"]["message"]
    changed = client.post(va.api("account/pin"), json={"current": pin, "new": "482915"}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["must_change_pin"] is False
    # the token keeps working; a resident still has no staff permission
    assert client.get(va.api("account"), headers=headers).status_code == 200
    assert client.get(va.api("registrations"), headers=headers).status_code == 403
    assert token_sign_in(client, va, WAYAN, "482915").get_json()["must_change_pin"] is False


def test_pin_sign_in_refusals(va, vb, client, open_account):
    pin = open_account(va, "wayan")
    wrong = token_sign_in(client, va, WAYAN, "999990")
    unknown = token_sign_in(client, va, "5107011705900099", "999990")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"] == "Wrong NIK or PIN."
    )
    assert token_sign_in(client, vb, WAYAN, pin).status_code == 401  # a resident of A at B
    assert client.post(va.api("sign-in"), json={"nik": WAYAN}).status_code == 422
    assert client.post(va.api("sign-in"), data="nik").status_code == 422


def test_a_token_of_village_a_opens_nothing_at_b(va, vb, client, open_account):
    pin = open_account(va, "wayan")
    token = token_sign_in(client, va, WAYAN, pin).get_json()["token"]
    assert client.get(vb.api("account"), headers=bearer(token)).status_code == 404


def test_registrations_api_for_staff(va, vb, app, client, make_user, menanga, bebandem):
    made = submit(client, va, nik=MADE, kk=KK_KELOD, born="2018-01-09")
    assert made.status_code == 201
    reference = made.get_json()["reference"]
    wayan_ref = submit(client, va).get_json()["reference"]
    staff = api_headers(app, make_user("operator", menanga))
    listing = client.get(va.api("registrations?status=pending"), headers=staff)
    assert listing.status_code == 200 and len(listing.get_json()) == 2 and "X-Pagination" in listing.headers
    one = client.get(va.api(f"registrations/{reference}"), headers=staff).get_json()
    assert one["nik"] == MADE and one["ktp_document_id"] and one["status"] == "pending"
    no_reason = client.post(va.api(f"registrations/{wayan_ref}/reject"), json={"reason": ""}, headers=staff)
    assert no_reason.status_code == 422
    rejected = client.post(
        va.api(f"registrations/{wayan_ref}/reject"), json={"reason": "Buram"}, headers=staff
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    approved = client.post(va.api(f"registrations/{reference}/approve"), json={}, headers=staff)
    body = approved.get_json()
    assert (
        approved.status_code == 200 and len(body["pin"]) == 6 and body["registration"]["status"] == "approved"
    )
    assert (
        client.post(va.api(f"registrations/{reference}/approve"), json={}, headers=staff).status_code == 409
    )
    assert token_sign_in(client, va, MADE, body["pin"]).status_code == 200
    # hamlet head of Kaja does not see Kelod's request; wrong role; another village
    head = api_headers(app, make_user("hamlet_head", menanga, hamlet_id=va.kaja))
    assert client.get(va.api(f"registrations/{reference}"), headers=head).status_code == 404
    assert (
        client.post(
            va.api(f"registrations/{reference}/reject"), json={"reason": "x"}, headers=head
        ).status_code
        == 404
    )
    assert len(client.get(va.api("registrations"), headers=head).get_json()) == 1  # Wayan's, in Kaja
    facilitator = api_headers(app, make_user("facilitator", menanga))
    assert client.get(va.api("registrations"), headers=facilitator).status_code == 403
    other = api_headers(app, make_user("operator", bebandem))
    assert client.get(vb.api(f"registrations/{reference}"), headers=other).status_code == 404
    assert (
        client.post(vb.api(f"registrations/{reference}/approve"), json={}, headers=other).status_code == 404
    )
    assert client.get(va.api("registrations"), headers=other).status_code == 404


def test_accounts_api_for_staff(va, vb, app, client, make_user, menanga, bebandem):
    staff = api_headers(app, make_user("operator", menanga))
    path = va.api(f"residents/{va.residents['wayan']}/account")
    assert client.get(path, headers=staff).status_code == 404
    created = client.post(path, headers=staff)
    assert created.status_code == 201
    first = created.get_json()["pin"]
    assert created.get_json()["account"]["must_change_pin"] is True
    assert client.post(path, headers=staff).status_code == 409
    assert "pin" not in client.get(path, headers=staff).get_json()
    token = token_sign_in(client, va, WAYAN, first).get_json()["token"]
    reset = client.post(path + "/reset-pin", headers=staff)
    assert reset.status_code == 200 and reset.get_json()["pin"] != first
    assert client.get(va.api("account"), headers=bearer(token)).status_code == 401  # tokens revoked
    closed = client.post(path + "/deactivate", headers=staff)
    assert closed.status_code == 200 and closed.get_json()["active"] is False
    head = api_headers(app, make_user("hamlet_head", menanga, hamlet_id=va.kaja))
    assert client.post(path + "/reset-pin", headers=head).status_code == 403
    other = api_headers(app, make_user("operator", bebandem))
    assert client.post(vb.api(f"residents/{va.residents['wayan']}/account"), headers=other).status_code == 404
    assert client.get(path, headers=other).status_code == 404
    temp = client.post(va.api(f"residents/{va.residents['temp']}/account"), headers=staff)
    assert temp.status_code == 409 and temp.get_json()["error"]["code"] == "temporary_nik"


def test_json_submissions_refuse_bad_input(va, client):
    assert submit(client, va, kk_file=EXE).status_code == 415
    mismatch = submit(client, va, born="1990-01-01")
    assert mismatch.status_code == 400 and mismatch.get_json()["error"]["code"] == "no_match"
    missing = client.post(
        va.api("registrations/account-request"),
        data={"nik": WAYAN, "kk_number": KK_KAJA, "birth_date": "1990-05-17"},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422 and "ktp" in str(missing.get_json()["error"])
    arrival = client.post(
        va.api("registrations/new-arrival"),
        data={
            "name": "Ni Luh Pendatang",
            "nik": "5107015508920005",
            "kk_number": "5107011001240009",
            "birth_date": "1992-08-15",
            "sex": "female",
            "hamlet_id": str(va.kaja),
            "phone": "081311112222",
            "occupation": "Petani",
            "ktp": (io.BytesIO(PNG), "ktp.png"),
            "kk": (io.BytesIO(PNG), "kk.png"),
        },
        content_type="multipart/form-data",
    )
    assert arrival.status_code == 201 and arrival.get_json()["status"] == "pending"


def test_api_without_token_is_401(va, client):
    assert client.get(va.api("registrations")).status_code == 401
    assert client.post(va.api("account/pin"), json={"current": "1", "new": "2"}).status_code == 401


def test_only_the_open_calls_need_no_token_and_they_still_need_a_real_village(va, client, make_village):
    unknown = client.post(
        "/api/v1/desa/no-such-village/smart_government/sign-in", json={"nik": WAYAN, "pin": "1"}
    )
    assert unknown.status_code == 404
    elsewhere = make_village("51.07.01.2002")  # a real village where the pillar is not enabled
    gated = client.post(
        f"/api/v1/desa/{elsewhere.slug}/smart_government/sign-in", json={"nik": WAYAN, "pin": "1"}
    )
    assert gated.status_code == 404
    assert client.get(va.api("account")).status_code == 401  # next to an open call, still closed
    spec = client.get("/api/v1/openapi.json").get_json()
    assert any(path.endswith("/smart_government/sign-in") for path in spec["paths"])


def test_the_page_and_the_api_share_one_budget_of_pin_attempts(va, app, client):
    from desacerdas.extensions import limiter

    app.config["LOGIN_LIMIT"] = "2 per minute"
    try:
        page = [
            client.post(va.page("masuk"), data={"nik": WAYAN, "pin": "999990"}).status_code for _ in range(2)
        ]
        api = token_sign_in(client, va, WAYAN, "999990")
    finally:
        app.config["LOGIN_LIMIT"] = "1000 per minute"
        with app.app_context():
            limiter.reset()
    assert 429 not in page and api.status_code == 429
