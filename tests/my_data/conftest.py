"""Fixtures for the resident's own data download: the letter villages of ``sg_letter_services``.

Until the coordinator adds ``my_data`` to ``desacerdas/village/__init__.py`` (requests-H8.md), the
module is imported here, before the session's app is created, so its routes exist.
"""

from __future__ import annotations

from sg_letter_services.conftest import _generous_verify_limit, as_user, lv, lv_b  # noqa: F401

import desacerdas.village.my_data  # noqa: F401 - registers /me and /me/data on the village blueprint
