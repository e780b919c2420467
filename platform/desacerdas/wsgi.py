"""WSGI entry point for gunicorn: ``desacerdas.wsgi:app``."""

from .app import create_app

app = create_app()
