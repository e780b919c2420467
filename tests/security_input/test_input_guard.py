"""NUL bytes, other control characters, lone surrogates, deep and invalid JSON: a 400 with a clear
message (JSON under /api/, a page otherwise, in the request's language), never a 500 and never a
handler that sees them."""

from __future__ import annotations

import io
import json
import time
import uuid

import pytest
from sg_resident_accounts.conftest import WAYAN, sign_in

from desacerdas.extensions import db
from desacerdas.models import Hamlet
from desacerdas.tenancy import tenant_session
from desacerdas.web.input_guard import has_forbidden, json_too_deep

EN = "The request contains a control character or an invalid character"


def api_error(resp) -> dict:  # noqa: ANN001
    assert resp.is_json, resp.get_data(as_text=True)[:200]
    return resp.get_json()["error"]


# -- the checks themselves ---------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\ud800", "\udfff"])
def test_forbidden_characters(char):
    assert has_forbidden(f"Jalan{char}Baru")


@pytest.mark.parametrize("text", ["Jalan\tBaru", "baris\r\nkedua", "Ñusa Penida ☀", "", "😀"])
def test_allowed_text(text):
    assert not has_forbidden(text)


def test_json_depth_is_measured_without_parsing():
    assert not json_too_deep(b"[" * 32 + b"]" * 32, 32)
    assert json_too_deep(b"[" * 33 + b"]" * 33, 32)
    four_levels = b'{"a": {"b": [1, 2, {"c": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]}}'
    assert not json_too_deep(four_levels, 4)  # brackets inside strings do not count
    assert json_too_deep(four_levels, 3)
    assert not json_too_deep(b'["\\"[[[[", []]', 2)  # an escaped quote does not end the string
    assert not json_too_deep(b"[]" * 100_000, 1)  # wide, not deep
    started = time.monotonic()
    assert json_too_deep(b"[" * 100_000 + b"]" * 100_000, 32)
    assert json_too_deep(b"[" * 1_000_000, 32)  # unbalanced
    assert time.monotonic() - started < 2


# -- pages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["q=%00", "q=a%01b", "q=%1b", "x%00y=1", "lang=en&q=%C0%80%00"])
def test_start_page_query(client, query):
    resp = client.get(f"/?{query}")
    assert resp.status_code == 400
    assert resp.mimetype == "text/html"
    assert EN in resp.get_data(as_text=True)


def test_message_in_the_request_language(app, client):
    from flask_babel import gettext

    resp = client.get("/?lang=id&q=%00")
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert '<html lang="id">' in body
    with app.test_request_context("/?lang=id"):
        expected = gettext(EN + ". Remove it and try again.")
    assert expected in body  # the Indonesian text once the catalogue has it (i18n-h3.txt)


def test_tab_newline_and_unicode_pass(client):
    assert client.get("/?q=a%09b%0Ac%0Dd%E2%98%80").status_code == 200


def test_path_with_nul(client, menanga):
    assert client.get("/desa/%00/").status_code == 400
    assert client.get(f"/desa/{menanga.slug}/%00").status_code == 400
    resp = client.get("/api/v1/desa/%00/hamlets")
    assert resp.status_code == 400 and api_error(resp)["code"] == "invalid_characters"


def test_residents_search(client, login, make_user, va, menanga):
    login(make_user("operator", menanga))
    assert client.get(va.page("residents?q=Wayan")).status_code == 200
    resp = client.get(va.page("residents?q=%00"))
    assert resp.status_code == 400
    assert EN in resp.get_data(as_text=True)
    api = client.get(va.api("residents?q=%00"))
    assert api.status_code == 400 and api_error(api)["code"] == "invalid_characters"


def test_nul_in_nik_at_resident_sign_in(client, va, open_account):
    pin = open_account(va, "wayan")
    resp = sign_in(client, va, WAYAN + "\x00", pin)
    assert resp.status_code == 400
    assert EN in resp.get_data(as_text=True)
    assert sign_in(client, va, WAYAN, pin).status_code == 302  # the real one still works


def test_form_field_names_and_upload_names(client, login, make_user, menanga):
    login(make_user("platform_admin"))
    resp = client.post("/auth/login", data={"log\x00in": "x", "password": "y"})
    assert resp.status_code == 400
    resp = client.post(
        "/auth/login",
        data={"login": "a", "file": (io.BytesIO(b"\x00\x01 contents are not checked"), "evil\x00.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    resp = client.post(
        "/auth/login",
        data={"login": "a@example.test", "password": "b", "file": (io.BytesIO(b"\x00\x01\x02"), "ok.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code != 400 or EN not in resp.get_data(as_text=True)


# -- the API: JSON bodies ----------------------------------------------------------------------------


@pytest.fixture
def hamlet(app, menanga):  # noqa: ANN201
    with app.app_context(), tenant_session(menanga.id) as s:
        row = Hamlet(name="Banjar Kaja")
        s.add(row)
        s.commit()
        return str(row.id)


def hamlet_name(app, village, hamlet_id) -> str:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(db.select(Hamlet.name).where(Hamlet.id == uuid.UUID(hamlet_id)))


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "\\u0000"}',
        '{"name": "Kaja\\u0000Baru"}',
        '{"name": "\\ud800"}',
        '{"name": "Kaja\\u000bBaru"}',
        '{"na\\u0000me": "Kaja"}',
        '{"name": "Kaja", "code": ["\\udfff"]}',
    ],
)
def test_hamlet_patch_refuses_control_characters(client, app, bearer, make_user, menanga, hamlet, body):
    head = make_user("village_head", menanga)
    url = f"/api/v1/desa/{menanga.slug}/hamlets/{hamlet}"
    resp = client.patch(url, data=body, content_type="application/json", headers=bearer(head))
    assert resp.status_code == 400
    error = api_error(resp)
    assert error["code"] == "invalid_characters"
    assert EN in error["message"]
    assert hamlet_name(app, menanga, hamlet) == "Banjar Kaja"


def test_hamlet_patch_still_works(client, app, bearer, make_user, menanga, hamlet):
    head = make_user("village_head", menanga)
    url = f"/api/v1/desa/{menanga.slug}/hamlets/{hamlet}"
    resp = client.patch(url, json={"name": "Banjar Kaja\tBaru"}, headers=bearer(head))
    assert resp.status_code == 200, resp.get_data(as_text=True)


def test_deep_json_refused_before_parsing(client, bearer, make_user, menanga, hamlet):
    head = make_user("village_head", menanga)
    url = f"/api/v1/desa/{menanga.slug}/hamlets/{hamlet}"
    deep = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    started = time.monotonic()
    resp = client.patch(url, data=deep, content_type="application/json", headers=bearer(head))
    assert time.monotonic() - started < 3
    assert resp.status_code == 400
    error = api_error(resp)
    assert error["code"] == "json_too_deep"
    assert "32" in error["message"]


def test_json_at_the_depth_limit_reaches_the_handler(client, bearer, make_user, menanga, hamlet):
    head = make_user("village_head", menanga)
    url = f"/api/v1/desa/{menanga.slug}/hamlets/{hamlet}"
    body = json.dumps({"name": "Kaja", "x": [[[[1]]]]})
    resp = client.patch(url, data=body, content_type="application/json", headers=bearer(head))
    assert resp.status_code != 400 or api_error(resp)["code"] not in ("json_too_deep", "invalid_json")


def test_cesu_encoded_surrogate_is_refused(client, bearer, make_user, menanga, hamlet):
    head = make_user("village_head", menanga)
    url = f"/api/v1/desa/{menanga.slug}/hamlets/{hamlet}"
    body = b'{"name": "\xed\xa0\x80"}'  # Python's decoder lets it through as a lone surrogate
    resp = client.patch(url, data=body, content_type="application/json", headers=bearer(head))
    assert resp.status_code == 400
    assert api_error(resp)["code"] in ("invalid_characters", "invalid_json")


@pytest.mark.parametrize("body", [b"{", b'{"name": "Kaja",}', b"\xff\xfe{}", b"nul", b"[" * 20, b"]]]]"])
def test_invalid_json_is_400(client, bearer, make_user, menanga, hamlet, body):
    head = make_user("village_head", menanga)
    url = f"/api/v1/desa/{menanga.slug}/hamlets/{hamlet}"
    resp = client.patch(url, data=body, content_type="application/json", headers=bearer(head))
    assert resp.status_code == 400
    assert api_error(resp)["code"] == "invalid_json"


def test_refused_before_authentication_and_village(client, bearer, make_user, menanga, bebandem):
    """The guard answers the same for a village that exists, one that does not, and another
    village's: it reveals nothing and no handler (nor database query) sees the value."""
    head = make_user("village_head", menanga)
    answers = set()
    for slug in (menanga.slug, bebandem.slug, "no-such-village"):
        for headers in ({}, bearer(head)):
            resp = client.post(f"/api/v1/desa/{slug}/hamlets", json={"name": "\x00"}, headers=headers)
            answers.add((resp.status_code, resp.get_data(as_text=True)))
    assert len(answers) == 1
    status, body = answers.pop()
    assert status == 400 and "invalid_characters" in body


def test_oversized_forms_keep_their_own_answer(client):
    """A form the guard cannot read (over MAX_FORM_MEMORY_SIZE) is answered 413 as before, by the
    handler that reads it, not turned into a 500 by the guard."""
    resp = client.post(
        "/auth/login", data={"login": "a" * 600_000, "password": "b"}, content_type="multipart/form-data"
    )
    assert resp.status_code == 413
    body = "x" * 30_000_000
    resp = client.post(
        "/auth/login", data=body, content_type="application/x-www-form-urlencoded"
    )  # over MAX_CONTENT_LENGTH
    assert resp.status_code == 413
