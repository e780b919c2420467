"""A wrong reset code costs the same work whether the ticket names a real account or not: neither
path runs argon2 (which made an invented ticket measurably slower, revealing a match)."""

from __future__ import annotations

import uuid

import pytest
from smart_government.accounts import service as accounts

from desacerdas.models import Tenant
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session


def _reset(app, village, ticket_for, monkeypatch) -> int:
    calls = []
    monkeypatch.setattr(accounts, "verify_secret", lambda *a: calls.append(a) or False)
    with app.test_request_context(), tenant_session(village.id) as session:
        tenant = session.get(Tenant, village.id)
        with pytest.raises(ServiceError) as exc:
            accounts.reset_pin_with_code(tenant, session, ticket_for(tenant), "000000", "135791")
        assert exc.value.code == "code_invalid"
    return len(calls)


def test_no_argon2_for_an_invented_or_a_real_ticket(app, va, open_account, account_row, monkeypatch):
    open_account(va, "wayan")
    real_id = str(account_row(va, "wayan")["id"])

    def ticket(account_id: str):
        def make(tenant: Tenant) -> str:
            payload = {"a": account_id, "n": "n", "h": "0" * 64, "f": "0" * 16}
            return accounts._serializer(tenant).dumps(payload)

        return make

    assert _reset(app, va, ticket(str(uuid.uuid4())), monkeypatch) == 0
    assert _reset(app, va, ticket(real_id), monkeypatch) == 0
