"""Per-request cost of tenant resolution, plugin gating and hook dispatch.

Serves the same village page (and a plugin page) through the Flask test client, in-process, in
three set-ups: no plugins at all; the six built-in pillars; the six plus 20 dummy plugins, every one
enabled in the village. Prints the median and p95 per request and the overhead against the first.

    .venv/bin/python bench/request_overhead.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask import Blueprint

from desacerdas import hookimpl
from desacerdas.plugin_system.types import NavEntry, PluginBlueprints, PluginInfo, ReadinessCheck


class Dummy:
    """A plugin that implements the per-request hooks (navigation) and has one page."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bp = Blueprint(name, __name__)
        self.bp.add_url_rule("/", "index", lambda: "ok")

    @hookimpl
    def desa_plugin_info(self) -> PluginInfo:
        return PluginInfo(self.name, self.name, self.name, None, "1.0")

    @hookimpl
    def desa_blueprints(self, app) -> PluginBlueprints:  # noqa: ANN001
        return PluginBlueprints(pages=self.bp)

    @hookimpl
    def desa_navigation(self, tenant, user) -> list[NavEntry]:  # noqa: ANN001
        return [NavEntry(self.name, f"{self.name}.index")]

    @hookimpl
    def desa_readiness_checks(self, tenant, session) -> list[ReadinessCheck]:  # noqa: ANN001
        return []


def build(label: str, discover: bool, dummies: int, root: Path):  # noqa: ANN201
    from flask_migrate import upgrade

    from desacerdas.app import create_app
    from desacerdas.services import rollout, tenants

    instance = root / label
    extra = {f"dummy_{i:02d}": Dummy(f"dummy_{i:02d}") for i in range(dummies)}
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db",
            "INSTANCE_PATH": str(instance),
            "DISCOVER_PLUGINS": discover,
            "EXTRA_PLUGINS": extra,
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )
    with app.app_context():
        upgrade(revision="core@head")
        tenant = tenants.create_tenant("51.07.01.2003")
        for name in app.extensions["desa_plugins"].working():
            rollout.install(name)
            if name not in rollout.enabled_for(tenant.id):
                rollout.enable(tenant, name, override_reason="benchmark")
        enabled = len(rollout.enabled_for(tenant.id))
    return app, enabled


def measure(app, path: str, n: int) -> list[float]:  # noqa: ANN001
    client = app.test_client()
    for _ in range(50):  # warm caches
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="desa-bench-"))
    setups = [("no plugins", False, 0), ("6 built-in", True, 0), ("6 built-in + 20 dummies", True, 20)]
    print(f"{'setup':<26} {'enabled':>7} {'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'+p50 ms':>8}")
    baseline: dict[str, float] = {}
    for label, discover, dummies in setups:
        app, enabled = build(label.replace(" ", "_").replace("+", ""), discover, dummies, root)
        pages = {"village home": "/desa/menanga/", "healthz (no village)": "/healthz"}
        if discover:
            pages["plugin page"] = "/desa/menanga/smart_mobility/"
        for page, path in pages.items():
            times = measure(app, path, args.requests)
            p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
            base = baseline.setdefault(page, p50)
            print(f"{label:<26} {enabled:>7} {page:<22} {p50:>8.3f} {p95:>8.3f} {p50 - base:>+8.3f}")


if __name__ == "__main__":
    main()
