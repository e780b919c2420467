"""The letter services' API: types CRUD, requests and their moves, letters (download, revoke) and
the verification JSON; refusals (400, 403, 404 across villages and hamlets, 409)."""

from __future__ import annotations

import hashlib
import io

from desacerdas.models import Tenant, User, Visibility
from desacerdas.services import documents as docs
from desacerdas.tenancy import tenant_session

from .conftest import PNG_1PX


def stored_document(app, lv, who: str) -> str:  # noqa: ANN001
    """A KTP photo uploaded beforehand (as through the documents API), owned by ``who``."""
    with app.app_context(), tenant_session(lv.id) as s:
        owner = s.get(User, lv.people[who].id)
        document = docs.store(
            s.get(Tenant, lv.id),
            docs.NewFile(io.BytesIO(PNG_1PX), "ktp.png"),
            title="KTP",
            kind="identity",
            owner=owner,
            actor=owner,
            session=s,
            visibility=Visibility.OWNER,
        )
        return str(document.id)


def post(client, url, headers, expect, **body):  # noqa: ANN001, ANN202
    resp = client.post(url, json=body, headers=headers)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def test_api_happy_path(app, client, lv, bearer):
    wayan, kelian, head, operator = (
        bearer(lv.people[w]) for w in ("wayan", "kelian_kaja", "head", "operator")
    )
    types = client.get(lv.api("letter-types?online=true"), headers=wayan).get_json()
    assert "SKD" in {t["code"] for t in types} and "SKM" not in {t["code"] for t in types}
    ktp, kk = stored_document(app, lv, "wayan"), stored_document(app, lv, "wayan")
    created = post(
        client,
        lv.api("letter-requests"),
        wayan,
        201,
        type_id=str(lv.types["SKD"]),
        purpose="Kredit bank",
        attachments={"ktp": ktp, "kk": kk},
    )
    rid = created["id"]
    assert created["status"] == "submitted" and created["allowed_actions"] == ["cancel"]
    assert created["steps"][0]["action"] == "submitted"
    queue = client.get(lv.api("letter-requests"), headers=kelian)
    assert [r["id"] for r in queue.get_json()] == [rid] and "X-Pagination" in queue.headers
    mine = client.get(lv.api("letter-requests?mine=true"), headers=wayan).get_json()
    assert [r["id"] for r in mine] == [rid]
    assert post(client, lv.api(f"letter-requests/{rid}/verify"), kelian, 200)["status"] == "verified"
    assert post(client, lv.api(f"letter-requests/{rid}/sign"), head, 200)["signer_title_lines"] == [
        "Kepala Desa Menanga"
    ]
    issued = post(client, lv.api(f"letter-requests/{rid}/issue"), operator, 200)
    assert issued["status"] == "issued" and issued["letter_id"]
    letter = client.get(lv.api(f"letters/{issued['letter_id']}"), headers=wayan).get_json()
    assert letter["number"].startswith("SKD/001/") and letter["request_id"] == rid
    listed = client.get(lv.api("letters"), headers=operator).get_json()
    assert [x["id"] for x in listed] == [letter["id"]]
    pdf = client.get(lv.api(f"letters/{letter['id']}/download"), headers=wayan)
    assert pdf.status_code == 200 and hashlib.sha256(pdf.data).hexdigest() == letter["sha256"]
    assert client.get(lv.api(f"letters/{letter['id']}/download"), headers=operator).data == pdf.data
    check = client.get(lv.api(f"verify/{letter['token']}")).get_json()  # open without a token
    assert check["valid"] and check["resident"] == "I W**** S********" and check["sha256"] == letter["sha256"]
    post(client, lv.api(f"letters/{letter['id']}/revoke"), operator, 422)  # reason is required by the schema
    post(client, lv.api(f"letters/{letter['id']}/revoke"), kelian, 403, reason="x")
    assert post(client, lv.api(f"letters/{letter['id']}/revoke"), operator, 200, reason="Salah")["revoked_at"]
    post(client, lv.api(f"letters/{letter['id']}/revoke"), operator, 409, reason="Lagi")
    assert client.get(lv.api(f"verify/{letter['token']}"), headers=operator).get_json()["revoked"] is True


def test_api_refusals(app, client, lv, lv_b, bearer):
    wayan, kelod, head, operator = (
        bearer(lv.people[w]) for w in ("wayan", "kelian_kelod", "head", "operator")
    )
    body = {"type_id": str(lv.types["SKD"]), "purpose": "x"}
    err = post(client, lv.api("letter-requests"), wayan, 400, **body)["error"]
    assert err["code"] == "invalid_request" and "KTP" in err["message"]
    err = post(client, lv.api("letter-requests"), wayan, 400, type_id=str(lv.types["SKP"]), purpose="pindah")[
        "error"
    ]
    assert err["code"] == "in_person_only"
    someone_elses = stored_document(app, lv, "made")
    err = post(
        client,
        lv.api("letter-requests"),
        wayan,
        400,
        type_id=str(lv.types["SKET"]),
        purpose="x",
        data={"keterangan": "x"},
        attachments={"ktp": someone_elses},
    )["error"]
    assert err["code"] == "invalid_request"
    post(
        client,
        lv.api("letter-requests"),
        bearer(lv.people["facilitator"]),
        403,
        **body,
        resident_id=str(lv.residents["wayan"]),
    )
    post(client, lv.api("letter-requests"), kelod, 404, **body, resident_id=str(lv.residents["wayan"]))
    created = post(
        client,
        lv.api("letter-requests"),
        operator,
        201,
        **body,
        resident_id=str(lv.residents["wayan"]),
        originals_seen=["ktp", "kk"],
    )
    rid = created["id"]
    assert created["status"] == "verified" and "Originals seen" in created["steps"][0]["note"]
    post(client, lv.api("letter-requests"), operator, 409, **body, resident_id=str(lv.residents["wayan"]))
    post(client, lv.api(f"letter-requests/{rid}/verify"), operator, 409)
    post(client, lv.api(f"letter-requests/{rid}/sign"), operator, 403)
    post(client, lv.api(f"letter-requests/{rid}/reject"), head, 400)
    post(client, lv.api(f"letter-requests/{rid}/sign"), head, 400, prefix="a.n.")
    assert client.get(lv.api(f"letter-requests/{rid}"), headers=kelod).status_code == 404
    assert client.post(lv.api(f"letter-requests/{rid}/bogus"), json={}, headers=head).status_code == 404
    # Another village: its staff cannot see this village at all, and ids of this village are not theirs.
    other = bearer(lv_b.people["operator"])
    assert client.get(lv.api(f"letter-requests/{rid}"), headers=other).status_code == 404
    assert client.get(lv_b.api(f"letter-requests/{rid}"), headers=other).status_code == 404
    assert (
        client.post(
            lv_b.api(f"letter-requests/{rid}/reject"), json={"reason": "x"}, headers=other
        ).status_code
        == 404
    )
    assert client.get(lv_b.api(f"letter-types/{lv.types['SKD']}"), headers=other).status_code == 404
    post(client, lv.api(f"letter-requests/{rid}/sign"), head, 200)
    letter_id = post(client, lv.api(f"letter-requests/{rid}/issue"), operator, 200)["letter_id"]
    assert client.get(lv_b.api(f"letters/{letter_id}"), headers=other).status_code == 404
    assert client.get(lv_b.api(f"letters/{letter_id}/download"), headers=other).status_code == 404
    assert (
        client.post(lv_b.api(f"letters/{letter_id}/revoke"), json={"reason": "x"}, headers=other).status_code
        == 404
    )
    token = client.get(lv.api(f"letters/{letter_id}"), headers=operator).get_json()["token"]
    assert client.get(lv_b.api(f"verify/{token}"), headers=other).status_code == 404
    assert client.get(lv.api(f"letters/{letter_id}"), headers=bearer(lv.people["made"])).status_code == 404
    assert client.get(lv.api("letters"), headers=wayan).status_code == 403
    assert client.get(lv.api("letter-requests"), headers=wayan).status_code == 403
    assert client.get(lv.api("letter-requests")).status_code == 401


def test_api_letter_types_crud(client, lv, lv_b, bearer):
    head, operator = bearer(lv.people["head"]), bearer(lv.people["operator"])
    body = {
        "code": "SKPH",
        "title": "Surat Keterangan Penghasilan",
        "fields": [{"name": "penghasilan", "label": "Penghasilan", "kind": "number"}],
        "attachments": [{"key": "ktp", "label": "KTP"}],
        "validity_days": 30,
        "template": "${nama} berpenghasilan Rp ${penghasilan}.",
    }
    post(client, lv.api("letter-types"), operator, 403, **body)
    err = post(client, lv.api("letter-types"), head, 400, **{**body, "template": "${nama} ${gaji}"})["error"]
    assert err["code"] == "unknown_placeholders" and "${gaji}" in err["message"]
    post(
        client,
        lv.api("letter-types"),
        head,
        422,
        **{**body, "fields": [{"name": "x", "label": "x", "kind": "colour"}]},
    )
    created = post(client, lv.api("letter-types"), head, 201, **body)
    post(client, lv.api("letter-types"), head, 409, **body)
    assert created["fields"][0] == {
        "name": "penghasilan",
        "label": "Penghasilan",
        "required": True,
        "kind": "number",
    }
    url = lv.api(f"letter-types/{created['id']}")
    patched = client.patch(url, json={"online": False, "validity_days": None}, headers=head).get_json()
    assert patched["online"] is False and patched["validity_days"] is None and patched["code"] == "SKPH"
    assert client.patch(url, json={"template": "${umur}"}, headers=head).status_code == 400
    assert client.delete(url, headers=operator).status_code == 403
    assert client.delete(url, headers=head).get_json()["active"] is False
    assert client.get(lv.api("letter-types?active=false"), headers=operator).get_json()[0]["code"] == "SKPH"
    other_head = bearer(lv_b.people["head"])
    assert (
        client.patch(
            lv_b.api(f"letter-types/{created['id']}"), json={"online": True}, headers=other_head
        ).status_code
        == 404
    )
    assert client.delete(lv_b.api(f"letter-types/{created['id']}"), headers=other_head).status_code == 404
