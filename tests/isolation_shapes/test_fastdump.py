"""List responses dumped by a compiled function give exactly what marshmallow gives.

(Here beside the isolation-shape tests: both are H2's per-request savings of issue 12.)
"""

from __future__ import annotations

import datetime as dt
import json
import types
import uuid

import marshmallow as ma
import pytest
from flask_smorest.pagination import PaginationMixin
from marshmallow import fields
from smart_government.registry.api import EventSchema, ResidentOutSchema
from sqlalchemy import select

from desacerdas.api.fastdump import FastDumpMixin, compile_dumper
from desacerdas.api.pagination import SchemaInstanceParser, pagination_metadata
from desacerdas.api.schemas import UtcDateTime
from desacerdas.services import personal_data
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support


def _marshmallow(schema: ma.Schema, obj, many: bool):  # noqa: ANN001, ANN202
    return ma.Schema.dump(schema, obj, many=many)


def _resident(**changes):  # noqa: ANN003, ANN202
    values = {name: f"v-{name}" for name in ResidentOutSchema().dump_fields if name not in ("nik_temporary",)}
    values.update(
        id=uuid.uuid4(),
        family_id=None,
        hamlet_id=uuid.uuid4(),
        birth_date=dt.date(1990, 5, 17),
        nik_temporary=False,
        status="living",
    )
    values.update(changes)
    return types.SimpleNamespace(**values)


class _Str(str):
    pass


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"name": None, "phone": None, "birth_date": None, "hamlet_id": None},  # masked caller
        {"name": b"bytes \xc3\xa9".decode(), "address": "Jl. Raya 1"},
        {"name": _Str("a str subclass"), "occupation": 12, "religion": b"Hindu"},
        {"nik_temporary": 1, "birth_date": dt.datetime(2001, 1, 2, 3, 4)},  # datetime in a Date
    ],
)
def test_resident_rows_as_marshmallow_dumps_them(changes):
    schema = ResidentOutSchema(many=True)
    rows = [_resident(**changes), _resident()]
    fast = schema.dump(rows)
    assert fast == _marshmallow(schema, rows, many=True)
    assert [list(r) for r in fast] == [list(r) for r in _marshmallow(schema, rows, many=True)]
    assert json.dumps(fast) == json.dumps(_marshmallow(schema, rows, many=True))


def test_missing_attribute_and_mappings_fall_back_to_marshmallow():
    schema = ResidentOutSchema()
    partial = types.SimpleNamespace(id=uuid.uuid4(), name="Only a name")
    assert schema.dump(partial) == _marshmallow(schema, partial, many=False)
    as_dict = {"id": uuid.uuid4(), "name": "Made", "status": "living"}
    assert schema.dump(as_dict) == _marshmallow(schema, as_dict, many=False)
    assert ResidentOutSchema(many=True).dump([partial, as_dict]) == _marshmallow(
        schema, [partial, as_dict], many=True
    )
    assert schema.dump(None) == _marshmallow(schema, None, many=False)


class Odd(FastDumpMixin, ma.Schema):
    renamed = fields.String(data_key="shown_as")
    through = fields.String(attribute="inner.value")
    defaulted = fields.String(dump_default="fallback")
    when = UtcDateTime()
    email = fields.Email()
    number = fields.Integer()
    computed = fields.Method("_computed")
    nested = fields.Nested(EventSchema, allow_none=True)
    secret = fields.String(load_only=True)

    def _computed(self, obj) -> str:  # noqa: ANN001
        return f"<{obj.renamed}>"


def test_data_keys_attributes_defaults_custom_and_nested_fields():
    obj = types.SimpleNamespace(
        renamed="r",
        inner=types.SimpleNamespace(value="deep"),
        when=dt.datetime(2026, 1, 1, 10, 0),  # naive: UtcDateTime adds +00:00
        email="a@b.test",
        number="7",
        nested=types.SimpleNamespace(
            id=uuid.uuid4(),
            resident_id=uuid.uuid4(),
            kind="birth",
            event_date=dt.date(2020, 1, 1),
            report_date=None,
            note=None,
            recorded_by=None,
        ),
        secret="never dumped",
    )
    schema = Odd()
    assert schema.dump(obj) == _marshmallow(schema, obj, many=False)
    assert list(schema.dump(obj)) == list(_marshmallow(schema, obj, many=False))
    assert "secret" not in schema.dump(obj) and schema.dump(obj)["defaulted"] == "fallback"
    only = Odd(only=("renamed", "number"))
    assert only.dump(obj) == {"shown_as": "r", "number": 7}


class Hooked(FastDumpMixin, ma.Schema):
    name = fields.String()

    @ma.post_dump
    def _shout(self, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        return {**data, "name": data["name"].upper()}


def test_schemas_with_hooks_are_left_to_marshmallow():
    assert compile_dumper(Hooked()) is None
    assert Hooked(many=True).dump([types.SimpleNamespace(name="x")]) == [{"name": "X"}]


@pytest.mark.parametrize("count", [0, 1, 19, 20, 21, 303])
@pytest.mark.parametrize("size", [1, 20, 100])
@pytest.mark.parametrize("page", [1, 2, 16, 17, 1_000_000_000])
def test_pagination_header_as_flask_smorest_builds_it(page, size, count):
    expected = PaginationMixin._make_pagination_metadata(page, size, count)  # noqa: SLF001
    got = pagination_metadata(page, size, count)
    assert json.dumps(got) == json.dumps(expected)


def test_schema_classes_parsed_by_one_instance(app):
    class Args(ma.Schema):
        n = fields.Integer(required=True)

    parser = SchemaInstanceParser()
    with app.test_request_context("/?n=3"):
        first = parser._get_schema(Args, None)  # noqa: SLF001
        assert parser.parse(Args, location="query") == {"n": 3}
    with app.test_request_context("/?n=4"):
        assert parser._get_schema(Args, None) is first  # noqa: SLF001
        assert parser.parse(Args, location="query") == {"n": 4}


def test_the_residents_list_answers_what_marshmallow_gives(app, client):
    """Through the API, for an operator (full data) and a regency admin (masked): same JSON."""
    from smart_government.registry.models import Resident, Sex

    village = support.make_village(app, support.MENANGA, enable=["smart_government"])
    with app.app_context(), tenant_session(village.id) as s:
        for n, name in enumerate(["Wayan Sudarsana", "Ni Made Ayu", "Ketut Ár"]):
            s.add(
                Resident(
                    nik=f"510701010190000{n}",
                    name=name,
                    name_search=name.lower().replace("á", "a"),
                    birth_date=dt.date(1990, 1, 1 + n),
                    sex=Sex.MALE if n % 2 else Sex.FEMALE,
                    address=f"Banjar {n}",
                )
            )
        s.commit()
    path = f"/api/v1/desa/{village.slug}/smart_government/residents?page_size=2"
    for role, masking in (("operator", False), ("regency_admin", True)):
        person = support.make_user(app, role, village)
        resp = client.get(path, headers=support.api_headers(app, person))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        with app.app_context(), tenant_session(village.id) as s:
            rows = s.scalars(select(Resident).order_by(Resident.name_search).limit(2)).all()
            seen = [personal_data.masked(r) for r in rows] if masking else rows
            expected = _marshmallow(ResidentOutSchema(), seen, many=True)
        assert resp.json == expected
        assert json.loads(resp.headers["X-Pagination"]) == {
            "total": 3,
            "total_pages": 2,
            "first_page": 1,
            "last_page": 2,
            "page": 1,
            "next_page": 2,
        }
        assert (resp.json[0]["birth_date"] is None) == masking
