"""Screenshots of the browser tests: under the test's own temporary folder, or in
``DESA_SCREENSHOT_DIR`` when a person wants to look at them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    chosen = os.environ.get("DESA_SCREENSHOT_DIR")
    if not chosen:
        return tmp_path
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
