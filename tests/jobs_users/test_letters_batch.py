"""The letters' PDF batch: a ZIP document of the chosen issued letters, made by a job."""

from __future__ import annotations

import io
import zipfile

import pytest
from sg_letter_services.conftest import prepare
from sg_letter_services.test_service import signed, user
from smart_government.letters import batch, issuing

from desacerdas.models import Job, JobState, Tenant
from desacerdas.services import documents as docs
from desacerdas.tenancy import tenant_session


@pytest.fixture
def lv(app, menanga):  # noqa: ANN001, ANN201
    return prepare(app, menanga)


@pytest.fixture
def lv_b(app, bebandem):  # noqa: ANN001, ANN201
    return prepare(app, bebandem)


def _issue(app, lv, n: int) -> list:  # noqa: ANN001
    found = []
    with app.app_context(), tenant_session(lv.id) as s:
        tenant = s.get(Tenant, lv.id)
        for _ in range(n):
            letter = issuing.issue(s, tenant, signed(s, tenant, lv), user(s, lv, "operator"))
            found.append((letter.request_id, letter.id, letter.number, letter.sha256))
    return found


def test_queue_button_makes_a_zip_of_the_chosen_letters(app, lv, lv_b, login):
    issued = _issue(app, lv, 3)
    client = login(lv.people["operator"])
    queue = client.get(f"/desa/{lv.slug}/smart_government/letters/requests?status=all").get_data(as_text=True)
    assert 'name="requests"' in queue and "letters/batch" in queue
    chosen = [str(r) for r, *_ in issued[:2]]
    resp = client.post(f"/desa/{lv.slug}/smart_government/letters/batch", data={"requests": chosen})
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    job_id = resp.headers["Location"].rstrip("/").split("/")[-1]
    with app.app_context(), tenant_session(lv.id) as s:
        job = s.get(Job, (lv.id, __import__("uuid").UUID(job_id)))
        assert job.state == JobState.DONE, job.error
        assert job.kind == batch.BATCH and job.result["letters"] == 2 and job.document_id
        document = docs.get(job.document_id, s)
        data = b"".join(docs.open_version(docs.version(document)))
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    import hashlib

    archive = zipfile.ZipFile(io.BytesIO(data))
    shas = {hashlib.sha256(archive.read(n)).hexdigest() for n in names}
    assert shas == {sha for *_, sha in issued[:2]}  # the stored PDFs, byte for byte
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"/jobs/{job_id}/file" in page  # the output, through the job (it checks who reads)

    nothing = client.post(f"/desa/{lv.slug}/smart_government/letters/batch", data={"requests": []})
    assert nothing.status_code == 303
    other = login(lv_b.people["operator"], app.test_client())
    theirs = other.post(f"/desa/{lv_b.slug}/smart_government/letters/batch", data={"requests": chosen})
    assert theirs.status_code == 303  # A's requests are not B's: nothing to pack, no job
    assert other.get(f"/desa/{lv_b.slug}/jobs/{job_id}").status_code == 404
    assert other.get(f"/desa/{lv_b.slug}/documents/{job.document_id}").status_code == 404
    resident = login(lv.people["wayan"], app.test_client())
    assert (
        resident.post(
            f"/desa/{lv.slug}/smart_government/letters/batch", data={"requests": chosen}
        ).status_code
        == 403
    )
