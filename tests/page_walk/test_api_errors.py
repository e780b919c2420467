"""API errors: one shape, a stable code, and the message in the language of Accept-Language."""

from __future__ import annotations

import re

import pytest

from desacerdas.services.i18n import validation_messages

ID = {"Accept-Language": "id"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def _error(resp, status: int, code: str) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_data(as_text=True)[:400]
    body = resp.get_json()["error"]
    assert body["status"] == status and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def _all_text(details) -> list[str]:  # noqa: ANN001
    if isinstance(details, dict):
        return [t for v in details.values() for t in _all_text(v)]
    if isinstance(details, list):
        return [t for v in details for t in _all_text(v)]
    return [str(details)]


def test_unauthenticated_in_both_languages(client):
    in_id = _error(client.get("/api/v1/me", headers=ID), 401, "unauthorized")
    in_en = _error(client.get("/api/v1/me", headers=EN), 401, "unauthorized")
    assert in_en["message"].startswith("An API token is required")
    assert in_id["message"] != in_en["message"] and "token" in in_id["message"].lower()


def test_not_found_and_method_not_allowed_follow_the_header(client, bearer, make_user):
    headers = bearer(make_user("platform_admin"))
    body = _error(client.get("/api/v1/nothing-here", headers={**headers, **ID}), 404, "not_found")
    assert "does not exist" not in body["message"]
    body = _error(client.get("/api/v1/nothing-here", headers={**headers, **EN}), 404, "not_found")
    assert body["message"] == "This page does not exist."
    body = _error(client.delete("/api/v1/me", headers={**headers, **ID}), 405, "method_not_allowed")
    assert "not allowed" not in body["message"]


def test_forbidden_in_indonesian(client, bearer, make_user, menanga):
    headers = {**bearer(make_user("operator", menanga)), **ID}
    body = _error(
        client.post("/api/v1/villages", json={"code": "51.07.06.2003"}, headers=headers), 403, "forbidden"
    )
    assert "not allowed" not in body["message"].lower() and "tidak" in body["message"].lower()


def test_validation_details_are_translated(client, bearer, make_user):
    headers = bearer(make_user("platform_admin"))
    body = _error(
        client.post("/api/v1/villages", json={}, headers={**headers, **ID}), 422, "validation_error"
    )
    texts = _all_text(body["details"])
    assert "code" in body["details"]["json"]
    assert texts and not any("Missing data" in t for t in texts), texts
    assert "Some fields" not in body["message"]
    body = _error(
        client.post("/api/v1/villages", json={}, headers={**headers, **EN}), 422, "validation_error"
    )
    assert "Missing data for required field." in _all_text(body["details"])
    body = _error(
        client.get("/api/v1/villages?page_size=101", headers={**headers, **ID}), 422, "validation_error"
    )
    texts = _all_text(body["details"])
    assert not any("greater than" in t or "less than" in t for t in texts), texts
    assert any("100" in t for t in texts)
    unknown = _error(
        client.post(
            "/api/v1/villages", json={"code": "51.07.06.2003", "nama": "x"}, headers={**headers, **ID}
        ),
        422,
        "validation_error",
    )
    assert "Unknown field." not in _all_text(unknown["details"])


def test_service_errors_follow_the_header(client, bearer, make_user, menanga):
    headers = bearer(make_user("platform_admin"))
    payload = {"code": menanga.code}
    in_en = client.post("/api/v1/villages", json=payload, headers={**headers, **EN})
    in_id = client.post("/api/v1/villages", json=payload, headers={**headers, **ID})
    assert in_en.status_code == in_id.status_code == 409
    en, idn = in_en.get_json()["error"], in_id.get_json()["error"]
    assert en["code"] == idn["code"] and en["code"] not in ("error", "") and en["message"] != idn["message"]


def test_lang_parameter_wins_and_default_is_the_platform_language(app, client):
    body = _error(client.get("/api/v1/me?lang=en", headers=ID), 401, "unauthorized")
    assert body["message"].startswith("An API token is required")
    before = app.config["BABEL_DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_LOCALE"] = "id"
    try:
        body = _error(client.get("/api/v1/me"), 401, "unauthorized")
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = before
    assert not body["message"].startswith("An API token is required")


def test_pages_do_not_follow_accept_language(app, client):
    before = app.config["BABEL_DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_LOCALE"] = "id"
    try:
        page = client.get("/auth/login", headers=EN).get_data(as_text=True)
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = before
    assert 'lang="id"' in page


@pytest.mark.parametrize(
    ("english", "needle"),
    [
        ("Length must be between 1 and 120.", "120"),
        ("Must be greater than or equal to 1 and less than or equal to 100.", "100"),
        ("Must be one of: active, suspended.", "active, suspended"),
        ("Not a valid integer.", None),
        ('"abc" cannot be formatted as a datetime.', "abc"),
    ],
)
def test_marshmallow_messages_are_translated(app, english, needle):
    with app.test_request_context("/api/v1/me", headers=ID):
        translated = validation_messages({"json": {"f": [english]}})["json"]["f"][0]
    assert translated != english
    if needle:
        assert needle in translated
    with app.test_request_context("/api/v1/me", headers=EN):
        in_english = validation_messages([english])[0]
    assert not any(word in in_english.lower() for word in ("harus", "bukan", "panjang"))


def test_another_village_answers_404_in_the_readers_language(client, bearer, make_user, menanga, bebandem):
    headers = bearer(make_user("operator", menanga))
    assert client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers={**headers, **ID}).status_code == 200
    body = _error(
        client.get(f"/api/v1/desa/{bebandem.slug}/hamlets", headers={**headers, **ID}), 404, "not_found"
    )
    english = _error(
        client.get(f"/api/v1/desa/{bebandem.slug}/hamlets", headers={**headers, **EN}), 404, "not_found"
    )
    assert body["message"] != english["message"]


def test_every_error_code_is_stable_snake_case():
    """Codes are for machines: lowercase words joined by underscores, never a sentence."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bad = []
    for path in [
        *root.joinpath("platform/desacerdas").rglob("*.py"),
        *root.joinpath("plugins").rglob("*.py"),
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            position = {"ApiError": 2, "ServiceError": 1, "NotFound": 1}.get(name)
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            if code is None and position is not None and len(node.args) > position:
                code = node.args[position]
            text = code.value if isinstance(code, ast.Constant) and isinstance(code.value, str) else None
            if text is not None and not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", text):
                bad.append(f"{path.relative_to(root)}:{node.lineno}: {text!r}")
    assert not bad, bad


@pytest.fixture(scope="module")
def refusing_app(pytestconfig, db_urls, tmp_path_factory, _migrated):  # noqa: ANN001, ANN201
    """An app with API routes that refuse as werkzeug and Flask-Limiter do (413, 429, a bare 400)."""
    from pathlib import Path

    from flask import abort
    from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

    root = (Path(__file__).resolve().parent.parent / "conftest.py").as_posix()
    made = pytestconfig.pluginmanager.get_plugin(root).make_app(db_urls, tmp_path_factory)

    @made.get("/api/v1/test-refusals/<int:status>")
    def _refuse(status: int):  # noqa: ANN202
        if status == 413:
            raise RequestEntityTooLarge()
        if status == 429:
            raise TooManyRequests("10 per 1 minute")
        abort(status)

    return made


@pytest.mark.parametrize(
    ("status", "code"), [(400, "bad_request"), (413, "too_large"), (429, "rate_limited")]
)
def test_werkzeug_refusals_speak_the_readers_language(app, refusing_app, status, code):
    client = refusing_app.test_client()
    in_id = _error(client.get(f"/api/v1/test-refusals/{status}", headers=ID), status, code)
    in_en = _error(client.get(f"/api/v1/test-refusals/{status}", headers=EN), status, code)
    assert in_id["message"] != in_en["message"]
    assert "browser (or proxy)" not in in_en["message"] and "per 1 minute" not in in_en["message"]


def test_a_plugin_refusing_a_setting_speaks_the_readers_language(client, bearer, make_user, menanga):
    headers = bearer(make_user("village_head", menanga))
    url = f"/api/v1/desa/{menanga.slug}/plugins/smart_government/settings"
    payload = {"settings": {"approval_step": "perhaps"}}
    in_id = _error(client.patch(url, json=payload, headers={**headers, **ID}), 400, "invalid_settings")
    in_en = _error(client.patch(url, json=payload, headers={**headers, **EN}), 400, "invalid_settings")
    assert "Not a valid boolean." in in_en["message"] and "approval_step" in in_en["message"]
    assert "Not a valid" not in in_id["message"] and "Invalid settings" not in in_id["message"]


def test_api_refusals_are_marked_for_translation():
    """An API module refuses with a translatable message (``_("…")``), never a bare English literal:
    that is what made one response English and the next Indonesian."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    modules = [
        *root.joinpath("platform/desacerdas/api").glob("*.py"),
        *root.joinpath("plugins").rglob("api.py"),
    ]
    bare = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(getattr(node, "func", None), "attr", None) or getattr(
                getattr(node, "func", None), "id", ""
            )
            if not isinstance(node, ast.Call) or name not in (
                "ApiError",
                "ServiceError",
                "NotFound",
                "abort",
            ):
                continue
            position = 1 if name in ("ApiError", "abort") else 0
            message = node.args[position] if len(node.args) > position else None
            message = next((k.value for k in node.keywords if k.arg in ("message", "description")), message)
            if isinstance(message, ast.JoinedStr) or (
                isinstance(message, ast.Constant) and isinstance(message.value, str)
            ):
                bare.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(message)[:70]}")
    assert not bare, "\n".join(bare)


def test_without_a_header_the_token_owners_language_is_used(app, client, bearer, make_user, menanga):
    from desacerdas.extensions import db
    from desacerdas.models import User

    person = make_user("operator", menanga)
    with app.app_context():
        db.session.get(User, person.id).locale = "en"
        db.session.commit()
    headers = bearer(person)
    before = app.config["BABEL_DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_LOCALE"] = "id"
    try:
        own = _error(client.get("/api/v1/desa/no-such-village/hamlets", headers=headers), 404, "not_found")
        asked = _error(
            client.get("/api/v1/desa/no-such-village/hamlets", headers={**headers, **ID}), 404, "not_found"
        )
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = before
    assert own["message"] == "This village does not exist." and asked["message"] != own["message"]


def test_the_platforms_own_validation_messages_are_kept(app):
    with app.test_request_context("/api/v1/me", headers=EN):
        assert validation_messages(["Not a valid NIK: it needs 16 digits."]) == [
            "Not a valid NIK: it needs 16 digits."
        ]
        assert validation_messages(["Not a valid aware datetime."]) == ["Invalid value."]
