"""The bulk action: a preview per village, then each village enabled on its own, all reported."""

from __future__ import annotations

import re

from sqlalchemy import select

from desacerdas.auth.permissions import registry
from desacerdas.extensions import db
from desacerdas.models import Role, VillagePluginEvent


def _outcomes(html: str) -> dict[str, str]:
    """{village name: what will happen / happened} from a preview or result page."""
    found = {}
    for tr in re.findall(r"<tr class=\"\w+\">(.*?)</tr>", html, re.S):
        name = re.search(r'<th scope="row">([^<]+)<br>', tr).group(1).strip()
        found[name] = " ".join(re.sub(r"<[^>]+>", " ", tr.split("</th>", 1)[1]).split())
    return found


def _confirm_data(html: str) -> dict[str, object]:
    """The hidden fields of the preview's confirm form, as the browser would send them."""
    form = html[html.index('action="/rollout/bulk/confirm"') :]
    form = form[: form.index("</form>")]
    data: dict[str, object] = {}
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form):
        if name == "villages":
            data.setdefault("villages", []).append(value)
        else:
            data[name] = value
    for value, name in re.findall(r'<input[^>]*value="([^"]*)"[^>]*name="(\w+)"', form):
        data.setdefault(name, value)
    return data


def test_preview_says_per_village_what_will_happen_and_changes_nothing(
    rclient, villages, enable, enabled, make_user, login, fakes
):
    enable(villages["menanga"], "alpha")
    enable(villages["rendang"], "beta")
    fakes["alpha"].blocked_in.add("bunutan")
    login(make_user("regency_admin", area="51.07"), rclient)
    ids = [villages[s].id for s in ("menanga", "rendang", "bebandem", "bunutan", "apuan")]
    page = rclient.post("/rollout/bulk", data={"plugin": "beta", "villages": ids})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    said = _outcomes(html)
    assert said["Menanga"] == "Will enable: Test beta"
    assert said["Bebandem"] == "Will enable: Test alpha, Test beta"
    assert said["Rendang"] == "Already enabled: nothing to do."
    assert said["Bunutan"].startswith("Blocked, not ready for: Test alpha, Test beta")
    assert "alpha prerequisites: Do the thing first." in said["Bunutan"]
    assert "Apuan" not in said  # outside the regency admin's area: silently left out
    assert "Confirm for 3 villages" in html  # Menanga, Bebandem, and Bunutan with an override
    assert 'name="override_reason"' in html
    assert enabled(villages["menanga"]) == {"alpha"} and enabled(villages["bebandem"]) == frozenset()


def test_confirm_enables_village_by_village_and_one_failing_stops_nothing(
    rapp, rclient, villages, enable, enabled, make_user, login, fakes
):
    enable(villages["menanga"], "alpha")
    fakes["beta"].fail_in.add("bebandem")  # seeding beta breaks in Bebandem
    fakes["alpha"].blocked_in.add("bunutan")
    login(make_user("platform_admin"), rclient)
    ids = [villages[s].id for s in ("menanga", "bebandem", "rendang", "bunutan")]
    page = rclient.post(
        "/rollout/bulk/confirm", data={"plugin": "beta", "villages": ids}, follow_redirects=True
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    said = _outcomes(html)
    assert said["Menanga"] == "Enabled: Test beta"
    assert said["Rendang"] == "Enabled: Test alpha, Test beta"
    assert said["Bebandem"].startswith("Failed:")
    assert said["Bunutan"].startswith("Blocked") and "alpha prerequisites" in said["Bunutan"]
    assert "Enabled in 2 villages." in html and "2 villages were not changed" in html
    assert enabled(villages["menanga"]) == {"alpha", "beta"}
    assert enabled(villages["rendang"]) == {"alpha", "beta"}
    assert enabled(villages["bebandem"]) == frozenset()  # all or nothing: alpha was rolled back too
    assert enabled(villages["bunutan"]) == frozenset()
    again = _outcomes(
        rclient.post(
            "/rollout/bulk/confirm", data={"plugin": "beta", "villages": ids}, follow_redirects=True
        ).get_data(as_text=True)
    )
    assert again["Menanga"] == "Already enabled: nothing to do."


def test_every_ready_village_of_the_filter_across_pages(
    rapp, rclient, villages, enabled, make_user, login, fakes, monkeypatch
):
    monkeypatch.setitem(rapp.config, "PAGE_SIZE", 1)
    fakes["alpha"].blocked_in.add("bunutan")
    login(make_user("platform_admin"), rclient)
    preview = rclient.post(
        "/rollout/bulk", data={"plugin": "alpha", "all_ready": "y", "regency": "51.07", "villages": []}
    ).get_data(as_text=True)
    said = _outcomes(preview)
    assert set(said) == {"Menanga", "Rendang", "Bebandem", "Bunutan"}
    assert "Will be skipped." in said["Bunutan"]
    assert 'name="override_reason"' not in preview  # "every ready village" never overrides
    data = _confirm_data(preview)
    assert sorted(map(int, data["villages"])) == sorted(
        villages[s].id for s in ("menanga", "rendang", "bebandem")
    )
    result = rclient.post("/rollout/bulk/confirm", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Enabled in 3 villages." in result
    assert enabled(villages["bunutan"]) == frozenset() and enabled(villages["apuan"]) == frozenset()
    assert enabled(villages["bebandem"]) == {"alpha"}


def test_override_is_for_regency_and_platform_admins_not_facilitators(
    rapp, rclient, villages, enabled, make_user, login
):
    facilitator = make_user("facilitator", villages["menanga"])
    login(facilitator, rclient)
    ids = [villages["menanga"].id]
    preview = rclient.post("/rollout/bulk", data={"plugin": "gamma", "villages": ids}).get_data(as_text=True)
    assert 'name="override_reason"' not in preview and "Nothing to do" in preview
    result = rclient.post(
        "/rollout/bulk/confirm",
        data={"plugin": "gamma", "villages": ids, "override_reason": "pilot"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert _outcomes(result)["Menanga"].startswith("Blocked")
    assert enabled(villages["menanga"]) == frozenset()

    with rclient.session_transaction() as s:
        s.clear()
    regency = make_user("regency_admin", area="51.07")
    login(regency, rclient)
    preview = rclient.post("/rollout/bulk", data={"plugin": "gamma", "villages": ids}).get_data(as_text=True)
    assert 'name="override_reason"' in preview
    result = rclient.post(
        "/rollout/bulk/confirm",
        data={"plugin": "gamma", "villages": ids, "override_reason": "pilot agreed"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert _outcomes(result)["Menanga"] == "Enabled: Test gamma (override)"
    with rapp.app_context():
        event = db.session.scalar(select(VillagePluginEvent).where(VillagePluginEvent.plugin == "gamma"))
        assert event.override and event.reason == "pilot agreed" and event.actor_id == regency.id


def test_villages_where_the_user_may_not_manage_are_reported(
    rclient, villages, enabled, make_user, login, monkeypatch
):
    perm = registry.get("village.plugins.manage")
    monkeypatch.setattr(perm, "roles", perm.roles - {Role.FACILITATOR})
    login(make_user("facilitator", villages["menanga"]), rclient)
    ids = [villages["menanga"].id]
    preview = rclient.post("/rollout/bulk", data={"plugin": "alpha", "villages": ids}).get_data(as_text=True)
    assert _outcomes(preview)["Menanga"].startswith("Not allowed")
    result = rclient.post(
        "/rollout/bulk/confirm", data={"plugin": "alpha", "villages": ids}, follow_redirects=True
    ).get_data(as_text=True)
    assert _outcomes(result)["Menanga"].startswith("Not allowed")
    assert enabled(villages["menanga"]) == frozenset()


def test_nothing_chosen_or_unknown_plugin_goes_back_to_the_board(rclient, villages, make_user, login):
    login(make_user("platform_admin"), rclient)
    back = rclient.post("/rollout/bulk", data={"plugin": "alpha", "regency": "51.07"})
    assert back.status_code == 302 and back.headers["Location"].endswith("/rollout?regency=51.07")
    assert (
        rclient.post(
            "/rollout/bulk", data={"plugin": "nope", "villages": [villages["menanga"].id]}
        ).status_code
        == 302
    )
    assert rclient.post("/rollout/bulk/confirm", data={"plugin": "nope"}).status_code == 302
    assert rclient.get("/rollout/bulk").status_code == 405


def test_bulk_forms_need_the_csrf_token(rapp, rclient, villages, make_user, login, monkeypatch):
    login(make_user("platform_admin"), rclient)
    monkeypatch.setitem(rapp.config, "WTF_CSRF_ENABLED", True)
    data = {"plugin": "alpha", "villages": [villages["menanga"].id]}
    assert rclient.post("/rollout/bulk", data=data).status_code == 400
    board = rclient.get("/rollout").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', board).group(1)
    preview = rclient.post("/rollout/bulk", data={**data, "csrf_token": token})
    assert preview.status_code == 200
    confirm = _confirm_data(preview.get_data(as_text=True))
    assert confirm["csrf_token"]
    assert rclient.post("/rollout/bulk/confirm", data={**data}).status_code == 400
    assert "Enabled in 1 village." in rclient.post(
        "/rollout/bulk/confirm", data=confirm, follow_redirects=True
    ).get_data(as_text=True)


def test_confirm_starts_one_job_per_village_in_one_batch_and_the_page_follows_it(
    rapp, rclient, villages, enabled, make_user, login, fakes
):
    from desacerdas.models import Job, JobState
    from desacerdas.tenancy import tenant_session

    fakes["alpha"].blocked_in.add("bunutan")
    regency = make_user("regency_admin", area="51.07")
    login(regency, rclient)
    ids = [villages[s].id for s in ("menanga", "rendang", "bunutan", "apuan")]  # Apuan: outside the area
    resp = rclient.post("/rollout/bulk/confirm", data={"plugin": "alpha", "villages": ids})
    assert resp.status_code == 302 and "/rollout/batches/" in resp.headers["Location"]
    batch = resp.headers["Location"].split("/rollout/batches/")[1].split("?")[0]
    jobs = {}
    with rapp.app_context():
        for slug in ("menanga", "rendang", "bunutan", "apuan"):
            with tenant_session(villages[slug].id) as s:
                jobs[slug] = list(s.scalars(select(Job).where(Job.batch == batch)))
    assert [len(jobs[s]) for s in ("menanga", "rendang", "bunutan", "apuan")] == [1, 1, 1, 0]
    assert jobs["menanga"][0].state == JobState.DONE and jobs["menanga"][0].kind == "rollout.enable"
    assert jobs["menanga"][0].started_by == regency.id
    assert jobs["bunutan"][0].state == JobState.FAILED and "alpha prerequisites" in jobs["bunutan"][0].error
    html = rclient.get(resp.headers["Location"]).get_data(as_text=True)
    assert "3 of 3 villages finished: 2 enabled, 0 already enabled, 1 not changed." in html
    assert 'value="3"' in html and "<progress" in html and 'http-equiv="refresh"' not in html
    said = _outcomes(html)
    assert said["Menanga"] == "Enabled: Test alpha" and said["Bunutan"].startswith("Blocked, not ready for")
    assert "Apuan" not in said
    assert enabled(villages["menanga"]) == {"alpha"} and enabled(villages["bunutan"]) == frozenset()
    assert rclient.get("/rollout/batches/00000000-0000-0000-0000-000000000000").status_code == 404
    board = rclient.get("/rollout").get_data(as_text=True)
    assert f"/rollout/batches/{batch}" in board and "Enable Test alpha" in board  # the board links it

    with rclient.session_transaction() as s:
        s.clear()
    other_area = make_user("regency_admin", area="51.06")  # Bangli: sees none of these villages
    login(other_area, rclient)
    assert "Menanga" not in _outcomes(rclient.get(resp.headers["Location"]).get_data(as_text=True))
