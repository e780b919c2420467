"""Small things every page module of the pillar uses (registry, letters, accounts)."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from desacerdas.extensions import db
from desacerdas.models import Hamlet
from desacerdas.services.documents import NewFile


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
