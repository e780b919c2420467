"""Optional ``<slug>.<base domain>`` hosts, rewritten to ``/desa/<slug>/…`` before routing."""

from __future__ import annotations

from flask import Flask


class SubdomainTenantMiddleware:
    def __init__(self, wsgi_app, base_domain: str) -> None:  # noqa: ANN001
        self.wsgi_app = wsgi_app
        self.suffix = "." + base_domain.lower().lstrip(".")

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        host = (environ.get("HTTP_HOST") or "").split(":")[0].lower()
        if host.endswith(self.suffix):
            slug = host[: -len(self.suffix)]
            if slug and "." not in slug and slug != "www":
                path = environ.get("PATH_INFO") or "/"
                if path.startswith("/api/v1/") and not path.startswith("/api/v1/desa/"):
                    environ["PATH_INFO"] = f"/api/v1/desa/{slug}/" + path[len("/api/v1/") :]
                elif not path.startswith(("/static/", "/desa/", "/api/", "/auth/")):
                    environ["PATH_INFO"] = f"/desa/{slug}" + path
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    base = app.config.get("BASE_DOMAIN")
    if base:
        app.wsgi_app = SubdomainTenantMiddleware(app.wsgi_app, base)
