def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_village_home(client, menanga):
    resp = client.get(f"/desa/{menanga.slug}/")
    assert resp.status_code == 200
    assert "Menanga" in resp.get_data(as_text=True)


def test_login_and_dashboard(client, menanga, make_user, login):
    head = make_user("village_head", menanga)
    login(head)
    assert client.get(f"/desa/{menanga.slug}/dashboard").status_code == 200
