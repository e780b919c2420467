"""``/api/v1/desa/<slug>/jobs``: list, one job, cancel, 202 answers, and cross-village 404s."""

from __future__ import annotations

import json

from desacerdas.extensions import db
from desacerdas.models import Job, JobState
from desacerdas.tenancy import bind_tenant

from .helpers import queued, read, submit


def test_list_and_one_job(app, client, bearer, menanga, admin, operator):
    done = submit(app, menanga, "testing.count", {"to": 2}, operator)
    waiting = queued(app, menanga, admin)
    resp = client.get("/api/v1/desa/menanga/jobs", headers=bearer(admin))
    assert resp.status_code == 200
    assert {j["id"] for j in resp.get_json()} == {str(done), str(waiting)}
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2
    only = client.get("/api/v1/desa/menanga/jobs?state=queued", headers=bearer(admin)).get_json()
    assert [j["id"] for j in only] == [str(waiting)]
    mine = client.get("/api/v1/desa/menanga/jobs", headers=bearer(operator)).get_json()
    assert [j["id"] for j in mine] == [str(done)]
    one = client.get(f"/api/v1/desa/menanga/jobs/{done}", headers=bearer(operator)).get_json()
    assert one["state"] == "done" and one["finished"] is True and one["result"] == {"counted": 2}
    assert one["progress"] == {"done": 2, "total": 2, "percent": 100, "phase": "counting"}
    assert one["links"]["page"].endswith(f"/desa/menanga/jobs/{done}")
    assert client.get(f"/api/v1/desa/menanga/jobs/{waiting}", headers=bearer(operator)).status_code == 404


def test_cancel_and_refuse_a_finished_job(app, client, bearer, menanga, admin):
    waiting = queued(app, menanga, admin)
    resp = client.post(f"/api/v1/desa/menanga/jobs/{waiting}/cancel", headers=bearer(admin))
    assert resp.status_code == 200 and resp.get_json()["state"] == "cancelled"
    again = client.post(f"/api/v1/desa/menanga/jobs/{waiting}/cancel", headers=bearer(admin))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "job_finished"


def test_another_village_gets_404(app, client, bearer, menanga, bebandem, admin, make_user):
    job_id = queued(app, menanga, admin)
    outsider = make_user("village_head", bebandem)
    headers = bearer(outsider)
    assert client.get(f"/api/v1/desa/menanga/jobs/{job_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/desa/bebandem/jobs/{job_id}", headers=headers).status_code == 404
    resp = client.post(f"/api/v1/desa/bebandem/jobs/{job_id}/cancel", headers=headers)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/desa/bebandem/jobs", headers=headers).get_json() == []
    assert client.get("/api/v1/desa/menanga/jobs/not-a-uuid", headers=headers).status_code == 404
    assert read(app, menanga, job_id).state == JobState.QUEUED


def test_accepted_response_is_202_with_the_job_url(app, menanga, admin):
    from desacerdas import jobs

    job_id = submit(app, menanga, "testing.count", {"to": 1}, admin)
    with app.test_request_context("/"):
        bind_tenant(db.session, menanga.id)
        body, status, headers = jobs.accepted_response(db.session.get(Job, (menanga.id, job_id)))
    assert status == 202 and headers["Location"] == f"/api/v1/desa/menanga/jobs/{job_id}"
    assert body["id"] == str(job_id) and body["state"] == "done"
