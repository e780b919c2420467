"""A test double channel (registered like any provider) and people with verified contacts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from desacerdas.extensions import db
from desacerdas.models import User
from desacerdas.models.notification import (
    ConsentHow,
    NotificationChannel,
    UserContact,
)
from desacerdas.notifications import NotificationKind, kinds, register_kind
from desacerdas.notifications.channels import register_channel, unregister_channel
from desacerdas.notifications.channels.base import OutgoingMessage, SendResult


class Double:
    """A channel that records what it was asked to send and answers as the test tells it:
    ``outcomes`` is a list of exceptions (raised) or None (accepted), used up in order; when it
    is empty every send is accepted."""

    def __init__(self, name: str, cost: int) -> None:
        self.name = name
        self.cost = cost
        self.sent: list[OutgoingMessage] = []
        self.outcomes: list[BaseException | None] = []
        self.always: BaseException | None = None
        self.is_configured = True

    def configured(self, config: Mapping) -> bool:
        return self.is_configured

    def send(self, message: OutgoingMessage, config: Mapping) -> SendResult:
        self.sent.append(message)
        outcome = self.outcomes.pop(0) if self.outcomes else self.always
        if outcome is not None:
            raise outcome
        return SendResult(f"{self.name}-{len(self.sent)}", self.cost)


@pytest.fixture
def doubles():
    made = {"whatsapp": Double("whatsapp", 350), "sms": Double("sms", 250), "email": Double("email", 0)}
    for channel in made.values():
        register_channel(channel)
    yield made
    for name in made:
        unregister_channel(name)


def add_contact(app, person, channel: str, address: str, *, verified=True, opted_in=True, preferred=False):  # noqa: ANN001
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add(
            UserContact(
                user_id=person.id,
                channel=NotificationChannel(channel),
                address=address,
                verified_at=now if verified else None,
                opted_in_at=now if opted_in else None,
                opt_in_how=ConsentHow.WEB if opted_in else None,
                preferred=preferred,
            )
        )
        db.session.commit()


@pytest.fixture
def resident(app, menanga, make_user):
    """A resident of Menanga with a verified, opted-in WhatsApp number and SMS."""
    person = make_user("resident", menanga)
    add_contact(app, person, "whatsapp", "6281200000001")
    add_contact(app, person, "sms", "6281200000001")
    return person


def user(session, person) -> User:  # noqa: ANN001
    return session.get(User, person.id)


LETTER_READY = NotificationKind(
    key="test.letter_ready",
    title="Letter ready",
    audience="resident",
    channels=("whatsapp", "sms"),
    templates={
        "id": {
            "subject": "Surat {{ number }} siap",
            "body": "Surat {{ number }} Anda sudah ditandatangani {{ terms.village_head }}.",
            "sms": "Surat {{ number }} siap diambil.",
        },
        "en": {"subject": "Letter {{ number }} ready", "body": "Your letter {{ number }} is ready."},
    },
    whatsapp_template="desa_letter_ready",
    whatsapp_params=("number",),
    sample={"number": "470/1"},
)


@pytest.fixture(autouse=True, scope="package")
def _letter_ready_kind():  # noqa: ANN202
    """The test kind exists only while this folder's tests run: a page walked later in the same
    session must not list it (its title is English only)."""
    register_kind(LETTER_READY)
    yield
    kinds._core.pop(LETTER_READY.key, None)
