"""Letter numbers: the format, Roman months, yearly reset, per-type or shared sequences, and no
duplicate or gap when many staff issue at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from smart_government.letters.numbering import (
    DEFAULT_FORMAT,
    PROFILE_VILLAGE_CODE,
    NumberFormatError,
    format_number,
    next_number,
    roman_month,
    validate_format,
    village_letter_code,
)
from sqlalchemy import select

from desacerdas.models import Tenant
from desacerdas.models.kit import Sequence as LetterSequence
from desacerdas.tenancy import TenantMismatch, tenant_session

DEC = date(2026, 12, 5)


# -- pure formatting ------------------------------------------------------------------------------


def test_roman_months():
    assert [roman_month(m) for m in range(1, 13)] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ]  # fmt: skip
    for bad in (0, 13):
        with pytest.raises(ValueError, match="1..12"):
            roman_month(bad)


def test_default_format():
    text = format_number(DEFAULT_FORMAT, type_code="470", seq=7, village_code="5107012003", when=DEC)
    assert text == "470/007/5107012003/XII/2026"
    big = format_number(DEFAULT_FORMAT, type_code="470", seq=1234, village_code="X", when=date(2027, 3, 1))
    assert big == "470/1234/X/III/2027"


def test_custom_format():
    fmt = "{seq:04}/{type_code}/DS-{village_code}/{month:02}.{year}"
    assert format_number(fmt, type_code="SKTM", seq=5, village_code="MNG", when=date(2026, 2, 9)) == (
        "0005/SKTM/DS-MNG/02.2026"
    )
    assert validate_format("No. {{{seq}}}") == "No. {{{seq}}}"  # doubled braces are literal


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("{type_code}/{seq}/{kode_desa}", r"unknown placeholder \{kode_desa\}"),
        ("{seq}/{}", r"unknown placeholder \{\}"),
        ("{seq}/{0}", r"unknown placeholder \{0\}"),
        ("{seq}/{year.real}", r"unknown placeholder \{year.real\}"),
        ("{seq}/{type_code[0]}", r"unknown placeholder"),
        ("{seq!r}", "conversions"),
        ("{seq:{year}}", "nested"),
        ("{type_code}/{year}", r"must contain \{seq\}"),
        ("{seq:zz}", "does not apply"),
        ("{seq", "malformed"),
        ("  ", "empty"),
    ],
)
def test_invalid_formats_are_refused_clearly(fmt, message):
    with pytest.raises(NumberFormatError, match=message):
        validate_format(fmt)


def test_village_code_from_kemendagri_code_or_profile():
    tenant = Tenant(code="51.07.01.2003", profile={})
    assert village_letter_code(tenant) == "5107012003"
    tenant.profile = {PROFILE_VILLAGE_CODE: "MNG"}
    assert village_letter_code(tenant) == "MNG"


# -- allocation -----------------------------------------------------------------------------------


def _issue(app, village, type_code, when, n=1, **kw):
    """Issue ``n`` numbers, each committed on its own, like ``n`` letters."""
    out = []
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        for _ in range(n):
            out.append(next_number(s, tenant, type_code, when, **kw))
            s.commit()
    return out


def test_numbers_count_up_per_type_and_restart_each_year(app, menanga):
    a = _issue(app, menanga, "470", DEC, 3)
    assert [n.text for n in a] == [f"470/00{i}/5107012003/XII/2026" for i in (1, 2, 3)]
    other_type = _issue(app, menanga, "SKTM", date(2026, 12, 6))
    assert other_type[0].seq == 1 and other_type[0].scope_key == "SKTM"
    next_year = _issue(app, menanga, "470", date(2027, 1, 2))
    assert next_year[0].text == "470/001/5107012003/I/2027"
    assert _issue(app, menanga, "470", date(2026, 12, 31))[0].seq == 4  # 2026 goes on where it was


def test_shared_sequence_counts_every_type(app, menanga):
    got = [
        _issue(app, menanga, code, DEC, per_type=False)[0]
        for code in ("470", "SKTM", "470", "SKCK")
    ]  # fmt: skip
    assert [n.seq for n in got] == [1, 2, 3, 4]
    assert {n.scope_key for n in got} == {"*"}
    assert got[1].text == "SKTM/002/5107012003/XII/2026"
    assert _issue(app, menanga, "470", DEC)[0].seq == 1  # the per-type sequence is separate


def test_villages_have_their_own_sequences(app, menanga, bebandem):
    _issue(app, menanga, "470", DEC, 2)
    assert _issue(app, bebandem, "470", DEC)[0].text == "470/001/5107062003/XII/2026"
    with app.app_context(), tenant_session(bebandem.id) as s:
        rows = s.scalars(select(LetterSequence)).all()
    assert [(r.scope_key, r.year, r.last_value) for r in rows] == [("470", 2026, 1)]


def test_an_aborted_letter_gives_its_number_back(app, menanga):
    with app.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        assert next_number(s, tenant, "470", DEC).seq == 1
        s.commit()
        assert next_number(s, tenant, "470", DEC).seq == 2
        s.rollback()  # the letter failed: no gap
        assert next_number(s, tenant, "470", DEC).seq == 2
        assert next_number(s, tenant, "470", DEC).seq == 3  # same transaction, two letters
        s.commit()


def test_refuses_bad_calls(app, menanga, bebandem):
    with app.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        with pytest.raises(TenantMismatch):
            next_number(s, s.get(Tenant, bebandem.id), "470", DEC)
        with pytest.raises(NumberFormatError):
            next_number(s, tenant, "470", DEC, fmt="{type_code}/{nomor}")
        for bad in ("", "*", "X" * 21):
            with pytest.raises(ValueError):
                next_number(s, tenant, bad, DEC)
        assert next_number(s, tenant, "470", DEC, village_code="MNG").text == "470/001/MNG/XII/2026"


THREADS, PER_THREAD = 8, 10


@pytest.mark.parametrize("per_type", [True, False], ids=["per-type", "shared"])
def test_parallel_issuers_get_every_number_exactly_once(app, menanga, per_type):
    """8 staff issue 10 letters each at the same time: the numbers are exactly 1..80."""
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issuer(i: int) -> None:
        type_code = "470" if per_type else ("470", "SKTM")[i % 2]
        try:
            with app.app_context(), tenant_session(menanga.id) as s:
                tenant = s.get(Tenant, menanga.id)
                barrier.wait(timeout=30)
                for _ in range(PER_THREAD):
                    n = next_number(s, tenant, type_code, DEC, per_type=per_type)
                    time.sleep(0.002)  # the letter row is written while the number is held
                    s.commit()
                    with lock:
                        results.append((n.seq, n.text))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issuer, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    seqs = sorted(seq for seq, _ in results)
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    assert len({text for _, text in results}) == THREADS * PER_THREAD
    with app.app_context(), tenant_session(menanga.id) as s:
        assert s.scalars(select(LetterSequence.last_value)).all() == [THREADS * PER_THREAD]
