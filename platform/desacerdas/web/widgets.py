"""Form widgets for long menus: the regencies of the country are 514 options.

wtforms writes each ``<option>`` through ``html_params`` (sorting, escaping and formatting every
attribute) and a ``Markup`` of its own: about 0.1 ms an option here, so the regency menu of a
national platform would cost 50 ms a page. :class:`LeanSelect` writes a plain option (a value, a
label, perhaps ``selected``) with one escape per string, to the same HTML; an option with extra
attributes still goes through wtforms.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.widgets import Select


class LeanSelect(Select):
    """wtforms' ``Select``, each plain option written by one f-string (same HTML)."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        value = choice.value
        if kwargs or choice.render_kw or isinstance(value, bool) or value is None:
            return super().render_option(choice, **kwargs)
        label = choice.label or value
        chosen = "selected " if choice.selected else ""
        return Markup(f'<option {chosen}value="{escape(value)}">{escape(label)}</option>')  # noqa: S704 - both escaped


class MenuField(SelectField):
    """A ``SelectField`` drawn by :class:`LeanSelect`: for menus that grow with the platform."""

    widget = LeanSelect()
