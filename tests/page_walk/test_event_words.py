"""Every audit event the code base records reads as words more specific than "Other activity"."""

from __future__ import annotations

import ast
from pathlib import Path

from desacerdas.web import labels

ROOT = Path(__file__).resolve().parents[2]


def recorded_events() -> dict[str, str]:
    """Literal event codes passed to ``audit.record(...)`` anywhere in the core and the pillars."""
    found: dict[str, str] = {}
    for path in [
        *ROOT.joinpath("platform/desacerdas").rglob("*.py"),
        *ROOT.joinpath("plugins").rglob("*.py"),
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and node.args
            ):
                continue
            first = node.args[0]
            options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            for option in options:
                if isinstance(option, ast.Constant) and isinstance(option.value, str) and "." in option.value:
                    found[option.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_recorded_event_has_its_own_words(app):
    events = recorded_events()
    assert len(events) > 40  # the scan finds them (audit.record with a literal code)
    with app.test_request_context("/?lang=id"):
        generic = {labels.event_name("nothing.at_all"), labels.event_name("smart_government.nothing_at_all")}
        vague = {code: where for code, where in events.items() if labels.event_name(code) in generic}
        raw = {code: where for code, where in events.items() if labels.event_name(code) == code}
    assert not raw, raw
    assert not vague, f"give these events words (web/labels.py or register_events): {vague}"
