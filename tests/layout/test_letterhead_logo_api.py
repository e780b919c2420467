"""The letterhead logo through the API: ``POST /api/v1/desa/<slug>/terms/logo`` (multipart, the file
part ``logo``) with the terms page's checks (``terms_views.store_logo``), ``DELETE`` to take it off.
The page's own tests are in ``test_letterhead_logo.py``."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.models import AuditEvent, Document, Tenant
from desacerdas.storage import StorageUnavailable
from desacerdas.tenancy import tenant_session


def picture(fmt: str = "PNG", size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (31, 111, 67)).save(out, fmt)
    return out.getvalue()


def url(village) -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/terms/logo"


def upload(client, village, headers, data: bytes, filename: str = "logo.png", lang: str = "en"):  # noqa: ANN001, ANN201
    return client.post(
        url(village),
        data={"logo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers={**headers, "Accept-Language": lang},
    )


def logo_id(app, village):  # noqa: ANN001, ANN201
    with app.app_context():
        return terms.letterhead_for(db.session.get(Tenant, village.id)).logo_document_id


def documents(app, village) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.query(Document).count()


def error(resp, status: int, code: str) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()["error"]
    assert body["code"] == code
    return body


@pytest.fixture
def head(menanga, make_user, bearer):  # noqa: ANN001, ANN201
    return bearer(make_user("village_head", menanga))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_upload_stores_resizes_and_sets_the_logo(app, client, menanga, head, fmt):
    resp = upload(client, menanga, head, picture(fmt, (2400, 1200)), filename=f"logo.{fmt.lower()}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    stored = resp.get_json()["letterhead"]["logo_document_id"]
    assert stored and stored == str(logo_id(app, menanga))
    with app.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        document = terms.logo_document(logo_id(app, menanga), s)
        assert document.kind == terms.LOGO_KIND and document.visibility.value == "staff"
        assert max(Image.open(io.BytesIO(terms.logo_bytes(tenant, s))).size) <= 600  # resized
        event = s.query(AuditEvent).filter_by(action="village.terms_changed").one()
        assert event.tenant_id == menanga.id and event.detail["set"] == {"logo_document_id": stored}
    # the terms page shows it too
    assert (
        client.get(f"/api/v1/desa/{menanga.slug}/terms", headers=head).get_json()["letterhead"][
            "logo_document_id"
        ]
        == stored
    )


def test_delete_takes_the_logo_off(app, client, menanga, head):
    assert upload(client, menanga, head, picture()).status_code == 200
    resp = client.delete(url(menanga), headers=head)
    assert resp.status_code == 200
    assert resp.get_json()["letterhead"]["logo_document_id"] is None
    assert logo_id(app, menanga) is None
    assert client.delete(url(menanga), headers=head).status_code == 200  # again: nothing to change


@pytest.mark.parametrize(
    ("data", "filename"),
    [(b"%PDF-1.4 not a picture", "logo.png"), (b"GIF89a" + b"\0" * 40, "logo.gif")],
)
def test_wrong_type_is_refused_in_the_reader_language(app, client, menanga, head, data, filename):
    body = error(upload(client, menanga, head, data, filename), 400, "invalid_logo")
    assert "PNG" in body["message"] and "JPEG" in body["message"]
    body = error(upload(client, menanga, head, data, filename, lang="id"), 400, "invalid_logo")
    assert body["message"] != "The logo must be a PNG or JPEG image that opens."
    assert logo_id(app, menanga) is None and documents(app, menanga) == 0


def test_a_form_value_instead_of_a_file_is_422(app, client, menanga, head):
    resp = client.post(url(menanga), data={"logo": "logo.png"}, headers=head)
    assert error(resp, 422, "validation_error")["details"]["files"]["logo"]
    assert logo_id(app, menanga) is None


def test_too_big_is_refused(app, client, menanga, head, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 2048)
    body = error(
        upload(client, menanga, head, picture("PNG", (300, 300)) + b"\0" * 4096), 413, "logo_too_large"
    )
    assert body["message"] == "The logo is too large: at most 1 MB."
    assert logo_id(app, menanga) is None and documents(app, menanga) == 0


def test_too_many_pixels_is_refused_before_decoding(app, client, menanga, head):
    error(upload(client, menanga, head, picture("PNG", (4100, 4100))), 400, "image_too_large")
    assert logo_id(app, menanga) is None


def test_wrong_role_and_other_village(app, client, menanga, bebandem, make_user, bearer):
    operator = bearer(make_user("operator", menanga))
    error(upload(client, menanga, operator, picture()), 403, "forbidden")
    error(client.delete(url(menanga), headers=operator), 403, "forbidden")
    stranger = bearer(make_user("village_head", bebandem))
    error(upload(client, menanga, stranger, picture()), 404, "not_found")
    error(client.delete(url(menanga), headers=stranger), 404, "not_found")
    assert client.post(url(menanga), data={"logo": (io.BytesIO(picture()), "l.png")}).status_code == 401
    assert logo_id(app, menanga) is None and documents(app, menanga) == 0


def test_a_facilitator_of_the_village_may_upload(app, client, menanga, make_user, bearer):
    resp = upload(client, menanga, bearer(make_user("facilitator", menanga)), picture())
    assert resp.status_code == 200 and logo_id(app, menanga) is not None


def test_storage_down_is_503_and_keeps_the_old_logo(app, client, menanga, head, monkeypatch):
    first = upload(client, menanga, head, picture()).get_json()["letterhead"]["logo_document_id"]
    store = app.extensions["desa_storage"]

    def down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise StorageUnavailable("storage is switched off for this test")

    monkeypatch.setattr(store, "put", down)
    body = error(upload(client, menanga, head, picture("JPEG")), 503, "storage_unavailable")
    assert "nothing was saved" in body["message"]
    assert str(logo_id(app, menanga)) == first and documents(app, menanga) == 1


def test_openapi_documents_the_upload(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    item = spec["paths"]["/api/v1/desa/{slug}/terms/logo"]
    assert {"post", "delete"} <= set(item)
    body = item["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]] if "$ref" in body else body
    assert schema["properties"]["logo"]["format"] == "binary" and "logo" in schema["required"]
    assert {"200", "400", "403", "404", "413", "503"} <= set(item["post"]["responses"])
