"""The social-aid API: the whole flow, JSON errors with their codes, another village's conflict
told by source and period only, and every endpoint probed by every role (a resident, a
facilitator, a hamlet head of another hamlet, staff of another village)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sg_letter_services.conftest import PDF
from smart_society.aid.models import AidRecipient
from smart_society.complaints.service import today_in
from sqlalchemy import func, select

from desacerdas.models import AuditEvent, Tenant
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from .aid_support import NIKS, YEAR, decide, give_niks, programme, propose


def _h(app, person):  # noqa: ANN001, ANN202
    return {**support.api_headers(app, person), "Accept-Language": "en"}


def _error(resp, status: int, code: str | None = None) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.get_json()
    body = resp.get_json()["error"]
    if code is not None:
        assert body["code"] == code, body
    return body


PROGRAMME = {
    "name": "BLT Dana Desa",
    "source": "blt_dd",
    "benefit": "cash",
    "amount": 300_000,
    "schedule": "monthly",
    "unit": "family",
    "period_start": f"{YEAR}-01-01",
    "period_end": f"{YEAR}-12-31",
    "excludes": ["pkh", "bpnt"],
}


def _csv(*rows: tuple[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["NIK", "NAMA"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _today(app, village) -> date:  # noqa: ANN001
    """The village's day (its clock is Bali's, not the machine's)."""
    with app.app_context(), tenant_session(village.id) as s:
        return today_in(s.get(Tenant, village.id))


def _count(app, village, model) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def village(app, sv):  # noqa: ANN001, ANN201
    give_niks(app, sv)
    return sv


# -- the whole flow ---------------------------------------------------------------------------------


def test_the_whole_flow_through_the_api(app, client, village):
    sv = village
    head, kelian = _h(app, sv.people["head"]), _h(app, sv.people["kelian_kaja"])
    today = _today(app, sv)
    resp = client.post(sv.api("aid/programmes"), json=PROGRAMME, headers=head)
    assert resp.status_code == 201, resp.get_json()
    prog = resp.get_json()
    pid = prog["id"]
    assert prog["excludes"] == ["bpnt", "pkh"] and prog["decisions"] == [] and prog["counts"] == {}
    listed = client.get(sv.api("aid/programmes?source=blt_dd&active=true&q=dana"), headers=head)
    assert listed.status_code == 200 and [p["id"] for p in listed.get_json()] == [pid]
    assert "X-Pagination" in listed.headers
    assert client.get(sv.api("aid/programmes?source=pkh"), headers=head).get_json() == []
    resp = client.patch(
        sv.api(f"aid/programmes/{pid}"), json={"quota": 50, "criteria": "Miskin"}, headers=head
    )
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["quota"], resp.get_json()["criteria"], resp.get_json()["amount"]) == (
        50,
        "Miskin",
        300_000,
    )

    # the hamlet head proposes wayan by NIK; his family (kadek) cannot come twice
    resp = client.post(
        sv.api(f"aid/programmes/{pid}/candidates"),
        json={"nik": NIKS["wayan"], "criteria_met": "Rumah tidak layak huni"},
        headers=kelian,
    )
    assert resp.status_code == 201, resp.get_json()
    cand = resp.get_json()
    cid = cand["id"]
    assert cand["status"] == "proposed" and cand["conflicts"] == [] and cand["open_conflicts"] == 0
    assert cand["nik"] == NIKS["wayan"] and [s["to_state"] for s in cand["steps"]] == ["proposed"]
    resp = client.post(
        sv.api(f"aid/programmes/{pid}/candidates"),
        json={"resident_id": str(sv.residents["kadek"])},
        headers=head,
    )
    _error(resp, 409, "already_in")
    listed = client.get(sv.api(f"aid/programmes/{pid}/candidates?status=proposed"), headers=kelian)
    assert [c["id"] for c in listed.get_json()] == [cid]
    assert client.get(sv.api(f"aid/programmes/{pid}/candidates?conflict=true"), headers=head).get_json() == []

    # the deliberation, its minutes uploaded first through the documents API
    resp = client.post(
        f"/api/v1/desa/{sv.slug}/documents",
        data={
            "title": "Berita acara Musdes",
            "kind": "smart_society.aid",
            "file": (io.BytesIO(PDF), "ba.pdf"),
        },
        headers=head,
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_json()
    minutes = resp.get_json()["id"]
    resp = client.post(
        sv.api(f"aid/programmes/{pid}/decisions"),
        json={
            "held_on": today.isoformat(),
            "decree_number": "SK 12/2026",
            "approve": [cid],
            "minutes_document_id": minutes,
        },
        headers=head,
    )
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    assert [c["id"] for c in out["approved"]] == [cid] and out["refused"] == [] and out["held"] == []
    assert out["decision"]["minutes_document_id"] == minutes and out["decision"]["approved"] == 1
    detail = client.get(sv.api(f"aid/programmes/{pid}"), headers=head).get_json()
    assert detail["counts"] == {"recipient": 1} and [d["id"] for d in detail["decisions"]] == [
        out["decision"]["id"]
    ]

    seen = client.get(sv.api(f"aid/candidates/{cid}"), headers=head).get_json()
    assert seen["status"] == "recipient" and seen["decision_id"] == out["decision"]["id"]
    assert [s["to_state"] for s in seen["steps"]] == ["proposed", "recipient"]
    assert seen["allowed_actions"] == ["deactivate"] and seen["receipts"] == []

    periods = client.get(sv.api(f"aid/programmes/{pid}/periods"), headers=head).get_json()
    assert [p["key"] for p in periods] == [f"{YEAR}-{m:02}" for m in range(1, 13)]
    assert periods[0]["label"] == f"January {YEAR}"
    now = next(p["key"] for p in periods if p["current"])
    assert now == f"{YEAR}-{today.month:02}"
    resp = client.post(
        sv.api(f"aid/candidates/{cid}/receipts"),
        json={"period": now, "handed_by": "Kelian Kaja"},
        headers=kelian,
    )
    assert resp.status_code == 201, resp.get_json()
    receipt = resp.get_json()
    assert (receipt["amount"], receipt["proof"], receipt["received_on"]) == (
        300_000,
        "signature",
        today.isoformat(),
    )
    again = client.post(
        sv.api(f"aid/candidates/{cid}/receipts"),
        json={"period": now, "handed_by": "Kelian Kaja"},
        headers=kelian,
    )
    _error(again, 409, "already_received")
    report = client.get(sv.api(f"aid/programmes/{pid}/periods/{now}"), headers=head).get_json()
    assert (report["recipients"], report["received"], report["waiting"], report["amount"]) == (
        1,
        1,
        0,
        300_000,
    )
    assert report["lines"][0]["candidate_id"] == cid and report["lines"][0]["receipt"]["id"] == receipt["id"]
    assert report["lines"][0]["hamlet"] == "Banjar Dinas Kaja"
    assert [
        r["id"] for r in client.get(sv.api(f"aid/candidates/{cid}"), headers=head).get_json()["receipts"]
    ] == [receipt["id"]]

    resp = client.get(sv.api(f"aid/programmes/{pid}/export?format=csv"), headers=head)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["NIK", "Nama", "No KK", "Banjar/Dusun", "Status", "Program", "Sumber", "Sasaran"]
    assert lines[1][:2] == [NIKS["wayan"], "I Wayan Sudarsana"] and lines[1][5] == "BLT Dana Desa"
    assert len(lines) == 2
    xlsx = client.get(sv.api(f"aid/programmes/{pid}/export?format=xlsx"), headers=head)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"

    resp = client.post(
        sv.api(f"aid/candidates/{cid}/end"),
        json={"reason": "moved", "note": "Pindah ke Denpasar"},
        headers=head,
    )
    assert resp.status_code == 200, resp.get_json()
    ended = resp.get_json()
    assert (ended["status"], ended["end_reason"], ended["ended_on"]) == (
        "deactivated",
        "moved",
        today.isoformat(),
    )
    assert ended["allowed_actions"] == []
    # the period's report keeps who received it
    report = client.get(sv.api(f"aid/programmes/{pid}/periods/{now}"), headers=head).get_json()
    assert report["received"] == 1
    with app.app_context(), tenant_session(sv.id) as s:
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {
        "smart_society.aid.decided",
        "smart_society.aid.received",
        "smart_society.aid.list_exported",
    } <= actions


def test_refusing_and_the_quota_in_one_decision(app, client, village):
    sv = village
    head = _h(app, sv.people["head"])
    pid = programme(app, sv, name="Sembako", source="sembako", unit="person", excludes=[], quota=1)
    wayan, _n = propose(app, sv, "head", pid, "wayan")
    kadek, _n = propose(app, sv, "head", pid, "kadek")
    made, _n = propose(app, sv, "head", pid, "made")
    resp = client.post(
        sv.api(f"aid/programmes/{pid}/decisions"),
        json={
            "held_on": _today(app, sv).isoformat(),
            "approve": [str(wayan), str(kadek)],
            "refuse": {str(made): "Sudah mampu"},
        },
        headers=head,
    )
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    assert [c["id"] for c in out["approved"]] == [str(wayan)]
    assert [(c["id"], c["refusal_reason"]) for c in out["refused"]] == [(str(made), "Sudah mampu")]
    assert out["held"] == [{"id": str(kadek), "name": "Ni Kadek Ayu", "why": "quota_reached"}]


# -- unhappy paths ----------------------------------------------------------------------------------


def test_bad_bodies_are_422_and_refusals_carry_their_code(app, client, village):
    sv = village
    head = _h(app, sv.people["head"])
    base = sv.api("aid/programmes")
    for bad in (
        {k: v for k, v in PROGRAMME.items() if k != "name"},
        {**PROGRAMME, "source": "lottery"},
        {**PROGRAMME, "excludes": ["nonsense"]},
        {**PROGRAMME, "period_start": "yesterday"},
        {**PROGRAMME, "colour": "red"},
    ):
        body = _error(client.post(base, json=bad, headers=head), 422, "validation_error")
        assert body["details"]["json"]
    _error(client.post(base, json={**PROGRAMME, "amount": None}, headers=head), 400, "invalid_programme")
    _error(
        client.post(base, json={**PROGRAMME, "period_end": f"{YEAR - 1}-01-01"}, headers=head),
        400,
        "invalid_programme",
    )
    pid = client.post(base, json=PROGRAMME, headers=head).get_json()["id"]
    _error(client.post(base, json=PROGRAMME, headers=head), 409, "duplicate")
    _error(client.get(sv.api("aid/programmes?sort=cheapest"), headers=head), 400, "invalid_sort")
    _error(client.get(sv.api(f"aid/programmes/{uuid.uuid4()}"), headers=head), 404, "not_found")

    cands = sv.api(f"aid/programmes/{pid}/candidates")
    _error(client.post(cands, json={}, headers=head), 422, "validation_error")
    both = {"nik": NIKS["wayan"], "resident_id": str(sv.residents["wayan"])}
    _error(client.post(cands, json=both, headers=head), 422, "validation_error")
    _error(client.post(cands, json={"nik": "12345"}, headers=head), 422, "validation_error")
    _error(client.post(cands, json={"nik": "5107019999999999"}, headers=head), 404, "not_found")
    _error(client.post(cands, json={"nik": NIKS["made"]}, headers=head), 409, "no_family")
    _error(client.get(f"{cands}?status=nonsense", headers=head), 422, "validation_error")
    cid = client.post(cands, json={"nik": NIKS["wayan"]}, headers=head).get_json()["id"]

    decisions = sv.api(f"aid/programmes/{pid}/decisions")
    today = _today(app, sv).isoformat()
    _error(client.post(decisions, json={"approve": [cid]}, headers=head), 422, "validation_error")
    _error(client.post(decisions, json={"held_on": today}, headers=head), 400, "nothing_decided")
    tomorrow = (_today(app, sv) + timedelta(days=1)).isoformat()
    _error(client.post(decisions, json={"held_on": tomorrow, "approve": [cid]}, headers=head), 400, "held_on")
    _error(
        client.post(decisions, json={"held_on": today, "refuse": {cid: ""}}, headers=head),
        422,
        "validation_error",
    )
    _error(
        client.post(decisions, json={"held_on": today, "approve": [cid], "refuse": {cid: "x"}}, headers=head),
        400,
        "both",
    )
    _error(client.post(decisions, json={"held_on": today, "approve": [str(uuid.uuid4())]}, headers=head), 404)
    missing_doc = {"held_on": today, "approve": [cid], "decree_document_id": str(uuid.uuid4())}
    _error(client.post(decisions, json=missing_doc, headers=head), 404)
    receipts = sv.api(f"aid/candidates/{cid}/receipts")
    _error(
        client.post(receipts, json={"period": f"{YEAR}-01", "handed_by": "Kelian"}, headers=head),
        409,
        "not_recipient",
    )
    _error(
        client.post(sv.api(f"aid/candidates/{cid}/end"), json={"reason": "moved"}, headers=head),
        409,
        "wrong_state",
    )
    assert client.post(decisions, json={"held_on": today, "approve": [cid]}, headers=head).status_code == 201
    _error(
        client.post(decisions, json={"held_on": today, "approve": [cid]}, headers=head), 409, "wrong_state"
    )

    photo = {"period": f"{YEAR}-01", "handed_by": "Kelian", "proof": "photo"}
    _error(client.post(receipts, json=photo, headers=head), 422, "validation_error")
    _error(
        client.post(receipts, json={"period": "1999-01", "handed_by": "Kelian"}, headers=head),
        404,
        "unknown_period",
    )
    _error(
        client.post(receipts, json={"period": f"{YEAR}-01", "handed_by": "  "}, headers=head),
        400,
        "handed_by_required",
    )
    future = {"period": f"{YEAR}-01", "handed_by": "Kelian", "received_on": tomorrow}
    _error(client.post(receipts, json=future, headers=head), 400, "received_on_future")
    _error(client.post(sv.api(f"aid/candidates/{cid}/end"), json={"reason": "bored"}, headers=head), 422)
    _error(client.get(sv.api(f"aid/programmes/{pid}/periods/1999-13"), headers=head), 404, "unknown_period")
    moved = {"period_start": f"{YEAR}-02-01"}
    _error(client.patch(sv.api(f"aid/programmes/{pid}"), json=moved, headers=head), 409, "period_locked")
    _error(
        client.patch(sv.api(f"aid/programmes/{pid}"), json={"benefit": "goods"}, headers=head),
        400,
        "invalid_programme",
    )
    _error(
        client.get(sv.api(f"aid/programmes/{pid}/export?format=pdf"), headers=head), 422, "validation_error"
    )
    _error(
        client.get(sv.api(f"aid/programmes/{pid}/export?status=maybe"), headers=head), 422, "validation_error"
    )
    assert client.get(sv.api("aid/programmes")).status_code == 401


def test_another_villages_conflict_says_source_and_period_only(app, client, village, sv_b):
    sv = village
    give_niks(app, sv_b)  # the same family is registered in Bebandem too
    pkh = programme(app, sv_b, name="PKH Bebandem", source="pkh", schedule="quarterly", excludes=[])
    there, _n = propose(app, sv_b, "head", pkh, "wayan")
    assert decide(app, sv_b, "head", pkh, approve=[there])["approved"] == [there]

    head = _h(app, sv.people["head"])
    pid = programme(app, sv)
    resp = client.post(sv.api(f"aid/programmes/{pid}/candidates"), json={"nik": NIKS["kadek"]}, headers=head)
    assert resp.status_code == 201, resp.get_json()
    cand = resp.get_json()
    expected = [
        {
            "kind": "other_village",
            "source": "pkh",
            "period_start": f"{YEAR}-01-01",
            "period_end": f"{YEAR}-12-31",
        }
    ]
    assert cand["conflicts"] == expected and cand["open_conflicts"] == 1
    assert "PKH Bebandem" not in resp.get_data(as_text=True) and sv_b.slug not in resp.get_data(as_text=True)
    seen = client.get(sv.api(f"aid/candidates/{cand['id']}"), headers=head).get_json()
    assert seen["conflicts"] == expected
    listed = client.get(sv.api(f"aid/programmes/{pid}/candidates?conflict=true"), headers=head).get_json()
    assert [(c["id"], c["open_conflicts"]) for c in listed] == [(cand["id"], 1)]
    resp = client.post(
        sv.api(f"aid/programmes/{pid}/decisions"),
        json={"held_on": _today(app, sv).isoformat(), "approve": [cand["id"]]},
        headers=head,
    )
    assert resp.status_code == 201
    assert resp.get_json()["held"] == [{"id": cand["id"], "name": "Ni Kadek Ayu", "why": "conflict"}]
    assert resp.get_json()["approved"] == []


# -- import -----------------------------------------------------------------------------------------


def test_the_import_dry_run_shows_unmatched_and_conflicting_rows_and_writes_nothing(app, client, village):
    sv = village
    head = _h(app, sv.people["head"])
    pkh = programme(app, sv, name="PKH", source="pkh", schedule="quarterly", excludes=[])
    cand, _n = propose(app, sv, "head", pkh, "wayan")
    decide(app, sv, "head", pkh, approve=[cand])
    pid = programme(app, sv)  # BLT-DD for families, excludes PKH
    person = programme(app, sv, name="BPNT", source="bpnt", unit="person", excludes=[])
    before = _count(app, sv, AidRecipient)

    def post(url: str, data: bytes, **form):  # noqa: ANN202
        return client.post(
            url,
            data={"file": (io.BytesIO(data), "daftar.csv"), **form},
            headers=head,
            content_type="multipart/form-data",
        )

    rows = _csv(
        (NIKS["kadek"], "Ni Kadek Ayu"),  # her family receives PKH: conflict
        ("5107019999999999", "Tidak Ada"),  # not in the registry
        (NIKS["made"], "I Made"),  # on no family card
        ("12", "Salah"),
    )
    resp = post(sv.api(f"aid/programmes/{pid}/import"), rows)
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert out["dry_run"] is True
    assert out["summary"] == {"imported": 0, "unmatched": 2, "already": 0, "conflict": 1, "invalid": 1}
    by_line = {r["line"]: r for r in out["rows"]}
    assert by_line[2]["outcome"] == "conflict" and "PKH" in by_line[2]["detail"]
    assert (by_line[3]["outcome"], by_line[3]["nik"]) == ("unmatched", "5107019999999999")
    assert by_line[4]["outcome"] == "unmatched" and by_line[5]["outcome"] == "invalid"
    assert _count(app, sv, AidRecipient) == before

    rows = _csv((NIKS["made"], "I Made Kelod"), (NIKS["kadek"], "Kadek"), ("5107019999999999", "X"))
    dry = post(sv.api(f"aid/programmes/{person}/import"), rows).get_json()
    assert dry["summary"]["imported"] == 2 and _count(app, sv, AidRecipient) == before
    assert next(r for r in dry["rows"] if r["nik"] == NIKS["kadek"])["detail"]  # the registry's name differs
    done = post(sv.api(f"aid/programmes/{person}/import?apply=true"), rows).get_json()
    assert done["dry_run"] is False and done["summary"]["imported"] == 2
    assert _count(app, sv, AidRecipient) == before + 2
    listed = client.get(sv.api(f"aid/programmes/{person}/candidates"), headers=head).get_json()
    assert sorted(c["status"] for c in listed) == ["recipient", "recipient"]
    again = post(sv.api(f"aid/programmes/{person}/import"), rows, apply="true").get_json()
    assert again["summary"]["already"] == 2 and _count(app, sv, AidRecipient) == before + 2

    _error(post(sv.api(f"aid/programmes/{pid}/import"), b"NAMA\nX\n"), 400, "no_nik_column")
    _error(post(sv.api(f"aid/programmes/{pid}/import"), b""), 400)
    resp = client.post(
        sv.api(f"aid/programmes/{pid}/import"),
        data={"file": "not a file"},
        headers=head,
        content_type="multipart/form-data",
    )
    _error(resp, 422, "validation_error")


# -- every endpoint, every role ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    programme: str
    wayan: str  # a recipient in Kaja
    made: str  # a candidate in Kelod
    period: str
    today: str


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with Ids
    reads: bool  # a facilitator may
    hamlet: int  # what the head of Kaja gets (the records probed are Kelod's)
    staff: int  # what the village head gets (the body is valid)
    body: object = None  # json, or a callable giving the multipart form

    def call(self, client, village, ids: Ids, headers):  # noqa: ANN001, ANN201
        url = village.api(self.path.format(ids=ids))
        if callable(self.body):
            return client.open(
                url, method=self.method, data=self.body(), headers=headers, content_type="multipart/form-data"
            )
        return client.open(url, method=self.method, json=self.body, headers=headers)


def _import_form() -> dict:
    return {"file": (io.BytesIO(_csv((NIKS["kadek"], "Ni Kadek Ayu"))), "daftar.csv")}


NEW = {**PROGRAMME, "name": "BLT Tahap Dua", "unit": "person", "excludes": []}
ENDPOINTS = [
    Endpoint("list programmes", "GET", "aid/programmes", True, 200, 200),
    Endpoint("add a programme", "POST", "aid/programmes", False, 403, 201, NEW),
    Endpoint("read a programme", "GET", "aid/programmes/{ids.programme}", True, 200, 200),
    Endpoint("change a programme", "PATCH", "aid/programmes/{ids.programme}", False, 403, 200, {"quota": 9}),
    Endpoint("list candidates", "GET", "aid/programmes/{ids.programme}/candidates", True, 200, 200),
    Endpoint(
        "propose", "POST", "aid/programmes/{ids.programme}/candidates", False, 403, 409, {"nik": NIKS["made"]}
    ),
    Endpoint(
        "decide",
        "POST",
        "aid/programmes/{ids.programme}/decisions",
        False,
        403,
        201,
        {"held_on": "{today}", "refuse": {"{made}": "Sudah mampu"}},
    ),
    Endpoint("read a candidate", "GET", "aid/candidates/{ids.made}", True, 404, 200),
    Endpoint("end the aid", "POST", "aid/candidates/{ids.made}/end", False, 403, 409, {"reason": "moved"}),
    Endpoint(
        "record a receipt",
        "POST",
        "aid/candidates/{ids.made}/receipts",
        False,
        404,
        409,
        {"period": "{period}", "handed_by": "Kelian"},
    ),
    Endpoint("list periods", "GET", "aid/programmes/{ids.programme}/periods", True, 200, 200),
    Endpoint(
        "a period's report", "GET", "aid/programmes/{ids.programme}/periods/{ids.period}", True, 200, 200
    ),
    Endpoint("import a list", "POST", "aid/programmes/{ids.programme}/import", False, 403, 200, _import_form),
    # a read, but NIKs of many people in a file: aid.manage only
    Endpoint("export the list", "GET", "aid/programmes/{ids.programme}/export?format=csv", False, 403, 200),
]


def _filled(body: object, ids: Ids) -> object:
    """The probe's body with the records' ids put in."""
    if isinstance(body, dict):
        return {_filled(k, ids): _filled(v, ids) for k, v in body.items()}
    if isinstance(body, str):
        return body.replace("{made}", ids.made).replace("{period}", ids.period).replace("{today}", ids.today)
    return body


@pytest.fixture
def probed(app, village):  # noqa: ANN001, ANN201
    """A person programme: wayan (Kaja) a recipient, made (Kelod) proposed."""
    pid = programme(app, village, name="BPNT", source="bpnt", unit="person", excludes=[])
    wayan, _n = propose(app, village, "head", pid, "wayan")
    made, _n = propose(app, village, "head", pid, "made")
    decide(app, village, "head", pid, approve=[wayan])
    today = _today(app, village)
    return Ids(str(pid), str(wayan), str(made), f"{YEAR}-{today.month:02}", today.isoformat())


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_endpoint_by_every_role(app, client, village, sv_b, probed, endpoint):
    sv, ids = village, probed
    endpoint = Endpoint(**{**endpoint.__dict__, "body": _filled(endpoint.body, ids)})
    secrets = (ids.programme, ids.wayan, ids.made, NIKS["wayan"], NIKS["made"], "I Wayan", "I Made")

    def leaks(resp) -> list[str]:  # noqa: ANN001
        text = resp.get_data(as_text=True)
        return [s for s in secrets if s in text]

    # a resident of the village: 403 everywhere
    resp = endpoint.call(client, sv, ids, _h(app, sv.people["wayan"]))
    _error(resp, 403, "forbidden")
    # the facilitator reads, never writes
    resp = endpoint.call(client, sv, ids, _h(app, sv.people["facilitator"]))
    if endpoint.reads:
        assert resp.status_code == 200, resp.get_json()
        assert NIKS["wayan"] not in resp.get_data(as_text=True)  # NIKs masked
        assert NIKS["made"] not in resp.get_data(as_text=True)
    else:
        _error(resp, 403, "forbidden")
    # staff of another village: A's address is no village to them; A's ids through B's are nothing
    other = _h(app, sv_b.people["head"])
    resp = endpoint.call(client, sv, ids, other)
    _error(resp, 404, "not_found")
    assert not leaks(resp)
    resp = endpoint.call(client, sv_b, ids, other)
    if "{ids." in endpoint.path:
        _error(resp, 404)
    assert not leaks(resp), resp.get_data(as_text=True)
    # the head of Kaja: the village's programmes, Kaja's candidates only; Kelod's records are not theirs
    resp = endpoint.call(client, sv, ids, _h(app, sv.people["kelian_kaja"]))
    assert resp.status_code == endpoint.hamlet, resp.get_data(as_text=True)
    assert ids.made not in resp.get_data(as_text=True) and NIKS["made"] not in resp.get_data(as_text=True)
    # and the village's own staff get the answer the body is made for
    resp = endpoint.call(client, sv, ids, _h(app, sv.people["head"]))
    assert resp.status_code == endpoint.staff, resp.get_data(as_text=True)


def test_a_hamlet_head_sees_and_works_in_their_hamlet(app, client, village, probed):
    sv, ids = village, probed
    kaja, kelod = _h(app, sv.people["kelian_kaja"]), _h(app, sv.people["kelian_kelod"])
    listed = client.get(sv.api(f"aid/programmes/{ids.programme}/candidates"), headers=kaja).get_json()
    assert [c["id"] for c in listed] == [ids.wayan]
    listed = client.get(sv.api(f"aid/programmes/{ids.programme}/candidates"), headers=kelod).get_json()
    assert [c["id"] for c in listed] == [ids.made]
    assert client.get(sv.api(f"aid/candidates/{ids.wayan}"), headers=kelod).status_code == 404
    seen = client.get(sv.api(f"aid/candidates/{ids.wayan}"), headers=kaja).get_json()
    assert seen["nik"] == NIKS["wayan"] and seen["allowed_actions"] == []  # deciding is the staff's
    report = client.get(
        sv.api(f"aid/programmes/{ids.programme}/periods/{ids.period}"), headers=kelod
    ).get_json()
    assert report["lines"] == [] and report["recipients"] == 0
    body = {"period": ids.period, "handed_by": "Kelian Kaja"}
    assert (
        client.post(sv.api(f"aid/candidates/{ids.wayan}/receipts"), json=body, headers=kelod).status_code
        == 404
    )
    assert (
        client.post(sv.api(f"aid/candidates/{ids.wayan}/receipts"), json=body, headers=kaja).status_code
        == 201
    )
    resp = client.post(
        sv.api(f"aid/programmes/{ids.programme}/candidates"), json={"nik": NIKS["kadek"]}, headers=kelod
    )
    _error(resp, 403, "forbidden")
    resp = client.post(
        sv.api(f"aid/programmes/{ids.programme}/candidates"), json={"nik": NIKS["kadek"]}, headers=kaja
    )
    assert resp.status_code == 201


def test_a_facilitator_reads_niks_masked_and_cannot_search_by_them(app, client, village, probed):
    sv, ids = village, probed
    fac = _h(app, sv.people["facilitator"])
    seen = client.get(sv.api(f"aid/candidates/{ids.wayan}"), headers=fac).get_json()
    assert seen["nik"] == NIKS["wayan"][:4] + "********" + NIKS["wayan"][-4:]
    assert seen["allowed_actions"] == []
    prefix = NIKS["wayan"][:8]
    listed = client.get(sv.api(f"aid/programmes/{ids.programme}/candidates?q={prefix}"), headers=fac)
    assert listed.status_code == 200 and listed.get_json() == []
    head = _h(app, sv.people["head"])
    listed = client.get(sv.api(f"aid/programmes/{ids.programme}/candidates?q={prefix}"), headers=head)
    assert [c["id"] for c in listed.get_json()] == [ids.wayan]
