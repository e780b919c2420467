"""Small things every page module of the pillar uses (registry, letters, accounts)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from desacerdas.extensions import db
from desacerdas.models import Hamlet
from desacerdas.services.documents import NewFile

F = TypeVar("F", bound=Callable[..., Any])


class Routes:
    """The routes of one page module, recorded by its decorators and put on a blueprint by
    :meth:`register`: importing a page module mounts nothing, ``plugin.py`` says where each
    feature's blueprint goes."""

    def __init__(self) -> None:
        self._rules: list[tuple[str, Callable[..., Any], dict[str, Any]]] = []
        self._context: list[Callable[[], dict[str, Any]]] = []

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Like ``Blueprint.route``; the view keeps its name as the endpoint unless given one."""

        def decorator(view: F) -> F:
            self._rules.append((rule, view, options))
            return view

        return decorator

    def context_processor(self, function: F) -> F:
        self._context.append(function)
        return function

    def register(self, bp: Blueprint) -> None:
        for rule, view, options in self._rules:
            options = dict(options)
            bp.add_url_rule(rule, options.pop("endpoint", None), view, **options)
        for function in self._context:
            bp.context_processor(function)


class ConfirmForm(FlaskForm):
    """A button that changes something: the CSRF token and nothing else."""


def hamlets(scope: uuid.UUID | None = None) -> list[Hamlet]:
    """The village's hamlets by name (only ``scope`` for a hamlet head)."""
    stmt = select(Hamlet).order_by(Hamlet.name)
    if scope is not None:
        stmt = stmt.where(Hamlet.id == scope)
    return list(db.session.scalars(stmt))


def hamlet_names() -> dict[uuid.UUID, str]:
    return {h.id: h.name for h in hamlets()}


def uploaded(item: FileStorage | None) -> NewFile | None:
    """A file a browser or an app sent, or None when the field was left empty."""
    return NewFile(item.stream, item.filename) if item and item.filename else None
