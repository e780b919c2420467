"""Staff see the sign-in lock of a resident's NIK (the throttle's account-wide lock, issue 11), on
the account panel and in the API's ``locked_until``, and the staff PIN reset clears it.

Failed before the fix: ``locked_until`` read the old per-account column, which sign-in no longer
sets, so the badge never showed while unknown devices were locked out."""

from __future__ import annotations

import datetime as dt

from sg_resident_accounts.conftest import WAYAN, sign_in
from smart_government.accounts import service as accounts

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import login_throttle
from desacerdas.tenancy import tenant_session
from desacerdas.testing.support import api_headers

LOCKED = "Locked after failed attempts"


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def _lock_out_unknown_devices(app, village, limit: int) -> None:  # noqa: ANN001
    """``limit`` wrong PINs for WAYAN, each from its own address (every address under its limits)."""
    for n in range(limit):
        wrong = sign_in(
            app.test_client(), village, WAYAN, "999990", environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
        )
        assert wrong.status_code == 401


def test_staff_see_the_account_wide_lock_and_the_pin_reset_clears_it(
    va, app, make_user, login, menanga, open_account, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", 3)
    pin = open_account(va, "wayan")
    operator = make_user("operator", menanga)
    staff, api = login(operator, app.test_client()), app.test_client()
    headers = api_headers(app, operator)
    panel = va.page(f"residents/{va.residents['wayan']}/account")
    path = va.api(f"residents/{va.residents['wayan']}/account")
    assert LOCKED not in text(staff.get(panel))
    assert api.get(path, headers=headers).get_json()["locked_until"] is None

    _lock_out_unknown_devices(app, va, 3)
    fresh = {"REMOTE_ADDR": "192.0.2.200"}
    assert sign_in(app.test_client(), va, WAYAN, pin, environ_base=fresh).status_code == 429
    assert LOCKED in text(staff.get(panel))
    until = dt.datetime.fromisoformat(api.get(path, headers=headers).get_json()["locked_until"])
    assert until.utcoffset() == dt.timedelta(0)
    expected = clock.now + dt.timedelta(minutes=app.config["LOCKOUT_MINUTES"])
    assert abs((until - expected).total_seconds()) < 2

    reset = staff.post(panel + "/reset")
    assert reset.status_code == 200
    assert LOCKED not in text(staff.get(panel))
    assert api.get(path, headers=headers).get_json()["locked_until"] is None
    with app.app_context():  # the resident may try at once from anywhere
        tenant = db.session.get(Tenant, va.id)
        key = accounts.sign_in_key(tenant, WAYAN)
        assert login_throttle.account_locked_until(db.session, key) is None


def test_the_lock_ends_with_its_time_and_another_village_is_not_locked(
    va, vb, app, open_account, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", 3)
    open_account(va, "wayan")
    open_account(vb, "wayan")  # the same NIK in village B
    _lock_out_unknown_devices(app, va, 3)

    def locked(village) -> dt.datetime | None:  # noqa: ANN001
        with app.app_context(), tenant_session(village.id) as s:
            return accounts.locked_until(accounts.account_for_resident(s, village.residents["wayan"]))

    assert locked(va) is not None and locked(vb) is None
    clock.advance(app.config["LOCKOUT_MINUTES"] * 60 + 1)
    assert locked(va) is None


def test_api_documents_locked_until_as_a_nullable_timestamp(client) -> None:  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").get_json()
    field = spec["components"]["schemas"]["Account"]["properties"]["locked_until"]
    assert field["type"] == "string" and field["format"] == "date-time" and field["nullable"] is True
    assert "unknown devices" in field["description"]
