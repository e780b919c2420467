"""The market's pages: the sellers' (``sellers``) and the public market (``market``)."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    return [Blueprint("sellers", __name__), Blueprint("market", __name__)]
