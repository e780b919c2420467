"""The documents suite runs against both backends: a local folder and a real S3 server (SeaweedFS,
started once per test session). ``dapp`` is parametrised over them."""

from __future__ import annotations

import io
import zipfile

import pytest

from desacerdas.testing.s3 import SeaweedS3


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["file", "s3"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def dapp(backend, db_urls, tmp_path_factory, _migrated, request):
    """An app on the shared test database whose documents go to ``backend``."""
    from conftest import make_app

    if backend == "s3":
        server = request.getfixturevalue("s3_server")
        url = server.url(f"desa-{tmp_path_factory.mktemp('b').name.replace('_', '-').lower()[:40]}")
    else:
        url = f"file://{tmp_path_factory.mktemp('documents')}"
    return make_app(
        db_urls,
        tmp_path_factory,
        STORAGE_URL=url,
        DOCUMENT_MAX_BYTES=2 * 1024 * 1024,
        DOCUMENT_ORPHAN_GRACE_SECONDS=0,
    )


@pytest.fixture
def dclient(dapp):
    return dapp.test_client()


# -- sample files: real formats, made here ---------------------------------------------------------

PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_HEAD = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office(kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml" if kind == "xlsx" else "word/document.xml", "<x/>")
    return buf.getvalue()


@pytest.fixture
def samples() -> dict[str, bytes]:
    return {
        "png": PNG_1PX,
        "jpeg": JPEG_HEAD,
        "pdf": PDF,
        "csv": b"nik,nama\n5107010101010001,Made\n5107010101010002,Ketut\n",
        "xlsx": office("xlsx"),
        "docx": office("docx"),
        "exe": b"MZ\x90\x00" + b"\x00" * 200,
        "html": b"<html><script>alert(1)</script></html>",
    }


@pytest.fixture(autouse=True)
def _empty_storage(request):
    """Rows are wiped after every test (tests/conftest.py); objects must go too."""
    app = request.getfixturevalue("dapp") if "dapp" in request.fixturenames else None
    yield
    if app is None:
        return
    from desacerdas.storage import storage

    with app.app_context():
        store = storage()
        for key in list(store.keys("")):
            store.delete(key)
