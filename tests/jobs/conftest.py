"""Fixtures of the jobs tests: the test job kinds are registered; ``staff`` makes a village's people."""

from __future__ import annotations

import pytest

from . import kinds  # noqa: F401 - registers the testing.* job kinds


@pytest.fixture
def admin(make_user, menanga):
    """The village head of Menanga: sees every job of the village."""
    return make_user("village_head", menanga)


@pytest.fixture
def operator(make_user, menanga):
    """An operator of Menanga: sees the jobs they started."""
    return make_user("operator", menanga)
