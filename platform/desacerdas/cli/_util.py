"""Small helpers shared by the CLI commands."""

from __future__ import annotations

import functools
from collections.abc import Callable

import click

from ..services import ServiceError


def service_errors(fn: Callable) -> Callable:
    """Turn a refused request into a clear message and exit code 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper
