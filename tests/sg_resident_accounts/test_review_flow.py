"""Deciding a registration through the kit's workflow (``review.FLOW``): a stale decision is 409
and changes nothing, each decision is audited and announced (never with the PIN), the service
itself checks the permission and the hamlet, the queue's sorts, and the account panel applying
the caller's hamlet scope."""

from __future__ import annotations

import re

import pytest
from smart_government.accounts import registration, review
from smart_government.accounts import service as accounts
from smart_government.accounts.models import RegistrationStatus
from smart_government.permissions import ACCOUNTS_MANAGE
from sqlalchemy import select

from desacerdas.auth.permissions import registry as permissions
from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Role, Tenant, User
from desacerdas.plugin_system import events
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session
from desacerdas.testing.support import api_headers

from .conftest import KK_KELOD, MADE
from .test_registration import ask, reference_of, text


def test_a_stale_decision_is_409_and_changes_nothing(va, app, client, make_user, menanga):
    """Two reviewers open the same request; one rejects, the other approves from the stale page:
    the move re-reads the row under its lock and refuses, and no account is opened."""
    reference = reference_of(ask(client, va))
    operator, secretary = make_user("operator", menanga), make_user("village_secretary", menanga)
    with app.app_context():
        tenant = db.session.get(Tenant, va.id)
        with tenant_session(va.id) as first, tenant_session(va.id) as second:
            stale = registration.get(first, reference)
            assert stale.status == RegistrationStatus.PENDING
            review.reject(
                tenant, second, registration.get(second, reference), second.get(User, secretary.id), "Buram"
            )
            with pytest.raises(ServiceError) as refused:
                review.approve(tenant, first, stale, first.get(User, operator.id))
            first.rollback()
            assert (refused.value.status, refused.value.code) == (409, "already_decided")
            assert refused.value.message == "This request has been decided already."
        with tenant_session(va.id) as s:
            row = registration.get(s, reference)
            assert row.status == RegistrationStatus.REJECTED and row.reason == "Buram"
            assert row.decided_by == secretary.id and row.decided_at is not None
            assert accounts.account_for_resident(s, va.residents["wayan"]) is None


def decide(app, village, person, verb: str, reference: str, *args, info=None):  # noqa: ANN001, ANN002
    """``review.<verb>`` (approve, reject) by ``person`` in a session of its own: its result, or the
    ``ServiceError`` it raised (rolled back)."""
    with app.app_context():
        tenant = db.session.get(Tenant, village.id)
        with tenant_session(village.id, info=info) as s:
            found, user = registration.get(s, reference), s.get(User, person.id)
            try:
                return getattr(review, verb)(tenant, s, found, user, *args)
            except ServiceError as exc:
                s.rollback()
                return exc


def test_a_decision_is_audited_and_announced_without_the_pin(va, app, client, make_user, menanga):
    reference = reference_of(ask(client, va))
    operator = make_user("operator", menanga)
    announced: list = []
    pin = decide(app, va, operator, "approve", reference, info={events.SINK: announced})
    with app.app_context():
        [row] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "smart_government.registration.approved")
        ).all()
        assert (
            row.target == f"registration:{reference}"
            and row.actor_id == operator.id
            and row.tenant_id == va.id
        )
        assert row.detail["from_state"] == "pending" and row.detail["to_state"] == "approved"
        assert row.detail["kind"] == "account" and row.detail["account"] is True
        assert row.detail["resident_id"] == str(va.residents["wayan"])
        assert len(pin) == 6 and pin not in str(row.detail)
    [event] = [e for e in announced if e.name.startswith("smart_government.registration.")]
    assert event.name == "smart_government.registration.approved" and event.tenant_id == va.id
    assert event.payload["record_id"] == reference
    assert (event.payload["from"], event.payload["to"]) == ("pending", "approved")
    assert pin not in str(event.payload)


def test_the_service_itself_checks_the_permission_and_the_hamlet(va, app, client, make_user, menanga):
    """Not only the pages: a facilitator (no review permission) or another hamlet's head calling the
    service finds no such request, and it stays pending."""
    reference = reference_of(ask(client, va, nik=MADE, kk=KK_KELOD, born="2018-01-09"))  # Kelod
    for person in (make_user("facilitator", menanga), make_user("hamlet_head", menanga, hamlet_id=va.kaja)):
        refused = decide(app, va, person, "reject", reference, "Tidak jelas")
        assert refused.status == 404 and refused.message == "No such registration."
    with app.app_context(), tenant_session(va.id) as s:
        assert registration.get(s, reference).status == RegistrationStatus.PENDING


def test_the_reason_is_checked_by_the_workflow(va, app, client, make_user, menanga):
    reference = reference_of(ask(client, va))
    operator = make_user("operator", menanga)
    for reason, code in (("   ", "reason_required"), ("x" * 501, "reason_too_long")):
        assert decide(app, va, operator, "reject", reference, reason).code == code
    assert decide(app, va, operator, "reject", reference, " Buram ") is not None
    with app.app_context(), tenant_session(va.id) as s:
        assert registration.get(s, reference).reason == "Buram"


def test_the_queue_sorts_on_the_page_and_in_the_api(va, app, client, make_user, login, menanga):
    ask(client, va)  # I Wayan Sudarsana
    ask(client, va, nik=MADE, kk=KK_KELOD, born="2018-01-09")  # I Made Kelod, newer
    operator = make_user("operator", menanga)
    headers = api_headers(app, operator)
    queue = [r["name"] for r in client.get(va.api("registrations"), headers=headers).get_json()]
    assert queue == ["I Made Kelod", "I Wayan Sudarsana"]  # pending first, the newest first
    by_name = client.get(va.api("registrations?sort=-name"), headers=headers).get_json()
    assert [r["name"] for r in by_name] == ["I Wayan Sudarsana", "I Made Kelod"]
    assert client.get(va.api("registrations?sort=nik"), headers=headers).status_code == 422
    staff = login(operator, app.test_client())
    page = text(staff.get(va.page("registrations?sort=name")))
    assert page.index("I Made Kelod") < page.index("I Wayan Sudarsana")
    assert staff.get(va.page("registrations?sort=nik")).status_code == 400


@pytest.fixture
def heads_manage_accounts(monkeypatch):
    """A village that grants ``accounts.manage`` to hamlet heads (not the default)."""
    permission = permissions.get(ACCOUNTS_MANAGE)
    monkeypatch.setattr(permission, "roles", permission.roles | {Role.HAMLET_HEAD})


def test_a_hamlet_head_with_accounts_manage_finds_only_their_hamlet(
    va, app, client, make_user, login, menanga, heads_manage_accounts
):
    head = make_user("hamlet_head", menanga, hamlet_id=va.kaja)
    page = login(head, app.test_client())
    kaja, kelod = va.residents["wayan"], va.residents["made"]
    assert page.get(va.page(f"residents/{kaja}/account")).status_code == 200
    assert page.get(va.page(f"residents/{kelod}/account")).status_code == 404
    assert page.post(va.page(f"residents/{kelod}/account/create")).status_code == 404
    created = page.post(va.page(f"residents/{kaja}/account/create"))
    assert created.status_code == 200 and re.search(r'class="pin"[^>]*>\d{6}<', text(created))
    headers = api_headers(app, head)
    assert client.get(va.api(f"residents/{kelod}/account"), headers=headers).status_code == 404
    assert client.post(va.api(f"residents/{kelod}/account"), headers=headers).status_code == 404
    assert (
        client.post(va.api(f"residents/{va.residents['kadek']}/account"), headers=headers).status_code == 201
    )
    with app.app_context(), tenant_session(va.id) as s:
        assert accounts.account_for_resident(s, kelod) is None
