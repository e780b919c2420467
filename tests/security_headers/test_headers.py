"""Security headers on every class of page: public start page, sign-in, village page, admin page,
API JSON, the API docs, error pages (400, 404, 500) and static files; HSTS only in production and
over HTTPS; ProxyFix only when ``DESA_PROXY_HOPS`` says so."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from conftest import make_app

from desacerdas.testing import support


def csp_of(resp) -> dict[str, list[str]]:  # noqa: ANN001
    header = resp.headers.get("Content-Security-Policy")
    assert header, f"no CSP on {resp.request.path}"
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def assert_secure_headers(resp, docs: bool = False) -> None:  # noqa: ANN001
    path = resp.request.path
    policy = csp_of(resp)
    assert policy["default-src"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"], path
    assert policy["base-uri"] == ["'self'"], path
    assert policy["form-action"] == ["'self'"], path
    assert policy["frame-ancestors"] == ["'none'"], path
    assert policy["img-src"] == ["'self'", "data:"], path
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, path
    if not docs:
        assert script == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
    assert resp.headers["X-Frame-Options"] == "DENY", path
    assert resp.headers["X-Content-Type-Options"] == "nosniff", path
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
    assert "Strict-Transport-Security" not in resp.headers, path  # not in testing/development


def test_public_pages(client, menanga):
    for path, status in [
        ("/", 200),
        ("/auth/login", 200),
        (f"/desa/{menanga.slug}/", 200),
        ("/static/css/site.css", 200),
        ("/static/js/number-preview.js", 200),
        ("/api/v1/openapi.json", 200),
        ("/no-such-page", 404),
        ("/api/v1/no-such-thing", 404),
    ]:
        resp = client.get(path)
        assert resp.status_code == status, path
        assert_secure_headers(resp)
        resp.close()


def test_admin_and_api_json(client, login, make_user, bearer, menanga):
    admin = make_user("platform_admin")
    login(admin)
    resp = client.get("/admin/villages")
    assert resp.status_code == 200
    assert_secure_headers(resp)
    operator = make_user("operator", menanga)
    resp = client.get("/api/v1/me", headers=bearer(operator))
    assert resp.status_code == 200 and resp.is_json
    assert_secure_headers(resp)


def test_400_pages(client):
    page = client.get("/?q=%00")
    assert page.status_code == 400
    assert_secure_headers(page)
    api = client.get("/api/v1/me?x=%00")
    assert api.status_code == 400 and api.is_json
    assert_secure_headers(api)


def test_500_page(db_urls, tmp_path_factory, _migrated):
    app = make_app(db_urls, tmp_path_factory, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom-for-test")
    def boom():  # noqa: ANN202
        raise RuntimeError("a bug")

    resp = app.test_client().get("/boom-for-test")
    assert resp.status_code == 500
    assert_secure_headers(resp)


def test_swagger_ui_allows_only_its_own_inline_script(client):
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200
    assert_secure_headers(resp, docs=True)
    policy = csp_of(resp)
    body = resp.get_data(as_text=True)
    inline = re.findall(r"<script>(.*?)</script>", body, re.DOTALL)
    assert inline, "the Swagger UI page has its start-up script"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert len(policy["script-src"]) == 1 + len(inline)  # 'self' and those hashes, nothing else
    # its assets load from this site
    for asset in re.findall(r'src="([^"]+)"', body) + re.findall(r'href="([^"]+\.css)"', body):
        got = client.get(asset)
        assert got.status_code == 200, asset
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        got.close()


def test_no_inline_script_in_any_template():
    """What the CSP promises: no page of ours depends on an inline script or event handler."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for folder in ("platform", "plugins"):
        for template in (root / folder).rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
                offenders.append(str(template.relative_to(root)))
            if "javascript:" in text:
                offenders.append(str(template.relative_to(root)))
    assert offenders == []


def test_no_inline_style_in_any_template():
    """The CSP allows styles from static/css only: a style attribute or element would be dropped."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(template.relative_to(root))
        for folder in ("platform", "plugins")
        for template in (root / folder).rglob("*.html")
        if re.search(r"\sstyle=|<style[\s>]", template.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.fixture
def production_app(db_urls, tmp_path_factory, _migrated):
    return make_app(
        db_urls,
        tmp_path_factory,
        DESA_ENV="production",
        SECRET_KEY="x" * 40,
        REDIS_URL="redis://127.0.0.1:1/0",  # required in production; never contacted here
        RATELIMIT_STORAGE_URI="memory://",
        HSTS_SECONDS=1234,
        PROXY_HOPS=1,
        SESSION_COOKIE_SECURE=True,
    )


def test_hsts_in_production_over_https_only(production_app):
    c = production_app.test_client()
    plain = c.get("/auth/login")
    assert plain.status_code == 200  # never redirected by the app: nginx does that
    assert "Strict-Transport-Security" not in plain.headers
    https = c.get("/auth/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert https.status_code == 200
    assert https.headers["Strict-Transport-Security"] == "max-age=1234; includeSubDomains"
    assert https.headers["X-Frame-Options"] == "DENY"


def test_proxy_fix_trusts_the_configured_hops(production_app, app):
    seen = {}

    @production_app.get("/whoami-for-test")
    def whoami():  # noqa: ANN202
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return "ok"

    production_app.test_client().get(
        "/whoami-for-test", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    )
    assert seen == {"addr": "198.51.100.7", "scheme": "https"}
    # the testing app (PROXY_HOPS 0) trusts no forwarded header
    assert app.config["PROXY_HOPS"] == 0
    assert not hasattr(app.wsgi_app, "x_for")


def test_development_cookie_not_forced_secure(app):
    """Talisman would force Secure session cookies; outside production config.py decides."""
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert support  # the fixtures module is importable (kept for helpers)
