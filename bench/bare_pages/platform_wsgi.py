"""The platform app of a page benchmark, for gunicorn: its config from ``BENCH_CONFIG`` (a
``config.json`` written by ``platform_setup.build``)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bare_pages.platform_setup import create_app  # noqa: E402

app = (
    create_app(json.loads(Path(os.environ["BENCH_CONFIG"]).read_text()))
    if "BENCH_CONFIG" in os.environ
    else None
)
