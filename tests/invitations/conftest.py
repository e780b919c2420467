"""Helpers of the invitation tests: an invited account, the link's token, the test channel doubles."""

from __future__ import annotations

import pytest

from desacerdas.extensions import db
from desacerdas.models import User
from desacerdas.notifications.channels import register_channel, unregister_channel
from desacerdas.notifications.channels.base import OutgoingMessage, SendResult
from desacerdas.services import invitations


class Double:
    """A test provider that records what it was asked to send and accepts it."""

    def __init__(self, name: str, cost: int) -> None:
        self.name, self.cost = name, cost
        self.sent: list[OutgoingMessage] = []
        self.is_configured = True

    def configured(self, config) -> bool:  # noqa: ANN001
        return self.is_configured

    def send(self, message: OutgoingMessage, config) -> SendResult:  # noqa: ANN001
        self.sent.append(message)
        return SendResult(f"{self.name}-{len(self.sent)}", self.cost)


@pytest.fixture
def doubles():
    """Test providers for every external channel, registered like real ones (configured)."""
    made = {"whatsapp": Double("whatsapp", 350), "sms": Double("sms", 250), "email": Double("email", 0)}
    for channel in made.values():
        register_channel(channel)
    yield made
    for name in made:
        unregister_channel(name)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def invited(app, name="Ni Made Invited", email="invited@example.test", phone=None, tenant_id=None):  # noqa: ANN001, ANN201
    """A new invited account and its first invitation: (user id, Issued)."""
    from desacerdas.models import Tenant

    with app.test_request_context():
        tenant = db.session.get(Tenant, tenant_id) if tenant_id else None
        user = invitations.create_invited_user(name, email=email, phone=phone, actor=None)
        issued = invitations.invite(user, tenant=tenant, actor=None)
        db.session.commit()
        return user.id, issued


def user_row(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user
