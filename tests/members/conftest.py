"""Members page and API helpers: bearer headers, the API's error shape, hamlets, a signed-in client."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from desacerdas.extensions import db
from desacerdas.models import User


@pytest.fixture
def api_error() -> Callable[..., dict]:
    """``api_error(resp, 404, "not_found")``: the one JSON error shape; returns its body."""

    def _check(resp, status: int, code: str | None = None) -> dict:  # noqa: ANN001
        assert resp.status_code == status, resp.get_data(as_text=True)[:500]
        body = resp.get_json()["error"]
        assert isinstance(body["message"], str) and body["message"]
        if code is not None:
            assert body["code"] == code, body
        return body

    return _check


@pytest.fixture
def user_row(app) -> Callable[[int], User]:
    """A detached copy of a user's row, read fresh."""

    def _get(user_id: int) -> User:
        with app.app_context():
            user = db.session.get(User, user_id)
            db.session.expunge(user)
            return user

    return _get
