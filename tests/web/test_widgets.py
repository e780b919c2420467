"""The lean select widget writes exactly what wtforms writes, faster."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField

from desacerdas.web.widgets import MenuField


class _Both(FlaskForm):
    class Meta:
        csrf = False

    lean = MenuField(choices=[])
    plain = SelectField(choices=[])


CHOICES = [
    ("", "All regencies"),
    ("51.07", "Kabupaten Karangasem (51.07)"),
    ('a"b<c>&', "Tom & Jerry <script>"),
    (7, "a number"),
]


def test_lean_select_writes_the_same_html_as_wtforms(app):
    with app.test_request_context("/?lean=51.07&plain=51.07"):
        form = _Both()
        form.lean.choices = form.plain.choices = CHOICES
        form.process(formdata=None, lean="51.07", plain="51.07")
        lean = str(form.lean()).replace('id="lean" name="lean"', "X")
        plain = str(form.plain()).replace('id="plain" name="plain"', "X")
    assert lean == plain
    assert '<option selected value="51.07">Kabupaten Karangasem (51.07)</option>' in lean
    assert "&lt;script&gt;" in lean and 'value="a&#34;b&lt;c&gt;&amp;"' in lean


def test_an_option_with_its_own_attributes_goes_through_wtforms(app):
    with app.test_request_context("/"):
        form = _Both()
        form.lean.choices = [("x", "X", {"disabled": True})]
        assert '<option disabled value="x">X</option>' in str(form.lean())
