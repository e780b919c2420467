"""The registry API's response schema says what a masked caller (regency admin, facilitator
without a reason) gets: the hidden fields null. The body of a create or change still requires a
birth date and refuses null.

Failed before the fix: one ``Resident`` schema for both, with ``birth_date`` required and not
nullable, while the masked answer sends ``birth_date: null``."""

from __future__ import annotations

from sg_resident_accounts.conftest import WAYAN

from desacerdas.testing.support import api_headers

RESIDENT = "/api/v1/desa/{slug}/smart_government/residents/{resident_id}"
RESIDENTS = "/api/v1/desa/{slug}/smart_government/residents"
FAMILY = "/api/v1/desa/{slug}/smart_government/families/{family_id}"


def _schema(spec: dict, ref_or_schema: dict) -> dict:
    if "items" in ref_or_schema:
        ref_or_schema = ref_or_schema["items"]
    if "$ref" in ref_or_schema:
        return spec["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


def _response_schema(spec: dict, path: str, method: str, status: str) -> dict:
    content = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    return _schema(spec, content["schema"])


def _request_schema(spec: dict, path: str, method: str) -> dict:
    content = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
    return _schema(spec, content["schema"])


def _honest(schema: dict, body: dict) -> list[str]:
    """The fields of ``body`` that are null although the schema does not allow it."""
    props = schema["properties"]
    return [k for k, v in body.items() if v is None and not props.get(k, {}).get("nullable")]


def test_response_schemas_allow_the_masked_nulls_and_the_body_does_not(client):  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method, status in [
        (RESIDENT, "get", "200"),
        (RESIDENT, "patch", "200"),
        (RESIDENTS, "get", "200"),
        (RESIDENTS, "post", "201"),
    ]:
        out = _response_schema(spec, path, method, status)
        for name in ("birth_date", "birth_place", "address", "phone", "nik"):
            assert out["properties"][name].get("nullable") is True, (path, method, name)
    body = _request_schema(spec, RESIDENTS, "post")
    assert "birth_date" in body["required"] and not body["properties"]["birth_date"].get("nullable")
    changes = _request_schema(spec, RESIDENT, "patch")
    assert not changes["properties"]["birth_date"].get("nullable")
    members = _response_schema(spec, FAMILY, "get", "200")["properties"]["members"]["items"]
    assert _schema(spec, members)["properties"]["birth_date"]["nullable"] is True


def test_masked_answers_match_the_documented_schema(va, app, client, make_user, menanga):  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").get_json()
    token = api_headers(app, make_user("facilitator", menanga))
    one = client.get(va.api(f"residents/{va.residents['wayan']}"), headers=token)
    assert one.status_code == 200
    body = one.get_json()
    assert body["birth_date"] is None and body["nik"] != WAYAN and body["nik"].endswith(WAYAN[-4:])
    assert _honest(_response_schema(spec, RESIDENT, "get", "200"), body) == []
    listed = client.get(va.api("residents"), headers=token).get_json()
    assert listed and all(r["birth_date"] is None for r in listed)
    schema = _response_schema(spec, RESIDENTS, "get", "200")
    assert [k for r in listed for k in _honest(schema, r)] == []
    family = client.get(va.api(f"families/{body['family_id']}"), headers=token).get_json()
    members_schema = _schema(spec, _response_schema(spec, FAMILY, "get", "200")["properties"]["members"])
    assert family["members"] and [k for m in family["members"] for k in _honest(members_schema, m)] == []


def test_null_birth_date_is_still_refused_on_create_and_change(va, app, client, make_user, menanga):  # noqa: ANN001
    token = api_headers(app, make_user("operator", menanga))
    new = {"name": "I Nyoman Baru", "birth_date": None, "sex": "male"}
    created = client.post(va.api("residents"), json=new, headers=token)
    assert created.status_code == 422 and "birth_date" in str(created.get_json())
    changed = client.patch(
        va.api(f"residents/{va.residents['wayan']}"), json={"birth_date": None}, headers=token
    )
    assert changed.status_code == 422
    ok = client.post(va.api("residents"), json={**new, "birth_date": "2001-02-03"}, headers=token)
    assert ok.status_code == 201 and ok.get_json()["birth_date"] == "2001-02-03"
