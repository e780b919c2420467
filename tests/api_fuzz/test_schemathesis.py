"""Schemathesis over ``/api/v1/openapi.json``: every operation, a few generated requests each.

Runs in the normal suite (so CI runs it) against the test app and a throwaway village whose head
holds the bearer token. Each operation gets a handful of schema-valid and schema-invalid requests
(bounded by ``MAX_EXAMPLES`` and a wall-time budget) and every answer must be no server error and
match the document: status code, content type, headers and body schema. All failures are collected
and reported together, with per-check counts, so one run shows the whole picture.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from desacerdas.testing import support

MAX_EXAMPLES = int(os.environ.get("DESA_FUZZ_EXAMPLES", "4"))
BUDGET_SECONDS = 170
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_village(app):  # noqa: ANN001, ANN201
    """A throwaway village with every working plugin enabled and a village head's token."""
    village = support.make_village(app, hamlets=["Banjar Satu"])
    support.enable_plugins(app, village, *app.extensions["desa_plugins"].working())
    head = support.make_user(app, "village_head", village)
    return village, support.api_headers(app, head)


def _failure_names(exc: BaseException) -> list[tuple[str, str]]:
    """(kind, one-line message) for each check failure inside ``exc``."""
    inner = getattr(exc, "exceptions", None) or [exc]
    out = []
    for failure in inner:
        title = getattr(failure, "title", type(failure).__name__)
        message = (getattr(failure, "message", None) or str(failure)).strip().splitlines()
        out.append((str(title), message[0][:160] if message else ""))
    return out


def run_operation(
    operation: Any, headers: dict[str, str], slug: str, stats: Counter, failures: list, examples: int
) -> None:
    """Drive ``operation`` with ``examples`` positive and negative cases, collecting failures."""
    path = {"slug": slug} if "{slug}" in operation.path else None
    strategies = [
        operation.as_strategy(generation_mode=mode, path_parameters=path)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(case=st.one_of(strategies))
    def probe(case: Any) -> None:
        response = case.call(headers=headers)
        stats["requests"] += 1
        if response.status_code >= 500:
            stats["server_errors"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported below
            for kind, message in _failure_names(exc):
                stats[kind] += 1
                where = f"{operation.method.upper()} {operation.path} → {response.status_code}"
                failures.append(f"{where}: {kind}: {message}")

    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - e.g. a strategy that cannot be built
        stats["errors"] += 1
        failures.append(f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {exc}"[:300])


def test_every_operation_conforms(app, fuzz_village) -> None:  # noqa: ANN001
    village, headers = fuzz_village
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    stats: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        if time.monotonic() - started > BUDGET_SECONDS:
            stats["skipped_for_time"] += 1
            continue
        run_operation(operation, headers, village.slug, stats, failures, MAX_EXAMPLES)
        # Anonymous: public operations answer, the others 401 with the documented error body.
        run_operation(operation, {}, village.slug, stats, failures, 1)
    print(f"\nschemathesis: {len(operations)} operations, {dict(stats)}")
    print("\n".join(sorted(set(failures))))
    assert stats["skipped_for_time"] == 0, "raise BUDGET_SECONDS or lower MAX_EXAMPLES"
    assert not failures, f"{len(failures)} failures, {dict(stats)}:\n" + "\n".join(sorted(set(failures)))
