"""Resident sign-in with NIK and PIN: success, refusals, lockout, first-sign-in PIN change, PIN rules,
staff reset, the verified-channel reset, and what is stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from smart_government.accounts import service as accounts
from smart_government.registry.models import Resident
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Membership, Role, Tenant, User
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

from .conftest import KADEK, KK_KAJA, KK_KELOD, MADE, WAYAN, sign_in


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def choose_pin(client, village, current: str, new: str = "482915"):  # noqa: ANN001
    return client.post(village.page("pin"), data={"current": current, "new": new, "confirm": new})


def test_sign_in_then_change_pin_first(va, client, open_account, account_row):
    pin = open_account(va, "wayan")
    resp = sign_in(client, va, WAYAN, pin)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/smart_government/pin")
    # every page of the pillar sends them to the PIN change until it is done
    for path in ("akun", "", "residents"):
        follow = client.get(va.page(path))
        assert follow.status_code == 302 and follow.headers["Location"].endswith("/pin"), path
    assert client.get(va.page("pin")).status_code == 200
    changed = choose_pin(client, va, pin)
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/akun")
    page = client.get(va.page("akun"))  # the current session survived the session-version bump
    assert page.status_code == 200 and "I Wayan Sudarsana" in text(page)
    row = account_row(va, "wayan")
    assert row["must_change_pin"] is False and row["last_sign_in_at"] is not None
    # the staff pages stay forbidden for a resident
    assert client.get(va.page("residents")).status_code == 403
    assert client.get(va.page("registrations")).status_code == 403


def test_sign_out_is_open_while_the_pin_must_change(va, client, open_account):
    pin = open_account(va, "wayan")
    sign_in(client, va, WAYAN, pin)
    resp = client.post(va.page("keluar"))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/masuk")
    assert client.get(va.page("akun")).status_code == 302  # login_required → sign-in


def test_wrong_pin_and_unknown_nik_get_the_same_message(va, client, open_account, app):
    open_account(va, "wayan")
    wrong = sign_in(client, va, WAYAN, "999990")
    unknown = sign_in(client, va, "5107011705900099", "999990")
    temporary = sign_in(client, va, "T123", "999990")
    assert wrong.status_code == unknown.status_code == temporary.status_code == 401
    assert "Wrong NIK or PIN." in text(wrong) and "Wrong NIK or PIN." in text(unknown)
    assert text(wrong).count("Wrong NIK or PIN.") == text(unknown).count("Wrong NIK or PIN.")
    with app.app_context():
        reasons = [
            e.detail.get("reason")
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "smart_government.account.sign_in_failed")
            )
        ]
    assert sorted(reasons) == ["pin", "unknown", "unknown"]


def test_no_account_deceased_and_closed_accounts_cannot_sign_in(va, client, open_account, app):
    assert sign_in(client, va, KADEK, "482915").status_code == 401  # no account
    pin = open_account(va, "wayan")
    with app.app_context(), tenant_session(va.id) as s:
        tenant = db.session.get(Tenant, va.id)
        accounts.deactivate(tenant, s, accounts.account_for_resident(s, va.residents["wayan"]), None)
        s.commit()
    resp = sign_in(client, va, WAYAN, pin)
    assert resp.status_code == 401 and "Wrong NIK or PIN." in text(resp)


def test_lockout_after_repeated_failures_and_unlock_after_time(va, client, open_account, app, monkeypatch):
    from desacerdas.services import login_throttle

    pin = open_account(va, "wayan")
    start = datetime.now(UTC)
    for minute in range(app.config["LOCKOUT_THRESHOLD"]):
        monkeypatch.setattr(login_throttle, "_now", lambda m=minute: start + timedelta(minutes=m))
        assert sign_in(client, va, WAYAN, "999990").status_code == 401
    locked = sign_in(client, va, WAYAN, pin)  # even the right PIN is refused while locked
    assert locked.status_code == 429 and "Too many failed" in text(locked)
    later = start + timedelta(minutes=app.config["LOCKOUT_THRESHOLD"] + app.config["LOCKOUT_MINUTES"])
    monkeypatch.setattr(login_throttle, "_now", lambda: later)
    assert sign_in(client, va, WAYAN, pin).status_code == 302


def test_pin_rules_have_specific_messages(va, app):
    with app.app_context(), tenant_session(va.id) as s:
        wayan = s.scalar(select(Resident).where(Resident.nik == WAYAN))
        kadek = s.scalar(select(Resident).where(Resident.nik == KADEK))
        assert "exactly 6 digits" in accounts.pin_problem("12345", wayan)
        assert "exactly 6 digits" in accounts.pin_problem("12345a", wayan)
        assert "exactly 6 digits" in accounts.pin_problem("١٢٣٤٥٦", wayan)  # Arabic-Indic digits
        assert "repeated" in accounts.pin_problem("000000", wayan)
        assert "repeated" in accounts.pin_problem("111111", wayan)
        assert "run" in accounts.pin_problem("123456", wayan)
        assert "run" in accounts.pin_problem("654321", wayan)
        assert "date of birth" in accounts.pin_problem("170590", wayan)
        assert "date of birth" in accounts.pin_problem("900517", wayan)
        assert "date of birth" in accounts.pin_problem("420395", kadek)  # the NIK's day + 40
        assert "too easy" in accounts.pin_problem("121212", wayan)
        assert "too easy" in accounts.pin_problem("387387", wayan)
        assert accounts.pin_problem("482915", wayan) is None
        for _ in range(50):
            assert accounts.pin_problem(accounts.random_pin(wayan), wayan) is None


def test_change_pin_page_refuses_trivial_and_wrong_current(va, client, open_account, account_row):
    pin = open_account(va, "wayan")
    sign_in(client, va, WAYAN, pin)
    trivial = choose_pin(client, va, pin, "123456")
    assert trivial.status_code == 400 and "run of digits" in text(trivial)
    birthday = choose_pin(client, va, pin, "170590")
    assert birthday.status_code == 400 and "date of birth" in text(birthday)
    wrong = choose_pin(client, va, "999990", "482915")
    assert wrong.status_code == 400 and "current PIN is wrong" in text(wrong)
    short = choose_pin(client, va, pin, "4829")
    assert short.status_code == 400
    same = choose_pin(client, va, pin, pin)
    assert same.status_code == 400
    assert account_row(va, "wayan")["must_change_pin"] is True
    assert choose_pin(client, va, pin).status_code == 302


def test_pin_is_stored_only_as_argon2id(va, open_account, account_row, app):
    pin = open_account(va, "wayan")
    row = account_row(va, "wayan")
    assert row["pin_hash"].startswith("$argon2id$") and pin not in row["pin_hash"]
    with app.app_context():
        user = db.session.get(User, row["user_id"])
        assert user.email is None and user.phone is None and user.password_hash.startswith("$argon2id$")
        assert [(m.role, m.tenant_id) for m in user.memberships] == [(Role.RESIDENT, va.id)]
        # nothing anywhere holds the plain PIN
        for event in db.session.scalars(select(AuditEvent)):
            assert pin not in repr(event.detail) and pin not in (event.target or "")


def test_changing_the_pin_ends_other_sessions(va, app, open_account):
    pin = open_account(va, "wayan")
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, va, WAYAN, pin)
    choose_pin(phone, va, pin)
    sign_in(laptop, va, WAYAN, "482915")
    assert laptop.get(va.page("akun")).status_code == 200
    assert choose_pin(phone, va, "482915", "739164").status_code == 302
    assert phone.get(va.page("akun")).status_code == 200
    assert laptop.get(va.page("akun")).status_code == 302  # signed out


def test_resident_of_another_village_cannot_sign_in_here(va, vb, client, open_account):
    pin = open_account(va, "wayan")
    resp = sign_in(client, vb, WAYAN, pin)  # same NIK exists in B's registry, without an account
    assert resp.status_code == 401
    assert sign_in(client, va, WAYAN, pin).status_code == 302
    # signed in at A, the account pages of B do not know them
    assert client.get(vb.page("akun")).status_code == 404
    assert client.get(vb.page("pin")).status_code == 404


def test_service_refuses_deceased_temporary_and_duplicate(va, app, open_account):
    open_account(va, "wayan")
    with app.app_context(), tenant_session(va.id) as s:
        tenant = db.session.get(Tenant, va.id)
        for key, code in (("ketut", "not_living"), ("temp", "temporary_nik"), ("wayan", "duplicate_account")):
            person = s.scalar(select(Resident).where(Resident.id == va.residents[key]))
            with pytest.raises(ServiceError) as caught:
                accounts.create_account(tenant, s, person, None)
            assert caught.value.code == code


# -- staff panel ---------------------------------------------------------------------------------------


def test_staff_opens_resets_and_closes_an_account(va, app, client, make_user, login, menanga, account_row):
    staff = app.test_client()
    login(make_user("operator", menanga), staff)
    panel = va.page(f"residents/{va.residents['made']}/account")
    assert "no account yet" in text(staff.get(panel))
    created = staff.post(panel + "/create")
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    first = re.search(r'class="pin"[^>]*>(\d{6})<', text(created)).group(1)
    assert first not in text(staff.get(panel))  # shown once
    assert sign_in(client, va, MADE, first).status_code == 302
    choose_pin(client, va, first)
    assert client.get(va.page("akun")).status_code == 200
    # staff reset: a new PIN once, must change, the resident's sessions end, the lock is gone
    reset = staff.post(panel + "/reset")
    second = re.search(r'class="pin"[^>]*>(\d{6})<', text(reset)).group(1)
    assert client.get(va.page("akun")).status_code == 302
    row = account_row(va, "made")
    assert row["must_change_pin"] is True and row["locked_until"] is None
    assert sign_in(client, va, MADE, "482915").status_code == 401
    assert sign_in(client, va, MADE, second).status_code == 302
    closed = staff.post(panel + "/deactivate")
    assert closed.status_code == 302 and account_row(va, "made")["active"] is False
    assert client.get(va.page("pin")).status_code == 302  # the user is inactive: signed out
    assert sign_in(client, va, MADE, second).status_code == 401
    again = staff.post(panel + "/create")
    assert again.status_code == 409 and "reset its PIN" in text(again)


def test_account_panel_permissions_and_tenancy(va, vb, app, make_user, login, menanga, bebandem):
    panel = f"residents/{va.residents['wayan']}/account"
    head = login(make_user("hamlet_head", menanga, hamlet_id=va.kaja), app.test_client())
    assert head.get(va.page(panel)).status_code == 403  # accounts.manage is staff only
    assert head.post(va.page(panel + "/create")).status_code == 403
    other = login(make_user("operator", bebandem), app.test_client())
    assert other.get(vb.page(panel)).status_code == 404  # A's resident id at B
    assert other.post(vb.page(panel + "/create")).status_code == 404
    assert other.get(va.page(panel)).status_code == 404  # A's page itself
    anonymous = app.test_client().get(va.page(panel))
    assert anonymous.status_code == 302


def test_panel_refuses_temporary_nik(va, app, make_user, login, menanga):
    staff = login(make_user("operator", menanga), app.test_client())
    resp = staff.post(va.page(f"residents/{va.residents['temp']}/account/create"))
    assert resp.status_code == 409 and "temporary number" in text(resp)


# -- forgotten PIN: a code to the phone on record --------------------------------------------------------


def forgot(client, village, nik=WAYAN, kk=KK_KAJA, born="1990-05-17"):  # noqa: ANN001
    resp = client.post(village.page("lupa-pin"), data={"nik": nik, "kk_number": kk, "birth_date": born})
    ticket = re.search(r'name="ticket" value="([^"]+)"', text(resp)).group(1)
    return resp, ticket


def reset_with(client, village, ticket, code, new="482915"):  # noqa: ANN001
    return client.post(
        village.page("lupa-pin/kode"), data={"ticket": ticket, "code": code, "new": new, "confirm": new}
    )


def test_verified_channel_reset(va, client, open_account, codes, account_row, app):
    old = open_account(va, "wayan")
    other = app.test_client()
    sign_in(other, va, WAYAN, old)
    resp, ticket = forgot(client, va)
    assert resp.status_code == 200 and "code is on its way" in text(resp)
    assert len(codes.sent) == 1
    slug, phone, code = codes.sent[0]
    assert slug == va.slug and phone == "+6281234567890"
    assert code not in text(resp) and code not in ticket
    bad = reset_with(client, va, ticket, "000000" if code != "000000" else "111111")
    assert bad.status_code == 400 and "wrong or no longer valid" in text(bad)
    weak = reset_with(client, va, ticket, code, "123456")
    assert weak.status_code == 400 and "run of digits" in text(weak)
    done = reset_with(client, va, ticket, code)
    assert done.status_code == 302 and done.headers["Location"].endswith("/masuk")
    row = account_row(va, "wayan")
    assert row["must_change_pin"] is False and row["failed_attempts"] == 0
    assert other.get(va.page("pin")).status_code == 302  # every session ended
    assert sign_in(client, va, WAYAN, old).status_code == 401
    assert sign_in(client, va, WAYAN, "482915").status_code == 302
    reused = reset_with(app.test_client(), va, ticket, code, "739164")  # single use
    assert reused.status_code == 400


def test_verified_channel_mismatch_looks_the_same_and_sends_nothing(va, client, open_account, codes):
    open_account(va, "wayan")
    open_account(va, "kadek")  # no phone on record
    for nik, kk, born in (
        (WAYAN, KK_KELOD, "1990-05-17"),  # wrong KK
        (WAYAN, KK_KAJA, "1990-05-18"),  # wrong birth date
        ("5107011705900099", KK_KAJA, "1990-05-17"),  # unknown NIK
        (KADEK, KK_KAJA, "1995-03-02"),  # matches, but no phone to send to
    ):
        resp, ticket = forgot(client, va, nik, kk, born)
        assert resp.status_code == 200 and "code is on its way" in text(resp)
        assert reset_with(client, va, ticket, "482915").status_code == 400
    assert codes.sent == []


def test_verified_channel_code_expires_and_counts_failures(va, client, open_account, codes, app, monkeypatch):
    from desacerdas.services import login_throttle

    open_account(va, "wayan")
    _resp, ticket = forgot(client, va)
    code = codes.sent[0][2]
    start = datetime.now(UTC)
    for minute in range(app.config["LOCKOUT_THRESHOLD"]):
        monkeypatch.setattr(login_throttle, "_now", lambda m=minute: start + timedelta(minutes=m))
        assert reset_with(client, va, ticket, "999990" if code != "999990" else "999991").status_code == 400
    locked = reset_with(client, va, ticket, code)
    assert locked.status_code == 429 and "Too many failed" in text(locked)
    monkeypatch.setattr(accounts, "CODE_MINUTES", -1)  # every ticket is now past its age
    expired = reset_with(client, va, ticket, code)
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/lupa-pin")


def test_a_ticket_of_another_village_is_useless(va, vb, client, open_account, codes):
    open_account(va, "wayan")
    _resp, ticket = forgot(client, va)
    code = codes.sent[0][2]
    assert reset_with(client, vb, ticket, code).status_code == 400


def test_codes_are_limited_per_hour(va, client, open_account, codes):
    open_account(va, "wayan")
    for _ in range(accounts.CODES_PER_HOUR + 2):
        forgot(client, va)
    assert len(codes.sent) == accounts.CODES_PER_HOUR


def test_membership_removed_means_no_sign_in(va, client, open_account, account_row, app):
    pin = open_account(va, "wayan")
    with app.app_context():
        uid = account_row(va, "wayan")["user_id"]
        db.session.query(Membership).filter(Membership.user_id == uid).delete()
        db.session.commit()
    assert sign_in(client, va, WAYAN, pin).status_code == 401
