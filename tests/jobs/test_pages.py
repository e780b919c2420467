"""The job pages: who sees which job, state and progress in words, cancel, and cross-village 404s."""

from __future__ import annotations

from desacerdas.models import JobState

from .helpers import queued, read, submit


def test_the_village_admin_sees_every_job_others_their_own(
    app, client, login, menanga, admin, operator, make_user
):
    other = make_user("operator", menanga)
    mine = submit(app, menanga, "testing.count", {"to": 4}, operator)
    theirs = submit(app, menanga, "testing.count", {"to": 2, "hamlet": "Banjar Dua"}, other)
    login(admin)
    page = client.get("/desa/menanga/jobs").get_data(as_text=True)
    assert str(mine) in page and str(theirs) in page and "2 jobs" in page
    login(operator)
    page = client.get("/desa/menanga/jobs").get_data(as_text=True)
    assert str(mine) in page and str(theirs) not in page
    assert client.get(f"/desa/menanga/jobs/{theirs}").status_code == 404
    done = client.get(f"/desa/menanga/jobs/{mine}")
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "Count to a number" in text and "Done" in text
    assert "4 of 4 rows" in text and 'value="100"' in text
    assert 'http-equiv="refresh"' not in text and "Refresh" not in done.headers


def test_an_unfinished_job_page_refreshes_itself_and_can_be_cancelled(app, client, login, menanga, operator):
    job_id = queued(app, menanga, operator)
    login(operator)
    page = client.get(f"/desa/menanga/jobs/{job_id}")
    text = page.get_data(as_text=True)
    assert 'http-equiv="refresh" content="3"' in text and page.headers.get("Refresh") == "3"
    assert "Waiting to start" in text and "<progress" in text and "js/jobs.js" in text
    polled = client.get(f"/desa/menanga/jobs/{job_id}?format=json").get_json()
    assert polled["state"] == "queued" and polled["state_label"] == "Waiting to start"
    resp = client.post(f"/desa/menanga/jobs/{job_id}/cancel")
    assert resp.status_code == 302
    job = read(app, menanga, job_id)
    assert job.state == JobState.CANCELLED and job.cancel_requested
    again = client.post(f"/desa/menanga/jobs/{job_id}/cancel")
    assert again.status_code == 409


def test_a_failed_job_says_why_in_words(app, client, login, menanga, admin):
    job_id = submit(app, menanga, "testing.fail", {"row": 9}, admin)
    login(admin)
    text = client.get(f"/desa/menanga/jobs/{job_id}").get_data(as_text=True)
    assert "Failed" in text and "Row 9 has no NIK." in text
    assert "failed</span>" not in text  # the state in words, never the raw value


def test_another_village_cannot_see_or_cancel_a_job(app, client, login, menanga, bebandem, admin, make_user):
    job_id = queued(app, menanga, admin)
    outsider = make_user("village_head", bebandem)
    login(outsider)
    assert client.get(f"/desa/menanga/jobs/{job_id}").status_code == 404
    assert client.get("/desa/menanga/jobs").status_code == 404
    assert client.get(f"/desa/bebandem/jobs/{job_id}").status_code == 404
    assert client.post(f"/desa/bebandem/jobs/{job_id}/cancel").status_code == 404
    assert client.post(f"/desa/menanga/jobs/{job_id}/cancel").status_code == 404
    assert str(job_id) not in client.get("/desa/bebandem/jobs").get_data(as_text=True)
    assert read(app, menanga, job_id).state == JobState.QUEUED


def test_signing_in_is_required(client, menanga):
    resp = client.get("/desa/menanga/jobs")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_the_progress_macro_shows_a_job_inline(app, menanga, operator):
    from flask import render_template_string

    from desacerdas.extensions import db
    from desacerdas.models import Job
    from desacerdas.tenancy import bind_tenant

    job_id = submit(app, menanga, "testing.count", {"to": 3}, operator)
    with app.test_request_context("/"):
        bind_tenant(db.session, menanga.id)
        job = db.session.get(Job, (menanga.id, job_id))
        html = render_template_string(
            '{% from "jobs/_progress.html" import job_progress %}{{ job_progress(job) }}', job=job
        )
    assert "3 of 3 rows" in html and f"/desa/menanga/jobs/{job_id}" in html and "Done" in html
