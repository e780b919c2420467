"""The OpenAPI document says what the API really sends: the findings of the schemathesis lane.

Each test failed before the fix: ``X-Pagination`` documented as an object, public operations not
marked as needing no token, refusals (the resident import's 415) documented without their JSON
body, and timestamps sent without a UTC offset although documented as ``date-time``.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from desacerdas.api.schemas import UtcDateTime

PUBLIC = {
    ("post", "/api/v1/desa/{slug}/smart_government/sign-in"),
    ("post", "/api/v1/desa/{slug}/smart_government/registrations/account-request"),
    ("post", "/api/v1/desa/{slug}/smart_government/registrations/new-arrival"),
    ("get", "/api/v1/desa/{slug}/smart_government/verify/{token}"),
    # the village market, for anyone (rate limited per address)
    ("get", "/api/v1/desa/{slug}/smart_economy/market/products"),
    ("get", "/api/v1/desa/{slug}/smart_economy/market/products/{product_id}"),
    ("get", "/api/v1/desa/{slug}/smart_economy/market/sellers/{seller_id}"),
}


@pytest.fixture
def spec(client) -> dict:  # noqa: ANN001
    return client.get("/api/v1/openapi.json").get_json()


def _operations(spec: dict):  # noqa: ANN202
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters" and isinstance(operation, dict):
                yield method, path, operation


def test_pagination_header_is_documented_as_the_string_it_is(client, spec, make_user, bearer):  # noqa: ANN001
    header = spec["components"]["headers"]["PAGINATION"]
    assert header["schema"]["type"] == "string"
    assert "JSON" in header["description"]
    json.loads(header["schema"]["example"])
    documented = [
        path
        for method, path, op in _operations(spec)
        if "X-Pagination" in op["responses"].get("200", {}).get("headers", {})
    ]
    assert "/api/v1/villages" in documented
    admin = make_user("platform_admin")
    resp = client.get("/api/v1/villages", headers=bearer(admin))
    assert resp.status_code == 200
    assert json.loads(resp.headers["X-Pagination"])["total"] == 0


def test_public_operations_need_no_token_and_the_others_do(client, spec, menanga):  # noqa: ANN001
    assert spec["security"] == [{"token": []}]
    marked = {(m, p) for m, p, op in _operations(spec) if op.get("security") == []}
    assert marked == PUBLIC
    # What the document says is what the server does: a public operation answers without a token
    # (here 422 for an empty body), a protected one 401.
    sign_in = client.post(f"/api/v1/desa/{menanga.slug}/smart_government/sign-in", json={})
    assert sign_in.status_code != 401
    assert client.get(f"/api/v1/desa/{menanga.slug}/hamlets").status_code == 401


def test_every_documented_refusal_has_the_error_body(spec):  # noqa: ANN001
    missing = [
        f"{m.upper()} {p} {code}"
        for m, p, op in _operations(spec)
        for code, response in op["responses"].items()
        if code[:1] in "45" and "$ref" not in response and "content" not in response
    ]
    assert missing == []
    imp = spec["paths"]["/api/v1/desa/{slug}/smart_government/residents/import"]["post"]["responses"]
    assert imp["415"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]


def test_refused_import_sends_the_documented_error_body(client, menanga, make_user, bearer):  # noqa: ANN001
    head = make_user("village_head", menanga)
    resp = client.post(
        f"/api/v1/desa/{menanga.slug}/smart_government/residents/import",
        data={"file": (io.BytesIO(b"\x00\x01binary"), "x.bin")},
        headers=bearer(head),
        content_type="multipart/form-data",
    )
    assert resp.status_code in (403, 404, 415)
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == resp.status_code


def test_timestamps_carry_their_utc_offset(client, make_user, menanga, bearer):  # noqa: ANN001
    head = make_user("village_head", menanga)
    headers = bearer(head)
    me = client.get("/api/v1/me", headers=headers).get_json()
    hamlet = client.post(
        f"/api/v1/desa/{menanga.slug}/hamlets", json={"name": "Banjar Kaja"}, headers=headers
    )
    assert hamlet.status_code == 201
    stamps = [me["created_at"], hamlet.get_json()["created_at"], hamlet.get_json()["updated_at"]]
    stamps += [t["created_at"] for t in client.get("/api/v1/me/tokens", headers=headers).get_json()]
    for stamp in stamps:
        parsed = dt.datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == dt.timedelta(0), stamp


def test_utc_datetime_field() -> None:
    field = UtcDateTime()
    naive = dt.datetime(2026, 1, 2, 3, 4, 5)
    assert field.serialize("at", {"at": naive}) == "2026-01-02T03:04:05+00:00"
    wita = dt.datetime(2026, 1, 2, 11, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert field.serialize("at", {"at": wita}) == "2026-01-02T11:04:05+08:00"
    assert UtcDateTime(allow_none=True).serialize("at", {"at": None}) is None
