"""API test helpers: personal API tokens and request headers.

Tokens are made through the service inside a short app context that is closed before the test
client runs: a request must never reuse a test's database session.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from desacerdas.extensions import db
from desacerdas.models import Hamlet, User
from desacerdas.services import auth as auth_service
from desacerdas.tenancy import tenant_session


@pytest.fixture
def token_for(app) -> Callable[..., str]:
    def _token(person, days: int | None = None, name: str = "test") -> str:  # noqa: ANN001
        with app.app_context():
            user = db.session.get(User, person.id)
            _token, plain = auth_service.create_api_token(user, name, days)
            return plain

    return _token


@pytest.fixture
def auth(token_for) -> Callable[..., dict[str, str]]:
    """``auth(person)`` → headers with a fresh bearer token of that person."""

    def _headers(person) -> dict[str, str]:  # noqa: ANN001
        return {"Authorization": f"Bearer {token_for(person)}"}

    return _headers


@pytest.fixture
def add_hamlets(app) -> Callable[..., list[str]]:
    """Create hamlets in a village directly; returns their ids as strings."""

    def _add(village, *names: str) -> list[str]:  # noqa: ANN001
        with app.app_context(), tenant_session(village.id) as s:
            hamlets = [Hamlet(name=n) for n in names]
            s.add_all(hamlets)
            s.commit()
            return [str(h.id) for h in hamlets]

    return _add


@pytest.fixture
def admin(make_user):
    return make_user("platform_admin")


def _assert_error(resp, status: int, code: str | None = None) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.is_json, resp.get_data(as_text=True)[:200]
    body = resp.get_json()["error"]
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def api_error() -> Callable[..., dict]:
    """``api_error(resp, 404, "not_found")``: the response is the one JSON error shape; returns its body."""
    return _assert_error
