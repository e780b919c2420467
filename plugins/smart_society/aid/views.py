"""Social-aid pages (``/desa/<slug>/smart_society/aid…``)."""

from __future__ import annotations

from flask import Blueprint


def blueprint() -> Blueprint:
    bp = Blueprint("aid", __name__, template_folder="templates")
    return bp
