"""Background jobs on Celery: a job is a row the village can see (docs/jobs.md)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the Celery app, the job pages and API into ``app``."""
