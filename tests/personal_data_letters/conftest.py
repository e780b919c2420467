"""The letters village of ``tests/sg_letter_services`` (same fixtures), for the masking tests."""

from __future__ import annotations

from sg_letter_services.conftest import _generous_verify_limit, as_user, lv, lv_b  # noqa: F401
