"""Faults against a real S3 server (SeaweedFS): storage going down mid-run, a commit failing after
the object was written. Always on S3, whatever backend the rest of the documents suite runs on."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.cli import cli
from desacerdas.models import AuditEvent, Document, DocumentVersion, Tenant
from desacerdas.services import documents as docs
from desacerdas.storage import StorageError, storage
from desacerdas.tenancy import tenant_session
from desacerdas.testing.s3 import ACCESS_KEY, SECRET_KEY

QUICK = 5.0  # seconds: "well under 10 s" for every answer while the storage is down


@pytest.fixture(scope="module")
def sapp(s3_server, db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    url = s3_server.url(f"desa-faults-{uuid.uuid4().hex[:12]}")
    return make_app(db_urls, tmp_path_factory, STORAGE_URL=url, DOCUMENT_MAX_BYTES=2 * 1024 * 1024)


@pytest.fixture(autouse=True)
def _empty_bucket(sapp, s3_server):
    yield
    if s3_server.process is None:  # a test that failed to restart it: nothing to clean
        return
    with sapp.app_context():
        for key in list(storage().keys("")):
            storage().delete(key)


def _pdf(size: int = 300 * 1024) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(size)


def _store(app, village, data: bytes, name: str = "surat.pdf"):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        doc = docs.store(tenant, docs.NewFile(io.BytesIO(data), name), title="Surat", session=s)
        return doc.id, doc.current.storage_key


def _count(app, village, model) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(model))


def _readable(app, village, doc_id, timeout: float = 60) -> bytes:  # noqa: ANN001
    """The document's bytes once the restarted server serves reads again.

    SeaweedFS's S3 gateway answers before its volume server has re-registered with the master; for
    a few seconds reads fail with InternalError ("volume not found").
    """
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context(), tenant_session(village.id) as s:
            version = docs.get(doc_id, s).current
            try:
                return b"".join(docs.open_version(version))
            except (StorageError, docs.Unavailable):
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.5)


def _timed(fn):  # noqa: ANN001, ANN202
    start = time.monotonic()
    try:
        return fn(), time.monotonic() - start
    except Exception as exc:  # noqa: BLE001 - returned for the test to inspect
        return exc, time.monotonic() - start


def test_storage_down_mid_run_then_back(sapp, s3_server, menanga):
    runner = sapp.test_cli_runner()
    client = sapp.test_client()
    first = _pdf()
    doc_id, key = _store(sapp, menanga, first)
    assert client.get("/readyz").get_json()["storage"] == "ok"

    s3_server.stop()
    try:
        # An upload through the service: 503 storage_unavailable, quickly, and no row.
        with sapp.app_context(), tenant_session(menanga.id) as s:
            tenant = s.get(Tenant, menanga.id)
            error, took = _timed(
                lambda: docs.store(tenant, docs.NewFile(io.BytesIO(_pdf()), "b.pdf"), title="B", session=s)
            )
            assert isinstance(error, docs.Unavailable), error
            assert took < QUICK, took
            assert error.status == 503 and error.code == "storage_unavailable"
            assert "nothing was saved" in error.message
        assert _count(sapp, menanga, Document) == 1 and _count(sapp, menanga, DocumentVersion) == 1
        with sapp.app_context(), tenant_session(menanga.id) as s:
            assert s.scalar(select(func.count()).where(AuditEvent.action == "document.created")) <= 1

        # Reading the earlier document: 503 too, not a missing file.
        with sapp.app_context(), tenant_session(menanga.id) as s:
            version = docs.get(doc_id, s).current
            error, took = _timed(lambda: b"".join(docs.open_version(version)))
            assert isinstance(error, docs.Unavailable) and took < QUICK, (error, took)

        # Readiness: 503 with the storage named.
        resp, took = _timed(lambda: client.get("/readyz"))
        assert took < QUICK, took
        assert resp.status_code == 503, resp.get_json()
        body = resp.get_json()
        assert (
            body["storage"] == "unreachable" and body["database"] == "ok" and body["status"] == "unavailable"
        )

        # The reconciliation and purge commands refuse clearly, before changing anything.
        for args in (["check"], ["check", "--fix"], ["purge", "--older-than-days", "0"]):
            result, took = _timed(lambda args=args: runner.invoke(cli, ["documents", *args]))
            assert result.exit_code == 1 and took < QUICK, (args, result.output, took)
            assert "document storage (s3) is unreachable" in result.output
            assert "Nothing was done." in result.output and "Traceback" not in result.output
    finally:
        s3_server.start()

    body = _readable(sapp, menanga, doc_id)
    assert client.get("/readyz").status_code == 200
    result = runner.invoke(cli, ["documents", "check"])
    assert result.exit_code == 0, result.output
    assert "1 rows, 1 objects, 0 missing, 0 orphans — ok" in result.output
    with sapp.app_context():
        assert list(storage().keys(f"{menanga.code}/")) == [key]
    with sapp.app_context(), tenant_session(menanga.id) as s:
        sha256 = docs.get(doc_id, s).current.sha256
    assert hashlib.sha256(body).hexdigest() == sha256 == hashlib.sha256(first).hexdigest()
    # And uploads work again.
    _store(sapp, menanga, _pdf(), "again.pdf")
    assert _count(sapp, menanga, Document) == 2


def test_failed_commit_after_the_object_was_written_leaves_no_orphan(sapp, menanga, monkeypatch):
    real_commit = Session.commit
    calls = {"n": 0}
    written: list[str] = []

    def commit_once_broken(self):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 1:
            with sapp.app_context():  # the object is really in S3 when the commit fails
                written.extend(storage().keys(f"{menanga.code}/"))
            raise RuntimeError("database went away")
        return real_commit(self)

    monkeypatch.setattr(Session, "commit", commit_once_broken)
    with pytest.raises(RuntimeError, match="database went away"):
        _store(sapp, menanga, _pdf())
    assert len(written) == 1
    with sapp.app_context():
        assert list(storage().keys(f"{menanga.code}/")) == []
    assert _count(sapp, menanga, Document) == 0 and _count(sapp, menanga, DocumentVersion) == 0
    result = sapp.test_cli_runner().invoke(cli, ["documents", "check", "--tenant", menanga.slug])
    assert result.exit_code == 0 and "0 rows, 0 objects, 0 missing, 0 orphans" in result.output
    # The next upload (the commit works again) is stored normally.
    _, key = _store(sapp, menanga, _pdf())
    with sapp.app_context():
        assert list(storage().keys(f"{menanga.code}/")) == [key]


@pytest.fixture(scope="module")
def down_app(db_urls, tmp_path_factory, _migrated):
    """An app whose S3 endpoint is a loopback port nobody listens on: storage down from the start."""
    from conftest import make_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"s3://{ACCESS_KEY}:{SECRET_KEY}@127.0.0.1:{port}/desa-down?secure=false"
    return make_app(db_urls, tmp_path_factory, STORAGE_URL=url)


def test_a_caller_that_commits_after_a_failed_upload_writes_no_row(down_app, menanga):
    with down_app.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        with pytest.raises(docs.Unavailable):
            docs.store(tenant, docs.NewFile(io.BytesIO(_pdf()), "b.pdf"), title="B", session=s)
        s.commit()  # e.g. a plugin that records "letter PDF pending" and carries on
    assert _count(down_app, menanga, Document) == 0
