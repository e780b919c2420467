"""The OpenAPI document and the Swagger UI, served from bundled assets (no CDN)."""

from __future__ import annotations

import re

EXPECTED_OPERATIONS = {
    ("get", "/api/v1/me"),
    ("get", "/api/v1/me/tokens"),
    ("post", "/api/v1/me/tokens"),
    ("delete", "/api/v1/me/tokens/{token_id}"),
    ("get", "/api/v1/villages"),
    ("post", "/api/v1/villages"),
    ("get", "/api/v1/villages/{slug}"),
    ("post", "/api/v1/villages/{slug}/suspend"),
    ("post", "/api/v1/villages/{slug}/resume"),
    ("post", "/api/v1/villages/{slug}/archive"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{user_id}"),
    ("get", "/api/v1/users/{user_id}/memberships"),
    ("post", "/api/v1/users/{user_id}/memberships"),
    ("delete", "/api/v1/users/{user_id}/memberships/{membership_id}"),
    ("get", "/api/v1/desa/{slug}/"),
    ("get", "/api/v1/desa/{slug}/hamlets"),
    ("post", "/api/v1/desa/{slug}/hamlets"),
    ("get", "/api/v1/desa/{slug}/hamlets/{hamlet_id}"),
    ("patch", "/api/v1/desa/{slug}/hamlets/{hamlet_id}"),
    ("get", "/api/v1/desa/{slug}/members"),
    ("post", "/api/v1/desa/{slug}/members"),
    ("delete", "/api/v1/desa/{slug}/members/{membership_id}"),
}


def _spec(client) -> dict:  # noqa: ANN001
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.is_json
    return resp.get_json()


def test_openapi_document_lists_every_endpoint(client):
    spec = _spec(client)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Desa Cerdas API" and "X-Pagination" in spec["info"]["description"]
    operations = {
        (method, path) for path, item in spec["paths"].items() for method in item if method != "parameters"
    }
    assert operations >= EXPECTED_OPERATIONS, EXPECTED_OPERATIONS - operations


def test_openapi_documents_bearer_auth_errors_and_pagination(client):
    spec = _spec(client)
    assert spec["components"]["securitySchemes"]["token"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"token": []}]
    # The documented error is the envelope web/errors.py sends, not flask-smorest's own shape.
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    body = spec["components"]["schemas"]["ApiErrorBody"]["properties"]
    assert set(body) == {"status", "code", "message", "details"}
    listing = spec["paths"]["/api/v1/villages"]["get"]
    page_size = next(p for p in listing["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 100 and page_size["schema"]["default"] == 25
    assert "X-Pagination" in listing["responses"]["200"]["headers"]
    slug = spec["paths"]["/api/v1/desa/{slug}/hamlets"]
    params = slug.get("parameters", []) + slug["get"].get("parameters", [])
    assert any(p["name"] == "slug" and p["in"] == "path" for p in params)


def test_openapi_needs_no_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


def test_swagger_ui_uses_only_local_assets(client):
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert not re.search(r"(https?:)?//[a-z0-9]", html, re.I), "the docs page references another host"
    assert '"validatorUrl": null' in html  # Swagger UI must not send the document to validator.swagger.io
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    for url in assets:
        assert url.startswith("/api/v1/docs/assets/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.mimetype in ("text/css", "text/javascript", "application/javascript"), (
            url,
            asset.mimetype,
        )
        assert len(asset.data) > 1000
        asset.close()


def test_missing_asset_is_404(client):
    assert client.get("/api/v1/docs/assets/nothing.js").status_code == 404
    assert client.get("/api/v1/docs/assets/../../../etc/passwd").status_code == 404
