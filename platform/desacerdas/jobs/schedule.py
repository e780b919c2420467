"""Periodic work for Celery beat: :func:`periodic` declares a task and how often it runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab

from . import celery_app

_SCHEDULE: dict[str, timedelta | crontab] = {}


def periodic(
    name: str, every: timedelta | crontab, **options: Any
) -> Callable[[Callable[..., Any]], celery_app.TaskRef]:
    """Declare ``fn`` (no arguments) as task ``name`` that beat queues ``every`` (a timedelta or a
    ``celery.schedules.crontab``). The function is also an ordinary task: ``ref.delay()`` queues it."""

    def register(fn: Callable[..., Any]) -> celery_app.TaskRef:
        ref = celery_app.task(name, **options)(fn)
        _SCHEDULE[name] = every
        for celery in list(celery_app._APPS):  # noqa: SLF001
            apply(celery)
        return ref

    return register


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The ``beat_schedule`` mapping of every declared periodic task."""
    return {name: {"task": name, "schedule": every} for name, every in sorted(_SCHEDULE.items())}


def apply(celery: Celery) -> None:
    celery.conf.beat_schedule = beat_schedule()
