"""A job's output is read through the job: who may export (the kind's permission) and can see the
job; a facilitator (documents.view, read-only) or a member who did not start it cannot."""

from __future__ import annotations

import io

from smart_government.registry import jobs as registry_jobs
from sqlalchemy import select

from desacerdas.jobs import output
from desacerdas.tenancy import tenant_session

from .conftest import GOOD, csv_file, jobs_of, page, text


def _imported(village, login, make_user):  # noqa: ANN001, ANN202
    browser = login(make_user("operator", village))
    resp = browser.post(
        page(village, "residents/import"), data={"file": (io.BytesIO(csv_file(GOOD)), "r.csv")}
    )
    check = resp.headers["Location"].rstrip("/").split("/")[-1]
    browser.post(page(village, f"residents/import/jobs/{check}/commit"))
    return browser


def test_the_export_is_read_through_the_job_by_who_may_export(app, village, make_user, login):
    head = make_user("village_head", village)
    browser = login(head)
    _imported(village, lambda p: login(p, app.test_client()), make_user)
    resp = browser.post(page(village, "residents/export/all"), data={"format": "csv"})
    (job,) = jobs_of(app, village, registry_jobs.EXPORT)
    assert job.document_id == output.output_id(job)  # the same id on every attempt
    url = f"/desa/{village.slug}/jobs/{job.id}/file"
    assert url in text(browser.get(resp.headers["Location"]))
    got = browser.get(url)
    assert got.status_code == 200 and "I Wayan Impor" in got.get_data().decode("utf-8-sig")

    facilitator = login(make_user("facilitator", village), app.test_client())
    assert facilitator.get(f"/desa/{village.slug}/jobs/{job.id}").status_code == 200  # may see it
    assert url not in text(facilitator.get(f"/desa/{village.slug}/jobs/{job.id}"))
    assert facilitator.get(url).status_code == 403  # not read the residents in it
    # nor through the village's documents (pages and API): the export is for those who may export
    documents = f"/desa/{village.slug}/documents"
    assert facilitator.get(f"{documents}/{job.document_id}/download").status_code in (403, 404)
    assert str(job.document_id) not in text(facilitator.get(f"{documents}/"))
    assert browser.get(f"{documents}/{job.document_id}/download").status_code == 200
    operator = login(make_user("operator", village), app.test_client())
    assert operator.get(url).status_code == 404  # not their job
    assert operator.get(f"/desa/{village.slug}/jobs/{job.id}/file?input=1").status_code == 404


def test_a_hamlet_head_downloads_their_own_long_list(app, village, make_user, login, monkeypatch):
    from desacerdas.models import Hamlet

    _imported(village, lambda p: login(p, app.test_client()), make_user)
    with app.app_context(), tenant_session(village.id) as s:
        kelod = s.scalar(select(Hamlet.id).where(Hamlet.name == "Kelod"))
    head = login(make_user("hamlet_head", village, hamlet_id=kelod), app.test_client())
    monkeypatch.setattr(registry_jobs, "SYNC_EXPORT_MAX", 0)
    resp = head.get(page(village, "residents/export?format=csv"))
    assert resp.status_code == 302
    job = jobs_of(app, village, registry_jobs.EXPORT)[-1]
    got = head.get(f"/desa/{village.slug}/jobs/{job.id}/file")
    assert got.status_code == 200
    lines = got.get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "I Nyoman Kelod" in lines[1]


def test_the_import_upload_is_not_for_a_facilitator(app, village, make_user, login):
    _imported(village, lambda p: login(p, app.test_client()), make_user)
    check = jobs_of(app, village, registry_jobs.IMPORT)[0]
    url = f"/desa/{village.slug}/jobs/{check.id}/file?input=1"
    head = login(make_user("village_head", village), app.test_client())
    assert head.get(url).status_code == 200
    facilitator = login(make_user("facilitator", village), app.test_client())
    assert facilitator.get(url).status_code == 403


def test_an_export_retried_after_its_worker_died_reuses_its_document(app, village, make_user, login):
    from desacerdas.jobs import runner
    from desacerdas.models import Document, Job, JobState

    _imported(village, lambda p: login(p, app.test_client()), make_user)
    browser = login(make_user("village_head", village), app.test_client())
    browser.post(page(village, "residents/export/all"), data={"format": "csv"})
    (job,) = jobs_of(app, village, registry_jobs.EXPORT)
    with app.app_context():
        with tenant_session(village.id) as s:  # as if the worker died after storing the file
            row = s.get(Job, (village.id, job.id))
            row.state, row.document_id, row.attempts = JobState.QUEUED, None, 1
            s.commit()
        assert runner.execute(village.id, job.id) == "done"
        with tenant_session(village.id) as s:
            exports = s.scalars(select(Document).where(Document.object_id == registry_jobs.EXPORT_OBJECT))
            assert [d.id for d in exports] == [output.output_id(job)]


def test_the_api_serves_the_export_only_to_who_may_export(app, village, make_user, login, bearer):
    _imported(village, lambda p: login(p, app.test_client()), make_user)
    head = make_user("village_head", village)
    client = app.test_client()
    started = client.post(
        f"/api/v1/desa/{village.slug}/smart_government/residents/export/all", json={}, headers=bearer(head)
    )
    assert started.status_code == 202
    links = started.get_json()["links"]
    assert links["file"] == f"/api/v1/desa/{village.slug}/jobs/{started.get_json()['id']}/file"
    got = client.get(links["file"], headers=bearer(head))
    assert got.status_code == 200 and "I Wayan Impor" in got.get_data().decode("utf-8-sig")
    refused = client.get(links["file"], headers=bearer(make_user("facilitator", village)))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
