"""Load-time checks: a plugin whose models could leak data between villages is refused."""

from __future__ import annotations

from ..tenancy.contract import model_violations
from .manager import PluginRefused


def check_models(plugin: str, models: list[type]) -> None:
    problems = [p for model in models for p in model_violations(model)]
    if problems:
        raise PluginRefused(f"plugin {plugin} refused: " + "; ".join(problems))
