"""The documents service against both backends: storing, versions, limits, types, consistency."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import func, select

from desacerdas.models import Document, DocumentVersion, Tenant, Visibility
from desacerdas.services import document_upkeep as upkeep
from desacerdas.services import documents as docs
from desacerdas.storage import storage
from desacerdas.tenancy import tenant_session


def _store(dapp, village, data: bytes, name: str = "ktp.png", kind: str = "general", **kw):  # noqa: ANN001, ANN202
    with dapp.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        doc = docs.store(
            tenant, docs.NewFile(io.BytesIO(data), name), title="KTP Made", kind=kind, session=s, **kw
        )
        return doc.id, doc.current.storage_key


def test_store_and_read_back_with_sha256(dapp, menanga, samples):
    doc_id, key = _store(dapp, menanga, samples["png"])
    with dapp.app_context(), tenant_session(menanga.id) as s:
        doc = docs.get(doc_id, s)
        v = doc.current
        assert v.sha256 == hashlib.sha256(samples["png"]).hexdigest() and v.size == len(samples["png"])
        assert v.content_type == "image/png" and v.filename == "ktp.png"
        assert key.startswith(f"{menanga.code}/core/{doc_id}/v1-")
        assert b"".join(docs.open_version(v)) == samples["png"]
        assert b"".join(docs.open_version(v, 1, 3)) == samples["png"][1:4]


@pytest.mark.parametrize("name", ["png", "jpeg", "pdf", "csv", "xlsx", "docx"])
def test_default_types_are_accepted_by_content(dapp, menanga, samples, name):
    doc_id, _ = _store(dapp, menanga, samples[name], name="file.bin")
    with dapp.app_context(), tenant_session(menanga.id) as s:
        assert docs.get(doc_id, s).current.filename.endswith({"jpeg": ".jpg"}.get(name, f".{name}"))


@pytest.mark.parametrize("name", ["exe", "html"])
def test_other_types_get_415_with_the_detected_type(dapp, menanga, samples, name):
    with pytest.raises(docs.UnsupportedType) as exc:
        _store(dapp, menanga, samples[name], name="innocent.pdf")
    assert exc.value.status == 415 and "detected" in exc.value.message


def test_kind_restricts_types(dapp, menanga, samples):
    with pytest.raises(docs.UnsupportedType):
        _store(dapp, menanga, samples["png"], kind="letter")  # letters are PDF only
    _store(dapp, menanga, samples["pdf"], kind="letter")


def test_size_limit_and_quota_refuse_before_storage(dapp, menanga, samples):
    too_big = samples["png"] + b"\x00" * (dapp.config["DOCUMENT_MAX_BYTES"])
    with dapp.app_context():
        before = list(storage().keys(f"{menanga.code}/"))
    with pytest.raises(docs.TooLarge) as exc:
        _store(dapp, menanga, too_big)
    assert exc.value.status == 413 and exc.value.code == "too_large"
    with dapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        tenant.profile = {**(tenant.profile or {}), "document_quota_bytes": 10}
        s.commit()
    with pytest.raises(docs.TooLarge) as exc:
        _store(dapp, menanga, samples["png"])
    assert exc.value.code == "quota_exceeded"
    with dapp.app_context():
        assert list(storage().keys(f"{menanga.code}/")) == before


def test_versions_keep_old_files_readable(dapp, menanga, samples):
    doc_id, _ = _store(dapp, menanga, samples["png"])
    with dapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        docs.add_version(
            tenant, docs.get(doc_id, s), docs.NewFile(io.BytesIO(samples["jpeg"]), "new.jpg"), session=s
        )
        doc = docs.get(doc_id, s)
        assert doc.current_version == 2 and doc.current.content_type == "image/jpeg"
        assert b"".join(docs.open_version(docs.version(doc, 1))) == samples["png"]


def test_names_are_sanitised(dapp, menanga, samples):
    doc_id, key = _store(dapp, menanga, samples["pdf"], name="../../etc/pass wd\u202e.exe")
    with dapp.app_context(), tenant_session(menanga.id) as s:
        name = docs.get(doc_id, s).current.filename
    assert name.endswith(".pdf") and "/" not in name and ".." not in name and "\u202e" not in name
    assert ".." not in key


def test_failed_commit_leaves_no_object(dapp, menanga, samples, monkeypatch):
    with dapp.app_context():
        before = set(storage().keys(f"{menanga.code}/"))

    def broken_commit(self):  # noqa: ANN001, ANN202
        raise RuntimeError("database went away")

    from sqlalchemy.orm import Session

    monkeypatch.setattr(Session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        _store(dapp, menanga, samples["png"])
    monkeypatch.undo()
    with dapp.app_context(), tenant_session(menanga.id) as s:
        assert set(storage().keys(f"{menanga.code}/")) == before
        assert s.scalar(select(func.count()).select_from(Document)) == 0


def test_other_villages_document_is_not_found(dapp, menanga, bebandem, samples):
    doc_id, _ = _store(dapp, menanga, samples["png"])
    with dapp.app_context(), tenant_session(bebandem.id) as s, pytest.raises(docs.NotFound):
        docs.get(doc_id, s)


def test_check_finds_and_fixes_both_sides(dapp, menanga, samples):
    keep_id, keep_key = _store(dapp, menanga, samples["png"])
    lost_id, lost_key = _store(dapp, menanga, samples["pdf"], name="x.pdf")
    with dapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        storage().delete(lost_key)
        storage().put(f"{menanga.code}/core/stray/v1-x", io.BytesIO(b"junk"), 4, "application/octet-stream")
        report = upkeep.check(tenant, s)
        assert report.missing_objects == [lost_key] and report.orphan_objects == [
            f"{menanga.code}/core/stray/v1-x"
        ]
        fixed = upkeep.check(tenant, s, fix=True)
        assert fixed.fixed
        assert upkeep.check(tenant, s).orphan_objects == []
        with pytest.raises(docs.NotFound):
            docs.get(lost_id, s)  # hidden: its file is gone
        assert docs.get(keep_id, s).current.storage_key == keep_key


def test_soft_delete_then_purge_after_retention(dapp, menanga, samples):
    doc_id, key = _store(dapp, menanga, samples["png"])
    with dapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        docs.soft_delete(tenant, docs.get(doc_id, s), session=s)
        with pytest.raises(docs.NotFound):
            docs.get(doc_id, s)
        assert upkeep.purge_deleted(tenant, s, older_than_days=30) == []  # still within retention
        assert upkeep.purge_deleted(tenant, s, older_than_days=0) == [str(doc_id)]
        assert s.scalar(select(func.count()).select_from(DocumentVersion)) == 0
        assert key not in set(storage().keys(f"{menanga.code}/"))


def test_visibility_rules(dapp, menanga, samples, make_user):
    from desacerdas.extensions import db
    from desacerdas.models import User

    resident = make_user("resident", menanga)
    other = make_user("resident", menanga)
    operator = make_user("operator", menanga)
    with dapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        owner = db.session.get(User, resident.id)
        mine = docs.store(
            tenant,
            docs.NewFile(io.BytesIO(samples["png"]), "kk.png"),
            title="KK",
            owner=owner,
            actor=owner,
            visibility=Visibility.OWNER,
            session=s,
        )
        staff_only = docs.store(
            tenant, docs.NewFile(io.BytesIO(samples["pdf"]), "x.pdf"), title="Internal", session=s
        )
        public = docs.store(
            tenant,
            docs.NewFile(io.BytesIO(samples["pdf"]), "p.pdf"),
            title="APBDes",
            visibility=Visibility.PUBLIC,
            session=s,
        )
        users = {p: db.session.get(User, p.id) for p in (resident, other, operator)}
        seen = {p: {d.title for d in s.scalars(docs.visible_query(u, tenant))} for p, u in users.items()}
        assert seen[resident] == {"KK", "APBDes"}
        assert seen[other] == {"APBDes"}
        assert seen[operator] == {"KK", "Internal", "APBDes"}
        assert docs.readable_by(None, tenant, public) and not docs.readable_by(None, tenant, mine)
        assert not docs.readable_by(users[other], tenant, staff_only)


def test_plugin_purge_removes_its_documents_and_objects(dapp, menanga, bebandem, samples):
    from desacerdas.services import rollout

    _, theirs = _store(dapp, menanga, samples["pdf"], name="peta.pdf", plugin="smart_mobility")
    _, core_key = _store(dapp, menanga, samples["png"])
    _, elsewhere = _store(dapp, bebandem, samples["pdf"], name="peta.pdf", plugin="smart_mobility")
    with dapp.app_context():
        from desacerdas.extensions import db

        tenant = db.session.get(Tenant, menanga.id)
        assert rollout.purge(tenant, "smart_mobility", dry_run=True)["documents"] == 1
        rollout.purge(tenant, "smart_mobility", dry_run=False)
        keys = set(storage().keys(""))
    assert theirs not in keys and core_key in keys and elsewhere in keys
    with dapp.app_context(), tenant_session(menanga.id) as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1
