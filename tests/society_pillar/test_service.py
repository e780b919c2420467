"""Complaint services: filing, the workflow, the append-only thread, deadlines, rating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from smart_society.complaints import service
from smart_society.complaints.models import AppendOnly, Complaint, ComplaintEntry, EntryKind
from sqlalchemy import select

from desacerdas.models import AuditEvent, Tenant, User
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

from .conftest import file, move


def _read(app, village, complaint_id):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(village.id) as s:
        item = s.get(Complaint, (village.id, complaint_id))
        s.expunge(item)
        return item


def test_a_resident_files_online_with_their_hamlet_and_deadlines(app, sv):
    cid = file(app, sv, "wayan")
    item = _read(app, sv, cid)
    assert item.status.value == "received" and item.channel.value == "online"
    assert item.hamlet_id == sv.kaja  # from the registry: Wayan lives in Kaja
    assert item.author_id == sv.people["wayan"].id and item.reporter_name is None
    assert item.number.startswith("ADU/0001/")
    assert item.filed_on < item.verify_due < item.answer_due < item.resolve_due
    assert file(app, sv, "made") != cid
    assert _read(app, sv, file(app, sv, "operator")).number.startswith("ADU/0003/")


def test_staff_take_one_at_the_counter_and_must_name_the_complainant(app, sv):
    cid = file(app, sv, "operator", channel="phone", reporter_phone="0812")
    item = _read(app, sv, cid)
    assert item.channel.value == "phone" and item.reporter_name == "Ni Wayan Sari" and item.author_id is None
    with pytest.raises(ServiceError) as err:
        file(app, sv, "operator", reporter_name=" ")
    assert err.value.code == "reporter_required"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"category": "gossip"}, "invalid_category"),
        ({"title": ""}, "invalid_complaint"),
        ({"body": "short"}, "invalid_complaint"),
        ({"latitude": 95.0, "longitude": 1.0}, "invalid_complaint"),
        ({"latitude": -8.4}, "invalid_complaint"),
    ],
)
def test_bad_input_is_refused_with_a_message(app, sv, fields, code):
    with pytest.raises(ServiceError) as err:
        file(app, sv, "wayan", **fields)
    assert err.value.code == code and err.value.status == 400 and err.value.message


def test_a_resident_cannot_file_at_the_counter_and_a_hamlet_head_only_for_their_hamlet(app, sv):
    with pytest.raises(ServiceError) as err:
        file(app, sv, "wayan", channel="counter")
    assert err.value.status == 403
    cid = file(app, sv, "kelian_kaja")
    assert _read(app, sv, cid).hamlet_id == sv.kaja
    with pytest.raises(ServiceError) as err:
        file(app, sv, "kelian_kaja", hamlet_id=sv.kelod)
    assert err.value.status == 403


def test_the_whole_workflow_and_its_timeline(app, sv):
    cid = file(app, sv, "wayan")
    assert move(app, sv, "operator", cid, "verify") == "verified"
    assert move(app, sv, "operator", cid, "assign", assignee_id=sv.people["kelian_kaja"].id) == "assigned"
    assert move(app, sv, "kelian_kaja", cid, "start") == "in_progress"
    assert move(app, sv, "kelian_kaja", cid, "answer", note="Lampu sudah diganti.") == "answered"
    assert move(app, sv, "wayan", cid, "reopen", note="Masih mati di ujung gang.") == "in_progress"
    assert move(app, sv, "kelian_kaja", cid, "answer", note="Yang di ujung gang juga sudah.") == "answered"
    assert move(app, sv, "wayan", cid, "close") == "closed"
    with app.app_context(), tenant_session(sv.id) as s:
        item = s.get(Complaint, (sv.id, cid))
        kinds = [e.kind for e in s.scalars(select(ComplaintEntry).order_by(ComplaintEntry.at))]
        assert kinds == [EntryKind.ANSWER, EntryKind.REPLY, EntryKind.ANSWER]
        assert item.first_answer_at is not None and item.answered_on is not None and item.closed_at
        actions = [
            e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.target == f"complaint:{cid}"))
        ]
        assert "smart_society.complaint.submitted" in actions and "smart_society.complaint.closed" in actions


def test_wrong_role_wrong_hamlet_wrong_state(app, sv):
    cid = file(app, sv, "wayan")  # about Kaja
    with pytest.raises(ServiceError) as err:
        move(app, sv, "wayan", cid, "verify")
    assert err.value.status == 403
    with pytest.raises(ServiceError) as err:
        move(app, sv, "kelian_kelod", cid, "verify")
    assert err.value.status == 404  # another hamlet's complaint does not exist for them
    with pytest.raises(ServiceError) as err:
        move(app, sv, "made", cid, "close")
    assert err.value.status == 404  # another resident's
    with pytest.raises(ServiceError) as err:
        move(app, sv, "operator", cid, "answer", note="x")
    assert err.value.status == 409
    with pytest.raises(ServiceError) as err:
        move(app, sv, "operator", cid, "reject")
    assert err.value.code == "note_required"
    move(app, sv, "operator", cid, "verify")
    with pytest.raises(ServiceError) as err:  # a hamlet head of another hamlet cannot be assigned
        move(app, sv, "operator", cid, "assign", assignee_id=sv.people["kelian_kelod"].id)
    assert err.value.code == "invalid_assignee"
    with pytest.raises(ServiceError) as err:  # nor a resident
        move(app, sv, "operator", cid, "assign", assignee_id=sv.people["wayan"].id)
    assert err.value.code == "invalid_assignee"


def test_the_thread_is_append_only(app, sv):
    cid = file(app, sv, "wayan")
    with app.app_context(), tenant_session(sv.id) as s:
        tenant, wayan = s.get(Tenant, sv.id), s.get(User, sv.people["wayan"].id)
        item = s.get(Complaint, (sv.id, cid))
        first = service.post(s, tenant, wayan, item, "Tambahan: juga di depan pura.")
        fix = service.post(s, tenant, wayan, item, "Maksud saya di depan balai.", corrects=first.id)
        s.commit()
        assert fix.kind == EntryKind.CORRECTION and fix.corrects_id == first.id
        first.body = "diubah"
        with pytest.raises(AppendOnly):
            s.flush()
        s.rollback()
        s.delete(s.get(ComplaintEntry, (sv.id, first.id)))
        with pytest.raises(AppendOnly):
            s.flush()
        s.rollback()
        item = s.get(Complaint, (sv.id, cid))
        item.body = "teks lain"
        with pytest.raises(AppendOnly):
            s.flush()
        s.rollback()
        operator = s.get(User, sv.people["operator"].id)
        item = s.get(Complaint, (sv.id, cid))
        with pytest.raises(ServiceError) as err:  # only its author corrects an entry
            service.post(s, tenant, operator, item, "Koreksi", corrects=first.id)
        assert err.value.status == 403
        note = service.post(s, tenant, operator, item, "Cek dengan kelian.")
        s.commit()
        assert note.kind == EntryKind.NOTE
        assert [e.kind for e in service.thread(s, item, with_notes=False)] == [
            EntryKind.REPLY,
            EntryKind.CORRECTION,
        ]


def test_overdue_deadlines_and_extension(app, sv):
    long_ago = datetime.now(UTC) - timedelta(days=30)
    cid = file(app, sv, "wayan", now=long_ago)
    today = datetime.now(UTC).date()
    item = _read(app, sv, cid)
    assert service.missed(item, today + timedelta(days=1)) == ["verify", "answer", "resolve"]
    with app.app_context(), tenant_session(sv.id) as s:
        tenant, op = s.get(Tenant, sv.id), s.get(User, sv.people["operator"].id)
        assert s.scalar(select(Complaint.id).where(service.overdue_condition(today))) == cid
        item = s.get(Complaint, (sv.id, cid))
        with pytest.raises(ServiceError) as err:
            service.extend(s, tenant, op, item, 10, "rumit")
        assert err.value.code == "invalid_days"
        with pytest.raises(ServiceError) as err:
            service.extend(s, tenant, op, item, 40, " ")
        assert err.value.code == "note_required"
        service.extend(s, tenant, op, item, 60, "Perlu pengecekan lapangan bersama dinas.")
        s.commit()
        assert item.extension_reason and item.resolve_due > item.answer_due
        wayan = s.get(User, sv.people["wayan"].id)
        with pytest.raises(ServiceError) as err:
            service.extend(s, tenant, wayan, item, 50, "saya mau")
        assert err.value.status == 403


def test_rating_once_by_the_complainant_after_an_answer(app, sv):
    cid = file(app, sv, "wayan")
    with app.app_context(), tenant_session(sv.id) as s:
        tenant, wayan = s.get(Tenant, sv.id), s.get(User, sv.people["wayan"].id)
        with pytest.raises(ServiceError) as err:
            service.rate(s, tenant, wayan, s.get(Complaint, (sv.id, cid)), 5)
        assert err.value.status == 409
    move(app, sv, "operator", cid, "verify")
    move(app, sv, "operator", cid, "answer", note="Sudah ditangani.")
    with app.app_context(), tenant_session(sv.id) as s:
        tenant, wayan = s.get(Tenant, sv.id), s.get(User, sv.people["wayan"].id)
        item = s.get(Complaint, (sv.id, cid))
        with pytest.raises(ServiceError) as err:
            service.rate(s, tenant, wayan, item, 6)
        assert err.value.code == "invalid_rating"
        with pytest.raises(ServiceError):
            service.rate(s, tenant, s.get(User, sv.people["operator"].id), item, 5)
        service.rate(s, tenant, wayan, item, 4)
        s.commit()
        with pytest.raises(ServiceError) as err:
            service.rate(s, tenant, wayan, item, 5)
        assert err.value.code == "already_rated"


def test_another_village_never_sees_the_complaint(app, sv, sv_b):
    cid = file(app, sv, "wayan")
    with app.app_context(), tenant_session(sv_b.id) as s:
        tenant = s.get(Tenant, sv_b.id)
        head_b = s.get(User, sv_b.people["head"].id)
        assert s.scalars(select(Complaint)).all() == []
        with pytest.raises(ServiceError) as err:
            service.get(s, tenant, head_b, cid)
        assert err.value.status == 404
    with app.app_context(), tenant_session(sv.id) as s:  # the other village's head has no role here
        with pytest.raises(ServiceError) as err:
            service.get(s, s.get(Tenant, sv.id), s.get(User, sv_b.people["head"].id), cid)
        assert err.value.status == 404


def test_a_correction_of_a_staff_note_stays_a_staff_note(app, sv):
    cid = file(app, sv, "wayan")
    with app.app_context(), tenant_session(sv.id) as s:
        tenant, op = s.get(Tenant, sv.id), s.get(User, sv.people["operator"].id)
        item = s.get(Complaint, (sv.id, cid))
        note = service.post(s, tenant, op, item, "Pelapor sering mengadu.")
        fix = service.post(s, tenant, op, item, "Koreksi: pelapor baru sekali mengadu.", corrects=note.id)
        s.commit()
        assert fix.kind == EntryKind.NOTE and fix.corrects_id == note.id
        assert service.thread(s, item, with_notes=False) == []


def test_a_resident_may_file_about_the_whole_village(app, sv):
    item = _read(app, sv, file(app, sv, "wayan", whole_village=True))
    assert item.hamlet_id is None
    assert _read(app, sv, file(app, sv, "wayan", hamlet_id=sv.kelod)).hamlet_id == sv.kelod
