"""A throttled sign-in (429) says in ``Retry-After`` how many seconds to wait: the staff sign-in,
the resident sign-in page and the resident API sign-in (and the PIN change on the same throttle).
(Flask-Limiter, with ``RATELIMIT_HEADERS_ENABLED``, puts its own ``Retry-After`` — the end of its
window — on every answer of a limited route; on the throttle's 429 the throttle's seconds win.)

Failed before the fix: the 429 answers had no ``Retry-After`` header."""

from __future__ import annotations

from sg_resident_accounts.conftest import WAYAN, sign_in

from desacerdas.services import login_throttle

WRONG = "definitely not it"
WRONG_PIN = "999990"


def _staff(client, login: str, password: str):  # noqa: ANN001
    return client.post("/auth/login", data={"login": login, "password": password})


def test_throttled_error_carries_its_seconds(app, clock) -> None:  # noqa: ANN001
    exc = login_throttle.Throttled("wait", "wait", 4)
    assert exc.status == 429 and exc.retry_after == 4
    assert login_throttle.retry_after_headers(exc) == {"Retry-After": "4"}
    try:
        try:
            raise exc
        except login_throttle.Throttled:
            raise ValueError("re-raised") from None
    except ValueError as outer:
        assert login_throttle.retry_after(outer) == 4  # found behind a re-raise (services.auth)
    assert login_throttle.retry_after_headers(login_throttle.Throttled("x", "locked")) == {}


def test_staff_sign_in_sends_retry_after_for_the_delay_and_the_lock(app, client, make_user, clock):
    person = make_user()
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        assert _staff(client, person.email, WRONG).status_code == 401
    early = _staff(client, person.email, person.password)
    # The throttle's seconds, not the end of the rate limiter's window (its budget is not spent).
    assert early.status_code == 429 and early.headers["Retry-After"] == "2"
    assert early.headers.getlist("Retry-After") == ["2"]
    clock.advance(1.5)
    assert _staff(client, person.email, person.password).headers["Retry-After"] == "1"
    after, threshold = app.config["LOGIN_DELAY_AFTER"], app.config["LOCKOUT_THRESHOLD"]
    for failures in range(after, threshold):  # on to the lock, waiting out each delay
        clock.advance(2 ** (failures - after + 1))
        assert _staff(client, person.email, WRONG).status_code == 401
    locked = _staff(client, person.email, person.password)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == app.config["LOCKOUT_MINUTES"] * 60


def test_resident_sign_in_page_sends_retry_after(va, app, client, open_account, clock):
    pin = open_account(va, "wayan")
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        assert sign_in(client, va, WAYAN, WRONG_PIN).status_code == 401
    early = sign_in(client, va, WAYAN, pin)
    assert early.status_code == 429 and early.headers.getlist("Retry-After") == ["2"]


def test_resident_api_sign_in_sends_retry_after(va, app, client, open_account, clock):
    pin = open_account(va, "wayan")
    url = va.api("sign-in")
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        assert client.post(url, json={"nik": WAYAN, "pin": WRONG_PIN}).status_code == 401
    early = client.post(url, json={"nik": WAYAN, "pin": pin})
    assert early.status_code == 429 and early.headers.getlist("Retry-After") == ["2"]
    assert early.get_json()["error"]["status"] == 429
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = spec["paths"]["/api/v1/desa/{slug}/smart_government/sign-in"]["post"]["responses"]["429"]
    assert documented["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_pin_change_on_the_same_throttle_sends_retry_after(va, app, client, open_account, clock):
    pin = open_account(va, "wayan")
    assert sign_in(client, va, WAYAN, pin).status_code == 302
    data = {"current": WRONG_PIN, "new": "482915", "confirm": "482915"}
    for _ in range(app.config["LOGIN_DELAY_AFTER"]):
        assert client.post(va.page("pin"), data=data).status_code == 400
    early = client.post(va.page("pin"), data={**data, "current": pin})
    assert early.status_code == 429 and early.headers["Retry-After"] == "2"
