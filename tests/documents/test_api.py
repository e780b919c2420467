"""The documents API (``/api/v1/desa/<slug>/documents``) against both backends.

Round trips are checked by the SHA-256 of the bytes that come back; access by who may see what
(a document the caller may not read is 404, one they may read but not change is 403); presigned
downloads and a stopped storage server against the real S3 server (SeaweedFS), no mocks.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from desacerdas.extensions import db
from desacerdas.models import Document, Tenant, User
from desacerdas.services import auth as auth_service
from desacerdas.services import documents as docs
from desacerdas.storage import StorageError, storage
from desacerdas.tenancy import tenant_session


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def base(village) -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/documents"


@pytest.fixture
def auth(dapp):
    """``auth(person)`` → headers with a fresh API token of that person (made in a closed context)."""

    def _headers(person) -> dict[str, str]:  # noqa: ANN001
        with dapp.app_context():
            _token, plain = auth_service.create_api_token(db.session.get(User, person.id), "test")
        return {"Authorization": f"Bearer {plain}"}

    return _headers


def upload(client, village, headers, data: bytes, name: str = "ktp.png", **fields):  # noqa: ANN001, ANN201
    form = {"title": fields.pop("title", "KTP Made"), **fields, "file": (io.BytesIO(data), name)}
    return client.post(base(village), data=form, headers=headers, content_type="multipart/form-data")


def new_version(client, village, headers, doc_id: str, data: bytes, name: str = "v.pdf"):  # noqa: ANN001, ANN201
    return client.post(
        f"{base(village)}/{doc_id}/versions",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def fetch(client, path: str, headers: dict, extra: dict | None = None):  # noqa: ANN001, ANN201
    """GET ``path`` and read the (streamed) body; the response is closed so its context ends."""
    resp = client.get(path, headers={**headers, **(extra or {})})
    body = resp.get_data()
    resp.close()
    return resp, body


def error(resp, status: int, code: str) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    body = resp.get_json()["error"]
    assert body["status"] == status and body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def rows(dapp, village) -> int:  # noqa: ANN001
    with dapp.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(Document)) or 0


def objects(dapp, village) -> list[str]:  # noqa: ANN001
    with dapp.app_context():
        return list(storage().keys(f"{village.code}/"))


@pytest.fixture
def staff(make_user, menanga, auth) -> dict[str, str]:
    return auth(make_user("operator", menanga))


# -- round trip ------------------------------------------------------------------------------------


def test_upload_list_get_versions_download_delete(dapp, dclient, menanga, staff, samples):
    resp = upload(dclient, menanga, staff, samples["png"], name="../../KTP Made ü.png", kind="identity")
    assert resp.status_code == 201, resp.get_json()
    doc = resp.get_json()
    doc_id = doc["id"]
    assert resp.headers["Location"].endswith(f"{base(menanga)}/{doc_id}")
    assert doc["title"] == "KTP Made" and doc["kind"] == "identity" and doc["visibility"] == "staff"
    assert doc["plugin"] == "core" and doc["object_id"] is None
    current = doc["current_version"]
    assert current["number"] == 1 and current["size"] == len(samples["png"])
    assert current["content_type"] == "image/png" and current["sha256"] == sha(samples["png"])
    assert current["created_at"] and "/" not in current["filename"] and current["filename"].endswith(".png")
    assert doc["links"]["download"] == f"{base(menanga)}/{doc_id}/download"
    assert current["download_url"] == f"{base(menanga)}/{doc_id}/download?version=1"
    assert [k for k in objects(dapp, menanga) if k.startswith(f"{menanga.code}/core/{doc_id}/v1-")]

    listing = dclient.get(base(menanga), headers=staff)
    assert listing.status_code == 200 and [d["id"] for d in listing.get_json()] == [doc_id]
    assert json.loads(listing.headers["X-Pagination"])["total"] == 1

    resp = new_version(dclient, menanga, staff, doc_id, samples["pdf"])
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["current_version"]["number"] == 2

    detail = dclient.get(f"{base(menanga)}/{doc_id}", headers=staff).get_json()
    assert [v["number"] for v in detail["versions"]] == [1, 2]
    assert [v["sha256"] for v in detail["versions"]] == [sha(samples["png"]), sha(samples["pdf"])]
    assert detail["current_version"]["content_type"] == "application/pdf"

    resp, body = fetch(dclient, detail["links"]["download"], staff)
    assert resp.status_code == 200 and sha(body) == sha(samples["pdf"])
    assert resp.mimetype == "application/pdf" and resp.headers["Content-Length"] == str(len(samples["pdf"]))
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    resp, body = fetch(dclient, detail["versions"][0]["download_url"], staff)
    assert resp.status_code == 200 and sha(body) == sha(samples["png"]) and resp.mimetype == "image/png"
    error(fetch(dclient, f"{base(menanga)}/{doc_id}/download?version=3", staff)[0], 404, "not_found")

    assert dclient.delete(f"{base(menanga)}/{doc_id}", headers=staff).status_code == 204
    error(dclient.get(f"{base(menanga)}/{doc_id}", headers=staff), 404, "not_found")
    error(fetch(dclient, f"{base(menanga)}/{doc_id}/download", staff)[0], 404, "not_found")
    assert dclient.get(base(menanga), headers=staff).get_json() == []
    assert rows(dapp, menanga) == 1  # soft deleted: purged after the retention period


def test_list_filters_and_pagination(dapp, dclient, menanga, staff, samples):
    upload(dclient, menanga, staff, samples["png"], title="Foto balai banjar", kind="photo")
    upload(dclient, menanga, staff, samples["csv"], name="warga.csv", title="Data warga", kind="spreadsheet")
    with dapp.app_context(), tenant_session(menanga.id) as s:  # a plugin's generated letter
        docs.store(
            s.get(Tenant, menanga.id),
            docs.NewFile(io.BytesIO(samples["pdf"]), "surat.pdf"),
            title="Surat keterangan domisili",
            kind="letter",
            plugin="smart_government",
            object_id="42",
            session=s,
        )

    def titles(**query) -> list[str]:  # noqa: ANN003
        resp = dclient.get(base(menanga), headers=staff, query_string=query)
        assert resp.status_code == 200, resp.get_json()
        return sorted(d["title"] for d in resp.get_json())

    assert len(titles()) == 3
    assert titles(kind="photo") == ["Foto balai banjar"]
    assert titles(q="WARGA") == ["Data warga"]
    assert titles(plugin="smart_government") == titles(object_id="42") == ["Surat keterangan domisili"]
    assert titles(plugin="core", kind="letter") == []
    page = dclient.get(base(menanga), headers=staff, query_string={"page_size": 2, "page": 2})
    assert len(page.get_json()) == 1 and json.loads(page.headers["X-Pagination"])["total"] == 3
    error(dclient.get(base(menanga), headers=staff, query_string={"page_size": 101}), 422, "validation_error")


def test_kinds_are_the_villages_with_accepted_types(dclient, menanga, make_user, auth):
    resp = dclient.get(f"{base(menanga)}/kinds", headers=auth(make_user("resident", menanga)))
    assert resp.status_code == 200
    kinds = {k["key"]: k for k in resp.get_json()}
    assert {"general", "photo", "identity", "letter", "spreadsheet"} <= set(kinds)
    assert kinds["letter"]["content_types"] == ["application/pdf"]
    assert "image/webp" in kinds["photo"]["content_types"] and kinds["letter"]["label"]
    assert len(kinds["general"]["content_types"]) == len(docs.DEFAULT_ALLOWED)


def test_conditional_requests(dclient, menanga, staff, samples):
    data = samples["csv"]
    doc = upload(dclient, menanga, staff, data, name="warga.csv", kind="spreadsheet").get_json()
    url = doc["links"]["download"]
    resp, _ = fetch(dclient, url, staff)
    etag = resp.headers["ETag"]
    assert etag.strip('"') == sha(data) and resp.headers["Accept-Ranges"] == "bytes"
    assert "private" in resp.headers["Cache-Control"]

    resp, body = fetch(dclient, url, staff, {"If-None-Match": etag})
    assert resp.status_code == 304 and body == b"" and resp.headers["ETag"] == etag
    resp, body = fetch(dclient, url, staff, {"If-None-Match": '"something-else"'})
    assert resp.status_code == 200 and body == data


def test_range_requests(dclient, menanga, staff, samples):
    data = samples["csv"]
    doc = upload(dclient, menanga, staff, data, name="warga.csv", kind="spreadsheet").get_json()
    url, etag = doc["links"]["download"], f'"{doc["current_version"]["sha256"]}"'
    resp, body = fetch(dclient, url, staff, {"Range": "bytes=4-11"})
    assert resp.status_code == 206 and body == data[4:12]
    assert resp.headers["Content-Range"] == f"bytes 4-11/{len(data)}"
    resp, body = fetch(dclient, url, staff, {"Range": "bytes=-5"})
    assert resp.status_code == 206 and body == data[-5:]
    resp, body = fetch(dclient, url, staff, {"Range": "bytes=0-3", "If-Range": etag})
    assert resp.status_code == 206 and body == data[:4]
    resp, body = fetch(dclient, url, staff, {"Range": "bytes=0-3", "If-Range": '"stale"'})
    assert resp.status_code == 200 and body == data  # the file changed: the whole of it
    resp, _ = fetch(dclient, url, staff, {"Range": f"bytes={len(data) + 10}-"})
    assert resp.status_code == 416 and resp.headers["Content-Range"] == f"bytes */{len(data)}"


# -- bad input -------------------------------------------------------------------------------------


def test_too_large_and_over_quota_are_413_and_store_nothing(dapp, dclient, menanga, staff, samples):
    too_big = samples["png"] + b"\x00" * dapp.config["DOCUMENT_MAX_BYTES"]
    body = error(upload(dclient, menanga, staff, too_big), 413, "too_large")
    assert "MB" in body["message"]
    with dapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        tenant.profile = {**(tenant.profile or {}), "document_quota_bytes": 10}
        s.commit()
    error(upload(dclient, menanga, staff, samples["png"]), 413, "quota_exceeded")
    assert rows(dapp, menanga) == 0 and objects(dapp, menanga) == []


def test_unsupported_types_are_415_with_the_detected_type(dapp, dclient, menanga, staff, samples):
    body = error(upload(dclient, menanga, staff, samples["exe"], name="surat.pdf"), 415, "unsupported_type")
    assert "application/x-msdownload" in body["message"]
    body = error(upload(dclient, menanga, staff, samples["png"], kind="letter"), 415, "unsupported_type")
    assert "image/png" in body["message"] and "PDF" in body["message"]
    doc = upload(dclient, menanga, staff, samples["pdf"], kind="letter").get_json()
    body = error(
        new_version(dclient, menanga, staff, doc["id"], samples["html"], "x.pdf"), 415, "unsupported_type"
    )
    assert "detected" in body["message"]
    assert rows(dapp, menanga) == 1 and len(objects(dapp, menanga)) == 1


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"kind": "general"}, "title"),  # no title
        ({"title": "   "}, "title"),
        ({"title": "x", "kind": "rahasia"}, "kind"),
        ({"title": "x", "visibility": "everyone"}, "visibility"),
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x", "file": "not a file part"}, "file"),
    ],
)
def test_invalid_uploads_are_422(dapp, dclient, menanga, staff, samples, form, field):
    data = {**form}
    data.setdefault("file", (io.BytesIO(samples["png"]), "ktp.png"))
    resp = dclient.post(base(menanga), data=data, headers=staff)
    body = error(resp, 422, "validation_error")
    assert field in body["details"]["form"], body
    assert rows(dapp, menanga) == 0


def test_an_upload_without_a_file_is_422(dclient, menanga, staff):
    resp = dclient.post(base(menanga), data={"title": "x"}, headers=staff, content_type="multipart/form-data")
    assert "file" in error(resp, 422, "validation_error")["details"]["form"]


def test_the_api_needs_a_token(dclient, menanga):
    error(dclient.get(base(menanga)), 401, "unauthorized")


# -- who may see and change what -------------------------------------------------------------------


def test_residents_see_their_own_and_public_documents_only(dclient, menanga, make_user, auth, staff, samples):
    made, ketut = auth(make_user("resident", menanga)), auth(make_user("resident", menanga))
    staff_doc = upload(dclient, menanga, staff, samples["pdf"], title="Rapat staf").get_json()
    public_doc = upload(dclient, menanga, staff, samples["png"], title="Pengumuman", visibility="public")
    public_doc = public_doc.get_json()
    resp = upload(dclient, menanga, made, samples["jpeg"], name="kk.jpg", title="KK Made", kind="identity")
    assert resp.status_code == 201 and resp.get_json()["visibility"] == "owner"
    made_doc = resp.get_json()
    ketut_doc = upload(dclient, menanga, ketut, samples["png"], title="KTP Ketut").get_json()

    seen = {d["title"] for d in dclient.get(base(menanga), headers=made).get_json()}
    assert seen == {"KK Made", "Pengumuman"}
    everything = {d["title"] for d in dclient.get(base(menanga), headers=staff).get_json()}
    assert everything == {"Rapat staf", "Pengumuman", "KK Made", "KTP Ketut"}

    for hidden in (staff_doc, ketut_doc):  # exactly like an id that does not exist
        error(dclient.get(f"{base(menanga)}/{hidden['id']}", headers=made), 404, "not_found")
        error(fetch(dclient, hidden["links"]["download"], made)[0], 404, "not_found")
    resp, body = fetch(dclient, made_doc["links"]["download"], made)
    assert resp.status_code == 200 and sha(body) == sha(samples["jpeg"])
    resp, body = fetch(dclient, public_doc["links"]["download"], made)
    assert resp.status_code == 200 and sha(body) == sha(samples["png"])
    assert "public" in resp.headers["Cache-Control"]

    for visibility in ("staff", "public"):
        resp = upload(dclient, menanga, made, samples["png"], visibility=visibility)
        error(resp, 403, "visibility_not_allowed")


def test_who_may_change_and_delete(dclient, menanga, make_user, auth, staff, samples):
    """Not readable → 404 (nothing is revealed); readable but not the caller's to change → 403."""
    resident = auth(make_user("resident", menanga))
    facilitator = auth(make_user("facilitator", menanga))
    staff_doc = upload(dclient, menanga, staff, samples["pdf"], title="Rapat staf").get_json()
    public_doc = upload(dclient, menanga, staff, samples["png"], visibility="public").get_json()
    own_doc = upload(dclient, menanga, resident, samples["png"]).get_json()

    item = f"{base(menanga)}/{staff_doc['id']}"
    error(dclient.delete(item, headers=resident), 404, "not_found")
    error(new_version(dclient, menanga, resident, staff_doc["id"], samples["pdf"]), 404, "not_found")
    item = f"{base(menanga)}/{public_doc['id']}"
    error(dclient.delete(item, headers=resident), 403, "forbidden")
    error(new_version(dclient, menanga, resident, public_doc["id"], samples["png"]), 403, "forbidden")

    # A facilitator reads every document of the village but changes none and uploads none.
    assert dclient.get(f"{base(menanga)}/{staff_doc['id']}", headers=facilitator).status_code == 200
    error(dclient.delete(f"{base(menanga)}/{staff_doc['id']}", headers=facilitator), 403, "forbidden")
    error(upload(dclient, menanga, facilitator, samples["png"]), 403, "forbidden")

    resp = new_version(dclient, menanga, resident, own_doc["id"], samples["jpeg"], "baru.jpg")
    assert resp.status_code == 201 and resp.get_json()["current_version"]["number"] == 2
    assert dclient.delete(f"{base(menanga)}/{own_doc['id']}", headers=resident).status_code == 204
    assert dclient.delete(f"{base(menanga)}/{staff_doc['id']}", headers=staff).status_code == 204
    assert dclient.get(f"{base(menanga)}/{public_doc['id']}", headers=staff).status_code == 200


def test_another_villages_document_is_not_found(
    dapp, dclient, menanga, bebandem, make_user, auth, staff, samples
):
    doc = upload(dclient, menanga, staff, samples["png"], visibility="public").get_json()
    bebandem_staff = auth(make_user("operator", bebandem))
    admin = auth(make_user("platform_admin"))
    for headers in (bebandem_staff, admin):  # even someone who may see both villages
        item = f"{base(bebandem)}/{doc['id']}"
        error(dclient.get(item, headers=headers), 404, "not_found")
        error(fetch(dclient, f"{item}/download", headers)[0], 404, "not_found")
        error(new_version(dclient, bebandem, headers, doc["id"], samples["png"]), 404, "not_found")
        error(dclient.delete(item, headers=headers), 404, "not_found")
        assert dclient.get(base(bebandem), headers=headers).get_json() == []
    # Menanga's own route is closed to Bebandem's staff: the village itself is not theirs.
    error(dclient.get(f"{base(menanga)}/{doc['id']}", headers=bebandem_staff), 404, "not_found")
    resp, body = fetch(dclient, doc["links"]["download"], staff)
    assert resp.status_code == 200 and sha(body) == sha(samples["png"])


# -- presigned downloads ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def presign_app(dapp, db_urls, tmp_path_factory):
    """A second app on the same database *and the same storage* as ``dapp``, with presigned downloads."""
    from conftest import make_app

    return make_app(
        db_urls,
        tmp_path_factory,
        STORAGE_URL=dapp.config["STORAGE_URL"],
        STORAGE_PRESIGN=True,
        DOCUMENT_MAX_BYTES=dapp.config["DOCUMENT_MAX_BYTES"],
    )


@pytest.fixture
def pclient(presign_app):
    return presign_app.test_client()


def s3_only(backend: str) -> None:
    if backend != "s3":
        pytest.skip("S3 storage only")


def test_presign_setting_streams_from_a_local_folder(backend, pclient, menanga, staff, samples):
    if backend != "file":
        pytest.skip("a local folder cannot presign")
    doc = upload(pclient, menanga, staff, samples["pdf"]).get_json()
    resp, body = fetch(pclient, doc["links"]["download"], staff)
    assert resp.status_code == 200 and sha(body) == sha(samples["pdf"])


def test_presigned_download_redirects_to_storage(backend, dapp, pclient, menanga, staff, samples):
    s3_only(backend)
    doc = upload(pclient, menanga, staff, samples["pdf"], name="surat.pdf").get_json()
    resp, _ = fetch(pclient, doc["links"]["download"], staff)
    assert resp.status_code == 302 and resp.headers["Cache-Control"] == "no-store"
    location = resp.headers["Location"]
    bucket = urlsplit(dapp.config["STORAGE_URL"]).path.strip("/")
    assert urlsplit(location).path.startswith(f"/{bucket}/{menanga.code}/core/{doc['id']}/v1-")
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=60" in location
    with urllib.request.urlopen(location, timeout=10) as got:  # noqa: S310 - our test server
        assert got.status == 200 and sha(got.read()) == sha(samples["pdf"])
    # Conditional requests are still answered by the app, without a URL.
    resp, _ = fetch(
        pclient,
        doc["links"]["download"],
        staff,
        {"If-None-Match": doc["current_version"]["sha256"]},
    )
    assert resp.status_code == 304


def test_presigned_url_edited_to_another_villages_key_is_refused(
    backend, pclient, menanga, bebandem, make_user, auth, staff, samples
):
    s3_only(backend)
    ours = upload(pclient, menanga, staff, samples["pdf"]).get_json()
    bebandem_staff = auth(make_user("operator", bebandem))
    theirs = upload(pclient, bebandem, bebandem_staff, samples["png"]).get_json()
    ours_url = fetch(pclient, ours["links"]["download"], staff)[0].headers["Location"]
    theirs_url = fetch(pclient, theirs["links"]["download"], bebandem_staff)[0].headers["Location"]
    theirs_path = urlsplit(theirs_url).path
    assert theirs_path.split("/")[2] == bebandem.code

    parts = urlsplit(ours_url)
    edited = parts._replace(path=theirs_path).geturl()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(edited, timeout=10)  # noqa: S310 - our test server
    assert refused.value.code == 403
    with urllib.request.urlopen(ours_url, timeout=10) as got:  # noqa: S310 - the unedited URL works
        assert sha(got.read()) == sha(samples["pdf"])


def test_no_presigned_url_for_another_villages_document(
    backend, presign_app, pclient, menanga, bebandem, make_user, auth, staff, samples, monkeypatch
):
    s3_only(backend)
    doc = upload(pclient, menanga, staff, samples["pdf"]).get_json()
    staff_only = upload(pclient, menanga, staff, samples["png"]).get_json()
    store = presign_app.extensions["desa_storage"]
    made: list[str] = []
    real = store.presigned_url

    def spy(key, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        made.append(key)
        return real(key, *args, **kwargs)

    monkeypatch.setattr(store, "presigned_url", spy)
    resident = auth(make_user("resident", menanga))
    for headers in (auth(make_user("operator", bebandem)), auth(make_user("platform_admin"))):
        resp, _ = fetch(pclient, f"{base(bebandem)}/{doc['id']}/download", headers)
        error(resp, 404, "not_found")
        assert "Location" not in resp.headers
    resp, _ = fetch(pclient, staff_only["links"]["download"], resident)
    error(resp, 404, "not_found")
    assert made == []
    assert fetch(pclient, doc["links"]["download"], staff)[0].status_code == 302
    assert len(made) == 1 and made[0].startswith(f"{menanga.code}/core/{doc['id']}/")


# -- storage down ----------------------------------------------------------------------------------


def wait_until_usable(dapp, key: str, timeout: float = 60) -> bytes:  # noqa: ANN001
    """After a restart the S3 port answers before reads and writes work: wait for both."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with dapp.app_context():
                store = storage()
                data = b"".join(store.open(key))
                store.put(f"{key}-probe", io.BytesIO(b"probe"), 5, "text/plain")
                store.delete(f"{key}-probe")
                return data
        except StorageError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_storage_down_is_503_and_writes_nothing(backend, dapp, dclient, menanga, staff, samples, request):
    s3_only(backend)
    server = request.getfixturevalue("s3_server")
    kept = upload(dclient, menanga, staff, samples["pdf"]).get_json()
    kept_key = objects(dapp, menanga)[0]
    server.stop()
    try:
        body = error(upload(dclient, menanga, staff, samples["png"]), 503, "storage_unavailable")
        assert "nothing was saved" in body["message"]
        error(new_version(dclient, menanga, staff, kept["id"], samples["pdf"]), 503, "storage_unavailable")
        error(fetch(dclient, kept["links"]["download"], staff)[0], 503, "storage_unavailable")
        assert rows(dapp, menanga) == 1
    finally:
        server.start()
        back = wait_until_usable(dapp, kept_key)  # the next tests need it working, whatever happened here
    assert sha(back) == sha(samples["pdf"])
    assert objects(dapp, menanga) == [kept_key]  # nothing orphaned
    detail = dclient.get(f"{base(menanga)}/{kept['id']}", headers=staff).get_json()
    assert [v["number"] for v in detail["versions"]] == [1]
    assert upload(dclient, menanga, staff, samples["png"]).status_code == 201  # and it works again


# -- OpenAPI ---------------------------------------------------------------------------------------


def test_openapi_documents_the_documents_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    prefix = "/api/v1/desa/{slug}/documents"
    assert {"get", "post"} <= set(paths[prefix])
    assert "get" in paths[f"{prefix}/kinds"]
    assert {"get", "delete"} <= set(paths[prefix + "/{document_id}"])
    assert "post" in paths[prefix + "/{document_id}/versions"]
    download = paths[prefix + "/{document_id}/download"]["get"]
    assert {"200", "206", "302", "304", "404"} <= set(download["responses"])
    body = paths[prefix]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert schema["properties"]["file"] == {
        **schema["properties"]["file"],
        "type": "string",
        "format": "binary",
    }
    assert {"title", "file"} <= set(schema["required"]) and "visibility" in schema["properties"]
    assert {"413", "415", "503"} <= set(paths[prefix]["post"]["responses"])
