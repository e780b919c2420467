"""The document pages against both backends: upload, list, detail, download, versions, delete,
limits and types, who sees what, cross-village ids, storage down, CSRF and the upload script."""

from __future__ import annotations

import hashlib
import io
import re
import time
import uuid

import pytest
from sqlalchemy import func, select

from desacerdas.models import Document, Tenant
from desacerdas.storage import StorageError, storage
from desacerdas.tenancy import tenant_session

BIG = 2 * 1024 * 1024 + 1  # one byte over DOCUMENT_MAX_BYTES of dapp
JSON = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}


def _upload(
    client, slug, data, name="ktp.png", *, title="KTP Made", kind="general", visibility="staff", **kw
):  # noqa: ANN001, ANN202
    form = {"title": title, "kind": kind, "visibility": visibility}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(f"/desa/{slug}/documents/upload", data=form, content_type="multipart/form-data", **kw)


def _doc_id(resp) -> uuid.UUID:  # noqa: ANN001
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return uuid.UUID(re.search(r"/documents/([0-9a-f-]{36})$", resp.headers["Location"]).group(1))


def _count(dapp, village) -> int:  # noqa: ANN001
    with dapp.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(Document))


def _text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def _get(client, url: str, **kw):  # noqa: ANN001, ANN202
    """GET and read the whole body: a streamed download keeps its request context until read."""
    resp = client.get(url, **kw)
    resp.get_data()
    resp.close()
    return resp


def _listed(resp) -> str:  # noqa: ANN001
    """Only the list of documents of a list page (flash messages name titles too)."""
    found = re.search(r'<ul class="cards documents">(.*?)</ul>', _text(resp), re.S)
    return found.group(1) if found else ""


@pytest.fixture
def operator(menanga, make_user, login, dclient):
    person = make_user("operator", menanga)
    login(person, dclient)
    return person


# --- the whole round -----------------------------------------------------------------------------


def test_upload_list_detail_download(dapp, dclient, menanga, operator, samples):
    page = dclient.get(f"/desa/{menanga.slug}/documents/upload")
    assert page.status_code == 200
    body = _text(page)
    assert re.search(r'<script src="[^"]*/static/js/upload\.js" defer></script>', body)
    assert 'enctype="multipart/form-data"' in body and "<progress" in body and 'name="csrf_token"' in body
    assert 'accept="' in body and "image/png" in body and "data-max-bytes=" in body

    doc_id = _doc_id(
        _upload(dclient, menanga.slug, samples["png"], "../../KTP Made ✓ \u202e.png", kind="photo")
    )

    listing = dclient.get(f"/desa/{menanga.slug}/documents/")
    text = _text(listing)
    assert listing.status_code == 200 and "KTP Made" in text and "<script" not in text
    assert "Photo" in text and f"{len(samples['png'])} B" in text and "version 1" in text
    assert "Staff only" in text and "1 document" in text

    detail = _text(dclient.get(f"/desa/{menanga.slug}/documents/{doc_id}"))
    sha = hashlib.sha256(samples["png"]).hexdigest()
    assert sha[:12] in detail and "Version 1" in detail and "PNG" in detail
    assert f"/documents/{doc_id}/download?version=1" in detail and "<script" not in detail

    url = f"/desa/{menanga.slug}/documents/{doc_id}/download"
    resp = _get(dclient, url)
    assert resp.status_code == 200 and resp.data == samples["png"]
    assert resp.headers["Content-Type"] == "image/png"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.isascii()
    filename = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert filename.endswith(".png") and "/" not in filename and ".." not in filename
    assert resp.headers["ETag"].strip('"') == sha and resp.headers["Cache-Control"].startswith("private")

    assert _get(dclient, url, headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    part = _get(dclient, url, headers={"Range": "bytes=1-4"})
    assert part.status_code == 206 and part.data == samples["png"][1:5]
    assert part.headers["Content-Range"] == f"bytes 1-4/{len(samples['png'])}"


def test_upload_by_script_gets_json(dclient, menanga, operator, samples):
    resp = _upload(dclient, menanga.slug, samples["pdf"], "surat.pdf", headers=JSON)
    assert resp.status_code == 201
    assert resp.json["url"] == f"/desa/{menanga.slug}/documents/{resp.json['id']}"
    assert dclient.get(resp.json["url"]).status_code == 200


def test_navigation_shows_documents_to_members_only(dclient, menanga, operator, make_user, login):
    assert ">Documents</a>" in _text(dclient.get(f"/desa/{menanga.slug}/"))
    login(make_user("resident", menanga), dclient)
    assert ">Documents</a>" in _text(dclient.get(f"/desa/{menanga.slug}/"))
    login(make_user(), dclient)  # signed in, but no role in Menanga
    assert ">Documents</a>" not in _text(dclient.get(f"/desa/{menanga.slug}/"))


def test_filters_search_and_pages(dapp, dclient, menanga, operator, samples, monkeypatch):
    for title, kind, data in (
        ("KTP Made", "identity", samples["png"]),
        ("Foto balai banjar", "photo", samples["jpeg"]),
        ("Laporan APBDes", "general", samples["pdf"]),
    ):
        _doc_id(_upload(dclient, menanga.slug, data, title=title, kind=kind))
    base = f"/desa/{menanga.slug}/documents/"
    text = _listed(dclient.get(base + "?kind=photo"))
    assert "Foto balai banjar" in text and "KTP Made" not in text and "Laporan" not in text
    text = _listed(dclient.get(base + "?q=apbdes"))
    assert "Laporan APBDes" in text and "KTP Made" not in text
    text = _text(dclient.get(base + "?q=tidak+ada"))
    assert "No document matches" in text and "0 documents" in text
    assert _listed(dclient.get(base + "?kind=nonsense")).count("<li>") == 3  # a bad filter is ignored

    monkeypatch.setitem(dapp.config, "PAGE_SIZE", 2)
    first, second = dclient.get(base), dclient.get(base + "?q=a&page=2")
    assert "Page 1 of 2" in _text(first) and "Page 2 of 2" in _text(second)
    assert "q=a&amp;page=1" in _text(second)  # the search survives paging
    titles = ("KTP Made", "Foto balai banjar", "Laporan APBDes")
    assert sum(t in _listed(first) for t in titles) == 2 and sum(t in _listed(second) for t in titles) == 1
    paged = _text(dclient.get(base + "?kind=photo&page=1"))
    assert "Foto balai banjar" in paged and "Page 1 of" not in paged


def test_empty_list(dclient, menanga, operator):
    text = _text(dclient.get(f"/desa/{menanga.slug}/documents/"))
    assert "No documents yet." in text and "0 documents" in text


# --- versions, delete, restore -------------------------------------------------------------------


def test_new_version_keeps_the_old_one_downloadable(dclient, menanga, operator, samples):
    doc_id = _doc_id(_upload(dclient, menanga.slug, samples["png"], kind="photo"))
    base = f"/desa/{menanga.slug}/documents/{doc_id}"
    resp = dclient.post(
        f"{base}/versions",
        data={"file": (io.BytesIO(samples["jpeg"]), "baru.jpg")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(base)
    detail = _text(dclient.get(base))
    assert "Version 2" in detail and "Version 1" in detail and "baru.jpg" in detail
    assert _get(dclient, f"{base}/download").data == samples["jpeg"]
    assert _get(dclient, f"{base}/download?version=1").data == samples["png"]
    assert _get(dclient, f"{base}/download?version=2").headers["Content-Type"] == "image/jpeg"
    for bad in ("3", "0", "abc"):
        assert _get(dclient, f"{base}/download?version={bad}").status_code == 404

    # A photo stays a photo: a PDF as a new version is refused with the detected type.
    resp = dclient.post(
        f"{base}/versions",
        data={"file": (io.BytesIO(samples["pdf"]), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 415 and "detected: application/pdf" in _text(resp)
    resp = dclient.post(f"{base}/versions", data={}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "Choose a file to upload." in _text(resp)


def test_delete_hides_and_staff_can_restore(dapp, dclient, menanga, operator, samples):
    doc_id = _doc_id(_upload(dclient, menanga.slug, samples["pdf"], "surat.pdf", title="Surat lama"))
    base = f"/desa/{menanga.slug}/documents/{doc_id}"
    assert "Delete this document" in _text(dclient.get(base))
    resp = dclient.post(f"{base}/delete")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/documents/")
    assert "Surat lama" not in _listed(dclient.get(f"/desa/{menanga.slug}/documents/"))
    assert _get(dclient, f"{base}/download").status_code == 404
    assert "Surat lama" in _listed(dclient.get(f"/desa/{menanga.slug}/documents/?deleted=1"))
    page = _text(dclient.get(base))  # staff who manage documents still see it, to restore it
    assert "was deleted" in page and "Restore" in page
    assert dclient.post(f"{base}/restore").status_code == 302
    assert "Surat lama" in _listed(dclient.get(f"/desa/{menanga.slug}/documents/"))
    assert _get(dclient, f"{base}/download").data == samples["pdf"]
    assert _count(dapp, menanga) == 1


def test_deleted_document_is_gone_for_residents(dclient, menanga, make_user, login, samples):
    login(make_user("resident", menanga), dclient)
    doc_id = _doc_id(
        _upload(dclient, menanga.slug, samples["png"], visibility="owner", kind="identity", title="KK saya")
    )
    base = f"/desa/{menanga.slug}/documents/{doc_id}"
    assert dclient.post(f"{base}/delete").status_code == 302  # their own document
    assert dclient.get(base).status_code == 404
    assert dclient.post(f"{base}/restore").status_code == 404


# --- bad input -----------------------------------------------------------------------------------


def test_too_large_is_413_with_a_message(dapp, dclient, menanga, operator, samples):
    big = samples["png"] + b"\x00" * BIG
    resp = _upload(dclient, menanga.slug, big)
    assert resp.status_code == 413
    text = _text(resp)
    assert "larger than the limit of 2 MB" in text and 'name="title"' in text  # the form again
    resp = _upload(dclient, menanga.slug, big, headers=JSON)
    assert resp.status_code == 413 and resp.json["error"]["code"] == "too_large"
    assert "larger than the limit of 2" in resp.json["error"]["message"]
    assert _count(dapp, menanga) == 0

    with dapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        tenant.profile = {**(tenant.profile or {}), "document_quota_bytes": 10}
        s.commit()
    resp = _upload(dclient, menanga.slug, samples["png"])
    assert resp.status_code == 413 and "used up its storage space" in _text(resp)
    assert _count(dapp, menanga) == 0


def test_wrong_type_is_415_with_the_detected_type(dapp, dclient, menanga, operator, samples):
    resp = _upload(dclient, menanga.slug, samples["html"], "surat.pdf", title="Bukan PDF")
    assert resp.status_code == 415
    assert re.search(r"detected: text/\w+", _text(resp))
    resp = _upload(dclient, menanga.slug, samples["exe"], "foto.png", kind="photo", headers=JSON)
    assert resp.status_code == 415 and "detected: application/x-msdownload" in resp.json["error"]["message"]
    assert _count(dapp, menanga) == 0
    with dapp.app_context():
        assert list(storage().keys(f"{menanga.code}/")) == []


def test_missing_fields_are_400(dapp, dclient, menanga, operator, samples):
    resp = _upload(dclient, menanga.slug, None, title="")
    assert resp.status_code == 400
    text = _text(resp)
    assert "This field is required." in text and "Choose a file to upload." in text
    resp = _upload(dclient, menanga.slug, None, title="", headers=JSON)
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"title", "file"}
    resp = _upload(dclient, menanga.slug, samples["png"], kind="tidak-ada")
    assert resp.status_code == 400 and "Choose one of the listed options." in _text(resp)
    assert _count(dapp, menanga) == 0


# --- who sees what -------------------------------------------------------------------------------


def test_resident_sees_own_and_public_only(dapp, dclient, menanga, operator, make_user, login, samples):
    staff_doc = _doc_id(_upload(dclient, menanga.slug, samples["pdf"], title="Rapat staf"))
    public_doc = _doc_id(
        _upload(dclient, menanga.slug, samples["pdf"], title="Pengumuman", visibility="public")
    )
    login(make_user("resident", menanga), dclient)
    other_doc = _doc_id(
        _upload(dclient, menanga.slug, samples["png"], title="KTP Ketut", kind="identity", visibility="owner")
    )
    login(make_user("resident", menanga), dclient)

    page = _text(dclient.get(f"/desa/{menanga.slug}/documents/upload"))
    assert 'value="owner"' in page and 'value="public"' not in page and 'value="staff"' not in page
    assert 'value="identity"' in page and 'value="letter"' not in page
    resp = _upload(dclient, menanga.slug, samples["png"], title="Publik?", visibility="public")
    assert resp.status_code == 400 and "Choose one of the listed options." in _text(resp)
    resp = _upload(dclient, menanga.slug, samples["pdf"], title="Surat?", kind="letter", visibility="owner")
    assert resp.status_code == 400
    assert _count(dapp, menanga) == 3
    own_doc = _doc_id(
        _upload(dclient, menanga.slug, samples["png"], title="KK Made", kind="identity", visibility="owner")
    )

    listing = _listed(dclient.get(f"/desa/{menanga.slug}/documents/"))
    assert "KK Made" in listing and "Pengumuman" in listing
    assert "Rapat staf" not in listing and "KTP Ketut" not in listing
    for doc_id in (staff_doc, other_doc):
        assert dclient.get(f"/desa/{menanga.slug}/documents/{doc_id}").status_code == 404
        assert _get(dclient, f"/desa/{menanga.slug}/documents/{doc_id}/download").status_code == 404
        assert dclient.post(f"/desa/{menanga.slug}/documents/{doc_id}/delete").status_code == 404
    assert _get(dclient, f"/desa/{menanga.slug}/documents/{own_doc}/download").data == samples["png"]
    # A public document is readable, but not theirs to change.
    assert dclient.post(f"/desa/{menanga.slug}/documents/{public_doc}/delete").status_code == 403
    assert "Delete this document" not in _text(dclient.get(f"/desa/{menanga.slug}/documents/{public_doc}"))


def test_facilitator_lists_but_cannot_upload(dclient, menanga, operator, make_user, login, samples):
    _doc_id(_upload(dclient, menanga.slug, samples["pdf"], title="Rapat staf"))
    login(make_user("facilitator", menanga), dclient)
    assert "Rapat staf" in _listed(dclient.get(f"/desa/{menanga.slug}/documents/"))
    assert dclient.get(f"/desa/{menanga.slug}/documents/upload").status_code == 403
    assert _upload(dclient, menanga.slug, samples["pdf"]).status_code == 403


def test_anonymous_reads_public_documents_by_link_only(dapp, dclient, menanga, operator, samples):
    public_doc = _doc_id(
        _upload(dclient, menanga.slug, samples["pdf"], title="Pengumuman", visibility="public")
    )
    staff_doc = _doc_id(_upload(dclient, menanga.slug, samples["pdf"], title="Rapat staf"))
    anonymous = dapp.test_client()
    resp = _get(anonymous, f"/desa/{menanga.slug}/documents/{public_doc}/download")
    assert resp.status_code == 200 and resp.data == samples["pdf"]
    assert resp.headers["Cache-Control"].startswith("public")
    page = anonymous.get(f"/desa/{menanga.slug}/documents/{public_doc}")
    assert page.status_code == 200 and "Pengumuman" in _text(page)
    assert "Test " not in _text(page)  # who uploaded it is not shown to the public
    assert anonymous.get(f"/desa/{menanga.slug}/documents/{staff_doc}").status_code == 404
    assert _get(anonymous, f"/desa/{menanga.slug}/documents/{staff_doc}/download").status_code == 404
    assert _get(anonymous, f"/desa/{menanga.slug}/documents/{uuid.uuid4()}/download").status_code == 404
    for path in ("", "upload"):
        resp = anonymous.get(f"/desa/{menanga.slug}/documents/{path}")
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    resp = _upload(anonymous, menanga.slug, samples["pdf"])
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert anonymous.post(f"/desa/{menanga.slug}/documents/{public_doc}/delete").status_code == 302
    assert _get(anonymous, f"/desa/{menanga.slug}/documents/{public_doc}/download").status_code == 200


def test_another_villages_document_is_404(
    dapp, dclient, menanga, bebandem, operator, make_user, login, samples
):
    staff_doc = _doc_id(_upload(dclient, menanga.slug, samples["pdf"], title="Rapat staf Menanga"))
    public_doc = _doc_id(
        _upload(dclient, menanga.slug, samples["pdf"], title="Pengumuman", visibility="public")
    )
    login(make_user("operator", bebandem), dclient)
    for doc_id in (staff_doc, public_doc):  # Menanga's id in Bebandem's URL: no such document there
        assert dclient.get(f"/desa/{bebandem.slug}/documents/{doc_id}").status_code == 404
        assert _get(dclient, f"/desa/{bebandem.slug}/documents/{doc_id}/download").status_code == 404
        assert dclient.post(f"/desa/{bebandem.slug}/documents/{doc_id}/delete").status_code == 404
    # Menanga's own URL: a Bebandem operator is nobody there.
    assert dclient.get(f"/desa/{menanga.slug}/documents/{staff_doc}").status_code == 404
    assert _get(dclient, f"/desa/{menanga.slug}/documents/{staff_doc}/download").status_code == 404
    assert dclient.get(f"/desa/{menanga.slug}/documents/").status_code == 404
    assert _upload(dclient, menanga.slug, samples["pdf"]).status_code == 404
    assert "Rapat staf Menanga" not in _listed(dclient.get(f"/desa/{bebandem.slug}/documents/"))


# --- faults --------------------------------------------------------------------------------------


def _wait_until_readable(key: str, seconds: float = 30) -> None:
    """A restarted SeaweedFS answers S3 before its filer and volume server are back; wait for them."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            b"".join(storage().open(key))
            return
        except StorageError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_storage_down_is_503_and_writes_nothing(backend, request, dapp, dclient, menanga, operator, samples):
    if backend != "s3":
        pytest.skip("the local folder cannot be switched off")
    server = request.getfixturevalue("s3_server")
    kept = _doc_id(_upload(dclient, menanga.slug, samples["pdf"], title="Sebelum"))
    with dapp.app_context():
        keys = list(storage().keys(f"{menanga.code}/"))
    server.stop()
    try:
        resp = _upload(dclient, menanga.slug, samples["png"], title="Saat mati")
        assert resp.status_code == 503
        text = _text(resp)
        assert "storage is not available right now; nothing was saved" in text and 'name="title"' in text
        resp = _upload(dclient, menanga.slug, samples["png"], title="Saat mati", headers=JSON)
        assert resp.status_code == 503 and resp.json["error"]["code"] == "storage_unavailable"
        assert _count(dapp, menanga) == 1
        resp = _get(dclient, f"/desa/{menanga.slug}/documents/{kept}/download")
        assert resp.status_code == 503 and "not available" in _text(resp)
    finally:
        server.start()
    with dapp.app_context():
        _wait_until_readable(keys[0])
        assert list(storage().keys(f"{menanga.code}/")) == keys  # nothing orphaned
    assert _get(dclient, f"/desa/{menanga.slug}/documents/{kept}/download").data == samples["pdf"]


# --- CSRF and the request size limit (an app with CSRF on) --------------------------------------


@pytest.fixture(scope="module")
def strict_app(db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    return make_app(
        db_urls,
        tmp_path_factory,
        WTF_CSRF_ENABLED=True,
        STORAGE_URL=f"file://{tmp_path_factory.mktemp('strict-documents')}",
        MAX_CONTENT_LENGTH=64 * 1024,
    )


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_csrf_is_enforced_on_upload(strict_app, menanga, make_user, samples):
    person = make_user("operator", menanga)
    c = strict_app.test_client()
    login_page = c.get("/auth/login").get_data(as_text=True)
    resp = c.post(
        "/auth/login",
        data={"login": person.email, "password": person.password, "csrf_token": _token(login_page)},
    )
    assert resp.status_code == 302
    assert _upload(c, menanga.slug, samples["png"]).status_code == 400
    resp = _upload(c, menanga.slug, samples["png"], headers=JSON)
    assert resp.status_code == 400 and resp.json["error"]["code"] == "csrf"
    assert _count(strict_app, menanga) == 0

    token = _token(c.get(f"/desa/{menanga.slug}/documents/upload").get_data(as_text=True))
    form = {"title": "KTP", "kind": "general", "visibility": "staff", "csrf_token": token}
    resp = c.post(
        f"/desa/{menanga.slug}/documents/upload",
        data={**form, "file": (io.BytesIO(samples["png"]), "ktp.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    doc_id = _doc_id(resp)
    assert c.post(f"/desa/{menanga.slug}/documents/{doc_id}/delete").status_code == 400

    # A body over MAX_CONTENT_LENGTH is refused before the form is read: the form says why.
    resp = c.post(
        f"/desa/{menanga.slug}/documents/upload",
        data={**form, "file": (io.BytesIO(samples["png"] + b"\x00" * 100_000), "ktp.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413
    text = resp.get_data(as_text=True)
    assert "larger than the limit of" in text and 'name="title"' in text
    with strict_app.app_context():
        keys = list(storage().keys(""))
        for key in keys:
            storage().delete(key)
    assert len(keys) == 1
