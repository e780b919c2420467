"""The invitation service: one-time, expiring, replaced by a newer one, stored hashed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desacerdas.auth.passwords import verify_secret
from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Invitation, User
from desacerdas.services import ServiceError, invitations

from .conftest import invited, token_of

NEW_PASSWORD = "a-fresh-password-42"


def test_invited_account_has_no_usable_password_and_link_is_stored_hashed(app):
    user_id, issued = invited(app)
    token = token_of(issued.url)
    assert issued.url.startswith("http") and "/invitation/" in issued.url
    assert issued.qr_svg.startswith("<svg") and "<path" in issued.qr_svg and len(issued.qr_svg) < 6000
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not invitations.has_usable_password(user)
        assert not verify_secret(user.password_hash, "")
        row = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.token_hash
        assert invitations.state_for([user_id]) == {user_id: "pending"}


def test_accept_sets_password_once(app, client):
    user_id, issued = invited(app)
    token = token_of(issued.url)
    with app.test_request_context():
        user = invitations.accept(token, NEW_PASSWORD)
        assert user.id == user_id and invitations.has_usable_password(user)
        assert verify_secret(user.password_hash, NEW_PASSWORD)
        assert invitations.state_for([user_id]) == {user_id: "accepted"}
        with pytest.raises(ServiceError) as used:
            invitations.accept(token, "another-password-99")
        assert used.value.code == "invitation_used"
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"user:{user_id}"))
        assert {"user.created", "invitation.created", "invitation.accepted"} <= set(actions)


def test_wrong_token_and_weak_password(app):
    user_id, issued = invited(app)
    with app.test_request_context():
        with pytest.raises(ServiceError) as unknown:
            invitations.accept("not-a-real-token", NEW_PASSWORD)
        assert unknown.value.code == "invitation_unknown" and unknown.value.status == 404
        with pytest.raises(ServiceError) as weak:
            invitations.accept(token_of(issued.url), "123")
        assert weak.value.code == "weak_password"
        assert invitations.state_for([user_id]) == {user_id: "pending"}  # a refused try uses nothing


def test_expired_link(app):
    user_id, issued = invited(app)
    with app.app_context():
        row = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        assert invitations.state_for([user_id]) == {user_id: "expired"}
    with app.test_request_context(), pytest.raises(ServiceError) as expired:
        invitations.accept(token_of(issued.url), NEW_PASSWORD)
    assert expired.value.code == "invitation_expired"


def test_max_age_setting(app):
    app.config["INVITATION_MAX_AGE"] = 3600
    try:
        user_id, _issued = invited(app)
    finally:
        app.config["INVITATION_MAX_AGE"] = 7 * 24 * 3600
    with app.app_context():
        row = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        left = row.expires_at.replace(tzinfo=UTC) - datetime.now(UTC)
        assert timedelta(minutes=55) < left <= timedelta(hours=1)


def test_a_new_invitation_ends_the_pending_ones(app):
    user_id, first = invited(app)
    with app.test_request_context():
        user = db.session.get(User, user_id)
        second = invitations.invite(user, tenant=None, actor=None)
        db.session.commit()
        assert second.url != first.url
        with pytest.raises(ServiceError) as replaced:
            invitations.accept(token_of(first.url), NEW_PASSWORD)
        assert replaced.value.code == "invitation_replaced"
        assert invitations.state_for([user_id]) == {user_id: "pending"}
        invitations.accept(token_of(second.url), NEW_PASSWORD)
        assert invitations.state_for([user_id]) == {user_id: "accepted"}


def test_no_invitation_for_an_account_with_a_password(app, make_user, menanga):
    person = make_user("operator", menanga)
    with app.test_request_context():
        user = db.session.get(User, person.id)
        with pytest.raises(ServiceError) as refused:
            invitations.invite(user, tenant=None, actor=None)
        assert refused.value.code == "already_active" and refused.value.status == 409
        assert invitations.state_for([person.id]) == {}


def test_suspended_account_cannot_accept(app):
    user_id, issued = invited(app)
    with app.test_request_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
        with pytest.raises(ServiceError) as inactive:
            invitations.accept(token_of(issued.url), NEW_PASSWORD)
        assert inactive.value.code == "account_inactive"


def test_withdraw_ends_pending(app):
    user_id, issued = invited(app)
    with app.test_request_context():
        assert invitations.withdraw(db.session.get(User, user_id), actor=None) == 1
        db.session.commit()
        assert invitations.state_for([user_id]) == {user_id: "expired"}
        with pytest.raises(ServiceError):
            invitations.accept(token_of(issued.url), NEW_PASSWORD)


def test_public_url_is_used_for_the_link(app):
    app.config["PUBLIC_URL"] = "https://desa.example.id/"
    try:
        _user_id, issued = invited(app)
    finally:
        app.config["PUBLIC_URL"] = None
    assert issued.url.startswith("https://desa.example.id/invitation/")


def test_link_stops_working_once_the_person_chose_a_password_another_way(app, client):
    user_id, issued = invited(app)
    with app.test_request_context():
        from desacerdas.services import auth

        user = db.session.get(User, user_id)
        token = auth.make_reset_token(user)
        auth.reset_password(token, NEW_PASSWORD)  # "forgot password" to the account's own e-mail
        assert invitations.state_for([user_id]) == {user_id: "accepted"}
        with pytest.raises(ServiceError) as used:
            invitations.accept(token_of(issued.url), "someone-elses-password")
        assert used.value.code == "invitation_used"
        assert verify_secret(db.session.get(User, user_id).password_hash, NEW_PASSWORD)
