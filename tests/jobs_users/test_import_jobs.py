"""The registry import as jobs: the page's check and commit, the API's 202, the CLI's run_inline,
and the whole-village export producing a document; wrong roles and other villages."""

from __future__ import annotations

import io
import re
import uuid

from smart_government.importing import writer
from smart_government.registry import jobs as registry_jobs
from smart_government.registry.models import Family, Resident
from sqlalchemy import select

from desacerdas.models import AuditEvent, Document, JobState
from desacerdas.services import documents as docs
from desacerdas.tenancy import tenant_session

from .conftest import GOOD, KK, api, count, csv_file, jobs_of, page, text


def upload(client, village, data: bytes, name: str = "residents.csv"):  # noqa: ANN001, ANN201
    return client.post(page(village, "residents/import"), data={"file": (io.BytesIO(data), name)})


def job_id_of(resp) -> str:  # noqa: ANN001
    return resp.headers["Location"].rstrip("/").split("/")[-1]


def test_page_checks_then_commits_through_jobs(app, village, make_user, login):
    client = login(make_user("operator", village))
    assert client.get(page(village, "residents/import")).status_code == 200
    resp = upload(client, village, csv_file(GOOD))
    assert resp.status_code == 302 and "/residents/import/jobs/" in resp.headers["Location"]
    check_page = text(client.get(resp.headers["Location"]))
    assert 'id="create">3<' in check_page and 'id="problems">0<' in check_page
    assert "<progress" not in check_page  # done already: the report, not the bar
    assert count(app, village, Resident) == 0  # the check writes nothing
    (check,) = jobs_of(app, village, registry_jobs.IMPORT)
    assert check.state == JobState.DONE and check.params["dry_run"] is True
    assert check.result["residents"]["create"] == 3 and check.progress_done == 3
    assert check.started_by is not None

    done = client.post(page(village, f"residents/import/jobs/{check.id}/commit"))
    assert done.status_code == 302
    result_page = text(client.get(done.headers["Location"]))
    assert "3 residents registered, 0 updated, 0 unchanged" in result_page
    assert count(app, village, Resident) == 3 and count(app, village, Family) == 2
    commit = jobs_of(app, village, registry_jobs.IMPORT)[-1]
    assert commit.state == JobState.DONE and commit.result["committed"] is True
    assert commit.params["checked"] == str(check.id)
    with app.app_context(), tenant_session(village.id) as s:
        target = s.scalar(
            select(AuditEvent.target).where(AuditEvent.action == "smart_government.import.committed")
        )
    assert target == f"import:document:{check.params['document_id']}"

    again = upload(client, village, csv_file(GOOD))  # the same file again: only skips
    assert 'id="skip">3<' in text(client.get(again.headers["Location"]))


def test_problems_are_listed_by_row_and_column_and_cannot_be_committed(app, village, make_user, login):
    client = login(make_user("operator", village))
    rows = [*GOOD, [KK, "12345", "Short", "1990-01-01", "L", "Nowhere", ""]]
    resp = upload(client, village, csv_file(rows))
    html = text(client.get(resp.headers["Location"]))
    assert 'id="problems">2<' in html and "<td>5</td><td>nik</td>" in html and "<td>hamlet</td>" in html
    assert "/commit" not in html
    refused = client.post(page(village, f"residents/import/jobs/{job_id_of(resp)}/commit"))
    assert refused.status_code == 303
    assert len(jobs_of(app, village, registry_jobs.IMPORT)) == 1  # no commit job was started
    assert count(app, village, Resident) == 0
    many = [[KK, f"510701170580{i + 1:04d}", f"Row {i}", "1980-05-17", "X", "", ""] for i in range(150)]
    html = text(client.get(upload(client, village, csv_file(many)).headers["Location"]))
    assert 'id="problems">150<' in html and "The first 100 of 150 problems" in html
    assert html.count("<tr><td>") == 100


def test_bad_files(app, village, make_user, login):
    client = login(make_user("operator", village))
    assert upload(client, village, b"%PDF-1.4 not a spreadsheet", "x.pdf").status_code == 415
    assert client.post(page(village, "residents/import"), data={}).status_code == 400
    unknown = upload(client, village, csv_file([["a", "b"]], ["x", "y"]))
    html = text(client.get(unknown.headers["Location"]))
    assert 'role="alert"' in html and "matches neither the platform template" in html
    assert "Nothing was imported." in html
    (job,) = jobs_of(app, village, registry_jobs.IMPORT)
    assert job.state == JobState.FAILED and "header row" in job.error


def test_a_failing_commit_fails_the_job_in_words_and_writes_nothing(
    app, village, make_user, login, monkeypatch
):
    client = login(make_user("operator", village))
    check = job_id_of(upload(client, village, csv_file(GOOD)))
    real, calls = writer._Import._write, []

    def failing(self):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(self)

    monkeypatch.setattr(writer, "CHUNK_ROWS", 1)
    monkeypatch.setattr(writer._Import, "_write", failing)
    done = client.post(page(village, f"residents/import/jobs/{check}/commit"))
    html = text(client.get(done.headers["Location"]))
    assert 'role="alert"' in html and "Nothing it did was kept." in html and "disk full" not in html
    assert len(calls) == 2
    commit = jobs_of(app, village, registry_jobs.IMPORT)[-1]
    assert commit.state == JobState.FAILED
    assert count(app, village, Resident) == 0 and count(app, village, Family) == 0
    with app.app_context(), tenant_session(village.id) as s:
        assert not s.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "smart_government.import.committed")
        )


def test_roles_and_other_villages(app, village, other, make_user, login):
    operator = login(make_user("operator", village))
    check = job_id_of(upload(operator, village, csv_file(GOOD)))
    head = login(make_user("hamlet_head", village))
    assert head.get(page(village, "residents/import")).status_code == 403
    assert head.get(page(village, f"residents/import/jobs/{check}")).status_code == 403
    assert head.post(page(village, f"residents/import/jobs/{check}/commit")).status_code == 403
    facilitator = login(make_user("facilitator", village))
    assert facilitator.get(page(village, "residents/import")).status_code == 403
    outsider = login(make_user("operator", other))
    assert outsider.get(page(village, f"residents/import/jobs/{check}")).status_code == 404
    assert outsider.get(page(other, f"residents/import/jobs/{check}")).status_code == 404  # A's job id
    assert outsider.post(page(other, f"residents/import/jobs/{check}/commit")).status_code == 404
    assert outsider.get(page(other, f"residents/import/jobs/{uuid.uuid4()}")).status_code == 404
    assert count(app, village, Resident) == 0 and count(app, other, Resident) == 0
    # a job of another kind is not an import page
    export = login(make_user("operator", village)).post(page(village, "residents/export/all"), data={})
    export_id = job_id_of(export)
    assert operator.get(page(village, f"residents/import/jobs/{export_id}")).status_code == 404


def test_api_answers_202_with_the_job_and_its_report(app, client, village, other, make_user, bearer):
    headers = bearer(make_user("operator", village))
    data = csv_file(GOOD)
    dry = client.post(
        api(village, "residents/import"), data={"file": (io.BytesIO(data), "r.csv")}, headers=headers
    )
    assert dry.status_code == 202, dry.get_json()
    body = dry.get_json()
    assert dry.headers["Location"].endswith(f"/jobs/{body['id']}")
    assert body["state"] == "done" and body["result"]["residents"]["create"] == 3
    assert body["result"]["committed"] is False and count(app, village, Resident) == 0
    polled = client.get(dry.headers["Location"], headers=headers).get_json()
    assert polled["result"]["problem_count"] == 0

    done = client.post(
        api(village, "residents/import"),
        data={"file": (io.BytesIO(data), "r.csv"), "dry_run": "false"},
        headers=headers,
    )
    assert done.status_code == 202 and done.get_json()["result"]["committed"] is True
    assert count(app, village, Resident) == 3

    bad = csv_file([[KK, "12345", "X", "1990-01-01", "L", "", ""]])
    refused = client.post(
        api(village, "residents/import"),
        data={"file": (io.BytesIO(bad), "r.csv"), "dry_run": "false"},
        headers=headers,
    ).get_json()
    assert refused["state"] == "failed" and "1 problem(s); nothing was imported" in refused["error"]
    checked = client.post(
        api(village, "residents/import"), data={"file": (io.BytesIO(bad), "r.csv")}, headers=headers
    ).get_json()
    assert (
        checked["result"]["problems"][0]["column"] == "nik" and checked["result"]["problems"][0]["row"] == 2
    )
    assert count(app, village, Resident) == 3
    missing = client.post(api(village, "residents/import"), data={"dry_run": "true"}, headers=headers)
    assert missing.status_code == 422

    head = bearer(make_user("hamlet_head", village))
    files = {"file": (io.BytesIO(data), "r.csv")}
    assert client.post(api(village, "residents/import"), data=files, headers=head).status_code == 403
    outsider = bearer(make_user("operator", other))
    files = {"file": (io.BytesIO(data), "r.csv")}
    assert client.post(api(village, "residents/import"), data=files, headers=outsider).status_code == 404
    theirs = f"/api/v1/desa/{other.slug}/jobs/{body['id']}"  # A's job under B's address
    assert client.get(theirs, headers=outsider).status_code == 404


def test_cli_import_runs_as_a_recorded_job(app, village, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(csv_file(GOOD))
    runner = app.test_cli_runner()
    done = runner.invoke(args=["smart_government", "import", str(path), "--tenant", village.slug, "--commit"])
    assert done.exit_code == 0, done.output
    assert "3 created" in done.output and "Checking" in done.output
    check, commit = jobs_of(app, village, registry_jobs.IMPORT)
    assert (check.state, commit.state) == (JobState.DONE, JobState.DONE)
    assert check.params["dry_run"] and not commit.params["dry_run"] and commit.result["committed"]
    assert count(app, village, Resident) == 3


def _document_text(app, village, document_id) -> str:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        document = docs.get(uuid.UUID(str(document_id)), s)
        assert document.plugin == "smart_government" and document.visibility.value == "staff"
        return b"".join(docs.open_version(docs.version(document))).decode("utf-8-sig")


def test_export_of_the_whole_village_is_a_job_with_a_document(
    app, client, village, other, make_user, login, bearer
):
    operator = make_user("operator", village)
    browser = login(operator)
    check = job_id_of(upload(browser, village, csv_file(GOOD)))
    browser.post(page(village, f"residents/import/jobs/{check}/commit"))
    resp = browser.post(page(village, "residents/export/all"), data={"format": "csv"})
    assert resp.status_code == 302
    job_page = text(browser.get(resp.headers["Location"]))
    (job,) = jobs_of(app, village, registry_jobs.EXPORT)
    assert job.state == JobState.DONE and job.document_id and job.result["rows"] == 3
    assert f"/jobs/{job.id}/file" in job_page  # the output document, through the job
    lines = _document_text(app, village, job.document_id).splitlines()
    assert lines[0].startswith("kk_number,nik,name") and len(lines) == 4
    assert re.search(r"I Wayan Impor", "\n".join(lines))

    xlsx = client.post(
        api(village, "residents/export/all"), json={"format": "xlsx"}, headers=bearer(operator)
    )
    assert xlsx.status_code == 202 and xlsx.get_json()["document_id"]
    with app.app_context(), tenant_session(village.id) as s:
        document = s.get(Document, (village.id, uuid.UUID(xlsx.get_json()["document_id"])))
        assert document.current.filename.endswith(".xlsx")

    outsider = login(make_user("operator", other), app.test_client())
    assert outsider.get(f"/desa/{other.slug}/documents/{job.document_id}").status_code == 404
    assert outsider.get(f"/desa/{other.slug}/jobs/{job.id}").status_code == 404
    head = login(make_user("hamlet_head", village), app.test_client())
    assert head.post(page(village, "residents/export/all"), data={"format": "csv"}).status_code == 403
    assert (
        client.post(
            api(village, "residents/export/all"), json={"format": "pdf"}, headers=bearer(operator)
        ).status_code
        == 422
    )


def test_import_forms_need_a_csrf_token(app, village, make_user, login, monkeypatch):
    client = login(make_user("operator", village))
    check = job_id_of(upload(client, village, csv_file(GOOD)))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(page(village, f"residents/import/jobs/{check}/commit")).status_code == 400
    assert upload(client, village, csv_file(GOOD)).status_code == 400
    assert client.post(page(village, "residents/export/all"), data={"format": "csv"}).status_code == 400
    assert len(jobs_of(app, village)) == 1 and count(app, village, Resident) == 0


def test_the_page_shows_progress_until_the_worker_is_done(app, village, make_user, login, monkeypatch):
    """Without the eager runner the job waits for a worker: the page shows the bar and refreshes
    itself; once the worker has run it, the same page shows the report."""
    from desacerdas.jobs import runner, service

    monkeypatch.setitem(app.config, "JOBS_EAGER", False)
    monkeypatch.setattr(service, "publish", lambda tenant_id, job_id: None)  # a broker that holds it
    client = login(make_user("operator", village))
    resp = upload(client, village, csv_file(GOOD))
    waiting = text(client.get(resp.headers["Location"]))
    assert "<progress" in waiting and 'http-equiv="refresh"' in waiting and 'id="create"' not in waiting
    assert "Waiting to start" in waiting
    with app.app_context():
        assert runner.execute(village.id, job_id_of(resp)) == "done"
    done = text(client.get(resp.headers["Location"]))
    assert 'id="create">3<' in done and 'http-equiv="refresh"' not in done


def test_a_long_list_is_exported_by_a_job_with_its_filters_and_scope(
    app, client, village, make_user, login, bearer, monkeypatch
):
    from desacerdas.models import Hamlet

    browser = login(make_user("operator", village))
    check = job_id_of(upload(browser, village, csv_file(GOOD)))
    browser.post(page(village, f"residents/import/jobs/{check}/commit"))
    with app.app_context(), tenant_session(village.id) as s:
        hamlets = {h.name: h.id for h in s.scalars(select(Hamlet))}
    small = browser.get(page(village, f"residents/export?format=csv&hamlet={hamlets['Kaja']}"))
    assert small.status_code == 200 and small.mimetype == "text/csv"  # short: still a download
    monkeypatch.setattr(registry_jobs, "SYNC_EXPORT_MAX", 1)
    long = browser.get(page(village, f"residents/export?format=csv&hamlet={hamlets['Kaja']}"))
    assert long.status_code == 302 and "/jobs/" in long.headers["Location"]
    job = jobs_of(app, village, registry_jobs.EXPORT)[-1]
    assert job.params["filters"] == {"hamlet": str(hamlets["Kaja"])} and job.result["rows"] == 2
    assert "I Nyoman Kelod" not in _document_text(app, village, job.document_id)

    head = login(make_user("hamlet_head", village, hamlet_id=hamlets["Kelod"]), app.test_client())
    monkeypatch.setattr(registry_jobs, "SYNC_EXPORT_MAX", 0)
    assert head.get(page(village, "residents/export?format=csv")).status_code == 302
    theirs = jobs_of(app, village, registry_jobs.EXPORT)[-1]
    lines = _document_text(app, village, theirs.document_id).splitlines()
    assert len(lines) == 2 and "I Nyoman Kelod" in lines[1]  # their hamlet only

    api_long = client.get(
        api(village, "residents/export?format=xlsx"), headers=bearer(make_user("operator", village))
    )
    assert api_long.status_code == 202 and api_long.get_json()["result"]["rows"] == 3


def test_a_broker_down_says_so_and_leaves_no_queued_job(app, village, make_user, login, monkeypatch):
    from desacerdas.jobs import BrokerDown, service

    def down(tenant_id, job_id):  # noqa: ANN001, ANN202
        raise BrokerDown()

    monkeypatch.setitem(app.config, "JOBS_EAGER", False)
    monkeypatch.setattr(service, "publish", down)
    client = login(make_user("operator", village))
    resp = upload(client, village, csv_file(GOOD))
    assert resp.status_code == 503 and "work queue is not available" in text(resp)
    (job,) = jobs_of(app, village, registry_jobs.IMPORT)
    assert job.state == JobState.FAILED and count(app, village, Resident) == 0
