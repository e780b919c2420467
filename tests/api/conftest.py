"""API test helpers: personal API tokens and request headers.

Tokens are made through the service inside a short app context that is closed before the test
client runs: a request must never reuse a test's database session.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest


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
