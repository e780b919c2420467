"""Several clerks issuing at the same moment through ``issuing.issue``: every number exactly once,
no gap, one letter per request (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from smart_government.letters import issuing
from smart_government.letters.models import Channel, Letter, LetterRequest, RequestStatus
from smart_government.registry import create_resident
from smart_government.registry.models import Resident, Sex
from sqlalchemy import func, select

from desacerdas.models import Tenant, User
from desacerdas.models.kit import Sequence as LetterSequence
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

THREADS, PER_THREAD = 6, 4


def signed_requests(app, lv, codes: list[str]) -> list[uuid.UUID]:  # noqa: ANN001
    """One signed request per code (residents created as needed), as the signing step leaves them."""
    ids = []
    with app.app_context(), tenant_session(lv.id) as s:
        for i, code in enumerate(codes):
            person = create_resident(
                s, name=f"Warga {i}", birth_date=date(1990, 1, 1), sex=Sex.FEMALE, hamlet_id=lv.kaja
            )
            s.flush()
            req = LetterRequest(
                type_id=lv.types[code],
                resident_id=person.id,
                hamlet_id=lv.kaja,
                channel=Channel.COUNTER,
                status=RequestStatus.SIGNED,
                purpose="Uji",
                data={},
                attachments={},
                signer_name="I Nyoman Perbekel",
                signer_title_lines=["Kepala Desa Menanga"],
            )
            s.add(req)
            s.flush()
            ids.append(req.id)
        s.commit()
    return ids


def run_issuers(app, lv, batches: list[list[uuid.UUID]]) -> tuple[list[Letter], list[BaseException]]:  # noqa: ANN001
    barrier = threading.Barrier(len(batches))
    letters: list[tuple[int, str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issuer(batch: list[uuid.UUID]) -> None:
        try:
            with app.app_context(), tenant_session(lv.id) as s:
                tenant = s.get(Tenant, lv.id)
                clerk = s.get(User, lv.people["operator"].id)
                barrier.wait(timeout=30)
                for rid in batch:
                    req = s.scalar(select(LetterRequest).where(LetterRequest.id == rid))
                    try:
                        letter = issuing.issue(s, tenant, req, clerk)
                    except ServiceError as exc:
                        with lock:
                            errors.append(exc)
                        continue
                    with lock:
                        letters.append((letter.seq, letter.number, letter.type_code))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=issuer, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return letters, errors


@pytest.mark.parametrize("per_type", [True, False], ids=["per-type", "shared"])
def test_parallel_issuance_gives_every_number_once(app, lv, per_type):
    if not per_type:
        with app.app_context():
            from desacerdas.extensions import db

            plugin_settings.update(
                "smart_government", {"number_per_type": False}, tenant=db.session.get(Tenant, lv.id)
            )
    codes = [("SKD", "SKCK")[i % 2] for i in range(THREADS * PER_THREAD)]
    ids = signed_requests(app, lv, codes)
    batches = [ids[i::THREADS] for i in range(THREADS)]
    issued, errors = run_issuers(app, lv, batches)
    assert errors == []
    total = THREADS * PER_THREAD
    assert len(issued) == total and len({number for _, number, _ in issued}) == total
    if per_type:
        for code in ("SKD", "SKCK"):
            assert sorted(seq for seq, _, c in issued if c == code) == list(range(1, total // 2 + 1))
    else:
        assert sorted(seq for seq, _, _ in issued) == list(range(1, total + 1))
    with app.app_context(), tenant_session(lv.id) as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == total
        assert s.scalar(select(func.count(func.distinct(Letter.token))).select_from(Letter)) == total
        assert sorted(s.scalars(select(LetterSequence.last_value))) == (
            [total // 2] * 2 if per_type else [total]
        )
        assert all(r.status == RequestStatus.ISSUED for r in s.scalars(select(LetterRequest)))
        assert s.scalar(select(func.count()).select_from(Resident)) >= total


def test_the_same_request_issued_twice_at_once_gives_one_letter(app, lv):
    [rid] = signed_requests(app, lv, ["SKD"])
    issued, errors = run_issuers(app, lv, [[rid], [rid], [rid]])
    assert len(issued) == 1 and issued[0][0] == 1
    assert len(errors) == 2 and all(getattr(e, "status", None) == 409 for e in errors), errors
    with app.app_context(), tenant_session(lv.id) as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 1
        assert s.scalar(select(LetterSequence.last_value)) == 1  # the losers' numbers went back
