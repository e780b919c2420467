"""A live server for the browser lane: the app served by werkzeug in a background thread.

It is a separate app (CSRF on and Indonesian by default, as in production) on the migrated test
database, so the users and villages the fixtures create are the ones the browser sees.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(pytestconfig, db_urls, tmp_path_factory, _migrated) -> Iterator[str]:
    root = (Path(__file__).resolve().parent.parent / "conftest.py").as_posix()
    make_app = pytestconfig.pluginmanager.get_plugin(root).make_app
    # As in production: CSRF on, Indonesian by default, any host name (127.0.0.1:<port>).
    app = make_app(
        db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True, SERVER_NAME=None, BABEL_DEFAULT_LOCALE="id"
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free port
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - a Playwright Browser
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):  # CI installs it: a missing browser there is a failure, not a skip
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
