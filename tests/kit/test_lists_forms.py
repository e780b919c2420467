"""The kit's form helper (``desacerdas.kit.forms.handle``) through a tiny view: GET, an invalid POST,
a refused POST (field errors from ``fields``, a message on a named field, a form-level message, the
error's status kept), and a success that commits and redirects; a refusal rolls back."""

from __future__ import annotations

import pytest
from flask import Blueprint, redirect
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired

from desacerdas.extensions import db
from desacerdas.kit.forms import handle
from desacerdas.models import Tenant
from desacerdas.services import ServiceError

TEMPLATE = """{% from "_forms.html" import field %}
{% if form_error %}<p class="flash error" role="alert">{{ form_error }}</p>{% endif %}
<form method="post">{{ field(form.name) }}{{ field(form.code) }}</form><p>{{ note }}</p>"""


class Invalid(ServiceError):
    """Like letters' InvalidRequest: one message per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("Some fields are not valid.", "invalid_request", 400)
        self.fields = fields


class NameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Required.")])
    code = StringField("Code")


def rename(slug: str, name: str, code: str) -> Tenant:
    """A stand-in service: renames a village, then refuses according to ``code`` (after writing,
    so a refusal must be rolled back)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    tenant.name = name
    db.session.flush()
    if code == "taken":
        raise ServiceError("That code is taken.", "duplicate_code", 409)
    if code == "fields":
        raise Invalid({"code": "Code must be digits.", "colour": "Unknown colour."})
    if code == "other":
        raise ServiceError("The village is closed today.", "closed", 403)
    return tenant


@pytest.fixture(scope="module")
def fapp(db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    templates = tmp_path_factory.mktemp("kit-form-templates")
    (templates / "kit_form.html").write_text(TEMPLATE, encoding="utf-8")
    app = make_app(db_urls, tmp_path_factory)
    bp = Blueprint("kit_form", __name__, template_folder=str(templates))

    @bp.route("/kit-form/<slug>", methods=["GET", "POST"])
    def edit(slug: str):  # noqa: ANN202
        form = NameForm()
        return handle(
            form,
            lambda: rename(slug, form.name.data, form.code.data or ""),
            template="kit_form.html",
            on_success=lambda tenant: redirect(f"/done/{tenant.slug}"),
            field={"duplicate_code": "code"},
            refresh=lambda: {"note": db.session.scalar(select(Tenant.name).where(Tenant.slug == slug))},
        )

    app.register_blueprint(bp)
    return app


def _name(fapp, slug: str) -> str:  # noqa: ANN001
    with fapp.app_context():
        return db.session.scalar(select(Tenant.name).where(Tenant.slug == slug))


def test_get_invalid_and_success(fapp, menanga):
    client = fapp.test_client()
    assert client.get(f"/kit-form/{menanga.slug}").status_code == 200
    invalid = client.post(f"/kit-form/{menanga.slug}", data={"name": ""})
    assert invalid.status_code == 400 and "Required." in invalid.get_data(as_text=True)
    done = client.post(f"/kit-form/{menanga.slug}", data={"name": "Menanga Baru"})
    assert done.status_code == 302 and done.headers["Location"] == f"/done/{menanga.slug}"
    assert _name(fapp, menanga.slug) == "Menanga Baru"


def test_refusal_on_a_named_field_keeps_the_status_and_rolls_back(fapp, menanga):
    resp = fapp.test_client().post(f"/kit-form/{menanga.slug}", data={"name": "X", "code": "taken"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert '<span class="error" id="code-err">That code is taken.</span>' in html
    assert 'role="alert"' not in html  # on the field, not above the form
    assert _name(fapp, menanga.slug) == "Menanga" and "<p>Menanga</p>" in html  # rolled back, read again


def test_fields_of_the_error_go_on_their_fields_the_rest_above(fapp, menanga):
    resp = fapp.test_client().post(f"/kit-form/{menanga.slug}", data={"name": "X", "code": "fields"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Code must be digits." in html and 'id="code-err"' in html
    assert '<p class="flash error" role="alert">colour: Unknown colour.</p>' in html


def test_other_refusal_is_a_form_level_message(fapp, menanga):
    resp = fapp.test_client().post(f"/kit-form/{menanga.slug}", data={"name": "X", "code": "other"})
    assert resp.status_code == 403
    assert '<p class="flash error" role="alert">The village is closed today.</p>' in resp.get_data(
        as_text=True
    )
    assert _name(fapp, menanga.slug) == "Menanga"
