"""The Celery app of a Flask app, and :func:`task`: how the core and plugins declare worker tasks.

``init_app`` builds ``celery.Celery`` from ``BROKER_URL`` (``filesystem://FOLDER`` by default: message
files in a folder of the instance, so a laptop needs no server) and keeps it as
``app.extensions["celery"]``. Every task runs inside the Flask app's context. Tasks are declared once,
with :func:`task`, and registered on every Celery app made before or after the declaration.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Celery
from flask import Flask, current_app, has_app_context

_TASKS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
_APPS: weakref.WeakSet[Celery] = weakref.WeakSet()


def is_filesystem(url: str) -> bool:
    return url.startswith("filesystem://")


def filesystem_folder(url: str) -> Path:
    """The folder of a ``filesystem://PATH`` broker URL (``filesystem:///srv/desa/broker``)."""
    return Path(url[len("filesystem://") :] or ".").resolve()


def _broker_options(url: str) -> dict[str, Any]:
    if is_filesystem(url):
        folder = filesystem_folder(url)
        queue, processed = folder / "queue", folder / "processed"
        queue.mkdir(parents=True, exist_ok=True)
        processed.mkdir(parents=True, exist_ok=True)
        return {
            "broker_url": "filesystem://",
            "broker_transport_options": {
                "data_folder_in": str(queue),
                "data_folder_out": str(queue),
                "processed_folder": str(processed),
                "control_folder": str(folder / "control"),  # kombu's default is the working directory
                "store_processed": False,
            },
        }
    options: dict[str, Any] = {"broker_url": url}
    if url.startswith(("redis://", "rediss://")):
        # A message not acknowledged this long goes back to the queue: longer than any job runs.
        options["broker_transport_options"] = {"visibility_timeout": 6 * 3600}
    return options


def make_celery(app: Flask) -> Celery:
    url = str(app.config.get("BROKER_URL") or "memory://")
    celery = Celery(app.import_name, set_as_current=False)
    celery.conf.update(
        _broker_options(url),
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_always_eager=bool(app.config.get("JOBS_EAGER")),
        task_eager_propagates=True,
        broker_connection_timeout=3,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_enable_remote_control=not is_filesystem(url),
        timezone="UTC",
        enable_utc=True,
        beat_schedule_filename=str(Path(app.instance_path) / "celerybeat-schedule"),
    )
    celery.flask_app = app  # type: ignore[attr-defined]
    for name, (fn, options) in _TASKS.items():
        _register(celery, name, fn, options)
    _APPS.add(celery)
    return celery


def _register(celery: Celery, name: str, fn: Callable[..., Any], options: dict[str, Any]) -> None:
    flask_app: Flask = celery.flask_app  # type: ignore[attr-defined]

    def run(*args: Any, **kwargs: Any) -> Any:
        if has_app_context() and current_app._get_current_object() is flask_app:  # noqa: SLF001
            return fn(*args, **kwargs)
        with flask_app.app_context():
            return fn(*args, **kwargs)

    run.__name__ = getattr(fn, "__name__", "task")
    run.__doc__ = fn.__doc__
    celery.task(name=name, shared=False, **options)(run)


class TaskRef:
    """What :func:`task` returns: call it to run the function here, ``delay()`` to queue it."""

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name = name
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def delay(self, *args: Any, **kwargs: Any) -> Any:
        return self.apply_async(args, kwargs)

    def apply_async(self, args: tuple | list = (), kwargs: dict | None = None, **options: Any) -> Any:
        """Queue the task on the current app's broker (runs at once with ``JOBS_EAGER``).
        Raises the broker's error when it cannot be reached (callers decide what that means)."""
        celery = celery_of(current_app)
        options.setdefault("retry", False)
        return celery.tasks[self.name].apply_async(list(args), kwargs or {}, **options)


def task(name: str, **options: Any) -> Callable[[Callable[..., Any]], TaskRef]:
    """Declare ``fn`` as the worker task ``name`` (``desa.notifications.deliver``), run in the app
    context. ``options`` go to Celery (``max_retries``, ``acks_late`` …). JSON arguments only."""

    def register(fn: Callable[..., Any]) -> TaskRef:
        _TASKS[name] = (fn, options)
        for celery in list(_APPS):
            _register(celery, name, fn, options)
        return TaskRef(name, fn)

    return register


def celery_of(app: Flask) -> Celery:
    return app.extensions["celery"]


def send(name: str, *args: Any, **kwargs: Any) -> Any:
    """Queue the declared task ``name`` with these arguments on the current app's broker."""
    return celery_of(current_app).tasks[name].apply_async(list(args), kwargs, retry=False)


def init_app(app: Flask) -> Celery:
    celery = make_celery(app)
    app.extensions["celery"] = celery
    from . import schedule

    schedule.apply(celery)
    return celery


def broker_state(app: Flask) -> str:
    """``ok`` or ``unreachable``: whether a job submitted now could be handed to the broker."""
    url = str(app.config.get("BROKER_URL") or "memory://")
    if url.startswith("memory://"):
        return "ok"
    if is_filesystem(url):
        queue = filesystem_folder(url) / "queue"
        return "ok" if queue.is_dir() and os.access(queue, os.W_OK | os.X_OK) else "unreachable"
    try:
        with celery_of(app).connection_for_write() as conn:
            conn.connect()
    except Exception as exc:  # noqa: BLE001 - refused, timed out, bad credentials: not usable
        app.logger.warning("readyz: broker unreachable: %s", exc)
        return "unreachable"
    return "ok"
