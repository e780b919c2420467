"""The kit's gap-free numbering (``desacerdas.kit.numbering``): formats, per-scope and per-year
counters, namespaces, village isolation, rollback, and many clerks at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import select, update

from desacerdas.kit import numbering
from desacerdas.kit.numbering import (
    NEVER_RESETS,
    PROFILE_VILLAGE_CODE,
    SHARED_SCOPE,
    NumberFormat,
    NumberFormatError,
    Placeholder,
    format_number,
    next_value,
    roman_month,
    take,
    validate_format,
    village_code_for,
)
from desacerdas.models import Tenant
from desacerdas.models.kit import Sequence
from desacerdas.tenancy import CrossTenantWrite, TenantMismatch, tenant_session

DEC = date(2026, 12, 5)
TYPE_CODE = (Placeholder("type_code", "470", "the letter type's code"),)
LETTERS = "{type_code}/{seq:03}/{village_code}/{month_roman}/{year}"


# -- formats --------------------------------------------------------------------------------------


def test_roman_months():
    assert [roman_month(m) for m in range(1, 13)] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ]  # fmt: skip
    for bad in (0, 13):
        with pytest.raises(ValueError, match="1..12"):
            roman_month(bad)


def test_formats_render_builtin_and_declared_placeholders():
    fmt = NumberFormat(LETTERS, TYPE_CODE)
    assert fmt.render(seq=7, when=DEC, village_code="5107012003", values={"type_code": "470"}) == (
        "470/007/5107012003/XII/2026"
    )
    assert fmt.preview() == "470/001/5107012003/XII/2026"
    assert list(fmt.placeholders) == ["type_code", "seq", "village_code", "month_roman", "month", "year"]
    plain = format_number("ORD-{seq:05}/{month:02}.{year}", seq=42, when=date(2027, 3, 1), village_code="X")
    assert plain == "ORD-00042/03.2027"
    # A plain string declares its extra placeholders by the values given.
    assert format_number("{unit}/{seq}", seq=1, when=DEC, village_code="X", values={"unit": "BS"}) == "BS/1"
    assert validate_format("No. {{{seq}}}") == "No. {{{seq}}}"  # doubled braces are literal


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("{type_code}/{seq}/{kode_desa}", r"unknown placeholder \{kode_desa\}"),
        ("{seq}/{unit}", r"unknown placeholder \{unit\}"),  # not declared
        ("{seq}/{}", r"unknown placeholder \{\}"),
        ("{seq}/{0}", r"unknown placeholder \{0\}"),
        ("{seq}/{year.real}", r"unknown placeholder \{year.real\}"),
        ("{seq}/{village_code[0]}", r"unknown placeholder"),
        ("{seq!r}", "conversions"),
        ("{seq:{year}}", "nested"),
        ("{village_code}/{year}", r"must contain \{seq\}"),
        ("{seq:zz}", "does not apply"),
        ("{seq:0999999999}", "widths of more than 20"),
        ("{seq:>21}", "widths of more than 20"),
        ("{seq:.99}", "widths of more than 20"),
        ("{seq:020}" + "{village_code:020}" * 6, "longer than 120"),
        ("{seq}" + "x" * 120, "more than 120 characters"),
        ("{seq", "malformed"),
        ("  ", "empty"),
    ],
)
def test_bad_formats_are_refused_clearly(fmt, message):
    with pytest.raises(NumberFormatError, match=message):
        validate_format(fmt, TYPE_CODE)


def test_placeholders_declared_by_a_pillar_are_checked():
    with pytest.raises(ValueError, match="cannot be declared"):
        NumberFormat("{seq}", (Placeholder("seq", 1),))  # a built-in cannot be redefined
    with pytest.raises(ValueError, match="cannot be declared"):
        NumberFormat("{seq}", (Placeholder("Type.Code", "x"),))
    fmt = NumberFormat(LETTERS, TYPE_CODE)
    with pytest.raises(ValueError, match="missing"):
        fmt.render(seq=1, when=DEC, village_code="X")
    with pytest.raises(ValueError, match="undeclared"):
        fmt.render(seq=1, when=DEC, village_code="X", values={"type_code": "470", "other": 1})
    with pytest.raises(NumberFormatError, match="does not apply"):  # a value the spec cannot take
        NumberFormat("{seq}/{n:03d}", (Placeholder("n", 1),)).render(
            seq=1, when=DEC, village_code="X", values={"n": "abc"}
        )
    with pytest.raises(NumberFormatError, match="longer than 120"):
        format_number("{seq}/{note}", seq=1, when=DEC, village_code="X", values={"note": "n" * 130})


def test_village_code_from_profile_or_kemendagri_code():
    tenant = Tenant(code="51.07.01.2003", profile={})
    assert village_code_for(tenant) == "5107012003"
    tenant.profile = {PROFILE_VILLAGE_CODE: "MNG"}
    assert PROFILE_VILLAGE_CODE == "letter_village_code"  # letters and villages' profiles use this key
    assert village_code_for(tenant) == "MNG"


# -- counters -------------------------------------------------------------------------------------


def _take(app, village, n=1, *, namespace="test.orders", fmt="{seq:03}/{village_code}/{year}", **kw):
    """Take ``n`` numbers, each committed on its own, like ``n`` papers."""
    out = []
    when = kw.pop("when", DEC)
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        for _ in range(n):
            out.append(take(s, tenant, namespace, fmt, when=when, **kw))
            s.commit()
    return out


def _rows(app, village):
    with app.app_context(), tenant_session(village.id) as s:
        return sorted(
            (r.namespace, r.scope_key, r.year, r.last_value) for r in s.scalars(select(Sequence)).all()
        )


def test_numbers_count_up_per_scope_and_restart_each_year(app, menanga):
    fmt = NumberFormat(LETTERS, TYPE_CODE)
    kw = {"namespace": "test.letters", "fmt": fmt}
    got = [_take(app, menanga, scope_key="470", values={"type_code": "470"}, **kw)[0] for _ in range(3)]
    assert [n.text for n in got] == [f"470/00{i}/5107012003/XII/2026" for i in (1, 2, 3)]
    assert (got[0].year, got[0].scope_key) == (2026, "470")
    other = _take(app, menanga, scope_key="SKTM", values={"type_code": "SKTM"}, **kw)[0]
    assert (other.seq, other.text) == (1, "SKTM/001/5107012003/XII/2026")
    jan = _take(app, menanga, scope_key="470", values={"type_code": "470"}, when=date(2027, 1, 2), **kw)[0]
    assert jan.text == "470/001/5107012003/I/2027"
    late = _take(app, menanga, scope_key="470", values={"type_code": "470"}, when=date(2026, 12, 31), **kw)
    assert late[0].seq == 4  # 2026 goes on where it was
    assert _rows(app, menanga) == [
        ("test.letters", "470", 2026, 4),
        ("test.letters", "470", 2027, 1),
        ("test.letters", "SKTM", 2026, 1),
    ]


def test_a_sequence_that_never_resets(app, menanga):
    first = _take(app, menanga, 2, fmt="R-{seq:04}", yearly=False)
    later = _take(app, menanga, fmt="R-{seq:04}", yearly=False, when=date(2031, 1, 1))
    assert [n.text for n in first + later] == ["R-0001", "R-0002", "R-0003"]
    assert {n.year for n in first + later} == {NEVER_RESETS}
    assert _rows(app, menanga) == [("test.orders", SHARED_SCOPE, 0, 3)]
    with app.app_context(), tenant_session(menanga.id) as s:
        assert next_value(s, "test.orders") == 4  # year=None: the same never-resetting sequence
        s.rollback()


def test_two_namespaces_count_independently(app, menanga):
    orders = _take(app, menanga, 2, namespace="smart_economy.orders")
    receipts = _take(app, menanga, namespace="smart_environment.receipts")
    assert [n.seq for n in orders] == [1, 2] and receipts[0].seq == 1
    assert _take(app, menanga, namespace="smart_economy.orders")[0].seq == 3


def test_villages_have_their_own_sequences(app, menanga, bebandem):
    assert [n.text for n in _take(app, menanga, 2)] == ["001/5107012003/2026", "002/5107012003/2026"]
    assert _take(app, bebandem)[0].text == "001/5107062003/2026"
    assert _rows(app, bebandem) == [("test.orders", "*", 2026, 1)]
    with app.app_context(), tenant_session(bebandem.id) as s:
        # Bebandem's session cannot reach Menanga's row: not by reading, updating or inserting.
        assert s.scalars(select(Sequence).where(Sequence.tenant_id == menanga.id)).all() == []
        hit = s.execute(
            update(Sequence).where(Sequence.tenant_id == menanga.id).values(last_value=99),
            execution_options={"synchronize_session": False},
        )
        assert hit.rowcount == 0
        with pytest.raises(CrossTenantWrite):
            s.add(Sequence(tenant_id=menanga.id, namespace="x", scope_key="*", year=0, last_value=5))
            s.flush()
        s.rollback()
    assert _rows(app, menanga) == [("test.orders", "*", 2026, 2)]


def test_a_village_code_of_the_profile_is_printed(app, menanga):
    with app.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        tenant.profile = {**(tenant.profile or {}), PROFILE_VILLAGE_CODE: "MNG"}
        s.commit()
    assert _take(app, menanga)[0].text == "001/MNG/2026"
    assert _take(app, menanga, village_code="OTHER")[0].text == "002/OTHER/2026"


def test_an_aborted_paper_gives_its_number_back(app, menanga):
    with app.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        assert take(s, tenant, "test.orders", "{seq}", when=DEC).seq == 1
        s.commit()
        assert take(s, tenant, "test.orders", "{seq}", when=DEC).seq == 2
        s.rollback()  # the paper failed: no gap
        assert take(s, tenant, "test.orders", "{seq}", when=DEC).seq == 2
        assert take(s, tenant, "test.orders", "{seq}", when=DEC).seq == 3  # two papers, one transaction
        s.commit()
    assert _rows(app, menanga) == [("test.orders", "*", 2026, 3)]


def test_refuses_bad_calls_before_taking_a_number(app, menanga, bebandem):
    with app.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        with pytest.raises(TenantMismatch):
            take(s, s.get(Tenant, bebandem.id), "test.orders", "{seq}", when=DEC)
        with pytest.raises(NumberFormatError):
            take(s, tenant, "test.orders", "{type_code}/{nomor}", when=DEC)
        for namespace, scope in (("", "*"), ("n" * 61, "*"), ("test.orders", ""), ("test.orders", "s" * 41)):
            with pytest.raises(ValueError, match="characters"):
                take(s, tenant, namespace, "{seq}", when=DEC, scope_key=scope)
        with pytest.raises(ValueError, match="year"):
            next_value(s, "test.orders", year=-1)
        s.rollback()
    assert _rows(app, menanga) == []
    with app.app_context():
        from desacerdas.extensions import db

        with pytest.raises(TenantMismatch, match="bound to a village"):
            next_value(db.session, "test.orders")  # a session serving no village


# -- many clerks at once --------------------------------------------------------------------------

THREADS, PER_THREAD = 8, 10


@pytest.mark.parametrize("shared", [False, True], ids=["one-scope", "two-scopes"])
def test_parallel_clerks_get_every_number_exactly_once(app, menanga, shared):
    """8 clerks take 10 numbers each at the same moment, each in its own session: 1..80, once each."""
    barrier = threading.Barrier(THREADS)
    results: list[tuple[str, int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def clerk(i: int) -> None:
        scope = ("A", "B")[i % 2] if shared else SHARED_SCOPE
        try:
            with app.app_context(), tenant_session(menanga.id) as s:
                tenant = s.get(Tenant, menanga.id)
                barrier.wait(timeout=30)
                for _ in range(PER_THREAD):
                    n = take(s, tenant, "test.orders", "{seq:04}/{year}", when=DEC, scope_key=scope)
                    time.sleep(0.002)  # the paper's row is written while the number is held
                    s.commit()
                    with lock:
                        results.append((n.scope_key, n.seq, n.text))
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    total = THREADS * PER_THREAD
    scopes = ("A", "B") if shared else (SHARED_SCOPE,)
    for scope in scopes:
        seqs = sorted(seq for sc, seq, _ in results if sc == scope)
        assert seqs == list(range(1, total // len(scopes) + 1))  # no gap, no duplicate
    assert len(results) == total
    assert sorted(r[3] for r in _rows(app, menanga)) == [total // len(scopes)] * len(scopes)


def test_a_clerk_whose_paper_fails_while_others_take_numbers_leaves_no_gap(app, menanga):
    """Half the clerks roll back every other paper: the committed numbers are still 1..n, no gap."""
    barrier = threading.Barrier(4)
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def clerk(i: int) -> None:
        try:
            with app.app_context(), tenant_session(menanga.id) as s:
                tenant = s.get(Tenant, menanga.id)
                barrier.wait(timeout=30)
                for k in range(6):
                    n = take(s, tenant, "test.orders", "{seq}", when=DEC)
                    if i % 2 and k % 2:
                        s.rollback()
                        continue
                    s.commit()
                    with lock:
                        committed.append(n.seq)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(committed) == list(range(1, 4 * 6 - 6 + 1))
    assert _rows(app, menanga) == [("test.orders", "*", 2026, 18)]


def test_the_module_needs_no_pillar():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(numbering))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not any(name.startswith("smart_") for name in imported)
