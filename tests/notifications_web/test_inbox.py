"""The inbox pages and API: one's own messages only, mark read (one, all), paging, the layout's link,
another village's staff and other people refused."""

from __future__ import annotations

import re

from desacerdas.notifications import notify

from .conftest import issue_all_the_way, outbox, person, village


def _messages(app, lv, who: str, n: int) -> None:  # noqa: ANN001
    with village(app, lv.id) as (s, tenant):
        user = person(s, lv, who)
        for i in range(n):
            notify(
                s,
                tenant,
                user,
                "smart_government.letter_signed",
                {"name": user.name, "letter": f"Surat {i}"},
                key=f"t:{who}:{i}",
            )
        s.commit()


def test_inbox_page_mark_read_and_mark_all(app, lv, as_user):
    issue_all_the_way(app, lv)
    client = as_user(lv.people["wayan"])
    page = client.get(f"/desa/{lv.slug}/inbox").get_data(as_text=True)
    assert "3 messages are not read yet." in page and "sudah terbit" in page
    first = outbox(app, lv.id, recipient_user_id=lv.people["wayan"].id, channel="inbox")[0]
    resp = client.post(f"/desa/{lv.slug}/inbox/{first['id']}/read")
    assert resp.status_code == 303
    assert outbox(app, lv.id, id=first["id"])[0]["read_at"] is not None
    assert "2 messages are not read yet." in client.get(f"/desa/{lv.slug}/inbox").get_data(as_text=True)
    unread = client.get(f"/desa/{lv.slug}/inbox?unread=1").get_data(as_text=True)
    assert unread.count('class="message unread"') == 2
    assert client.post(f"/desa/{lv.slug}/inbox/read-all").status_code == 303
    assert all(
        r["read_at"] for r in outbox(app, lv.id, recipient_user_id=lv.people["wayan"].id, channel="inbox")
    )
    assert "Every message is read." in client.get(f"/desa/{lv.slug}/inbox").get_data(as_text=True)


def test_inbox_pages_and_the_link_of_the_layout(app, lv, as_user):
    _messages(app, lv, "wayan", 30)
    client = as_user(lv.people["wayan"])
    page = client.get(f"/desa/{lv.slug}/inbox").get_data(as_text=True)
    assert page.count('class="message unread"') == 25 and "Page 1 of 2" in page
    assert client.get(f"/desa/{lv.slug}/inbox?page=2").get_data(as_text=True).count('class="message') == 5
    # The layout's link (``inbox_link()``): this village's inbox and its unread count.
    with app.test_request_context(f"/desa/{lv.slug}/inbox"):
        from flask_login import login_user

        from desacerdas.extensions import db
        from desacerdas.models import User
        from desacerdas.web.tenant import resolve

        resolve(lv.slug)
        login_user(db.session.get(User, lv.people["wayan"].id))
        link = app.jinja_env.globals["inbox_link"]()
        assert link["unread"] == 30 and link["url"].endswith(f"/desa/{lv.slug}/inbox")
    with app.test_request_context("/auth/"):
        login_user(db.session.get(User, lv.people["wayan"].id))
        assert app.jinja_env.globals["inbox_link"]()["url"].endswith("/inbox")


def test_nobody_reads_or_marks_another_persons_or_villages_messages(app, lv, lv_b, as_user):
    issue_all_the_way(app, lv)
    row = outbox(app, lv.id, recipient_user_id=lv.people["wayan"].id, channel="inbox")[0]
    # Another resident of the same village: their inbox is empty, and Wayan's row is "no such message".
    made = as_user(lv.people["made"])
    assert "sudah terbit" not in made.get(f"/desa/{lv.slug}/inbox").get_data(as_text=True)
    assert made.post(f"/desa/{lv.slug}/inbox/{row['id']}/read").status_code == 404
    # The village head sees the village but not the resident's inbox rows.
    head = as_user(lv.people["head"])
    assert "sudah terbit" not in head.get(f"/desa/{lv.slug}/inbox").get_data(as_text=True)
    assert head.post(f"/desa/{lv.slug}/inbox/{row['id']}/read").status_code == 404
    # Village B's staff: village A does not exist for them; their own inbox does not hold A's row.
    other = as_user(lv_b.people["head"])
    assert other.get(f"/desa/{lv.slug}/inbox").status_code == 404
    assert other.post(f"/desa/{lv.slug}/inbox/{row['id']}/read").status_code == 404
    assert other.post(f"/desa/{lv_b.slug}/inbox/{row['id']}/read").status_code == 404
    assert outbox(app, lv.id, id=row["id"])[0]["read_at"] is None
    # Anonymous visitors sign in first.
    assert app.test_client().get(f"/desa/{lv.slug}/inbox").status_code in (302, 401)
    assert app.test_client().get("/inbox").status_code in (302, 401)


def test_platform_inbox_lists_the_villages_with_their_unread_counts(app, lv, as_user, make_user):
    issue_all_the_way(app, lv)
    page = as_user(lv.people["wayan"]).get("/inbox").get_data(as_text=True)
    assert "Messages in my villages" in page and "3 unread" in page
    assert f"/desa/{lv.slug}/inbox" in page


def test_inbox_api_lists_merges_and_marks_read(app, lv, lv_b, bearer):
    issue_all_the_way(app, lv)
    wayan = bearer(lv.people["wayan"])
    client = app.test_client()
    resp = client.get("/api/v1/me/inbox", headers=wayan)
    assert resp.status_code == 200
    items = resp.get_json()
    assert [i["kind"] for i in items] == [
        "smart_government.letter_issued",
        "smart_government.letter_signed",
        "smart_government.letter_verified",
    ]
    assert items[0]["village"] == lv.slug and items[0]["read"] is False and items[0]["title"]
    assert '"total": 3' in resp.headers["X-Pagination"]
    one = items[0]["id"]
    done = client.post(f"/api/v1/me/inbox/{one}/read", headers=wayan)
    assert done.status_code == 200 and done.get_json()["read"] is True
    unread = client.get("/api/v1/me/inbox?unread=true", headers=wayan).get_json()
    assert [i["id"] for i in unread] == [items[1]["id"], items[2]["id"]]
    # Someone else's message, a made-up one, another village's staff: 404, nothing changes.
    for who in (lv.people["head"], lv_b.people["head"]):
        assert client.post(f"/api/v1/me/inbox/{items[1]['id']}/read", headers=bearer(who)).status_code == 404
    head_items = client.get("/api/v1/me/inbox", headers=bearer(lv.people["head"])).get_json()
    assert {i["kind"] for i in head_items} == {"smart_government.letter_submitted"}
    assert client.get("/api/v1/me/inbox", headers=bearer(lv_b.people["head"])).get_json() == []
    assert client.post("/api/v1/me/inbox/not-an-id/read", headers=wayan).status_code == 404
    assert client.post("/api/v1/me/inbox/999999/read", headers=wayan).status_code == 404
    assert client.get("/api/v1/me/inbox").status_code == 401


def test_mark_read_needs_the_csrf_token(db_urls, tmp_path_factory, app, lv):
    from conftest import make_app

    from desacerdas.testing import support

    issue_all_the_way(app, lv)
    strict = make_app(db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login",
        data={"login": lv.people["wayan"].email, "password": support.PASSWORD, "csrf_token": token},
    )
    row = outbox(app, lv.id, recipient_user_id=lv.people["wayan"].id, channel="inbox")[0]
    resp = client.post(f"/desa/{lv.slug}/inbox/{row['id']}/read")
    assert resp.status_code in (303, 400)
    assert outbox(app, lv.id, id=row["id"])[0]["read_at"] is None
    page = client.get(f"/desa/{lv.slug}/inbox").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(f"/desa/{lv.slug}/inbox/{row['id']}/read", data={"csrf_token": token}).status_code == 303
    )
    assert outbox(app, lv.id, id=row["id"])[0]["read_at"] is not None
